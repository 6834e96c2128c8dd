/**
 * The lock screen (clock, "Locked", emergency numbers still dial: the keypad knows the emergency list and
 * refuses the rest while locked) with PIN unlock, and the sign-in screen (user and PIN) for hot desking.
 */
import { Container } from '../widgets/container.js';
import { Icon } from '../widgets/icon.js';
import { TextField } from '../widgets/text-field.js';
import { entry } from './entry.js';
import { type ScreenBuilder, banner, iconLine, softkey, textLine } from './screen-kit.js';

export const buildLockScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const pin = ctx.nav.local.unlockPin;
  const left = new Container({ flexGrow: 1, flexShrink: 1, padding: { x: 24, y: 16 }, gap: 8 });
  left.add(
    textLine(t.time(view.now), { fontSize: 52, fontWeight: 'bold' }, { flexShrink: 0 }),
    textLine(t.date(view.now), { fontSize: theme.fontSize.large, color: c.textMuted }),
    new Container({ flexDirection: 'row', alignItems: 'center', gap: 10, margin: { top: 14 }, flexShrink: 0 }).add(
      new Icon('lock', { size: 30, color: c.primary }),
      textLine(t.t('lock.locked'), { fontSize: theme.fontSize.title, fontWeight: 'bold' }),
    ),
  );
  const d = view.dialer;
  if (pin === undefined) {
    left.add(textLine(t.t('lock.emergencyOnly'), { color: c.textMuted, fontSize: theme.fontSize.large }));
    if (d.digits !== '') {
      const typed = new TextField({ value: d.digits, flexShrink: 0 });
      typed.focusable = false;
      typed.setStyle({ fontSize: theme.fontSize.dial, fontWeight: 'bold' });
      left.add(typed);
    }
    if (d.blocked) left.add(banner(t.t('lock.blocked'), c.danger, c.dangerText, 'lock'));
    return {
      title: t.t('lock.title'),
      body: left,
      wide: true,
      softkeys:
        d.digits !== ''
          ? [softkey(ctx, t.t('softkey.dial'), { type: 'dialer', key: 'dial' }), softkey(ctx, t.t('softkey.delete'), { type: 'dialer', key: 'back' }), undefined, softkey(ctx, t.t('softkey.cancel'), { type: 'dialer', key: 'clear' })]
          : [{ label: t.t('softkey.unlock'), onPress: () => ctx.nav.setLocal({ unlockPin: '' }) }, undefined, undefined, undefined],
    };
  }
  const submit = (): void => {
    ctx.send({ type: 'unlock', pin });
    ctx.nav.setLocal({ unlockPin: '' });
  };
  const e = entry(ctx, { value: pin, placeholder: t.t('lock.pinPlaceholder'), mode: 'digits', mask: true, maxLength: 16, onChange: (v) => ctx.nav.setLocal({ unlockPin: v }), onEnter: submit });
  left.add(e.field);
  if (view.lock?.failed) left.add(iconLine('close', t.t('pin.wrong'), c.danger, { fontWeight: 'bold' }));
  const body = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1, gap: 16, padding: { right: 16, y: 8 } }).add(left);
  if (view.touch !== false) body.add(e.dialPad(240).layout({ padding: { top: 8, bottom: 8 } }));
  return {
    title: t.t('lock.title'),
    body,
    wide: true,
    onKey: (code) => {
      if (code === 'back' && pin === '') {
        ctx.nav.setLocal({ unlockPin: undefined });
        return true;
      }
      return e.onKey(code);
    },
    softkeys: [
      { label: t.t('softkey.unlock'), onPress: submit },
      { label: t.t('softkey.delete'), onPress: () => ctx.nav.setLocal({ unlockPin: Array.from(pin).slice(0, -1).join('') }) },
      undefined,
      { label: t.t('softkey.cancel'), onPress: () => ctx.nav.setLocal({ unlockPin: undefined }) },
    ],
  };
};

export const buildSignInScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const local = ctx.nav.local;
  const user = local.signInUser;
  const field = local.signInField;
  const submit = (): void => {
    if (local.signInUser.trim() === '' || local.signInPin === '') return;
    ctx.send({ type: 'sign-in', user: local.signInUser.trim(), pin: local.signInPin });
    ctx.nav.setLocal({ signInPin: '' });
  };
  const userEntry = entry(ctx, { value: user, placeholder: t.t('signIn.user'), mode: 'text', maxLength: 64, onChange: (v) => ctx.nav.setLocal({ signInUser: v }), onEnter: () => ctx.nav.setLocal({ signInField: 'pin' }), enterLabel: t.t('signIn.next') });
  const pinEntry = entry(ctx, { value: local.signInPin, placeholder: t.t('signIn.pin'), mode: 'digits', mask: true, maxLength: 16, onChange: (v) => ctx.nav.setLocal({ signInPin: v }), onEnter: submit, enterLabel: t.t('signIn.submit') });
  const active = field === 'user' ? userEntry : pinEntry;
  const mark = (f: TextField, on: boolean): TextField => {
    f.setStyle({ ...f.styleOverride, borderColor: on ? c.primary : c.border, borderWidth: on ? 2 : 1 });
    f.on('tap', () => ctx.nav.setLocal({ signInField: f === userEntry.field ? 'user' : 'pin' }));
    f.interactive = true;
    return f;
  };
  const form = new Container({ flexGrow: 1, flexShrink: 1, padding: { x: 24, y: 12 }, gap: 8 });
  form.add(
    new Container({ flexDirection: 'row', alignItems: 'center', gap: 12, flexShrink: 0 }).add(new Icon('person', { size: 36, color: c.primary }), textLine(t.t('signIn.title'), { fontSize: theme.fontSize.title, fontWeight: 'bold' })),
    textLine(t.t('signIn.hint'), { color: c.textMuted }),
  );
  if (view.signIn?.error) form.add(banner(view.signIn.error, c.danger, c.dangerText, 'close'));
  if (view.signIn?.busy) form.add(iconLine('redial', t.t('signIn.busy'), c.textMuted));
  const fields = new Container({ flexDirection: 'row', gap: 12, flexShrink: 0 }).add(
    mark(userEntry.field, field === 'user').layout({ flexGrow: 1, flexBasis: 0 }),
    mark(pinEntry.field, field === 'pin').layout({ flexGrow: 1, flexBasis: 0 }),
  );
  form.add(fields, new Container({ flexGrow: 1 }));
  if (view.touch !== false) form.add(field === 'user' ? userEntry.keyboard().layout({ height: 168 }) : pinEntry.dialPad(300).layout({ height: 168, alignSelf: 'center' }));
  return {
    title: t.t('signIn.title'),
    body: form,
    wide: true,
    onKey: (code) => {
      if (code === 'down' || code === 'up') {
        ctx.nav.setLocal({ signInField: field === 'user' ? 'pin' : 'user' });
        return true;
      }
      return active.onKey(code);
    },
    softkeys: [
      { label: t.t('signIn.submit'), onPress: submit },
      { label: t.t(field === 'user' ? 'signIn.pin' : 'signIn.user'), onPress: () => ctx.nav.setLocal({ signInField: field === 'user' ? 'pin' : 'user' }) },
      { label: t.t('softkey.delete'), onPress: () => (field === 'user' ? ctx.nav.setLocal({ signInUser: Array.from(local.signInUser).slice(0, -1).join('') }) : ctx.nav.setLocal({ signInPin: Array.from(local.signInPin).slice(0, -1).join('') })) },
      undefined,
    ],
  };
};
