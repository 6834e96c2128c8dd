/**
 * Fonts and text measuring. The UI uses the fonts present on the system (DejaVu on Debian and Raspberry Pi
 * OS); a font for scripts DejaVu lacks (Korean: Noto Sans CJK KR or Nanum Gothic) is added later with
 * `addFallbackFont`, which puts its family in the fallback chain every widget's CSS font string uses, so
 * Hangul then renders without touching a widget.
 */
import { existsSync } from 'node:fs';
import { GlobalFonts, createCanvas, type SKRSContext2D } from '@napi-rs/canvas';

const PRIMARY_FAMILY = 'DejaVu Sans';
const SYSTEM_FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/truetype', '/usr/share/fonts'];

const fallbackFamilies: string[] = [];
let systemFontsLoaded = false;
let familyChain = `"${PRIMARY_FAMILY}", sans-serif`;

/**
 * Makes sure the system fonts are known to Skia. Skia usually finds them through fontconfig already; loading
 * the DejaVu folder explicitly covers minimal images whose fontconfig cache is missing. Returns whether the
 * primary family is available (text still renders with Skia's default typeface when it is not).
 */
export function ensureSystemFonts(): boolean {
  if (!systemFontsLoaded) {
    systemFontsLoaded = true;
    if (!GlobalFonts.has(PRIMARY_FAMILY)) {
      for (const dir of SYSTEM_FONT_DIRS) if (existsSync(dir)) GlobalFonts.loadFontsFromDir(dir);
    }
  }
  return GlobalFonts.has(PRIMARY_FAMILY);
}

/**
 * The hook for extra scripts (Korean first): registers a font file under `family` and appends the family
 * to the fallback chain. Returns false, and changes nothing, when the file cannot be loaded.
 */
export function addFallbackFont(path: string, family: string): boolean {
  if (!existsSync(path)) return false;
  if (GlobalFonts.registerFromPath(path, family) === null) return false;
  if (!fallbackFamilies.includes(family)) fallbackFamilies.push(family);
  familyChain = [PRIMARY_FAMILY, ...fallbackFamilies].map((f) => `"${f}"`).join(', ') + ', sans-serif';
  measureCache.clear();
  return true;
}

/** The CSS font shorthand for a size and weight, with the fallback chain. */
export function fontFor(size: number, weight: 'normal' | 'bold' = 'normal'): string {
  return `${weight === 'bold' ? 'bold ' : ''}${size}px ${familyChain}`;
}

// One scratch context for measuring: widgets measure during layout, before anything is drawn.
let scratch: SKRSContext2D | undefined;
function measureContext(): SKRSContext2D {
  if (!scratch) {
    ensureSystemFonts();
    scratch = createCanvas(1, 1).getContext('2d');
  }
  return scratch;
}

// Labels are re-measured on every layout pass; the cache keeps that cheap. Bounded, cleared when full.
const MEASURE_CACHE_LIMIT = 2048;
const measureCache = new Map<string, number>();

export function measureTextWidth(text: string, font: string): number {
  const key = `${font}\u0000${text}`;
  const hit = measureCache.get(key);
  if (hit !== undefined) return hit;
  const ctx = measureContext();
  ctx.font = font;
  const w = ctx.measureText(text).width;
  if (measureCache.size >= MEASURE_CACHE_LIMIT) measureCache.clear();
  measureCache.set(key, w);
  return w;
}

/** Line height used for layout: a fixed ratio of the font size, so layout does not depend on glyphs. */
export function lineHeight(fontSize: number): number {
  return Math.ceil(fontSize * 1.25);
}

const ELLIPSIS = '…';

/**
 * Shortens text to fit maxWidth with a trailing ellipsis (`from: 'start'` keeps the end instead: a long dialed
 * number shows its last digits). Binary search on the number of kept code points.
 */
export function ellipsize(text: string, maxWidth: number, font: string, from: 'end' | 'start' = 'end'): string {
  if (measureTextWidth(text, font) <= maxWidth) return text;
  if (measureTextWidth(ELLIPSIS, font) > maxWidth) return '';
  const chars = Array.from(text);
  const build = (n: number): string =>
    from === 'end' ? chars.slice(0, n).join('') + ELLIPSIS : ELLIPSIS + chars.slice(chars.length - n).join('');
  let lo = 0;
  let hi = chars.length - 1;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (measureTextWidth(build(mid), font) <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return build(lo);
}
