/**
 * Where to send a call: the transfer target (Blind transfers at once; Consult calls the target first, and
 * Complete on the call screen then joins the two) and the incoming call's Forward target. Digits from the
 * keypad or the touch dial pad.
 */
import type { CallView } from '../../phone/call-control.js';
import { Container } from '../widgets/container.js';
import { entry } from './entry.js';
import { type ScreenBuilder, type ScreenContext, partyName, textLine } from './screen-kit.js';

function targetScreen(ctx: ScreenContext, heading: string, call: CallView | undefined, actions: (target: string) => { blind: () => void; consult?: () => void }): ReturnType<ScreenBuilder> {
  const { view, t, theme } = ctx;
  const text = ctx.nav.route?.text ?? '';
  const act = actions(text.trim());
  const e = entry(ctx, { value: text, placeholder: t.t('transfer.placeholder'), mode: 'digits', onChange: (v) => ctx.nav.update({ text: v }), onEnter: () => text.trim() !== '' && act.blind() });
  const left = new Container({ flexGrow: 1, flexShrink: 1, gap: 10, padding: { top: 12 } }).add(
    textLine(heading, { fontSize: theme.fontSize.title, fontWeight: 'bold' }),
    textLine(call ? partyName(t, call.remote) : '', { color: theme.colors.textMuted, fontSize: theme.fontSize.large }),
    e.field,
  );
  if (act.consult) left.add(textLine(t.t('transfer.hint'), { color: theme.colors.textMuted, fontSize: theme.fontSize.small }));
  const body = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1, padding: { x: 16, y: 8 }, gap: 16 }).add(left);
  if (view.touch !== false) body.add(e.dialPad(240).layout({ padding: { top: 8, bottom: 8 } }));
  const ready = text.trim() !== '';
  return {
    title: heading,
    body,
    onKey: (code) => e.onKey(code),
    softkeys: [
      ready ? { label: act.consult ? t.t('softkey.blind') : t.t('softkey.forward'), onPress: act.blind } : undefined,
      ready && act.consult ? { label: t.t('softkey.consult'), onPress: act.consult } : undefined,
      { label: t.t('softkey.delete'), onPress: () => ctx.nav.update({ text: Array.from(text).slice(0, -1).join('') }) },
      { label: t.t('softkey.cancel'), onPress: () => ctx.nav.back() },
    ],
  };
}

export const buildTransferScreen: ScreenBuilder = (ctx) => {
  const callId = ctx.nav.route?.callId ?? '';
  const call = ctx.view.calls.calls.find((c) => c.id === callId);
  return targetScreen(ctx, ctx.t.t('transfer.title'), call, (target) => ({
    blind: () => ctx.send({ type: 'transfer-blind', callId, target }),
    consult: () => ctx.send({ type: 'consult', callId, target }),
  }));
};

export const buildDeflectScreen: ScreenBuilder = (ctx) => {
  const callId = ctx.nav.route?.callId ?? '';
  const call = ctx.view.calls.calls.find((c) => c.id === callId);
  return targetScreen(ctx, ctx.t.t('deflect.title'), call, (target) => ({ blind: () => ctx.send({ type: 'deflect', callId, target }) }));
};
