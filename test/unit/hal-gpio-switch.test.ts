import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { FakeClock } from '../../src/phone/clock.js';
import { MissingHardwareError, type HalInputEvent } from '../../src/hal/hal-types.js';
import { SimGpioChip, type BounceStep } from '../../src/hal/gpio/sim-gpio-chip.js';
import { findSysfsGpioChip, openSysfsGpioChip } from '../../src/hal/gpio/sysfs-gpio-chip.js';
import { openGpioSwitch, type GpioSwitchOptions } from '../../src/hal/switch/gpio-switch.js';

const LINE = 26;

async function setup(overrides: Partial<GpioSwitchOptions> = {}) {
  const clock = new FakeClock();
  const chip = new SimGpioChip('gpiochip0');
  const events: HalInputEvent[] = [];
  const source = await openGpioSwitch({ chip: 'gpiochip0', line: LINE, activeLow: true, debounceMs: 30, emits: 'hook', ...overrides }, { clock, openChip: () => Promise.resolve(chip) });
  source.onEvent((e) => events.push(e));
  return { clock, chip, events, source };
}

test('switch: hook off and on after the contact settles; pull-up configured for activeLow', async () => {
  const { clock, chip, events, source } = await setup();
  assert.deepEqual(chip.lineState(LINE), { dir: 'in', pull: 'up' });
  clock.advance(100);
  assert.deepEqual(events, [], 'open contact at start: on hook, nothing to report');
  chip.drive(LINE, 0);
  clock.advance(25);
  assert.deepEqual(events, []);
  clock.advance(20);
  assert.deepEqual(events, [{ type: 'hook', offHook: true }]);
  chip.drive(LINE, undefined); // released: the pull-up takes the line high
  clock.advance(50);
  assert.deepEqual(events, [{ type: 'hook', offHook: true }, { type: 'hook', offHook: false }]);
  await source.close();
  clock.advance(1000);
  assert.equal(clock.pending, 0);
});

test('switch: active-high wiring emitting a key', async () => {
  const { clock, chip, events, source } = await setup({ activeLow: false, emits: { key: 'speaker' } });
  assert.deepEqual(chip.lineState(LINE), { dir: 'in', pull: 'down' });
  chip.drive(LINE, 1);
  clock.advance(60);
  chip.drive(LINE, 0);
  clock.advance(60);
  assert.deepEqual(events, [{ type: 'key', code: 'speaker', down: true }, { type: 'key', code: 'speaker', down: false }]);
  await source.close();
});

test('switch: random bounce never gives a false or a lost hook change (fast-check)', async () => {
  const change = fc.record({
    bounce: fc.uniqueArray(fc.integer({ min: 0, max: 24 }), { maxLength: 10 }),
    holdMs: fc.integer({ min: 40, max: 400 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(change, { minLength: 1, maxLength: 8 }), async (changes) => {
      const { clock, chip, events, source } = await setup();
      const expected: HalInputEvent[] = [];
      let at = 1;
      let offHook = false;
      for (const c of changes) {
        offHook = !offHook;
        const settled: 0 | undefined = offHook ? 0 : undefined;
        const bouncing: 0 | undefined = offHook ? undefined : 0;
        const steps: BounceStep[] = [...c.bounce].sort((a, b) => a - b).map((ms, i) => ({ atMs: at + ms, level: i % 2 === 0 ? settled : bouncing }));
        chip.scheduleLevels(LINE, [...steps, { atMs: at + 25, level: settled }], clock);
        expected.push({ type: 'hook', offHook });
        at += 25 + c.holdMs;
      }
      clock.advance(at + 100);
      await source.close();
      assert.deepEqual(events, expected);
    }),
    { numRuns: 150 },
  );
});

test('switch: bad options are rejected', async () => {
  await assert.rejects(setup({ line: -1 }), /line must be/);
  await assert.rejects(setup({ emits: { key: '' } }), /emits must be/);
  await assert.rejects(setup({ debounceMs: -5 }), /debounceMs/);
});

function fakeGpioSysfs(): { root: string; roots: { sysfs: string; dev: string } } {
  const root = mkdtempSync(path.join(tmpdir(), 'sipdesk-gpio-'));
  const roots = { sysfs: path.join(root, 'sys'), dev: path.join(root, 'dev') };
  const chip = (entry: string, base: number, ngpio: number, label: string, cdev: string) => {
    const dir = path.join(roots.sysfs, 'class', 'gpio', entry);
    // The parent device holds the character device's directory (gpiochipN as /dev names it).
    mkdirSync(path.join(dir, 'device', cdev), { recursive: true });
    writeFileSync(path.join(dir, 'base'), `${base}\n`);
    writeFileSync(path.join(dir, 'ngpio'), `${ngpio}\n`);
    writeFileSync(path.join(dir, 'label'), `${label}\n`);
  };
  chip('gpiochip512', 512, 58, 'pinctrl-bcm2711', 'gpiochip0');
  chip('gpiochip570', 570, 8, 'raspberrypi-exp-gpio', 'gpiochip1');
  return { root, roots };
}

test('sysfs gpio: the chip base comes from sysfs, found by /dev name, sysfs name or label', async () => {
  const { root, roots } = fakeGpioSysfs();
  try {
    assert.equal((await findSysfsGpioChip('gpiochip0', roots)).base, 512);
    assert.equal((await findSysfsGpioChip('gpiochip1', roots)).base, 570);
    assert.equal((await findSysfsGpioChip('gpiochip570', roots)).ngpio, 8);
    assert.equal((await findSysfsGpioChip('pinctrl-bcm2711', roots)).entry, 'gpiochip512');
    await assert.rejects(findSysfsGpioChip('gpiochip4', roots), (e: unknown) => {
      assert.ok(e instanceof MissingHardwareError);
      assert.match(e.message, /gpiochip4.*found: gpiochip512 \(pinctrl-bcm2711, base 512\), gpiochip570/);
      return true;
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('sysfs gpio: a switch on a machine without the chip fails with MissingHardwareError', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'sipdesk-gpio-'));
  try {
    const roots = { sysfs: path.join(root, 'sys'), dev: path.join(root, 'dev') };
    await assert.rejects(openSysfsGpioChip('gpiochip0', roots), /found: none/);
    await assert.rejects(openGpioSwitch({ chip: 'gpiochip0', line: 26, emits: 'hook', roots }, { clock: new FakeClock() }), MissingHardwareError);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
