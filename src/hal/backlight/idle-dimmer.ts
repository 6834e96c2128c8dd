/**
 * Dims the backlight when nobody uses the phone: full brightness on any activity (`poke()` from key
 * presses, touches, ringing), dimLevel after dimAfterS seconds of quiet, off after offAfterS (0 = never).
 * Pure timing on the Clock; the backlight it drives can be real or simulated.
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';
import type { Backlight } from '../hal-types.js';

export interface IdleDimmerOptions {
  /** Level while dimmed, 0..1; default 0.2. */
  readonly dimLevel?: number;
  /** Seconds without activity before dimming; default 60; 0 = never dim. */
  readonly dimAfterS?: number;
  /** Seconds without activity before switching off; default 0 = never. */
  readonly offAfterS?: number;
}

export type IdleState = 'full' | 'dim' | 'off';

export class IdleDimmer {
  readonly #dimLevel: number;
  readonly #dimAfterMs: number;
  readonly #offAfterMs: number;
  #dimTimer: TimerHandle | undefined;
  #offTimer: TimerHandle | undefined;
  #state: IdleState = 'full';
  #stopped = false;

  constructor(
    private readonly backlight: Backlight,
    private readonly clock: Clock,
    options: IdleDimmerOptions = {},
  ) {
    const dimLevel = options.dimLevel ?? 0.2;
    const dimAfterS = options.dimAfterS ?? 60;
    const offAfterS = options.offAfterS ?? 0;
    if (!(dimLevel >= 0 && dimLevel <= 1)) throw new Error(`backlight dimLevel must be 0..1, not ${dimLevel}`);
    if (!(dimAfterS >= 0 && Number.isFinite(dimAfterS))) throw new Error(`backlight dimAfterS must be 0 or more, not ${dimAfterS}`);
    if (!(offAfterS >= 0 && Number.isFinite(offAfterS))) throw new Error(`backlight offAfterS must be 0 or more, not ${offAfterS}`);
    this.#dimLevel = dimLevel;
    this.#dimAfterMs = dimAfterS * 1000;
    this.#offAfterMs = offAfterS * 1000;
    this.poke();
  }

  get state(): IdleState {
    return this.#state;
  }

  /** Activity: back to full brightness and restart the idle timers. */
  poke(): void {
    if (this.#stopped) return;
    this.clock.clearTimer(this.#dimTimer);
    this.clock.clearTimer(this.#offTimer);
    this.#to('full', 1);
    if (this.#dimAfterMs > 0) this.#dimTimer = this.clock.setTimer(this.#dimAfterMs, () => this.#to('dim', this.#dimLevel));
    if (this.#offAfterMs > 0) this.#offTimer = this.clock.setTimer(this.#offAfterMs, () => this.#to('off', 0));
  }

  /** Stops dimming (the backlight stays where it is). */
  stop(): void {
    this.#stopped = true;
    this.clock.clearTimer(this.#dimTimer);
    this.clock.clearTimer(this.#offTimer);
  }

  #to(state: IdleState, level: number): void {
    // Dimming after the screen is already off (offAfterS < dimAfterS) must not light it again.
    if (state === 'dim' && this.#state === 'off') return;
    this.#state = state;
    if (this.backlight.level !== level) this.backlight.setLevel(level);
  }
}
