/**
 * The user's status: automatic, or one of the manual states presence.ts supports (available, busy, do not
 * disturb, be right back, away, appear offline); the do-not-disturb switch of the call core; and the
 * personal note published with presence.
 */
import { MANUAL_STATES, type ManualState } from '../../phone/presence.js';
import type { ListItem } from '../widgets/list.js';
import { Container } from '../widgets/container.js';
import { entry } from './entry.js';
import { presenceDot, presenceKey } from './idle.js';
import { type ScreenBuilder, backKey, menuList, screenBody, textLine } from './screen-kit.js';

const AUTOMATIC = 'automatic';
const DND_SWITCH = 'dnd-switch';
const NOTE = 'note';

export const buildPresenceScreen: ScreenBuilder = (ctx) => {
  const { view, t } = ctx;
  const p = view.presence;
  const chosen = p.manual;
  const check = (on: boolean): ListItem['chips'] => (on ? [{ text: '✓', tone: 'primary', filled: true }] : []);
  const items: ListItem[] = [
    {
      id: AUTOMATIC,
      primary: t.t('presence.automatic'),
      secondary: chosen === undefined ? t.t('presence.automaticNow', { state: t.t(presenceKey(p.state)) }) : t.t('presence.automaticHint'),
      icon: 'redial',
      iconTone: 'muted',
      chips: check(chosen === undefined),
    },
    ...MANUAL_STATES.map(
      (s): ListItem => ({
        id: s,
        primary: t.t(s === 'offline' ? 'presence.appearOffline' : presenceKey(s)),
        icon: 'presence',
        presence: presenceDot(s),
        chips: check(chosen === s),
      }),
    ),
    {
      id: DND_SWITCH,
      primary: t.t('presence.dndCalls'),
      secondary: t.t('presence.dndCallsHint'),
      icon: 'dnd',
      iconTone: view.calls.dnd ? 'danger' : 'muted',
      chips: [{ text: t.t(view.calls.dnd ? 'common.on' : 'common.off'), tone: view.calls.dnd ? 'danger' : 'muted', filled: view.calls.dnd }],
    },
    { id: NOTE, primary: t.t('presence.note'), secondary: p.note ?? t.t('presence.noNote'), icon: 'chat', iconTone: 'primary', chevron: true },
  ];
  const pick = (item: ListItem): void => {
    if (item.id === AUTOMATIC) ctx.send({ type: 'presence', state: undefined });
    else if (item.id === DND_SWITCH) ctx.send({ type: 'dnd', on: !view.calls.dnd });
    else if (item.id === NOTE) ctx.nav.push({ screen: 'presence-note', text: p.note ?? '' });
    else ctx.send({ type: 'presence', state: item.id as ManualState });
  };
  const list = menuList(items, pick, undefined, 48);
  const body = screenBody(0);
  body.layout({ padding: 0 });
  body.add(list);
  return { title: t.t('menu.presence'), body, wide: true, list, softkeys: [{ label: t.t('softkey.select'), onPress: () => { const item = list.items[list.selectedIndex]; if (item) pick(item); } }, undefined, undefined, backKey(ctx)] };
};

export const buildPresenceNoteScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const text = ctx.nav.route?.text ?? '';
  const save = (): void => {
    ctx.send({ type: 'presence-note', note: text.trim() === '' ? undefined : text.trim() });
    ctx.nav.back();
  };
  const e = entry(ctx, { value: text, placeholder: t.t('presence.notePlaceholder'), mode: 'text', maxLength: 120, onChange: (v) => ctx.nav.update({ text: v }), onEnter: save, enterLabel: t.t('softkey.save') });
  const body = screenBody(10);
  body.add(textLine(t.t('presence.noteHint'), { color: theme.colors.textMuted }), e.field);
  body.add(new Container({ flexGrow: 1 }));
  if (view.touch !== false) body.add(e.keyboard().layout({ height: 200 }));
  return {
    title: t.t('presence.note'),
    body,
    wide: true,
    onKey: (code) => e.onKey(code),
    softkeys: [
      { label: t.t('softkey.save'), onPress: save },
      { label: t.t('softkey.clear'), onPress: () => ctx.nav.update({ text: '' }) },
      undefined,
      { label: t.t('softkey.cancel'), onPress: () => ctx.nav.back() },
    ],
  };
};
