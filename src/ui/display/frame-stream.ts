/**
 * A display for the simulator: each flush becomes a Frame of damaged rectangles (PNG or raw RGBA) handed to
 * subscribers, later a WebSocket to the browser. `keyframe()` gives a whole-screen frame for a client that
 * joins late. `encodeFrame`/`decodeFrame` define the binary message:
 *   "SDF1" | u32 seq | u16 width | u16 height | u16 count | count × (u16 x, y, w, h | u8 encoding | u32 length | bytes)
 * all little-endian; encoding 0 = RGBA (w × h × 4 bytes), 1 = PNG.
 */
import type { Rect } from '../core/rect.js';
import { type Display, type PixelReader, checkRect } from './display.js';
import { encodePng } from './png-display.js';

export type FrameEncoding = 'rgba' | 'png';

export interface FrameRect extends Rect {
  readonly encoding: FrameEncoding;
  readonly data: Buffer;
}

export interface Frame {
  readonly seq: number;
  readonly width: number;
  readonly height: number;
  readonly rects: readonly FrameRect[];
}

export class FrameStream implements Display {
  readonly width: number;
  readonly height: number;
  readonly encoding: FrameEncoding;
  #seq = 0;
  readonly #subscribers = new Set<(frame: Frame) => void>();
  // A copy of the screen, for keyframes.
  readonly #screen: Uint8Array;

  constructor(width: number, height: number, opts: { encoding?: FrameEncoding } = {}) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0 && width < 65536 && height < 65536)) {
      throw new RangeError(`frame stream size must be 1…65535 whole pixels, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.encoding = opts.encoding ?? 'png';
    this.#screen = new Uint8Array(width * height * 4);
  }

  /** Receives every frame; returns the unsubscribe function. A subscriber that throws is dropped. */
  subscribe(fn: (frame: Frame) => void): () => void {
    this.#subscribers.add(fn);
    return () => this.#subscribers.delete(fn);
  }

  flush(rects: readonly Rect[], pixels: PixelReader): void {
    const out: FrameRect[] = [];
    // Nobody watching (a headless phone on the sim board): keep the screen for keyframes, encode nothing.
    const watched = this.#subscribers.size > 0;
    for (const r of rects) {
      checkRect(r, this.width, this.height);
      const block = pixels.read(r);
      for (let y = 0; y < r.h; y++) {
        this.#screen.set(block.data.subarray(y * r.w * 4, (y + 1) * r.w * 4), ((r.y + y) * this.width + r.x) * 4);
      }
      if (watched) out.push(this.#encode(r, Buffer.from(block.data.buffer, block.data.byteOffset, block.data.byteLength)));
    }
    ++this.#seq;
    if (!watched) return;
    const frame: Frame = { seq: this.#seq, width: this.width, height: this.height, rects: out };
    for (const fn of [...this.#subscribers]) {
      try {
        fn(frame);
      } catch {
        // A broken client (closed socket) must not stop the phone's screen.
        this.#subscribers.delete(fn);
      }
    }
  }

  /** The whole current screen as one frame (same seq as the last frame). */
  keyframe(): Frame {
    const r: Rect = { x: 0, y: 0, w: this.width, h: this.height };
    return { seq: this.#seq, width: this.width, height: this.height, rects: [this.#encode(r, Buffer.from(this.#screen))] };
  }

  #encode(r: Rect, rgba: Buffer): FrameRect {
    const data = this.encoding === 'png' ? encodePng({ width: r.w, height: r.h, data: rgba }) : Buffer.from(rgba);
    return { x: r.x, y: r.y, w: r.w, h: r.h, encoding: this.encoding, data };
  }
}

const MAGIC = 'SDF1';

export function encodeFrame(frame: Frame): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(14);
  head.write(MAGIC, 0, 'ascii');
  head.writeUInt32LE(frame.seq >>> 0, 4);
  head.writeUInt16LE(frame.width, 8);
  head.writeUInt16LE(frame.height, 10);
  head.writeUInt16LE(frame.rects.length, 12);
  parts.push(head);
  for (const r of frame.rects) {
    const h = Buffer.alloc(13);
    h.writeUInt16LE(r.x, 0);
    h.writeUInt16LE(r.y, 2);
    h.writeUInt16LE(r.w, 4);
    h.writeUInt16LE(r.h, 6);
    h.writeUInt8(r.encoding === 'png' ? 1 : 0, 8);
    h.writeUInt32LE(r.data.length, 9);
    parts.push(h, r.data);
  }
  return Buffer.concat(parts);
}

/** Parses a frame message; a truncated or inconsistent message throws an Error saying what is wrong. */
export function decodeFrame(buf: Buffer): Frame {
  const need = (off: number, n: number, what: string): void => {
    if (off + n > buf.length) throw new Error(`frame message truncated in ${what} (need ${off + n} bytes, have ${buf.length})`);
  };
  need(0, 14, 'header');
  if (buf.toString('ascii', 0, 4) !== MAGIC) throw new Error('not a frame message (bad magic)');
  const seq = buf.readUInt32LE(4);
  const width = buf.readUInt16LE(8);
  const height = buf.readUInt16LE(10);
  const count = buf.readUInt16LE(12);
  const rects: FrameRect[] = [];
  let off = 14;
  for (let k = 0; k < count; k++) {
    need(off, 13, `rect ${k} header`);
    const x = buf.readUInt16LE(off);
    const y = buf.readUInt16LE(off + 2);
    const w = buf.readUInt16LE(off + 4);
    const h = buf.readUInt16LE(off + 6);
    const enc = buf.readUInt8(off + 8);
    const len = buf.readUInt32LE(off + 9);
    off += 13;
    if (enc > 1) throw new Error(`rect ${k}: unknown encoding ${enc}`);
    if (w === 0 || h === 0 || x + w > width || y + h > height) throw new Error(`rect ${k} (${x},${y} ${w}x${h}) is outside ${width}x${height}`);
    if (enc === 0 && len !== w * h * 4) throw new Error(`rect ${k}: RGBA length ${len} is not ${w}×${h}×4`);
    need(off, len, `rect ${k} data`);
    rects.push({ x, y, w, h, encoding: enc === 1 ? 'png' : 'rgba', data: buf.subarray(off, off + len) });
    off += len;
  }
  if (off !== buf.length) throw new Error(`frame message has ${buf.length - off} trailing bytes`);
  return { seq, width, height, rects };
}
