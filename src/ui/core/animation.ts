/**
 * Time-driven change without busy redraws. An Animation is stepped once per frame and says when it next
 * needs a step: a lamp blinking at 1 Hz asks for a frame every 500 ms (two repaints of a 12-px lamp a
 * second), a ringing pulse asks for "next frame", and the FrameScheduler caps that at `fps`. When nothing is
 * animating and nothing is damaged, no timer is pending at all. All time comes from an injected Clock, so
 * tests step it with FakeClock.advance().
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';

export interface Animation {
  /**
   * Advances to `now` (ms). Returns the delay in ms until it needs the next step (0 = next frame), or
   * undefined when finished.
   */
  step(now: number): number | undefined;
}

/**
 * On/off blinking with period `periodMs` (on for the first half). `apply` is called only when the phase
 * flips, so the widget invalidates twice a period, not every frame. The phase is computed from the clock,
 * so a late frame never drifts the rhythm, and lamps started at the same `epochMs` blink in step.
 */
export function blink(periodMs: number, apply: (on: boolean) => void, epochMs = 0): Animation {
  if (!(periodMs > 0)) throw new RangeError(`blink period must be > 0 ms, got ${periodMs}`);
  const half = periodMs / 2;
  let last: boolean | undefined;
  return {
    step(now) {
      const t = now - epochMs;
      const on = Math.floor(t / half) % 2 === 0;
      if (on !== last) {
        last = on;
        apply(on);
      }
      return half - (((t % half) + half) % half);
    },
  };
}

/**
 * A smooth 0 → 1 → 0 cycle (cosine) of `periodMs`, e.g. the ringing glow; asks for every frame. With
 * `durationMs` it stops after that long and leaves phase 0.
 */
export function pulse(periodMs: number, apply: (phase: number) => void, opts: { epochMs?: number; durationMs?: number } = {}): Animation {
  if (!(periodMs > 0)) throw new RangeError(`pulse period must be > 0 ms, got ${periodMs}`);
  let start = opts.epochMs;
  return {
    step(now) {
      start ??= now;
      const t = now - start;
      if (opts.durationMs !== undefined && t >= opts.durationMs) {
        apply(0);
        return undefined;
      }
      apply((1 - Math.cos((2 * Math.PI * t) / periodMs)) / 2);
      return 0;
    },
  };
}

export interface FrameSchedulerOptions {
  clock: Clock;
  /** Frame rate cap; default 30. */
  fps?: number;
  /** Produces one frame; returns ms until another frame is needed (animations), or undefined. */
  frame: () => number | undefined;
}

/** Runs `frame` when asked, never more often than `fps` allows, and sleeps (no timer) when idle. */
export class FrameScheduler {
  readonly #clock: Clock;
  readonly #interval: number;
  readonly #frame: () => number | undefined;
  #timer: TimerHandle | undefined;
  #due = Infinity;
  #lastFrameAt = -Infinity;
  #frames = 0;
  #stopped = false;

  constructor(opts: FrameSchedulerOptions) {
    const fps = opts.fps ?? 30;
    if (!(fps > 0 && fps <= 240)) throw new RangeError(`fps must be in (0, 240], got ${fps}`);
    this.#clock = opts.clock;
    this.#interval = 1000 / fps;
    this.#frame = opts.frame;
  }

  get frameCount(): number {
    return this.#frames;
  }

  get pending(): boolean {
    return this.#timer !== undefined;
  }

  /** Asks for a frame in `delayMs` (default: as soon as the rate cap allows). */
  request(delayMs = 0): void {
    if (this.#stopped) return;
    const now = this.#clock.now();
    const due = Math.max(now + Math.max(0, delayMs), this.#lastFrameAt + this.#interval);
    if (this.#timer !== undefined && this.#due <= due) return;
    this.#clock.clearTimer(this.#timer);
    this.#due = due;
    this.#timer = this.#clock.setTimer(due - now, () => this.#run());
  }

  stop(): void {
    this.#stopped = true;
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #run(): void {
    this.#timer = undefined;
    this.#due = Infinity;
    this.#lastFrameAt = this.#clock.now();
    this.#frames++;
    const next = this.#frame();
    if (next !== undefined) this.request(next);
  }
}
