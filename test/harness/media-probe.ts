// Tools for measuring audio in tests that run two MediaEngines in one process: a looping tone source, a
// device that keeps every played frame in memory, a port range of its own per engine, and one call end.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import type { AudioDevice, AudioPort } from '../../src/media/audio/audio-port.js';
import { wavAudioDevice } from '../../src/media/audio/wav-audio.js';
import { MediaEngine } from '../../src/media/media-engine.js';
import { PhoneMediaStream } from '../../src/media/media-stream.js';
import type { SipdeskPeerConnection } from '../../src/media/peer-connection.js';
import { mediaSchema } from '../../src/config/schema.js';
import { PortAllocator } from '../../src/media/rtp/port-allocator.js';
import { encodeWav } from '../../src/media/dsp/wav.js';

export const TONE_AMPLITUDE = 10000;
/** RMS level of the tone files, ≈ −13.3 dBFS. */
export const TONE_DBFS = 20 * Math.log10(TONE_AMPLITUDE / Math.SQRT2 / 32768);

/** Writes 1 s of `freq` at 16 kHz: whole periods of 1000 and 440 Hz, so the looped source is seamless. */
export function toneWav(dir: string, name: string, freq: number): string {
  const rate = 16000;
  const pcm = new Int16Array(rate);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(TONE_AMPLITUDE * Math.sin((2 * Math.PI * freq * i) / rate));
  const file = path.join(dir, name);
  writeFileSync(file, encodeWav(pcm, rate));
  return file;
}

/** Wraps a device; its playback is also kept in memory, frame by frame, for measuring. */
export class Recorder implements AudioDevice {
  readonly name = 'recorder';
  frames: Int16Array[] = [];
  sampleRate = 0;
  constructor(private readonly inner: AudioDevice) {}

  async open(opts: { sampleRate: number; frameSamples: number }): Promise<AudioPort> {
    const port = await this.inner.open(opts);
    this.sampleRate = opts.sampleRate;
    return {
      name: port.name,
      sampleRate: port.sampleRate,
      frameSamples: port.frameSamples,
      readCapture: () => port.readCapture(),
      writePlayback: (f) => {
        this.frames.push(Int16Array.from(f));
        port.writePlayback(f);
      },
      stats: () => port.stats(),
      close: () => port.close(),
    };
  }

  /** Frames played so far: a position to measure from. */
  mark(): number {
    return this.frames.length;
  }

  /** Played frames [from, to) as one block. */
  pcm(from = 0, to = this.frames.length): Int16Array {
    return joinFrames(this.frames.slice(from, to));
  }

  /** Everything played after the first `ms` milliseconds. */
  pcmAfterMs(ms: number): Int16Array {
    const all = this.pcm();
    return all.subarray(Math.min(all.length, Math.round((ms * this.sampleRate) / 1000)));
  }
}

/** A random 100-port range per engine, so parallel engines and test files do not collide. */
export function testPortAllocator(): PortAllocator {
  const base = 20000 + 2 * Math.floor(Math.random() * 20000);
  return new PortAllocator({ min: base, max: base + 99 });
}

export interface MediaSide {
  engine: MediaEngine;
  pc: SipdeskPeerConnection;
  rec: Recorder;
}

/**
 * One end of a call on 127.0.0.1: an engine whose microphone plays `freq` and whose speaker is recorded, and
 * a peer connection with its audio track added, closed when the test ends.
 */
export function mediaSide(t: Pick<TestContext, 'after'>, dir: string, name: string, freq: number, media: Record<string, unknown>): MediaSide {
  const rec = new Recorder(wavAudioDevice({ source: toneWav(dir, `${name}-src.wav`, freq), sink: path.join(dir, `${name}-sink.wav`) }));
  const engine = new MediaEngine({ media: mediaSchema.parse(media), audioDevice: rec, localAddress: '127.0.0.1', bindAddress: '127.0.0.1', allocator: testPortAllocator() });
  const Pc = engine.peerConnectionClass();
  const pc = new Pc({}, {});
  const stream = new PhoneMediaStream();
  for (const track of stream.getTracks()) pc.addTrack(track, stream);
  t.after(async () => {
    pc.close();
    await pc.whenClosed();
  });
  return { engine, pc, rec };
}

/** Frames joined into one block (what a recording device played, in order). */
export function joinFrames(frames: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(frames.reduce((n, f) => n + f.length, 0));
  let at = 0;
  for (const f of frames) {
    out.set(f, at);
    at += f.length;
  }
  return out;
}
