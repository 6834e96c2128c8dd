/**
 * The root widget: the display-sized tree, its focus manager (keypad-only boards navigate with arrows and
 * OK), and its overlay stack (modals capture input and focus until closed; toasts sit on top untouchable).
 */
import { type Rect, intersects } from './rect.js';
import { Widget } from './widget.js';

export type FocusDirection = 'up' | 'down' | 'left' | 'right' | 'next' | 'previous';

export class Screen extends Widget {
  readonly width: number;
  readonly height: number;
  #focused: Widget | undefined;
  #modals: { widget: Widget; restoreFocus: Widget | undefined }[] = [];

  constructor(width: number, height: number) {
    if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
      throw new RangeError(`screen size must be positive whole pixels, got ${width}x${height}`);
    }
    super('screen', { width, height, flexDirection: 'column' });
    this.width = width;
    this.height = height;
    this.clipsChildren = true;
  }

  get focusedWidget(): Widget | undefined {
    // A focused widget that was hidden or removed dropped its own flag; forget it here too.
    if (this.#focused && !this.#focused.focused) this.#focused = undefined;
    return this.#focused;
  }

  /** The subtree that input and focus are confined to: the topmost modal, or the whole screen. */
  get focusScope(): Widget {
    return this.#modals.at(-1)?.widget ?? this;
  }

  requestFocus(w: Widget | undefined): boolean {
    if (w && (!w.canFocus || !isInside(w, this.focusScope))) return false;
    const prev = this.focusedWidget;
    if (prev === w) return true;
    prev?.setFocused(false);
    this.#focused = w;
    if (w) {
      w.setFocused(true);
      // Keypad navigation must never focus something the user cannot see.
      for (let p = w.parent; p; p = p.parent) if (p.scrollable) p.scrollIntoView(w);
    }
    return true;
  }

  /** Focusable widgets of the current scope in tree order. */
  focusables(): Widget[] {
    const out: Widget[] = [];
    const walk = (w: Widget): void => {
      if (!w.visible) return;
      if (w.canFocus) out.push(w);
      for (const c of w.children) walk(c);
    };
    walk(this.focusScope);
    return out;
  }

  /**
   * Moves focus. Arrows pick the nearest focusable in that direction (a widget overlapping the current one's
   * column or row wins over a diagonal one); next/previous follow tree order and wrap. With nothing focused,
   * any direction focuses the first focusable. Returns whether focus moved.
   */
  moveFocus(direction: FocusDirection): boolean {
    const all = this.focusables();
    const cur = this.focusedWidget;
    if (all.length === 0) return false;
    if (!cur || !all.includes(cur)) return this.requestFocus(all[0]);
    if (direction === 'next' || direction === 'previous') {
      const i = all.indexOf(cur);
      const j = (i + (direction === 'next' ? 1 : all.length - 1)) % all.length;
      return all[j] !== cur && this.requestFocus(all[j]);
    }
    let best: { w: Widget; score: number } | undefined;
    for (const c of all) {
      if (c === cur) continue;
      const score = directionalScore(cur.bounds, c.bounds, direction);
      if (score !== undefined && (!best || score < best.score)) best = { w: c, score };
    }
    return best ? this.requestFocus(best.w) : false;
  }

  /** Shows a modal on top: it receives all touches and keys until `closeModal`. Focus moves into it. */
  openModal(modal: Widget): void {
    if (this.#modals.some((m) => m.widget === modal)) return;
    this.#modals.push({ widget: modal, restoreFocus: this.focusedWidget });
    modal.layout({ position: 'absolute', left: 0, top: 0, width: this.width, height: this.height });
    this.add(modal);
    this.focusedWidget?.setFocused(false);
    this.#focused = undefined;
    const first = this.focusables()[0];
    if (first) this.requestFocus(first);
  }

  closeModal(modal: Widget): void {
    const i = this.#modals.findIndex((m) => m.widget === modal);
    if (i < 0) return;
    const [entry] = this.#modals.splice(i, 1);
    this.focusedWidget?.setFocused(false);
    this.#focused = undefined;
    this.remove(modal);
    if (entry?.restoreFocus?.canFocus) this.requestFocus(entry.restoreFocus);
  }

  get modalOpen(): boolean {
    return this.#modals.length > 0;
  }

  /** Adds a non-interactive overlay (toast) on top of everything, outside the flex flow. */
  addOverlay(w: Widget): void {
    w.interactive = false;
    w.layout({ position: 'absolute' });
    this.add(w);
  }

  override hitTest(x: number, y: number): Widget | undefined {
    const top = this.#modals.at(-1);
    if (top) return top.widget.hitTest(x, y);
    return super.hitTest(x, y);
  }
}

function isInside(w: Widget, ancestor: Widget): boolean {
  for (let p: Widget | undefined = w; p; p = p.parent) if (p === ancestor) return true;
  return false;
}

function directionalScore(from: Rect, to: Rect, dir: 'up' | 'down' | 'left' | 'right'): number | undefined {
  const fcx = from.x + from.w / 2;
  const fcy = from.y + from.h / 2;
  const tcx = to.x + to.w / 2;
  const tcy = to.y + to.h / 2;
  const vertical = dir === 'up' || dir === 'down';
  const primary = dir === 'down' ? tcy - fcy : dir === 'up' ? fcy - tcy : dir === 'right' ? tcx - fcx : fcx - tcx;
  if (primary <= 0) return undefined;
  const secondary = vertical ? Math.abs(tcx - fcx) : Math.abs(tcy - fcy);
  // Sharing a column (for up/down) or a row (for left/right) counts as aligned.
  const band: Rect = vertical ? { x: from.x, y: to.y, w: from.w, h: to.h } : { x: to.x, y: from.y, w: to.w, h: from.h };
  const aligned = intersects(band, to);
  return primary + (aligned ? secondary * 0.1 : secondary * 2 + 10_000);
}
