/**
 * The simulated board's lamps as the page shows them. The drivers themselves are the `sim` board's
 * (src/hal/sim: SimInput, SimLeds, opened by src/app/board-devices.ts like any board's), so the phone wires
 * them exactly as on hardware; the page only needs the blink timings turned back into lamp states.
 */
import type { LedState } from '../../src/hal/hal-types.js';
import type { SimLeds } from '../../src/hal/sim/sim-leds.js';
import type { Lamp } from '../../src/phone/lamps.js';

/** The lamp a blink timing stands for: anything faster than 2.5 Hz is the ringing blink. */
export function lampOf(state: LedState): Lamp {
  if (state === 'off' || state === 'on') return state;
  return state.blink.onMs <= 200 ? 'fast-blink' : 'blink';
}

/** Every lamp of the simulated set, as the page draws them. */
export function lampsOf(leds: SimLeds): Record<string, Lamp> {
  return Object.fromEntries(Object.entries(leds.snapshot()).map(([led, state]) => [led, lampOf(state)]));
}
