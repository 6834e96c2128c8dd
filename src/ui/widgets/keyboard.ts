/**
 * An on-screen QWERTY keyboard for touch boards: digits, the Latin letters, the few signs names, addresses
 * and SIP URIs need (. - @ _), space, backspace and a confirm key. Latin only: directory names, user names
 * and notes are typed in Latin letters on these phones (Hangul input is not offered).
 */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';
import { drawIcon } from './icon.js';
import { drawText } from './label.js';

/** What a key press means: one character, or one of the editing keys. */
export type KeyboardKey = { readonly char: string } | { readonly action: 'backspace' | 'enter' };

const ROWS: readonly string[] = ['1234567890', 'qwertyuiop', 'asdfghjkl@', 'zxcvbnm.-_'];

export class KeyCap extends Widget {
  readonly key: KeyboardKey;
  readonly #label: string;

  constructor(key: KeyboardKey, label: string, onKey: (k: KeyboardKey) => void, layout: LayoutProps = {}) {
    super('action' in key && key.action === 'enter' ? 'button-primary' : 'dial-key', { flexGrow: 1, flexBasis: 0, ...layout });
    this.key = key;
    this.#label = label;
    this.focusable = true;
    this.on('tap', () => onKey(key));
  }

  override paint(ctx: SKRSContext2D, style: Style, theme: Theme): void {
    const { w, h } = this.bounds;
    paintBox(ctx, w, h, style);
    if ('action' in this.key && this.key.action === 'backspace') {
      const size = Math.min(24, h - 8);
      drawIcon(ctx, 'backspace', (w - size) / 2, (h - size) / 2, size, style.color);
      return;
    }
    drawText(ctx, this.#label, { x: 2, y: 0, w: w - 4, h }, { color: style.color, fontSize: theme.fontSize.large, fontWeight: style.fontWeight }, 'center');
  }
}

export interface KeyboardOptions extends LayoutProps {
  onKey: (key: KeyboardKey) => void;
  /** The confirm key's label ("Search", "Done"); default "OK". */
  enterLabel?: string;
  /** The space bar's label; default empty. */
  spaceLabel?: string;
}

export class OnScreenKeyboard extends Widget {
  readonly keys: readonly KeyCap[];

  constructor(opts: KeyboardOptions) {
    super('container', { flexDirection: 'column', gap: 4, ...opts });
    this.interactive = false;
    const keys: KeyCap[] = [];
    const row = (): Widget => {
      const r = new Widget('container', { flexDirection: 'row', flexGrow: 1, flexBasis: 0, gap: 4 });
      r.interactive = false;
      this.add(r);
      return r;
    };
    for (const chars of ROWS) {
      const r = row();
      for (const ch of chars) {
        const k = new KeyCap({ char: ch }, ch, opts.onKey);
        keys.push(k);
        r.add(k);
      }
    }
    const last = row();
    const back = new KeyCap({ action: 'backspace' }, '', opts.onKey, { flexGrow: 2 });
    const space = new KeyCap({ char: ' ' }, opts.spaceLabel ?? '', opts.onKey, { flexGrow: 5 });
    const enter = new KeyCap({ action: 'enter' }, opts.enterLabel ?? 'OK', opts.onKey, { flexGrow: 3 });
    keys.push(back, space, enter);
    last.add(back, space, enter);
    this.keys = keys;
  }

  /** The key cap for a character or action (tests press it). */
  key(charOrAction: string): KeyCap | undefined {
    return this.keys.find((k) => ('char' in k.key ? k.key.char === charOrAction : k.key.action === charOrAction));
  }
}
