/**
 * Key and LED numbers of the serial controller protocol (PROTOCOL.md §Keys, §LEDs), mapped to the phone's
 * key codes (src/ui/core/keys.ts) and LED names. Numbers are grouped so a controller's firmware can
 * compute them (line key n = 0x20 + n − 1).
 */

/** Key id that is the hook switch: "down" = handset lifted (off hook). */
export const HOOK_KEY_ID = 0x7f;

const keyEntries: [number, string][] = [
  ...Array.from({ length: 10 }, (_, d): [number, string] => [d, String(d)]),
  [0x0a, '*'],
  [0x0b, '#'],
  ...Array.from({ length: 4 }, (_, i): [number, string] => [0x10 + i, `soft${i + 1}`]),
  ...Array.from({ length: 12 }, (_, i): [number, string] => [0x20 + i, `line${i + 1}`]),
  [0x30, 'up'],
  [0x31, 'down'],
  [0x32, 'left'],
  [0x33, 'right'],
  [0x34, 'ok'],
  [0x35, 'back'],
  [0x40, 'volumeUp'],
  [0x41, 'volumeDown'],
  [0x42, 'speaker'],
  [0x43, 'headset'],
  [0x44, 'mute'],
  [0x45, 'hold'],
  [0x46, 'transfer'],
  [0x47, 'conference'],
  [0x48, 'redial'],
  [0x49, 'dnd'],
  [0x4a, 'message'],
];

export const KEY_CODE_BY_ID: ReadonlyMap<number, string> = new Map(keyEntries);
export const KEY_ID_BY_CODE: ReadonlyMap<string, number> = new Map(keyEntries.map(([id, code]) => [code, id]));

const ledEntries: [number, string][] = [
  [0x01, 'message'],
  [0x02, 'speaker'],
  [0x03, 'headset'],
  [0x04, 'mute'],
  [0x05, 'dnd'],
  ...Array.from({ length: 12 }, (_, i): [number, string] => [0x10 + i, `line${i + 1}`]),
];

export const LED_NAME_BY_ID: ReadonlyMap<number, string> = new Map(ledEntries);
export const LED_ID_BY_NAME: ReadonlyMap<string, number> = new Map(ledEntries.map(([id, name]) => [name, id]));
