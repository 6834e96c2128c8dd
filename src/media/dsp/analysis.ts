/**
 * Small, deterministic measurements of received audio for tests (interop tests judge what a call really
 * played): dominant frequency (Hann-windowed FFT with quadratic peak interpolation), level of one frequency
 * (Goertzel), RMS level, and the longest gap (run of short windows below a level).
 *
 * Level conventions: dBFS here is the RMS relative to 32768, so a full-scale sine is −3.01 dBFS (a
 * full-scale square wave is 0 dBFS). dBm0 follows tones.ts (full-scale sine = +3.17 dBm0), hence
 * dBm0 = dBFS + 6.18.
 */

import type { PcmFrame } from '../types.js';
import { FULL_SCALE_SINE_DBM0 } from './tones.js';

const DBFS_TO_DBM0 = FULL_SCALE_SINE_DBM0 + 20 * Math.log10(Math.SQRT2);

/** RMS level in dBFS of pcm[from, to); −Infinity for silence or no samples. */
export function rmsDbfs(pcm: PcmFrame, from = 0, to = pcm.length): number {
  const a = Math.max(0, from);
  const b = Math.min(pcm.length, to);
  if (b <= a) return -Infinity;
  let sum = 0;
  for (let i = a; i < b; i++) sum += (pcm[i] as number) ** 2;
  return 10 * Math.log10(sum / (b - a) / (32768 * 32768));
}

/** RMS level in dBm0 (a sine at L dBm0 measures L). */
export function rmsDbm0(pcm: PcmFrame, from = 0, to = pcm.length): number {
  return rmsDbfs(pcm, from, to) + DBFS_TO_DBM0;
}

/** Level in dBFS (RMS) of the component at `freq`, by Goertzel over the whole block (Hann window). */
export function goertzelDbfs(pcm: PcmFrame, freq: number, sampleRate: number): number {
  const n = pcm.length;
  if (n === 0) return -Infinity;
  const w = (2 * Math.PI * freq) / sampleRate;
  const coeff = 2 * Math.cos(w);
  let s1 = 0;
  let s2 = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n);
    wsum += win;
    const s0 = (pcm[i] as number) * win + coeff * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  const re = s1 - s2 * Math.cos(w);
  const im = s2 * Math.sin(w);
  const amp = (2 * Math.hypot(re, im)) / wsum;
  return 20 * Math.log10(amp / Math.SQRT2 / 32768);
}

/** In-place iterative radix-2 FFT; length must be a power of two. */
function fft(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  for (let i = 1, j = 0; i < n; i++) {
    let bit = n >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      const tr = re[i] as number;
      re[i] = re[j] as number;
      re[j] = tr;
      const ti = im[i] as number;
      im[i] = im[j] as number;
      im[j] = ti;
    }
  }
  for (let len = 2; len <= n; len <<= 1) {
    const ang = (-2 * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    for (let i = 0; i < n; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < len / 2; k++) {
        const a = i + k;
        const b = a + len / 2;
        const xr = (re[b] as number) * cr - (im[b] as number) * ci;
        const xi = (re[b] as number) * ci + (im[b] as number) * cr;
        re[b] = (re[a] as number) - xr;
        im[b] = (im[a] as number) - xi;
        re[a] = (re[a] as number) + xr;
        im[a] = (im[a] as number) + xi;
        const ncr = cr * wr - ci * wi;
        ci = cr * wi + ci * wr;
        cr = ncr;
      }
    }
  }
}

export interface DominantFrequencyOptions {
  /** Search range, Hz. Defaults 20 and the Nyquist frequency. */
  readonly minHz?: number;
  readonly maxHz?: number;
}

/**
 * Frequency (Hz) of the strongest spectral peak of the block, or undefined for silence / an empty block.
 * Accuracy for a clean tone is a small fraction of sampleRate/N (the FFT is zero-padded 2× and the peak
 * interpolated), e.g. better than 0.1 Hz for one second of audio.
 */
export function dominantFrequency(pcm: PcmFrame, sampleRate: number, options: DominantFrequencyOptions = {}): number | undefined {
  const n = pcm.length;
  if (n < 4) return undefined;
  let size = 1;
  while (size < 2 * n) size <<= 1;
  const re = new Float64Array(size);
  const im = new Float64Array(size);
  let energy = 0;
  for (let i = 0; i < n; i++) {
    const v = pcm[i] as number;
    energy += v * v;
    re[i] = v * (0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n));
  }
  if (energy === 0) return undefined;
  fft(re, im);
  const binHz = sampleRate / size;
  const lo = Math.max(1, Math.ceil((options.minHz ?? 20) / binHz));
  const hi = Math.min(size / 2 - 1, Math.floor((options.maxHz ?? sampleRate / 2) / binHz));
  if (hi < lo) return undefined;
  const mag = (k: number): number => Math.hypot(re[k] as number, im[k] as number);
  let best = lo;
  let bestMag = -1;
  for (let k = lo; k <= hi; k++) {
    const m = mag(k);
    if (m > bestMag) {
      bestMag = m;
      best = k;
    }
  }
  if (bestMag <= 0) return undefined;
  const a = Math.log(mag(best - 1) + 1e-12);
  const b = Math.log(bestMag + 1e-12);
  const c = Math.log(mag(best + 1) + 1e-12);
  const denom = a - 2 * b + c;
  const delta = denom === 0 ? 0 : (0.5 * (a - c)) / denom;
  return (best + Math.max(-0.5, Math.min(0.5, delta))) * binHz;
}

export interface GapOptions {
  /** A window whose RMS level is below this is "gap". Default −50 dBFS. */
  readonly thresholdDbfs?: number;
  /** Window length, ms. Default 5. */
  readonly windowMs?: number;
}

export interface Gap {
  readonly startMs: number;
  readonly durationMs: number;
}

/**
 * The longest run of consecutive windows below the threshold (the first one when several are equally
 * long); { startMs: 0, durationMs: 0 } when there is none. The last window may be shorter.
 */
export function longestGap(pcm: PcmFrame, sampleRate: number, options: GapOptions = {}): Gap {
  const threshold = options.thresholdDbfs ?? -50;
  const win = Math.max(1, Math.round(((options.windowMs ?? 5) * sampleRate) / 1000));
  let best: Gap = { startMs: 0, durationMs: 0 };
  let runStart = -1;
  const toMs = (samples: number): number => (samples * 1000) / sampleRate;
  for (let at = 0; at < pcm.length; at += win) {
    const end = Math.min(pcm.length, at + win);
    const quiet = rmsDbfs(pcm, at, end) < threshold;
    if (quiet && runStart < 0) runStart = at;
    if ((!quiet || end === pcm.length) && runStart >= 0) {
      const runEnd = quiet ? end : at;
      if (toMs(runEnd - runStart) > best.durationMs) best = { startMs: toMs(runStart), durationMs: toMs(runEnd - runStart) };
      runStart = -1;
    }
  }
  return best;
}

/** Length in ms of the longest gap (see longestGap). */
export function longestGapMs(pcm: PcmFrame, sampleRate: number, options: GapOptions = {}): number {
  return longestGap(pcm, sampleRate, options).durationMs;
}
