// A board descriptor made real, without the board: the rpi4-desk descriptor with its roots pointed at a
// temporary tree laid out like /sys and /dev (a framebuffer file, FIFOs as evdev nodes, LED and backlight
// attribute files) opens every driver; a key pressed on the keypad FIFO reaches the phone, the phone's lamps
// reach the LED files, and the screen reaches the framebuffer. With nothing there, the start fails with one
// message naming each missing device. The sim board gives simulated drivers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, openSync, writeSync, closeSync, readFileSync, rmSync, writeFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadBoard } from '../../src/config/board-load.js';
import { openBoardDevices, BoardHardwareError } from '../../src/app/board-devices.js';
import { wireHardware, ledStateOf } from '../../src/app/hardware-wiring.js';
import { encodeInputEvent } from '../../src/hal/input/input-event.js';
import { FakeClock } from '../../src/phone/clock.js';
import type { HalInputEvent } from '../../src/hal/hal-types.js';
import type { Lamp } from '../../src/phone/lamps.js';
import { FbdevDisplay } from '../../src/ui/index.js';

const EV_SYN = 0, EV_KEY = 1, KEY_5 = 6, KEY_PHONE = 169;

function standIns(): { root: string; roots: { sysfs: string; dev: string }; fifos: Map<string, number> } {
  const root = mkdtempSync(path.join(tmpdir(), 'sipdesk-board-'));
  const roots = { sysfs: path.join(root, 'sys'), dev: path.join(root, 'dev') };
  mkdirSync(path.join(roots.dev, 'input'), { recursive: true });
  writeFileSync(path.join(roots.dev, 'fb0'), Buffer.alloc(800 * 480 * 2));
  const fifos = new Map<string, number>();
  const inputs: Record<string, string> = { event0: 'generic ft5x06 (79)', event1: 'sipdesk-keypad', event2: 'sipdesk-hook' };
  for (const [node, name] of Object.entries(inputs)) {
    mkdirSync(path.join(roots.sysfs, 'class', 'input', node, 'device'), { recursive: true });
    writeFileSync(path.join(roots.sysfs, 'class', 'input', node, 'device', 'name'), `${name}\n`);
    execFileSync('mkfifo', [path.join(roots.dev, 'input', node)]);
    // Held open read-write (a writer that never blocks): the driver's open for reading returns at once, as
    // on a character device, and closing it gives the driver end of file.
    fifos.set(node, openSync(path.join(roots.dev, 'input', node), 'r+'));
  }
  for (const led of ['sipdesk:red:message', 'sipdesk:green:speaker', 'sipdesk:green:headset', 'sipdesk:red:mute']) {
    const dir = path.join(roots.sysfs, 'class', 'leds', led);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'max_brightness'), '1\n');
    writeFileSync(path.join(dir, 'brightness'), '0\n');
    writeFileSync(path.join(dir, 'trigger'), '[none] timer\n');
  }
  const bl = path.join(roots.sysfs, 'class', 'backlight', 'rpi_backlight');
  mkdirSync(bl, { recursive: true });
  writeFileSync(path.join(bl, 'max_brightness'), '255\n');
  writeFileSync(path.join(bl, 'brightness'), '255\n');
  writeFileSync(path.join(bl, 'bl_power'), '0\n');
  return { root, roots, fifos };
}

/** Writes an input_event record and its SYN_REPORT into an evdev stand-in. */
function press(fd: number, code: number, value: number): void {
  const size = process.arch === 'arm' ? 16 : 24;
  writeSync(fd, Buffer.concat([encodeInputEvent({ timeUs: 1, type: EV_KEY, code, value }, size), encodeInputEvent({ timeUs: 2, type: EV_SYN, code: 0, value: 0 }, size)]));
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  for (const end = Date.now() + ms; !check(); await new Promise((r) => setTimeout(r, 20))) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
  }
}

test('rpi4-desk on stand-in sysfs and dev trees: keypad, hook, LEDs, backlight and framebuffer', async () => {
  const { root, roots, fifos } = standIns();
  const fifo = (node: string) => fifos.get(node)!;
  try {
    const board = { ...(await loadBoard('rpi4-desk')), roots };
    const clock = new FakeClock();
    const opened = await openBoardDevices(board, { clock });
    assert.ok(opened.display instanceof FbdevDisplay, 'the framebuffer display');
    assert.equal(opened.inputs?.length, 3, 'touch, keypad and hook');
    const received: HalInputEvent[] = [];
    let lamps: Record<string, Lamp> = { message: 'off', mute: 'off' };
    const listeners = new Set<(l: Record<string, Lamp>) => void>();
    const wired = wireHardware(opened, {
      input: (e) => received.push(e),
      lamps: () => lamps,
      onLamps: (l) => (listeners.add(l), () => listeners.delete(l)),
    });

    press(fifo('event1'), KEY_5, 1);
    press(fifo('event1'), KEY_5, 0);
    await until('the key from the keypad', () => received.length >= 2);
    assert.deepEqual(received.slice(0, 2), [{ type: 'key', code: '5', down: true }, { type: 'key', code: '5', down: false }]);
    press(fifo('event2'), KEY_PHONE, 1);
    await until('the hook', () => received.some((e) => e.type === 'hook'));
    assert.deepEqual(received.find((e) => e.type === 'hook'), { type: 'hook', offHook: true });

    // Lamps: the message lamp blinks by the kernel's timer trigger, mute is steady.
    lamps = { message: 'blink', mute: 'on' };
    for (const l of listeners) l(lamps);
    const led = (name: string, file: string) => readFileSync(path.join(roots.sysfs, 'class', 'leds', name, file), 'utf8').trim();
    assert.equal(led('sipdesk:red:message', 'trigger'), 'timer');
    assert.equal(led('sipdesk:red:message', 'delay_on'), String((ledStateOf('blink') as { blink: { onMs: number } }).blink.onMs));
    assert.equal(led('sipdesk:red:mute', 'brightness'), '1');

    // The backlight dims after the board's idle time; a key wakes it.
    const brightness = () => readFileSync(path.join(roots.sysfs, 'class', 'backlight', 'rpi_backlight', 'brightness'), 'utf8').trim();
    clock.advance(board.backlight?.driver === 'sysfs' ? board.backlight.dimAfterS * 1000 + 1 : 0);
    assert.equal(brightness(), String(Math.round(255 * 0.2)));
    press(fifo('event1'), KEY_5, 1);
    await until('the backlight back up', () => brightness() === '255');

    const fbSizeBefore = statSync(path.join(roots.dev, 'fb0')).size;
    wired.stop();
    assert.equal(led('sipdesk:red:mute', 'brightness'), '0', 'lamps go dark when the phone stops');
    assert.equal(statSync(path.join(roots.dev, 'fb0')).size, fbSizeBefore, 'the framebuffer is written in place, never grown');
    await opened.close();
  } finally {
    // End of file for the evdev reads blocked in the thread pool.
    for (const fd of fifos.values()) closeSync(fd);
    rmSync(root, { recursive: true, force: true });
  }
});

test('rpi4-desk where nothing is there: one error naming every missing device', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'sipdesk-board-'));
  try {
    const board = { ...(await loadBoard('rpi4-desk')), roots: { sysfs: path.join(root, 'sys'), dev: path.join(root, 'dev') } };
    await assert.rejects(openBoardDevices(board, { clock: new FakeClock() }), (err: unknown) => {
      assert.ok(err instanceof BoardHardwareError);
      assert.match(err.message, /no framebuffer .*fb0/);
      assert.match(err.message, /sipdesk-keypad/);
      assert.match(err.message, /sipdesk-hook/);
      assert.match(err.message, /sipdesk:red:message/);
      assert.match(err.message, /rpi_backlight/);
      return true;
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('the sim board: simulated keys reach the phone and lamps reach the simulated LEDs', async () => {
  const opened = await openBoardDevices(await loadBoard('sim'), { clock: new FakeClock() });
  const received: HalInputEvent[] = [];
  let lamps: Record<string, Lamp> = { line1: 'fast-blink', message: 'off' };
  const listeners = new Set<(l: Record<string, Lamp>) => void>();
  const wired = wireHardware(opened, { input: (e) => received.push(e), lamps: () => lamps, onLamps: (l) => (listeners.add(l), () => listeners.delete(l)) });
  assert.ok(opened.sim.input && opened.sim.leds);
  opened.sim.input.tap('ok');
  opened.sim.input.inject({ type: 'hook', offHook: true });
  assert.deepEqual(received, [{ type: 'key', code: 'ok', down: true }, { type: 'key', code: 'ok', down: false }, { type: 'hook', offHook: true }]);
  assert.deepEqual(opened.sim.leds.get('line1'), ledStateOf('fast-blink'));
  lamps = { line1: 'off', message: 'blink' };
  for (const l of listeners) l(lamps);
  assert.equal(opened.sim.leds.get('line1'), 'off');
  assert.deepEqual(opened.sim.leds.get('message'), ledStateOf('blink'));
  wired.stop();
});
