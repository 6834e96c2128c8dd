/** A pressable button: text, an icon, or both; focusable so OK activates it from the keypad. */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import { fontFor, lineHeight, measureTextWidth } from '../core/text.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';
import { type IconName, drawIcon } from './icon.js';
import { drawText } from './label.js';

export type ButtonVariant = 'normal' | 'primary' | 'danger';

export interface ButtonOptions extends LayoutProps {
  icon?: IconName;
  variant?: ButtonVariant;
  /** Called on tap or OK. */
  onPress?: () => void;
}

const PAD_X = 12;
const PAD_Y = 8;
const ICON_GAP = 6;

export class Button extends Widget {
  #text: string;
  #icon: IconName | undefined;

  constructor(text: string, opts: ButtonOptions = {}) {
    super(opts.variant === 'primary' ? 'button-primary' : opts.variant === 'danger' ? 'button-danger' : 'button', opts);
    this.#text = text;
    this.#icon = opts.icon;
    this.focusable = true;
    if (opts.onPress) {
      const press = opts.onPress;
      this.on('tap', () => press());
    }
    this.measureWith(() => {
      const s = this.style;
      const iconSize = this.#iconSize(s);
      const textW = this.#text ? measureTextWidth(this.#text, fontFor(s.fontSize, s.fontWeight)) : 0;
      const gap = this.#icon && this.#text ? ICON_GAP : 0;
      return { width: Math.ceil(textW + iconSize + gap + 2 * PAD_X), height: Math.max(lineHeight(s.fontSize), iconSize) + 2 * PAD_Y };
    });
  }

  get text(): string {
    return this.#text;
  }

  set text(t: string) {
    if (t === this.#text) return;
    this.#text = t;
    this.contentSizeChanged();
  }

  set icon(i: IconName | undefined) {
    if (i === this.#icon) return;
    this.#icon = i;
    this.contentSizeChanged();
  }

  #iconSize(s: Style): number {
    return this.#icon ? Math.round(s.fontSize * 1.4) : 0;
  }

  override paint(ctx: SKRSContext2D, style: Style, _theme: Theme): void {
    const { w, h } = this.bounds;
    paintBox(ctx, w, h, style);
    const iconSize = this.#iconSize(style);
    if (!this.#text) {
      if (this.#icon) drawIcon(ctx, this.#icon, (w - iconSize) / 2, (h - iconSize) / 2, iconSize, style.color);
      return;
    }
    const font = fontFor(style.fontSize, style.fontWeight);
    const textW = Math.min(measureTextWidth(this.#text, font), w - 2 * PAD_X - (iconSize ? iconSize + ICON_GAP : 0));
    const contentW = textW + (iconSize ? iconSize + ICON_GAP : 0);
    let x = Math.max(PAD_X, (w - contentW) / 2);
    if (this.#icon) {
      drawIcon(ctx, this.#icon, x, (h - iconSize) / 2, iconSize, style.color);
      x += iconSize + ICON_GAP;
    }
    drawText(ctx, this.#text, { x, y: 0, w: Math.max(0, w - x - PAD_X / 2), h }, style, 'left');
  }
}
