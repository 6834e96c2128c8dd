// Golden-image comparison for the UI tests: one tolerance, one update workflow (UPDATE_GOLDEN=1 writes the
// images, which are then reviewed by eye before they are committed).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodePng, type PngDisplay } from '../../src/ui/display/png-display.js';

/** test/golden/ui (dist/test/harness → the source tree). */
export const GOLDEN_UI_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'test', 'golden', 'ui');
/** A channel may differ this much (font hinting, Skia versions) before the pixel counts as different. */
export const CHANNEL_TOLERANCE = 24;
/** At most this fraction of pixels may differ from the golden. */
export const MAX_DIFFERENT_FRACTION = 0.003;

/** Fraction of pixels whose R, G or B differs by more than the tolerance. */
export function differentFraction(a: Uint8Array | Uint8ClampedArray, b: Uint8Array | Uint8ClampedArray): number {
  let diff = 0;
  for (let i = 0; i < a.length; i += 4) {
    if (Math.abs(a[i]! - b[i]!) > CHANNEL_TOLERANCE || Math.abs(a[i + 1]! - b[i + 1]!) > CHANNEL_TOLERANCE || Math.abs(a[i + 2]! - b[i + 2]!) > CHANNEL_TOLERANCE) diff++;
  }
  return diff / (a.length / 4);
}

/** The display's pixels match the 800×480 golden at `path` (or, with UPDATE_GOLDEN=1, become it). */
export async function assertMatchesGolden(path: string, display: PngDisplay): Promise<void> {
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, display.toPng());
    return;
  }
  assert.ok(existsSync(path), `golden ${path} is missing: run with UPDATE_GOLDEN=1 once and review the image`);
  const golden = await decodePng(readFileSync(path));
  assert.equal(golden.width, 800);
  assert.equal(golden.height, 480);
  const fraction = differentFraction(golden.data, display.rgba);
  assert.ok(fraction <= MAX_DIFFERENT_FRACTION, `${(fraction * 100).toFixed(2)} % of pixels differ from ${path}`);
}
