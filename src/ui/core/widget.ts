/**
 * The retained widget tree. A Widget owns a yoga node (its layout), its children, a style role, and state
 * (visible, focused, pressed, disabled). It never draws on its own: a change calls `invalidate()`, which
 * reports the widget's screen rectangle to the host (the Renderer), and the renderer repaints that damage on
 * the next frame. Coordinates in `bounds` are absolute screen pixels, refreshed after every layout pass.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { Display } from 'yoga-layout';
import type { Clock } from '../../phone/clock.js';
import type { Animation } from './animation.js';
import type { KeyCode } from './keys.js';
import { type LayoutProps, type YogaNode, applyLayout, createNode, intrinsicMeasure } from './layout.js';
import { EMPTY_RECT, type Rect, containsPoint, intersect, isEmpty } from './rect.js';
import { type Role, type Style, resolveStyle } from './style.js';
import { type Theme, lightTheme } from './theme.js';

/** What a widget needs from the tree's owner (the Renderer implements it). */
export interface WidgetHost {
  readonly theme: Theme;
  readonly clock: Clock;
  /** Marks a screen rectangle for repaint. */
  damage(rect: Rect): void;
  /** Some yoga property or the tree changed: bounds must be recomputed before the next paint. */
  layoutChanged(): void;
  /** Runs an animation until it finishes or the returned function is called. */
  animate(animation: Animation): () => void;
}

/** A point in the widget's own coordinates (0,0 = its top-left corner). */
export interface LocalPoint {
  x: number;
  y: number;
}

export interface WidgetEvents {
  /** A short touch, or OK on the focused widget. */
  tap: LocalPoint;
  /** A touch held ≥ the long-press time without moving. */
  longpress: LocalPoint;
  /** A key press routed to this widget (focused, or an ancestor of the focused one). */
  key: KeyCode;
  focus: undefined;
  blur: undefined;
}

/** A key handler returns true when it consumed the key (it then stops bubbling). */
type Handler<K extends keyof WidgetEvents> = (ev: WidgetEvents[K], widget: Widget) => boolean | void;

export class Widget {
  readonly node: YogaNode = createNode();
  readonly role: Role;
  /** Absolute screen rectangle from the last layout pass. */
  bounds: Rect = EMPTY_RECT;
  /** Optional style properties that win over the theme's role style. */
  styleOverride: Partial<Style> | undefined;
  /** Children are clipped to this widget's bounds (lists, scroll containers, modals). */
  clipsChildren = false;
  /** Takes part in focus navigation and receives keys when focused. */
  focusable = false;
  /** Text color comes from the parent's style (plain labels, icons). */
  inheritsColor = false;
  /** Receives pointer events; false lets touches fall through (toasts, decorations). */
  interactive = true;

  #parent: Widget | undefined;
  #children: Widget[] = [];
  #host: WidgetHost | undefined;
  #visible = true;
  #focused = false;
  #pressed = false;
  #disabled = false;
  #measured = false;
  #handlers = new Map<keyof WidgetEvents, Set<Handler<keyof WidgetEvents>>>();

  constructor(role: Role, layout?: LayoutProps) {
    this.role = role;
    if (layout) applyLayout(this.node, layout);
  }

  // ---- tree ----

  get parent(): Widget | undefined {
    return this.#parent;
  }

  get children(): readonly Widget[] {
    return this.#children;
  }

  get host(): WidgetHost | undefined {
    return this.#host;
  }

  /** The theme of the tree this widget is in (light until attached). */
  get theme(): Theme {
    return this.#host?.theme ?? lightTheme;
  }

  add(...children: Widget[]): this {
    for (const child of children) {
      if (child.#parent) child.#parent.remove(child);
      child.#parent = this;
      this.node.insertChild(child.node, this.node.getChildCount());
      this.#children.push(child);
      if (this.#host) child.attach(this.#host);
    }
    this.#host?.layoutChanged();
    return this;
  }

  remove(child: Widget): void {
    const i = this.#children.indexOf(child);
    if (i < 0) return;
    // Its old area must be repainted without it.
    child.invalidate();
    this.#children.splice(i, 1);
    this.node.removeChild(child.node);
    child.#parent = undefined;
    child.detach();
    child.bounds = EMPTY_RECT;
    this.#host?.layoutChanged();
  }

  removeAll(): void {
    for (const c of [...this.#children]) this.remove(c);
  }

  /** Frees the yoga nodes of this subtree; the widget must not be used afterwards. */
  destroy(): void {
    this.#parent?.remove(this);
    for (const c of [...this.#children]) c.destroy();
    this.node.free();
  }

  /** @internal Called when the subtree joins a hosted tree. */
  attach(host: WidgetHost): void {
    this.#host = host;
    for (const c of this.#children) c.attach(host);
    this.onAttach(host);
  }

  /** @internal Called when the subtree leaves a hosted tree. */
  detach(): void {
    if (this.#focused) this.setFocused(false);
    this.setPressed(false);
    this.onDetach();
    for (const c of this.#children) c.detach();
    this.#host = undefined;
  }

  /** Subclasses start animations here (they need the host's clock). */
  protected onAttach(_host: WidgetHost): void {}
  protected onDetach(): void {}

  // ---- layout and style ----

  /** Sizes this leaf from its content (text): yoga calls `intrinsic` when it needs the natural size. */
  protected measureWith(intrinsic: () => { width: number; height: number }): void {
    this.node.setMeasureFunc(intrinsicMeasure(intrinsic));
    this.#measured = true;
  }

  /** @internal Forgets yoga's cached measurement (text or theme font size changed). */
  remeasure(): void {
    if (this.#measured) this.node.markDirty();
  }

  layout(props: LayoutProps): this {
    applyLayout(this.node, props);
    this.#host?.layoutChanged();
    return this;
  }

  /** Text or content size changed: yoga must measure again. */
  protected contentSizeChanged(): void {
    this.remeasure();
    this.#host?.layoutChanged();
    this.invalidate();
  }

  get style(): Style {
    const s = resolveStyle(this.theme, this.role, { pressed: this.#pressed, focused: this.#focused, disabled: this.#disabled }, this.styleOverride);
    // Plain labels and icons take their parent's text color: white on the status bar, dark on a panel.
    if (this.inheritsColor && this.#parent && this.styleOverride?.color === undefined && !this.#disabled) s.color = this.#parent.style.color;
    return s;
  }

  setStyle(override: Partial<Style> | undefined): this {
    this.styleOverride = override;
    this.invalidate();
    return this;
  }

  // ---- state ----

  get visible(): boolean {
    return this.#visible;
  }

  set visible(v: boolean) {
    if (v === this.#visible) return;
    if (!v) this.invalidate();
    this.#visible = v;
    this.node.setDisplay(v ? Display.Flex : Display.None);
    if (!v && this.#focused) this.setFocused(false);
    this.#host?.layoutChanged();
    if (v) this.invalidate();
  }

  /** Visible itself and every ancestor visible, and part of a hosted tree. */
  get shown(): boolean {
    if (!this.#visible) return false;
    for (let w = this.#parent; w; w = w.#parent) if (!w.#visible) return false;
    return this.#host !== undefined;
  }

  get focused(): boolean {
    return this.#focused;
  }

  get pressed(): boolean {
    return this.#pressed;
  }

  get disabled(): boolean {
    return this.#disabled;
  }

  set disabled(v: boolean) {
    if (v === this.#disabled) return;
    this.#disabled = v;
    this.invalidate();
  }

  /** @internal Set by the screen's focus manager; use `focus()` from app code. */
  setFocused(v: boolean): void {
    if (v === this.#focused) return;
    this.#focused = v;
    this.invalidate();
    this.emit(v ? 'focus' : 'blur', undefined);
  }

  /** @internal Set by the input router while a touch is down on the widget. */
  setPressed(v: boolean): void {
    if (v === this.#pressed) return;
    this.#pressed = v;
    this.invalidate();
  }

  /** Can take focus now: focusable, enabled and shown. */
  get canFocus(): boolean {
    return this.focusable && !this.#disabled && this.shown;
  }

  /** Moves focus here (through the root screen's focus manager). */
  focus(): void {
    this.root.requestFocus?.(this);
  }

  get root(): Widget & { requestFocus?: (w: Widget | undefined) => void } {
    let w = this.#parent;
    if (!w) return this;
    while (w.#parent) w = w.#parent;
    return w;
  }

  // ---- damage ----

  /** Repaints this widget's area on the next frame (clipped by clipping ancestors; nothing when hidden). */
  invalidate(): void {
    if (!this.#host || isEmpty(this.bounds) || !this.shown) return;
    this.#host.damage(this.visibleBounds());
  }

  /** Repaints only part of this widget (local coordinates): a blinking lamp, one list row. */
  invalidateLocal(r: Rect): void {
    if (!this.#host || isEmpty(this.bounds) || !this.shown) return;
    this.#host.damage(intersect({ x: this.bounds.x + r.x, y: this.bounds.y + r.y, w: r.w, h: r.h }, this.visibleBounds()));
  }

  /** Bounds intersected with every clipping ancestor: the pixels this widget can actually reach. */
  visibleBounds(): Rect {
    let r = this.bounds;
    for (let p = this.#parent; p; p = p.#parent) if (p.clipsChildren) r = intersect(r, p.bounds);
    return r;
  }

  // ---- scrolling (containers that scroll override contentHeight/scrollY handling) ----

  /** Vertical scroll offset applied to children (0 for widgets that do not scroll). */
  get scrollOffset(): number {
    return 0;
  }

  /** Whether a vertical drag on this widget (or a child) scrolls it. */
  get scrollable(): boolean {
    return false;
  }

  /** Scrolls by dy pixels (positive = content moves up); returns the distance actually scrolled. */
  scrollBy(_dy: number): number {
    return 0;
  }

  /** Scrolls (when this widget scrolls) so that the descendant is fully visible. */
  scrollIntoView(_descendant: Widget): void {}

  // ---- hit testing ----

  /** The topmost interactive, visible widget under the absolute point, or undefined. */
  hitTest(x: number, y: number): Widget | undefined {
    if (!this.#visible) return undefined;
    const inside = containsPoint(this.bounds, x, y);
    if (this.clipsChildren && !inside) return undefined;
    // Later children paint on top, so they are tested first.
    for (let i = this.#children.length - 1; i >= 0; i--) {
      const hit = this.#children[i]!.hitTest(x, y);
      if (hit) return hit;
    }
    return inside && this.interactive ? this : undefined;
  }

  /** Absolute → local coordinates. */
  toLocal(x: number, y: number): LocalPoint {
    return { x: x - this.bounds.x, y: y - this.bounds.y };
  }

  // ---- events ----

  on<K extends keyof WidgetEvents>(type: K, handler: Handler<K>): () => void {
    let set = this.#handlers.get(type);
    if (!set) this.#handlers.set(type, (set = new Set()));
    set.add(handler as Handler<keyof WidgetEvents>);
    return () => set.delete(handler as Handler<keyof WidgetEvents>);
  }

  /** Calls the handlers of `type`; true when one consumed the event. */
  protected emit<K extends keyof WidgetEvents>(type: K, ev: WidgetEvents[K]): boolean {
    const set = this.#handlers.get(type);
    if (!set) return false;
    let consumed = false;
    for (const h of [...set]) if (h(ev, this) === true) consumed = true;
    return consumed;
  }

  /** A tap landed on this widget (local point). Subclasses with inner targets (list rows) override. */
  handleTap(at: LocalPoint): void {
    if (this.#disabled) return;
    this.emit('tap', at);
  }

  handleLongPress(at: LocalPoint): void {
    if (this.#disabled) return;
    this.emit('longpress', at);
  }

  /** OK on the focused widget: a tap at its centre by default. */
  activate(): void {
    this.handleTap({ x: this.bounds.w / 2, y: this.bounds.h / 2 });
  }

  /** A key for this widget; returns true when consumed (otherwise it bubbles to the parent). */
  handleKey(code: KeyCode): boolean {
    if (this.#disabled) return false;
    return this.emit('key', code);
  }

  // ---- painting ----

  /**
   * Paints this widget (not its children) with the context translated to its top-left corner; size is
   * bounds.w × bounds.h. The default paints the role's box: background, border, corner radius.
   */
  paint(ctx: SKRSContext2D, style: Style, _theme: Theme): void {
    paintBox(ctx, this.bounds.w, this.bounds.h, style);
  }
}

/** Fills and strokes a (rounded) box of the given style; shared by most widgets. */
export function paintBox(ctx: SKRSContext2D, w: number, h: number, style: Style): void {
  if (style.background === undefined && (style.borderColor === undefined || style.borderWidth <= 0)) return;
  const bw = style.borderColor !== undefined ? style.borderWidth : 0;
  ctx.beginPath();
  // The stroke is centred on the path: inset by half its width so it stays inside the widget's bounds.
  if (style.radius > 0) ctx.roundRect(bw / 2, bw / 2, w - bw, h - bw, style.radius);
  else ctx.rect(bw / 2, bw / 2, w - bw, h - bw);
  if (style.background !== undefined) {
    ctx.fillStyle = style.background;
    ctx.fill();
  }
  if (bw > 0 && style.borderColor !== undefined) {
    ctx.lineWidth = bw;
    ctx.strokeStyle = style.borderColor;
    ctx.stroke();
  }
}
