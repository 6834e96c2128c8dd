/**
 * A display that keeps the last frame in memory and can write it as PNG: golden-image tests, bug reports,
 * the API's screenshot endpoint. Only damaged rects are copied on flush, like a real panel.
 */
import { writeFileSync } from 'node:fs';
import { ImageData, createCanvas, loadImage } from '@napi-rs/canvas';
import type { Rect } from '../core/rect.js';
import { type Display, type PixelReader, type RgbaBlock, checkRect } from './display.js';

export class PngDisplay implements Display {
  readonly width: number;
  readonly height: number;
  /** The current picture, straight RGBA. */
  readonly rgba: Uint8ClampedArray;
  flushes = 0;

  constructor(width: number, height: number) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`display size must be positive whole pixels, got ${width}x${height}`);
    }
    this.width = width;
    this.height = height;
    this.rgba = new Uint8ClampedArray(width * height * 4);
  }

  flush(rects: readonly Rect[], pixels: PixelReader): void {
    for (const r of rects) {
      checkRect(r, this.width, this.height);
      const block = pixels.read(r);
      const rowBytes = r.w * 4;
      for (let y = 0; y < r.h; y++) {
        this.rgba.set(block.data.subarray(y * rowBytes, (y + 1) * rowBytes), ((r.y + y) * this.width + r.x) * 4);
      }
    }
    this.flushes++;
  }

  /** RGBA of one pixel (tests). */
  pixel(x: number, y: number): [number, number, number, number] {
    const i = (y * this.width + x) * 4;
    return [this.rgba[i]!, this.rgba[i + 1]!, this.rgba[i + 2]!, this.rgba[i + 3]!];
  }

  toPng(): Buffer {
    return encodePng({ width: this.width, height: this.height, data: this.rgba });
  }

  writePng(path: string): void {
    writeFileSync(path, this.toPng());
  }
}

export function encodePng(block: RgbaBlock): Buffer {
  const canvas = createCanvas(block.width, block.height);
  const data = new Uint8ClampedArray(block.data.buffer, block.data.byteOffset, block.data.byteLength);
  canvas.getContext('2d').putImageData(new ImageData(data, block.width, block.height), 0, 0);
  return canvas.toBuffer('image/png');
}

/** Decodes a PNG to straight RGBA (golden comparisons, frame-stream clients). */
export async function decodePng(png: Buffer): Promise<RgbaBlock> {
  const img = await loadImage(png);
  const canvas = createCanvas(img.width, img.height);
  const ctx = canvas.getContext('2d');
  ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height);
  return { width: data.width, height: data.height, data: data.data };
}
