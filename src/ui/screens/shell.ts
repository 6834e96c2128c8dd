/**
 * The frame every phone screen sits in: status bar on top (account or screen name, presence, DND, mute,
 * voicemail, clock), the line keys down the left with their lamps (the phone's lines, then busy-lamp
 * colleagues), the screen's content, and the softkey bar at the bottom. `show(view)` picks the screen for
 * the view and rebuilds the content from it; the frame's own widgets stay and are updated in place.
 */
import { existsSync } from 'node:fs';
import { lineKeyLamps } from '../../phone/lamps.js';
import { isDigitKey } from '../core/keys.js';
import type { Screen } from '../core/screen.js';
import { addFallbackFont, ensureSystemFonts } from '../core/text.js';
import type { Theme } from '../core/theme.js';
import type { Widget } from '../core/widget.js';
import { type Translator, createTranslator } from '../i18n/catalog.js';
import { Container } from '../widgets/container.js';
import { LineKeyStrip, type LineKeyDef } from '../widgets/line-key-strip.js';
import { SoftkeyBar } from '../widgets/softkey-bar.js';
import { StatusBar } from '../widgets/status-bar.js';
import { buildDialerScreen } from './dialer.js';
import { featureKeyIntent } from './feature-keys.js';
import { buildIdleScreen, presenceDot } from './idle.js';
import { buildInCallScreen } from './in-call.js';
import { buildIncomingScreen } from './incoming.js';
import { type PhoneIntent, type PhoneView, type ScreenKind, pickScreen, uriForDisplay, uriUser } from './phone-view.js';
import type { ScreenBuilder, ScreenContext } from './screen-kit.js';

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
};

/** Line keys that fit beside an 800 × 480 screen's content (44 px keys between status and softkey bars). */
export const SHELL_LINE_KEYS = 8;

/** The host the shell draws into: a Ui (its screen and theme), or anything shaped like it. */
export interface ShellHost {
  readonly screen: Screen;
  theme: Theme;
}

export class PhoneShell {
  readonly statusBar = new StatusBar();
  readonly lineKeys: LineKeyStrip;
  readonly softkeys = new SoftkeyBar();
  readonly #host: ShellHost;
  readonly #content = new Container({ flexGrow: 1, flexShrink: 1, clip: true });
  #body: Widget | undefined;
  #kind: ScreenKind | undefined;
  #send: (intent: PhoneIntent) => void;
  #view: PhoneView | undefined;

  constructor(host: ShellHost, onIntent: (intent: PhoneIntent) => void) {
    setupScreenFonts();
    this.#host = host;
    this.#send = onIntent;
    this.lineKeys = new LineKeyStrip(SHELL_LINE_KEYS, { onPress: (index) => this.#send({ type: 'line-key', index }) });
    const middle = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1 }).add(this.lineKeys, this.#content);
    host.screen.add(this.statusBar, middle, this.softkeys);
    // Softkeys and line keys act whatever has focus; digits go to the keypad (dialing or DTMF); the fixed
    // feature keys act on the call in focus.
    host.screen.on('key', (code) => {
      if (this.softkeys.handleSoftkey(code) || this.lineKeys.handleLineKey(code)) return true;
      if (isDigitKey(code)) {
        this.#send({ type: 'dialer', key: code });
        return true;
      }
      const intent = this.#view && featureKeyIntent(code, this.#view);
      if (intent) this.#send(intent);
      return intent !== undefined;
    });
  }

  /** The screen shown now (undefined before the first `show`). */
  get kind(): ScreenKind | undefined {
    return this.#kind;
  }

  /** Draws the view: theme, status bar, line keys, then the content and softkeys of the screen it calls for. */
  show(view: PhoneView): ScreenKind {
    this.#view = view;
    this.#host.theme = view.theme;
    const t = createTranslator(view.locale, view.timeZone !== undefined ? { timeZone: view.timeZone } : {});
    const ctx: ScreenContext = { view, t, theme: view.theme, send: (intent) => this.#send(intent) };
    const kind = pickScreen(view);
    const content = BUILDERS[kind](ctx);

    const account = view.registration.displayName?.trim() || uriForDisplay(view.registration.aor);
    this.statusBar.setTitle(content.title ? `${content.title} · ${account}` : account);
    this.statusBar.setClock(t.time(view.now));
    this.statusBar.setIndicators({
      presence: presenceDot(view.presence.state),
      dnd: view.calls.dnd || view.presence.state === 'dnd',
      mute: view.calls.muted,
      voicemail: view.colleagues?.messages.newMessages ?? 0,
    });
    lineKeyDefs(view, t).forEach((def, i) => {
      const key = this.lineKeys.key(i + 1);
      if (!key) return;
      key.visible = def !== undefined;
      key.set(def ?? { label: '', lamp: 'off' });
    });

    if (this.#body) this.#body.destroy();
    this.#body = content.body;
    this.#content.add(content.body);
    this.softkeys.setKeys(content.softkeys);
    this.#kind = kind;
    return kind;
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
