/**
 * Where the user is in the menus: a stack of routes kept by the shell (UI-local state: the phone core does
 * not care which menu is open). Back pops, home clears; a menu left alone for `timeoutMs` (60 s) goes back
 * to idle, as desk phones do, so a half-finished menu never hides the idle screen for good.
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';
import type { CallLogCategory, ForwardKind, MenuScreen } from './phone-view.js';

export interface Route {
  readonly screen: MenuScreen | 'transfer' | 'deflect';
  /** What is being typed on this screen (search, target, note, PIN). */
  readonly text?: string;
  /** Call log tab. */
  readonly tab?: CallLogCategory;
  /** The contact a detail screen is about. */
  readonly uri?: string;
  /** The forwarding kind being edited. */
  readonly kind?: ForwardKind;
  /** The call a transfer or deflect screen acts on. */
  readonly callId?: string;
  /** Touch boards: the on-screen keyboard is hidden (to see more results). */
  readonly keyboardHidden?: boolean;
  /** The list row selected when the screen was last drawn (kept across redraws). */
  readonly selected?: number;
}

export const MENU_TIMEOUT_MS = 60_000;

export class Navigator {
  #stack: Route[] = [];
  readonly #clock: Clock | undefined;
  readonly #timeoutMs: number;
  #timer: TimerHandle | undefined;
  readonly #onTimeout: () => void;

  constructor(opts: { clock?: Clock; timeoutMs?: number; onTimeout: () => void }) {
    this.#clock = opts.clock;
    this.#timeoutMs = Math.max(1000, opts.timeoutMs ?? MENU_TIMEOUT_MS);
    this.#onTimeout = opts.onTimeout;
  }

  get route(): Route | undefined {
    return this.#stack.at(-1);
  }

  get depth(): number {
    return this.#stack.length;
  }

  get stack(): readonly Route[] {
    return this.#stack;
  }

  push(route: Route): void {
    this.#stack.push(route);
    this.activity();
  }

  /** Replaces the top route (same screen, new state). */
  update(patch: Partial<Route>): void {
    const top = this.#stack.at(-1);
    if (!top) return;
    this.#stack[this.#stack.length - 1] = { ...top, ...patch };
    this.activity();
  }

  /** Remembers the current screen's list selection (a redraw, not the user: the timeout is not restarted). */
  remember(selected: number): void {
    const top = this.#stack.at(-1);
    if (top) this.#stack[this.#stack.length - 1] = { ...top, selected };
  }

  back(): void {
    this.#stack.pop();
    this.activity();
  }

  home(): void {
    this.#stack = [];
    this.#stopTimer();
  }

  /** Drops routes that no longer make sense (a transfer screen whose call ended). */
  retain(keep: (r: Route) => boolean): boolean {
    const before = this.#stack.length;
    this.#stack = this.#stack.filter(keep);
    if (this.#stack.length === 0) this.#stopTimer();
    return this.#stack.length !== before;
  }

  /** The user did something: the menu timeout starts again. */
  activity(): void {
    this.#stopTimer();
    if (this.#stack.length === 0 || !this.#clock) return;
    this.#timer = this.#clock.setTimer(this.#timeoutMs, () => {
      this.#timer = undefined;
      this.#stack = [];
      this.#onTimeout();
    });
  }

  stop(): void {
    this.#stopTimer();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) this.#clock?.clearTimer(this.#timer);
    this.#timer = undefined;
  }
}

/** Letters of the phone keys (ITU E.161), then the digit itself; 1 carries the signs addresses need. */
const MULTI_TAP: Readonly<Record<string, string>> = {
  '1': '.-@_1',
  '2': 'abc2',
  '3': 'def3',
  '4': 'ghi4',
  '5': 'jkl5',
  '6': 'mno6',
  '7': 'pqrs7',
  '8': 'tuv8',
  '9': 'wxyz9',
  '0': ' 0',
};

/**
 * Typing letters on a keypad: pressing the same key again within `timeoutMs` cycles the last letter
 * (2 → a, 2 2 → b), another key or a pause starts a new one. Works from timestamps, so it needs no timer.
 */
export class MultiTap {
  #lastKey: string | undefined;
  #lastAt = -Infinity;
  #index = 0;
  readonly #now: () => number;
  readonly #timeoutMs: number;

  constructor(now: () => number, timeoutMs = 1000) {
    this.#now = now;
    this.#timeoutMs = timeoutMs;
  }

  /** Whether the key types letters (digits 0–9). */
  static handles(key: string): boolean {
    return MULTI_TAP[key] !== undefined;
  }

  /** The text after pressing `key`; a key without letters leaves it unchanged. */
  press(text: string, key: string, maxLength = 64): string {
    const letters = MULTI_TAP[key];
    if (!letters) return text;
    const now = this.#now();
    const cycling = key === this.#lastKey && now - this.#lastAt < this.#timeoutMs && text.length > 0;
    this.#lastAt = now;
    this.#lastKey = key;
    if (cycling) {
      this.#index = (this.#index + 1) % letters.length;
      return text.slice(0, -1) + letters[this.#index]!;
    }
    this.#index = 0;
    return (text + letters[0]!).slice(0, maxLength);
  }

  /** The next press starts a new letter (after backspace or a touch key). */
  reset(): void {
    this.#lastKey = undefined;
  }
}
