/**
 * The HID usages a telephony headset speaks (HID Usage Tables 1.5: Telephony page 0x0B, LED page 0x08,
 * Consumer page 0x0C), and what the phone makes of them.
 */
import { usageOf } from './hid-descriptor.js';

export const PAGE = { led: 0x08, telephony: 0x0b, consumer: 0x0c } as const;

/** Top-level collections that make a HID interface a telephony device. */
export const TELEPHONY_COLLECTIONS: readonly number[] = [
  usageOf(PAGE.telephony, 0x05), // Headset
  usageOf(PAGE.telephony, 0x01), // Phone
  usageOf(PAGE.telephony, 0x04), // Handset
];

export const HOOK_SWITCH = usageOf(PAGE.telephony, 0x20);

/** Input usages that become phone key codes (src/ui/core/keys.ts). */
export const KEY_USAGES: ReadonlyMap<number, string> = new Map([
  [usageOf(PAGE.telephony, 0x2f), 'mute'], // Phone Mute
  // Flash is the headset's "switch/hold" button (the analogue phone's hook flash); the phone's hold key is
  // the action it asks for.
  [usageOf(PAGE.telephony, 0x21), 'hold'],
  [usageOf(PAGE.telephony, 0x23), 'hold'], // Hold
  [usageOf(PAGE.telephony, 0x24), 'redial'],
  [usageOf(PAGE.telephony, 0x25), 'transfer'],
  [usageOf(PAGE.telephony, 0x2b), 'speaker'], // Speaker Phone
  [usageOf(PAGE.consumer, 0xe9), 'volumeUp'], // Volume Increment
  [usageOf(PAGE.consumer, 0xea), 'volumeDown'], // Volume Decrement
  // Phone Key 0..9, *, # (handsets with a keypad)
  ...Array.from({ length: 10 }, (_, d): [number, string] => [usageOf(PAGE.telephony, 0xb0 + d), String(d)]),
  [usageOf(PAGE.telephony, 0xba), '*'],
  [usageOf(PAGE.telephony, 0xbb), '#'],
]);

/**
 * Output usages behind each LED name. `ring` drives both the LED page's Ring indicator and the Telephony
 * page's Ringer (some headsets ring their own buzzer through it); whichever the device has.
 */
export const LED_USAGES: ReadonlyMap<string, readonly number[]> = new Map([
  ['offHook', [usageOf(PAGE.led, 0x17)]],
  ['ring', [usageOf(PAGE.led, 0x18), usageOf(PAGE.telephony, 0x9e)]],
  ['mute', [usageOf(PAGE.led, 0x09)]],
  ['hold', [usageOf(PAGE.led, 0x20)]],
  ['microphone', [usageOf(PAGE.led, 0x21)]],
]);

/** LEDs whose device-side meaning already includes blinking (Ring flashes by itself). */
export const SELF_BLINKING_LEDS: ReadonlySet<string> = new Set(['ring']);
