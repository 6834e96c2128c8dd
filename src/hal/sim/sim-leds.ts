/**
 * LEDs in memory: the simulator draws them, tests assert on them. Listeners hear only real changes, like
 * the hardware drivers write only real changes.
 */
import type { LedDriver, LedState } from '../hal-types.js';
import { ListenerSet } from '../input/listeners.js';
import { normalizeLedState, sameLedState, type NormalLedState } from '../leds/led-state.js';
import { PHONE_LED_NAMES } from '../../config/board-schema.js';

export interface SimLedChange {
  readonly led: string;
  readonly state: LedState;
}

export class SimLeds implements LedDriver {
  readonly name = 'sim leds';
  readonly leds: readonly string[];
  readonly #states = new Map<string, { normal: NormalLedState; state: LedState }>();
  readonly #listeners = new ListenerSet<SimLedChange>();

  constructor(leds: readonly string[] = PHONE_LED_NAMES) {
    this.leds = [...leds];
    for (const led of this.leds) this.#states.set(led, { normal: { kind: 'off' }, state: 'off' });
  }

  set(led: string, state: LedState): boolean {
    const current = this.#states.get(led);
    if (!current) return false;
    // An invalid state throws here: the simulator is where a caller's mistake should surface loudly.
    const normal = normalizeLedState(state);
    if (sameLedState(current.normal, normal)) return true;
    const copy: LedState = normal.kind === 'blink' ? { blink: { onMs: normal.onMs, offMs: normal.offMs } } : normal.kind;
    this.#states.set(led, { normal, state: copy });
    this.#listeners.emit({ led, state: copy });
    return true;
  }

  /** The LED's current state; undefined for a name this driver lacks. */
  get(led: string): LedState | undefined {
    return this.#states.get(led)?.state;
  }

  /** Every LED's state, for a simulator frame. */
  snapshot(): Record<string, LedState> {
    return Object.fromEntries([...this.#states].map(([led, s]) => [led, s.state]));
  }

  onChange(listener: (change: SimLedChange) => void): () => void {
    return this.#listeners.add(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }
}
