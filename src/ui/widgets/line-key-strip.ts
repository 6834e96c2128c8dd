/**
 * Line / speed-dial / busy-lamp keys beside the screen, each a label with a lamp that is off, on, or
 * blinking (incoming call, held call). A blink repaints only the lamp, twice a period, through the
 * renderer's animation clock; all lamps blinking at the same rate stay in step.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { blink } from '../core/animation.js';
import { LINE_KEY_COUNT, lineKeyIndex } from '../core/keys.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { Widget, type WidgetHost, paintBox } from '../core/widget.js';
import { drawText } from './label.js';

export type LampState = 'off' | 'on' | 'blink' | 'fast-blink';
export type LampColor = 'green' | 'red';

export interface LineKeyDef {
  label: string;
  lamp?: LampState;
  color?: LampColor;
}

const BLINK_PERIOD_MS = { blink: 1000, 'fast-blink': 400 } as const;
const LAMP = 12;
const PAD = 8;

export class LineKey extends Widget {
  readonly index: number;
  #label = '';
  #lamp: LampState = 'off';
  #color: LampColor = 'green';
  #lit = false;
  #stopBlink: (() => void) | undefined;

  constructor(index: number, onPress: (index: number) => void) {
    super('line-key', { height: 44, flexShrink: 0 });
    this.index = index;
    this.focusable = true;
    this.on('tap', () => onPress(index));
  }

  get lamp(): LampState {
    return this.#lamp;
  }

  /** Whether the lamp is lit right now (on, or in the on half of a blink). */
  get lit(): boolean {
    return this.#lit;
  }

  get label(): string {
    return this.#label;
  }

  set(def: LineKeyDef): void {
    if (def.label !== this.#label || (def.color ?? 'green') !== this.#color) this.invalidate();
    this.#label = def.label;
    this.#color = def.color ?? 'green';
    this.setLamp(def.lamp ?? 'off');
  }

  setLamp(state: LampState): void {
    if (state === this.#lamp && (this.#stopBlink !== undefined) === isBlinking(state)) return;
    this.#lamp = state;
    this.#stopBlink?.();
    this.#stopBlink = undefined;
    if (state === 'blink' || state === 'fast-blink') {
      if (this.host) this.#startBlink(this.host, state);
    } else this.#setLit(state === 'on');
  }

  protected override onAttach(host: WidgetHost): void {
    if ((this.#lamp === 'blink' || this.#lamp === 'fast-blink') && !this.#stopBlink) this.#startBlink(host, this.#lamp);
  }

  protected override onDetach(): void {
    this.#stopBlink?.();
    this.#stopBlink = undefined;
  }

  #startBlink(host: WidgetHost, state: 'blink' | 'fast-blink'): void {
    this.#stopBlink = host.animate(blink(BLINK_PERIOD_MS[state], (on) => this.#setLit(on)));
  }

  #setLit(on: boolean): void {
    if (on === this.#lit) return;
    this.#lit = on;
    this.invalidateLocal(this.#lampRect());
  }

  #lampRect(): { x: number; y: number; w: number; h: number } {
    return { x: PAD, y: Math.floor((this.bounds.h - LAMP) / 2), w: LAMP, h: LAMP };
  }

  override paint(ctx: SKRSContext2D, style: Style, theme: Theme): void {
    const { w, h } = this.bounds;
    paintBox(ctx, w, h, style);
    const r = this.#lampRect();
    ctx.beginPath();
    ctx.arc(r.x + LAMP / 2, r.y + LAMP / 2, LAMP / 2 - 1, 0, Math.PI * 2);
    ctx.fillStyle = this.#lit ? (this.#color === 'red' ? theme.colors.lampAlert : theme.colors.lampOn) : theme.colors.lampOff;
    ctx.fill();
    drawText(ctx, this.#label, { x: r.x + LAMP + PAD, y: 0, w: w - (r.x + LAMP + 2 * PAD), h }, style);
  }
}

function isBlinking(s: LampState): boolean {
  return s === 'blink' || s === 'fast-blink';
}

export class LineKeyStrip extends Widget {
  readonly keys: readonly LineKey[];
  onPress: ((index: number) => void) | undefined;

  /** `count` keys (1…LINE_KEY_COUNT), numbered from 1 like the physical `lineN` codes. */
  constructor(count: number, opts: { width?: number; onPress?: (index: number) => void } = {}) {
    if (!(Number.isInteger(count) && count >= 1 && count <= LINE_KEY_COUNT)) {
      throw new RangeError(`line key count must be 1…${LINE_KEY_COUNT}, got ${count}`);
    }
    super('container', { flexDirection: 'column', width: opts.width ?? 180, gap: 4, padding: 4, flexShrink: 0 });
    this.interactive = false;
    this.onPress = opts.onPress;
    const keys: LineKey[] = [];
    for (let i = 1; i <= count; i++) keys.push(new LineKey(i, (n) => this.onPress?.(n)));
    this.keys = keys;
    this.add(...keys);
  }

  /** Key by 1-based index. */
  key(index: number): LineKey | undefined {
    return this.keys[index - 1];
  }

  /** Presses the key of a physical `lineN` code; false for other codes or keys this strip lacks. */
  handleLineKey(code: string): boolean {
    const i = lineKeyIndex(code);
    if (i === undefined || !this.key(i)) return false;
    this.onPress?.(i);
    return true;
  }
}
