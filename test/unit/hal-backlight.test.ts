import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { FakeClock } from '../../src/phone/clock.js';
import { MissingHardwareError } from '../../src/hal/hal-types.js';
import { IdleDimmer } from '../../src/hal/backlight/idle-dimmer.js';
import { backlightSteps, openSysfsBacklight } from '../../src/hal/backlight/sysfs-backlight.js';
import { SimBacklight } from '../../src/hal/sim/sim-backlight.js';

function fakeBacklight(opts: { max: number; power?: boolean }) {
  const root = mkdtempSync(path.join(tmpdir(), 'sipdesk-bl-'));
  const dir = path.join(root, 'sys', 'class', 'backlight', 'rpi_backlight');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'max_brightness'), `${opts.max}\n`);
  writeFileSync(path.join(dir, 'brightness'), `${opts.max}\n`);
  if (opts.power !== false) writeFileSync(path.join(dir, 'bl_power'), '0\n');
  const read = (f: string) => (existsSync(path.join(dir, f)) ? readFileSync(path.join(dir, f), 'utf8') : undefined);
  const wipe = () => ['brightness', 'bl_power'].forEach((f) => existsSync(path.join(dir, f)) && unlinkSync(path.join(dir, f)));
  return { root, roots: { sysfs: path.join(root, 'sys') }, read, wipe };
}

test('steps: rounding, clamping, and never dark for a level above 0', () => {
  assert.equal(backlightSteps(0.2, 255), 51);
  assert.equal(backlightSteps(0.5, 7), 4);
  assert.equal(backlightSteps(0.001, 255), 1);
  assert.equal(backlightSteps(0, 255), 0);
  assert.equal(backlightSteps(3, 255), 255);
  assert.equal(backlightSteps(-1, 255), 0);
});

test('sysfs backlight: brightness steps and bl_power, exactly the right writes', async () => {
  const fs = fakeBacklight({ max: 255 });
  try {
    const bl = await openSysfsBacklight({ device: 'rpi_backlight', roots: fs.roots });
    assert.equal(bl.level, 1);
    fs.wipe();
    bl.setLevel(1);
    assert.equal(fs.read('brightness'), undefined, 'already full: no write');
    bl.setLevel(0.2);
    assert.equal(fs.read('brightness'), '51');
    assert.equal(fs.read('bl_power'), undefined, 'dimming leaves the power alone');
    assert.equal(bl.level, 0.2);
    fs.wipe();
    bl.setLevel(0.2001);
    assert.equal(fs.read('brightness'), undefined, 'same step: no write');
    bl.setLevel(0);
    assert.equal(fs.read('brightness'), '0');
    assert.equal(fs.read('bl_power'), '4');
    assert.equal(bl.level, 0);
    fs.wipe();
    bl.setLevel(0.5);
    assert.equal(fs.read('bl_power'), '0');
    assert.equal(fs.read('brightness'), '128');
    bl.setLevel(Number.NaN); // reported, ignored
    assert.equal(fs.read('brightness'), '128');
  } finally {
    rmSync(fs.root, { recursive: true, force: true });
  }
});

test('sysfs backlight: devices without bl_power only get brightness', async () => {
  const fs = fakeBacklight({ max: 7, power: false });
  try {
    const bl = await openSysfsBacklight({ device: 'rpi_backlight', roots: fs.roots });
    bl.setLevel(0);
    bl.setLevel(0.5);
    assert.equal(fs.read('brightness'), '4');
    assert.equal(fs.read('bl_power'), undefined);
    await bl.close();
    assert.equal(fs.read('brightness'), '7', 'close leaves the screen lit');
  } finally {
    rmSync(fs.root, { recursive: true, force: true });
  }
});

test('sysfs backlight: a missing device names it and lists what exists', async () => {
  const fs = fakeBacklight({ max: 255 });
  try {
    await assert.rejects(openSysfsBacklight({ device: '10-0045', roots: fs.roots }), (e: unknown) => {
      assert.ok(e instanceof MissingHardwareError);
      assert.match(e.message, /10-0045.*found: rpi_backlight/);
      return true;
    });
  } finally {
    rmSync(fs.root, { recursive: true, force: true });
  }
});

test('idle dimmer: dims, switches off, and any activity restores full brightness', () => {
  const clock = new FakeClock();
  const bl = new SimBacklight();
  const levels: number[] = [];
  bl.onChange((l) => levels.push(l));
  const dimmer = new IdleDimmer(bl, clock, { dimLevel: 0.3, dimAfterS: 60, offAfterS: 300 });
  clock.advance(59_999);
  assert.equal(bl.level, 1);
  clock.advance(1);
  assert.equal(bl.level, 0.3);
  assert.equal(dimmer.state, 'dim');
  dimmer.poke();
  assert.equal(bl.level, 1);
  clock.advance(30_000);
  dimmer.poke(); // activity restarts the idle time
  clock.advance(59_000);
  assert.equal(bl.level, 1);
  clock.advance(300_000);
  assert.equal(bl.level, 0);
  assert.equal(dimmer.state, 'off');
  dimmer.poke();
  dimmer.poke();
  assert.deepEqual(levels, [0.3, 1, 0.3, 0, 1]);
  dimmer.stop();
  clock.advance(1_000_000);
  assert.equal(bl.level, 1);
  assert.equal(clock.pending, 0);
});

test('idle dimmer: offAfterS 0 never switches off; off before dim stays off', () => {
  const clock = new FakeClock();
  const bl = new SimBacklight();
  new IdleDimmer(bl, clock, { dimLevel: 0.2, dimAfterS: 10, offAfterS: 0 });
  clock.advance(10_000_000);
  assert.equal(bl.level, 0.2);

  const bl2 = new SimBacklight();
  new IdleDimmer(bl2, clock, { dimAfterS: 60, offAfterS: 30 });
  clock.advance(30_000);
  assert.equal(bl2.level, 0);
  clock.advance(60_000);
  assert.equal(bl2.level, 0);
  assert.throws(() => new IdleDimmer(bl2, clock, { dimLevel: 2 }), /dimLevel/);
});

test('idle dimmer over a sysfs backlight writes dim and full steps', async () => {
  const fs = fakeBacklight({ max: 100 });
  try {
    const clock = new FakeClock();
    const bl = await openSysfsBacklight({ device: 'rpi_backlight', roots: fs.roots });
    const dimmer = new IdleDimmer(bl, clock, { dimLevel: 0.25, dimAfterS: 5 });
    clock.advance(5000);
    assert.equal(fs.read('brightness'), '25');
    dimmer.poke();
    assert.equal(fs.read('brightness'), '100');
    dimmer.stop();
  } finally {
    rmSync(fs.root, { recursive: true, force: true });
  }
});
