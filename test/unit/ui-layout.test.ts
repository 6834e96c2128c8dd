// Layout (yoga glue, absolute bounds) and hit testing of the widget tree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/phone/clock.js';
import { Renderer } from '../../src/ui/core/renderer.js';
import { Screen } from '../../src/ui/core/screen.js';
import { Widget } from '../../src/ui/core/widget.js';
import { Button } from '../../src/ui/widgets/button.js';
import { Container } from '../../src/ui/widgets/container.js';
import { Label } from '../../src/ui/widgets/label.js';
import { Modal } from '../../src/ui/widgets/modal.js';
import { Toast } from '../../src/ui/widgets/toast.js';
import { ellipsize, fontFor, measureTextWidth } from '../../src/ui/core/text.js';

function setup(w = 400, h = 300): { screen: Screen; renderer: Renderer } {
  const screen = new Screen(w, h);
  const renderer = new Renderer(screen, { clock: new FakeClock() });
  return { screen, renderer };
}

test('flex row: fixed, growing and content-sized children get absolute bounds', () => {
  const { screen, renderer } = setup();
  const row = new Container({ flexDirection: 'row', height: 50, padding: 10, gap: 5 });
  const fixed = new Widget('panel', { width: 100 });
  const grow = new Widget('panel', { flexGrow: 1 });
  const label = new Label('Hello');
  row.add(fixed, grow, label);
  const below = new Widget('panel', { height: 20 });
  screen.add(row, below);
  renderer.render();
  assert.deepEqual(row.bounds, { x: 0, y: 0, w: 400, h: 50 });
  assert.deepEqual(fixed.bounds, { x: 10, y: 10, w: 100, h: 30 });
  const labelW = Math.ceil(measureTextWidth('Hello', fontFor(16)));
  assert.equal(label.bounds.w, labelW);
  assert.equal(label.bounds.x, 400 - 10 - labelW);
  // The grower takes what the others leave: 380 inner − 100 − label − 2 gaps.
  assert.equal(grow.bounds.w, 380 - 100 - labelW - 10);
  assert.deepEqual(below.bounds, { x: 0, y: 50, w: 400, h: 20 });
});

test('a longer label text relayouts; a hidden widget takes no space', () => {
  const { screen, renderer } = setup();
  const row = new Container({ flexDirection: 'row', height: 30 });
  const a = new Label('A');
  const b = new Label('B');
  row.add(a, b);
  screen.add(row);
  renderer.render();
  const bx = b.bounds.x;
  a.text = 'A much longer text';
  renderer.render();
  assert.ok(b.bounds.x > bx + 50, `b moved right (${bx} → ${b.bounds.x})`);
  a.visible = false;
  renderer.render();
  assert.equal(b.bounds.x, 0);
});

test('hit testing finds the topmost interactive widget; labels and hidden widgets are skipped', () => {
  const { screen, renderer } = setup();
  const panel = new Container({ panel: true, width: 200, height: 100, padding: 10 });
  const button = new Button('OK', { width: 80, height: 40 });
  const caption = new Label('caption');
  panel.add(button, caption);
  screen.add(panel);
  renderer.render();
  assert.equal(screen.hitTest(15, 15), button);
  // The label is not interactive: its parent panel gets the touch.
  assert.equal(screen.hitTest(caption.bounds.x + 2, caption.bounds.y + 2), panel);
  // Outside the panel nothing interactive is there (the screen itself is not a target).
  assert.equal(screen.hitTest(300, 250), screen);
  button.visible = false;
  renderer.render();
  assert.notEqual(screen.hitTest(15, 15), button);
});

test('a scrolled container moves its children and clips hit testing to its bounds', () => {
  const { screen, renderer } = setup(200, 200);
  const scroller = new Container({ scroll: true, height: 100 });
  const items = Array.from({ length: 5 }, (_, i) => new Button(`item ${i}`, { height: 50, flexShrink: 0 }));
  scroller.add(...items);
  screen.add(scroller);
  renderer.render();
  assert.equal(scroller.maxScroll, 150);
  assert.equal(screen.hitTest(10, 60), items[1]);
  // Item 2 lies below the viewport: a touch there must not reach it through the clip.
  assert.notEqual(screen.hitTest(10, 110), items[2]);
  assert.equal(scroller.scrollBy(75), 75);
  renderer.render();
  assert.equal(items[2]!.bounds.y, 25);
  assert.equal(screen.hitTest(10, 30), items[2]);
  assert.equal(scroller.scrollBy(1000), 75, 'clamped at the end');
});

test('an open modal captures hit testing; a toast never takes touches', () => {
  const { screen, renderer } = setup();
  const behind = new Button('behind', { width: 400, height: 300 });
  screen.add(behind);
  const toast = new Toast('Saved');
  toast.show(screen, 1000);
  renderer.render();
  assert.equal(screen.hitTest(200, 250), behind, 'the toast lets the touch through');
  const modal = new Modal({ title: 'Delete?', buttons: [{ label: 'Cancel' }, { label: 'Delete', variant: 'danger' }], width: 300 });
  modal.open(screen);
  renderer.render();
  assert.equal(screen.hitTest(5, 5), modal, 'outside the panel the dim layer takes the touch');
  const del = modal.buttons[1]!;
  assert.equal(screen.hitTest(del.bounds.x + 3, del.bounds.y + 3), del);
  modal.close();
  renderer.render();
  assert.equal(screen.hitTest(5, 5), behind);
});

test('ellipsize keeps the start or the end and fits the width', () => {
  const font = fontFor(16);
  const text = '+82 10 1234 5678 9012 3456';
  const end = ellipsize(text, 100, font);
  const start = ellipsize(text, 100, font, 'start');
  assert.ok(end.endsWith('…') && text.startsWith(end.slice(0, -1)));
  assert.ok(start.startsWith('…') && text.endsWith(start.slice(1)));
  assert.ok(measureTextWidth(end, font) <= 100 && measureTextWidth(start, font) <= 100);
  assert.equal(ellipsize('short', 500, font), 'short');
  assert.equal(ellipsize('anything', 1, font), '');
});

test('bad sizes are rejected with a clear error', () => {
  assert.throws(() => new Screen(0, 100), /positive whole pixels/);
  assert.throws(() => new Screen(10.5, 100), /positive whole pixels/);
});
