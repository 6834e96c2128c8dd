/**
 * Board descriptors (boards/<name>.yaml): which display, input, LED, backlight and audio drivers a board
 * has and how they are wired. Data, not code, so that a new board is a YAML file and, at most, a
 * device-tree overlay. Every object is strict (a misspelt field is an error, not a silently ignored
 * option) and the checks that span fields (keymap size, GPIO lines used twice, kiosk boards without a
 * keypad) live here too, so `sipdesk run --board x` fails before any driver touches hardware.
 *
 * The driver option types exported below are exactly a descriptor entry minus `driver`; src/hal's
 * factories take them plus `roots`.
 */
import { z } from 'zod';

// ---------------------------------------------------------------------------------------------------
// Vocabularies

/**
 * The phone's key codes. src/ui/core/keys.ts owns this vocabulary, but config must not import ui (see
 * the layer rules), so it is repeated here; a unit test keeps the two lists equal.
 */
export const PHONE_KEY_CODES: readonly string[] = [
  ...['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#'],
  ...['up', 'down', 'left', 'right', 'ok', 'back'],
  ...['volumeUp', 'volumeDown', 'speaker', 'headset', 'mute', 'hold', 'transfer', 'conference', 'redial', 'dnd', 'message'],
  ...numbered('soft', 4),
  ...numbered('line', 12),
];
const phoneKeyCodes = new Set(PHONE_KEY_CODES);

export function isPhoneKeyCode(code: unknown): code is string {
  return typeof code === 'string' && phoneKeyCodes.has(code);
}

/** Lamps the phone core drives, by name; offHook and ring exist only on headsets. */
export const PHONE_LED_NAMES: readonly string[] = ['message', 'speaker', 'headset', 'mute', 'dnd', ...numbered('line', 12), 'offHook', 'ring'];
const phoneLedNames = new Set(PHONE_LED_NAMES);

/**
 * Linux EV_KEY codes by name (include/uapi/linux/input-event-codes.h), limited to keys a phone keypad,
 * handset or headset plausibly sends. Descriptors may name any other key by its number.
 */
export const LINUX_KEY_CODES: Readonly<Record<string, number>> = Object.freeze({
  KEY_ESC: 1,
  ...series('KEY_', ['1', '2', '3', '4', '5', '6', '7', '8', '9', '0'], 2),
  KEY_BACKSPACE: 14,
  KEY_TAB: 15,
  KEY_ENTER: 28,
  KEY_KPASTERISK: 55,
  KEY_SPACE: 57,
  ...series('KEY_F', ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'], 59),
  ...series('KEY_KP', ['7', '8', '9', 'MINUS', '4', '5', '6', 'PLUS', '1', '2', '3', '0', 'DOT'], 71),
  KEY_F11: 87,
  KEY_F12: 88,
  KEY_KPENTER: 96,
  KEY_HOME: 102,
  KEY_UP: 103,
  KEY_LEFT: 105,
  KEY_RIGHT: 106,
  KEY_DOWN: 108,
  KEY_DELETE: 111,
  KEY_MUTE: 113,
  KEY_VOLUMEDOWN: 114,
  KEY_VOLUMEUP: 115,
  KEY_PAUSE: 119,
  KEY_AGAIN: 129,
  KEY_MENU: 139,
  KEY_MAIL: 155,
  KEY_BACK: 158,
  KEY_PHONE: 169,
  KEY_EXIT: 174,
  KEY_REDO: 182,
  ...series('KEY_F', numberedSuffixes(13, 24), 183),
  KEY_MICMUTE: 248,
  ...series('BTN_', numberedSuffixes(0, 9), 0x100),
  KEY_OK: 0x160,
  KEY_SELECT: 0x161,
  KEY_CLEAR: 0x163,
  KEY_VOICEMAIL: 0x1ac,
  KEY_MESSENGER: 0x1ae,
  KEY_PICKUP_PHONE: 0x1bd,
  KEY_HANGUP_PHONE: 0x1be,
  ...series('KEY_NUMERIC_', ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'STAR', 'POUND', 'A', 'B', 'C', 'D'], 0x200),
  ...series('KEY_MACRO', numberedSuffixes(1, 30), 0x290),
  ...series('BTN_TRIGGER_HAPPY', numberedSuffixes(1, 40), 0x2c0),
});

/** Linux EV_SW codes by name: a hook switch may be wired as a switch rather than a key. */
export const LINUX_SWITCH_CODES: Readonly<Record<string, number>> = Object.freeze(
  series(
    'SW_',
    ['LID', 'TABLET_MODE', 'HEADPHONE_INSERT', 'RFKILL_ALL', 'MICROPHONE_INSERT', 'DOCK', 'LINEOUT_INSERT', 'JACK_PHYSICAL_INSERT', 'VIDEOOUT_INSERT', 'CAMERA_LENS_COVER', 'KEYPAD_SLIDE', 'FRONT_PROXIMITY', 'ROTATE_LOCK', 'LINEIN_INSERT', 'MUTE_DEVICE', 'PEN_INSERTED', 'MACHINE_COVER'],
    0,
  ),
);

/** KEY_MAX in input-event-codes.h. */
const LINUX_KEY_MAX = 0x2ff;

/** The EV_KEY code a descriptor means by a key name ("KEY_F1") or a decimal number ("59"); undefined if neither. */
export function linuxKeyCode(nameOrNumber: string): number | undefined {
  if (/^\d+$/.test(nameOrNumber)) {
    const code = Number(nameOrNumber);
    return code >= 1 && code <= LINUX_KEY_MAX ? code : undefined;
  }
  return Object.hasOwn(LINUX_KEY_CODES, nameOrNumber) ? LINUX_KEY_CODES[nameOrNumber] : undefined;
}

/** What a `hookKey` means: an EV_SW switch (SW_* names) or an EV_KEY key (KEY_/BTN_ names or a number). */
export function linuxHookCode(nameOrNumber: string): { type: 'key' | 'switch'; code: number } | undefined {
  if (Object.hasOwn(LINUX_SWITCH_CODES, nameOrNumber)) return { type: 'switch', code: LINUX_SWITCH_CODES[nameOrNumber]! };
  const code = linuxKeyCode(nameOrNumber);
  return code === undefined ? undefined : { type: 'key', code };
}

/**
 * Whether an evdev `device` entry selects the kernel input device called `name`: an exact name, or a
 * prefix ending in `*` for drivers that append a chip id (edt-ft5x06 names itself "generic ft5x06 (79)").
 * Entries starting with /dev/input/ are paths and match no name.
 */
export function matchesInputDeviceName(device: string, name: string): boolean {
  if (device.startsWith('/dev/input/')) return false;
  return device.endsWith('*') ? name.startsWith(device.slice(0, -1)) : name === device;
}

// ---------------------------------------------------------------------------------------------------
// Building blocks

const phoneKeyCode = z.string().refine(isPhoneKeyCode, {
  error: (issue) => `${JSON.stringify(issue.input)} is not a phone key code (0-9, *, #, soft1…soft4, line1…line12, up, down, left, right, ok, back, volumeUp, mute, …)`,
});
const gpioChip = z.string().regex(/^gpiochip\d+$/, 'must be a GPIO chip name like gpiochip0');
const gpioLine = z.number().int().min(0).max(511);
const milliseconds = (min: number, max: number) => z.number().int().min(min).max(max);
/** A name that becomes one path component under /sys or /dev: no separators, no "." or "..". */
const pathComponent = z.string().regex(/^(?!\.\.?$)[^/\0]+$/, 'must be a single name, without "/"');
const absolutePath = z.string().regex(/^\/[^\0]*$/, 'must be an absolute path');
const usbId = z.number().int().min(0).max(0xffff);

// ---------------------------------------------------------------------------------------------------
// Display and backlight

const fbdevDisplay = z.strictObject({
  driver: z.literal('fbdev'),
  /** Framebuffer device, under roots.dev. */
  device: absolutePath,
  width: z.number().int().min(16).max(4096),
  height: z.number().int().min(16).max(4096),
  format: z.enum(['rgb565', 'xrgb8888']),
  /** Clockwise rotation from the panel's native orientation to how the phone stands. */
  rotation: z.union([z.literal(0), z.literal(90), z.literal(180), z.literal(270)]).default(0),
});
const simDisplay = z.strictObject({
  driver: z.literal('sim'),
  width: z.number().int().min(16).max(4096),
  height: z.number().int().min(16).max(4096),
});
export const displaySchema = z.discriminatedUnion('driver', [fbdevDisplay, simDisplay]);

const sysfsBacklight = z
  .strictObject({
    driver: z.literal('sysfs'),
    /** /sys/class/backlight/<device>. */
    device: pathComponent,
    /** Brightness while idle but not yet off, 0…1. */
    dimLevel: z.number().min(0).max(1).default(0.2),
    /** Idle seconds before dimming; 0 = never. */
    dimAfterS: z.number().int().min(0).max(86400).default(60),
    /** Idle seconds before switching off; 0 = never. */
    offAfterS: z.number().int().min(0).max(86400).default(0),
  })
  .refine((b) => b.offAfterS === 0 || b.dimAfterS === 0 || b.offAfterS > b.dimAfterS, {
    message: 'must be later than dimAfterS (or 0 = never)',
    path: ['offAfterS'],
  });
const simBacklight = z.strictObject({ driver: z.literal('sim') });
export const backlightSchema = z.discriminatedUnion('driver', [sysfsBacklight, simBacklight]);

// ---------------------------------------------------------------------------------------------------
// Inputs

const evdevKeymap = z.record(z.string(), phoneKeyCode).superRefine((keymap, ctx) => {
  for (const key of Object.keys(keymap)) {
    if (linuxKeyCode(key) === undefined) {
      ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is not a Linux key name (KEY_…, BTN_…) this schema knows, nor a key number 1…${LINUX_KEY_MAX}` });
    }
  }
});

const evdevInput = z
  .strictObject({
    driver: z.literal('evdev'),
    /**
     * The kernel's input device name (N: Name= in /proc/bus/input/devices), a name prefix ending in `*`,
     * or a /dev/input/… path (under roots.dev).
     */
    device: z.string().min(1).regex(/^(?!\/)|^\/dev\/input\/[^\0]+$/, 'must be an input device name or a /dev/input/… path'),
    kind: z.enum(['keys', 'touch']),
    /** Linux key name or number → phone key code. */
    keymap: evdevKeymap.optional(),
    /** The key or switch that is the hook: down/set = off hook. */
    hookKey: z
      .string()
      .refine((k) => linuxHookCode(k) !== undefined, { message: 'must be a Linux key or switch name (KEY_PHONE, SW_HEADPHONE_INSERT, …) or a key number' })
      .optional(),
    /** How the panel's axes map onto the display (touch only). */
    touch: z
      .strictObject({ swapXY: z.boolean().default(false), invertX: z.boolean().default(false), invertY: z.boolean().default(false) })
      .optional(),
  })
  .superRefine((input, ctx) => {
    if (input.kind === 'keys') {
      if (input.touch) ctx.addIssue({ code: 'custom', path: ['touch'], message: 'only for kind: touch' });
      if (!input.keymap && !input.hookKey) ctx.addIssue({ code: 'custom', path: ['keymap'], message: 'a keys device needs a keymap, a hookKey, or both' });
      if (input.hookKey && input.keymap) {
        const hookCode = linuxHookCode(input.hookKey);
        const clash = Object.keys(input.keymap).find((k) => hookCode?.type === 'key' && linuxKeyCode(k) === hookCode.code);
        if (clash) ctx.addIssue({ code: 'custom', path: ['keymap', clash], message: `is the hookKey; it cannot also be a phone key` });
      }
    } else {
      if (input.keymap) ctx.addIssue({ code: 'custom', path: ['keymap'], message: 'only for kind: keys' });
      if (input.hookKey) ctx.addIssue({ code: 'custom', path: ['hookKey'], message: 'only for kind: keys' });
    }
  });

const gpioKeypadInput = z
  .strictObject({
    driver: z.literal('gpio-keypad'),
    chip: gpioChip,
    /** Row lines: inputs with pull-ups, read while one column is driven low. */
    rows: z.array(gpioLine).min(1).max(16),
    /** Column lines: driven low one at a time. */
    columns: z.array(gpioLine).min(1).max(16),
    /** keymap[row][column]: the phone key at that crossing, or null where the matrix has no switch. */
    keymap: z.array(z.array(phoneKeyCode.nullable())),
    debounceMs: milliseconds(0, 500).default(20),
    scanIntervalMs: milliseconds(1, 1000).default(10),
    /** Auto-repeat, for navigation and volume keys only. */
    repeatDelayMs: milliseconds(50, 5000).default(500),
    repeatIntervalMs: milliseconds(20, 5000).default(100),
  })
  .superRefine((keypad, ctx) => {
    if (keypad.keymap.length !== keypad.rows.length) {
      ctx.addIssue({ code: 'custom', path: ['keymap'], message: `has ${keypad.keymap.length} rows, but ${keypad.rows.length} row lines are listed (must be rows × columns)` });
    }
    keypad.keymap.forEach((row, r) => {
      if (row.length !== keypad.columns.length) {
        ctx.addIssue({ code: 'custom', path: ['keymap', r], message: `has ${row.length} keys, but ${keypad.columns.length} column lines are listed (must be rows × columns)` });
      }
    });
  });

const gpioSwitchInput = z.strictObject({
  driver: z.literal('gpio-switch'),
  chip: gpioChip,
  line: gpioLine,
  /** The switch pulls the line low when closed. */
  activeLow: z.boolean().default(false),
  debounceMs: milliseconds(0, 1000).default(30),
  /** Closed = off hook, or closed = that key held down. */
  emits: z.union([z.literal('hook'), z.strictObject({ key: phoneKeyCode })]),
});

const hidHeadsetInput = z
  .strictObject({
    driver: z.literal('hid-headset'),
    /** USB ids of one model; omitted = the first HID device with a telephony usage page. */
    vendorId: usbId.optional(),
    productId: usbId.optional(),
  })
  .refine((h) => h.productId === undefined || h.vendorId !== undefined, { message: 'needs vendorId too', path: ['productId'] });

const serialControllerInput = z.strictObject({
  driver: z.literal('serial-controller'),
  /** Serial device, under roots.dev. */
  port: absolutePath,
  baud: z.literal([9600, 19200, 38400, 57600, 115200, 230400, 460800, 921600], { error: 'must be a standard baud rate (9600 … 921600)' }),
});

const simInput = z.strictObject({ driver: z.literal('sim') });

export const inputSchema = z.discriminatedUnion('driver', [evdevInput, gpioKeypadInput, gpioSwitchInput, hidHeadsetInput, serialControllerInput, simInput]);

// ---------------------------------------------------------------------------------------------------
// LEDs

/**
 * Phone LED name → per-LED setting. Keys are checked here rather than with a key schema because zod
 * reports a bad record key only as "Invalid key in record", without saying which names are allowed.
 */
function ledMap<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value).superRefine((leds, ctx) => {
    for (const name of Object.keys(leds)) {
      if (!phoneLedNames.has(name)) {
        ctx.addIssue({ code: 'custom', path: [name], message: `"${name}" is not a phone LED name (message, speaker, headset, mute, dnd, line1…line12, offHook, ring)` });
      }
    }
  });
}

const sysfsLeds = z.strictObject({
  driver: z.literal('sysfs'),
  /** Phone LED name → /sys/class/leds/<name> (the gpio-leds label). */
  leds: ledMap(pathComponent),
});
const gpioLeds = z.strictObject({
  driver: z.literal('gpio'),
  chip: gpioChip,
  leds: ledMap(z.strictObject({ line: gpioLine, activeLow: z.boolean().default(false) })),
});
const serialControllerLeds = z.strictObject({ driver: z.literal('serial-controller') });
const hidHeadsetLeds = z.strictObject({ driver: z.literal('hid-headset') });
const simLeds = z.strictObject({ driver: z.literal('sim') });

export const ledsSchema = z.discriminatedUnion('driver', [sysfsLeds, gpioLeds, serialControllerLeds, hidHeadsetLeds, simLeds]);

// ---------------------------------------------------------------------------------------------------
// Audio, features, roots

const soundDeviceName = z.string().min(1);
export const boardAudioSchema = z.discriminatedUnion('device', [
  z.strictObject({
    device: z.literal('alsa'),
    capture: soundDeviceName,
    playback: soundDeviceName,
    /** amixer controls set at start: control name → value ("80%", "on", "-6dB", 40). */
    mixer: z.record(z.string().min(1), z.union([z.string().min(1), z.number()])).optional(),
  }),
  z.strictObject({ device: z.literal('portaudio'), capture: soundDeviceName, playback: soundDeviceName }),
  /** WAV files stand in for microphone and speaker (simulator, tests). */
  z.strictObject({ device: z.literal('wav'), wavSource: z.string().min(1).optional(), wavSink: z.string().min(1).optional() }),
  z.strictObject({ device: z.literal('null') }),
]);

export const featuresSchema = z.strictObject({
  /** A dial pad in hardware (digits need no on-screen pad). */
  keypad: z.boolean().default(false),
  touch: z.boolean().default(false),
  /** A fixed-purpose phone (lobby, hotline): no keypad; what it calls is phone config, not board. */
  kiosk: z.boolean().default(false),
  lineKeys: z.number().int().min(0).max(12).default(0),
  softkeys: z.number().int().min(0).max(4).default(0),
});

export const rootsSchema = z.strictObject({
  sysfs: absolutePath.default('/sys'),
  dev: absolutePath.default('/dev'),
});

// ---------------------------------------------------------------------------------------------------
// The descriptor

export const boardSchema = z
  .strictObject({
    name: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'must be lower-case letters, digits, ".", "_" or "-"'),
    description: z.string().min(1).optional(),
    /** Where drivers find /sys and /dev; tests point these at temporary directories. */
    roots: rootsSchema.default({ sysfs: '/sys', dev: '/dev' }),
    display: displaySchema,
    backlight: backlightSchema.optional(),
    inputs: z.array(inputSchema),
    leds: z.array(ledsSchema).default([]),
    audio: boardAudioSchema,
    features: featuresSchema.default(() => featuresSchema.parse({})),
    /** Device-tree overlays this board needs (device-tree/<name>.dts); documentation for the installer. */
    overlays: z.array(z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be an overlay name like sipdesk-keypad')).default([]),
  })
  .superRefine((board, ctx) => {
    checkGpioLines(board, ctx);
    checkDriverPairs(board, ctx);
    checkFeatures(board, ctx);
  });

export type BoardDescriptor = z.output<typeof boardSchema>;
export type BoardRoots = z.output<typeof rootsSchema>;
export type BoardDisplay = z.output<typeof displaySchema>;
export type BoardInput = z.output<typeof inputSchema>;
export type BoardLeds = z.output<typeof ledsSchema>;
export type BoardBacklight = z.output<typeof backlightSchema>;
export type BoardAudio = z.output<typeof boardAudioSchema>;
export type BoardFeatures = z.output<typeof featuresSchema>;

/** A descriptor entry as a driver receives it: without `driver`. */
type Options<T extends { driver: string }, D extends T['driver']> = Omit<Extract<T, { driver: D }>, 'driver'>;

export type FbdevDisplayOptions = Options<BoardDisplay, 'fbdev'>;
export type SimDisplayOptions = Options<BoardDisplay, 'sim'>;
export type SysfsBacklightOptions = Options<BoardBacklight, 'sysfs'>;
export type EvdevInputOptions = Options<BoardInput, 'evdev'>;
export type GpioKeypadOptions = Options<BoardInput, 'gpio-keypad'>;
export type GpioSwitchOptions = Options<BoardInput, 'gpio-switch'>;
export type HidHeadsetOptions = Options<BoardInput, 'hid-headset'>;
export type SerialControllerOptions = Options<BoardInput, 'serial-controller'>;
export type SysfsLedOptions = Options<BoardLeds, 'sysfs'>;
export type GpioLedOptions = Options<BoardLeds, 'gpio'>;

// ---------------------------------------------------------------------------------------------------
// Checks across entries

type Ctx = z.RefinementCtx;

/** A line driven by two drivers would fight (an LED output shorting a keypad column), so each is used once per chip. */
function checkGpioLines(board: BoardDescriptor, ctx: Ctx): void {
  const used = new Map<string, string>();
  const claim = (chip: string, line: number, path: (string | number)[]) => {
    const key = `${chip}:${line}`;
    const first = used.get(key);
    if (first) ctx.addIssue({ code: 'custom', path, message: `GPIO line ${line} on ${chip} is already used by ${first}` });
    else used.set(key, formatPath(path));
  };
  board.inputs.forEach((input, i) => {
    if (input.driver === 'gpio-keypad') {
      input.rows.forEach((line, r) => claim(input.chip, line, ['inputs', i, 'rows', r]));
      input.columns.forEach((line, c) => claim(input.chip, line, ['inputs', i, 'columns', c]));
    } else if (input.driver === 'gpio-switch') {
      claim(input.chip, input.line, ['inputs', i, 'line']);
    }
  });
  board.leds.forEach((leds, i) => {
    if (leds.driver !== 'gpio') return;
    for (const [name, led] of Object.entries(leds.leds)) claim(leds.chip, led.line, ['leds', i, 'leds', name, 'line']);
  });
}

/** LED drivers that talk through an input's device need that input. */
function checkDriverPairs(board: BoardDescriptor, ctx: Ctx): void {
  const count = (driver: BoardInput['driver']) => board.inputs.filter((input) => input.driver === driver).length;
  board.leds.forEach((leds, i) => {
    if (leds.driver === 'serial-controller' && count('serial-controller') !== 1) {
      ctx.addIssue({ code: 'custom', path: ['leds', i, 'driver'], message: 'needs exactly one serial-controller input (its port carries the LED commands)' });
    }
    if (leds.driver === 'hid-headset' && count('hid-headset') === 0) {
      ctx.addIssue({ code: 'custom', path: ['leds', i, 'driver'], message: 'needs a hid-headset input (the headset whose LEDs these are)' });
    }
  });
}

const DIALPAD_KEYS = new Set(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '*', '#']);

function dialsDigits(input: BoardInput): boolean {
  switch (input.driver) {
    case 'gpio-keypad':
      return input.keymap.some((row) => row.some((key) => key !== null && DIALPAD_KEYS.has(key)));
    case 'evdev':
      return Object.values(input.keymap ?? {}).some((key) => DIALPAD_KEYS.has(key));
    default:
      return false;
  }
}

/** The features block is what the UI trusts (no on-screen dial pad when keypad: true), so it must match the inputs. */
function checkFeatures(board: BoardDescriptor, ctx: Ctx): void {
  const { features } = board;
  const hasSim = board.inputs.some((input) => input.driver === 'sim');
  if (features.kiosk) {
    if (features.keypad) ctx.addIssue({ code: 'custom', path: ['features', 'keypad'], message: 'a kiosk board has no keypad' });
    board.inputs.forEach((input, i) => {
      if (dialsDigits(input)) ctx.addIssue({ code: 'custom', path: ['inputs', i], message: 'a kiosk board has no keypad (this input dials digits)' });
    });
  }
  if (features.keypad && !hasSim && !board.inputs.some((input) => dialsDigits(input) || input.driver === 'serial-controller')) {
    ctx.addIssue({ code: 'custom', path: ['features', 'keypad'], message: 'no input provides a keypad (gpio-keypad, evdev keymap with digits, or serial-controller)' });
  }
  if (features.touch && !hasSim && !board.inputs.some((input) => input.driver === 'evdev' && input.kind === 'touch')) {
    ctx.addIssue({ code: 'custom', path: ['features', 'touch'], message: 'no input is a touchscreen (evdev kind: touch)' });
  }
}

/** ['inputs', 1, 'rows'] → "inputs[1].rows": the way a YAML file's author reads a field's place. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += (out ? '.' : '') + String(segment);
  }
  return out;
}

function numbered(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}

function numberedSuffixes(first: number, last: number): string[] {
  return Array.from({ length: last - first + 1 }, (_, i) => String(first + i));
}

/** Consecutive codes: series('KEY_F', ['1', '2'], 59) → { KEY_F1: 59, KEY_F2: 60 }. */
function series(prefix: string, suffixes: readonly string[], firstCode: number): Record<string, number> {
  return Object.fromEntries(suffixes.map((suffix, i) => [`${prefix}${suffix}`, firstCode + i]));
}
