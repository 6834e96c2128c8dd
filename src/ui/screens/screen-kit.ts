/**
 * What every phone screen shares: the context it is built from, the content it returns to the shell, and
 * small builders for the lines screens are made of (a text line, an icon with a line of text, a banner).
 */
import type { PartyInfo } from '../../phone/call-ports.js';
import type { CallNotice } from '../../phone/call-control.js';
import type { KeyCode } from '../core/keys.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import type { Widget } from '../core/widget.js';
import type { MessageKey, Translator } from '../i18n/catalog.js';
import { Container } from '../widgets/container.js';
import { Icon, type IconName } from '../widgets/icon.js';
import { Label, type LabelOptions } from '../widgets/label.js';
import { List, type ListItem } from '../widgets/list.js';
import type { SoftkeyDef } from '../widgets/softkey-bar.js';
import type { MultiTap, Route } from './navigation.js';
import { type PhoneIntent, type PhoneView, uriForDisplay, uriUser } from './phone-view.js';

/** State the shell keeps for screens that are not menus (lock PIN, sign-in fields, a consultation). */
export interface ShellLocal {
  /** Lock screen: the PIN being typed; undefined while not asking for it. */
  readonly unlockPin?: string;
  readonly signInUser: string;
  readonly signInPin: string;
  readonly signInField: 'user' | 'pin';
  /** Settings → Admin: the PIN being typed. */
  readonly adminPin: string;
  /** A consultation call is under way for an attended transfer of this call. */
  readonly consult?: { readonly fromCallId: string };
  /** The in-call DTMF pad is shown. */
  readonly dtmfPad: boolean;
}

/** Navigation and UI-local state, as the screens use it. */
export interface ShellNav {
  readonly route: Route | undefined;
  push(route: Route): void;
  back(): void;
  home(): void;
  /** Changes the current route's state (typed text, tab) and redraws. */
  update(patch: Partial<Route>): void;
  readonly local: ShellLocal;
  setLocal(patch: Partial<ShellLocal>): void;
  /** Letters from the digit keys (keypad boards). */
  readonly multiTap: MultiTap;
}

export interface ScreenContext {
  readonly view: PhoneView;
  readonly t: Translator;
  readonly theme: Theme;
  readonly send: (intent: PhoneIntent) => void;
  readonly nav: ShellNav;
}

export interface ScreenContent {
  /** Short name for the status bar while this screen shows (the idle screen leaves the account there). */
  readonly title?: string;
  readonly body: Widget;
  /** soft1…soft4, left to right; undefined leaves a key blank. */
  readonly softkeys: readonly (SoftkeyDef | undefined)[];
  /** The screen's own keys (typing, PIN entry), asked before the shell's; true when consumed. */
  readonly onKey?: (code: KeyCode) => boolean;
  /** The screen's main list: arrows focus it, and its selection survives redraws. */
  readonly list?: List;
  /** The screen uses the whole width (menus): the line keys step aside. */
  readonly wide?: boolean;
  /** Nothing but this screen is reachable (kiosk): no status-bar account, no line keys. */
  readonly kiosk?: boolean;
}

export type ScreenBuilder = (ctx: ScreenContext) => ScreenContent;

/** A softkey that sends one intent. */
export function softkey(ctx: ScreenContext, label: string, intent: PhoneIntent): SoftkeyDef {
  return { label, onPress: () => ctx.send(intent) };
}

/** One line of text; `style` overrides single properties (size, weight, color) of the role's style. */
export function textLine(text: string, style: Partial<Style> = {}, opts: LabelOptions = {}): Label {
  const label = new Label(text, { flexShrink: 1, ...opts });
  if (Object.keys(style).length > 0) label.setStyle(style);
  return label;
}

/** An icon followed by a line of text, both in `color` when given. */
export function iconLine(icon: IconName, text: string, color: string | undefined, style: Partial<Style> = {}): Container {
  const size = Math.round((style.fontSize ?? 16) * 1.25);
  return new Container({ flexDirection: 'row', alignItems: 'center', gap: 8, flexShrink: 0 }).add(
    new Icon(icon, { size, ...(color !== undefined ? { color } : {}) }),
    textLine(text, { ...style, ...(color !== undefined ? { color } : {}) }, { flexGrow: 1 }),
  );
}

/** A full-width colored strip with one line of text (call waiting, sign-in failure). */
export function banner(text: string, background: string, color: string, icon?: IconName): Container {
  const strip = new Container({ flexDirection: 'row', alignItems: 'center', gap: 8, padding: { x: 12, y: 8 }, flexShrink: 0 });
  strip.setStyle({ background, radius: 6 });
  if (icon) strip.add(new Icon(icon, { size: 20, color }));
  strip.add(textLine(text, { color, fontWeight: 'bold' }, { flexGrow: 1 }));
  return strip;
}

/** Who a party is, as two lines: the name (or the number, or "Private number") and what identifies them. */
export function partyLines(t: Translator, party: PartyInfo): { primary: string; secondary: string | undefined } {
  if (party.private) return { primary: t.t('party.private'), secondary: undefined };
  const number = party.number ?? (uriUser(party.uri) || undefined);
  const name = party.name?.trim();
  if (name) return { primary: name, secondary: number ?? uriForDisplay(party.uri) };
  if (number) return { primary: number, secondary: number === uriUser(party.uri) ? uriForDisplay(party.uri) : undefined };
  return { primary: t.t('party.unknown'), secondary: undefined };
}

/** One short name for a party (banners, conference lines). */
export function partyName(t: Translator, party: PartyInfo): string {
  return partyLines(t, party).primary;
}

/** A screen's list of rows; `onPick` runs on tap or OK, `onLong` on a long press. */
export function menuList(items: readonly ListItem[], onPick: (item: ListItem, index: number) => void, onLong?: (item: ListItem) => void, rowHeight = 56): List {
  const list = new List(items, { rowHeight, onSelect: (item, i) => onPick(item, i), ...(onLong ? { onLongPress: (item: ListItem) => onLong(item) } : {}) });
  list.layout({ flexGrow: 1, flexShrink: 1 });
  return list;
}

/** The body of a menu screen: a padded column on the whole content area. */
export function screenBody(gap = 8): Container {
  return new Container({ flexGrow: 1, flexShrink: 1, padding: { x: 16, y: 10 }, gap });
}

/** A muted one-line message where a list would be empty ("No missed calls"). */
export function emptyNote(ctx: ScreenContext, text: string, icon: IconName = 'check'): Container {
  const box = new Container({ flexGrow: 1, alignItems: 'center', justifyContent: 'center', gap: 10 });
  box.add(new Icon(icon, { size: 40, color: ctx.theme.colors.textMuted }), textLine(text, { color: ctx.theme.colors.textMuted, fontSize: ctx.theme.fontSize.large }, { align: 'center', maxWidth: '100%' }));
  return box;
}

/** The standard Back softkey (soft4 on menus, like Yealink's "Back" on the right). */
export function backKey(ctx: ScreenContext): SoftkeyDef {
  return { label: ctx.t.t('softkey.back'), onPress: () => ctx.nav.back() };
}

/** SIP statuses of a failed call the screens can name in the user's language (RFC 3261 §21). */
const FAILED_CALL_KEYS: Readonly<Record<number, MessageKey>> = {
  403: 'notice.forbidden',
  404: 'notice.notFound',
  408: 'notice.noAnswer',
  480: 'notice.unavailable',
  484: 'notice.incomplete',
  486: 'notice.busy',
  488: 'notice.incompatible',
  600: 'notice.busy',
  603: 'notice.declined',
  604: 'notice.notFound',
};

/** The call core's notice in the screen's language; the core's own words when it has no better name. */
export function noticeText(t: Translator, notice: CallNotice): string {
  switch (notice.kind) {
    case 'hold-failed':
      return t.t('notice.holdFailed');
    case 'resume-failed':
      return t.t('notice.resumeFailed');
    case 'transfer-failed':
      return t.t('notice.transferFailed');
    case 'call-failed': {
      const key = notice.status === undefined ? undefined : (FAILED_CALL_KEYS[notice.status] ?? (notice.status >= 500 && notice.status < 600 ? 'notice.serverError' : undefined));
      // Every notice.* message takes no parameters; the cast picks one to satisfy t()'s per-key argument type.
      return key ? t.t(key as 'notice.busy') : notice.text;
    }
  }
}
