// Dirty-rectangle invalidation: damage rules, partial repaint, idle frames, animations at a capped rate.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/phone/clock.js';
import { DamageTracker } from '../../src/ui/core/damage.js';
import { FrameScheduler, blink, pulse } from '../../src/ui/core/animation.js';
import { type Rect, containsRect } from '../../src/ui/core/rect.js';
import { darkTheme } from '../../src/ui/core/theme.js';
import { Ui } from '../../src/ui/core/ui.js';
import { PngDisplay } from '../../src/ui/display/png-display.js';
import { buildSampleScreen } from '../../src/ui/sample-screen.js';

function sample(clock = new FakeClock()): { ui: Ui; display: PngDisplay; clock: FakeClock; s: ReturnType<typeof buildSampleScreen>; frames: Rect[][] } {
  const display = new PngDisplay(800, 480);
  const ui = new Ui({ display, clock });
  const s = buildSampleScreen(ui.screen);
  const frames: Rect[][] = [];
  ui.onFrame = (rects) => frames.push([...rects]);
  clock.advance(0);
  return { ui, display, clock, s, frames };
}

test('damage tracker: clipped, contained rects dropped, touching rects merged, count bounded', () => {
  const d = new DamageTracker(100, 100, 3);
  d.add({ x: -10, y: -10, w: 20, h: 20 });
  assert.deepEqual(d.rects, [{ x: 0, y: 0, w: 10, h: 10 }]);
  d.add({ x: 2, y: 2, w: 3, h: 3 });
  assert.equal(d.rects.length, 1, 'contained rect adds nothing');
  d.add({ x: 10, y: 0, w: 10, h: 10 });
  assert.deepEqual(d.rects, [{ x: 0, y: 0, w: 20, h: 10 }], 'an edge-sharing rect is merged');
  d.add({ x: 200, y: 200, w: 5, h: 5 });
  d.add({ x: 0, y: 0, w: 0, h: 5 });
  d.add({ x: NaN, y: 0, w: 5, h: 5 });
  assert.equal(d.rects.length, 1, 'off-screen, empty and NaN rects are dropped');
  d.add({ x: 50, y: 50, w: 2, h: 2 });
  d.add({ x: 90, y: 90, w: 2, h: 2 });
  d.add({ x: 50, y: 90, w: 2, h: 2 });
  assert.ok(d.rects.length <= 3, `bounded: ${d.rects.length}`);
  for (const r of [{ x: 50, y: 50, w: 2, h: 2 }, { x: 90, y: 90, w: 2, h: 2 }, { x: 50, y: 90, w: 2, h: 2 }]) {
    assert.ok(d.rects.some((e) => containsRect(e, r)), `still covers ${JSON.stringify(r)}`);
  }
  d.add({ x: 10.4, y: 20.6, w: 1.2, h: 1 });
  assert.ok(d.rects.some((e) => containsRect(e, { x: 10, y: 20, w: 2, h: 2 })), 'fractional rects are grown to whole pixels');
});

test('changing one label damages only that label and repaints only widgets under it', () => {
  const { ui, clock, s, frames, display } = sample();
  assert.deepEqual(frames[0], [{ x: 0, y: 0, w: 800, h: 480 }], 'first frame is the whole screen');
  const clockRect = s.status.clock.bounds;
  const before = Buffer.from(display.rgba);
  s.status.setClock('09:42');
  clock.advance(100);
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[1], [clockRect]);
  // The status bar, the clock label and the widgets that overlap its rect are all that ran paint().
  assert.ok(ui.renderer.stats.painted <= 3, `painted ${ui.renderer.stats.painted} widgets`);
  // Pixels changed inside the clock rect only.
  let changedOutside = 0;
  let changedInside = 0;
  for (let y = 0; y < 480; y++) {
    for (let x = 0; x < 800; x++) {
      const i = (y * 800 + x) * 4;
      if (before[i] !== display.rgba[i] || before[i + 1] !== display.rgba[i + 1] || before[i + 2] !== display.rgba[i + 2]) {
        if (containsRect(clockRect, { x, y, w: 1, h: 1 })) changedInside++;
        else changedOutside++;
      }
    }
  }
  assert.equal(changedOutside, 0);
  assert.ok(changedInside > 0, 'the new digit was drawn');
});

test('nothing dirty: no frame, no paint, no timer pending', () => {
  const { ui, clock, frames, s } = sample();
  const paintedFrames = ui.renderer.stats.frames;
  clock.advance(5000);
  assert.equal(frames.length, 1);
  assert.equal(ui.renderer.stats.frames, paintedFrames);
  assert.deepEqual(ui.renderer.render(), [], 'an explicit render with nothing dirty does nothing');
  assert.equal(ui.scheduler.pending, false);
  assert.equal(clock.pending, 0, 'idle UI keeps no timers');
  // Setting the same text again is not a change.
  s.status.setClock('09:41');
  s.entry.value = '';
  assert.equal(ui.renderer.dirty, false);
});

test('moving a widget damages its old and new place', () => {
  const { clock, s, frames } = sample();
  const oldRect = s.entry.bounds;
  s.entry.layout({ height: 80 });
  clock.advance(100);
  const rects = frames.at(-1)!;
  assert.ok(rects.some((r) => containsRect(r, oldRect)));
  assert.ok(rects.some((r) => containsRect(r, s.entry.bounds)));
  assert.notDeepEqual(s.entry.bounds, oldRect);
});

test('a blinking lamp repaints only the lamp, twice a period, and stops when set steady', () => {
  const { clock, s, frames, ui } = sample();
  const key = s.lineKeys.key(3)!;
  key.setLamp('blink');
  clock.advance(0);
  const start = frames.length;
  clock.advance(2000);
  // 1 s period: 4 flips in 2 s (the first flip may coincide with the start frame).
  const blinkFrames = frames.slice(start);
  assert.ok(blinkFrames.length >= 3 && blinkFrames.length <= 5, `${blinkFrames.length} frames`);
  for (const rects of blinkFrames) {
    assert.equal(rects.length, 1);
    const r = rects[0]!;
    assert.ok(containsRect(key.bounds, r) && r.w <= 14 && r.h <= 14, `lamp-sized damage: ${JSON.stringify(r)}`);
  }
  key.setLamp('off');
  clock.advance(100);
  const after = frames.length;
  clock.advance(3000);
  assert.equal(frames.length, after, 'no more frames once steady');
  assert.equal(ui.renderer.nextFrameDelay(), undefined);
});

test('a continuous animation is capped at the frame rate', () => {
  const clock = new FakeClock();
  let frames = 0;
  let phases = 0;
  const anim = pulse(1000, () => phases++);
  let now = 0;
  const sched = new FrameScheduler({
    clock,
    fps: 30,
    frame: () => {
      frames++;
      return anim.step((now = clock.now()));
    },
  });
  sched.request();
  clock.advance(1000);
  assert.ok(frames >= 29 && frames <= 31, `${frames} frames in 1 s at 30 fps`);
  assert.equal(phases, frames);
  assert.ok(now > 0);
  sched.stop();
  const stopped = frames;
  clock.advance(1000);
  assert.equal(frames, stopped);
  assert.throws(() => new FrameScheduler({ clock, fps: 0, frame: () => undefined }), /fps/);
});

test('blink phase comes from the clock: late steps do not drift and only flips call apply', () => {
  const flips: boolean[] = [];
  const b = blink(1000, (on) => flips.push(on));
  assert.equal(b.step(0), 500);
  assert.equal(b.step(100), 400);
  assert.equal(b.step(730), 270);
  assert.equal(b.step(1999), 1);
  assert.deepEqual(flips, [true, false]);
  assert.throws(() => blink(0, () => undefined), /period/);
});

test('theme switch repaints the whole screen', () => {
  const { ui, clock, frames } = sample();
  ui.theme = darkTheme;
  clock.advance(100);
  assert.deepEqual(frames.at(-1), [{ x: 0, y: 0, w: 800, h: 480 }]);
});
