/**
 * ALSA through PortAudio (naudiodon). Device names come from the board descriptor and are matched against
 * PortAudio's device list (exact name first, then substring), "default" meaning ALSA's default PCM.
 *
 * naudiodon is loaded on first use only: it is a native addon that also installs a segfault handler, and a
 * board with the null or WAV device must not depend on it. Capture data arrives in device-sized chunks and
 * goes into a ring of at most `maxLatencyMs`; playback is written straight to the device stream, dropping
 * frames (counted) when more than `maxLatencyMs` is already queued.
 */
import { createRequire } from 'node:module';
import type { Readable, Writable } from 'node:stream';
import { SampleRing, type AudioDevice, type AudioPort, type AudioPortOptions, type AudioPortStats } from './audio-port.js';
import type { PcmFrame } from '../types.js';
import { createLogger } from '../../util/log.js';

const log = createLogger('audio');

interface PortAudioDeviceInfo {
  id: number;
  name: string;
  maxInputChannels: number;
  maxOutputChannels: number;
  hostAPIName: string;
}

type IoStream = (Readable | Writable) & { start(): void; quit(cb?: () => void): Promise<void> };

interface Naudiodon {
  getDevices(): PortAudioDeviceInfo[];
  AudioIO(options: Record<string, unknown>): IoStream;
  SampleFormat16Bit: number;
}

let naudiodon: Naudiodon | undefined;

function load(): Naudiodon {
  naudiodon ??= createRequire(import.meta.url)('naudiodon') as Naudiodon;
  return naudiodon;
}

export interface NaudiodonDeviceOptions {
  /** PortAudio/ALSA device name for capture and playback ('default' = ALSA default PCM). */
  captureDevice: string;
  playbackDevice: string;
  /** Upper bound of audio held in our buffers in each direction (ms). */
  maxLatencyMs?: number;
}

/** PortAudio device id for a name: exact match first, then a unique substring; -1 = default. */
export function findDeviceId(devices: readonly PortAudioDeviceInfo[], name: string, direction: 'capture' | 'playback'): number {
  if (name === 'default') return -1;
  const usable = devices.filter((d) => (direction === 'capture' ? d.maxInputChannels : d.maxOutputChannels) > 0);
  const exact = usable.find((d) => d.name === name);
  if (exact) return exact.id;
  const partial = usable.filter((d) => d.name.includes(name));
  if (partial.length === 1) return partial[0]!.id;
  const names = usable.map((d) => `"${d.name}"`).join(', ') || 'none';
  throw new Error(`no ${direction} device named "${name}"${partial.length > 1 ? ' (ambiguous)' : ''}; available: ${names}`);
}

export function naudiodonAudioDevice(o: NaudiodonDeviceOptions): AudioDevice {
  return {
    name: `alsa:${o.captureDevice}/${o.playbackDevice}`,
    // Opening throws synchronously in PortAudio (busy device, bad rate): turned into a rejection here.
    open: (opts: AudioPortOptions): Promise<AudioPort> => Promise.resolve().then(() => {
      const pa = load();
      const devices = pa.getDevices();
      const maxSamples = Math.round(((o.maxLatencyMs ?? 200) * opts.sampleRate) / 1000);
      const common = { channelCount: 1, sampleFormat: pa.SampleFormat16Bit, sampleRate: opts.sampleRate, framesPerBuffer: opts.frameSamples, closeOnError: false };
      const input = pa.AudioIO({ inOptions: { ...common, deviceId: findDeviceId(devices, o.captureDevice, 'capture') } }) as Readable & IoStream;
      const output = pa.AudioIO({ outOptions: { ...common, deviceId: findDeviceId(devices, o.playbackDevice, 'playback') } }) as Writable & IoStream;
      return new NaudiodonPort(`alsa:${o.captureDevice}/${o.playbackDevice}`, opts, input, output, maxSamples);
    }),
  };
}

class NaudiodonPort implements AudioPort {
  private readonly ring: SampleRing;
  private readonly counters: AudioPortStats = { captureUnderruns: 0, captureOverrunSamples: 0, playbackOverruns: 0 };
  private closed = false;
  readonly sampleRate: number;
  readonly frameSamples: number;

  constructor(
    readonly name: string,
    opts: AudioPortOptions,
    private readonly input: Readable & IoStream,
    private readonly output: Writable & IoStream,
    private readonly maxSamples: number,
  ) {
    this.sampleRate = opts.sampleRate;
    this.frameSamples = opts.frameSamples;
    this.ring = new SampleRing(maxSamples);
    input.on('data', (chunk: Buffer) => {
      // Copy out of Node's pooled buffer; an odd byte count cannot come from a 16-bit stream.
      const samples = new Int16Array(chunk.buffer.slice(chunk.byteOffset, chunk.byteOffset + (chunk.length & ~1)));
      this.ring.write(samples);
    });
    for (const s of [input, output]) s.on('error', (err: Error) => log.error(`${name}: ${err.message}`));
    input.start();
    output.start();
  }

  readCapture(): PcmFrame {
    const frame = new Int16Array(this.frameSamples);
    if (this.ring.read(frame) < frame.length) this.counters.captureUnderruns++;
    return frame;
  }

  writePlayback(frame: PcmFrame): void {
    if (this.closed) return;
    if (this.output.writableLength / 2 > this.maxSamples) {
      this.counters.playbackOverruns++;
      return;
    }
    this.output.write(Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  }

  stats(): AudioPortStats {
    return { ...this.counters, captureOverrunSamples: this.ring.droppedSamples };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.input.removeAllListeners('data');
    // Every stream must be quit, or PortAudio keeps the process alive (shared notes).
    await Promise.all([this.input.quit(), this.output.quit()]);
  }
}
