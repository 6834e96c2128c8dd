/**
 * The dialer: the digits typed so far, what the dial plan makes of them (the number that will be called),
 * why the last attempt did not dial, and a touch dial pad. The Keypad (src/phone/keypad.ts) owns the
 * digits; this screen only shows them and sends key presses back as intents.
 */
import { Container } from '../widgets/container.js';
import { DialPad } from '../widgets/dial-pad.js';
import { TextField } from '../widgets/text-field.js';
import { type ScreenBuilder, softkey, textLine } from './screen-kit.js';

export const buildDialerScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const d = view.dialer;

  const entry = new TextField({ value: d.digits, placeholder: t.t('dialer.placeholder'), flexShrink: 0 });
  entry.setStyle({ fontSize: theme.fontSize.dial, fontWeight: 'bold' });
  // Typing goes through the Keypad (it owns the digits and its timers), not into the field itself.
  entry.focusable = false;

  const left = new Container({ flexGrow: 1, flexShrink: 1, gap: 10, padding: { top: 16 } }).add(entry);
  // The preview matters only when it differs from what was typed (a dial-plan rewrite or normalization).
  if (d.preview !== '' && d.preview !== d.digits) {
    left.add(textLine(t.t('dialer.preview', { number: d.preview }), { fontSize: theme.fontSize.large, color: c.primary }));
  }
  if (d.blocked) left.add(textLine(t.t('dialer.blocked', { reason: d.blocked }), { color: c.danger, fontWeight: 'bold' }));

  const pad = new DialPad({ width: 240, flexShrink: 0, padding: { top: 8, bottom: 8 }, onDigit: (digit) => ctx.send({ type: 'dialer', key: digit }) });
  const body = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1, padding: { x: 16, y: 8 }, gap: 16 }).add(left, pad);

  return {
    title: t.t('dialer.title'),
    body,
    softkeys: [
      softkey(ctx, t.t('softkey.dial'), { type: 'dialer', key: 'dial' }),
      softkey(ctx, t.t('softkey.delete'), { type: 'dialer', key: 'back' }),
      undefined,
      softkey(ctx, t.t('softkey.cancel'), { type: 'dialer', key: 'clear' }),
    ],
  };
};
