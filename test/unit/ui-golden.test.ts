// Golden images of the sample screen (light and dark). Compared with a tolerance, so a Skia or font
// hinting update does not fail the build while a wrong color, layout or missing widget does.
// Regenerate after an intended visual change: UPDATE_GOLDEN=1 node --test dist/test/unit/ui-golden.test.js
import { test } from 'node:test';
import { GOLDEN_UI_DIR, assertMatchesGolden, differentFraction } from '../harness/golden.js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../src/phone/clock.js';
import { type Theme, darkTheme, lightTheme } from '../../src/ui/core/theme.js';
import { Ui } from '../../src/ui/core/ui.js';
import { PngDisplay, decodePng } from '../../src/ui/display/png-display.js';
import { buildSampleScreen } from '../../src/ui/sample-screen.js';

// dist/test/unit → repository root.
const GOLDEN_DIR = GOLDEN_UI_DIR;

function renderSample(theme: Theme): PngDisplay {
  const display = new PngDisplay(800, 480);
  const ui = new Ui({ display, clock: new FakeClock(), theme });
  const s = buildSampleScreen(ui.screen);
  s.contacts.focus();
  s.contacts.select(1);
  s.entry.value = '+82 2 555 0100';
  ui.renderNow();
  return display;
}


for (const theme of [lightTheme, darkTheme]) {
  test(`sample screen matches its golden image (${theme.name})`, async () => {
    const display = renderSample(theme);
    const path = join(GOLDEN_DIR, `sample-${theme.name}.png`);
    await assertMatchesGolden(path, display);
  });
}

test('the comparison catches a real change (a different theme is far off the light golden)', async () => {
  const path = join(GOLDEN_DIR, 'sample-light.png');
  if (!existsSync(path)) return;
  const golden = await decodePng(readFileSync(path));
  const dark = renderSample(darkTheme);
  assert.ok(differentFraction(golden.data, dark.rgba) > 0.5);
  // And a one-widget change: the entry text differs.
  const display = new PngDisplay(800, 480);
  const ui = new Ui({ display, clock: new FakeClock() });
  const s = buildSampleScreen(ui.screen);
  s.contacts.focus();
  s.contacts.select(1);
  s.entry.value = '+82 2 555 0199 77';
  ui.renderNow();
  const f = differentFraction(golden.data, display.rgba);
  assert.ok(f > 0.0003, `a changed number must show up (${f})`);
});

test('a PNG snapshot round-trips through encode and decode', async () => {
  const display = renderSample(lightTheme);
  const decoded = await decodePng(display.toPng());
  assert.equal(differentFraction(decoded.data, display.rgba), 0);
});
