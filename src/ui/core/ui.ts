/**
 * The toolkit assembled: a screen sized by the display, the renderer, the frame scheduler (capped rate,
 * idle when nothing changes) and the input router. App code builds one Ui per display, pushes driver input
 * events into `ui.input`, and builds screens under `ui.screen`.
 */
import { type Clock, SystemClock } from '../../phone/clock.js';
import type { Display } from '../display/display.js';
import { FrameScheduler } from './animation.js';
import { InputRouter, type InputRouterOptions } from './input.js';
import type { Rect } from './rect.js';
import { Renderer } from './renderer.js';
import { Screen } from './screen.js';
import { type Theme, lightTheme } from './theme.js';

export interface UiOptions {
  display: Display;
  theme?: Theme;
  clock?: Clock;
  /** Frame rate cap; default 30. */
  fps?: number;
  maxDamageRects?: number;
  input?: Omit<InputRouterOptions, 'screen' | 'clock'>;
}

export class Ui {
  readonly display: Display;
  readonly clock: Clock;
  readonly screen: Screen;
  readonly renderer: Renderer;
  readonly input: InputRouter;
  readonly scheduler: FrameScheduler;
  /** Called after each frame that painted something, with its damaged rects. */
  onFrame: ((rects: readonly Rect[]) => void) | undefined;

  constructor(opts: UiOptions) {
    this.display = opts.display;
    this.clock = opts.clock ?? new SystemClock();
    this.screen = new Screen(opts.display.width, opts.display.height);
    this.renderer = new Renderer(this.screen, { theme: opts.theme ?? lightTheme, clock: this.clock, maxDamageRects: opts.maxDamageRects });
    this.scheduler = new FrameScheduler({ clock: this.clock, fps: opts.fps, frame: () => this.#frame() });
    this.renderer.onNeedsFrame = (delay) => this.scheduler.request(delay);
    this.input = new InputRouter({ ...opts.input, screen: this.screen, clock: this.clock });
    this.scheduler.request();
  }

  get theme(): Theme {
    return this.renderer.theme;
  }

  set theme(t: Theme) {
    this.renderer.theme = t;
  }

  /** Renders and flushes immediately (tests, shutdown screen); returns the rects painted. */
  renderNow(): Rect[] {
    return this.#paintAndFlush();
  }

  stop(): void {
    this.scheduler.stop();
    this.input.reset();
    this.display.close?.();
  }

  #frame(): number | undefined {
    this.#paintAndFlush();
    return this.renderer.nextFrameDelay();
  }

  #paintAndFlush(): Rect[] {
    const rects = this.renderer.render();
    if (rects.length > 0) {
      this.display.flush(rects, this.renderer.pixels);
      this.onFrame?.(rects);
    }
    return rects;
  }
}
