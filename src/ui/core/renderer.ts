/**
 * Owns the canvas and turns damage into pixels. A frame: step animations → recompute layout when something
 * changed it (widgets whose bounds moved damage both their old and new area) → if nothing is damaged, stop
 * (no canvas call at all) → clip to the damaged rects and repaint, in tree order, only widgets that
 * intersect them → return the rects, which the caller hands to the display.
 */
import { createCanvas, type Canvas, type SKRSContext2D } from '@napi-rs/canvas';
import { type Clock, SystemClock } from '../../phone/clock.js';
import type { PixelReader, RgbaBlock } from '../display/display.js';
import type { Animation } from './animation.js';
import { DamageTracker } from './damage.js';
import { type Rect, intersects, sameRect } from './rect.js';
import type { Screen } from './screen.js';
import { ensureSystemFonts } from './text.js';
import { type Theme, lightTheme } from './theme.js';
import type { Widget, WidgetHost } from './widget.js';

export interface RendererOptions {
  theme?: Theme;
  clock?: Clock;
  /** Upper bound on clip rects a frame (see DamageTracker); default 8. */
  maxDamageRects?: number;
}

export interface FrameStats {
  /** Widgets whose paint() ran in the last frame. */
  painted: number;
  frames: number;
}

export class Renderer implements WidgetHost {
  readonly screen: Screen;
  readonly canvas: Canvas;
  readonly ctx: SKRSContext2D;
  readonly clock: Clock;
  readonly stats: FrameStats = { painted: 0, frames: 0 };
  /** Called when the first damage (or animation) after an idle period arrives: schedule a frame. */
  onNeedsFrame: ((delayMs: number) => void) | undefined;
  /** Reads rendered pixels (straight RGBA: the screen is opaque, so premultiplication changes nothing). */
  readonly pixels: PixelReader;

  #theme: Theme;
  readonly #damage: DamageTracker;
  #layoutDirty = true;
  #rendering = false;
  readonly #animations = new Map<Animation, number>();

  constructor(screen: Screen, opts: RendererOptions = {}) {
    ensureSystemFonts();
    this.screen = screen;
    this.#theme = opts.theme ?? lightTheme;
    this.clock = opts.clock ?? new SystemClock();
    this.canvas = createCanvas(screen.width, screen.height);
    this.ctx = this.canvas.getContext('2d');
    this.#damage = new DamageTracker(screen.width, screen.height, opts.maxDamageRects ?? 8);
    this.#damage.addAll();
    this.pixels = {
      width: screen.width,
      height: screen.height,
      read: (r: Rect): RgbaBlock => {
        const img = this.ctx.getImageData(r.x, r.y, r.w, r.h);
        return { width: img.width, height: img.height, data: img.data };
      },
    };
    screen.attach(this);
  }

  get theme(): Theme {
    return this.#theme;
  }

  /** Switches theme: everything is repainted on the next frame. */
  set theme(t: Theme) {
    if (t === this.#theme) return;
    this.#theme = t;
    // Font sizes differ between themes, so text must be measured again.
    markTextDirty(this.screen);
    this.#layoutDirty = true;
    this.#damage.addAll();
    this.#wake(0);
  }

  damage(rect: Rect): void {
    this.#damage.add(rect);
    this.#wake(0);
  }

  layoutChanged(): void {
    this.#layoutDirty = true;
    this.#wake(0);
  }

  animate(animation: Animation): () => void {
    this.#animations.set(animation, this.clock.now());
    this.#wake(0);
    return () => {
      this.#animations.delete(animation);
    };
  }

  /** Whether the next render() would do anything. */
  get dirty(): boolean {
    return this.#layoutDirty || !this.#damage.isEmpty || this.#dueAnimations(this.clock.now());
  }

  /** Renders one frame; returns the damaged rects painted ([] when nothing changed, and then nothing ran). */
  render(): Rect[] {
    this.#rendering = true;
    try {
      this.#stepAnimations(this.clock.now());
      if (this.#layoutDirty) this.#layout();
      if (this.#damage.isEmpty) return [];
      const rects = this.#damage.take();
      this.#paint(rects);
      this.stats.frames++;
      return rects;
    } finally {
      this.#rendering = false;
    }
  }

  /** Ms until an animation needs the next frame; undefined when none runs. */
  nextFrameDelay(): number | undefined {
    if (this.#animations.size === 0) return undefined;
    const now = this.clock.now();
    let min = Infinity;
    for (const due of this.#animations.values()) min = Math.min(min, Math.max(0, due - now));
    return min;
  }

  #wake(delay: number): void {
    if (!this.#rendering) this.onNeedsFrame?.(delay);
  }

  #dueAnimations(now: number): boolean {
    for (const due of this.#animations.values()) if (due <= now) return true;
    return false;
  }

  #stepAnimations(now: number): void {
    for (const [a, due] of [...this.#animations]) {
      if (due > now || !this.#animations.has(a)) continue;
      const next = a.step(now);
      if (next === undefined) this.#animations.delete(a);
      else if (this.#animations.has(a)) this.#animations.set(a, now + next);
    }
  }

  #layout(): void {
    this.#layoutDirty = false;
    this.screen.node.calculateLayout(this.screen.width, this.screen.height);
    this.#updateBounds(this.screen, 0, 0, true);
  }

  /** Copies yoga's results into absolute bounds; a widget that moved or resized damages old and new areas. */
  #updateBounds(w: Widget, originX: number, originY: number, shown: boolean): void {
    const n = w.node;
    const next: Rect = {
      x: Math.round(originX + n.getComputedLeft()),
      y: Math.round(originY + n.getComputedTop()),
      w: Math.round(n.getComputedWidth()),
      h: Math.round(n.getComputedHeight()),
    };
    const visible = shown && w.visible;
    if (!sameRect(next, w.bounds)) {
      if (visible) w.invalidate();
      w.bounds = next;
      if (visible) w.invalidate();
    }
    const childY = next.y - w.scrollOffset;
    for (const c of w.children) this.#updateBounds(c, next.x, childY, visible);
  }

  #paint(rects: readonly Rect[]): void {
    const ctx = this.ctx;
    this.stats.painted = 0;
    ctx.save();
    ctx.beginPath();
    for (const r of rects) ctx.rect(r.x, r.y, r.w, r.h);
    ctx.clip();
    // The screen's own background covers the damage first, so transparent widgets never show stale pixels.
    ctx.fillStyle = this.screen.style.background ?? this.#theme.colors.background;
    for (const r of rects) ctx.fillRect(r.x, r.y, r.w, r.h);
    for (const c of this.screen.children) this.#paintWidget(c, rects);
    ctx.restore();
  }

  #paintWidget(w: Widget, rects: readonly Rect[]): void {
    if (!w.visible) return;
    const b = w.bounds;
    const hit = rects.some((r) => intersects(r, b));
    // Children lie inside a clipping widget, so a miss skips the subtree; others may overflow, so recurse.
    if (!hit && w.clipsChildren) return;
    const ctx = this.ctx;
    if (hit) {
      ctx.save();
      ctx.translate(b.x, b.y);
      w.paint(ctx, w.style, this.#theme);
      ctx.restore();
      this.stats.painted++;
    }
    if (w.children.length > 0) {
      if (w.clipsChildren) {
        ctx.save();
        ctx.beginPath();
        ctx.rect(b.x, b.y, b.w, b.h);
        ctx.clip();
      }
      for (const c of w.children) this.#paintWidget(c, rects);
      if (w.clipsChildren) ctx.restore();
    }
    if (hit && w.focused) this.#paintFocusRing(w);
  }

  /** Every focusable widget gets the same ring, drawn after its children so nothing covers it. */
  #paintFocusRing(w: Widget): void {
    const ctx = this.ctx;
    const fw = this.#theme.focusWidth;
    const b = w.bounds;
    ctx.save();
    ctx.strokeStyle = this.#theme.colors.focus;
    ctx.lineWidth = fw;
    ctx.beginPath();
    ctx.roundRect(b.x + fw / 2, b.y + fw / 2, b.w - fw, b.h - fw, Math.max(0, w.style.radius));
    ctx.stroke();
    ctx.restore();
  }
}

function markTextDirty(w: Widget): void {
  w.remeasure();
  for (const c of w.children) markTextDirty(c);
}
