/**
 * Linux framebuffer output (/dev/fb0). The UI renders in its logical orientation; the panel may be mounted
 * rotated (0/90/180/270° clockwise) and use RGB565 or XRGB8888 with a row stride wider than the visible
 * width. A flush converts and writes only the panel rows covered by damage, one positioned write per row
 * (or one write for a run of whole rows), so a clock tick writes a few kilobytes, not the whole screen.
 */
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';
import type { Rect } from '../core/rect.js';
import { type Display, type PixelReader, type RgbaBlock, checkRect } from './display.js';

export type PixelFormat = 'rgb565' | 'xrgb8888';
export type Rotation = 0 | 90 | 180 | 270;

export interface FbdevOptions {
  /** Device path (/dev/fb0), or a regular file in tests. */
  path: string;
  /** Panel size in its native orientation (as `fbset` reports it). */
  panelWidth: number;
  panelHeight: number;
  format: PixelFormat;
  /** Bytes per panel row (`line_length`); default panelWidth × bytes per pixel. */
  stride?: number;
  /** How the logical image is turned onto the panel, clockwise; default 0. */
  rotation?: Rotation;
}

const BYTES_PER_PIXEL: Record<PixelFormat, number> = { rgb565: 2, xrgb8888: 4 };

/** Checks options and returns the normalized layout; every error names the option. */
export function fbdevLayout(o: Omit<FbdevOptions, 'path'>): Required<Omit<FbdevOptions, 'path'>> & { bpp: number } {
  if (!(Number.isInteger(o.panelWidth) && o.panelWidth > 0 && Number.isInteger(o.panelHeight) && o.panelHeight > 0)) {
    throw new RangeError(`fbdev panel size must be positive whole pixels, got ${o.panelWidth}x${o.panelHeight}`);
  }
  if (!(o.format in BYTES_PER_PIXEL)) throw new RangeError(`fbdev format must be rgb565 or xrgb8888, got ${String(o.format)}`);
  const bpp = BYTES_PER_PIXEL[o.format];
  const stride = o.stride ?? o.panelWidth * bpp;
  if (!(Number.isInteger(stride) && stride >= o.panelWidth * bpp)) {
    throw new RangeError(`fbdev stride ${stride} is smaller than a row (${o.panelWidth} × ${bpp} bytes)`);
  }
  const rotation = o.rotation ?? 0;
  if (![0, 90, 180, 270].includes(rotation)) throw new RangeError(`fbdev rotation must be 0, 90, 180 or 270, got ${String(rotation)}`);
  return { panelWidth: o.panelWidth, panelHeight: o.panelHeight, format: o.format, stride, rotation, bpp };
}

export class FbdevDisplay implements Display {
  readonly width: number;
  readonly height: number;
  readonly layout: ReturnType<typeof fbdevLayout>;
  /** Bytes written so far (bench, tests: proves partial flushes stay partial). */
  bytesWritten = 0;
  #fd: number | undefined;

  constructor(opts: FbdevOptions) {
    this.layout = fbdevLayout(opts);
    // Pixel conversion reads RGBA through 32-bit views (see u32View); every supported board is little-endian.
    if (endianness() !== 'LE') throw new Error('fbdev display needs a little-endian CPU');
    const turned = this.layout.rotation === 90 || this.layout.rotation === 270;
    this.width = turned ? this.layout.panelHeight : this.layout.panelWidth;
    this.height = turned ? this.layout.panelWidth : this.layout.panelHeight;
    try {
      this.#fd = openSync(opts.path, 'r+');
    } catch (err) {
      throw new Error(`cannot open framebuffer ${opts.path}: ${(err as Error).message}`);
    }
  }

  flush(rects: readonly Rect[], pixels: PixelReader): void {
    if (this.#fd === undefined) return;
    for (const r of rects) {
      checkRect(r, this.width, this.height);
      this.#writeRect(r, pixels.read(r));
    }
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }

  /** Panel rectangle covered by a logical rectangle. */
  panelRect(r: Rect): Rect {
    const { panelWidth: PW, panelHeight: PH, rotation } = this.layout;
    switch (rotation) {
      case 0:
        return r;
      case 90:
        return { x: PW - r.y - r.h, y: r.x, w: r.h, h: r.w };
      case 180:
        return { x: PW - r.x - r.w, y: PH - r.y - r.h, w: r.w, h: r.h };
      case 270:
        return { x: r.y, y: PH - r.x - r.w, w: r.h, h: r.w };
    }
  }

  #writeRect(r: Rect, block: RgbaBlock): void {
    const { bpp, stride, format } = this.layout;
    const p = this.panelRect(r);
    const rowBytes = p.w * bpp;
    // Whole pixels through 32-bit views: a full 800×480 conversion is a few ms on a Pi-class core.
    const src = u32View(block.data);
    const backing = new ArrayBuffer(rowBytes * p.h);
    const out16 = format === 'rgb565' ? new Uint16Array(backing) : undefined;
    const out32 = format === 'xrgb8888' ? new Uint32Array(backing) : undefined;
    // Walking a panel row is a straight line through the logical block: start index and step per pixel.
    const [dx, dy] = this.#logicalStep();
    const step = dy * r.w + dx;
    for (let py = 0; py < p.h; py++) {
      const [lx, ly] = this.#toLogical(p.x, p.y + py);
      let i = (ly - r.y) * r.w + (lx - r.x);
      let o = py * p.w;
      const end = o + p.w;
      if (out16) {
        for (; o < end; o++, i += step) {
          const v = src[i]!; // little-endian RGBA: R is the low byte
          out16[o] = ((v & 0xf8) << 8) | ((v & 0xfc00) >>> 5) | ((v >>> 19) & 0x1f);
        }
      } else {
        for (; o < end; o++, i += step) {
          const v = src[i]!;
          out32![o] = (0xff000000 | ((v & 0xff) << 16) | (v & 0xff00) | ((v >>> 16) & 0xff)) >>> 0;
        }
      }
    }
    const out = Buffer.from(backing);
    const fd = this.#fd!;
    if (rowBytes === stride) {
      // Whole panel rows are contiguous in the device: one write.
      this.bytesWritten += writeSync(fd, out, 0, out.length, p.y * stride);
    } else {
      for (let py = 0; py < p.h; py++) {
        this.bytesWritten += writeSync(fd, out, py * rowBytes, rowBytes, (p.y + py) * stride + p.x * bpp);
      }
    }
  }

  /** Logical (dx, dy) for one step right along a panel row. */
  #logicalStep(): [number, number] {
    switch (this.layout.rotation) {
      case 0:
        return [1, 0];
      case 90:
        return [0, -1];
      case 180:
        return [-1, 0];
      case 270:
        return [0, 1];
    }
  }

  #toLogical(px: number, py: number): [number, number] {
    const { panelWidth: PW, panelHeight: PH, rotation } = this.layout;
    switch (rotation) {
      case 0:
        return [px, py];
      case 90:
        return [py, PW - 1 - px];
      case 180:
        return [PW - 1 - px, PH - 1 - py];
      case 270:
        return [PH - 1 - py, px];
    }
  }
}

/** A Uint32Array over RGBA bytes (copied when the bytes are not 4-aligned). Assumes a little-endian CPU. */
function u32View(data: Uint8Array | Uint8ClampedArray): Uint32Array {
  if (data.byteOffset % 4 === 0) return new Uint32Array(data.buffer, data.byteOffset, data.byteLength >>> 2);
  return new Uint32Array(Uint8Array.from(data).buffer);
}

export function rgb565(r: number, g: number, b: number): number {
  return ((r >> 3) << 11) | ((g >> 2) << 5) | (b >> 3);
}

/** Expands RGB565 to 8-bit channels the way panels show it (high bits replicated into the low ones). */
export function expandRgb565(v: number): [number, number, number] {
  const r = (v >> 11) & 0x1f;
  const g = (v >> 5) & 0x3f;
  const b = v & 0x1f;
  return [(r << 3) | (r >> 2), (g << 2) | (g >> 4), (b << 3) | (b >> 2)];
}

/**
 * Reads a framebuffer image back into logical RGBA (simulator mirror of a file-backed framebuffer, tests).
 * A file shorter than the panel reads as black where it ends.
 */
export function readFramebuffer(path: string, opts: Omit<FbdevOptions, 'path'>): RgbaBlock {
  const l = fbdevLayout(opts);
  const buf = readFileSync(path);
  const turned = l.rotation === 90 || l.rotation === 270;
  const width = turned ? l.panelHeight : l.panelWidth;
  const height = turned ? l.panelWidth : l.panelHeight;
  const data = new Uint8Array(width * height * 4);
  for (let py = 0; py < l.panelHeight; py++) {
    for (let px = 0; px < l.panelWidth; px++) {
      const off = py * l.stride + px * l.bpp;
      let rgb: [number, number, number] = [0, 0, 0];
      if (off + l.bpp <= buf.length) rgb = l.format === 'rgb565' ? expandRgb565(buf.readUInt16LE(off)) : [buf[off + 2]!, buf[off + 1]!, buf[off]!];
      const [lx, ly] =
        l.rotation === 0 ? [px, py] : l.rotation === 90 ? [py, l.panelWidth - 1 - px] : l.rotation === 180 ? [l.panelWidth - 1 - px, l.panelHeight - 1 - py] : [l.panelHeight - 1 - py, px];
      const i = (ly * width + lx) * 4;
      data[i] = rgb[0];
      data[i + 1] = rgb[1];
      data[i + 2] = rgb[2];
      data[i + 3] = 255;
    }
  }
  return { width, height, data };
}
