/**
 * A vertically scrolling list of uniform rows (contacts, call log, menus). Virtual: only the rows inside the
 * viewport are painted, so a 2,000-entry directory costs the same as a 10-entry one. Rows are data, not
 * widgets. Touch: tap selects, long press, drag scrolls. Keypad: up/down move the selection (keys at an end
 * are not consumed, so focus can leave the list), OK selects.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { KeyCode } from '../core/keys.js';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { type LocalPoint, Widget, paintBox } from '../core/widget.js';
import { fontFor, lineHeight, measureTextWidth } from '../core/text.js';
import { type IconName, type Presence, drawIcon, presenceColor } from './icon.js';
import { drawText } from './label.js';

/** A theme color by meaning, so rows stay readable in every theme. */
export type ListTone = 'muted' | 'primary' | 'success' | 'warning' | 'danger';

/** A short marker at the row's right end ("IM", "Busy", "On"). */
export interface ListChip {
  readonly text: string;
  readonly tone?: ListTone;
  /** Filled (strong) or outlined (quiet); default outlined. */
  readonly filled?: boolean;
}

export interface ListItem {
  readonly id: string;
  readonly primary: string;
  readonly secondary?: string;
  readonly icon?: IconName;
  readonly presence?: Presence;
  /** The icon's color (default: the text color). */
  readonly iconTone?: ListTone;
  /** The primary text's color (a missed call in red). */
  readonly primaryTone?: ListTone;
  /** Text at the right end, muted (a time, a value). */
  readonly detail?: string;
  readonly chips?: readonly ListChip[];
  /** A › at the right end: the row opens another screen. */
  readonly chevron?: boolean;
}

export function toneColor(theme: Theme, tone: ListTone | undefined, fallback: string): string {
  const c = theme.colors;
  switch (tone) {
    case 'muted':
      return c.textMuted;
    case 'primary':
      return c.primary;
    case 'success':
      return c.success;
    case 'warning':
      return c.warning;
    case 'danger':
      return c.danger;
    default:
      return fallback;
  }
}

export interface ListOptions extends LayoutProps {
  rowHeight?: number;
  onSelect?: (item: ListItem, index: number) => void;
  onLongPress?: (item: ListItem, index: number) => void;
}

const PAD = 12;

export class List extends Widget {
  readonly rowHeight: number;
  onSelect: ((item: ListItem, index: number) => void) | undefined;
  onLongPress: ((item: ListItem, index: number) => void) | undefined;
  #items: readonly ListItem[] = [];
  #selected = -1;
  #scrollY = 0;
  #revealPending = false;

  constructor(items: readonly ListItem[] = [], opts: ListOptions = {}) {
    super('list', { flexGrow: 1, ...opts });
    const rh = opts.rowHeight ?? 48;
    if (!(rh >= 8)) throw new RangeError(`list rowHeight must be ≥ 8 px, got ${rh}`);
    this.rowHeight = rh;
    this.onSelect = opts.onSelect;
    this.onLongPress = opts.onLongPress;
    this.focusable = true;
    this.clipsChildren = true;
    this.#items = items;
  }

  get items(): readonly ListItem[] {
    return this.#items;
  }

  /** Replaces the rows; keeps the selection on the same id when it is still there. */
  setItems(items: readonly ListItem[]): void {
    const selectedId = this.#items[this.#selected]?.id;
    this.#items = items;
    this.#selected = selectedId === undefined ? -1 : items.findIndex((i) => i.id === selectedId);
    this.#scrollY = Math.min(this.#scrollY, this.maxScroll);
    this.invalidate();
  }

  get selectedIndex(): number {
    return this.#selected;
  }

  /** Selects a row (highlight) and scrolls it into view; out-of-range indexes are ignored. */
  select(index: number): void {
    if (!Number.isInteger(index) || index < 0 || index >= this.#items.length || index === this.#selected) return;
    const prev = this.#selected;
    this.#selected = index;
    // Before the first layout the viewport height is unknown: reveal the row when it is painted.
    if (this.bounds.h > 0) this.scrollBy(this.#revealDelta(index, this.bounds.h));
    else this.#revealPending = true;
    this.#invalidateRow(prev);
    this.#invalidateRow(index);
  }

  /** Scroll change that brings row `index` fully into a viewport of height h (0 when it is visible). */
  #revealDelta(index: number, h: number): number {
    const top = index * this.rowHeight - this.#scrollY;
    if (top < 0) return top;
    if (top + this.rowHeight > h) return top + this.rowHeight - h;
    return 0;
  }

  get scrollY(): number {
    return this.#scrollY;
  }

  get maxScroll(): number {
    return Math.max(0, this.#items.length * this.rowHeight - this.bounds.h);
  }

  override get scrollable(): boolean {
    return true;
  }

  override scrollBy(dy: number): number {
    if (!Number.isFinite(dy)) return 0;
    const next = Math.min(this.maxScroll, Math.max(0, this.#scrollY + dy));
    const moved = next - this.#scrollY;
    if (moved === 0) return 0;
    this.#scrollY = next;
    this.invalidate();
    return moved;
  }

  /** Row index under a local point, or -1. */
  rowAt(at: LocalPoint): number {
    const i = Math.floor((at.y + this.#scrollY) / this.rowHeight);
    return i >= 0 && i < this.#items.length ? i : -1;
  }

  override handleTap(at: LocalPoint): void {
    const i = this.rowAt(at);
    if (i < 0 || this.disabled) return;
    this.select(i);
    this.onSelect?.(this.#items[i]!, i);
    super.handleTap(at);
  }

  override handleLongPress(at: LocalPoint): void {
    const i = this.rowAt(at);
    if (i < 0 || this.disabled) return;
    this.select(i);
    this.onLongPress?.(this.#items[i]!, i);
    super.handleLongPress(at);
  }

  override activate(): void {
    const item = this.#items[this.#selected];
    if (item) this.onSelect?.(item, this.#selected);
  }

  override handleKey(code: KeyCode): boolean {
    if (super.handleKey(code)) return true;
    if (code === 'down' && this.#selected < this.#items.length - 1) {
      this.select(this.#selected + 1);
      return true;
    }
    if (code === 'up' && this.#selected > 0) {
      this.select(this.#selected - 1);
      return true;
    }
    return false;
  }

  #invalidateRow(i: number): void {
    if (i < 0) return;
    this.invalidateLocal({ x: 0, y: i * this.rowHeight - this.#scrollY, w: this.bounds.w, h: this.rowHeight });
  }

  override paint(ctx: SKRSContext2D, style: Style, theme: Theme): void {
    const { w, h } = this.bounds;
    paintBox(ctx, w, h, style);
    // Settle the scroll against the size just laid out (first layout, or the list shrank). Painting
    // covers the whole list whenever its size changed, so no extra damage is needed.
    if (this.#revealPending) {
      this.#revealPending = false;
      this.#scrollY += this.#revealDelta(this.#selected, h);
    }
    this.#scrollY = Math.max(0, Math.min(this.#scrollY, this.maxScroll));
    const rh = this.rowHeight;
    const first = Math.max(0, Math.floor(this.#scrollY / rh));
    const last = Math.min(this.#items.length - 1, Math.floor((this.#scrollY + h - 1) / rh));
    const c = theme.colors;
    const primary = { color: c.text, fontSize: theme.fontSize.body, fontWeight: 'normal' as const };
    const secondary = { color: c.textMuted, fontSize: theme.fontSize.small, fontWeight: 'normal' as const };
    for (let i = first; i <= last; i++) {
      const item = this.#items[i]!;
      const y = i * rh - this.#scrollY;
      if (i === this.#selected) {
        ctx.fillStyle = this.focused ? c.primary : c.pressed;
        ctx.fillRect(0, y, w, rh);
      }
      const onSel = i === this.#selected && this.focused;
      let x = PAD;
      const iconSize = Math.min(24, rh - 8);
      if (item.icon) {
        const color = item.icon === 'presence' ? presenceColor(theme, item.presence ?? 'offline') : onSel ? c.primaryText : toneColor(theme, item.iconTone, c.text);
        drawIcon(ctx, item.icon, x, y + (rh - iconSize) / 2, iconSize, color);
        x += iconSize + PAD;
      }
      const right = paintTrailing(ctx, item, { y, w, h: rh }, theme, onSel);
      const textW = right - x - PAD;
      const fg = onSel ? { ...primary, color: c.primaryText } : { ...primary, color: toneColor(theme, item.primaryTone, c.text) };
      if (item.secondary) {
        drawText(ctx, item.primary, { x, y: y + 4, w: textW, h: rh / 2 }, fg);
        drawText(ctx, item.secondary, { x, y: y + rh / 2, w: textW, h: rh / 2 - 4 }, onSel ? { ...secondary, color: c.primaryText } : secondary);
      } else {
        drawText(ctx, item.primary, { x, y, w: textW, h: rh }, fg);
      }
      ctx.fillStyle = c.border;
      ctx.fillRect(0, y + rh - 1, w, 1);
    }
  }
}

const CHIP_PAD = 8;
const CHIP_GAP = 6;

/**
 * The right end of a row, drawn right to left: chevron, chips, detail text. Returns the x where it starts,
 * so the row's text is cut before it.
 */
function paintTrailing(ctx: SKRSContext2D, item: ListItem, row: { y: number; w: number; h: number }, theme: Theme, onSel: boolean): number {
  const c = theme.colors;
  let right = row.w - PAD;
  if (item.chevron) {
    const size = 18;
    drawIcon(ctx, 'chevron', right - size, row.y + (row.h - size) / 2, size, onSel ? c.primaryText : c.textMuted);
    right -= size + CHIP_GAP;
  }
  const small = theme.fontSize.small;
  for (const chip of [...(item.chips ?? [])].reverse()) {
    const font = fontFor(small, 'bold');
    const tw = Math.ceil(measureTextWidth(chip.text, font));
    const cw = tw + 2 * CHIP_PAD;
    const ch = lineHeight(small) + 6;
    const cx = right - cw;
    const cy = row.y + (row.h - ch) / 2;
    const color = onSel ? c.primaryText : toneColor(theme, chip.tone, c.textMuted);
    ctx.beginPath();
    ctx.roundRect(cx + 0.5, cy + 0.5, cw - 1, ch - 1, ch / 2);
    if (chip.filled && !onSel) {
      ctx.fillStyle = color;
      ctx.fill();
    } else {
      ctx.lineWidth = 1.5;
      ctx.strokeStyle = color;
      ctx.stroke();
    }
    drawText(ctx, chip.text, { x: cx, y: cy, w: cw, h: ch }, { color: chip.filled && !onSel ? c.primaryText : color, fontSize: small, fontWeight: 'bold' }, 'center');
    right = cx - CHIP_GAP;
  }
  if (item.detail) {
    const style = { color: onSel ? c.primaryText : c.textMuted, fontSize: theme.fontSize.small, fontWeight: 'normal' as const };
    const tw = Math.min(Math.ceil(measureTextWidth(item.detail, fontFor(style.fontSize))), row.w / 3);
    drawText(ctx, item.detail, { x: right - tw, y: row.y, w: tw, h: row.h }, style, 'right');
    right -= tw + CHIP_GAP;
  }
  return right;
}
