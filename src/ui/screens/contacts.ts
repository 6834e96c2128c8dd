/**
 * Colleagues (colleagues.contacts): each with presence (dot, state, note), whether they take instant
 * messages ("IM" / "No IM"), and the busy lamp for watched extensions. Tap or OK calls; a long press (or
 * Details) opens the contact.
 */
import type { ContactPresenceState, ContactView } from '../../phone/colleagues.js';
import type { Translator } from '../i18n/catalog.js';
import type { Presence } from '../widgets/icon.js';
import type { ListChip, ListItem } from '../widgets/list.js';
import { Container } from '../widgets/container.js';
import { Icon } from '../widgets/icon.js';
import { uriForDisplay } from './phone-view.js';
import { type ScreenBuilder, backKey, emptyNote, iconLine, menuList, screenBody, textLine } from './screen-kit.js';

export function contactDot(state: ContactPresenceState | undefined): Presence {
  switch (state) {
    case 'available':
      return 'available';
    case 'busy':
    case 'dnd':
      return 'busy';
    case 'away':
      return 'away';
    default:
      return 'offline';
  }
}

export function contactStateKey(state: ContactPresenceState | undefined): `contact.${ContactPresenceState}` {
  return `contact.${state ?? 'unknown'}`;
}

function contactChips(t: Translator, contact: ContactView): ListChip[] {
  const chips: ListChip[] = [];
  if (contact.lamp === 'busy') chips.push({ text: t.t('contact.lampBusy'), tone: 'danger', filled: true });
  else if (contact.lamp === 'ringing') chips.push({ text: t.t('contact.lampRinging'), tone: 'warning', filled: true });
  const im = contact.presence?.canIm;
  if (im === true) chips.push({ text: t.t('contact.im'), tone: 'success' });
  else if (im === false) chips.push({ text: t.t('contact.noIm'), tone: 'muted' });
  return chips;
}

export function contactItem(t: Translator, contact: ContactView): ListItem {
  const state = t.t(contactStateKey(contact.presence?.state));
  const note = contact.presence?.note;
  return {
    id: contact.uri,
    primary: contact.name || uriForDisplay(contact.uri),
    secondary: note ? `${state} — ${note}` : `${state} · ${uriForDisplay(contact.uri)}`,
    icon: 'presence',
    presence: contactDot(contact.presence?.state),
    chips: contactChips(t, contact),
  };
}

export const buildContactsScreen: ScreenBuilder = (ctx) => {
  const { view, t } = ctx;
  const contacts = view.colleagues?.contacts ?? [];
  const body = screenBody(0);
  body.layout({ padding: 0 });
  const list = menuList(
    contacts.map((c) => contactItem(t, c)),
    (item) => ctx.send({ type: 'call', target: item.id }),
    (item) => ctx.nav.push({ screen: 'contact-detail', uri: item.id }),
    60,
  );
  body.add(contacts.length === 0 ? emptyNote(ctx, t.t('contacts.empty'), 'person') : list);
  const selected = (): string | undefined => list.items[list.selectedIndex]?.id;
  return {
    title: t.t('menu.contacts'),
    body,
    wide: true,
    list,
    softkeys: [
      { label: t.t('softkey.call'), onPress: () => { const uri = selected(); if (uri) ctx.send({ type: 'call', target: uri }); } },
      { label: t.t('softkey.details'), onPress: () => { const uri = selected(); if (uri) ctx.nav.push({ screen: 'contact-detail', uri }); } },
      { label: t.t('menu.directory'), onPress: () => ctx.nav.push({ screen: 'directory', text: '' }) },
      backKey(ctx),
    ],
  };
};

export const buildContactDetailScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const uri = ctx.nav.route?.uri ?? '';
  const contact = view.colleagues?.contacts.find((x) => x.uri === uri);
  const body = screenBody(10);
  body.layout({ padding: { x: 24, y: 18 } });
  if (!contact) {
    body.add(emptyNote(ctx, t.t('contacts.gone'), 'person'));
    return { title: t.t('menu.contacts'), body, wide: true, softkeys: [undefined, undefined, undefined, backKey(ctx)] };
  }
  const header = new Container({ flexDirection: 'row', alignItems: 'center', gap: 16, flexShrink: 0 }).add(
    new Icon('person', { size: 56, color: c.primary }),
    new Container({ flexGrow: 1, flexShrink: 1, gap: 2 }).add(
      textLine(contact.name || uriForDisplay(contact.uri), { fontSize: 30, fontWeight: 'bold' }),
      textLine(uriForDisplay(contact.uri), { fontSize: theme.fontSize.large, color: c.textMuted }),
    ),
  );
  body.add(header);
  const panel = new Container({ panel: true, padding: { x: 16, y: 12 }, gap: 8, flexShrink: 0 });
  const state = contact.presence?.state;
  const presenceRow = new Container({ flexDirection: 'row', alignItems: 'center', gap: 8, flexShrink: 0 }).add(
    new Icon('presence', { size: 18, presence: contactDot(state) }),
    textLine(t.t(contactStateKey(state)), { fontSize: theme.fontSize.large, fontWeight: 'bold' }, { flexShrink: 0 }),
  );
  if (contact.presence?.note) presenceRow.add(textLine(`— ${contact.presence.note}`, { fontSize: theme.fontSize.large, color: c.textMuted }, { flexGrow: 1 }));
  panel.add(presenceRow);
  const im = contact.presence?.canIm;
  panel.add(iconLine('chat', t.t(im === true ? 'contact.imYes' : im === false ? 'contact.imNo' : 'contact.imUnknown'), im === true ? c.success : c.textMuted));
  if (contact.lamp !== undefined) {
    const [key, color] =
      contact.lamp === 'busy'
        ? (['contact.lampBusyLong', c.danger] as const)
        : contact.lamp === 'ringing'
          ? (['contact.lampRingingLong', c.warning] as const)
          : (['contact.lampIdleLong', c.success] as const);
    panel.add(iconLine('phone', t.t(key), color));
  }
  body.add(panel);
  return {
    title: t.t('menu.contacts'),
    body,
    wide: true,
    softkeys: [{ label: t.t('softkey.call'), onPress: () => ctx.send({ type: 'call', target: contact.uri }) }, undefined, undefined, backKey(ctx)],
  };
};
