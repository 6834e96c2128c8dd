/**
 * The call screen: the call being talked on (or placed), its timer, hold and mute states, a conference's
 * two parties, a transfer under way or failed, a second call ringing (call-waiting banner) and the other
 * calls on hold. Softkeys follow what can be done next: answer the waiting call, swap or join two calls,
 * or hold, mute, transfer and end the one call. During a consultation (attended transfer) Complete joins
 * the held caller with the person consulted; a Keypad button opens the DTMF pad on touch boards.
 */
import type { CallView } from '../../phone/call-control.js';
import type { SoftkeyDef } from '../widgets/softkey-bar.js';
import { Button } from '../widgets/button.js';
import { Container } from '../widgets/container.js';
import { DialPad } from '../widgets/dial-pad.js';
import { focusedCall, uriForDisplay } from './phone-view.js';
import { type ScreenBuilder, type ScreenContext, banner, iconLine, noticeText, partyLines, partyName, softkey, textLine } from './screen-kit.js';
import { ringingCall } from './incoming.js';

export const buildInCallScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const calls = view.calls.calls;
  const call = focusedCall(calls);
  const waiting = ringingCall(calls);
  const conference = calls.filter((x) => x.conference && x.state === 'connected');
  const inConference = conference.length >= 2;
  const body = new Container({ flexGrow: 1, flexShrink: 1, padding: { x: 16, y: 10 }, gap: 8 });

  if (waiting) body.add(banner(t.t('call.waiting', { party: partyName(t, waiting.remote) }), c.warning, c.textInverse, 'phone'));

  const panel = new Container({ panel: true, flexShrink: 0, padding: { x: 16, y: 12 }, gap: 6 });
  body.add(panel);
  if (inConference) {
    const [a, b] = conference;
    panel.add(
      textLine(t.t('call.conferenceTitle'), { fontSize: 30, fontWeight: 'bold' }),
      textLine(t.t('call.conferenceWith', { first: partyName(t, a!.remote), second: partyName(t, b!.remote) }), { fontSize: theme.fontSize.large, color: c.textMuted }),
    );
  } else if (call) {
    const who = partyLines(t, call.remote);
    panel.add(textLine(who.primary, { fontSize: 30, fontWeight: 'bold' }));
    if (who.secondary) panel.add(textLine(who.secondary, { fontSize: theme.fontSize.large, color: c.textMuted }));
  }
  if (call) {
    const [stateText, stateColor] = stateLine(ctx, call);
    const row = new Container({ flexDirection: 'row', alignItems: 'center', gap: 16, flexShrink: 0, margin: { top: 4 } }).add(
      textLine(stateText, { fontSize: theme.fontSize.large, fontWeight: 'bold', color: stateColor }, { flexGrow: 1 }),
    );
    if (call.state === 'connected') {
      row.add(textLine(t.duration(view.now - (call.answeredAt ?? call.startedAt)), { fontSize: theme.fontSize.dial, fontWeight: 'bold' }, { flexShrink: 0 }));
    }
    panel.add(row);
    if (call.muted) panel.add(iconLine('mute', t.t('call.muted'), c.danger, { fontWeight: 'bold' }));
    if (call.remoteHold && !call.held) panel.add(iconLine('hold', t.t('call.remoteHold'), c.warning));
    if (call.transfer) panel.add(transferLine(ctx, call.transfer));
  }

  // The DTMF pad (touch boards): digits go through the keypad, which sends them as DTMF in a connected call.
  if (call?.state === 'connected' && !call.held && view.touch !== false) {
    const padOn = ctx.nav.local.dtmfPad;
    const row = new Container({ flexDirection: 'row', gap: 8, flexShrink: 0 }).add(
      new Button(t.t(padOn ? 'call.hideKeypad' : 'call.keypad'), { icon: 'keyboard', onPress: () => ctx.nav.setLocal({ dtmfPad: !padOn }) }),
    );
    if (call.dtmfReceived === '' && padOn) row.add(textLine(t.t('call.dtmfHint'), { color: c.textMuted }, { flexGrow: 1, alignSelf: 'center' }));
    body.add(row);
  }

  const notice = view.calls.notice;
  if (notice) body.add(textLine(noticeText(t, notice), { color: c.danger, fontWeight: 'bold' }));

  for (const other of calls) {
    if (other === call || other.state !== 'connected' || (inConference && other.conference)) continue;
    const duration = t.duration(view.now - (other.answeredAt ?? other.startedAt));
    body.add(iconLine('hold', t.t('call.otherHeld', { party: partyName(t, other.remote), duration }), c.textMuted));
  }

  const consultFrom = consultation(ctx, call);
  if (consultFrom) body.add(iconLine('transfer', t.t('call.consulting', { party: partyName(t, consultFrom.remote) }), c.primary, { fontWeight: 'bold' }));
  const content = { title: t.t(inConference ? 'call.conferenceTitle' : 'call.title'), softkeys: softkeysFor(ctx, call, waiting, inConference, consultFrom) };
  if (!ctx.nav.local.dtmfPad || call?.state !== 'connected' || call.held) return { ...content, body };
  const pad = new DialPad({ width: 230, flexShrink: 0, padding: { top: 10, bottom: 10 }, onDigit: (digit) => ctx.send({ type: 'dialer', key: digit }) });
  return { ...content, body: new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1, gap: 4, padding: { right: 12 } }).add(body, pad) };
};

/** The held call an attended transfer started from, while its consultation call is the one in focus. */
function consultation(ctx: ScreenContext, call: CallView | undefined): CallView | undefined {
  const from = ctx.nav.local.consult?.fromCallId;
  if (!from || !call || call.id === from) return undefined;
  return ctx.view.calls.calls.find((x) => x.id === from && x.state === 'connected');
}

function stateLine(ctx: ScreenContext, call: CallView): [string, string] {
  const { t, theme } = ctx;
  const c = theme.colors;
  switch (call.state) {
    case 'dialing':
      return [t.t('call.dialing'), c.textMuted];
    case 'ringback':
      return [t.t('call.ringback'), c.textMuted];
    case 'early-media':
      return [t.t('call.earlyMedia'), c.textMuted];
    case 'ringing':
    case 'connected':
      return call.held ? [t.t('call.onHold'), c.warning] : [t.t('call.connected'), c.success];
  }
}

function transferLine(ctx: ScreenContext, transfer: NonNullable<CallView['transfer']>): Container {
  const { t, theme } = ctx;
  const target = uriForDisplay(transfer.to);
  return transfer.state === 'requested'
    ? iconLine('transfer', t.t('call.transferring', { target }), theme.colors.primary)
    : iconLine('transfer', t.t('call.transferFailed', { target, reason: transfer.reason ?? '—' }), theme.colors.danger, { fontWeight: 'bold' });
}

function softkeysFor(ctx: ScreenContext, call: CallView | undefined, waiting: CallView | undefined, inConference: boolean, consultFrom: CallView | undefined): (SoftkeyDef | undefined)[] {
  const { t } = ctx;
  const end = call ? softkey(ctx, t.t('softkey.end'), { type: 'hangup', callId: call.id }) : undefined;
  if (consultFrom && call && !waiting) {
    // Consultation: Complete joins the held caller with the person consulted (once they answered).
    const complete = call.state === 'connected' ? softkey(ctx, t.t('softkey.complete'), { type: 'transfer-complete', callId: consultFrom.id, to: call.id }) : undefined;
    return [complete, call.state === 'connected' ? softkey(ctx, t.t('softkey.swap'), { type: 'swap' }) : undefined, undefined, end];
  }
  if (waiting) {
    return [
      softkey(ctx, t.t('softkey.answer'), { type: 'answer', callId: waiting.id }),
      softkey(ctx, t.t('softkey.reject'), { type: 'reject', callId: waiting.id }),
      undefined,
      end,
    ];
  }
  if (!call || call.state !== 'connected') return [undefined, undefined, undefined, end];
  const holdKey = call.held
    ? softkey(ctx, t.t('softkey.resume'), { type: 'resume', callId: call.id })
    : softkey(ctx, t.t('softkey.hold'), { type: 'hold', callId: call.id });
  const muteKey = softkey(ctx, t.t(call.muted ? 'softkey.unmute' : 'softkey.mute'), { type: 'mute', callId: call.id, on: !call.muted });
  if (inConference) return [holdKey, muteKey, undefined, end];
  const connected = ctx.view.calls.calls.filter((x) => x.state === 'connected').length;
  if (connected >= 2) {
    return [softkey(ctx, t.t('softkey.swap'), { type: 'swap' }), softkey(ctx, t.t('softkey.conference'), { type: 'conference' }), muteKey, end];
  }
  return [holdKey, muteKey, softkey(ctx, t.t('softkey.transfer'), { type: 'transfer', callId: call.id }), end];
}
