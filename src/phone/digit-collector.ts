/**
 * Collects the digits of one number from key presses and decides when it is complete: the send key (#),
 * the dial key (send()), a pause longer than the inter-digit timeout, a pattern that dials at once
 * (feature codes), or a complete emergency number. Each collection dials exactly once; clear() starts the
 * next one. Time comes from the injected Clock, so the dialer behaves the same in tests and on the desk.
 *
 * While the phone is locked, only emergency numbers dial; any other number ends with a 'blocked' event so
 * that the screen can say why.
 */
import type { Clock, TimerHandle } from './clock.js';
import { MAX_RULE_INPUT, type DialPlan } from './dial-plan.js';

/** What completed the number. */
export type DialReason = 'send-key' | 'timeout' | 'immediate' | 'emergency' | 'explicit';

export type CollectorEvent =
  | {
      readonly type: 'dial';
      /** As typed; pass this to plan.toTarget() (rules must run once: a rule need not be idempotent). */
      readonly digits: string;
      /** Normalized, for the call screen and the call log. */
      readonly number: string;
      /** 'emergency' for an emergency number: it dials the moment it is complete, so no other reason can apply. */
      readonly reason: DialReason;
    }
  | { readonly type: 'blocked'; readonly digits: string; readonly reason: 'locked' };

export type CollectorListener = (event: CollectorEvent) => void;

export interface DigitCollectorOptions {
  readonly plan: DialPlan;
  readonly clock: Clock;
  /** Default: the plan's (config dialPlan.interDigitTimeoutS); 0 = no timeout. */
  readonly interDigitTimeoutS?: number;
  /** Default: the plan's (config dialPlan.sendKey). */
  readonly sendKey?: '#' | 'none';
  /** Start locked (only emergency numbers dial). */
  readonly locked?: boolean;
}

/** Keys that add to the number; '+' only as the first (long-press 0 or a + key). */
const DIGIT_KEY = /^[0-9*#+]$/;

export class DigitCollector {
  readonly #plan: DialPlan;
  readonly #clock: Clock;
  readonly #timeoutMs: number;
  readonly #sendKey: '#' | 'none';
  readonly #listeners = new Set<CollectorListener>();
  #digits = '';
  #done = false;
  #locked: boolean;
  #timer: TimerHandle | undefined;

  constructor(options: DigitCollectorOptions) {
    this.#plan = options.plan;
    this.#clock = options.clock;
    const timeoutS = options.interDigitTimeoutS ?? options.plan.interDigitTimeoutS;
    // A NaN or negative timeout from a careless caller means "no timeout", not "dial at once".
    this.#timeoutMs = Number.isFinite(timeoutS) && timeoutS > 0 ? Math.round(timeoutS * 1000) : 0;
    this.#sendKey = options.sendKey ?? options.plan.sendKey;
    this.#locked = options.locked ?? false;
  }

  /** The digits typed so far (kept after dialing, for the screen, until clear()). */
  get digits(): string {
    return this.#digits;
  }

  /** What the number will dial as, for the dialer screen ("0201234567" → "+31201234567"). */
  get preview(): string {
    return this.#digits ? this.#plan.normalize(this.#digits).number : '';
  }

  /** This collection has dialed (or was blocked); presses are ignored until clear(). */
  get done(): boolean {
    return this.#done;
  }

  get locked(): boolean {
    return this.#locked;
  }

  setLocked(locked: boolean): void {
    this.#locked = locked;
  }

  /** Listens to dial and blocked events; returns the function that stops listening. */
  onEvent(listener: CollectorListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A keypad key: '0'–'9', '*', '#', '+'. Returns whether it was taken (false: done, unknown key, full, misplaced +). */
  press(key: string): boolean {
    if (this.#done || !DIGIT_KEY.test(key)) return false;
    if (key === '#' && this.#sendKey === '#') return this.#complete('send-key');
    if (key === '+' && this.#digits !== '') return false;
    // Longer than any number the plan will rewrite: more keys are a stuck key or a child, not a number.
    if (this.#digits.length >= MAX_RULE_INPUT) return false;
    this.#digits += key;
    if (this.#plan.isEmergency(this.#digits)) return this.#complete('emergency');
    if (this.#plan.isImmediate(this.#digits)) return this.#complete('immediate');
    this.#restartTimer();
    return true;
  }

  /** Removes the last digit. (It cannot leave an emergency number: that would have dialed when typed.) */
  backspace(): boolean {
    if (this.#done || this.#digits === '') return false;
    this.#digits = this.#digits.slice(0, -1);
    this.#restartTimer();
    return true;
  }

  /** Forgets the digits and starts a new collection. */
  clear(): void {
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#digits = '';
    this.#done = false;
  }

  /** The dial key (or going off hook with digits typed). Returns whether a dial or blocked event followed. */
  send(): boolean {
    return this.#complete('explicit');
  }

  #restartTimer(): void {
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    if (this.#timeoutMs > 0 && this.#digits !== '') {
      this.#timer = this.#clock.setTimer(this.#timeoutMs, () => {
        this.#timer = undefined;
        this.#complete('timeout');
      });
    }
  }

  /** Ends the collection with one event; nothing happens when there is nothing to dial or it already ended. */
  #complete(reason: DialReason): boolean {
    // A lone '+' is not a number yet.
    if (this.#done || !/[0-9*#]/.test(this.#digits)) return false;
    this.#done = true;
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    const digits = this.#digits;
    const event: CollectorEvent =
      this.#locked && !this.#plan.isEmergency(digits)
        ? { type: 'blocked', digits, reason: 'locked' }
        : { type: 'dial', digits, number: this.#plan.normalize(digits).number, reason };
    // A copy: a listener that unsubscribes (or clears and types again) must not disturb this delivery.
    for (const listener of [...this.#listeners]) listener(event);
    return true;
  }
}
