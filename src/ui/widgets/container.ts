/**
 * A flex box for grouping widgets; optionally a panel (themed surface) and optionally scrolling vertically
 * (children clipped, dragged by touch, scrolled to keep the focused child visible).
 */
import type { LayoutProps } from '../core/layout.js';
import { Edge } from 'yoga-layout';
import { Widget } from '../core/widget.js';

export interface ContainerOptions extends LayoutProps {
  /** 'panel' paints the themed surface with border and radius; default is transparent. */
  panel?: boolean;
  scroll?: boolean;
  clip?: boolean;
}

export class Container extends Widget {
  readonly #scroll: boolean;
  #scrollY = 0;

  constructor(opts: ContainerOptions = {}) {
    // A scroller must be allowed to be smaller than its content (yoga's flexShrink default is 0).
    super(opts.panel ? 'panel' : 'container', { flexDirection: 'column', ...(opts.scroll ? { flexShrink: 1 } : {}), ...opts });
    this.#scroll = opts.scroll ?? false;
    this.clipsChildren = this.#scroll || (opts.clip ?? false);
    // Transparent containers let touches reach what is behind them; panels and scrollers catch them.
    this.interactive = opts.panel === true || this.#scroll;
  }

  override get scrollable(): boolean {
    return this.#scroll;
  }

  override get scrollOffset(): number {
    return this.#scrollY;
  }

  /** Height of the content (the lowest child's bottom edge plus padding). */
  get contentHeight(): number {
    let bottom = 0;
    for (const c of this.children) {
      if (!c.visible) continue;
      bottom = Math.max(bottom, c.node.getComputedTop() + c.node.getComputedHeight() + c.node.getComputedMargin(Edge.Bottom));
    }
    return bottom + this.node.getComputedPadding(Edge.Bottom);
  }

  get maxScroll(): number {
    return Math.max(0, this.contentHeight - this.bounds.h);
  }

  override scrollBy(dy: number): number {
    if (!this.#scroll || !Number.isFinite(dy)) return 0;
    const next = Math.min(this.maxScroll, Math.max(0, this.#scrollY + dy));
    const moved = next - this.#scrollY;
    if (moved === 0) return 0;
    this.#scrollY = next;
    // Children move: bounds are recomputed (a layout pass is cheap when yoga has nothing dirty).
    this.host?.layoutChanged();
    this.invalidate();
    return moved;
  }

  /** Scrolls the least needed so `child` (a descendant) is fully visible. */
  override scrollIntoView(child: Widget): void {
    if (!this.#scroll) return;
    // From yoga's layout rather than `bounds`: several focus moves may happen before the next frame.
    let top = 0;
    for (let w: Widget | undefined = child; w && w !== this; w = w.parent) {
      top += w.node.getComputedTop();
      if (w.parent && w.parent !== this) top -= w.parent.scrollOffset;
    }
    top -= this.#scrollY;
    const bottom = top + child.node.getComputedHeight();
    const viewport = this.node.getComputedHeight();
    if (top < 0) this.scrollBy(top);
    else if (bottom > viewport) this.scrollBy(bottom - viewport);
  }
}
