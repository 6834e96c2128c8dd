// Widget behaviour that screens rely on: toast timing, text-field limits, progress clamping, softkey and
// line-key wiring, status indicators, the font fallback hook, theme lookup.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FakeClock } from '../../src/phone/clock.js';
import { addFallbackFont, fontFor } from '../../src/ui/core/text.js';
import { highContrastTheme, themeByName } from '../../src/ui/core/theme.js';
import { Ui } from '../../src/ui/core/ui.js';
import { PngDisplay } from '../../src/ui/display/png-display.js';
import { LineKeyStrip } from '../../src/ui/widgets/line-key-strip.js';
import { ProgressBar } from '../../src/ui/widgets/progress-bar.js';
import { SoftkeyBar } from '../../src/ui/widgets/softkey-bar.js';
import { StatusBar } from '../../src/ui/widgets/status-bar.js';
import { TextField } from '../../src/ui/widgets/text-field.js';
import { Toast } from '../../src/ui/widgets/toast.js';

function setup(): { ui: Ui; clock: FakeClock; display: PngDisplay } {
  const clock = new FakeClock();
  const display = new PngDisplay(400, 240);
  const ui = new Ui({ display, clock });
  clock.advance(0);
  return { ui, clock, display };
}

test('a toast shows near the bottom, centred, and removes itself after its time', () => {
  const { ui, clock, display } = setup();
  const frames: number[] = [];
  ui.onFrame = () => frames.push(clock.now());
  const toast = new Toast('Call forwarded', { bottom: 20 });
  toast.show(ui.screen, 2000);
  clock.advance(100);
  const b = toast.children[0]!.bounds;
  assert.ok(b.w > 50 && Math.abs(b.x + b.w / 2 - 200) <= 1, `centred: ${JSON.stringify(b)}`);
  assert.equal(b.y + b.h, 240 - 20);
  const inside = display.pixel(b.x + 4, b.y + b.h / 2);
  assert.notDeepEqual(inside, display.pixel(5, 5), 'the bubble is painted');
  clock.advance(1800);
  assert.equal(toast.isShown, true);
  clock.advance(200);
  assert.equal(toast.isShown, false);
  clock.advance(100);
  assert.deepEqual(display.pixel(b.x + 4, b.y + b.h / 2), display.pixel(5, 5), 'its area is repainted as background');
});

test('text field: max length, control characters dropped, onChange only on change', () => {
  const changes: string[] = [];
  const f = new TextField({ maxLength: 5, onChange: (v) => changes.push(v) });
  f.insert('12\u0000\n34');
  assert.equal(f.value, '1234');
  f.insert('5678');
  assert.equal(f.value, '12345');
  f.insert('9');
  f.backspace();
  f.clear();
  assert.deepEqual(changes, ['1234', '12345', '1234', '']);
});

test('progress bar clamps and ignores NaN', () => {
  const p = new ProgressBar(2);
  assert.equal(p.value, 1);
  p.value = -1;
  assert.equal(p.value, 0);
  p.value = Number.NaN;
  assert.equal(p.value, 0);
  p.value = 0.25;
  assert.equal(p.value, 0.25);
});

test('softkeys and line keys map their physical codes; bad definitions are refused', () => {
  const pressed: string[] = [];
  const bar = new SoftkeyBar();
  bar.setKeys([{ label: 'Hold', onPress: () => pressed.push('hold') }, undefined, { label: 'End', onPress: () => pressed.push('end') }]);
  assert.equal(bar.handleSoftkey('soft1'), true);
  assert.equal(bar.handleSoftkey('soft2'), false);
  assert.equal(bar.handleSoftkey('soft3'), true);
  assert.equal(bar.handleSoftkey('soft9'), false);
  assert.equal(bar.handleSoftkey('line1'), false);
  assert.equal(bar.label(3), 'End');
  assert.throws(() => bar.setKeys(Array.from({ length: 5 }, () => undefined)), /at most 4 softkeys/);
  const strip = new LineKeyStrip(3, { onPress: (i) => pressed.push(`line${i}`) });
  assert.equal(strip.handleLineKey('line3'), true);
  assert.equal(strip.handleLineKey('line4'), false, 'a key this strip does not have');
  assert.deepEqual(pressed, ['hold', 'end', 'line3']);
  assert.throws(() => new LineKeyStrip(0), /line key count/);
});

test('status indicators show and hide; voicemail count is capped', () => {
  const { ui, clock } = setup();
  const bar = new StatusBar('alice');
  ui.screen.add(bar);
  bar.setIndicators({ voicemail: 250, dnd: true });
  clock.advance(100);
  const labels = bar.children.filter((c) => 'text' in c).map((c) => (c as unknown as { text: string }).text);
  assert.ok(labels.includes('99+'));
  const visibleIcons = bar.children.filter((c) => c.visible && c.role === 'icon').length;
  assert.equal(visibleIcons, 2, 'dnd and voicemail');
  bar.setIndicators({ voicemail: Number.NaN });
  clock.advance(100);
  assert.equal(bar.children.filter((c) => c.visible && c.role === 'icon').length, 0);
});

test('themes: lookup by name, unknown names listed; high contrast has a thicker focus ring', () => {
  assert.equal(themeByName('high-contrast'), highContrastTheme);
  assert.throws(() => themeByName('solarized'), /unknown theme "solarized".*light, dark, high-contrast/);
  assert.ok(highContrastTheme.focusWidth > themeByName('light').focusWidth);
});

test('font fallback hook: a missing file is refused, a real one joins the family chain', () => {
  assert.equal(addFallbackFont('/nonexistent/NotoSansKR.otf', 'Noto Sans KR'), false);
  assert.ok(!fontFor(16).includes('Noto Sans KR'));
  // Any installed font stands in for the Korean one here.
  assert.equal(addFallbackFont('/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf', 'Fallback Test'), true);
  assert.match(fontFor(16, 'bold'), /^bold 16px "DejaVu Sans", "Fallback Test", sans-serif$/);
});
