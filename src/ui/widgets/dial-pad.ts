/** The 3 × 4 dial pad: digit keys with their letters, for touch dialing. */
import type { SKRSContext2D } from '@napi-rs/canvas';
import type { DigitKey } from '../core/keys.js';
import type { LayoutProps } from '../core/layout.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import { Widget, paintBox } from '../core/widget.js';
import { drawText } from './label.js';

const KEYS: readonly (readonly [DigitKey, string])[] = [
  ['1', ''],
  ['2', 'ABC'],
  ['3', 'DEF'],
  ['4', 'GHI'],
  ['5', 'JKL'],
  ['6', 'MNO'],
  ['7', 'PQRS'],
  ['8', 'TUV'],
  ['9', 'WXYZ'],
  ['*', ''],
  ['0', '+'],
  ['#', ''],
];

export class DialKey extends Widget {
  readonly digit: DigitKey;
  readonly letters: string;

  constructor(digit: DigitKey, letters: string, onDigit: (d: DigitKey) => void) {
    super('dial-key', { flexGrow: 1, flexBasis: 0 });
    this.digit = digit;
    this.letters = letters;
    this.focusable = true;
    this.on('tap', () => onDigit(digit));
  }

  override paint(ctx: SKRSContext2D, style: Style, theme: Theme): void {
    const { w, h } = this.bounds;
    paintBox(ctx, w, h, style);
    const digitH = this.letters ? h * 0.62 : h;
    drawText(ctx, this.digit, { x: 0, y: 0, w, h: digitH }, style, 'center');
    if (this.letters) {
      drawText(ctx, this.letters, { x: 0, y: digitH - h * 0.12, w, h: h - digitH }, { color: theme.colors.textMuted, fontSize: theme.fontSize.small, fontWeight: 'normal' }, 'center');
    }
  }
}

export interface DialPadOptions extends LayoutProps {
  onDigit: (digit: DigitKey) => void;
}

export class DialPad extends Widget {
  readonly keys: readonly DialKey[];

  constructor(opts: DialPadOptions) {
    super('container', { flexDirection: 'column', gap: 6, ...opts });
    this.interactive = false;
    const keys: DialKey[] = [];
    for (let row = 0; row < 4; row++) {
      const r = new Widget('container', { flexDirection: 'row', flexGrow: 1, flexBasis: 0, gap: 6 });
      r.interactive = false;
      for (const [d, letters] of KEYS.slice(row * 3, row * 3 + 3)) {
        const k = new DialKey(d, letters, opts.onDigit);
        keys.push(k);
        r.add(k);
      }
      this.add(r);
    }
    this.keys = keys;
  }

  key(digit: DigitKey): DialKey | undefined {
    return this.keys.find((k) => k.digit === digit);
  }
}
