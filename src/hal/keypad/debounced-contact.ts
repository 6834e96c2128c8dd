/**
 * Debouncing for one contact sampled at intervals: a change counts only once the raw reading has held
 * the new value for debounceMs. A bounce back to the old value restarts the wait. The caller decides
 * whether to take a change that is ready (the keypad vetoes ambiguous ghost readings) with `commit()`.
 */
export class DebouncedContact {
  #stable = false;
  /** When the raw reading last became different from the stable state; undefined while they agree. */
  #changedAt: number | undefined;

  constructor(private readonly debounceMs: number) {}

  get stable(): boolean {
    return this.#stable;
  }

  /** Feeds a raw sample; returns true when a change to `raw` has been stable long enough to commit. */
  sample(raw: boolean, now: number): boolean {
    if (raw === this.#stable) {
      this.#changedAt = undefined;
      return false;
    }
    this.#changedAt ??= now;
    return now - this.#changedAt >= this.debounceMs;
  }

  /** Takes the pending change. */
  commit(): void {
    this.#stable = !this.#stable;
    this.#changedAt = undefined;
  }
}
