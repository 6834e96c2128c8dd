/** A large square-ish menu button: a big icon over a label, with an optional count badge (menus, kiosk). */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';
import { type IconName, drawIcon } from './icon.js';
import { drawText } from './label.js';

export interface TileOptions extends LayoutProps {
  /** Icon color (default: the primary color). */
  iconColor?: string;
  /** A count in a red badge at the top right; 0 or absent hides it. */
  badge?: number;
  /** A short second line under the label (a current value). */
  caption?: string;
  onPress?: () => void;
}

export class Tile extends Widget {
  readonly label: string;
  readonly #icon: IconName;
  readonly #opts: TileOptions;

  constructor(icon: IconName, label: string, opts: TileOptions = {}) {
    super('button', { flexGrow: 1, flexBasis: 0, ...opts });
    this.label = label;
    this.#icon = icon;
    this.#opts = opts;
    this.focusable = true;
    if (opts.onPress) {
      const press = opts.onPress;
      this.on('tap', () => press());
    }
  }

  override paint(ctx: SKRSContext2D, style: Style, theme: Theme): void {
    const { w, h } = this.bounds;
    paintBox(ctx, w, h, { ...style, background: this.pressed ? theme.colors.pressed : theme.colors.surface });
    const c = theme.colors;
    const size = Math.min(40, Math.floor(h * 0.36));
    const captionH = this.#opts.caption ? theme.fontSize.small + 4 : 0;
    const block = size + 8 + theme.fontSize.body + 6 + captionH;
    const top = Math.max(6, (h - block) / 2);
    drawIcon(ctx, this.#icon, (w - size) / 2, top, size, this.#opts.iconColor ?? c.primary);
    const labelY = top + size + 8;
    drawText(ctx, this.label, { x: 6, y: labelY, w: w - 12, h: theme.fontSize.body + 6 }, { color: c.text, fontSize: theme.fontSize.body, fontWeight: 'bold' }, 'center');
    if (this.#opts.caption) {
      drawText(ctx, this.#opts.caption, { x: 6, y: labelY + theme.fontSize.body + 6, w: w - 12, h: captionH }, { color: c.textMuted, fontSize: theme.fontSize.small, fontWeight: 'normal' }, 'center');
    }
    const badge = this.#opts.badge ?? 0;
    if (badge > 0) {
      const text = badge > 99 ? '99+' : String(Math.floor(badge));
      const bw = Math.max(24, text.length * 9 + 12);
      const bh = 24;
      const bx = w / 2 + size / 2 - 6;
      const by = top - 8;
      ctx.beginPath();
      ctx.roundRect(Math.min(bx, w - bw - 4), by, bw, bh, bh / 2);
      ctx.fillStyle = c.danger;
      ctx.fill();
      drawText(ctx, text, { x: Math.min(bx, w - bw - 4), y: by, w: bw, h: bh }, { color: c.dangerText, fontSize: theme.fontSize.small, fontWeight: 'bold' }, 'center');
    }
  }
}
