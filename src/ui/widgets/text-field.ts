/**
 * A one-line entry (the number being dialed, a search). Keypad digits, * and # type into it when it has
 * focus; `back` deletes. A long value shows its end (the digits just typed), cut with a leading ellipsis.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { type KeyCode, isDigitKey } from '../core/keys.js';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import { ellipsize, fontFor, lineHeight, measureTextWidth } from '../core/text.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';
import { drawText } from './label.js';

export interface TextFieldOptions extends LayoutProps {
  value?: string;
  placeholder?: string;
  /** Longest value accepted; default 64. Longer input is cut, never an error. */
  maxLength?: number;
  onChange?: (value: string) => void;
}

const PAD = 10;

export class TextField extends Widget {
  readonly placeholder: string;
  readonly maxLength: number;
  onChange: ((value: string) => void) | undefined;
  #value = '';

  constructor(opts: TextFieldOptions = {}) {
    super('text-field', opts);
    this.placeholder = opts.placeholder ?? '';
    this.maxLength = Math.max(1, opts.maxLength ?? 64);
    this.onChange = opts.onChange;
    this.focusable = true;
    this.#value = sanitize(opts.value ?? '').slice(0, this.maxLength);
    this.measureWith(() => ({ width: 120, height: lineHeight(this.style.fontSize) + 2 * PAD }));
  }

  get value(): string {
    return this.#value;
  }

  set value(v: string) {
    const next = sanitize(v).slice(0, this.maxLength);
    if (next === this.#value) return;
    this.#value = next;
    this.invalidate();
    this.onChange?.(next);
  }

  /** Appends text (cut at maxLength). */
  insert(text: string): void {
    this.value = this.#value + text;
  }

  backspace(): void {
    this.value = Array.from(this.#value).slice(0, -1).join('');
  }

  clear(): void {
    this.value = '';
  }

  override handleKey(code: KeyCode): boolean {
    if (super.handleKey(code)) return true;
    if (isDigitKey(code)) {
      this.insert(code);
      return true;
    }
    if (code === 'back' && this.#value !== '') {
      this.backspace();
      return true;
    }
    return false;
  }

  override paint(ctx: SKRSContext2D, style: Style, theme: Theme): void {
    const { w, h } = this.bounds;
    paintBox(ctx, w, h, style);
    const box = { x: PAD, y: 0, w: w - 2 * PAD - 4, h };
    if (this.#value === '') {
      drawText(ctx, this.placeholder, box, { ...style, color: theme.colors.textMuted });
    } else {
      drawText(ctx, this.#value, box, style, 'left', 'start');
    }
    if (this.focused) {
      // A steady caret after the text: a blinking one would redraw the field twice a second for ever.
      const font = fontFor(style.fontSize, style.fontWeight);
      const shown = this.#value === '' ? '' : ellipsize(this.#value, box.w, font, 'start');
      const x = Math.min(w - PAD, PAD + measureTextWidth(shown, font) + 1);
      ctx.fillStyle = style.color;
      ctx.fillRect(Math.round(x), (h - style.fontSize) / 2, 2, style.fontSize);
    }
  }
}

/** Control characters would draw as boxes and could break a SIP URI later: drop them. */
function sanitize(v: string): string {
  return typeof v === 'string' ? v.replace(/\p{Cc}/gu, '') : '';
}
