/**
 * Linux input event codes (include/uapi/linux/input-event-codes.h) for what a desk phone uses: event types,
 * sync codes, the absolute axes of a touch panel, and the key and switch names a board descriptor's keymap
 * or hookKey may give. Only a subset: a descriptor can still name any other key by its number.
 */

export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_ABS = 0x03;
export const EV_SW = 0x05;

export const SYN_REPORT = 0;
export const SYN_DROPPED = 3;

export const ABS_X = 0x00;
export const ABS_Y = 0x01;
export const ABS_MT_SLOT = 0x2f;
export const ABS_MT_POSITION_X = 0x35;
export const ABS_MT_POSITION_Y = 0x36;
export const ABS_MT_TRACKING_ID = 0x39;

export const BTN_TOUCH = 0x14a;

function range(prefix: string, first: number, names: readonly (string | number)[]): [string, number][] {
  return names.map((n, i) => [`${prefix}${n}`, first + i]);
}

/** EV_KEY codes by name. */
export const KEY_CODES: ReadonlyMap<string, number> = new Map<string, number>([
  ['KEY_ESC', 1],
  ...range('KEY_', 2, [1, 2, 3, 4, 5, 6, 7, 8, 9]),
  ['KEY_0', 11],
  ['KEY_MINUS', 12],
  ['KEY_EQUAL', 13],
  ['KEY_BACKSPACE', 14],
  ['KEY_TAB', 15],
  ['KEY_ENTER', 28],
  ['KEY_KPASTERISK', 55],
  ['KEY_SPACE', 57],
  ...range('KEY_F', 59, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
  ['KEY_KP7', 71],
  ['KEY_KP8', 72],
  ['KEY_KP9', 73],
  ['KEY_KPMINUS', 74],
  ['KEY_KP4', 75],
  ['KEY_KP5', 76],
  ['KEY_KP6', 77],
  ['KEY_KPPLUS', 78],
  ['KEY_KP1', 79],
  ['KEY_KP2', 80],
  ['KEY_KP3', 81],
  ['KEY_KP0', 82],
  ['KEY_F11', 87],
  ['KEY_F12', 88],
  ['KEY_KPENTER', 96],
  ['KEY_HOME', 102],
  ['KEY_UP', 103],
  ['KEY_PAGEUP', 104],
  ['KEY_LEFT', 105],
  ['KEY_RIGHT', 106],
  ['KEY_END', 107],
  ['KEY_DOWN', 108],
  ['KEY_PAGEDOWN', 109],
  ['KEY_DELETE', 111],
  ['KEY_MUTE', 113],
  ['KEY_VOLUMEDOWN', 114],
  ['KEY_VOLUMEUP', 115],
  ['KEY_POWER', 116],
  ['KEY_PAUSE', 119],
  ['KEY_STOP', 128],
  ['KEY_AGAIN', 129],
  ['KEY_HELP', 138],
  ['KEY_MENU', 139],
  ['KEY_MAIL', 155],
  ['KEY_BACK', 158],
  ['KEY_FORWARD', 159],
  ['KEY_PHONE', 169],
  ...range('KEY_F', 183, [13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24]),
  ['KEY_MICMUTE', 248],
  ...range('BTN_', 0x100, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
  ['BTN_TOUCH', BTN_TOUCH],
  ['KEY_OK', 0x160],
  ['KEY_SELECT', 0x161],
  ['KEY_CLEAR', 0x163],
  ['KEY_INFO', 0x166],
  ['KEY_CALENDAR', 0x18d],
  ['KEY_VOICEMAIL', 0x1ac],
  ['KEY_ADDRESSBOOK', 0x1ad],
  ['KEY_MESSENGER', 0x1ae],
  ['KEY_PICKUP_PHONE', 0x1bd],
  ['KEY_HANGUP_PHONE', 0x1be],
  ...range('KEY_NUMERIC_', 0x200, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]),
  ['KEY_NUMERIC_STAR', 0x20a],
  ['KEY_NUMERIC_POUND', 0x20b],
  ['KEY_NUMERIC_A', 0x20c],
  ['KEY_NUMERIC_B', 0x20d],
  ['KEY_NUMERIC_C', 0x20e],
  ['KEY_NUMERIC_D', 0x20f],
]);

/** EV_SW codes by name (a switch has a state, not presses: value 1 = set). */
export const SW_CODES: ReadonlyMap<string, number> = new Map<string, number>([
  ['SW_LID', 0x00],
  ['SW_TABLET_MODE', 0x01],
  ['SW_HEADPHONE_INSERT', 0x02],
  ['SW_RFKILL_ALL', 0x03],
  ['SW_MICROPHONE_INSERT', 0x04],
  ['SW_DOCK', 0x05],
  ['SW_LINEOUT_INSERT', 0x06],
  ['SW_JACK_PHYSICAL_INSERT', 0x07],
  ['SW_VIDEOOUT_INSERT', 0x08],
  ['SW_CAMERA_LENS_COVER', 0x09],
  ['SW_KEYPAD_SLIDE', 0x0a],
  ['SW_FRONT_PROXIMITY', 0x0b],
  ['SW_ROTATE_LOCK', 0x0c],
  ['SW_LINEIN_INSERT', 0x0d],
  ['SW_MUTE_DEVICE', 0x0e],
  ['SW_PEN_INSERTED', 0x0f],
  ['SW_MACHINE_COVER', 0x10],
]);

/** An input the descriptor names: which event type carries it, and its code within that type. */
export interface InputCode {
  readonly type: typeof EV_KEY | typeof EV_SW;
  readonly code: number;
}

/**
 * Resolves a descriptor name: `KEY_…`/`BTN_…` (EV_KEY), `SW_…` (EV_SW), or a decimal or 0x-hex key number
 * (EV_KEY, for keys missing from the table). Throws with the offending name for anything else, so a typo in
 * a board descriptor fails at start instead of silently never firing.
 */
export function resolveInputCode(name: string): InputCode {
  const trimmed = name.trim();
  const key = KEY_CODES.get(trimmed);
  if (key !== undefined) return { type: EV_KEY, code: key };
  const sw = SW_CODES.get(trimmed);
  if (sw !== undefined) return { type: EV_SW, code: sw };
  if (/^(?:\d+|0x[0-9a-f]+)$/i.test(trimmed)) {
    const code = Number(trimmed);
    // KEY_MAX is 0x2ff.
    if (code <= 0x2ff) return { type: EV_KEY, code };
  }
  throw new Error(`unknown Linux input code '${name}' (use a KEY_/BTN_/SW_ name or a key number up to 0x2ff)`);
}
