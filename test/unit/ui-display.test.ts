// Display drivers: fbdev (RGB565 / XRGB8888, stride, rotation, damaged rows only) against a regular file,
// read back and compared with the PNG snapshot's pixels; the simulator frame stream and its wire format.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeClock } from '../../src/phone/clock.js';
import type { Rect } from '../../src/ui/core/rect.js';
import { Ui } from '../../src/ui/core/ui.js';
import type { Display, PixelReader } from '../../src/ui/display/display.js';
import { FbdevDisplay, type FbdevOptions, expandRgb565, readFramebuffer, rgb565 } from '../../src/ui/display/fbdev-display.js';
import { type Frame, FrameStream, decodeFrame, encodeFrame } from '../../src/ui/display/frame-stream.js';
import { PngDisplay, decodePng } from '../../src/ui/display/png-display.js';
import { buildSampleScreen } from '../../src/ui/sample-screen.js';

/** Sends every frame to several displays of the same logical size. */
class Tee implements Display {
  constructor(readonly width: number, readonly height: number, readonly outputs: Display[]) {}
  flush(rects: readonly Rect[], pixels: PixelReader): void {
    for (const d of this.outputs) d.flush(rects, pixels);
  }
}

function tempFile(bytes: number): { path: string; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-fb-'));
  const path = join(dir, 'fb0');
  writeFileSync(path, Buffer.alloc(bytes));
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

const CASES: { name: string; opts: Omit<FbdevOptions, 'path'> }[] = [
  { name: 'XRGB8888, rotation 0, padded stride', opts: { panelWidth: 800, panelHeight: 480, format: 'xrgb8888', stride: 800 * 4 + 64 } },
  { name: 'RGB565, rotation 0', opts: { panelWidth: 800, panelHeight: 480, format: 'rgb565' } },
  { name: 'RGB565, rotation 90 (480x800 panel)', opts: { panelWidth: 480, panelHeight: 800, format: 'rgb565', rotation: 90 } },
  { name: 'XRGB8888, rotation 270 (480x800 panel)', opts: { panelWidth: 480, panelHeight: 800, format: 'xrgb8888', rotation: 270 } },
  { name: 'XRGB8888, rotation 180', opts: { panelWidth: 800, panelHeight: 480, format: 'xrgb8888', rotation: 180 } },
];

for (const c of CASES) {
  test(`fbdev ${c.name}: read back equals the snapshot, partial frames write only damaged rows`, () => {
    const bpp = c.opts.format === 'rgb565' ? 2 : 4;
    const stride = c.opts.stride ?? c.opts.panelWidth * bpp;
    const file = tempFile(stride * c.opts.panelHeight);
    try {
      const fb = new FbdevDisplay({ ...c.opts, path: file.path });
      assert.equal(fb.width, 800);
      assert.equal(fb.height, 480);
      const png = new PngDisplay(800, 480);
      const clock = new FakeClock();
      const ui = new Ui({ display: new Tee(800, 480, [fb, png]), clock });
      const s = buildSampleScreen(ui.screen);
      clock.advance(0);
      const full = fb.bytesWritten;
      assert.equal(full, 800 * 480 * bpp);
      s.status.setClock('09:42');
      clock.advance(100);
      const clockRect = s.status.clock.bounds;
      assert.equal(fb.bytesWritten - full, clockRect.w * clockRect.h * bpp, 'a clock tick writes the clock rect only');
      assert.equal(statSync(file.path).size, stride * c.opts.panelHeight, 'nothing written past the framebuffer');

      const back = readFramebuffer(file.path, c.opts);
      let worst = 0;
      for (let i = 0; i < back.data.length; i += 4) {
        for (let k = 0; k < 3; k++) {
          let want = png.rgba[i + k]!;
          if (c.opts.format === 'rgb565') {
            const q = expandRgb565(rgb565(png.rgba[i]!, png.rgba[i + 1]!, png.rgba[i + 2]!));
            want = q[k]!;
          }
          worst = Math.max(worst, Math.abs(back.data[i + k]! - want));
        }
      }
      assert.equal(worst, 0, 'every pixel equals the snapshot (RGB565: after the same quantization)');
      // Orientation sanity: the status bar (logical top) must be where the rotation puts it on the panel.
      const raw = readFileSync(file.path);
      const statusColor = [png.rgba[0]!, png.rgba[1]!, png.rgba[2]!];
      const panelPixel = (px: number, py: number): number[] => {
        const off = py * stride + px * bpp;
        return c.opts.format === 'rgb565' ? expandRgb565(raw.readUInt16LE(off)) : [raw[off + 2]!, raw[off + 1]!, raw[off]!];
      };
      const rot = c.opts.rotation ?? 0;
      const [px, py] = rot === 0 ? [0, 0] : rot === 90 ? [c.opts.panelWidth - 1, 0] : rot === 180 ? [799, 479] : [0, c.opts.panelHeight - 1];
      const expected = c.opts.format === 'rgb565' ? expandRgb565(rgb565(statusColor[0]!, statusColor[1]!, statusColor[2]!)) : statusColor;
      assert.deepEqual(panelPixel(px, py), expected);
      fb.close();
      fb.flush([{ x: 0, y: 0, w: 1, h: 1 }], ui.renderer.pixels);
    } finally {
      file.done();
    }
  });
}

test('fbdev: bad options and unopenable devices give clear errors', () => {
  const base = { path: '/nonexistent/fb0', panelWidth: 800, panelHeight: 480, format: 'rgb565' as const };
  assert.throws(() => new FbdevDisplay({ ...base, stride: 100 }), /stride 100 is smaller/);
  assert.throws(() => new FbdevDisplay({ ...base, rotation: 45 as 90 }), /rotation must be/);
  assert.throws(() => new FbdevDisplay({ ...base, format: 'bgr24' as 'rgb565' }), /format must be/);
  assert.throws(() => new FbdevDisplay({ ...base, panelWidth: 0 }), /panel size/);
  assert.throws(() => new FbdevDisplay(base), /cannot open framebuffer \/nonexistent\/fb0/);
  const file = tempFile(800 * 480 * 2);
  try {
    const fb = new FbdevDisplay({ ...base, path: file.path });
    const reader: PixelReader = { width: 800, height: 480, read: (r) => ({ width: r.w, height: r.h, data: new Uint8Array(r.w * r.h * 4) }) };
    assert.throws(() => fb.flush([{ x: 790, y: 0, w: 20, h: 5 }], reader), /not inside 800x480/);
    fb.close();
  } finally {
    file.done();
  }
});

test('frame stream: damaged rects as PNG frames, keyframe for late joiners, binary round trip', async () => {
  const stream = new FrameStream(800, 480);
  const frames: Frame[] = [];
  stream.subscribe((f) => frames.push(f));
  stream.subscribe(() => {
    throw new Error('client gone');
  });
  const clock = new FakeClock();
  const png = new PngDisplay(800, 480);
  const ui = new Ui({ display: new Tee(800, 480, [stream, png]), clock });
  const s = buildSampleScreen(ui.screen);
  clock.advance(0);
  s.status.setClock('10:00');
  clock.advance(100);
  assert.equal(frames.length, 2);
  const tick = frames[1]!;
  assert.equal(tick.seq, 2);
  assert.deepEqual(tick.rects.map(({ x, y, w, h }) => ({ x, y, w, h })), [s.status.clock.bounds]);
  const decoded = await decodePng(tick.rects[0]!.data);
  assert.equal(decoded.width, s.status.clock.bounds.w);
  const wire = decodeFrame(encodeFrame(tick));
  assert.equal(wire.seq, 2);
  assert.deepEqual(wire.rects[0]!.data, tick.rects[0]!.data);
  // The keyframe is the whole current screen and equals the snapshot.
  const key = stream.keyframe();
  const whole = await decodePng(key.rects[0]!.data);
  assert.deepEqual(Buffer.from(whole.data), Buffer.from(png.rgba));
});

test('frame stream: raw RGBA frames, and malformed messages are rejected with a reason', () => {
  const stream = new FrameStream(4, 2, { encoding: 'rgba' });
  let frame: Frame | undefined;
  stream.subscribe((f) => (frame = f));
  const pixels: PixelReader = { width: 4, height: 2, read: (r) => ({ width: r.w, height: r.h, data: new Uint8Array(r.w * r.h * 4).fill(200) }) };
  stream.flush([{ x: 1, y: 0, w: 2, h: 2 }], pixels);
  assert.ok(frame);
  assert.equal(frame.rects[0]!.data.length, 16);
  const msg = encodeFrame(frame);
  assert.deepEqual(decodeFrame(msg).rects[0]!.data, frame.rects[0]!.data);
  assert.throws(() => decodeFrame(msg.subarray(0, msg.length - 1)), /truncated in rect 0 data/);
  assert.throws(() => decodeFrame(Buffer.concat([msg, Buffer.from([0])])), /trailing bytes/);
  assert.throws(() => decodeFrame(Buffer.from('XXXX0000000000')), /bad magic/);
  const outside = Buffer.from(msg);
  outside.writeUInt16LE(3, 14); // x = 3, w = 2 on a 4-wide screen
  assert.throws(() => decodeFrame(outside), /outside 4x2/);
  assert.throws(() => decodeFrame(Buffer.alloc(3)), /truncated in header/);
});
