/**
 * Typing on the phone: one entry field whose value lives in the shell (screens are rebuilt on every change),
 * fed by an on-screen keyboard (touch boards), the touch dial pad (numbers), or the keypad: digits as
 * digits, or as letters by multi-tap (2 = a b c …) for names. Backspace deletes, # confirms.
 */
import { type KeyCode, isDigitKey } from '../core/keys.js';
import { DialPad } from '../widgets/dial-pad.js';
import { type KeyboardKey, OnScreenKeyboard } from '../widgets/keyboard.js';
import { TextField } from '../widgets/text-field.js';
import { MultiTap } from './navigation.js';
import type { ScreenContext } from './screen-kit.js';

export interface EntryOptions {
  readonly value: string;
  readonly placeholder: string;
  /** 'text': letters by multi-tap and the keyboard; 'digits': numbers (and addresses on the keyboard). */
  readonly mode: 'text' | 'digits';
  /** Show dots instead of the value (PINs). */
  readonly mask?: boolean;
  readonly maxLength?: number;
  readonly onChange: (value: string) => void;
  readonly onEnter?: () => void;
  readonly enterLabel?: string;
}

export interface Entry {
  readonly field: TextField;
  /** Feeds a keypad key to the entry; true when it was used. */
  onKey(code: KeyCode): boolean;
  /** An on-screen keyboard bound to the entry. */
  keyboard(): OnScreenKeyboard;
  /** A touch dial pad bound to the entry (digits, * and #). */
  dialPad(width: number): DialPad;
}

export function entry(ctx: ScreenContext, o: EntryOptions): Entry {
  const max = o.maxLength ?? 64;
  const shown = o.mask ? '•'.repeat(Array.from(o.value).length) : o.value;
  const field = new TextField({ value: shown, placeholder: o.placeholder, maxLength: Math.max(max, shown.length), flexShrink: 0 });
  field.setStyle({ fontSize: o.mode === 'digits' ? ctx.theme.fontSize.dial : ctx.theme.fontSize.large, fontWeight: o.mode === 'digits' ? 'bold' : 'normal', borderColor: ctx.theme.colors.primary, borderWidth: 2 });
  // Keys reach the entry through the shell (the value lives there), never through the field's own handler.
  field.focusable = false;
  const set = (v: string): void => {
    if (v !== o.value) o.onChange(Array.from(v).slice(0, max).join(''));
  };
  const backspace = (): void => {
    ctx.nav.multiTap.reset();
    set(Array.from(o.value).slice(0, -1).join(''));
  };
  const onKeyboard = (k: KeyboardKey): void => {
    ctx.nav.multiTap.reset();
    if ('char' in k) set(o.value + k.char);
    else if (k.action === 'backspace') backspace();
    else o.onEnter?.();
  };
  return {
    field,
    onKey(code) {
      if (code === 'back') {
        if (o.value === '') return false;
        backspace();
        return true;
      }
      if (code === '#' && o.onEnter && (o.mode === 'text' || o.value !== '')) {
        o.onEnter();
        return true;
      }
      if (!isDigitKey(code)) return false;
      if (o.mode === 'text' && MultiTap.handles(code)) set(ctx.nav.multiTap.press(o.value, code, max));
      else set(o.value + code);
      return true;
    },
    keyboard: () => new OnScreenKeyboard({ onKey: onKeyboard, enterLabel: o.enterLabel ?? ctx.t.t('common.ok'), flexShrink: 0 }),
    dialPad: (width) => new DialPad({ width, flexShrink: 0, onDigit: (d) => set(o.value + d) }),
  };
}
