/**
 * Input events → widgets. Pointer events become gestures (tap, long-press after 600 ms still, vertical
 * drag that scrolls the nearest scrollable ancestor); key presses go to the focused widget and bubble up to
 * the screen; arrows and OK that no widget consumed move focus and activate, so a board without touch works
 * from the keypad alone. Events pass through a bounded queue: a flood (a stuck key, a noisy touch
 * controller) drops events instead of growing memory. Malformed events, unknown key codes and touches
 * outside the screen are counted and ignored.
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';
import { type KeyCode, isKeyCode } from './keys.js';
import { containsPoint } from './rect.js';
import type { FocusDirection, Screen } from './screen.js';
import type { Widget } from './widget.js';

export type PointerAction = 'down' | 'move' | 'up' | 'cancel';

/** A validated input event. Drivers may push any value: see `push`. */
export type InputEvent = { type: 'key'; code: KeyCode; down: boolean } | { type: 'pointer'; x: number; y: number; action: PointerAction };

export interface InputRouterOptions {
  screen: Screen;
  clock: Clock;
  /** Hold time for a long press; default 600 ms. */
  longPressMs?: number;
  /** Movement that turns a touch into a drag; default 10 px. */
  dragSlopPx?: number;
  /** Events waiting to be processed at most; default 64. */
  queueLimit?: number;
  /** Keys no widget consumed and that are not navigation (softkeys, hold, volume, …): the screens' handler. */
  onUnhandledKey?: (code: KeyCode) => void;
}

export interface InputStats {
  processed: number;
  /** Dropped because the queue was full. */
  dropped: number;
  /** Malformed, unknown key, or outside the screen. */
  ignored: number;
}

interface Gesture {
  target: Widget;
  startX: number;
  startY: number;
  lastY: number;
  scroller: Widget | undefined;
  moved: boolean;
  longPressed: boolean;
  timer: TimerHandle | undefined;
}

const NAV_DIRECTIONS: Partial<Record<KeyCode, FocusDirection>> = { up: 'up', down: 'down', left: 'left', right: 'right' };
const POINTER_ACTIONS = new Set<string>(['down', 'move', 'up', 'cancel']);

export class InputRouter {
  readonly stats: InputStats = { processed: 0, dropped: 0, ignored: 0 };
  onUnhandledKey: ((code: KeyCode) => void) | undefined;

  readonly #screen: Screen;
  readonly #clock: Clock;
  readonly #longPressMs: number;
  readonly #slop: number;
  readonly #limit: number;
  #queue: InputEvent[] = [];
  #drainTimer: TimerHandle | undefined;
  #gesture: Gesture | undefined;

  constructor(opts: InputRouterOptions) {
    this.#screen = opts.screen;
    this.#clock = opts.clock;
    this.#longPressMs = opts.longPressMs ?? 600;
    this.#slop = opts.dragSlopPx ?? 10;
    this.#limit = Math.max(1, opts.queueLimit ?? 64);
    this.onUnhandledKey = opts.onUnhandledKey;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /**
   * Queues an event from a driver and schedules processing (immediately, through the clock). Returns false
   * when the event was rejected (malformed) or dropped (queue full).
   */
  push(ev: unknown): boolean {
    const e = validate(ev);
    if (!e) {
      this.stats.ignored++;
      return false;
    }
    const last = this.#queue.at(-1);
    if (e.type === 'pointer' && e.action === 'move' && last?.type === 'pointer' && last.action === 'move') {
      // Only the latest position of a drag matters; coalescing keeps a fast drag from filling the queue.
      this.#queue[this.#queue.length - 1] = e;
    } else if (this.#queue.length < this.#limit) {
      this.#queue.push(e);
    } else if (e.type === 'pointer' && (e.action === 'up' || e.action === 'cancel')) {
      // A lost release would leave a widget pressed forever: make room by dropping the oldest event.
      this.#queue.shift();
      this.#queue.push(e);
      this.stats.dropped++;
    } else {
      this.stats.dropped++;
      return false;
    }
    this.#drainTimer ??= this.#clock.setTimer(0, () => this.drain());
    return true;
  }

  /** Processes every queued event now. */
  drain(): void {
    this.#clock.clearTimer(this.#drainTimer);
    this.#drainTimer = undefined;
    const batch = this.#queue;
    this.#queue = [];
    for (const e of batch) {
      this.stats.processed++;
      if (e.type === 'key') this.#key(e.code, e.down);
      else this.#pointer(e.x, e.y, e.action);
    }
  }

  /** Drops queued events and any gesture in progress (screen change). */
  reset(): void {
    this.#queue = [];
    this.#endGesture();
  }

  // ---- keys ----

  #key(code: KeyCode, down: boolean): void {
    // Widgets act on press; releases matter only to drivers that detect long key holds themselves.
    if (!down) return;
    const focused = this.#screen.focusedWidget;
    const scope = this.#screen.focusScope;
    // Bubble from the focused widget up to the scope's root: keys never leak from an open modal to the
    // screen behind it.
    for (let w: Widget | undefined = focused ?? scope; w; w = w === scope ? undefined : w.parent) {
      if (w.handleKey(code)) return;
    }
    const dir = NAV_DIRECTIONS[code];
    if (dir) {
      this.#screen.moveFocus(dir);
      return;
    }
    if (code === 'ok') {
      if (focused) focused.activate();
      else this.#screen.moveFocus('next');
      return;
    }
    this.onUnhandledKey?.(code);
  }

  // ---- pointer ----

  #pointer(x: number, y: number, action: PointerAction): void {
    const inside = containsPoint({ x: 0, y: 0, w: this.#screen.width, h: this.#screen.height }, x, y);
    if (!inside) {
      this.stats.ignored++;
      // A release outside the screen still ends the gesture, without a tap.
      if (action === 'up' || action === 'cancel') this.#endGesture();
      return;
    }
    switch (action) {
      case 'down':
        return this.#down(x, y);
      case 'move':
        return this.#move(x, y);
      case 'up':
        return this.#up(x, y);
      case 'cancel':
        return this.#endGesture();
    }
  }

  #down(x: number, y: number): void {
    this.#endGesture();
    const target = this.#screen.hitTest(x, y);
    if (!target || target.disabled) return;
    const g: Gesture = { target, startX: x, startY: y, lastY: y, scroller: undefined, moved: false, longPressed: false, timer: undefined };
    g.timer = this.#clock.setTimer(this.#longPressMs, () => {
      g.timer = undefined;
      if (this.#gesture !== g || g.moved) return;
      g.longPressed = true;
      target.setPressed(false);
      target.handleLongPress(target.toLocal(x, y));
    });
    this.#gesture = g;
    target.setPressed(true);
  }

  #move(x: number, y: number): void {
    const g = this.#gesture;
    if (!g || g.longPressed) return;
    if (!g.moved && Math.hypot(x - g.startX, y - g.startY) > this.#slop) {
      g.moved = true;
      this.#clock.clearTimer(g.timer);
      g.timer = undefined;
      g.scroller = scrollableAncestor(g.target);
      if (g.scroller) {
        g.target.setPressed(false);
        // Scroll by the whole movement so far, not just past the slop, so content tracks the finger.
        g.lastY = g.startY;
      }
    }
    if (g.scroller) {
      g.scroller.scrollBy(g.lastY - y);
      g.lastY = y;
    }
  }

  #up(x: number, y: number): void {
    const g = this.#gesture;
    if (!g) return;
    const tap = !g.longPressed && !g.scroller && containsPoint(g.target.bounds, x, y) && g.target.shown;
    this.#endGesture();
    if (tap) g.target.handleTap(g.target.toLocal(x, y));
  }

  #endGesture(): void {
    const g = this.#gesture;
    if (!g) return;
    this.#clock.clearTimer(g.timer);
    g.target.setPressed(false);
    this.#gesture = undefined;
  }
}

function scrollableAncestor(w: Widget): Widget | undefined {
  for (let p: Widget | undefined = w; p; p = p.parent) if (p.scrollable) return p;
  return undefined;
}

function validate(ev: unknown): InputEvent | undefined {
  if (typeof ev !== 'object' || ev === null) return undefined;
  const e = ev as Record<string, unknown>;
  if (e.type === 'key') {
    // Unknown codes are refused here, before they take a queue slot.
    return isKeyCode(e.code) && typeof e.down === 'boolean' ? { type: 'key', code: e.code, down: e.down } : undefined;
  }
  if (e.type === 'pointer') {
    const { x, y, action } = e;
    if (typeof x !== 'number' || typeof y !== 'number' || !Number.isFinite(x) || !Number.isFinite(y)) return undefined;
    if (typeof action !== 'string' || !POINTER_ACTIONS.has(action)) return undefined;
    return { type: 'pointer', x, y, action: action as PointerAction };
  }
  return undefined;
}
