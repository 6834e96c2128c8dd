/**
 * The simulated board's drivers, the same HAL interfaces a real board's evdev keypad and GPIO LEDs
 * implement (src/hal/hal-types.ts), so the phone wires them exactly as on hardware (src/app/hardware-wiring.ts):
 * the page's keys, touches and hook come in through an InputSource, the lamps go out through an LedDriver.
 */
import type { HalInputEvent, InputSource, LedDriver, LedState } from '../../src/hal/hal-types.js';
import type { Lamp } from '../../src/phone/lamps.js';

/** Input from the page's panel of one phone. */
export class SimInputSource implements InputSource {
  readonly name: string;
  readonly #listeners = new Set<(event: HalInputEvent) => void>();

  constructor(phone: string) {
    this.name = `simulator page (${phone})`;
  }

  onEvent(listener: (event: HalInputEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** One event from the page, to whoever listens (the phone). */
  emit(event: HalInputEvent): void {
    for (const l of this.#listeners) l(event);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }
}

/** The lamp a blink timing stands for: anything faster than 2.5 Hz is the ringing blink. */
export function lampOf(state: LedState): Lamp {
  if (state === 'off' || state === 'on') return state;
  return state.blink.onMs <= 200 ? 'fast-blink' : 'blink';
}

/** The LEDs of the simulated set: feature-key lamps and the line keys beside the screen. */
export class SimLedDriver implements LedDriver {
  readonly name: string;
  readonly leds: readonly string[];
  readonly #state = new Map<string, Lamp>();
  readonly #listeners = new Set<(lamps: Record<string, Lamp>) => void>();

  constructor(phone: string, lineKeys: number) {
    this.name = `simulator lamps (${phone})`;
    this.leds = ['message', 'dnd', 'mute', 'speaker', 'headset', ...Array.from({ length: lineKeys }, (_, i) => `line${i + 1}`)];
    for (const led of this.leds) this.#state.set(led, 'off');
  }

  set(led: string, state: LedState): boolean {
    if (!this.#state.has(led)) return false;
    const lamp = lampOf(state);
    if (this.#state.get(led) === lamp) return true;
    this.#state.set(led, lamp);
    const now = this.lamps();
    for (const l of this.#listeners) l(now);
    return true;
  }

  lamps(): Record<string, Lamp> {
    return Object.fromEntries(this.#state);
  }

  /** Every change of any LED, with all of them; returns the unsubscribe function. */
  onChange(listener: (lamps: Record<string, Lamp>) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  close(): Promise<void> {
    this.#listeners.clear();
    return Promise.resolve();
  }
}
