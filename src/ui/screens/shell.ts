/**
 * The frame every phone screen sits in: status bar on top (account or screen name, presence, DND, mute,
 * voicemail, clock), the line keys down the left with their lamps (the phone's lines, then busy-lamp
 * colleagues), the screen's content, and the softkey bar at the bottom. `show(view)` picks the screen for
 * the view and rebuilds the content from it; the frame's own widgets stay and are updated in place.
 *
 * The shell also keeps where the user is in the menus (navigation.ts) and the little state screens need
 * between redraws (a PIN being typed, a consultation under way): the phone core knows nothing of menus.
 */
import { existsSync } from 'node:fs';
import { lineKeyLamps } from '../../phone/lamps.js';
import type { Clock } from '../../phone/clock.js';
import { type KeyCode, isDigitKey } from '../core/keys.js';
import type { Screen } from '../core/screen.js';
import { addFallbackFont, ensureSystemFonts } from '../core/text.js';
import type { Theme } from '../core/theme.js';
import type { Widget } from '../core/widget.js';
import { type Translator, createTranslator } from '../i18n/catalog.js';
import { Container } from '../widgets/container.js';
import { LineKeyStrip, type LineKeyDef } from '../widgets/line-key-strip.js';
import { SoftkeyBar } from '../widgets/softkey-bar.js';
import { StatusBar } from '../widgets/status-bar.js';
import { Toast } from '../widgets/toast.js';
import { buildDialerScreen } from './dialer.js';
import { featureKeyIntent } from './feature-keys.js';
import { buildIdleScreen, presenceDot } from './idle.js';
import { buildInCallScreen } from './in-call.js';
import { buildIncomingScreen } from './incoming.js';
import { buildKioskScreen } from './kiosk.js';
import { buildLockScreen, buildSignInScreen } from './lock.js';
import { buildCallLogScreen } from './call-log.js';
import { buildContactDetailScreen, buildContactsScreen } from './contacts.js';
import { buildDirectoryScreen } from './directory.js';
import { buildForwardEditScreen, buildForwardingScreen } from './forwarding.js';
import { buildMainMenu, buildVoicemailScreen } from './menu.js';
import { buildPresenceNoteScreen, buildPresenceScreen } from './presence-menu.js';
import { buildAccountSettings, buildAdminSettings, buildAudioSettings, buildDisplaySettings, buildNetworkSettings, buildSettingsScreen } from './settings.js';
import { buildDeflectScreen, buildTransferScreen } from './transfer.js';
import { MultiTap, Navigator, type Route } from './navigation.js';
import { type MenuScreen, type PhoneIntent, type PhoneView, type ScreenKind, type ScreenRequest, pickScreen, uriForDisplay, uriUser } from './phone-view.js';
import type { ScreenBuilder, ScreenContent, ScreenContext, ShellLocal, ShellNav } from './screen-kit.js';

/** Nanum Gothic (Debian fonts-nanum, SIL OFL 1.1): Hangul, which DejaVu lacks. Both weights, one family. */
export const KOREAN_FONT_FAMILY = 'NanumGothic';
export const KOREAN_FONT_FILES: readonly string[] = [
  '/usr/share/fonts/truetype/nanum/NanumGothic.ttf',
  '/usr/share/fonts/truetype/nanum/NanumGothicBold.ttf',
];

export interface ScreenFonts {
  /** DejaVu Sans (Latin, digits, symbols) was found. */
  latin: boolean;
  /** A Korean font was registered; without it Hangul shows as empty boxes. */
  korean: boolean;
}

/**
 * Loads the system fonts and registers the Korean fallback. Safe to call more than once. Returns what was
 * found, so the app can log a missing font package instead of shipping a screen of boxes silently.
 */
export function setupScreenFonts(koreanFiles: readonly string[] = KOREAN_FONT_FILES): ScreenFonts {
  const latin = ensureSystemFonts();
  let korean = false;
  for (const file of koreanFiles) if (existsSync(file) && addFallbackFont(file, KOREAN_FONT_FAMILY)) korean = true;
  return { latin, korean };
}

const BUILDERS: Readonly<Record<ScreenKind, ScreenBuilder>> = {
  idle: buildIdleScreen,
  dialer: buildDialerScreen,
  incoming: buildIncomingScreen,
  'in-call': buildInCallScreen,
  kiosk: buildKioskScreen,
  'sign-in': buildSignInScreen,
  lock: buildLockScreen,
  transfer: buildTransferScreen,
  deflect: buildDeflectScreen,
  menu: buildMainMenu,
  contacts: buildContactsScreen,
  'contact-detail': buildContactDetailScreen,
  directory: buildDirectoryScreen,
  'call-log': buildCallLogScreen,
  voicemail: buildVoicemailScreen,
  'presence-menu': buildPresenceScreen,
  'presence-note': buildPresenceNoteScreen,
  forwarding: buildForwardingScreen,
  'forward-edit': buildForwardEditScreen,
  settings: buildSettingsScreen,
  'settings-account': buildAccountSettings,
  'settings-network': buildNetworkSettings,
  'settings-audio': buildAudioSettings,
  'settings-display': buildDisplaySettings,
  'settings-admin': buildAdminSettings,
};

/** Line keys that fit beside an 800 × 480 screen's content (44 px keys between status and softkey bars). */
export const SHELL_LINE_KEYS = 8;

/** The host the shell draws into: a Ui (its screen, theme and clock), or anything shaped like it. */
export interface ShellHost {
  readonly screen: Screen;
  theme: Theme;
  /** Times the menu timeout; without it menus stay until left. */
  readonly clock?: Clock;
}

export interface ShellOptions {
  /** Back to idle after this long without input in a menu; default 60 s. */
  menuTimeoutMs?: number;
  /**
   * A fresh view of the phone, for redraws the shell starts itself (menu navigation, the menu timeout); the
   * app passes its view builder so a screen it opens gets its data (the call log). Default: the last view.
   */
  view?: () => PhoneView;
}

const EMPTY_LOCAL: ShellLocal = { signInUser: '', signInPin: '', signInField: 'user', adminPin: '', dtmfPad: false };

/** Intents the shell answers itself by opening a screen, instead of passing them to the app. */
const OPENS: Readonly<Record<ScreenRequest, MenuScreen>> = {
  menu: 'menu',
  contacts: 'contacts',
  'call-log': 'call-log',
  'presence-menu': 'presence-menu',
  directory: 'directory',
  voicemail: 'voicemail',
  forwarding: 'forwarding',
  settings: 'settings',
};

export class PhoneShell {
  readonly statusBar = new StatusBar();
  readonly lineKeys: LineKeyStrip;
  readonly softkeys = new SoftkeyBar();
  readonly nav: Navigator;
  readonly #host: ShellHost;
  readonly #content = new Container({ flexGrow: 1, flexShrink: 1, clip: true });
  readonly #multiTap: MultiTap;
  readonly #viewSource: (() => PhoneView) | undefined;
  #body: Widget | undefined;
  #screenContent: ScreenContent | undefined;
  #kind: ScreenKind | undefined;
  #send: (intent: PhoneIntent) => void;
  #view: PhoneView | undefined;
  #local: ShellLocal = EMPTY_LOCAL;
  #showing = false;
  #failureShown: number | undefined;

  constructor(host: ShellHost, onIntent: (intent: PhoneIntent) => void, opts: ShellOptions = {}) {
    setupScreenFonts();
    this.#host = host;
    this.#send = onIntent;
    this.#viewSource = opts.view;
    const now = (): number => host.clock?.now() ?? Date.now();
    this.#multiTap = new MultiTap(now);
    this.nav = new Navigator({ ...(host.clock ? { clock: host.clock } : {}), ...(opts.menuTimeoutMs !== undefined ? { timeoutMs: opts.menuTimeoutMs } : {}), onTimeout: () => this.#leftMenu() });
    this.lineKeys = new LineKeyStrip(SHELL_LINE_KEYS, { onPress: (index) => this.#intent({ type: 'line-key', index }) });
    const middle = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1 }).add(this.lineKeys, this.#content);
    host.screen.add(this.statusBar, middle, this.softkeys);
    host.screen.on('key', (code) => this.#key(code));
  }

  /** The screen shown now (undefined before the first `show`). */
  get kind(): ScreenKind | undefined {
    return this.#kind;
  }

  /** The screen the next `show` will draw for the current navigation (the app fills the view it needs). */
  get route(): Route | undefined {
    return this.nav.route;
  }

  get local(): ShellLocal {
    return this.#local;
  }

  /** Any key or touch from the user: keeps an open menu from timing out. */
  activity(): void {
    this.nav.activity();
  }

  /** Draws the view: theme, status bar, line keys, then the content and softkeys of the screen it calls for. */
  show(view: PhoneView): ScreenKind {
    this.#view = view;
    this.#host.theme = view.theme;
    const t = createTranslator(view.locale, view.timeZone !== undefined ? { timeZone: view.timeZone } : {});
    this.#dropStale(view);
    const kind = this.#choose(view);
    const ctx: ScreenContext = { view, t, theme: view.theme, send: (intent) => this.#intent(intent), nav: this.#navFor() };
    this.#rememberSelection();
    this.#showing = true;
    let content: ScreenContent;
    try {
      content = BUILDERS[kind](ctx);
    } finally {
      this.#showing = false;
    }

    const account = view.registration.displayName?.trim() || uriForDisplay(view.registration.aor);
    this.statusBar.setTitle(content.kiosk ? (view.kiosk?.brand ?? '') : content.title ? `${content.title} · ${account}` : account);
    this.statusBar.setClock(t.time(view.now));
    this.statusBar.setIndicators(
      content.kiosk
        ? {}
        : {
            presence: presenceDot(view.presence.state),
            dnd: view.calls.dnd || view.presence.state === 'dnd',
            mute: view.calls.muted,
            voicemail: view.colleagues?.messages.newMessages ?? 0,
          },
    );
    this.lineKeys.visible = !content.wide && !content.kiosk;
    lineKeyDefs(view, t).forEach((def, i) => {
      const key = this.lineKeys.key(i + 1);
      if (!key) return;
      key.visible = def !== undefined;
      key.set(def ?? { label: '', lamp: 'off' });
    });

    if (this.#body) this.#body.destroy();
    this.#body = content.body;
    this.#screenContent = content;
    this.#content.add(content.body);
    this.softkeys.setKeys(content.softkeys);
    this.#restoreSelection(content);
    this.#showFailure(view);
    this.#kind = kind;
    return kind;
  }

  /** A refused action (forwarding to yourself, no free line) says why, briefly, over whatever shows. */
  #showFailure(view: PhoneView): void {
    const f = view.failure;
    if (!f || f.at === this.#failureShown) return;
    this.#failureShown = f.at;
    new Toast(f.text).show(this.#host.screen, 4000);
  }

  /** Which screen: kiosk, sign-in, then the call screens (they always take over), lock, a menu, dialer, idle. */
  #choose(view: PhoneView): ScreenKind {
    if (view.kiosk) return 'kiosk';
    if (view.signIn?.required) return 'sign-in';
    const route = this.nav.route;
    const call = pickScreen(view);
    if (call === 'incoming' || call === 'in-call') {
      const calls = view.calls.calls;
      if (call === 'in-call' && route?.screen === 'transfer' && calls.some((c) => c.id === route.callId && c.state === 'connected')) return 'transfer';
      if (call === 'incoming' && route?.screen === 'deflect' && calls.some((c) => c.id === route.callId && c.state === 'ringing')) return 'deflect';
      // A call takes the screen: the menu the user was in is closed (desk phones come back to idle).
      if (route) this.nav.home();
      return call;
    }
    if (view.lock?.locked) {
      if (route) this.nav.home();
      return 'lock';
    }
    if (route && route.screen !== 'transfer' && route.screen !== 'deflect') return route.screen;
    return call;
  }

  /** Forgets a transfer or consultation whose call has gone. */
  #dropStale(view: PhoneView): void {
    const ids = new Set(view.calls.calls.map((c) => c.id));
    this.nav.retain((r) => (r.screen !== 'transfer' && r.screen !== 'deflect') || (r.callId !== undefined && ids.has(r.callId)));
    const consult = this.#local.consult;
    if (consult && !ids.has(consult.fromCallId)) this.#local = { ...this.#local, consult: undefined };
    if (view.calls.calls.length === 0 && this.#local.dtmfPad) this.#local = { ...this.#local, dtmfPad: false };
    if (!view.lock?.locked && this.#local.unlockPin !== undefined) this.#local = { ...this.#local, unlockPin: undefined };
    if (!view.signIn?.required && (this.#local.signInPin !== '' || this.#local.signInUser !== '')) this.#local = { ...this.#local, signInUser: '', signInPin: '', signInField: 'user' };
  }

  #navFor(): ShellNav {
    return {
      route: this.nav.route,
      push: (route) => this.#navigate(() => this.nav.push(route)),
      back: () =>
        this.#navigate(() => {
          // Leaving the admin section closes it again.
          if (this.nav.route?.screen === 'settings-admin') this.#send({ type: 'admin-lock' });
          this.nav.back();
        }),
      home: () => this.#navigate(() => this.nav.home()),
      update: (patch) => this.#navigate(() => this.nav.update(patch)),
      local: this.#local,
      setLocal: (patch) => this.#navigate(() => (this.#local = { ...this.#local, ...patch })),
      multiTap: this.#multiTap,
    };
  }

  /** A navigation step: change, then redraw (never while a screen is being built). */
  #navigate(change: () => void): void {
    change();
    this.#redraw();
  }

  #redraw(): void {
    if (this.#showing) return;
    const view = this.#viewSource?.() ?? this.#view;
    if (view) this.show(view);
  }

  #leftMenu(): void {
    if (this.#kind !== undefined && this.#kind !== 'idle') this.#send({ type: 'admin-lock' });
    this.#redraw();
  }

  /** Intents from the screens: some open screens (transfer target, deflect target, menus), the rest go to the app. */
  #intent(intent: PhoneIntent): void {
    this.nav.activity();
    switch (intent.type) {
      case 'open':
        this.#navigate(() => {
          this.nav.home();
          this.nav.push(intent.screen === 'call-log' ? { screen: 'call-log', tab: 'all' } : { screen: OPENS[intent.screen] });
        });
        if (intent.screen === 'call-log') this.#send({ type: 'call-log-seen' });
        return;
      case 'transfer':
        this.#navigate(() => this.nav.push({ screen: 'transfer', callId: intent.callId, text: '' }));
        return;
      case 'forward':
        this.#navigate(() => this.nav.push({ screen: 'deflect', callId: intent.callId, text: '' }));
        return;
      case 'consult':
        this.#local = { ...this.#local, consult: { fromCallId: intent.callId } };
        this.nav.home();
        break;
      case 'transfer-blind':
      case 'deflect':
      case 'call':
        this.nav.home();
        break;
      case 'transfer-complete':
        this.#local = { ...this.#local, consult: undefined };
        break;
      default:
        break;
    }
    this.#send(intent);
  }

  /** Softkeys and line keys act whatever has focus; then the screen's own keys; then back, digits, feature keys. */
  #key(code: KeyCode): boolean {
    this.nav.activity();
    if (this.softkeys.handleSoftkey(code)) return true;
    if (this.#kind === 'kiosk') {
      // A kiosk has one thing to do: any key calls (or, in a call, is ignored; End is a softkey).
      const calling = (this.#view?.calls.calls.length ?? 0) > 0;
      if (!calling) this.#intent({ type: 'hotline' });
      return true;
    }
    if (this.lineKeys.visible && this.lineKeys.handleLineKey(code)) return true;
    const content = this.#screenContent;
    if (content?.onKey?.(code)) return true;
    if ((code === 'up' || code === 'down') && content?.list && !this.#host.screen.focusedWidget) {
      content.list.focus();
      if (content.list.selectedIndex < 0) content.list.select(0);
      return true;
    }
    if (code === 'back' && this.nav.route) {
      this.#navFor().back();
      return true;
    }
    if (isDigitKey(code)) {
      // Digits on a menu start dialing, as on any desk phone; on the lock screen only emergency numbers dial.
      if (this.nav.route) this.nav.home();
      this.#send({ type: 'dialer', key: code });
      return true;
    }
    const intent = this.#view && featureKeyIntent(code, this.#view);
    if (intent) this.#intent(intent);
    return intent !== undefined;
  }

  #rememberSelection(): void {
    const list = this.#screenContent?.list;
    const route = this.nav.route;
    if (!list || !route || list.selectedIndex < 0 || route.selected === list.selectedIndex) return;
    this.nav.remember(list.selectedIndex);
  }

  #restoreSelection(content: ScreenContent): void {
    const selected = this.nav.route?.selected;
    if (content.list && selected !== undefined && selected >= 0) {
      content.list.select(selected);
      content.list.focus();
    }
  }
}

/**
 * What the line keys show: one key per line of the phone (the first labelled with the user's extension),
 * then colleagues whose busy lamp is watched, up to the keys there are. Undefined entries are hidden keys.
 */
export function lineKeyDefs(view: PhoneView, t: Translator, count = SHELL_LINE_KEYS): (LineKeyDef | undefined)[] {
  const user = uriUser(view.registration.aor);
  const defs: (LineKeyDef | undefined)[] = lineKeyLamps(view.calls, view.colleagues, count).map((k) => {
    const label =
      k.kind === 'busy-lamp'
        ? k.contact.name || uriForDisplay(k.contact.uri)
        : k.line === 1
          ? t.t('lineKey.lineWithUser', { user, line: t.t('lineKey.line', { line: 1 }) })
          : t.t('lineKey.line', { line: k.line });
    return { label, lamp: k.lamp, ...(k.color ? { color: k.color } : {}) };
  });
  while (defs.length < count) defs.push(undefined);
  return defs;
}
