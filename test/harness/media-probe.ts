// Tools for measuring audio in tests that run two MediaEngines in one process: a looping tone source, a
// device that keeps every played frame in memory, and a port range of its own per engine.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AudioDevice, AudioPort } from '../../src/media/audio/audio-port.js';
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
    const parts = this.frames.slice(from, to);
    const out = new Int16Array(parts.reduce((n, f) => n + f.length, 0));
    let at = 0;
    for (const f of parts) {
      out.set(f, at);
      at += f.length;
    }
    return out;
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
