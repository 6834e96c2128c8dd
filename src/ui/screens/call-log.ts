/**
 * The call log: tabs for missed, received, dialed and all calls (CallLogStore categories), newest first,
 * each with who, what happened and when (relative, in the user's language). Tap or OK calls back. Opening
 * the log marks the missed calls as seen (the shell sends `call-log-seen`).
 */
import { type CallLogCategory, type CallLogEntry, categoryOf, inCategory } from '../../phone/call-log.js';
import type { Translator } from '../i18n/catalog.js';
import type { ListItem, ListTone } from '../widgets/list.js';
import { Tabs } from '../widgets/tabs.js';
import { uriForDisplay, uriUser } from './phone-view.js';
import { type ScreenBuilder, backKey, emptyNote, menuList, screenBody } from './screen-kit.js';

const TABS: readonly CallLogCategory[] = ['all', 'missed', 'received', 'dialed'];

export function logItem(t: Translator, e: CallLogEntry, now: number): ListItem {
  const category = categoryOf(e);
  const who = e.remoteName?.trim() || e.remoteNumber || uriUser(e.remoteUri) || uriForDisplay(e.remoteUri);
  const user = uriUser(e.remoteUri);
  // A name-like user part ("dave") says nothing the name does not: only numbers go on the second line.
  const number = e.remoteNumber ?? (/^\+?[\d*#]+$/.test(user) ? user : undefined);
  const what = category === 'missed' ? t.t('log.missed') : category === 'dialed' ? t.t('log.dialed') : e.outcome === 'answered' ? t.t('log.received') : t.t(`log.outcome.${e.outcome}`);
  const talk = e.durationS > 0 ? ` · ${t.duration(e.durationS * 1000)}` : '';
  const tone: ListTone = category === 'missed' ? 'danger' : category === 'dialed' ? 'primary' : 'success';
  return {
    id: String(e.id),
    primary: who,
    secondary: number && number !== who ? `${what} · ${number}${talk}` : `${what}${talk}`,
    icon: category === 'dialed' ? 'forward' : 'phone',
    iconTone: tone,
    ...(category === 'missed' ? { primaryTone: 'danger' as const } : {}),
    detail: t.relative(e.startedAt, now),
    ...(category === 'missed' && !e.seen ? { chips: [{ text: t.t('log.new'), tone: 'danger' as const, filled: true }] } : {}),
  };
}

export const buildCallLogScreen: ScreenBuilder = (ctx) => {
  const { view, t } = ctx;
  const tab = ctx.nav.route?.tab ?? 'all';
  const entries = (view.callLog ?? []).filter((e) => inCategory(e, tab));
  const missedCount = (view.callLog ?? []).filter((e) => categoryOf(e) === 'missed' && !e.seen).length;
  const body = screenBody(0);
  body.layout({ padding: 0 });
  const tabs = new Tabs(
    TABS.map((id) => ({ id, label: t.t(`log.tab.${id}`), ...(id === 'missed' ? { badge: missedCount } : {}) })),
    tab,
    { onPick: (id) => ctx.nav.update({ tab: id as CallLogCategory, selected: -1 }) },
  );
  const callBack = (index: number): void => {
    const e = entries[index];
    if (e) ctx.send({ type: 'call', target: e.remoteUri });
  };
  const list = menuList(entries.map((e) => logItem(t, e, view.now)), (_item, i) => callBack(i), undefined, 56);
  body.add(tabs, entries.length === 0 ? emptyNote(ctx, t.t(`log.empty.${tab}`), 'history') : list);
  return {
    title: t.t('menu.callLog'),
    body,
    wide: true,
    list,
    onKey: (code) => {
      // Left and right switch tabs wherever focus is (keypad boards).
      if (code !== 'left' && code !== 'right') return false;
      const i = TABS.indexOf(tab) + (code === 'left' ? -1 : 1);
      const next = TABS[i];
      if (next) ctx.nav.update({ tab: next, selected: -1 });
      return next !== undefined;
    },
    softkeys: [{ label: t.t('softkey.callBack'), onPress: () => callBack(list.selectedIndex >= 0 ? list.selectedIndex : 0) }, undefined, undefined, backKey(ctx)],
  };
};
