/**
 * Call-progress tone generation from a declarative plan (a cadence of segments, each a sum of sine waves
 * or silence), as mono 16-bit PCM frames at any sample rate, phase-continuous across frames. Plus the level
 * helpers the media layer shares: dBm0 ↔ PCM amplitude and volume scaling with saturation, and a player
 * that loops a decoded PCM clip (ringtones from WAV files).
 *
 * Level reference: as in G.711 (μ-law), a full-scale sine in 16-bit linear PCM (peak 32767) is +3.17 dBm0,
 * so a sine at L dBm0 has peak 32767·10^((L − 3.17)/20) (0 dBm0 ≈ 22 700 peak, −13 dBm0 ≈ 5 100 peak).
 * Segment edges get a short raised-cosine ramp (default 2 ms, inside the segment) so cadences do not click.
 */

import type { PcmFrame } from '../types.js';

/** dBm0 of a full-scale sine in 16-bit linear PCM (G.711 μ-law convention; A-law's is 3.14). */
export const FULL_SCALE_SINE_DBM0 = 3.17;

/** Peak amplitude of a sine at `levelDbm0`. */
export function dbm0ToPeak(levelDbm0: number): number {
  return 32767 * Math.pow(10, (levelDbm0 - FULL_SCALE_SINE_DBM0) / 20);
}

/** Level in dBm0 of a sine with this peak amplitude. */
export function peakToDbm0(peak: number): number {
  return 20 * Math.log10(peak / 32767) + FULL_SCALE_SINE_DBM0;
}

export function dbToGain(db: number): number {
  return Math.pow(10, db / 20);
}

function clip16(x: number): number {
  if (x > 32767) return 32767;
  if (x < -32768) return -32768;
  return Math.round(x);
}

/**
 * Scales PCM by a gain in dB (negative = quieter), saturating at the 16-bit limits instead of wrapping.
 * Returns a new frame unless `out` is given (which may be `pcm` itself).
 */
export function applyGain(pcm: PcmFrame, gainDb: number, out: Int16Array = new Int16Array(pcm.length)): PcmFrame {
  if (!Number.isFinite(gainDb)) {
    if (gainDb === -Infinity) {
      out.fill(0, 0, pcm.length);
      return out;
    }
    throw new RangeError(`bad gain ${gainDb} dB`);
  }
  const g = dbToGain(gainDb);
  for (let i = 0; i < pcm.length; i++) out[i] = clip16((pcm[i] as number) * g);
  return out;
}

/** Adds `b` into `a` (same length) with saturation; returns `a`. */
export function mixInto(a: Int16Array, b: PcmFrame): Int16Array {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) a[i] = clip16((a[i] as number) + (b[i] as number));
  return a;
}

/** One step of a cadence: the listed frequencies summed (none = silence) for `ms` (Infinity = for ever). */
export interface ToneSegment {
  readonly freqs: readonly number[];
  readonly ms: number;
  /** Level of each frequency in dBm0; defaults to the plan's. */
  readonly levelDbm0?: number;
  /** Per-frequency levels in dBm0 (same order as `freqs`), e.g. DTMF twist; overrides `levelDbm0`. */
  readonly levelsDbm0?: readonly number[];
}

export interface TonePlan {
  readonly name: string;
  readonly segments: readonly ToneSegment[];
  /** Repeat the cadence for ever (false: play once, then `finished`). */
  readonly repeat: boolean;
  /** Level of each frequency component, dBm0. */
  readonly levelDbm0: number;
  /** Where the values come from (standard, clause), for the reader. */
  readonly source?: string;
}

export interface ToneGeneratorOptions {
  readonly sampleRate: number;
  /** Extra gain in dB applied to the plan's level (user volume; 0 = as planned). */
  readonly volumeDb?: number;
  /** Edge ramp inside each sounding segment, ms. Default 2. */
  readonly rampMs?: number;
}

/** Checks a plan; throws RangeError naming the problem. */
export function validateTonePlan(plan: TonePlan, sampleRate?: number): void {
  if (plan.segments.length === 0) throw new RangeError(`tone plan ${plan.name}: no segments`);
  if (!Number.isFinite(plan.levelDbm0) || plan.levelDbm0 > FULL_SCALE_SINE_DBM0) throw new RangeError(`tone plan ${plan.name}: bad level ${plan.levelDbm0} dBm0`);
  plan.segments.forEach((s, i) => {
    if (!(s.ms > 0)) throw new RangeError(`tone plan ${plan.name}: segment ${i} has duration ${s.ms} ms`);
    if (s.ms === Infinity && i !== plan.segments.length - 1) throw new RangeError(`tone plan ${plan.name}: only the last segment may be endless`);
    for (const f of s.freqs) {
      if (!(Number.isFinite(f) && f > 0)) throw new RangeError(`tone plan ${plan.name}: segment ${i} has frequency ${f}`);
      if (sampleRate !== undefined && f >= sampleRate / 2) throw new RangeError(`tone plan ${plan.name}: ${f} Hz is above the Nyquist frequency of ${sampleRate} Hz`);
    }
    const levels = [...(s.levelDbm0 === undefined ? [] : [s.levelDbm0]), ...(s.levelsDbm0 ?? [])];
    for (const l of levels) if (!(Number.isFinite(l) && l <= FULL_SCALE_SINE_DBM0)) throw new RangeError(`tone plan ${plan.name}: segment ${i} has level ${l} dBm0`);
    if (s.levelsDbm0 !== undefined && s.levelsDbm0.length !== s.freqs.length) throw new RangeError(`tone plan ${plan.name}: segment ${i} has ${s.levelsDbm0.length} levels for ${s.freqs.length} frequencies`);
  });
}

function sameSound(a: ToneSegment | undefined, b: ToneSegment | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  if (a.freqs.length !== b.freqs.length || a.levelDbm0 !== b.levelDbm0) return false;
  const la = a.levelsDbm0 ?? [];
  const lb = b.levelsDbm0 ?? [];
  return a.freqs.every((f, i) => f === b.freqs[i]) && la.length === lb.length && la.every((l, i) => l === lb[i]);
}

interface Seg {
  readonly freqs: Float64Array; // cycles per sample
  readonly amps: Float64Array;
  readonly samples: number; // Infinity allowed
  readonly ramp: number;
  readonly rampIn: number;
  readonly rampOut: number;
}

/** Generator of one tone plan; `next(n)` gives the next n samples. */
export class ToneGenerator {
  readonly plan: TonePlan;
  readonly sampleRate: number;
  private readonly segs: Seg[];
  private readonly phases = new Map<number, number>();
  private seg = 0;
  private pos = 0;
  private cycle = 0;
  private done = false;
  private produced = 0;

  constructor(plan: TonePlan, options: ToneGeneratorOptions) {
    const fs = options.sampleRate;
    if (!(Number.isFinite(fs) && fs >= 4000)) throw new RangeError(`bad sample rate ${fs}`);
    validateTonePlan(plan, fs);
    this.plan = plan;
    this.sampleRate = fs;
    const gain = dbToGain(options.volumeDb ?? 0);
    const rampMs = options.rampMs ?? 2;
    const segments = plan.segments;
    this.segs = segments.map((s, i) => {
      const samples = s.ms === Infinity ? Infinity : Math.max(1, Math.round((s.ms * fs) / 1000));
      const prev = i > 0 ? segments[i - 1] : plan.repeat ? segments[segments.length - 1] : undefined;
      const next = i < segments.length - 1 ? segments[i + 1] : plan.repeat ? segments[0] : undefined;
      const ramp = s.freqs.length === 0 ? 0 : Math.min(Math.round((rampMs * fs) / 1000), samples === Infinity ? Infinity : Math.floor(samples / 2));
      const amp = dbm0ToPeak(s.levelDbm0 ?? plan.levelDbm0) * gain;
      return {
        freqs: Float64Array.from(s.freqs, (f) => f / fs),
        amps: Float64Array.from(s.freqs, (_f, k) => (s.levelsDbm0 === undefined ? amp : dbm0ToPeak(s.levelsDbm0[k] as number) * gain)),
        samples,
        ramp,
        rampIn: sameSound(prev, s) ? 0 : ramp,
        rampOut: samples === Infinity || sameSound(s, next) ? 0 : ramp,
      };
    });
  }

  /** True once a non-repeating plan has played out (next() then gives silence). */
  get finished(): boolean {
    return this.done;
  }

  /** Milliseconds generated so far. */
  get elapsedMs(): number {
    return (this.produced * 1000) / this.sampleRate;
  }

  reset(): void {
    this.seg = 0;
    this.pos = 0;
    this.cycle = 0;
    this.done = false;
    this.produced = 0;
    this.phases.clear();
  }

  next(samples: number): PcmFrame {
    if (!Number.isInteger(samples) || samples < 0) throw new RangeError(`bad sample count ${samples}`);
    const out = new Int16Array(samples);
    let i = 0;
    while (i < samples && !this.done) {
      const s = this.segs[this.seg] as Seg;
      const n = Math.min(samples - i, s.samples - this.pos);
      if (s.freqs.length > 0) this.render(s, out, i, n);
      i += n;
      this.pos += n;
      if (this.pos >= s.samples) {
        this.pos = 0;
        this.seg++;
        if (this.seg >= this.segs.length) {
          if (this.plan.repeat) this.seg = 0;
          else this.done = true;
          this.cycle++;
        }
      }
    }
    this.produced += samples;
    return out;
  }

  private render(s: Seg, out: Int16Array, at: number, n: number): void {
    const acc = new Float64Array(n);
    for (let k = 0; k < s.freqs.length; k++) {
      const f = s.freqs[k] as number;
      const a = s.amps[k] as number;
      let ph = this.phases.get(f) ?? 0;
      for (let j = 0; j < n; j++) {
        acc[j] = (acc[j] as number) + a * Math.sin(2 * Math.PI * ph);
        ph += f;
        if (ph >= 1) ph -= 1;
      }
      this.phases.set(f, ph);
    }
    // The very first segment fades in even when the cadence wraps onto the same sound.
    const rampIn = this.cycle === 0 && this.seg === 0 ? s.ramp : s.rampIn;
    for (let j = 0; j < n; j++) {
      const p = this.pos + j;
      let g = 1;
      if (p < rampIn) g = 0.5 - 0.5 * Math.cos((Math.PI * (p + 0.5)) / rampIn);
      const left = s.samples - p;
      if (left <= s.rampOut) g *= 0.5 - 0.5 * Math.cos((Math.PI * (left - 0.5)) / s.rampOut);
      out[at + j] = clip16((acc[j] as number) * g);
    }
  }
}

/** Renders `ms` of a plan at once (tests, pre-rendered prompts). */
export function renderTone(plan: TonePlan, sampleRate: number, ms: number, options: Omit<ToneGeneratorOptions, 'sampleRate'> = {}): PcmFrame {
  return new ToneGenerator(plan, { ...options, sampleRate }).next(Math.round((ms * sampleRate) / 1000));
}

export interface ClipPlayerOptions {
  /** Gain in dB (0 = as recorded). */
  readonly volumeDb?: number;
  /** Loop the clip (ringtone) or play it once. Default true. */
  readonly loop?: boolean;
  /** Silence between repetitions, samples. Default 0. */
  readonly gapSamples?: number;
}

/** Plays a decoded PCM clip (e.g. a ringtone from `decodeWavToRate`) frame by frame. */
export class ClipPlayer {
  private pos = 0;
  private done = false;
  private readonly gain: number;
  private readonly loop: boolean;
  private readonly gap: number;

  constructor(
    private readonly clip: PcmFrame,
    options: ClipPlayerOptions = {},
  ) {
    this.gain = dbToGain(options.volumeDb ?? 0);
    this.loop = options.loop ?? true;
    this.gap = Math.max(0, Math.floor(options.gapSamples ?? 0));
    if (clip.length === 0 && this.gap === 0) this.done = true;
  }

  get finished(): boolean {
    return this.done;
  }

  next(samples: number): PcmFrame {
    const out = new Int16Array(samples);
    const period = this.clip.length + this.gap;
    for (let i = 0; i < samples && !this.done; i++) {
      if (this.pos < this.clip.length) out[i] = clip16((this.clip[this.pos] as number) * this.gain);
      this.pos++;
      if (this.pos >= period) {
        if (this.loop) this.pos = 0;
        else this.done = true;
      }
    }
    return out;
  }
}
