/** A backlight in memory: the simulator dims its screen picture by `level`; tests read it. */
import type { Backlight } from '../hal-types.js';
import { ListenerSet } from '../input/listeners.js';

export class SimBacklight implements Backlight {
  readonly name = 'sim backlight';
  #level = 1;
  readonly #listeners = new ListenerSet<number>();

  get level(): number {
    return this.#level;
  }

  setLevel(level: number): void {
    if (typeof level !== 'number' || Number.isNaN(level)) throw new Error(`backlight level must be a number 0..1, not ${String(level)}`);
    const clamped = Math.min(1, Math.max(0, level));
    if (clamped === this.#level) return;
    this.#level = clamped;
    this.#listeners.emit(clamped);
  }

  onChange(listener: (level: number) => void): () => void {
    return this.#listeners.add(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }
}
