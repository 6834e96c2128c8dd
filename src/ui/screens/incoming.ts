/**
 * A call ringing with nothing else going on: who is calling (name, number), who it was forwarded from and
 * why, whether it rings silently (do not disturb), how many more calls ring behind it, and the three
 * answers: answer, reject, forward. (A call ringing during another call is the in-call screen's banner.)
 */
import type { CallView } from '../../phone/call-control.js';
import { Container } from '../widgets/container.js';
import { Icon } from '../widgets/icon.js';
import { uriForDisplay } from './phone-view.js';
import { type ScreenBuilder, type ScreenContext, partyLines, softkey, textLine } from './screen-kit.js';

/** The call this screen answers: the one that started ringing first (the phone's ring order). */
export function ringingCall(calls: readonly CallView[]): CallView | undefined {
  return calls.filter((c) => c.state === 'ringing').sort((a, b) => a.startedAt - b.startedAt)[0];
}

export const buildIncomingScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const call = ringingCall(view.calls.calls);
  const body = new Container({ flexGrow: 1, flexShrink: 1, alignItems: 'center', justifyContent: 'center', padding: 16, gap: 8 });
  if (!call) return { title: t.t('incoming.title'), body, softkeys: [] };

  const who = partyLines(t, call.remote);
  body.add(
    new Icon('phone', { size: 56, color: c.success, margin: { bottom: 6 } }),
    textLine(t.t('incoming.title'), { color: c.textMuted, fontSize: theme.fontSize.large }, { flexShrink: 0 }),
    textLine(who.primary, { fontSize: 34, fontWeight: 'bold' }, { align: 'center', maxWidth: '100%' }),
  );
  if (who.secondary) body.add(textLine(who.secondary, { fontSize: theme.fontSize.large, color: c.textMuted }, { align: 'center', maxWidth: '100%' }));
  const from = forwardedFromLine(ctx, call);
  if (from) body.add(textLine(from, { color: c.warning, fontWeight: 'bold' }, { align: 'center', maxWidth: '100%', margin: { top: 6 } }));
  if (call.silent) body.add(textLine(t.t('incoming.silent'), { color: c.textMuted }, { align: 'center', maxWidth: '100%' }));
  const more = view.calls.calls.filter((x) => x.state === 'ringing').length - 1;
  if (more > 0) body.add(textLine(t.t('incoming.moreRinging', { count: more }), { color: c.textMuted }, { align: 'center', maxWidth: '100%' }));

  return {
    title: t.t('incoming.title'),
    body,
    softkeys: [
      softkey(ctx, t.t('softkey.answer'), { type: 'answer', callId: call.id }),
      softkey(ctx, t.t('softkey.reject'), { type: 'reject', callId: call.id }),
      softkey(ctx, t.t('softkey.forward'), { type: 'forward', callId: call.id }),
      undefined,
    ],
  };
};

function forwardedFromLine(ctx: ScreenContext, call: CallView): string | undefined {
  const f = call.forwardedFrom;
  if (!f) return undefined;
  const party = f.name?.trim() || uriForDisplay(f.uri);
  const reason = forwardReason(ctx, f.reason);
  return reason ? ctx.t.t('incoming.forwardedFromReason', { party, reason }) : ctx.t.t('incoming.forwardedFrom', { party });
}

const FORWARD_REASONS = ['unconditional', 'user-busy', 'no-answer', 'do-not-disturb', 'deflection', 'unavailable'] as const;

/** The network's diversion reason token in words; 'unknown' (and absence) says nothing worth showing. */
function forwardReason(ctx: ScreenContext, reason: string | undefined): string | undefined {
  if (reason === undefined || reason === 'unknown') return undefined;
  const known = FORWARD_REASONS.find((r) => r === reason);
  return known ? ctx.t.t(`forwardReason.${known}`) : reason;
}
