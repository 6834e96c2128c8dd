/**
 * The idle screen: what the phone shows when nothing is happening. A large clock and date, who is signed
 * in and their presence, the registration state (with the network's reason when it is not "signed in"),
 * and what is waiting: missed calls, voicemail (the message lamp), forwarding and do-not-disturb.
 */
import type { PresenceStateName } from '../../phone/presence.js';
import type { Theme } from '../core/theme.js';
import type { MessageKey } from '../i18n/catalog.js';
import { Container } from '../widgets/container.js';
import { problemBanner } from './errors.js';
import { Icon, type Presence } from '../widgets/icon.js';
import { type PhoneView, uriForDisplay } from './phone-view.js';
import { type ScreenBuilder, type ScreenContext, banner, iconLine, noticeText, softkey, textLine } from './screen-kit.js';
import type { CallNotice } from '../../phone/call-control.js';

/** The status-bar dot for each presence state (the toolkit has four colors). */
export function presenceDot(state: PresenceStateName): Presence {
  switch (state) {
    case 'available':
      return 'available';
    case 'busy':
    case 'in-conference':
    case 'dnd':
      return 'busy';
    case 'brb':
    case 'away':
      return 'away';
    case 'offline':
      return 'offline';
  }
}

export function presenceKey(state: PresenceStateName): `presence.${PresenceStateName}` & MessageKey {
  return `presence.${state}`;
}

/**
 * How long the idle screen shows why the last call failed ("Busy", "Declined"), as desk phones do for a
 * few seconds after the busy tone starts; the phone redraws when it runs out.
 */
export const NOTICE_SHOW_MS = 8_000;

/** The call core's last notice, while it is recent enough to show on the idle screen. */
export function recentNotice(view: PhoneView): CallNotice | undefined {
  const n = view.calls.notice;
  return n && view.now - n.at < NOTICE_SHOW_MS ? n : undefined;
}

export const buildIdleScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const body = new Container({ flexGrow: 1, flexShrink: 1, padding: { x: 20, y: 14 }, gap: 8 });

  const clock = new Container({ flexDirection: 'row', alignItems: 'end', gap: 16, flexShrink: 0 }).add(
    textLine(t.time(view.now), { fontSize: 52, fontWeight: 'bold' }, { flexShrink: 0 }),
    textLine(t.date(view.now), { fontSize: theme.fontSize.large, color: c.textMuted }, { margin: { bottom: 10 } }),
  );
  body.add(clock);

  const who = view.registration.displayName?.trim() || uriForDisplay(view.registration.aor);
  body.add(textLine(who, { fontSize: theme.fontSize.title, fontWeight: 'bold' }, { flexShrink: 0 }));
  body.add(presenceLine(ctx));
  body.add(problemBanner(ctx) ?? registrationLine(ctx));
  const notice = recentNotice(view);
  if (notice) body.add(banner(noticeText(t, notice), c.danger, c.dangerText, 'close'));

  // What is waiting, most urgent first.
  const missed = Math.max(0, Math.floor(view.missedCalls ?? 0));
  if (missed > 0) body.add(iconLine('phone', t.t('idle.missedCalls', { count: missed }), c.danger, { fontWeight: 'bold' }));
  const messages = view.colleagues?.messages;
  if (messages && messages.newMessages > 0) {
    let text = t.t('idle.voicemail', { count: messages.newMessages });
    if (messages.urgentNew > 0) text += ` · ${t.t('idle.voicemailUrgent', { count: messages.urgentNew })}`;
    body.add(iconLine('voicemail', text, c.primary, { fontWeight: 'bold' }));
  } else if (messages && messages.oldMessages > 0) {
    body.add(iconLine('voicemail', t.t('idle.voicemailOld', { count: messages.oldMessages }), c.textMuted));
  }
  const forwardTo = view.calls.forwarding.always;
  if (forwardTo !== undefined) body.add(iconLine('transfer', t.t('idle.forwardAlways', { target: uriForDisplay(forwardTo) }), c.warning));
  if (view.calls.dnd) body.add(iconLine('dnd', t.t('idle.dndOn'), c.danger));
  // Multiple points of presence (RFC 3680 reg event): the user is signed in elsewhere too (softphone, mobile).
  const others = view.colleagues?.otherDevices.length ?? 0;
  if (others > 0) body.add(iconLine('person', t.t('idle.otherDevices', { count: others }), c.textMuted));

  return {
    body,
    softkeys: [
      softkey(ctx, t.t('softkey.redial'), { type: 'redial' }),
      softkey(ctx, t.t('softkey.contacts'), { type: 'open', screen: 'contacts' }),
      softkey(ctx, t.t('softkey.callLog'), { type: 'open', screen: 'call-log' }),
      softkey(ctx, t.t('softkey.menu'), { type: 'open', screen: 'menu' }),
    ],
  };
};

function presenceLine(ctx: ScreenContext): Container {
  const { view, t, theme } = ctx;
  const p = view.presence;
  // Unregistered shows offline whatever the user chose; say what they chose so it does not look lost.
  const text =
    p.state === 'offline' && p.manual !== undefined && p.manual !== 'offline'
      ? t.t('presence.manualHidden', { state: t.t(presenceKey(p.manual)) })
      : t.t(presenceKey(p.state));
  const row = new Container({ flexDirection: 'row', alignItems: 'center', gap: 8, flexShrink: 0 }).add(
    new Icon('presence', { size: 16, presence: presenceDot(p.state) }),
    textLine(text, { fontSize: theme.fontSize.large }, { flexShrink: 0 }),
  );
  if (p.note) row.add(textLine(`— ${p.note}`, { color: theme.colors.textMuted, fontSize: theme.fontSize.large }, { flexGrow: 1 }));
  return row;
}

function registrationLine(ctx: ScreenContext): Container {
  const { view, t, theme } = ctx;
  const r = view.registration;
  const state = t.t(`registration.${r.state}`);
  if (r.state === 'registered') return iconLine('check', state, theme.colors.success);
  const text = r.reason ? t.t('registration.withReason', { state, reason: r.reason }) : state;
  const [background, color] = registrationColors(theme, r.state);
  return banner(text, background, color, r.state === 'failed' ? 'close' : 'redial');
}

function registrationColors(theme: Theme, state: 'unregistered' | 'registering' | 'failed'): [string, string] {
  const c = theme.colors;
  return state === 'failed' ? [c.danger, c.dangerText] : [c.warning, c.textInverse];
}
