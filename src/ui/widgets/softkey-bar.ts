/**
 * The row of context keys along the bottom, one per physical softkey (soft1…soft4). Screens set labels and
 * actions; pressing the physical key or tapping the label runs the action. Softkeys act regardless of
 * focus: wire `handleSoftkey` into the screen's root key handler.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import { SOFTKEY_COUNT, softkeyIndex } from '../core/keys.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';
import { drawText } from './label.js';

export interface SoftkeyDef {
  label: string;
  onPress: () => void;
}

class Softkey extends Widget {
  def: SoftkeyDef | undefined;

  constructor() {
    super('softkey', { flexGrow: 1, flexBasis: 0 });
    this.on('tap', () => this.def?.onPress());
  }

  set(def: SoftkeyDef | undefined): void {
    if (def?.label !== this.def?.label) this.invalidate();
    this.def = def;
    this.interactive = def !== undefined;
  }

  override paint(ctx: SKRSContext2D, style: Style, _theme: Theme): void {
    // An unassigned key shows as a gap, so the remaining labels stay above their physical keys.
    if (!this.def) return;
    paintBox(ctx, this.bounds.w, this.bounds.h, style);
    drawText(ctx, this.def.label, { x: 6, y: 0, w: this.bounds.w - 12, h: this.bounds.h }, style, 'center');
  }
}

export class SoftkeyBar extends Widget {
  readonly #keys: Softkey[] = [];

  constructor(opts: { height?: number } = {}) {
    super('softkey-bar', { flexDirection: 'row', height: opts.height ?? 48, padding: 4, gap: 4, flexShrink: 0 });
    this.interactive = false;
    for (let i = 0; i < SOFTKEY_COUNT; i++) {
      const k = new Softkey();
      this.#keys.push(k);
      this.add(k);
    }
  }

  /** Assigns the keys left to right; missing or undefined entries leave a key empty. Extra entries are an error. */
  setKeys(defs: readonly (SoftkeyDef | undefined)[]): void {
    if (defs.length > SOFTKEY_COUNT) throw new RangeError(`at most ${SOFTKEY_COUNT} softkeys, got ${defs.length}`);
    this.#keys.forEach((k, i) => k.set(defs[i]));
  }

  label(index: number): string | undefined {
    return this.#keys[index - 1]?.def?.label;
  }

  /** Runs the action of `soft1`…`softN`; returns false for other codes and empty keys. */
  handleSoftkey(code: string): boolean {
    const i = softkeyIndex(code);
    const def = i === undefined ? undefined : this.#keys[i - 1]?.def;
    if (!def) return false;
    def.onPress();
    return true;
  }
}
