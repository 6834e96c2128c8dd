/**
 * What the phone screens are a function of: one PhoneView (the phone's snapshots plus the clock, locale and
 * theme), which screen a view calls for, and the intents the screens send back. Screens never read live
 * objects, so the same view always draws the same pixels (golden tests, the API's screenshot).
 */
import type { CallControlSnapshot, CallView } from '../../phone/call-control.js';
import type { ColleaguesSnapshot } from '../../phone/colleagues.js';
import type { DialerView } from '../../phone/keypad.js';
import type { PresenceState } from '../../phone/presence.js';
import type { DigitKey } from '../core/keys.js';
import type { Theme } from '../core/theme.js';
import type { Locale } from '../i18n/catalog.js';

/**
 * The registration as the screens need it. Mirrors src/sip/registration.ts's RegistrationStatus (the UI may
 * not import src/sip; app copies the fields across).
 */
export interface RegistrationView {
  readonly state: 'unregistered' | 'registering' | 'registered' | 'failed';
  /** The network's words for why it is not registered ("403 Forbidden; retrying in 30 s"). */
  readonly reason?: string;
  readonly aor: string;
  /** The account's display name, when configured. */
  readonly displayName?: string;
}

export interface PhoneView {
  readonly registration: RegistrationView;
  readonly calls: CallControlSnapshot;
  readonly presence: PresenceState;
  readonly colleagues?: ColleaguesSnapshot;
  readonly dialer: DialerView;
  /** Wall-clock time of this view (ms since the epoch): the clock and call timers are drawn from it. */
  readonly now: number;
  readonly locale: Locale;
  readonly theme: Theme;
  /** IANA time zone of the clock; default: the system's. */
  readonly timeZone?: string;
  /** Missed calls the user has not looked at yet (the call log's badge); 0 or absent hides the line. */
  readonly missedCalls?: number;
}

export type ScreenKind = 'idle' | 'dialer' | 'incoming' | 'in-call';

/** Screens other than the four built so far, which softkeys can ask for. */
export type ScreenRequest = 'contacts' | 'call-log' | 'presence-menu' | 'menu';

/** What a screen asks the phone to do; app maps these onto CallControl, Keypad and navigation. */
export type PhoneIntent =
  | { readonly type: 'answer' | 'reject' | 'forward' | 'hangup' | 'hold' | 'resume' | 'transfer'; readonly callId: string }
  | { readonly type: 'mute'; readonly callId: string; readonly on: boolean }
  | { readonly type: 'swap' }
  | { readonly type: 'conference' }
  | { readonly type: 'redial' }
  | { readonly type: 'dnd'; readonly on: boolean }
  | { readonly type: 'voicemail' }
  | { readonly type: 'hook'; readonly offHook: boolean }
  | { readonly type: 'dialer'; readonly key: DigitKey | 'dial' | 'back' | 'clear' }
  | { readonly type: 'line-key'; readonly index: number }
  | { readonly type: 'open'; readonly screen: ScreenRequest };

/**
 * Which screen a view calls for, as on a desk phone: a ringing call with nothing connected takes the whole
 * screen; once a call is connected or being placed, the call screen shows (a second ringing call appears
 * there as a call-waiting banner); typed digits show the dialer; otherwise the idle screen.
 */
export function pickScreen(view: PhoneView): ScreenKind {
  const calls = view.calls.calls;
  const active = calls.some((c) => c.state !== 'ringing');
  if (active) return 'in-call';
  if (calls.some((c) => c.state === 'ringing')) return 'incoming';
  if (view.dialer.digits !== '') return 'dialer';
  return 'idle';
}

/** The call the in-call screen is about: the one being talked on, else one being placed, else a held one. */
export function focusedCall(calls: readonly CallView[]): CallView | undefined {
  return (
    calls.find((c) => c.state === 'connected' && !c.held) ??
    calls.find((c) => c.state !== 'connected' && c.state !== 'ringing') ??
    calls.find((c) => c.state === 'connected')
  );
}

/** The user part of a SIP URI without scheme or parameters ("sip:alice@example.com;x" → "alice"). */
export function uriUser(uri: string): string {
  const bare = uri.replace(/^(sips?|tel):/i, '').split(/[;?]/)[0] ?? '';
  return bare.split('@')[0] ?? bare;
}

/** A SIP URI as people read it: without scheme and parameters ("alice@example.com"). */
export function uriForDisplay(uri: string): string {
  return uri.replace(/^(sips?|tel):/i, '').split(/[;?]/)[0] ?? uri;
}
