/**
 * The simulated headset: the same decoding and LED-report building as the real driver, fed with input
 * reports the caller injects (the simulator's UI, tests) and recording the LED reports it would send.
 * Its default descriptor is a plain telephony headset; pass a recorded one to simulate a specific device.
 */
import type { Clock } from '../../phone/clock.js';
import { HeadsetSession, type HalLog } from './headset-session.js';
import { parseHidDescriptor, type HidDescriptor } from './hid-descriptor.js';

/**
 * Report 1 in: Hook Switch (absolute), Phone Mute, Flash, Redial (relative), Volume Up/Down (absolute).
 * Report 2 out: LEDs Off-Hook, Ring, Mute, Hold.
 */
export const SIM_HEADSET_DESCRIPTOR = Uint8Array.from([
  0x05, 0x0b, // Usage Page (Telephony)
  0x09, 0x05, // Usage (Headset)
  0xa1, 0x01, // Collection (Application)
  0x85, 0x01, //   Report ID (1)
  0x15, 0x00, //   Logical Minimum (0)
  0x25, 0x01, //   Logical Maximum (1)
  0x75, 0x01, //   Report Size (1)
  0x95, 0x01, //   Report Count (1)
  0x09, 0x20, //   Usage (Hook Switch)
  0x81, 0x22, //   Input (Data,Var,Abs,No Preferred)
  0x09, 0x2f, //   Usage (Phone Mute)
  0x09, 0x21, //   Usage (Flash)
  0x09, 0x24, //   Usage (Redial)
  0x95, 0x03, //   Report Count (3)
  0x81, 0x06, //   Input (Data,Var,Rel)
  0x05, 0x0c, //   Usage Page (Consumer)
  0x09, 0xe9, //   Usage (Volume Increment)
  0x09, 0xea, //   Usage (Volume Decrement)
  0x95, 0x02, //   Report Count (2)
  0x81, 0x02, //   Input (Data,Var,Abs)
  0x95, 0x02, //   Report Count (2)
  0x81, 0x01, //   Input (Const) — pad to 8 bits
  0x85, 0x02, //   Report ID (2)
  0x05, 0x08, //   Usage Page (LEDs)
  0x09, 0x17, //   Usage (Off-Hook)
  0x09, 0x18, //   Usage (Ring)
  0x09, 0x09, //   Usage (Mute)
  0x09, 0x20, //   Usage (Hold)
  0x95, 0x04, //   Report Count (4)
  0x91, 0x22, //   Output (Data,Var,Abs,No Preferred)
  0x95, 0x04, //   Report Count (4)
  0x91, 0x01, //   Output (Const) — pad to 8 bits
  0xc0, //       End Collection
]);

export interface SimHidHeadsetOptions {
  /** A report descriptor to simulate (default SIM_HEADSET_DESCRIPTOR); malformed → HidDescriptorError. */
  descriptor?: Uint8Array;
  name?: string;
}

export interface SimHidHeadset {
  readonly input: HeadsetSession['input'];
  readonly leds: HeadsetSession['leds'];
  readonly descriptor: HidDescriptor;
  /** Delivers one input report as the device would (id byte first when the descriptor uses ids). */
  inject(report: Uint8Array | readonly number[]): void;
  /** Every LED output report "sent", in order. */
  readonly written: readonly Uint8Array[];
}

export function createSimHidHeadset(opts: SimHidHeadsetOptions, deps: { clock: Clock; log?: HalLog }): SimHidHeadset {
  const descriptor = parseHidDescriptor(opts.descriptor ?? SIM_HEADSET_DESCRIPTOR);
  const written: Uint8Array[] = [];
  const session = new HeadsetSession({
    name: opts.name ?? 'hid-headset (simulated)',
    descriptor,
    write: (report) => written.push(Uint8Array.from(report)),
    clock: deps.clock,
    log: deps.log,
  });
  return {
    input: session.input,
    leds: session.leds,
    descriptor,
    inject: (report) => session.handleReport(Uint8Array.from(report)),
    written,
  };
}
