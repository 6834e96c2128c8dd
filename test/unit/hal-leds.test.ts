import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../src/phone/clock.js';
import { MissingHardwareError, type LedState } from '../../src/hal/hal-types.js';
import { SimGpioChip } from '../../src/hal/gpio/sim-gpio-chip.js';
import { openGpioLeds } from '../../src/hal/leds/gpio-leds.js';
import { openSysfsLeds } from '../../src/hal/leds/sysfs-leds.js';
import { SimLeds, type SimLedChange } from '../../src/hal/sim/sim-leds.js';

const MESSAGE = 'sipdesk:red:message';
const SPEAKER = 'sipdesk:green:speaker';

function fakeLeds(names: string[]) {
  const root = mkdtempSync(path.join(tmpdir(), 'sipdesk-leds-'));
  for (const name of names) {
    const dir = path.join(root, 'sys', 'class', 'leds', name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'max_brightness'), '255\n');
  }
  const file = (led: string, attr: string) => path.join(root, 'sys', 'class', 'leds', led, attr);
  const read = (led: string, attr: string) => (existsSync(file(led, attr)) ? readFileSync(file(led, attr), 'utf8') : undefined);
  // Removing the attribute files shows whether the next operation writes anything (a write recreates them).
  const wipe = (led: string) => ['brightness', 'trigger', 'delay_on', 'delay_off'].forEach((a) => existsSync(file(led, a)) && unlinkSync(file(led, a)));
  const written = (led: string) => ['brightness', 'trigger', 'delay_on', 'delay_off'].filter((a) => existsSync(file(led, a)));
  return { root, roots: { sysfs: path.join(root, 'sys') }, read, wipe, written };
}

test('sysfs leds: steady, blink, back to steady — exactly the right writes, none repeated', async () => {
  const fs = fakeLeds([MESSAGE, SPEAKER, 'mmc0::']);
  try {
    const leds = await openSysfsLeds({ leds: { message: MESSAGE, speaker: SPEAKER }, roots: fs.roots });
    assert.deepEqual(leds.leds, ['message', 'speaker']);
    assert.deepEqual(fs.written(MESSAGE), [], 'opening writes nothing');

    assert.equal(leds.set('message', 'on'), true);
    assert.equal(fs.read(MESSAGE, 'trigger'), 'none');
    assert.equal(fs.read(MESSAGE, 'brightness'), '255');
    assert.deepEqual(fs.written(SPEAKER), []);

    fs.wipe(MESSAGE);
    leds.set('message', 'on');
    assert.deepEqual(fs.written(MESSAGE), [], 'same state again: no write');

    leds.set('message', { blink: { onMs: 300 } });
    assert.deepEqual(fs.written(MESSAGE), ['trigger', 'delay_on', 'delay_off']);
    assert.equal(fs.read(MESSAGE, 'trigger'), 'timer');
    assert.equal(fs.read(MESSAGE, 'delay_on'), '300');
    assert.equal(fs.read(MESSAGE, 'delay_off'), '300');

    fs.wipe(MESSAGE);
    leds.set('message', { blink: { onMs: 300, offMs: 300 } });
    assert.deepEqual(fs.written(MESSAGE), [], 'the same blink spelled out: no write');
    leds.set('message', { blink: { onMs: 300, offMs: 700 } });
    assert.deepEqual(fs.written(MESSAGE), ['delay_off'], 'only the changed delay');
    assert.equal(fs.read(MESSAGE, 'delay_off'), '700');

    fs.wipe(MESSAGE);
    leds.set('message', 'off');
    assert.deepEqual(fs.written(MESSAGE), ['brightness', 'trigger']);
    assert.equal(fs.read(MESSAGE, 'trigger'), 'none');
    assert.equal(fs.read(MESSAGE, 'brightness'), '0');

    fs.wipe(MESSAGE);
    leds.set('message', 'on');
    assert.deepEqual(fs.written(MESSAGE), ['brightness'], 'from steady off to on: no trigger write');

    assert.equal(leds.set('line7', 'on'), false, 'a lamp this board lacks');
    leds.set('speaker', { blink: { onMs: 100 } });
    await leds.close();
    assert.equal(fs.read(MESSAGE, 'brightness'), '0');
    assert.equal(fs.read(SPEAKER, 'trigger'), 'none');
    assert.equal(fs.read(SPEAKER, 'brightness'), '0');
  } finally {
    rmSync(fs.root, { recursive: true, force: true });
  }
});

test('sysfs leds: a missing LED fails at open naming it and listing what exists', async () => {
  const fs = fakeLeds([MESSAGE, 'mmc0::']);
  try {
    await assert.rejects(openSysfsLeds({ leds: { message: MESSAGE, speaker: SPEAKER }, roots: fs.roots }), (e: unknown) => {
      assert.ok(e instanceof MissingHardwareError);
      assert.match(e.message, new RegExp(`'${SPEAKER}'.*found: .*mmc0::`));
      assert.doesNotMatch(e.message, new RegExp(`no LED '${MESSAGE}'`));
      return true;
    });
  } finally {
    rmSync(fs.root, { recursive: true, force: true });
  }
});

test('sysfs leds: an invalid blink is reported, not written, and does not throw', async () => {
  const fs = fakeLeds([MESSAGE]);
  const errors: Error[] = [];
  try {
    const leds = await openSysfsLeds({ leds: { message: MESSAGE }, roots: fs.roots }, { onError: (e) => errors.push(e) });
    assert.equal(leds.set('message', { blink: { onMs: -1 } }), true);
    assert.equal(leds.set('message', 'dim' as unknown as LedState), true);
    assert.deepEqual(fs.written(MESSAGE), []);
    assert.equal(errors.length, 2);
    assert.match(errors[0]!.message, /message: invalid LED state/);
  } finally {
    rmSync(fs.root, { recursive: true, force: true });
  }
});

test('gpio leds: on/off with polarity, blink on the clock, no redundant writes', async () => {
  const clock = new FakeClock();
  const chip = new SimGpioChip('gpiochip0');
  const leds = await openGpioLeds(
    { chip: 'gpiochip0', leds: { message: { line: 17 }, mute: { line: 27, activeLow: true } } },
    { clock, openChip: () => Promise.resolve(chip) },
  );
  assert.deepEqual(chip.writes, [{ line: 17, level: 0 }, { line: 27, level: 1 }], 'both start off');
  chip.writes.length = 0;
  leds.set('mute', 'on');
  leds.set('mute', 'on');
  assert.deepEqual(chip.writes, [{ line: 27, level: 0 }]);
  chip.writes.length = 0;
  leds.set('message', { blink: { onMs: 200, offMs: 800 } });
  clock.advance(199);
  assert.deepEqual(chip.writes, [{ line: 17, level: 1 }]);
  clock.advance(1);
  clock.advance(800);
  clock.advance(200);
  assert.deepEqual(chip.writes.map((w) => w.level), [1, 0, 1, 0]);
  leds.set('message', 'off'); // already off in this phase: no write
  assert.equal(chip.writes.length, 4);
  clock.advance(5000);
  assert.equal(chip.writes.length, 4, 'blinking stopped');
  assert.equal(leds.set('dnd', 'on'), false);
  await leds.close();
  assert.deepEqual(chip.writes.at(-1), { line: 27, level: 1 }, 'close turns mute off');
  assert.equal(clock.pending, 0);
});

test('gpio leds: two LEDs on one line are rejected', async () => {
  await assert.rejects(
    openGpioLeds({ chip: 'c', leds: { a: { line: 3 }, b: { line: 3 } } }, { clock: new FakeClock(), openChip: () => Promise.resolve(new SimGpioChip()) }),
    /share a line/,
  );
});

test('sim leds: record state and tell listeners about real changes only', () => {
  const leds = new SimLeds(['message', 'line1']);
  const changes: SimLedChange[] = [];
  const off = leds.onChange((c) => changes.push(c));
  leds.set('message', { blink: { onMs: 500 } });
  leds.set('message', { blink: { onMs: 500, offMs: 500 } });
  leds.set('line1', 'on');
  assert.equal(leds.set('speaker', 'on'), false);
  assert.deepEqual(changes, [
    { led: 'message', state: { blink: { onMs: 500, offMs: 500 } } },
    { led: 'line1', state: 'on' },
  ]);
  assert.deepEqual(leds.snapshot(), { message: { blink: { onMs: 500, offMs: 500 } }, line1: 'on' });
  off();
  leds.set('line1', 'off');
  assert.equal(changes.length, 2);
  assert.equal(leds.get('line1'), 'off');
  assert.throws(() => leds.set('line1', { blink: { onMs: 0 } }), /invalid LED state/);
});
