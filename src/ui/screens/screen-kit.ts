/**
 * What every phone screen shares: the context it is built from, the content it returns to the shell, and
 * small builders for the lines screens are made of (a text line, an icon with a line of text, a banner).
 */
import type { PartyInfo } from '../../phone/call-ports.js';
import type { Style } from '../core/style.js';
import type { Theme } from '../core/theme.js';
import type { Widget } from '../core/widget.js';
import type { Translator } from '../i18n/catalog.js';
import { Container } from '../widgets/container.js';
import { Icon, type IconName } from '../widgets/icon.js';
import { Label, type LabelOptions } from '../widgets/label.js';
import type { SoftkeyDef } from '../widgets/softkey-bar.js';
import { type PhoneIntent, type PhoneView, uriForDisplay, uriUser } from './phone-view.js';

export interface ScreenContext {
  readonly view: PhoneView;
  readonly t: Translator;
  readonly theme: Theme;
  readonly send: (intent: PhoneIntent) => void;
}

export interface ScreenContent {
  /** Short name for the status bar while this screen shows (the idle screen leaves the account there). */
  readonly title?: string;
  readonly body: Widget;
  /** soft1…soft4, left to right; undefined leaves a key blank. */
  readonly softkeys: readonly (SoftkeyDef | undefined)[];
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
