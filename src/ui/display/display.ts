/**
 * The seam between the renderer and a screen: the renderer hands each frame's damaged rectangles and a way
 * to read their pixels; a display copies just those (a framebuffer, a PNG snapshot, a simulator stream).
 */
import type { Rect } from '../core/rect.js';

/** Straight (non-premultiplied) RGBA, 4 bytes a pixel, rows of `width * 4` bytes. */
export interface RgbaBlock {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array | Uint8ClampedArray;
}

/** Reads pixels of the rendered frame. Reading only damaged rects keeps a clock tick cheap. */
export interface PixelReader {
  readonly width: number;
  readonly height: number;
  read(rect: Rect): RgbaBlock;
}

export interface Display {
  /** Logical size the UI lays out for (after rotation). */
  readonly width: number;
  readonly height: number;
  /** Shows the damaged rectangles of a new frame. */
  flush(rects: readonly Rect[], pixels: PixelReader): void;
  /** Releases the device; further flushes are ignored. */
  close?(): void;
}

/** Validates a rect against a size (whole pixels, inside), so drivers never index outside their buffers. */
export function checkRect(r: Rect, width: number, height: number): void {
  const ok = [r.x, r.y, r.w, r.h].every(Number.isInteger) && r.x >= 0 && r.y >= 0 && r.w > 0 && r.h > 0 && r.x + r.w <= width && r.y + r.h <= height;
  if (!ok) throw new RangeError(`rect ${JSON.stringify(r)} is not inside ${width}x${height}`);
}
