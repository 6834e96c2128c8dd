/**
 * Damage bookkeeping for one frame. Rules, chosen so a frame never redraws much more than changed and the
 * per-frame cost stays bounded:
 *  - a rect is clipped to the screen; an empty one is dropped;
 *  - a rect inside an existing one adds nothing; existing rects inside the new one are replaced by it;
 *  - a rect that overlaps or touches an existing one is merged with it (repeated until stable), because two
 *    overlapping rects would otherwise paint the overlap twice;
 *  - past `maxRects`, the two rects whose union wastes the least area are merged, so a flood of small changes
 *    (a list scrolling, many lamps blinking) costs at most `maxRects` clip rectangles.
 */
import { type Rect, area, containsRect, intersect, isEmpty, snapOut, touches, union } from './rect.js';

export class DamageTracker {
  #rects: Rect[] = [];
  readonly #bounds: Rect;
  readonly #maxRects: number;

  constructor(width: number, height: number, maxRects = 8) {
    if (!(maxRects >= 1)) throw new RangeError(`maxRects must be ≥ 1, got ${maxRects}`);
    this.#bounds = { x: 0, y: 0, w: width, h: height };
    this.#maxRects = Math.floor(maxRects);
  }

  get isEmpty(): boolean {
    return this.#rects.length === 0;
  }

  get rects(): readonly Rect[] {
    return this.#rects;
  }

  add(r: Rect): void {
    if (![r.x, r.y, r.w, r.h].every(Number.isFinite)) return;
    let next = intersect(snapOut(r), this.#bounds);
    if (isEmpty(next)) return;
    if (this.#rects.some((e) => containsRect(e, next))) return;
    // Absorb every rect that touches the growing one until none does.
    for (let merged = true; merged; ) {
      merged = false;
      const keep: Rect[] = [];
      for (const e of this.#rects) {
        if (touches(e, next)) {
          next = union(e, next);
          merged = true;
        } else keep.push(e);
      }
      this.#rects = keep;
    }
    this.#rects.push(next);
    while (this.#rects.length > this.#maxRects) this.#mergeCheapestPair();
  }

  addAll(): void {
    this.#rects = [this.#bounds];
  }

  /** Returns the frame's rects and starts a new frame. */
  take(): Rect[] {
    const out = this.#rects;
    this.#rects = [];
    return out;
  }

  #mergeCheapestPair(): void {
    let best = { i: 0, j: 1, waste: Infinity };
    for (let i = 0; i < this.#rects.length; i++) {
      for (let j = i + 1; j < this.#rects.length; j++) {
        const a = this.#rects[i]!;
        const b = this.#rects[j]!;
        const waste = area(union(a, b)) - area(a) - area(b);
        if (waste < best.waste) best = { i, j, waste };
      }
    }
    const merged = union(this.#rects[best.i]!, this.#rects[best.j]!);
    this.#rects = this.#rects.filter((_, k) => k !== best.i && k !== best.j);
    this.add(merged);
  }
}
