import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FakeClock } from '../../src/phone/clock.js';
import type { HalInputEvent, InputSource } from '../../src/hal/hal-types.js';
import { SimGpioChip } from '../../src/hal/gpio/sim-gpio-chip.js';
import { openGpioKeypad, type GpioKeypadOptions } from '../../src/hal/keypad/gpio-keypad.js';
import { isAmbiguous } from '../../src/hal/keypad/ghost-keys.js';
import { SimKeyMatrix } from '../../src/hal/sim/sim-key-matrix.js';

const ROWS = [5, 6, 13, 19];
const COLUMNS = [12, 16, 20, 21];
const KEYMAP = [
  ['1', '2', '3', 'up'],
  ['4', '5', '6', 'down'],
  ['7', '8', '9', 'volumeUp'],
  ['*', '0', '#', 'soft4'],
];

async function setup(overrides: Partial<GpioKeypadOptions> = {}) {
  const clock = new FakeClock();
  const chip = new SimGpioChip('gpiochip0');
  const matrix = new SimKeyMatrix(chip, ROWS, COLUMNS);
  const errors: Error[] = [];
  const keypad = await openGpioKeypad(
    { chip: 'gpiochip0', rows: ROWS, columns: COLUMNS, keymap: KEYMAP, debounceMs: 20, scanIntervalMs: 10, repeatDelayMs: 500, repeatIntervalMs: 100, ...overrides },
    { clock, openChip: (name) => (name === 'gpiochip0' ? Promise.resolve(chip) : Promise.reject(new Error(name))), onError: (e) => errors.push(e) },
  );
  const events: HalInputEvent[] = [];
  keypad.onEvent((e) => events.push(e));
  return { clock, chip, matrix, keypad, events, errors };
}

const keys = (events: HalInputEvent[]) => events.map((e) => (e.type === 'key' ? `${e.code}${e.down ? '↓' : '↑'}` : e.type));

test('ghost rule: the fourth corner of a rectangle with three pressed corners is ambiguous', () => {
  const p = [
    [true, true, false],
    [true, false, false],
  ];
  assert.equal(isAmbiguous(p, 1, 1), true);
  assert.equal(isAmbiguous(p, 0, 0), false, 'its partners (0,1),(1,0) are pressed but (1,1) is not');
  p[1]![1] = true;
  assert.equal(isAmbiguous(p, 0, 0), true);
  assert.equal(isAmbiguous(p, 0, 2), false);
});

test('keypad: lines are set up as a matrix and a scan leaves every row high-impedance', async () => {
  const { chip, clock, keypad } = await setup();
  clock.advance(10);
  for (const row of ROWS) assert.deepEqual(chip.lineState(row), { dir: 'in', pull: 'none' });
  for (const col of COLUMNS) assert.deepEqual(chip.lineState(col), { dir: 'in', pull: 'up' });
  assert.equal(chip.readCount, ROWS.length * COLUMNS.length);
  await keypad.close();
});

test('keypad: a press is reported once stable for debounceMs, not before; release likewise', async () => {
  const { clock, matrix, events, keypad } = await setup();
  matrix.setContact(1, 2, true);
  clock.advance(25); // first seen at 10 ms, stable only at 30 ms
  assert.deepEqual(keys(events), []);
  clock.advance(10);
  assert.deepEqual(keys(events), ['6↓']);
  matrix.setContact(1, 2, false);
  clock.advance(50);
  assert.deepEqual(keys(events), ['6↓', '6↑']);
  await keypad.close();
});

test('keypad: a contact glitch shorter than the debounce time is no key at all', async () => {
  const { clock, matrix, events, keypad } = await setup();
  matrix.scheduleContact(0, 0, [{ atMs: 5, closed: true }, { atMs: 22, closed: false }], clock);
  clock.advance(200);
  assert.deepEqual(events, []);
  await keypad.close();
});

test('keypad: random bounce on press and release gives exactly one down and one up per press (fast-check)', async () => {
  const press = fc.record({
    row: fc.integer({ min: 0, max: 3 }),
    col: fc.integer({ min: 0, max: 3 }),
    // Toggle times of the bouncing contact, all within the first 15 ms (less than debounceMs).
    pressBounce: fc.uniqueArray(fc.integer({ min: 0, max: 14 }), { maxLength: 8 }),
    releaseBounce: fc.uniqueArray(fc.integer({ min: 0, max: 14 }), { maxLength: 8 }),
    holdMs: fc.integer({ min: 45, max: 300 }),
    gapMs: fc.integer({ min: 45, max: 200 }),
  });
  await fc.assert(
    fc.asyncProperty(fc.array(press, { minLength: 1, maxLength: 6 }), async (presses) => {
      const { clock, matrix, events, keypad } = await setup({ repeatDelayMs: 100_000 });
      const expected: string[] = [];
      let at = 3;
      for (const p of presses) {
        const bounce = (start: number, toggles: number[], final: boolean) => {
          const steps = [...toggles].sort((a, b) => a - b).map((ms, i) => ({ atMs: start + ms, closed: i % 2 === 0 ? final : !final }));
          matrix.scheduleContact(p.row, p.col, [...steps, { atMs: start + 15, closed: final }], clock);
        };
        bounce(at, p.pressBounce, true);
        bounce(at + 15 + p.holdMs, p.releaseBounce, false);
        at += 15 + p.holdMs + 15 + p.gapMs;
        const code = KEYMAP[p.row]![p.col]!;
        expected.push(`${code}↓`, `${code}↑`);
      }
      clock.advance(at + 100);
      await keypad.close();
      assert.deepEqual(keys(events), expected);
    }),
    { numRuns: 150 },
  );
});

test('keypad: two keys held together (no rectangle) are both reported', async () => {
  const { clock, matrix, events, keypad } = await setup();
  matrix.setContact(0, 0, true);
  clock.advance(50);
  matrix.setContact(2, 1, true);
  clock.advance(50);
  matrix.setContact(0, 0, false);
  matrix.setContact(2, 1, false);
  clock.advance(50);
  assert.deepEqual(keys(events), ['1↓', '8↓', '1↑', '8↑']);
  await keypad.close();
});

test('keypad: three corners of a rectangle — the ghost and the ambiguous key are held back until unambiguous', async () => {
  const { clock, matrix, events, keypad, chip } = await setup();
  matrix.setContact(0, 0, true); // '1'
  clock.advance(50);
  matrix.setContact(0, 1, true); // '2'
  clock.advance(50);
  matrix.setContact(1, 0, true); // '4' — now '5' at (1,1) reads pressed too
  clock.advance(50);
  // The simulated matrix really ghosts: row 1 driven, column of '5' reads low.
  chip.setOutput(ROWS[1]!, 0);
  assert.equal(chip.read(COLUMNS[1]!), 0);
  chip.setInput(ROWS[1]!, 'none');
  assert.deepEqual(keys(events), ['1↓', '2↓']);
  clock.advance(500);
  assert.deepEqual(keys(events), ['1↓', '2↓'], 'no ghost however long it lasts');
  matrix.setContact(0, 0, false); // '1' up: the ghost vanishes at once, '4' is real
  clock.advance(10);
  // '4' has long been stable, so it goes down on the first unambiguous scan; '1' still debounces its release.
  assert.deepEqual(keys(events), ['1↓', '2↓', '4↓']);
  clock.advance(40);
  assert.deepEqual(keys(events), ['1↓', '2↓', '4↓', '1↑']);
  await keypad.close();
});

test('keypad: navigation and volume keys repeat while held; digits do not', async () => {
  const { clock, matrix, events, keypad } = await setup();
  matrix.setContact(0, 3, true); // 'up'
  clock.advance(30); // down at 30
  clock.advance(500 + 100 * 3); // repeats at 530, 630, 730, 830
  matrix.setContact(0, 3, false);
  clock.advance(100);
  assert.deepEqual(keys(events), ['up↓', 'up↓', 'up↓', 'up↓', 'up↓', 'up↑']);
  events.length = 0;
  matrix.setContact(0, 1, true);
  clock.advance(2000);
  matrix.setContact(0, 1, false);
  clock.advance(100);
  assert.deepEqual(keys(events), ['2↓', '2↑']);
  await keypad.close();
});

test('keypad: a failing chip is reported once and scanning carries on', async () => {
  const { clock, chip, matrix, events, errors, keypad } = await setup();
  const realRead = chip.read.bind(chip);
  let broken = true;
  chip.read = (line) => {
    if (broken) throw new Error('EIO');
    return realRead(line);
  };
  clock.advance(100);
  assert.equal(errors.length, 1);
  assert.match(errors[0]!.message, /gpio keypad gpiochip0: scan failed: EIO/);
  broken = false;
  matrix.setContact(3, 2, true);
  clock.advance(50);
  assert.deepEqual(keys(events), ['#↓']);
  await keypad.close();
});

test('keypad: bad descriptors are rejected with the reason', async () => {
  await assert.rejects(setup({ keymap: [['1', '2']] }), /keymap must have 4 rows of 4 keys/);
  await assert.rejects(setup({ rows: [5, 6, 13, 12] }), /listed twice/);
  await assert.rejects(setup({ scanIntervalMs: 0 }), /scanIntervalMs must be positive/);
});

test('keypad: close stops scanning and timers', async () => {
  const { clock, matrix, events, keypad } = await setup();
  matrix.setContact(0, 3, true);
  clock.advance(40);
  await keypad.close();
  const source: InputSource = keypad;
  assert.equal(source.name, 'gpio keypad gpiochip0');
  clock.advance(2000);
  assert.equal(clock.pending, 0);
  assert.deepEqual(keys(events), ['up↓']);
});
