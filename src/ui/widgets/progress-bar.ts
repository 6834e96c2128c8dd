/** A horizontal bar for a value 0…1 (firmware download, volume level, call-quality meter). */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';

export class ProgressBar extends Widget {
  #value: number;

  constructor(value = 0, opts: LayoutProps = {}) {
    super('progress', { height: 10, ...opts });
    this.interactive = false;
    this.#value = clamp01(value);
  }

  get value(): number {
    return this.#value;
  }

  /** Values outside 0…1 are clamped and NaN counts as 0. Repaints only when the filled width changes. */
  set value(v: number) {
    const next = clamp01(v);
    const before = Math.round(this.#value * this.bounds.w);
    this.#value = next;
    if (Math.round(next * this.bounds.w) !== before) this.invalidate();
  }

  override paint(ctx: SKRSContext2D, style: Style, _theme: Theme): void {
    const { w, h } = this.bounds;
    paintBox(ctx, w, h, style);
    const fill = Math.round(this.#value * w);
    if (fill <= 0) return;
    ctx.beginPath();
    ctx.roundRect(0, 0, fill, h, style.radius);
    ctx.fillStyle = style.color;
    ctx.fill();
  }
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}
