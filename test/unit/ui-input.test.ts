// Input: tap, long-press, drag-scroll (stepped clock), keys and focus navigation, bad input ignored.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/phone/clock.js';
import { Ui } from '../../src/ui/core/ui.js';
import { PngDisplay } from '../../src/ui/display/png-display.js';
import { Button } from '../../src/ui/widgets/button.js';
import { Container } from '../../src/ui/widgets/container.js';
import { DialKey } from '../../src/ui/widgets/dial-pad.js';
import { List } from '../../src/ui/widgets/list.js';
import { Modal } from '../../src/ui/widgets/modal.js';
import { buildSampleScreen } from '../../src/ui/sample-screen.js';

function setup(): { ui: Ui; clock: FakeClock; actions: string[]; s: ReturnType<typeof buildSampleScreen> } {
  const clock = new FakeClock();
  const ui = new Ui({ display: new PngDisplay(800, 480), clock });
  const actions: string[] = [];
  const s = buildSampleScreen(ui.screen, (a) => actions.push(a));
  ui.input.onUnhandledKey = (code) => actions.push(`unhandled:${code}`);
  clock.advance(0);
  return { ui, clock, actions, s };
}

const centre = (r: { x: number; y: number; w: number; h: number }): [number, number] => [r.x + r.w / 2, r.y + r.h / 2];

function touch(ui: Ui, clock: FakeClock, x: number, y: number, holdMs = 50): void {
  ui.input.push({ type: 'pointer', x, y, action: 'down' });
  clock.advance(holdMs);
  ui.input.push({ type: 'pointer', x, y, action: 'up' });
  clock.advance(0);
}

function key(ui: Ui, clock: FakeClock, code: string): void {
  ui.input.push({ type: 'key', code, down: true });
  ui.input.push({ type: 'key', code, down: false });
  clock.advance(0);
}

test('tap: a dial-pad key types its digit, the pressed look shows while down', () => {
  const { ui, clock, s } = setup();
  const five = s.dialPad.key('5')!;
  const [x, y] = centre(five.bounds);
  ui.input.push({ type: 'pointer', x, y, action: 'down' });
  clock.advance(10);
  assert.equal(five.pressed, true);
  ui.input.push({ type: 'pointer', x, y, action: 'up' });
  clock.advance(0);
  assert.equal(five.pressed, false);
  touch(ui, clock, ...centre(s.dialPad.key('#')!.bounds));
  assert.equal(s.entry.value, '5#');
});

test('a touch that ends outside its target is not a tap', () => {
  const { ui, clock, s } = setup();
  const [x, y] = centre(s.dialPad.key('1')!.bounds);
  ui.input.push({ type: 'pointer', x, y, action: 'down' });
  ui.input.push({ type: 'pointer', x: x + 200, y, action: 'up' });
  clock.advance(0);
  assert.equal(s.entry.value, '');
});

test('long press fires after 600 ms still, and suppresses the tap', () => {
  const { ui, clock, s } = setup();
  const events: string[] = [];
  s.contacts.onLongPress = (item) => events.push(`long:${item.id}`);
  s.contacts.onSelect = (item) => events.push(`tap:${item.id}`);
  const [x] = centre(s.contacts.bounds);
  const y = s.contacts.bounds.y + 75; // second row (rows are 50 px)
  ui.input.push({ type: 'pointer', x, y, action: 'down' });
  clock.advance(599);
  assert.deepEqual(events, []);
  clock.advance(1);
  assert.deepEqual(events, ['long:carol']);
  ui.input.push({ type: 'pointer', x, y, action: 'up' });
  clock.advance(0);
  assert.deepEqual(events, ['long:carol']);
  touch(ui, clock, x, y, 100);
  assert.deepEqual(events, ['long:carol', 'tap:carol']);
});

test('drag scrolls the list with the finger, cancels the long press and the tap', () => {
  const clock = new FakeClock();
  const ui = new Ui({ display: new PngDisplay(320, 240), clock });
  const selected: string[] = [];
  const items = Array.from({ length: 40 }, (_, i) => ({ id: String(i), primary: `Contact ${i}` }));
  const list = new List(items, { rowHeight: 40, onSelect: (it) => selected.push(it.id), onLongPress: (it) => selected.push(`long ${it.id}`) });
  ui.screen.add(list);
  clock.advance(0);
  assert.equal(list.maxScroll, 40 * 40 - 240);
  ui.input.push({ type: 'pointer', x: 100, y: 200, action: 'down' });
  clock.advance(16);
  for (let y = 190; y >= 80; y -= 10) {
    ui.input.push({ type: 'pointer', x: 100, y, action: 'move' });
    clock.advance(16);
  }
  assert.equal(list.scrollY, 120, 'content follows the finger from the first touch point');
  clock.advance(1000);
  ui.input.push({ type: 'pointer', x: 100, y: 80, action: 'up' });
  clock.advance(0);
  assert.deepEqual(selected, [], 'a drag is neither a tap nor a long press');
  // Dragging down past the top stops at 0.
  ui.input.push({ type: 'pointer', x: 100, y: 10, action: 'down' });
  ui.input.push({ type: 'pointer', x: 100, y: 230, action: 'move' });
  ui.input.push({ type: 'pointer', x: 100, y: 230, action: 'up' });
  clock.advance(0);
  assert.equal(list.scrollY, 0);
  // A tap after scrolling hits the row under the finger.
  list.scrollBy(400);
  touch(ui, clock, 100, 20);
  assert.deepEqual(selected, ['10']);
});

test('keypad only: arrows move focus spatially, OK activates, digits type into the focused field', () => {
  const { ui, clock, s, actions } = setup();
  assert.equal(ui.screen.focusedWidget, undefined);
  key(ui, clock, 'down');
  assert.equal(ui.screen.focusedWidget, s.lineKeys.key(1), 'first focusable (tree order) when nothing had focus');
  key(ui, clock, 'down');
  assert.equal(ui.screen.focusedWidget, s.lineKeys.key(2));
  key(ui, clock, 'ok');
  assert.deepEqual(actions, ['line2']);
  key(ui, clock, 'right');
  assert.equal(ui.screen.focusedWidget, s.entry, 'right of the line keys is the entry field');
  for (const d of ['1', '2', '*']) key(ui, clock, d);
  assert.equal(s.entry.value, '12*');
  key(ui, clock, 'back');
  assert.equal(s.entry.value, '12');
  key(ui, clock, 'down');
  assert.equal(ui.screen.focusedWidget, s.contacts);
  // In the list, up/down move the selection and are consumed; OK selects.
  key(ui, clock, 'down');
  key(ui, clock, 'down');
  assert.equal(s.contacts.selectedIndex, 1);
  key(ui, clock, 'ok');
  assert.equal(actions.at(-1), 'contact:carol');
  key(ui, clock, 'right');
  assert.ok(s.dialPad.keys.includes(ui.screen.focusedWidget as DialKey), 'right of the list is the dial pad');
  // Softkeys and line keys act whatever has focus; other feature keys reach the screens' handler.
  key(ui, clock, 'soft1');
  key(ui, clock, 'line4');
  key(ui, clock, 'hold');
  assert.deepEqual(actions.slice(-3), ['redial', 'line4', 'unhandled:hold']);
  key(ui, clock, 'soft3');
  assert.equal(actions.at(-1), 'unhandled:soft3', 'an empty softkey is not consumed');
});

test('focus scrolls a scroll container so the focused child is visible', () => {
  const clock = new FakeClock();
  const ui = new Ui({ display: new PngDisplay(200, 100), clock });
  const scroller = new Container({ scroll: true, flexGrow: 1 });
  const buttons = Array.from({ length: 6 }, (_, i) => new Button(`b${i}`, { height: 40, flexShrink: 0 }));
  scroller.add(...buttons);
  ui.screen.add(scroller);
  clock.advance(0);
  for (let i = 0; i < 5; i++) key(ui, clock, 'down');
  assert.equal(ui.screen.focusedWidget, buttons[4]);
  clock.advance(100);
  const b = buttons[4]!.bounds;
  assert.ok(b.y >= 0 && b.y + b.h <= 100, `focused button visible: ${JSON.stringify(b)}`);
});

test('a modal confines keys and focus, and returns focus when closed', () => {
  const { ui, clock, s, actions } = setup();
  s.entry.focus();
  const answers: string[] = [];
  const modal = new Modal({ title: 'Incoming call', message: 'Bob Marsh', buttons: [{ label: 'Reject', onPress: () => void answers.push('reject') }, { label: 'Answer', variant: 'primary', onPress: () => void answers.push('answer') }] });
  modal.open(ui.screen);
  clock.advance(100);
  assert.equal(ui.screen.focusedWidget, modal.buttons[0]);
  key(ui, clock, 'right');
  assert.equal(ui.screen.focusedWidget, modal.buttons[1]);
  key(ui, clock, 'left');
  key(ui, clock, 'left');
  assert.equal(ui.screen.focusedWidget, modal.buttons[0], 'focus cannot leave the modal');
  key(ui, clock, '5');
  assert.equal(s.entry.value, '', 'digits do not reach the field behind');
  touch(ui, clock, ...centre(s.dialPad.key('7')!.bounds));
  assert.equal(s.entry.value, '', 'touches do not reach the dial pad behind');
  key(ui, clock, 'right');
  key(ui, clock, 'ok');
  assert.deepEqual(answers, ['answer']);
  assert.equal(modal.isOpen, false);
  assert.equal(ui.screen.focusedWidget, s.entry);
  assert.ok(!actions.includes('redial'));
  // Softkeys press a modal's buttons and do not reach the screen's softkeys behind it.
  const again = new Modal({ title: 'Delete?', buttons: [{ label: 'Cancel', onPress: () => void answers.push('cancel') }] });
  again.open(ui.screen);
  clock.advance(100);
  key(ui, clock, 'soft1');
  assert.deepEqual(answers, ['answer', 'cancel']);
  assert.ok(!actions.includes('redial'));
  assert.equal(again.isOpen, false);
});

test('bad input is ignored without a crash: outside touches, unknown keys, malformed events', () => {
  const { ui, clock, s } = setup();
  const before = ui.input.stats.ignored;
  for (const ev of [
    { type: 'pointer', x: -5, y: 10, action: 'down' },
    { type: 'pointer', x: 800, y: 10, action: 'up' },
    { type: 'pointer', x: 10, y: 100000, action: 'move' },
    { type: 'pointer', x: NaN, y: 1, action: 'down' },
    { type: 'pointer', x: 1, y: 1, action: 'wiggle' },
    { type: 'key', code: 'F13', down: true },
    { type: 'key', code: 42, down: true },
    { type: 'key', code: '__proto__', down: true },
    { type: 'hook', offHook: true },
    null,
    'down',
  ]) {
    assert.equal(ui.input.push(ev), ev !== null && typeof ev === 'object' && ev.type === 'pointer' && Number.isFinite(ev.x) && ev.action !== 'wiggle');
  }
  clock.advance(0);
  assert.equal(ui.input.stats.ignored - before, 11);
  assert.equal(s.entry.value, '');
  // A press that ends outside the screen releases the widget without a tap.
  const [x, y] = centre(s.dialPad.key('9')!.bounds);
  ui.input.push({ type: 'pointer', x, y, action: 'down' });
  clock.advance(0);
  assert.equal(s.dialPad.key('9')!.pressed, true);
  ui.input.push({ type: 'pointer', x: 900, y, action: 'up' });
  clock.advance(700);
  assert.equal(s.dialPad.key('9')!.pressed, false);
  assert.equal(s.entry.value, '');
});

test('a key flood is bounded: the queue never exceeds its limit and the UI keeps working', () => {
  const { ui, clock, s } = setup();
  s.entry.focus();
  const limit = 64;
  for (let i = 0; i < 100_000; i++) ui.input.push({ type: 'key', code: '1', down: i % 2 === 0 });
  assert.equal(ui.input.queued, limit);
  assert.equal(ui.input.stats.dropped, 100_000 - limit);
  // A release always gets in, so a touch can never stay pressed because of a flood.
  assert.equal(ui.input.push({ type: 'pointer', x: 1, y: 1, action: 'up' }), true);
  assert.equal(ui.input.queued, limit);
  clock.advance(0);
  assert.equal(ui.input.queued, 0);
  // 63 queued keys are left after the oldest made room for the release: 32 presses (field max 64).
  assert.equal(s.entry.value, '1'.repeat(31));
  key(ui, clock, '2');
  assert.ok(s.entry.value.endsWith('2'));
});
