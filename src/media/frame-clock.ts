/**
 * A drift-free frame clock for audio paths that are driven by us rather than by the device (the mixer and
 * the local sound player; CallMedia has its own copy of the same rule): tick n is due at `start + n·frameMs`
 * on a monotonic clock, so timer lateness never accumulates. A late timer callback does the work of every
 * tick it missed (at most `maxCatchUp` in a row, counted as late ticks); after a longer stall (a paused
 * process) the schedule is re-anchored at "now" instead of bursting a second of audio at once.
 *
 * The time source is injectable: production uses {@link realFrameTime} (performance.now + setTimeout), unit
 * tests use {@link ManualFrameTime} and step it without waiting.
 */
import { createLogger } from '../util/log.js';

const log = createLogger('frame-clock');

/** Most missed ticks worked off in one late timer callback before the schedule is re-anchored. */
export const DEFAULT_MAX_CATCH_UP = 5;

/** Monotonic time and one-shot timers. */
export interface FrameTime {
  /** Monotonic milliseconds (any origin). */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realFrameTime: FrameTime = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/**
 * Time that moves only when `advance` is called (tests). Timers fire in due order, each with `now()` equal
 * to its due time, so a clock under test sees exactly the instants it asked for.
 */
export class ManualFrameTime implements FrameTime {
  #now: number;
  #nextId = 1;
  readonly #timers = new Map<number, { due: number; fn: () => void }>();

  constructor(startMs = 0) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#nextId++;
    this.#timers.set(id, { due: this.#now + Math.max(0, ms), fn });
    return id;
  }

  clearTimeout(handle: unknown): void {
    if (typeof handle === 'number') this.#timers.delete(handle);
  }

  /** Pending timers (tests check that a stopped clock left none behind). */
  get pendingTimers(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, firing every timer that falls due on the way (including ones set meanwhile). */
  advance(ms: number): void {
    if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`cannot advance time by ${ms} ms`);
    const target = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextDue = Infinity;
      for (const [id, t] of this.#timers) {
        if (t.due < nextDue) {
          nextDue = t.due;
          nextId = id;
        }
      }
      if (nextId === undefined || nextDue > target) break;
      const timer = this.#timers.get(nextId)!;
      this.#timers.delete(nextId);
      this.#now = Math.max(this.#now, nextDue);
      timer.fn();
    }
    this.#now = target;
  }
}

export interface FrameClockOptions {
  readonly frameMs: number;
  /** One frame of work. An exception is logged and the clock keeps running (audio must not stop for good). */
  readonly onTick: () => void;
  readonly time?: FrameTime;
  readonly maxCatchUp?: number;
  /** Tag for logs. */
  readonly name?: string;
}

export interface FrameClockStats {
  readonly ticks: number;
  /** Ticks that ran more than one frame late (worked off by catch-up). */
  readonly lateTicks: number;
  /** Times the schedule was re-anchored after a stall longer than maxCatchUp frames. */
  readonly reanchors: number;
}

export class FrameClock {
  readonly frameMs: number;
  readonly #onTick: () => void;
  readonly #time: FrameTime;
  readonly #maxCatchUp: number;
  readonly #name: string;
  #startMs = 0;
  #tickIndex = 0;
  #timer: unknown;
  #running = false;
  #counts = { ticks: 0, lateTicks: 0, reanchors: 0 };

  constructor(o: FrameClockOptions) {
    if (!(Number.isFinite(o.frameMs) && o.frameMs > 0)) throw new RangeError(`frame clock: bad frame length ${o.frameMs} ms`);
    this.frameMs = o.frameMs;
    this.#onTick = o.onTick;
    this.#time = o.time ?? realFrameTime;
    this.#maxCatchUp = Math.max(1, o.maxCatchUp ?? DEFAULT_MAX_CATCH_UP);
    this.#name = o.name ?? 'clock';
  }

  get running(): boolean {
    return this.#running;
  }

  /** Starts ticking one frame from now; no-op when running. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#startMs = this.#time.now();
    this.#tickIndex = 0;
    this.#schedule();
  }

  /** Stops; no tick runs after this returns (also when called from inside onTick). */
  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) this.#time.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  stats(): FrameClockStats {
    return { ...this.#counts };
  }

  #schedule(): void {
    if (!this.#running) return;
    const due = this.#startMs + (this.#tickIndex + 1) * this.frameMs;
    this.#timer = this.#time.setTimeout(this.#onTimer, Math.max(0, due - this.#time.now()));
  }

  readonly #onTimer = (): void => {
    this.#timer = undefined;
    let done = 0;
    while (this.#running && this.#startMs + (this.#tickIndex + 1) * this.frameMs <= this.#time.now()) {
      if (done >= this.#maxCatchUp) {
        this.#counts.reanchors++;
        this.#startMs = this.#time.now() - (this.#tickIndex + 1) * this.frameMs;
        break;
      }
      if (done > 0) this.#counts.lateTicks++;
      this.#tickIndex++;
      this.#counts.ticks++;
      done++;
      try {
        this.#onTick();
      } catch (err) {
        log.error(`${this.#name}: tick failed: ${String(err)}`);
      }
    }
    // onTick may have stopped and restarted the clock, which already scheduled the next timer.
    if (this.#timer === undefined) this.#schedule();
  };
}
