/**
 * Time as src/phone sees it. The phone core has no timers of its own: every timeout (inter-digit, no-answer
 * forwarding, idle → away, auto-answer delay) goes through a Clock that app code injects, so unit tests run
 * in fake time with FakeClock and never sleep.
 */

export interface TimerHandle {
  readonly id: number;
}

export interface Clock {
  /** Milliseconds since the epoch (wall clock: call-log times, presence timestamps). */
  now(): number;
  /** Calls fn once after ms (≥ 0). */
  setTimer(ms: number, fn: () => void): TimerHandle;
  /** Cancels a timer; harmless when it already fired or was cleared. */
  clearTimer(handle: TimerHandle | undefined): void;
}

/** The real clock (app code). */
export class SystemClock implements Clock {
  readonly #timers = new Map<number, NodeJS.Timeout>();
  #next = 1;

  now(): number {
    return Date.now();
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.#next++;
    const t = setTimeout(() => {
      this.#timers.delete(id);
      fn();
    }, Math.max(0, ms));
    // A pending phone timer (idle → away in 10 minutes) must not keep a stopping process alive.
    t.unref();
    this.#timers.set(id, t);
    return { id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle === undefined) return;
    clearTimeout(this.#timers.get(handle.id));
    this.#timers.delete(handle.id);
  }
}

/** Manual time for tests: nothing fires until advance() passes its due time. */
export class FakeClock implements Clock {
  #now: number;
  #next = 1;
  readonly #timers = new Map<number, { due: number; fn: () => void }>();

  constructor(startMs = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.#now = startMs;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, fn: () => void): TimerHandle {
    const id = this.#next++;
    this.#timers.set(id, { due: this.#now + Math.max(0, ms), fn });
    return { id };
  }

  clearTimer(handle: TimerHandle | undefined): void {
    if (handle !== undefined) this.#timers.delete(handle.id);
  }

  /** Timers still pending. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by ms, firing due timers in due order (timers set while firing count too). */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (;;) {
      let nextId: number | undefined;
      let nextDue = Infinity;
      for (const [id, t] of this.#timers) {
        if (t.due <= end && (t.due < nextDue || (t.due === nextDue && id < (nextId ?? Infinity)))) {
          nextId = id;
          nextDue = t.due;
        }
      }
      if (nextId === undefined) break;
      const t = this.#timers.get(nextId)!;
      this.#timers.delete(nextId);
      this.#now = Math.max(this.#now, t.due);
      t.fn();
    }
    this.#now = end;
  }
}
