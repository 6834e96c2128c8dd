/**
 * What the phone screens are a function of: one PhoneView (the phone's snapshots plus the clock, locale and
 * theme), which screen a view calls for, and the intents the screens send back. Screens never read live
 * objects, so the same view always draws the same pixels (golden tests, the API's screenshot).
 */
import type { CallControlSnapshot, CallView, ForwardKind } from '../../phone/call-control.js';
import type { CallLogCategory, CallLogEntry } from '../../phone/call-log.js';
import type { DirectoryEntry } from '../../phone/directory.js';
import type { ThemeName } from '../core/theme.js';
import type { ColleaguesSnapshot } from '../../phone/colleagues.js';
import type { DialerView } from '../../phone/keypad.js';
import type { ManualState, PresenceState } from '../../phone/presence.js';
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
  /** What went wrong, when the app knows it; otherwise the screens read it from `reason` (registrationCause). */
  readonly cause?: RegistrationCause;
  /** The phone's own contact address (Contact URI of the registration): Settings → Network. */
  readonly contact?: string;
  /** The registrar or outbound proxy the phone talks to: Settings → Account. */
  readonly server?: string;
  /** Seconds the registration is granted for (while registered). */
  readonly expires?: number;
}

/** Why the phone is not signed in, as the user is told: no network, a TLS certificate refused, credentials, or other. */
export type RegistrationCause = 'network' | 'tls' | 'auth' | 'other';

/** The directory search as the screens show it (the app runs the search; see ui-wiring). */
export interface DirectoryView {
  /** The query the results belong to. */
  readonly query: string;
  readonly results: readonly DirectoryEntry[];
  /** A search is under way (its results replace these). */
  readonly searching: boolean;
  /** The directory could not be asked (cached results may still show). */
  readonly error?: string;
  /** More entries matched than were returned. */
  readonly truncated?: boolean;
}

/** The settings the screens show that are not elsewhere in the view. */
export interface SettingsView {
  /** Ring volume, dB relative to full scale (config audio.ringVolumeDb). */
  readonly ringVolumeDb?: number;
  /** The admin section is protected by a PIN; without one it is closed to everyone. */
  readonly adminPinSet: boolean;
  /** The admin PIN was entered (until the menu is left). */
  readonly adminUnlocked: boolean;
  /** The last admin PIN entered was wrong. */
  readonly adminFailed?: boolean;
  /** Read-only facts for the admin section (label → value): transport, API address, instance id… */
  readonly adminFacts?: readonly (readonly [string, string])[];
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
  /** The call log, newest first (filled while the call log screen is open). */
  readonly callLog?: readonly CallLogEntry[];
  readonly directory?: DirectoryView;
  readonly settings?: SettingsView;
  /** A voicemail number is configured (the voicemail screen's call button); default true. */
  readonly voicemailConfigured?: boolean;
  /** The last thing the user asked for that the phone refused, and why (shown briefly). */
  readonly failure?: { readonly text: string; readonly at: number };
  /** A touchscreen is there (on-screen keyboard); default true. Keypad boards type letters by multi-tap. */
  readonly touch?: boolean;
  /** The phone is locked: a lock screen, only emergency numbers dial. */
  readonly lock?: { readonly locked: boolean; readonly failed?: boolean; readonly pinSet: boolean };
  /** The phone needs the user to sign in (hot desking): the sign-in screen shows until done. */
  readonly signIn?: { readonly required: boolean; readonly user?: string; readonly error?: string; readonly busy?: boolean };
  /** A kiosk (lobby, hotline) phone: one big button that calls the hotline, nothing else reachable. */
  readonly kiosk?: { readonly hotlineLabel: string; readonly brand?: string };
}

export type ScreenKind =
  | 'idle'
  | 'dialer'
  | 'incoming'
  | 'in-call'
  | 'kiosk'
  | 'sign-in'
  | 'lock'
  | 'transfer'
  | 'deflect'
  | MenuScreen;

/** Screens the user navigates to (the shell keeps where they are; see navigation.ts). */
export type MenuScreen =
  | 'menu'
  | 'contacts'
  | 'contact-detail'
  | 'directory'
  | 'call-log'
  | 'voicemail'
  | 'presence-menu'
  | 'presence-note'
  | 'forwarding'
  | 'forward-edit'
  | 'settings'
  | 'settings-account'
  | 'settings-network'
  | 'settings-audio'
  | 'settings-display'
  | 'settings-admin';

/** Screens other than the call screens, which softkeys can ask for. */
export type ScreenRequest = 'contacts' | 'call-log' | 'presence-menu' | 'menu' | 'directory' | 'voicemail' | 'forwarding' | 'settings';

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
  | { readonly type: 'sign-out' }
  | { readonly type: 'dialer'; readonly key: DigitKey | 'dial' | 'back' | 'clear' }
  | { readonly type: 'line-key'; readonly index: number }
  | { readonly type: 'open'; readonly screen: ScreenRequest }
  /** Call a number or URI now (contacts, directory, call log). */
  | { readonly type: 'call'; readonly target: string }
  | { readonly type: 'directory-search'; readonly query: string }
  /** The call log was opened: its missed calls count as seen. */
  | { readonly type: 'call-log-seen' }
  /** A manual presence state, or undefined to return to automatic. */
  | { readonly type: 'presence'; readonly state: ManualState | undefined }
  | { readonly type: 'presence-note'; readonly note: string | undefined }
  /** Forwarding targets to change: a string sets, null clears, absent leaves alone. */
  | { readonly type: 'forwarding'; readonly always?: string | null; readonly busy?: string | null; readonly noAnswer?: string | null }
  /** Blind transfer of a call to a target. */
  | { readonly type: 'transfer-blind'; readonly callId: string; readonly target: string }
  /** Consultation: a second call to the target (the first is held) before an attended transfer. */
  | { readonly type: 'consult'; readonly callId: string; readonly target: string }
  /** Attended transfer: connect the held call's party with the consulted one. */
  | { readonly type: 'transfer-complete'; readonly callId: string; readonly to: string }
  /** Send a ringing call elsewhere (the incoming screen's Forward). */
  | { readonly type: 'deflect'; readonly callId: string; readonly target: string }
  | { readonly type: 'theme'; readonly theme: ThemeName }
  | { readonly type: 'locale'; readonly locale: Locale }
  | { readonly type: 'lock' }
  | { readonly type: 'unlock'; readonly pin: string }
  | { readonly type: 'admin-unlock'; readonly pin: string }
  | { readonly type: 'admin-lock' }
  | { readonly type: 'sign-in'; readonly user: string; readonly pin: string }
  /** Kiosk: call the hotline. */
  | { readonly type: 'hotline' };

export type { ForwardKind, CallLogCategory };

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
