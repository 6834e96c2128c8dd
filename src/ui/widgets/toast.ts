/** A short message near the bottom that disappears by itself; never takes touches or focus. */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { TimerHandle } from '../../phone/clock.js';
import type { Screen } from '../core/screen.js';
import type { Style } from '../core/style.js';
import { fontFor, lineHeight, measureTextWidth } from '../core/text.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';
import { drawText } from './label.js';

const PAD_X = 16;
const PAD_Y = 10;

class ToastBubble extends Widget {
  text: string;

  constructor(text: string) {
    super('toast', { maxWidth: '90%' });
    this.text = text;
    this.interactive = false;
    this.measureWith(() => {
      const s = this.style;
      return { width: Math.ceil(measureTextWidth(this.text, fontFor(s.fontSize, s.fontWeight))) + 2 * PAD_X, height: lineHeight(s.fontSize) + 2 * PAD_Y };
    });
  }

  override paint(ctx: SKRSContext2D, style: Style, _theme: Theme): void {
    paintBox(ctx, this.bounds.w, this.bounds.h, style);
    drawText(ctx, this.text, { x: PAD_X, y: 0, w: this.bounds.w - 2 * PAD_X, h: this.bounds.h }, style, 'center');
  }
}

export class Toast extends Widget {
  readonly #bubble: ToastBubble;
  #screen: Screen | undefined;
  #timer: TimerHandle | undefined;

  constructor(text: string, opts: { bottom?: number } = {}) {
    super('container', { position: 'absolute', left: 0, right: 0, bottom: opts.bottom ?? 64, flexDirection: 'row', justifyContent: 'center' });
    this.#bubble = new ToastBubble(text);
    this.add(this.#bubble);
  }

  get text(): string {
    return this.#bubble.text;
  }

  /** Shows on `screen` for `durationMs` (timed by the renderer's clock); showing again restarts the time. */
  show(screen: Screen, durationMs = 2500): void {
    if (this.#screen !== screen) {
      this.hide();
      this.#screen = screen;
      screen.addOverlay(this);
    }
    const clock = this.host?.clock;
    if (!clock) return;
    clock.clearTimer(this.#timer);
    this.#timer = clock.setTimer(Math.max(0, durationMs), () => this.hide());
  }

  hide(): void {
    this.host?.clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#screen?.remove(this);
    this.#screen = undefined;
  }

  get isShown(): boolean {
    return this.#screen !== undefined;
  }
}
