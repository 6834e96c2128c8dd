/**
 * The board's drivers wired to the phone: every input source feeds the screens (keys, touch) and the call
 * core (hook), the phone's lamps drive every LED driver (each lights the LEDs it has), and input or a
 * ringing call wakes the dimmed backlight. A failing driver is logged and the phone goes on with the others.
 * The drivers belong to whoever opened them (src/app/board-devices.ts): stopping the wiring leaves them open.
 */
import type { Backlight, HalInputEvent, InputSource, LedDriver, LedState } from '../hal/hal-types.js';
import type { Lamp } from '../phone/lamps.js';
import { createLogger } from '../util/log.js';

const log = createLogger('hardware');

/** Blink timing of the lamps: 1 Hz slow (held call, waiting message), 4 Hz fast (ringing). */
export function ledStateOf(lamp: Lamp): LedState {
  switch (lamp) {
    case 'on':
      return 'on';
    case 'blink':
      return { blink: { onMs: 500, offMs: 500 } };
    case 'fast-blink':
      return { blink: { onMs: 125, offMs: 125 } };
    default:
      return 'off';
  }
}

export interface HardwareTargets {
  /** Keys, touches and hook events (the phone's UI input, which routes the hook to the call core). */
  input(event: HalInputEvent): void;
  lamps(): Record<string, Lamp>;
  onLamps(listener: (lamps: Record<string, Lamp>) => void): () => void;
}

export interface BoardDrivers {
  readonly inputs?: readonly InputSource[];
  readonly leds?: readonly LedDriver[];
  readonly backlight?: Backlight;
  /** Dims the backlight when nobody uses the phone; poked by every input and by a ringing call. */
  readonly dimmer?: { poke(): void; stop(): void };
}

export function wireHardware(drivers: BoardDrivers, to: HardwareTargets): { stop(): void } {
  const unsubscribe: (() => void)[] = [];
  for (const source of drivers.inputs ?? []) {
    unsubscribe.push(
      source.onEvent((event) => {
        drivers.dimmer?.poke();
        try {
          to.input(event);
        } catch (err) {
          log.warn(`${source.name}: ${event.type} event failed: ${(err as Error).message}`);
        }
      }),
    );
  }
  const apply = (lamps: Record<string, Lamp>): void => {
    // A ringing line lights the screen, so the caller's name can be read.
    if (Object.values(lamps).includes('fast-blink')) drivers.dimmer?.poke();
    for (const driver of drivers.leds ?? []) {
      for (const led of driver.leds) {
        const lamp = lamps[led];
        if (lamp === undefined) continue;
        try {
          driver.set(led, ledStateOf(lamp));
        } catch (err) {
          log.warn(`${driver.name}: cannot set ${led}: ${(err as Error).message}`);
        }
      }
    }
  };
  apply(to.lamps());
  unsubscribe.push(to.onLamps(apply));
  return {
    stop() {
      for (const u of unsubscribe) u();
      // Lamps off on the way out: a stopped phone must not show a stale message lamp. The drivers stay open:
      // whoever opened them closes them (a hot-desk sign-in starts the next phone on the same drivers).
      for (const driver of drivers.leds ?? []) for (const led of driver.leds) driver.set(led, 'off');
    },
  };
}
