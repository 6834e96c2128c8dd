/**
 * WAV files as the audio device: the "microphone" plays a WAV file in a loop, the "speaker" records into
 * a WAV file. The simulator and the interop tests use it to put a known signal into a call and to measure
 * what came out. The recording is streamed to disk frame by frame (the header is patched on close), so a
 * long call does not grow memory.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import type { AudioDevice, AudioPort, AudioPortOptions } from './audio-port.js';
import type { PcmFrame } from '../types.js';
import { decodeWavToRate, wavHeader } from '../dsp/wav.js';

export interface WavDeviceOptions {
  /** Played as capture, looped; silence when absent. */
  source?: string;
  /** Playback is recorded here; discarded when absent. */
  sink?: string;
}

export function wavAudioDevice(o: WavDeviceOptions): AudioDevice {
  return {
    name: `wav:${o.source ?? '-'}>${o.sink ?? '-'}`,
    open: (opts: AudioPortOptions): Promise<AudioPort> => Promise.resolve().then(() => new WavPort(o, opts)),
  };
}

class WavPort implements AudioPort {
  readonly name: string;
  readonly sampleRate: number;
  readonly frameSamples: number;
  private readonly source: PcmFrame | undefined;
  private position = 0;
  private sinkFd: number | undefined;
  private sinkBytes = 0;

  constructor(
    private readonly o: WavDeviceOptions,
    opts: AudioPortOptions,
  ) {
    this.name = `wav:${o.source ?? '-'}>${o.sink ?? '-'}`;
    this.sampleRate = opts.sampleRate;
    this.frameSamples = opts.frameSamples;
    if (o.source) {
      // Errors (missing file, not a 16-bit PCM WAV) surface here, when the call opens its audio.
      const pcm = decodeWavToRate(readFileSync(o.source), opts.sampleRate);
      this.source = pcm.length > 0 ? pcm : undefined;
    }
    if (o.sink) {
      this.sinkFd = openSync(o.sink, 'w');
      writeSync(this.sinkFd, wavHeader(0, opts.sampleRate));
    }
  }

  readCapture(): PcmFrame {
    const frame = new Int16Array(this.frameSamples);
    const src = this.source;
    if (!src) return frame;
    for (let i = 0; i < frame.length; i++) {
      frame[i] = src[this.position]!;
      this.position = this.position + 1 === src.length ? 0 : this.position + 1;
    }
    return frame;
  }

  writePlayback(frame: PcmFrame): void {
    if (this.sinkFd === undefined) return;
    this.sinkBytes += writeSync(this.sinkFd, Buffer.from(frame.buffer, frame.byteOffset, frame.byteLength));
  }

  stats() {
    return { captureUnderruns: 0, captureOverrunSamples: 0, playbackOverruns: 0 };
  }

  close(): Promise<void> {
    if (this.sinkFd !== undefined) {
      writeSync(this.sinkFd, wavHeader(this.sinkBytes, this.sampleRate), 0, 44, 0);
      closeSync(this.sinkFd);
      this.sinkFd = undefined;
    }
    return Promise.resolve();
  }
}
