/** Single-line text, sized by its content, ellipsized when its box is narrower. */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { Unit } from 'yoga-layout';
import type { LayoutProps } from '../core/layout.js';
import type { Role, Style } from '../core/style.js';
import { ellipsize, fontFor, lineHeight, measureTextWidth } from '../core/text.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';

export type TextAlign = 'left' | 'center' | 'right';

export interface LabelOptions extends LayoutProps {
  role?: Extract<Role, 'label' | 'caption' | 'title'>;
  align?: TextAlign;
  /** Which end to cut when too long: 'end' (default) or 'start' (keep the tail, for numbers). */
  ellipsis?: 'end' | 'start';
}

export class Label extends Widget {
  #text: string;
  readonly #align: TextAlign;
  readonly #ellipsis: 'end' | 'start';

  constructor(text: string, opts: LabelOptions = {}) {
    super(opts.role ?? 'label', opts);
    this.#text = text;
    this.#align = opts.align ?? 'left';
    this.#ellipsis = opts.ellipsis ?? 'end';
    this.interactive = false;
    this.inheritsColor = this.role === 'label';
    this.measureWith(() => {
      const s = this.style;
      return { width: Math.ceil(measureTextWidth(this.#text, fontFor(s.fontSize, s.fontWeight))), height: lineHeight(s.fontSize) };
    });
  }

  get text(): string {
    return this.#text;
  }

  set text(t: string) {
    if (t === this.#text) return;
    const font = fontFor(this.style.fontSize, this.style.fontWeight);
    // A fixed width, or the same natural width (a clock tick with tabular digits): repaint, no layout pass.
    const sameSize = this.node.getWidth().unit === Unit.Point || measureTextWidth(t, font) === measureTextWidth(this.#text, font);
    this.#text = t;
    if (sameSize) this.invalidate();
    else this.contentSizeChanged();
  }

  override paint(ctx: SKRSContext2D, style: Style, _theme: Theme): void {
    paintBox(ctx, this.bounds.w, this.bounds.h, style);
    drawText(ctx, this.#text, { x: 0, y: 0, w: this.bounds.w, h: this.bounds.h }, style, this.#align, this.#ellipsis);
  }
}

/** Draws one line of text vertically centred in the box, ellipsized to its width. Shared by widgets. */
export function drawText(
  ctx: SKRSContext2D,
  text: string,
  box: { x: number; y: number; w: number; h: number },
  style: Pick<Style, 'color' | 'fontSize' | 'fontWeight'>,
  align: TextAlign = 'left',
  ellipsis: 'end' | 'start' = 'end',
): void {
  if (text === '' || box.w <= 0) return;
  const font = fontFor(style.fontSize, style.fontWeight);
  const shown = ellipsize(text, box.w, font, ellipsis);
  ctx.font = font;
  ctx.fillStyle = style.color;
  ctx.textBaseline = 'middle';
  ctx.textAlign = align;
  const x = align === 'left' ? box.x : align === 'center' ? box.x + box.w / 2 : box.x + box.w;
  ctx.fillText(shown, x, box.y + box.h / 2);
}
