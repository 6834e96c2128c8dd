import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { BoardError, SHIPPED_BOARDS_DIR, listBoards, loadBoard, parseBoard, validateBoard } from '../../src/config/board-load.js';
import { ConfigError } from '../../src/config/load.js';
import {
  LINUX_KEY_CODES,
  LINUX_SWITCH_CODES,
  PHONE_KEY_CODES,
  formatPath,
  linuxHookCode,
  linuxKeyCode,
  matchesInputDeviceName,
} from '../../src/config/board-schema.js';
import { LINE_KEY_COUNT, SOFTKEY_COUNT, isKeyCode } from '../../src/ui/core/keys.js';

const repo = join(import.meta.dirname, '..', '..', '..');
const boardsDir = join(repo, 'boards');

function shippedBoardFiles(): string[] {
  return readdirSync(boardsDir).filter((f) => f.endsWith('.yaml'));
}

/** A minimal valid descriptor; each test breaks one thing in a copy. */
function validBoard(): Record<string, unknown> {
  return {
    name: 'test',
    display: { driver: 'sim', width: 800, height: 480 },
    inputs: [
      {
        driver: 'gpio-keypad',
        chip: 'gpiochip0',
        rows: [5, 6],
        columns: [12, 16, 20],
        keymap: [
          ['1', '2', '3'],
          ['4', '5', null],
        ],
      },
      { driver: 'gpio-switch', chip: 'gpiochip0', line: 26, activeLow: true, emits: 'hook' },
    ],
    leds: [{ driver: 'gpio', chip: 'gpiochip0', leds: { message: { line: 17 } } }],
    audio: { device: 'null' },
    features: { keypad: true },
  };
}

function problems(value: unknown): string[] {
  try {
    validateBoard(value, 'boards/test.yaml');
  } catch (err) {
    assert.ok(err instanceof BoardError, String(err));
    return err.problems;
  }
  assert.fail('descriptor was accepted');
}

function withInput(index: number, change: Record<string, unknown>): Record<string, unknown> {
  const board = validBoard();
  const inputs = board.inputs as Record<string, unknown>[];
  inputs[index] = { ...inputs[index], ...change };
  return board;
}

test('the base descriptor of these tests is valid, with defaults filled in', () => {
  const board = validateBoard(validBoard(), 'test');
  assert.deepEqual(board.roots, { sysfs: '/sys', dev: '/dev' });
  const keypad = board.inputs[0];
  assert.equal(keypad?.driver, 'gpio-keypad');
  assert.equal(keypad.debounceMs, 20);
  assert.equal(keypad.repeatDelayMs, 500);
  const hook = board.inputs[1];
  assert.equal(hook?.driver === 'gpio-switch' && hook.debounceMs, 30);
  assert.equal(board.features.kiosk, false);
});

test('every shipped descriptor validates, its name is its file name, and its overlays exist', async () => {
  const files = shippedBoardFiles();
  assert.deepEqual(files.sort(), ['rpi4-desk.yaml', 'rpi5-kiosk.yaml', 'sim.yaml']);
  for (const file of files) {
    const name = file.replace(/\.yaml$/, '');
    const board = await loadBoard(name, { boardsDir });
    assert.equal(board.name, name);
    for (const overlay of board.overlays) {
      assert.ok(existsSync(join(repo, 'device-tree', `${overlay}.dts`)), `${file}: overlay ${overlay} has no device-tree/${overlay}.dts`);
    }
  }
});

test('the shipped boards say what the issue asks of them', async () => {
  const desk = await loadBoard('rpi4-desk', { boardsDir });
  assert.equal(desk.display.driver === 'fbdev' && desk.display.device, '/dev/fb0');
  assert.ok(desk.inputs.some((i) => i.driver === 'evdev' && i.device === 'sipdesk-keypad' && i.kind === 'keys'));
  assert.ok(desk.inputs.some((i) => i.driver === 'evdev' && i.device === 'sipdesk-hook' && i.hookKey));
  assert.ok(desk.inputs.some((i) => i.driver === 'evdev' && i.kind === 'touch'));
  assert.equal(desk.backlight?.driver === 'sysfs' && desk.backlight.device, 'rpi_backlight');
  assert.match(desk.audio.device === 'alsa' ? desk.audio.capture : '', /wm8960/);

  const kiosk = await loadBoard('rpi5-kiosk', { boardsDir });
  assert.equal(kiosk.features.kiosk, true);
  assert.equal(kiosk.features.keypad, false);
  assert.ok(kiosk.inputs.some((i) => i.driver === 'hid-headset'));

  const sim = await loadBoard('sim', { boardsDir });
  assert.equal(sim.display.driver, 'sim');
  assert.ok(sim.audio.device === 'null' || sim.audio.device === 'wav');
});

test('the default search path ends with the repository boards folder', async () => {
  assert.equal(SHIPPED_BOARDS_DIR, boardsDir);
  const board = await loadBoard('sim');
  assert.equal(board.name, 'sim');
});

test('wrong types and unknown fields name the field', () => {
  assert.deepEqual(problems(withInput(0, { rows: 'five' })), ['inputs[0].rows: Invalid input: expected array, received string']);
  const unknown = problems(withInput(1, { pullUp: true }));
  assert.equal(unknown.length, 1);
  assert.match(unknown[0]!, /^inputs\[1\]: Unrecognized key: "pullUp"/);
  assert.match(problems({ ...validBoard(), colour: 'red' })[0]!, /^\(top level\): Unrecognized key: "colour"/);
  assert.match(problems({ ...validBoard(), display: { driver: 'sim', width: 800, height: 480, depth: 16 } })[0]!, /^display: Unrecognized key: "depth"/);
  assert.match(problems(withInput(0, { driver: 'usb-keypad' }))[0]!, /^inputs\[0\]\.driver: /);
  assert.match(problems({ ...validBoard(), audio: { device: 'alsa', capture: 'hw:0' } })[0]!, /^audio\.playback: /);
});

test('a keypad keymap must be rows × columns', () => {
  const tooFewRows = problems(withInput(0, { keymap: [['1', '2', '3']] }));
  assert.deepEqual(tooFewRows, ['inputs[0].keymap: has 1 rows, but 2 row lines are listed (must be rows × columns)']);
  const shortRow = problems(withInput(0, { keymap: [['1', '2', '3'], ['4', '5']] }));
  assert.deepEqual(shortRow, ['inputs[0].keymap[1]: has 2 keys, but 3 column lines are listed (must be rows × columns)']);
});

test('a GPIO line is used once per chip, across keypad, switches and LEDs', () => {
  const rowTwice = problems(withInput(0, { rows: [5, 5] }));
  assert.deepEqual(rowTwice, ['inputs[0].rows[1]: GPIO line 5 on gpiochip0 is already used by inputs[0].rows[0]']);
  const ledOnColumn = validBoard();
  ledOnColumn.leds = [{ driver: 'gpio', chip: 'gpiochip0', leds: { mute: { line: 20 } } }];
  assert.deepEqual(problems(ledOnColumn), ['leds[0].leds.mute.line: GPIO line 20 on gpiochip0 is already used by inputs[0].columns[2]']);
  assert.match(problems(withInput(1, { line: 12 }))[0]!, /^inputs\[1\]\.line: GPIO line 12 on gpiochip0 is already used by inputs\[0\]\.columns\[0\]$/);
  // The same number on another chip is another line.
  validateBoard(withInput(1, { chip: 'gpiochip1', line: 12 }), 'test');
});

test('LED names come from the phone vocabulary', () => {
  const board = validBoard();
  board.leds = [{ driver: 'sysfs', leds: { message: 'sipdesk:red:message', voicemail: 'sipdesk:red:vm' } }];
  const p = problems(board);
  assert.equal(p.length, 1);
  assert.match(p[0]!, /^leds\[0\]\.leds\.voicemail: "voicemail" is not a phone LED name/);
  board.leds = [{ driver: 'sysfs', leds: { line12: 'a', offHook: 'b', ring: 'c', dnd: 'd' } }];
  validateBoard(board, 'test');
  board.leds = [{ driver: 'sysfs', leds: { line13: 'a' } }];
  assert.match(problems(board)[0]!, /^leds\[0\]\.leds\.line13: /);
  board.leds = [{ driver: 'sysfs', leds: { mute: '../../etc/passwd' } }];
  assert.match(problems(board)[0]!, /^leds\[0\]\.leds\.mute: must be a single name/);
});

test('keymaps map to phone key codes only, from Linux key names the schema knows', () => {
  assert.match(problems(withInput(0, { keymap: [['1', '2', 'three'], ['4', '5', null]] }))[0]!, /^inputs\[0\]\.keymap\[0\]\[2\]: "three" is not a phone key code/);
  const evdev = (keymap: Record<string, string>) => ({ ...validBoard(), inputs: [{ driver: 'evdev', device: 'kbd', kind: 'keys', keymap }], features: {} });
  validateBoard(evdev({ KEY_NUMERIC_STAR: '*', '113': 'mute', KEY_F4: 'soft4' }), 'test');
  assert.match(problems(evdev({ KEY_1: 'one' }))[0]!, /^inputs\[0\]\.keymap\.KEY_1: "one" is not a phone key code/);
  assert.match(problems(evdev({ KEY_NUMERIC_STRA: '*' }))[0]!, /^inputs\[0\]\.keymap\.KEY_NUMERIC_STRA: .*not a Linux key name/);
  assert.match(problems(evdev({ '9999': '*' }))[0]!, /^inputs\[0\]\.keymap\.9999: /);
});

test('evdev entries: keymap and hookKey only for keys, touch options only for touch', () => {
  const base = { ...validBoard(), inputs: [] as unknown[], features: {} };
  validateBoard({ ...base, inputs: [{ driver: 'evdev', device: 'sipdesk-hook', kind: 'keys', hookKey: 'SW_LID' }] }, 'test');
  assert.match(problems({ ...base, inputs: [{ driver: 'evdev', device: 'x', kind: 'keys', hookKey: 'KEY_HOOK' }] })[0]!, /^inputs\[0\]\.hookKey: /);
  assert.match(problems({ ...base, inputs: [{ driver: 'evdev', device: 'x', kind: 'touch', keymap: { KEY_1: '1' } }] })[0]!, /^inputs\[0\]\.keymap: only for kind: keys/);
  assert.match(problems({ ...base, inputs: [{ driver: 'evdev', device: 'x', kind: 'keys', touch: {} }] }).join('\n'), /^inputs\[0\]\.touch: only for kind: touch/m);
  assert.match(problems({ ...base, inputs: [{ driver: 'evdev', device: 'x', kind: 'keys' }] })[0]!, /^inputs\[0\]\.keymap: a keys device needs/);
  assert.match(
    problems({ ...base, inputs: [{ driver: 'evdev', device: 'x', kind: 'keys', hookKey: 'KEY_PHONE', keymap: { '169': 'speaker' } }] })[0]!,
    /^inputs\[0\]\.keymap\.169: is the hookKey/,
  );
  assert.match(problems({ ...base, inputs: [{ driver: 'evdev', device: '/etc/passwd', kind: 'touch' }] })[0]!, /^inputs\[0\]\.device: /);
});

test('a kiosk board has no keypad', () => {
  const kiosk = { ...validBoard(), features: { kiosk: true } };
  assert.deepEqual(problems(kiosk), ['inputs[0]: a kiosk board has no keypad (this input dials digits)']);
  assert.deepEqual(problems({ ...kiosk, inputs: [], features: { kiosk: true, keypad: true } }), [
    'features.keypad: a kiosk board has no keypad',
    'features.keypad: no input provides a keypad (gpio-keypad, evdev keymap with digits, or serial-controller)',
  ]);
});

test('features must match the inputs, and LED drivers their inputs', () => {
  assert.deepEqual(problems({ ...validBoard(), features: { touch: true } }), ['features.touch: no input is a touchscreen (evdev kind: touch)']);
  const serialLeds: Record<string, unknown> = { ...validBoard(), leds: [{ driver: 'serial-controller' }] };
  assert.match(problems(serialLeds)[0]!, /^leds\[0\]\.driver: needs exactly one serial-controller input/);
  const withController = structuredClone(serialLeds);
  (withController.inputs as unknown[]).push({ driver: 'serial-controller', port: '/dev/ttyAMA0', baud: 115200 });
  validateBoard(withController, 'test');
  assert.match(problems({ ...validBoard(), leds: [{ driver: 'hid-headset' }] })[0]!, /^leds\[0\]\.driver: needs a hid-headset input/);
});

test('unknown boards list the available ones; bad names never reach the file system', async () => {
  const err = await loadBoard('rpi3-wall', { boardsDir }).then(
    () => assert.fail('accepted'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof BoardError && err instanceof ConfigError);
  assert.match(err.message, /unknown board "rpi3-wall"; available: rpi4-desk, rpi5-kiosk, sim/);
  await assert.rejects(loadBoard('../boards/sim', { boardsDir }), /not a board name.*available: rpi4-desk, rpi5-kiosk, sim/);
});

test('site folders override shipped boards; the name must match the file', async () => {
  const site = mkdtempSync(join(tmpdir(), 'sipdesk-boards-'));
  try {
    writeFileSync(join(site, 'sim.yaml'), stringify({ ...validBoard(), name: 'sim' }));
    writeFileSync(join(site, 'lab.yaml'), stringify({ ...validBoard(), name: 'other' }));
    mkdirSync(join(site, 'empty'));
    const sim = await loadBoard('sim', { boardsDir: [site, boardsDir] });
    assert.equal(sim.display.driver, 'sim');
    assert.equal(sim.inputs[0]?.driver, 'gpio-keypad', 'the site copy, not the shipped sim board');
    await assert.rejects(loadBoard('lab', { boardsDir: [site] }), /lab\.yaml: name: is "other", but the file is lab\.yaml/);
    assert.deepEqual(await listBoards([site, boardsDir, join(site, 'missing')]), ['lab', 'rpi4-desk', 'rpi5-kiosk', 'sim']);
    await assert.rejects(loadBoard('x', { boardsDir: join(site, 'empty') }), /available: \(none\)/);
  } finally {
    rmSync(site, { recursive: true, force: true });
  }
});

test('YAML syntax errors give the line; schema errors give file and field', () => {
  const text = 'name: broken\ndisplay: { driver: sim, width: 800\ninputs: []\n';
  assert.throws(
    () => parseBoard(text, 'boards/broken.yaml'),
    (e: unknown) => e instanceof BoardError && /^boards\/broken\.yaml: not valid YAML \(line \d+, column \d+\): /.test(e.message),
  );
  assert.throws(() => parseBoard('name: a\nname: b\n', 'boards/dup.yaml'), /not valid YAML \(line 2, column 1\)/);
  const desk = readFileSync(join(boardsDir, 'rpi4-desk.yaml'), 'utf8').replace('width: 800', 'width: wide');
  assert.throws(() => parseBoard(desk, 'boards/rpi4-desk.yaml'), (e: unknown) => e instanceof BoardError && e.message.startsWith('boards/rpi4-desk.yaml: display.width: '));
  assert.throws(() => parseBoard('{"name": ', 'boards/x.json'), /boards\/x\.json: not valid JSON/);
  assert.throws(() => parseBoard('', 'boards/empty.yaml'), /boards\/empty\.yaml: \(top level\): /);
  // USB ids are written in hex, as lsusb prints them.
  const headset = parseBoard(
    'name: h\ndisplay: {driver: sim, width: 800, height: 480}\ninputs: [{driver: hid-headset, vendorId: 0x0b0e, productId: 0x0348}]\naudio: {device: "null"}\n',
    'boards/h.yaml',
  );
  assert.deepEqual(headset.inputs[0], { driver: 'hid-headset', vendorId: 0x0b0e, productId: 0x0348 });
  assert.throws(() => parseBoard('name: h\ndisplay: {driver: sim, width: 800, height: 480}\ninputs: []\naudio: {device: null}\n', 'h.yaml'), /h\.yaml: audio\.device: /);
});

test('the key code list equals the UI vocabulary (src/ui/core/keys.ts)', () => {
  for (const code of PHONE_KEY_CODES) assert.ok(isKeyCode(code), `${code} is not a UI key code`);
  // keys.ts keeps its list private: read its string literals and numbered families to compare both ways.
  const source = readFileSync(join(repo, 'src', 'ui', 'core', 'keys.ts'), 'utf8');
  const literals = [...source.matchAll(/const (?:DIGITS|NAVIGATION|FEATURES) = \[([^\]]*)\] as const/g)].flatMap((m) =>
    [...m[1]!.matchAll(/'([^']*)'/g)].map((l) => l[1]!),
  );
  assert.ok(literals.length >= 20, 'keys.ts changed shape; update this test');
  const uiCodes = [...literals, ...Array.from({ length: SOFTKEY_COUNT }, (_, i) => `soft${i + 1}`), ...Array.from({ length: LINE_KEY_COUNT }, (_, i) => `line${i + 1}`)];
  for (const code of uiCodes) assert.ok(isKeyCode(code), `keys.ts parse found ${code}, which isKeyCode rejects`);
  assert.deepEqual([...PHONE_KEY_CODES].sort(), [...uiCodes].sort());
  for (const near of ['soft0', `soft${SOFTKEY_COUNT + 1}`, 'line0', `line${LINE_KEY_COUNT + 1}`, 'Mute', '']) assert.equal(PHONE_KEY_CODES.includes(near), isKeyCode(near), near);
});

test('Linux key and switch tables agree with input-event-codes.h (when the header is installed)', (t) => {
  const header = '/usr/include/linux/input-event-codes.h';
  if (!existsSync(header)) return t.skip('no linux-libc-dev header');
  const defined = new Map<string, number>();
  for (const m of readFileSync(header, 'utf8').matchAll(/^#define\s+((?:KEY|BTN|SW)_\w+)\s+(0x[0-9a-fA-F]+|\d+)\b/gm)) defined.set(m[1]!, Number(m[2]));
  for (const [name, code] of Object.entries({ ...LINUX_KEY_CODES, ...LINUX_SWITCH_CODES })) assert.equal(code, defined.get(name), name);
});

test('code helpers: names, numbers, hook switches and device-name patterns', () => {
  assert.equal(linuxKeyCode('KEY_NUMERIC_POUND'), 0x20b);
  assert.equal(linuxKeyCode('59'), 59);
  assert.equal(linuxKeyCode('0'), undefined);
  assert.equal(linuxKeyCode('toString'), undefined);
  assert.deepEqual(linuxHookCode('KEY_PHONE'), { type: 'key', code: 169 });
  assert.deepEqual(linuxHookCode('SW_HEADPHONE_INSERT'), { type: 'switch', code: 2 });
  assert.ok(matchesInputDeviceName('generic ft5x06*', 'generic ft5x06 (79)'));
  assert.ok(!matchesInputDeviceName('sipdesk-hook', 'sipdesk-hook2'));
  assert.ok(matchesInputDeviceName('sipdesk-hook', 'sipdesk-hook'));
  assert.equal(formatPath(['inputs', 1, 'keymap', 0, 2]), 'inputs[1].keymap[0][2]');
});
