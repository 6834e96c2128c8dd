/**
 * LEDs on plain GPIO output lines. Blinking toggles the line on the Clock (there is no kernel trigger for a
 * line we drive ourselves). Lines start off at open, so the first state is known and repeats write nothing.
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';
import type { LedDriver, LedState } from '../hal-types.js';
import type { GpioChip, GpioChipOpener, GpioLevel } from '../gpio/gpio-chip.js';
import { openSysfsGpioChip } from '../gpio/sysfs-gpio-chip.js';
import { resolveRoots, type HalRoots } from '../input/sysfs-roots.js';
import { nextLedState, type NormalLedState } from './led-state.js';

/** The descriptor's GPIO LEDs (minus `driver`). */
export interface GpioLedsOptions {
  readonly chip: string;
  readonly leds: Readonly<Record<string, { readonly line: number; readonly activeLow?: boolean }>>;
  readonly roots?: Partial<HalRoots>;
}

export interface GpioLedsDeps {
  readonly clock: Clock;
  readonly openChip?: GpioChipOpener;
  readonly onError?: (error: Error) => void;
}

interface GpioLed {
  readonly line: number;
  readonly activeLow: boolean;
  state: NormalLedState;
  lit: boolean;
  timer: TimerHandle | undefined;
}

export async function openGpioLeds(options: GpioLedsOptions, deps: GpioLedsDeps): Promise<LedDriver> {
  const lines = Object.values(options.leds).map((l) => l.line);
  if (lines.some((l) => !Number.isInteger(l) || l < 0)) throw new Error(`gpio leds ${options.chip}: line numbers must be non-negative integers`);
  if (new Set(lines).size !== lines.length) throw new Error(`gpio leds ${options.chip}: two LEDs share a line`);
  const openChip = deps.openChip ?? ((chip: string) => openSysfsGpioChip(chip, resolveRoots(options.roots)));
  const chip = await openChip(options.chip);
  const leds = new Map<string, GpioLed>();
  try {
    for (const [name, { line, activeLow = false }] of Object.entries(options.leds)) {
      chip.setOutput(line, activeLow ? 1 : 0);
      leds.set(name, { line, activeLow, state: { kind: 'off' }, lit: false, timer: undefined });
    }
  } catch (e) {
    await chip.close();
    throw e;
  }
  return new GpioLeds(`gpio leds ${options.chip}`, chip, leds, deps.clock, deps.onError ?? ((e) => process.stderr.write(`sipdesk hal: ${e.message}\n`)));
}

class GpioLeds implements LedDriver {
  readonly leds: readonly string[];

  constructor(
    readonly name: string,
    private readonly chip: GpioChip,
    private readonly map: Map<string, GpioLed>,
    private readonly clock: Clock,
    private readonly onError: (error: Error) => void,
  ) {
    this.leds = [...map.keys()];
  }

  set(led: string, state: LedState): boolean {
    const entry = this.map.get(led);
    if (!entry) return false;
    const next = nextLedState(this.name, led, entry.state, state, this.onError);
    if (!next) return true;
    this.clock.clearTimer(entry.timer);
    entry.timer = undefined;
    entry.state = next;
    if (next.kind === 'blink') this.#blink(entry, next, true);
    else this.#light(entry, next.kind === 'on');
    return true;
  }

  async close(): Promise<void> {
    for (const led of this.leds) this.set(led, 'off');
    await this.chip.close();
  }

  #blink(led: GpioLed, blink: { onMs: number; offMs: number }, lit: boolean): void {
    this.#light(led, lit);
    led.timer = this.clock.setTimer(lit ? blink.onMs : blink.offMs, () => this.#blink(led, blink, !lit));
  }

  #light(led: GpioLed, lit: boolean): void {
    if (led.lit === lit) return;
    const level: GpioLevel = lit !== led.activeLow ? 1 : 0;
    try {
      this.chip.write(led.line, level);
      led.lit = lit;
    } catch (e) {
      this.onError(new Error(`${this.name}: line ${led.line}: ${(e as Error).message}`));
    }
  }
}
