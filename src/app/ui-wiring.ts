/**
 * The phone's face: the screens (src/ui/screens) drawn from the phone's state onto the board's display, input
 * from the board's drivers (or the control API) into the screens, and their intents mapped onto the call
 * core and the keypad. `GET /api/v1/screen.png` shows whatever display is in use (tests, remote support).
 */
import type { PhoneConfig } from '../config/schema.js';
import type { CallControl } from '../phone/call-control.js';
import type { Keypad } from '../phone/keypad.js';
import type { Clock } from '../phone/clock.js';
import type { CallLogStore } from '../phone/call-log.js';
import type { PresenceModel } from '../phone/presence.js';
import type { Colleagues } from '../phone/colleagues.js';
import { Ui, PngDisplay, encodePng, themeByName, type Display, type Theme } from '../ui/index.js';
import type { ThemeName } from '../ui/core/theme.js';
import type { HalInputEvent } from '../hal/hal-types.js';
import { PhoneShell, SHELL_LINE_KEYS, setupScreenFonts } from '../ui/screens/shell.js';
import { pressLineKey } from '../phone/line-keys.js';
import { NOTICE_SHOW_MS } from '../ui/screens/idle.js';
import type { DirectoryView, PhoneIntent, PhoneView, RegistrationView, ScreenKind } from '../ui/screens/phone-view.js';
import type { PhoneDirectory } from './directory-wiring.js';
import type { ManualState } from '../phone/presence.js';
import type { Locale } from '../ui/i18n/catalog.js';
import { createLogger } from '../util/log.js';

const log = createLogger('ui');

export interface PhoneUi {
  /** The screen as it is now, as PNG. */
  screenPng(): Buffer;
  /** Keys and touches from drivers or the API; hook events go to the call core. Bad events are ignored. */
  input(event: HalInputEvent): void;
  /** Rebuilds the screen from the phone's state (after anything changed). */
  refresh(): void;
  /** Which screen shows now (tests, the simulator). */
  screenKind(): ScreenKind | undefined;
  stop(): void;
}

/** Hot desking (src/app/phone-session.ts): who is signed in, and the ways in and out. */
export interface HotDeskSignIn {
  /** Nobody is signed in: the sign-in screen takes the phone. */
  readonly required: () => boolean;
  /** The user signed in, for Settings → Account and its Sign-out key. */
  readonly signedInAs?: () => string | undefined;
  /** Why the last sign-in failed (shown on the sign-in screen), if it did. */
  readonly lastError?: () => string | undefined;
  /** Rejects with the reason to show when the sign-in is refused at once. */
  readonly submit: (user: string, pin: string) => Promise<void>;
  readonly signOut: () => void;
}

export interface UiSources {
  readonly config: PhoneConfig;
  readonly registration: () => RegistrationView;
  readonly calls: CallControl;
  readonly keypad: Keypad;
  readonly presence: PresenceModel;
  readonly colleagues: Colleagues;
  readonly callLog: CallLogStore;
  readonly clock: Clock;
  /** The board's display; default an in-memory 800 × 480 one (headless). */
  readonly display?: Display;
  readonly voicemailNumber?: string;
  /** A key, touch or hook from the user (presence's idle timer, kiosk reset, backlight). */
  readonly onActivity?: () => void;
  /** The directory search (LDAP + CardDAV); without it the directory screen says it is unavailable. */
  readonly directory?: Pick<PhoneDirectory, 'search'>;
  /** Manual presence that is also published (app/presence-wiring); default: the model itself. */
  readonly setPresence?: (state: ManualState | undefined) => void;
  readonly setPresenceNote?: (note: string | undefined) => void;
  /** The board's features: a touchscreen (on-screen keyboard), and a kiosk (one hotline button). */
  readonly board?: { readonly touch?: boolean; readonly kiosk?: boolean };
  /** Kiosk: the words on the hotline button and a brand line (default: the hotline number). */
  readonly kioskLabel?: string;
  readonly brand?: string;
  /** PIN of the Settings → Administrator section (none: the section stays closed). */
  readonly adminPin?: string;
  /** PIN that unlocks a locked phone (none: Lock is not offered). */
  readonly lockPin?: string;
  /** Hot desking: called with the sign-in form; the promise's error text is shown on the sign-in screen. */
  readonly signIn?: HotDeskSignIn;
  /** Read-only facts for the admin section (transport, API address, instance id…). */
  /** The user chose a theme or language (Settings → Display): the app keeps it across restarts. */
  readonly onDisplayChange?: (display: { theme: ThemeName; locale: Locale }) => void;
  readonly adminFacts?: () => readonly (readonly [string, string])[];
}

/** How long a refused action's reason stays on screen. */
const FAILURE_SHOWN_MS = 5000;
const CALL_LOG_ROWS = 100;

export function wireUi(s: UiSources): PhoneUi {
  const fonts = setupScreenFonts();
  if (!fonts.korean && s.config.ui.locale === 'ko') log.warn('no Korean font found (Debian package fonts-nanum): Korean text will not render');
  // Theme and language the user picks take effect at once; the app keeps them (onDisplayChange).
  let theme: Theme = themeByName(s.config.ui.theme);
  let locale: Locale = s.config.ui.locale;
  const display = s.display ?? new PngDisplay(800, 480);
  const ui = new Ui({ display, theme, clock: s.clock });

  let directory: DirectoryView | undefined;
  let pendingQuery: string | undefined;
  let searching = false;
  let locked = false;
  let lockFailed = false;
  let adminUnlocked = false;
  let adminFailed = false;
  let signInError: string | undefined;
  let signInBusy = false;
  let failure: { text: string; at: number } | undefined;
  const hotline = s.config.calls.hotline;

  const view = (): PhoneView => {
    const now = s.clock.now();
    const route = shell.route?.screen;
    const signInRequired = s.signIn?.required() ?? false;
    const signedInAs = s.signIn?.signedInAs?.();
    const lastSignInError = signInError ?? s.signIn?.lastError?.();
    return {
      registration: s.registration(),
      calls: s.calls.snapshot(),
      presence: s.presence.current(),
      colleagues: s.colleagues.snapshot(),
      dialer: s.keypad.view(),
      now,
      locale,
      theme,
      ...(s.config.ui.timeZone ? { timeZone: s.config.ui.timeZone } : {}),
      missedCalls: s.callLog.unseenMissed(),
      // Read from the store only while the log is on screen (a second's redraw in a call must not query it).
      ...(route === 'call-log' ? { callLog: s.callLog.list({ limit: CALL_LOG_ROWS }) } : {}),
      ...(directory ? { directory } : {}),
      settings: {
        ringVolumeDb: s.config.audio.ringVolumeDb,
        adminPinSet: s.adminPin !== undefined && s.adminPin !== '',
        adminUnlocked,
        adminFailed,
        ...(adminUnlocked && s.adminFacts ? { adminFacts: s.adminFacts() } : {}),
      },
      voicemailConfigured: s.voicemailNumber !== undefined,
      ...(s.board?.touch === false ? { touch: false } : {}),
      lock: { locked, failed: lockFailed, pinSet: s.lockPin !== undefined && s.lockPin !== '' },
      ...(signInRequired
        ? { signIn: { required: true, busy: signInBusy, ...(lastSignInError ? { error: lastSignInError } : {}) } }
        : signedInAs !== undefined
          ? { signIn: { required: false, user: signedInAs } }
          : {}),
      ...(s.board?.kiosk && hotline !== undefined ? { kiosk: { hotlineLabel: s.kioskLabel ?? hotline, ...(s.brand ? { brand: s.brand } : {}) } } : {}),
      ...(failure && now - failure.at < FAILURE_SHOWN_MS ? { failure } : {}),
    };
  };

  /** One search at a time: typing faster than the directory answers searches only the latest text. */
  const search = (query: string): void => {
    const q = query.trim();
    if (q === '' || !s.directory) {
      directory = { query, results: [], searching: false, ...(q !== '' ? { error: 'no directory configured' } : {}) };
      return;
    }
    pendingQuery = query;
    directory = { query: directory?.query ?? query, results: directory?.results ?? [], searching: true };
    if (searching) return;
    searching = true;
    const run = (text: string): void => {
      pendingQuery = undefined;
      s.directory!.search(text).then(
        (r) => (directory = { query: text, results: r.entries, searching: false, truncated: r.truncated, ...(r.ldapError ? { error: r.ldapError } : {}) }),
        (err: unknown) => (directory = { query: text, results: [], searching: false, error: (err as Error).message }),
      ).finally(() => {
        if (pendingQuery !== undefined && pendingQuery !== text) return run(pendingQuery);
        searching = false;
        refresh();
      });
    };
    run(query);
  };

  const samePin = (given: string, wanted: string | undefined): boolean => wanted !== undefined && wanted !== '' && given === wanted;

  const act = (intent: PhoneIntent): void => {
    try {
      switch (intent.type) {
        case 'answer': s.calls.answer(intent.callId); break;
        case 'reject': s.calls.reject(intent.callId); break;
        case 'hangup': s.calls.hangup(intent.callId); break;
        case 'hold': s.calls.hold(intent.callId); break;
        case 'resume': s.calls.resume(intent.callId); break;
        case 'mute': s.calls.mute(intent.callId, intent.on); break;
        case 'swap': s.calls.swap(); break;
        case 'conference': s.calls.conference(); break;
        case 'redial': {
          const last = s.callLog.lastDialed();
          if (last) s.calls.redial(last.remoteUri);
          break;
        }
        case 'call': s.calls.dial(intent.target); break;
        case 'hotline': if (hotline !== undefined) s.calls.dial(hotline); break;
        case 'directory-search': search(intent.query); break;
        case 'call-log-seen': s.callLog.markMissedSeen(); break;
        case 'presence': (s.setPresence ?? ((st) => s.presence.setManual(st)))(intent.state); break;
        case 'presence-note': (s.setPresenceNote ?? ((n) => s.presence.setNote(n)))(intent.note); break;
        case 'forwarding':
          for (const kind of ['always', 'busy', 'noAnswer'] as const) {
            const to = intent[kind];
            if (to !== undefined) s.calls.setForwarding(kind, to ?? undefined);
          }
          break;
        case 'transfer-blind': s.calls.transfer(intent.callId, intent.target); break;
        // The consultation call: dialing holds the call being transferred.
        case 'consult': s.calls.dial(intent.target); break;
        case 'transfer-complete': s.calls.transferTo(intent.callId, intent.to); break;
        case 'deflect': s.calls.deflect(intent.callId, intent.target); break;
        case 'theme':
          theme = themeByName(intent.theme);
          s.onDisplayChange?.({ theme: intent.theme, locale });
          break;
        case 'locale':
          locale = intent.locale;
          s.onDisplayChange?.({ theme: theme.name, locale });
          break;
        case 'lock':
          if (s.lockPin) {
            locked = true;
            lockFailed = false;
            s.keypad.press('clear');
            s.keypad.setLocked(true);
          }
          break;
        case 'unlock':
          lockFailed = !samePin(intent.pin, s.lockPin);
          if (!lockFailed) {
            locked = false;
            s.keypad.setLocked(false);
          }
          break;
        case 'admin-unlock':
          adminUnlocked = samePin(intent.pin, s.adminPin);
          adminFailed = !adminUnlocked;
          break;
        case 'admin-lock':
          adminUnlocked = false;
          adminFailed = false;
          break;
        case 'sign-in':
          if (!s.signIn) break;
          signInBusy = true;
          signInError = undefined;
          s.signIn.submit(intent.user, intent.pin).then(
            () => (signInError = undefined),
            (err: unknown) => (signInError = (err as Error).message),
          ).finally(() => {
            signInBusy = false;
            refresh();
          });
          break;
        case 'sign-out': s.signIn?.signOut(); break;
        case 'dialer': s.keypad.press(intent.key); break;
        case 'dnd': s.calls.setDnd(intent.on); break;
        case 'hook': s.calls.hook(intent.offHook); break;
        case 'voicemail':
          if (s.voicemailNumber === undefined) log.info('message key: no voicemail number configured (colleagues.voicemail.number)');
          else s.calls.dial(s.voicemailNumber);
          break;
        case 'line-key':
          pressLineKey(intent.index, s.calls, s.colleagues.snapshot(), s.config.colleagues.pickup, SHELL_LINE_KEYS);
          break;
        // Navigation intents (open, transfer, forward) are the shell's own; anything else is said in the log.
        default: log.debug(`${intent.type}: handled by the screens`);
      }
    } catch (err) {
      log.info(`${intent.type}: ${(err as Error).message}`);
      failure = { text: (err as Error).message, at: s.clock.now() };
    }
    refresh();
  };
  // The shell asks for a fresh view when it navigates (the call log is read only while it shows).
  const shell: PhoneShell = new PhoneShell(ui, act, { view });
  // A failed call's notice shows on idle for a while: redraw once it is due to go.
  let noticeTimer: ReturnType<Clock['setTimer']> | undefined;
  let stopped = false;
  const refresh = (): void => {
    // Late events (a JsSIP transaction ending after the phone stopped) must not draw on a closed phone.
    if (stopped) return;
    const v = view();
    shell.show(v);
    s.clock.clearTimer(noticeTimer);
    noticeTimer = undefined;
    const notice = v.calls.notice;
    if (notice && v.now - notice.at < NOTICE_SHOW_MS) noticeTimer = s.clock.setTimer(notice.at + NOTICE_SHOW_MS - v.now + 1, refresh);
  };
  refresh();
  // The clock (and a call's timer) move on their own: once a second while a call is up, else each minute.
  let timer = s.clock.setTimer(1000, function tick() {
    refresh();
    const inCall = s.calls.snapshot().calls.some((c) => c.state === 'connected');
    timer = s.clock.setTimer(inCall ? 1000 : 60_000 - (s.clock.now() % 60_000), tick);
  });
  return {
    screenPng() {
      ui.renderNow();
      return encodePng(ui.renderer.pixels.read({ x: 0, y: 0, w: display.width, h: display.height }));
    },
    input(event) {
      s.onActivity?.();
      shell.activity();
      // Drivers and the API may hand anything: the router validates keys and touches, this the rest.
      if (typeof event !== 'object' || event === null) return;
      if (event.type === 'hook') return act({ type: 'hook', offHook: event.offHook === true });
      // A touch lands on what is drawn: lay out the latest screen first (it may have changed since the last frame).
      if (event.type === 'pointer') ui.renderNow();
      // Processed at once (not on the router's next tick): the caller — a test, the API — reads the result.
      if (ui.input.push(event)) ui.input.drain();
    },
    refresh,
    screenKind: () => shell.kind,
    stop() {
      stopped = true;
      s.clock.clearTimer(timer);
      s.clock.clearTimer(noticeTimer);
      shell.nav.stop();
      ui.stop();
    },
  };
}
