/**
 * The page's reader of screen frames (the browser twin of decodeFrame in src/ui/display/frame-stream.ts,
 * on ArrayBuffer instead of Buffer):
 *   "SDF1" | u32 seq | u16 width | u16 height | u16 count | count × (u16 x, y, w, h | u8 encoding | u32 length | bytes)
 * little-endian; encoding 0 = RGBA, 1 = PNG.
 */

export interface PageFrameRect {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly encoding: 'rgba' | 'png';
  readonly data: Uint8Array;
}

export interface PageFrame {
  readonly seq: number;
  readonly width: number;
  readonly height: number;
  readonly rects: readonly PageFrameRect[];
}

/** Throws an Error saying what is wrong with a malformed message (the page logs it and skips the frame). */
export function readFrame(buffer: ArrayBuffer): PageFrame {
  const view = new DataView(buffer);
  const bytes = new Uint8Array(buffer);
  if (buffer.byteLength < 14 || String.fromCharCode(...bytes.subarray(0, 4)) !== 'SDF1') throw new Error('not a frame message');
  const width = view.getUint16(8, true);
  const height = view.getUint16(10, true);
  const count = view.getUint16(12, true);
  const rects: PageFrameRect[] = [];
  let off = 14;
  for (let k = 0; k < count; k++) {
    if (off + 13 > buffer.byteLength) throw new Error(`frame truncated in rect ${k}`);
    const x = view.getUint16(off, true);
    const y = view.getUint16(off + 2, true);
    const w = view.getUint16(off + 4, true);
    const h = view.getUint16(off + 6, true);
    const encoding = view.getUint8(off + 8) === 1 ? 'png' : 'rgba';
    const length = view.getUint32(off + 9, true);
    off += 13;
    if (off + length > buffer.byteLength) throw new Error(`frame truncated in rect ${k} data`);
    if (x + w > width || y + h > height) throw new Error(`rect ${k} lies outside the ${width}x${height} screen`);
    if (encoding === 'rgba' && length !== w * h * 4) throw new Error(`rect ${k}: RGBA length ${length} is not ${w}×${h}×4`);
    rects.push({ x, y, w, h, encoding, data: bytes.subarray(off, off + length) });
    off += length;
  }
  return { seq: view.getUint32(4, true), width, height, rects };
}
