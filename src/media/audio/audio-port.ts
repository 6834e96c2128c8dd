/**
 * The audio device seen by the media engine: one capture source and one playback sink, both in frames of
 * mono 16-bit PCM. The engine's own 20 ms clock drives it (readCapture/writePlayback once per frame), not the
 * device: RTP must leave at network pace even when a device is not real time (the ALSA file/null plugins run
 * as fast as they are fed), and a device whose crystal drifts from ours is absorbed here, in a bounded ring,
 * by dropping or padding samples (counted), instead of growing latency without end.
 */
import type { PcmFrame } from '../types.js';

export interface AudioPortOptions {
  sampleRate: number;
  /** samples per frame (sampleRate × frame ms / 1000) */
  frameSamples: number;
}

export interface AudioPortStats {
  /** capture frames asked for but not (fully) there: padded with silence */
  captureUnderruns: number;
  /** captured samples dropped because the engine did not read them in time */
  captureOverrunSamples: number;
  /** playback frames dropped because the device did not take them in time */
  playbackOverruns: number;
}

export interface AudioPort {
  readonly name: string;
  readonly sampleRate: number;
  readonly frameSamples: number;
  /** The next captured frame; silence (counted) when the device has not delivered enough yet. */
  readCapture(): PcmFrame;
  /** Queues one frame for playback; dropped (counted) when the device is too far behind. */
  writePlayback(frame: PcmFrame): void;
  stats(): AudioPortStats;
  close(): Promise<void>;
}

/** Opens a port for one call (or for the ringer); the board descriptor chooses which implementation. */
export interface AudioDevice {
  readonly name: string;
  open(opts: AudioPortOptions): Promise<AudioPort>;
}

/**
 * A bounded FIFO of samples. Writes past capacity drop the oldest samples (a capture device that runs fast
 * must not build up delay); reads of more than is there return what there is and report the shortfall.
 */
export class SampleRing {
  private readonly buf: Int16Array;
  private start = 0;
  private length = 0;
  droppedSamples = 0;

  constructor(capacity: number) {
    this.buf = new Int16Array(capacity);
  }

  get size(): number {
    return this.length;
  }

  write(samples: Int16Array): void {
    const cap = this.buf.length;
    let src = samples;
    if (src.length > cap) {
      this.droppedSamples += src.length - cap;
      src = src.subarray(src.length - cap);
    }
    const overflow = this.length + src.length - cap;
    if (overflow > 0) {
      this.start = (this.start + overflow) % cap;
      this.length -= overflow;
      this.droppedSamples += overflow;
    }
    let end = (this.start + this.length) % cap;
    for (let i = 0; i < src.length; i++) {
      this.buf[end] = src[i]!;
      end = end + 1 === cap ? 0 : end + 1;
    }
    this.length += src.length;
  }

  /** Fills `out` from the front; returns how many samples were real (the rest is left as zeros). */
  read(out: Int16Array): number {
    const cap = this.buf.length;
    const n = Math.min(out.length, this.length);
    for (let i = 0; i < n; i++) {
      out[i] = this.buf[this.start]!;
      this.start = this.start + 1 === cap ? 0 : this.start + 1;
    }
    out.fill(0, n);
    this.length -= n;
    return n;
  }
}
