/**
 * Packet-loss concealment on decoded PCM, after ITU-T G.711 Appendix I (pitch-period repetition), at any
 * sample rate (the 8 kHz constants are scaled: pitch 5–15 ms, 20 ms correlation window, 10 ms blocks).
 *
 * - A missing stretch is synthesized from the last 48.75 ms of played audio: the pitch period is found by
 *   normalized cross-correlation (coarse search on every other 8 kHz-equivalent sample, then fine), and the
 *   last period is repeated, its end cross-faded over a quarter period with the quarter period that precedes
 *   it so that the wrap-around is smooth.
 * - 10 ms into the erasure a second period, at 20 ms a third, is added to the repeated buffer (less buzz),
 *   each change cross-faded over a quarter period.
 * - From 10 ms on the output is attenuated linearly by 20 % per 10 ms: silent from 60 ms.
 * - The first good frame after an erasure is cross-faded with the synthetic continuation over a quarter
 *   period plus 4 ms per 10 ms of erasure, at most 10 ms.
 * Unlike Appendix I this adds no algorithmic delay (Appendix I delays output by 3.75 ms to also smooth the
 * junction into the first synthetic period): the repetition starts one period back, which continues a
 * periodic signal smoothly. A frame after one the jitter buffer dropped can be passed with
 * `{ discontinuous: true }` to get the same quarter-period cross-fade.
 *
 * Pure computation; one instance per decoded stream.
 */

import type { PcmFrame } from '../types.js';

export interface PlcOptions {
  /** Sample rate of the decoded PCM (8000, 16000, …). */
  readonly sampleRate: number;
}

export interface PlcStats {
  /** Samples synthesized since creation. */
  readonly concealedSamples: number;
  /** Erasures (runs of missing audio) seen. */
  readonly erasures: number;
  /** Length of the current erasure in samples (0 when the last call was good()). */
  readonly currentErasureSamples: number;
}

function clip16(x: number): number {
  if (x > 32767) return 32767;
  if (x < -32768) return -32768;
  return Math.round(x);
}

export class Plc {
  readonly sampleRate: number;
  private readonly pitchMin: number;
  private readonly pitchMax: number;
  private readonly corrLen: number;
  private readonly histLen: number;
  /** 10 ms in samples: the Appendix I frame. */
  private readonly block: number;
  private readonly attenPerSample: number;
  private readonly olaIncr: number;
  private readonly coarseStep: number;
  private readonly minPower: number;

  private readonly history: Float32Array;
  private readonly pitchBuf: Float32Array;
  private lastQ: Float32Array = new Float32Array(0);
  private pitch = 0;
  private poverlap = 0;
  private pitchBlen = 0;
  private pOffset = 0;
  /** Samples concealed in the current erasure. */
  private erased = 0;
  private concealedSamples = 0;
  private erasures = 0;

  constructor(options: PlcOptions) {
    const fs = options.sampleRate;
    if (!(Number.isFinite(fs) && fs >= 4000 && fs <= 192000)) throw new RangeError(`unsupported sample rate ${fs}`);
    this.sampleRate = fs;
    const k = fs / 8000;
    this.pitchMin = Math.round(40 * k);
    this.pitchMax = Math.round(120 * k);
    this.corrLen = Math.round(160 * k);
    this.block = Math.round(80 * k);
    this.histLen = 3 * this.pitchMax + (this.pitchMax >> 2);
    this.attenPerSample = 0.2 / this.block;
    this.olaIncr = Math.round(32 * k);
    this.coarseStep = Math.max(2, Math.round(2 * k));
    this.minPower = 250 * (this.corrLen / this.coarseStep / 80);
    this.history = new Float32Array(this.histLen);
    this.pitchBuf = new Float32Array(this.histLen);
  }

  /** True while the last call was missing(). */
  get concealing(): boolean {
    return this.erased > 0;
  }

  stats(): PlcStats {
    return { concealedSamples: this.concealedSamples, erasures: this.erasures, currentErasureSamples: this.erased };
  }

  /** Forgets the history (new stream). */
  reset(): void {
    this.history.fill(0);
    this.erased = 0;
    this.pOffset = 0;
    this.pitchBlen = 0;
  }

  /**
   * A good decoded frame. Returns what to play: the frame itself when nothing needs smoothing, otherwise a
   * new array whose start is cross-faded from the synthetic continuation.
   */
  good(frame: PcmFrame, options?: { readonly discontinuous?: boolean }): PcmFrame {
    let out = frame;
    if (this.erased > 0) {
      const blocks = Math.ceil(this.erased / this.block);
      const olen = Math.min(this.poverlap + (blocks - 1) * this.olaIncr, this.block, frame.length);
      out = this.crossfadeInto(frame, olen);
      this.erased = 0;
    } else if (options?.discontinuous === true && frame.length > 0) {
      this.startErasure();
      out = this.crossfadeInto(frame, Math.min(this.poverlap, frame.length));
    }
    this.addToHistory(out);
    return out;
  }

  /** Synthesizes `samples` samples of concealment for missing audio. */
  missing(samples: number): PcmFrame {
    if (!Number.isInteger(samples) || samples < 0) throw new RangeError(`bad sample count ${samples}`);
    const out = new Int16Array(samples);
    if (samples === 0) return out;
    if (this.erased === 0) {
      this.erasures++;
      this.startErasure();
    }
    let done = 0;
    while (done < samples) {
      const n = this.erased;
      // Appendix I adds a period to the repeated buffer 10 ms and 20 ms into the erasure.
      if ((n === this.block || n === 2 * this.block) && this.pitchBlen < 3 * this.pitch) this.addPeriod(out, done);
      if (this.erased !== n) {
        done += this.erased - n;
        continue;
      }
      let nextBoundary = samples - done;
      if (n < this.block) nextBoundary = Math.min(nextBoundary, this.block - n);
      else if (n < 2 * this.block) nextBoundary = Math.min(nextBoundary, 2 * this.block - n);
      for (let i = 0; i < nextBoundary; i++) out[done + i] = clip16(this.nextSynth() * this.gainAt(this.erased + i));
      this.erased += nextBoundary;
      done += nextBoundary;
    }
    this.concealedSamples += samples;
    this.addToHistory(out);
    return out;
  }

  private gainAt(n: number): number {
    if (n < this.block) return 1;
    const g = 1 - (n - this.block) * this.attenPerSample;
    return g > 0 ? g : 0;
  }

  private startErasure(): void {
    this.pitchBuf.set(this.history);
    this.pitch = this.findPitch();
    this.poverlap = Math.max(1, this.pitch >> 2);
    const end = this.histLen;
    this.lastQ = this.pitchBuf.slice(end - this.poverlap, end);
    this.pitchBlen = this.pitch;
    this.pOffset = 0;
    this.smoothWrap();
  }

  /** Cross-fades the buffer's last quarter period into the quarter period before the repeated part. */
  private smoothWrap(): void {
    const end = this.histLen;
    const start = end - this.pitchBlen;
    const cnt = this.poverlap;
    const incr = 1 / cnt;
    let lw = 1 - incr;
    let rw = incr;
    for (let i = 0; i < cnt; i++) {
      this.pitchBuf[end - cnt + i] = (this.lastQ[i] as number) * lw + (this.pitchBuf[start - cnt + i] as number) * rw;
      lw -= incr;
      rw += incr;
    }
  }

  /** Adds one pitch period to the repeated buffer, cross-fading old into new over a quarter period. */
  private addPeriod(out: Int16Array, at: number): void {
    const cnt = Math.min(this.poverlap, out.length - at);
    const saved = this.pOffset;
    const tail = new Float32Array(this.poverlap);
    for (let i = 0; i < this.poverlap; i++) tail[i] = this.nextSynth();
    this.pOffset = saved;
    while (this.pOffset >= this.pitch) this.pOffset -= this.pitch;
    this.pitchBlen += this.pitch;
    this.smoothWrap();
    const incr = 1 / (cnt + 1);
    for (let i = 0; i < cnt; i++) {
      const w = (i + 1) * incr;
      const v = (tail[i] as number) * (1 - w) + this.nextSynth() * w;
      out[at + i] = clip16(v * this.gainAt(this.erased + i));
    }
    this.erased += cnt;
  }

  private nextSynth(): number {
    const v = this.pitchBuf[this.histLen - this.pitchBlen + this.pOffset] as number;
    this.pOffset++;
    if (this.pOffset >= this.pitchBlen) this.pOffset = 0;
    return v;
  }

  private crossfadeInto(frame: PcmFrame, olen: number): PcmFrame {
    const out = new Int16Array(frame);
    const incr = 1 / (olen + 1);
    for (let i = 0; i < olen; i++) {
      const w = (i + 1) * incr;
      const synth = this.nextSynth() * this.gainAt(this.erased + i);
      out[i] = clip16(synth * (1 - w) + (frame[i] as number) * w);
    }
    return out;
  }

  private addToHistory(frame: PcmFrame): void {
    const h = this.history;
    const n = frame.length;
    if (n >= this.histLen) {
      for (let i = 0; i < this.histLen; i++) h[i] = frame[n - this.histLen + i] as number;
      return;
    }
    h.copyWithin(0, n);
    for (let i = 0; i < n; i++) h[this.histLen - n + i] = frame[i] as number;
  }

  /** Pitch period in samples: best normalized correlation of the last corrLen samples with earlier ones. */
  private findPitch(): number {
    const h = this.pitchBuf;
    const r = this.histLen - this.corrLen;
    const diff = this.pitchMax - this.pitchMin;
    const step = this.coarseStep;
    const score = (j: number, st: number, minPower: number): number => {
      const l = r - this.pitchMax + j;
      let energy = 0;
      let corr = 0;
      for (let i = 0; i < this.corrLen; i += st) {
        const a = h[l + i] as number;
        energy += a * a;
        corr += a * (h[r + i] as number);
      }
      return corr / Math.sqrt(Math.max(energy, minPower));
    };
    let best = 0;
    let bestScore = -Infinity;
    for (let j = 0; j <= diff; j += step) {
      const s = score(j, step, this.minPower);
      if (s > bestScore) {
        bestScore = s;
        best = j;
      }
    }
    const lo = Math.max(0, best - step + 1);
    const hi = Math.min(diff, best + step - 1);
    let fine = best;
    let fineScore = -Infinity;
    for (let j = lo; j <= hi; j++) {
      const s = score(j, 1, this.minPower * step);
      if (s > fineScore) {
        fineScore = s;
        fine = j;
      }
    }
    return this.pitchMax - fine;
  }
}
