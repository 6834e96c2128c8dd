/**
 * A row of tabs (call log: missed / received / dialed / all). The selected tab is underlined in the
 * primary color; a tab may carry a count badge. Left/right move between tabs from the keypad.
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { KeyCode } from '../core/keys.js';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import { fontFor, measureTextWidth } from '../core/text.js';
import type { Theme } from '../core/theme.js';
import { Widget } from '../core/widget.js';
import { drawText } from './label.js';

export interface TabDef {
  readonly id: string;
  readonly label: string;
  /** A count shown in a red badge (unseen missed calls); 0 or absent hides it. */
  readonly badge?: number;
}

class Tab extends Widget {
  readonly def: TabDef;
  readonly selected: boolean;

  constructor(def: TabDef, selected: boolean, onPick: (id: string) => void) {
    super('container', { flexGrow: 1, flexBasis: 0 });
    this.def = def;
    this.selected = selected;
    this.focusable = true;
    this.on('tap', () => onPick(def.id));
  }

  override paint(ctx: SKRSContext2D, _style: Style, theme: Theme): void {
    const c = theme.colors;
    const { w, h } = this.bounds;
    if (this.pressed) {
      ctx.fillStyle = c.pressed;
      ctx.fillRect(0, 0, w, h);
    }
    const style = { color: this.selected ? c.primary : c.textMuted, fontSize: theme.fontSize.body, fontWeight: this.selected ? ('bold' as const) : ('normal' as const) };
    const badge = this.def.badge && this.def.badge > 0 ? (this.def.badge > 99 ? '99+' : String(this.def.badge)) : '';
    const font = fontFor(style.fontSize, style.fontWeight);
    const textW = Math.min(measureTextWidth(this.def.label, font), w - 16);
    const badgeFont = fontFor(theme.fontSize.small, 'bold');
    const badgeW = badge ? Math.max(20, measureTextWidth(badge, badgeFont) + 10) : 0;
    const total = textW + (badge ? badgeW + 6 : 0);
    const x = Math.max(8, (w - total) / 2);
    drawText(ctx, this.def.label, { x, y: 0, w: textW + 1, h: h - 3 }, style);
    if (badge) {
      const bh = 20;
      const bx = x + textW + 6;
      const by = (h - 3 - bh) / 2;
      ctx.beginPath();
      ctx.roundRect(bx, by, badgeW, bh, bh / 2);
      ctx.fillStyle = c.danger;
      ctx.fill();
      drawText(ctx, badge, { x: bx, y: by, w: badgeW, h: bh }, { color: c.dangerText, fontSize: theme.fontSize.small, fontWeight: 'bold' }, 'center');
    }
    ctx.fillStyle = this.selected ? c.primary : c.border;
    const lineH = this.selected ? 3 : 1;
    ctx.fillRect(0, h - lineH, w, lineH);
  }
}

export interface TabsOptions extends LayoutProps {
  onPick: (id: string) => void;
}

export class Tabs extends Widget {
  readonly tabs: readonly Tab[];
  readonly #onPick: (id: string) => void;
  readonly #selected: string;

  constructor(defs: readonly TabDef[], selected: string, opts: TabsOptions) {
    super('container', { flexDirection: 'row', height: 44, flexShrink: 0, ...opts });
    this.interactive = false;
    this.#onPick = opts.onPick;
    this.#selected = selected;
    this.tabs = defs.map((d) => new Tab(d, d.id === selected, opts.onPick));
    this.add(...this.tabs);
  }

  /** Left/right pick the neighbouring tab; false at the ends and for other keys. */
  override handleKey(code: KeyCode): boolean {
    if (super.handleKey(code)) return true;
    if (code !== 'left' && code !== 'right') return false;
    const i = this.tabs.findIndex((t) => t.def.id === this.#selected);
    const next = this.tabs[i + (code === 'left' ? -1 : 1)];
    if (!next) return false;
    this.#onPick(next.def.id);
    return true;
  }

  tab(id: string): Widget | undefined {
    return this.tabs.find((t) => t.def.id === id);
  }
}
