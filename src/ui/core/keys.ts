/**
 * The phone's key vocabulary. Input drivers (evdev, GPIO keypad, simulator) deliver a code as a string; only
 * the codes listed here reach widgets, anything else is ignored (a new keypad mapping cannot crash the UI).
 */

const DIGITS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'] as const;
const NAVIGATION = ['up', 'down', 'left', 'right', 'ok', 'back'] as const;
const FEATURES = [
  'volumeUp',
  'volumeDown',
  'speaker',
  'headset',
  'mute',
  'hold',
  'transfer',
  'conference',
  'redial',
  'dnd',
  'message',
] as const;
/** Softkeys under the screen, left to right. */
export const SOFTKEY_COUNT = 4;
/** Programmable line keys beside the screen, top to bottom. */
export const LINE_KEY_COUNT = 12;

const SOFTKEYS = Array.from({ length: SOFTKEY_COUNT }, (_, i) => `soft${i + 1}` as const);
const LINEKEYS = Array.from({ length: LINE_KEY_COUNT }, (_, i) => `line${i + 1}` as const);

export type DigitKey = (typeof DIGITS)[number];
export type NavigationKey = (typeof NAVIGATION)[number];
export type FeatureKey = (typeof FEATURES)[number];
export type SoftKey = `soft${number}`;
export type LineKey = `line${number}`;
export type KeyCode = DigitKey | NavigationKey | FeatureKey | SoftKey | LineKey;

/** Every key code, in keypad order (for messages that list them and for the board schema's check). */
export const KEY_CODES: readonly KeyCode[] = [...DIGITS, ...NAVIGATION, ...FEATURES, ...SOFTKEYS, ...LINEKEYS];
const ALL = new Set<string>(KEY_CODES);

export function isKeyCode(code: unknown): code is KeyCode {
  return typeof code === 'string' && ALL.has(code);
}

export function isDigitKey(code: string): code is DigitKey {
  return (DIGITS as readonly string[]).includes(code);
}

/** 1-based softkey index of a code, or undefined. */
export function softkeyIndex(code: string): number | undefined {
  const m = /^soft(\d+)$/.exec(code);
  return m && ALL.has(code) ? Number(m[1]) : undefined;
}

/** 1-based line-key index of a code, or undefined. */
export function lineKeyIndex(code: string): number | undefined {
  const m = /^line(\d+)$/.exec(code);
  return m && ALL.has(code) ? Number(m[1]) : undefined;
}
