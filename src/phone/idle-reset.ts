/**
 * Kiosk idle reset: a lobby phone returns to its home state once the visitor has gone — no call, and no key,
 * touch, hook or API intent for `afterS` seconds. The reset clears what the last visitor left (typed digits,
 * the last failure notice); the screens return to the kiosk layout on the same signal.
 */
import type { Clock, TimerHandle } from './clock.js';

export class IdleReset {
  readonly #clock: Clock;
  readonly #afterMs: number;
  readonly #reset: () => void;
  #timer: TimerHandle | undefined;
  #inCall = false;

  /** afterS 0 = never. */
  constructor(o: { clock: Clock; afterS: number; onReset: () => void }) {
    this.#clock = o.clock;
    this.#afterMs = Math.max(0, o.afterS) * 1000;
    this.#reset = o.onReset;
    this.#arm();
  }

  /** Someone is at the phone: the idle time starts again. */
  activity(): void {
    this.#arm();
  }

  /** While any call exists the phone is not idle; when the last one ends the idle time starts. */
  setInCall(inCall: boolean): void {
    if (inCall === this.#inCall) return;
    this.#inCall = inCall;
    this.#arm();
  }

  stop(): void {
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
  }

  #arm(): void {
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    if (this.#afterMs === 0 || this.#inCall) return;
    this.#timer = this.#clock.setTimer(this.#afterMs, () => {
      this.#timer = undefined;
      this.#reset();
    });
  }
}
