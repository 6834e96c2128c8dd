import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, closeSync, writeSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MissingHardwareError, type HalInputEvent, type InputSource } from '../../src/hal/hal-types.js';
import { EvdevDecoder } from '../../src/hal/input/evdev-decoder.js';
import { findInputDevice } from '../../src/hal/input/evdev-discovery.js';
import { openEvdevInput } from '../../src/hal/input/evdev-input.js';
import { InputEventParser, defaultInputEventSize, encodeInputEvent, type InputEventSize, type RawInputEvent } from '../../src/hal/input/input-event.js';
import { resolveInputCode } from '../../src/hal/input/linux-codes.js';

// Linux codes written out as numbers, so the tests do not just echo the table under test.
const EV_SYN = 0, EV_KEY = 1, EV_ABS = 3, EV_SW = 5;
const SYN_REPORT = 0, SYN_DROPPED = 3;
const KEY_1 = 2, KEY_VOLUMEUP = 115, KEY_NUMERIC_STAR = 0x20a, BTN_TOUCH = 0x14a, SW_HEADPHONE_INSERT = 2;
const ABS_X = 0, ABS_Y = 1, ABS_MT_SLOT = 0x2f, ABS_MT_X = 0x35, ABS_MT_Y = 0x36, ABS_MT_TRACKING_ID = 0x39;

let t = 1_700_000_000_000_000;
const ev = (type: number, code: number, value: number): RawInputEvent => ({ timeUs: (t += 1000), type, code, value });
const syn = () => ev(EV_SYN, SYN_REPORT, 0);
const key = (code: number, value: number) => ev(EV_KEY, code, value);
const bytes = (events: RawInputEvent[], size: InputEventSize = 24) => Buffer.concat(events.map((e) => encodeInputEvent(e, size)));

test('input_event: 24-byte and 16-byte layouts decode field by field', () => {
  const rec = Buffer.alloc(24);
  rec.writeBigInt64LE(1234n, 0);
  rec.writeBigInt64LE(567n, 8);
  rec.writeUInt16LE(EV_KEY, 16);
  rec.writeUInt16LE(KEY_NUMERIC_STAR, 18);
  rec.writeInt32LE(1, 20);
  assert.deepEqual(new InputEventParser(24).push(rec), [{ timeUs: 1234_000_567, type: EV_KEY, code: KEY_NUMERIC_STAR, value: 1 }]);

  const small = Buffer.alloc(16);
  small.writeInt32LE(99, 0);
  small.writeInt32LE(5, 4);
  small.writeUInt16LE(EV_ABS, 8);
  small.writeUInt16LE(ABS_MT_TRACKING_ID, 10);
  small.writeInt32LE(-1, 12);
  assert.deepEqual(new InputEventParser(16).push(small), [{ timeUs: 99_000_005, type: EV_ABS, code: ABS_MT_TRACKING_ID, value: -1 }]);
});

test('input_event: default size follows the architecture; armhf is 16 bytes', () => {
  assert.equal(defaultInputEventSize('arm'), 16);
  assert.equal(defaultInputEventSize('arm64'), 24);
  assert.equal(defaultInputEventSize('x64'), 24);
  assert.throws(() => new InputEventParser(20 as InputEventSize), /16 or 24/);
});

test('input_event: events split at every possible chunk boundary come out whole and in order', () => {
  const events = [key(KEY_1, 1), syn(), key(KEY_1, 0), syn()];
  const data = bytes(events);
  for (let cut = 0; cut <= data.length; cut++) {
    const parser = new InputEventParser(24);
    const out = [...parser.push(data.subarray(0, cut)), ...parser.push(data.subarray(cut))];
    assert.deepEqual(out, events, `cut at ${cut}`);
    assert.equal(parser.pendingBytes, 0);
  }
});

test('key names resolve to Linux codes; unknown names are rejected', () => {
  assert.deepEqual(resolveInputCode('KEY_0'), { type: EV_KEY, code: 11 });
  assert.deepEqual(resolveInputCode('KEY_NUMERIC_POUND'), { type: EV_KEY, code: 0x20b });
  assert.deepEqual(resolveInputCode('SW_HEADPHONE_INSERT'), { type: EV_SW, code: 2 });
  assert.deepEqual(resolveInputCode('113'), { type: EV_KEY, code: 113 });
  assert.throws(() => resolveInputCode('KEY_BOGUS'), /KEY_BOGUS/);
  assert.throws(() => new EvdevDecoder({ kind: 'keys', keymap: { KEY_NOPE: '1' } }), /KEY_NOPE/);
});

const decode = (decoder: EvdevDecoder, events: RawInputEvent[]) => events.flatMap((e) => decoder.push(e));

test('decoder: keys are emitted per frame; autorepeat repeats only navigation/volume keys', () => {
  const d = new EvdevDecoder({ kind: 'keys', keymap: { KEY_1: '1', KEY_VOLUMEUP: 'volumeUp' } });
  assert.deepEqual(d.push(key(KEY_1, 1)), [], 'nothing before SYN_REPORT');
  assert.deepEqual(d.push(syn()), [{ type: 'key', code: '1', down: true }]);
  assert.deepEqual(decode(d, [key(KEY_1, 2), syn(), key(KEY_1, 0), syn()]), [{ type: 'key', code: '1', down: false }]);
  assert.deepEqual(decode(d, [key(KEY_VOLUMEUP, 1), syn(), key(KEY_VOLUMEUP, 2), syn(), key(KEY_VOLUMEUP, 0), syn()]), [
    { type: 'key', code: 'volumeUp', down: true },
    { type: 'key', code: 'volumeUp', down: true },
    { type: 'key', code: 'volumeUp', down: false },
  ]);
  assert.deepEqual(decode(d, [key(30, 1), syn()]), [], 'unmapped key');
});

test('decoder: SYN_DROPPED releases held keys and discards events up to the next SYN_REPORT', () => {
  const d = new EvdevDecoder({ kind: 'keys', keymap: { KEY_1: '1', KEY_NUMERIC_STAR: '*' } });
  assert.deepEqual(decode(d, [key(KEY_1, 1), syn()]), [{ type: 'key', code: '1', down: true }]);
  const out = decode(d, [key(KEY_NUMERIC_STAR, 1), ev(EV_SYN, SYN_DROPPED, 0), key(KEY_NUMERIC_STAR, 0), key(KEY_1, 1), syn()]);
  assert.deepEqual(out, [{ type: 'key', code: '1', down: false }]);
  // The late release of a key already released is not reported twice; new frames work again.
  assert.deepEqual(decode(d, [key(KEY_1, 0), syn(), key(KEY_NUMERIC_STAR, 1), syn()]), [{ type: 'key', code: '*', down: true }]);
});

test('decoder: hook from a switch or a key; switches in the keymap', () => {
  const sw = new EvdevDecoder({ kind: 'keys', hookKey: 'SW_HEADPHONE_INSERT', keymap: {} });
  assert.deepEqual(decode(sw, [ev(EV_SW, SW_HEADPHONE_INSERT, 1), syn(), ev(EV_SW, SW_HEADPHONE_INSERT, 0), syn()]), [
    { type: 'hook', offHook: true },
    { type: 'hook', offHook: false },
  ]);
  const k = new EvdevDecoder({ kind: 'keys', hookKey: 'KEY_PHONE', keymap: { SW_LID: 'dnd' } });
  assert.deepEqual(decode(k, [key(169, 1), key(169, 2), syn(), ev(EV_SW, 0, 1), syn(), ev(EV_SW, 0, 1), syn()]), [
    { type: 'hook', offHook: true },
    { type: 'key', code: 'dnd', down: true },
  ]);
});

test('decoder: touch scaled from ABS ranges to the display, with swap and inversion', () => {
  const display = { width: 800, height: 480 };
  const plain = new EvdevDecoder({ kind: 'touch', display, touch: { maxX: 4095, maxY: 4095 } });
  assert.deepEqual(decode(plain, [key(BTN_TOUCH, 1), ev(EV_ABS, ABS_X, 4095), ev(EV_ABS, ABS_Y, 0), syn()]), [{ type: 'pointer', x: 799, y: 0, action: 'down' }]);
  assert.deepEqual(decode(plain, [ev(EV_ABS, ABS_X, 2048), syn()]), [{ type: 'pointer', x: 400, y: 0, action: 'move' }]);
  assert.deepEqual(decode(plain, [syn()]), [], 'no move without a change');
  assert.deepEqual(decode(plain, [key(BTN_TOUCH, 0), syn()]), [{ type: 'pointer', x: 400, y: 0, action: 'up' }]);

  // Panel mounted rotated: raw X runs down the display (0..479 by default), raw Y across it, inverted.
  const rotated = new EvdevDecoder({ kind: 'touch', display, touch: { swapXY: true, invertX: true } });
  assert.deepEqual(decode(rotated, [key(BTN_TOUCH, 1), ev(EV_ABS, ABS_X, 479), ev(EV_ABS, ABS_Y, 0), syn()]), [{ type: 'pointer', x: 799, y: 479, action: 'down' }]);
  assert.throws(() => new EvdevDecoder({ kind: 'touch', display, touch: { maxX: 0 } }), /range/);
  assert.throws(() => new EvdevDecoder({ kind: 'touch' }), /display/);
});

test('decoder: multi-touch protocol B without BTN_TOUCH follows slot 0 only', () => {
  const d = new EvdevDecoder({ kind: 'touch', display: { width: 100, height: 100 } });
  const frames = [
    ev(EV_ABS, ABS_MT_SLOT, 0), ev(EV_ABS, ABS_MT_TRACKING_ID, 7), ev(EV_ABS, ABS_MT_X, 10), ev(EV_ABS, ABS_MT_Y, 20), syn(),
    ev(EV_ABS, ABS_MT_SLOT, 1), ev(EV_ABS, ABS_MT_TRACKING_ID, 8), ev(EV_ABS, ABS_MT_X, 90), ev(EV_ABS, ABS_MT_Y, 90), syn(),
    ev(EV_ABS, ABS_MT_SLOT, 0), ev(EV_ABS, ABS_MT_TRACKING_ID, -1), syn(),
  ];
  assert.deepEqual(decode(d, frames), [
    { type: 'pointer', x: 10, y: 20, action: 'down' },
    { type: 'pointer', x: 10, y: 20, action: 'up' },
  ]);
});

test('decoder: SYN_DROPPED during a touch cancels the pointer', () => {
  const d = new EvdevDecoder({ kind: 'touch', display: { width: 100, height: 100 } });
  decode(d, [key(BTN_TOUCH, 1), ev(EV_ABS, ABS_X, 5), ev(EV_ABS, ABS_Y, 6), syn()]);
  assert.deepEqual(decode(d, [ev(EV_ABS, ABS_X, 50), ev(EV_SYN, SYN_DROPPED, 0), ev(EV_ABS, ABS_X, 60), syn(), key(BTN_TOUCH, 0), syn()]), [
    { type: 'pointer', x: 5, y: 6, action: 'cancel' },
  ]);
});

// ---- fake sysfs + FIFO device nodes ----

function fakeBoard(devices: Record<string, string>): { root: string; roots: { sysfs: string; dev: string } } {
  const root = mkdtempSync(path.join(tmpdir(), 'sipdesk-evdev-'));
  const roots = { sysfs: path.join(root, 'sys'), dev: path.join(root, 'dev') };
  mkdirSync(path.join(roots.dev, 'input'), { recursive: true });
  for (const [node, name] of Object.entries(devices)) {
    mkdirSync(path.join(roots.sysfs, 'class', 'input', node, 'device'), { recursive: true });
    writeFileSync(path.join(roots.sysfs, 'class', 'input', node, 'device', 'name'), `${name}\n`);
    execFileSync('mkfifo', [path.join(roots.dev, 'input', node)]);
  }
  // Not every entry under class/input is an event node.
  mkdirSync(path.join(roots.sysfs, 'class', 'input', 'input7'), { recursive: true });
  return { root, roots };
}

function collect(source: InputSource) {
  const events: HalInputEvent[] = [];
  let wake: (() => void) | undefined;
  source.onEvent((e) => {
    events.push(e);
    wake?.();
  });
  const waitFor = async (count: number) => {
    const deadline = Date.now() + 5000;
    while (events.length < count) {
      if (Date.now() > deadline) assert.fail(`timed out with ${events.length}/${count} events: ${JSON.stringify(events)}`);
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 50);
      });
    }
    return events;
  };
  return { events, waitFor };
}

test('discovery: finds the event node by device name; a missing name lists what exists', async () => {
  const { root, roots } = fakeBoard({ event0: 'AT Translated Set 2 keyboard', event3: 'gpio_keys_hook', event12: 'ft5x06' });
  try {
    assert.equal(await findInputDevice('gpio_keys_hook', roots), path.join(roots.dev, 'input', 'event3'));
    assert.equal(await findInputDevice('ft5x06', roots), path.join(roots.dev, 'input', 'event12'));
    await assert.rejects(findInputDevice('sipdesk-keypad', roots), (e: unknown) => {
      assert.ok(e instanceof MissingHardwareError);
      assert.match(e.message, /sipdesk-keypad/);
      assert.match(e.message, /'AT Translated Set 2 keyboard', 'gpio_keys_hook', 'ft5x06'/);
      return true;
    });
    await assert.rejects(findInputDevice('x', { sysfs: path.join(root, 'nothing'), dev: roots.dev }), /found: none/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('evdev over a FIFO: keys, hook, a chunk boundary inside an event, SYN_DROPPED, then end of file', async () => {
  const { root, roots } = fakeBoard({ event1: 'other', event2: 'sipdesk-keys' });
  // O_RDWR never blocks on a FIFO, so the reader's open finds a writer already there.
  const writer = openSync(path.join(roots.dev, 'input', 'event2'), 'r+');
  const errors: Error[] = [];
  const source = await openEvdevInput(
    { device: 'sipdesk-keys', kind: 'keys', keymap: { KEY_1: '1', KEY_NUMERIC_STAR: '*', KEY_VOLUMEUP: 'volumeUp' }, hookKey: 'SW_HEADPHONE_INSERT', eventSize: 24, roots },
    { onError: (e) => errors.push(e) },
  );
  const { waitFor } = collect(source);
  try {
    const first = bytes([key(KEY_1, 1), syn(), key(KEY_1, 0)]);
    const cut = first.length - 10; // inside the third event
    writeSync(writer, first.subarray(0, cut));
    await waitFor(1);
    writeSync(writer, Buffer.concat([first.subarray(cut), bytes([syn(), ev(EV_SW, SW_HEADPHONE_INSERT, 1), syn()])]));
    await waitFor(3);
    writeSync(writer, bytes([key(KEY_VOLUMEUP, 1), syn(), key(KEY_NUMERIC_STAR, 1), ev(EV_SYN, SYN_DROPPED, 0), key(KEY_NUMERIC_STAR, 0), syn(), key(KEY_NUMERIC_STAR, 1), syn()]));
    await waitFor(6);
    writeSync(writer, bytes([key(KEY_1, 1), syn()]));
    await waitFor(7);
    closeSync(writer); // unplugged: end of file, the held keys are released
    const events = await waitFor(9);
    assert.deepEqual(events, [
      { type: 'key', code: '1', down: true },
      { type: 'key', code: '1', down: false },
      { type: 'hook', offHook: true },
      { type: 'key', code: 'volumeUp', down: true },
      { type: 'key', code: 'volumeUp', down: false },
      { type: 'key', code: '*', down: true },
      { type: 'key', code: '1', down: true },
      { type: 'key', code: '*', down: false },
      { type: 'key', code: '1', down: false },
    ]);
    assert.equal(errors.length, 1);
    assert.match(errors[0]!.message, /sipdesk-keys.*end of file/);
  } finally {
    await source.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('evdev over a FIFO: a 16-byte (armhf) touch recording becomes pointer events', async () => {
  const { root, roots } = fakeBoard({ event5: 'ft5x06_ts' });
  const writer = openSync(path.join(roots.dev, 'input', 'event5'), 'r+');
  const source = await openEvdevInput(
    { device: 'ft5x06_ts', kind: 'touch', eventSize: 16, touch: { maxX: 1023, maxY: 599, invertY: true }, roots },
    { display: { width: 1024, height: 600 }, onError: () => {} },
  );
  const { waitFor } = collect(source);
  try {
    writeSync(writer, bytes([key(BTN_TOUCH, 1), ev(EV_ABS, ABS_X, 100), ev(EV_ABS, ABS_Y, 0), syn(), ev(EV_ABS, ABS_X, 110), syn(), key(BTN_TOUCH, 0), syn()], 16));
    assert.deepEqual(await waitFor(3), [
      { type: 'pointer', x: 100, y: 599, action: 'down' },
      { type: 'pointer', x: 110, y: 599, action: 'move' },
      { type: 'pointer', x: 110, y: 599, action: 'up' },
    ]);
  } finally {
    closeSync(writer);
    await source.close();
    rmSync(root, { recursive: true, force: true });
  }
});

test('evdev: a named device whose node is missing, and a missing name, are MissingHardwareErrors', async () => {
  const { root, roots } = fakeBoard({ event4: 'sipdesk-keys' });
  try {
    rmSync(path.join(roots.dev, 'input', 'event4'));
    await assert.rejects(openEvdevInput({ device: 'sipdesk-keys', kind: 'keys', roots }), MissingHardwareError);
    await assert.rejects(openEvdevInput({ device: 'nope', kind: 'keys', roots }), /nope.*found: 'sipdesk-keys'/);
    await assert.rejects(openEvdevInput({ device: 'sipdesk-keys', kind: 'keys', keymap: { KEY_WHAT: 'x' }, roots }), /KEY_WHAT/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
