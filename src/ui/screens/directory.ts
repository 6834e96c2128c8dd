/**
 * The company directory: type a name (on-screen keyboard on touch boards, multi-tap letters on keypad
 * boards), see who matches (name, title and department, the number as the dial plan makes it), tap to call.
 * The app runs the search (LDAP and CardDAV, see app/directory-wiring.ts); this screen sends the query and
 * shows view.directory. Latin letters only: Hangul input is not offered.
 */
import type { DirectoryEntry } from '../../phone/directory.js';
import type { Widget } from '../core/widget.js';
import type { Translator } from '../i18n/catalog.js';
import { Container } from '../widgets/container.js';
import type { ListItem } from '../widgets/list.js';
import { entry } from './entry.js';
import { type ScreenBuilder, type ScreenContext, backKey, iconLine, menuList, textLine } from './screen-kit.js';

/** What calling an entry dials: its SIP URI, else its first number (work first) as the dial plan wrote it. */
export function directoryTarget(e: DirectoryEntry): string | undefined {
  if (e.uri) return e.uri;
  const order = ['work', 'mobile', 'home', 'other'];
  const best = [...e.numbers].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))[0];
  return best?.normalized || best?.number;
}

function resultItem(t: Translator, e: DirectoryEntry, index: number): ListItem {
  const role = [e.title, e.department].filter((x) => x !== undefined && x !== '').join(' · ');
  const target = directoryTarget(e);
  const number = e.numbers.find((n) => (n.normalized || n.number) === target) ?? e.numbers[0];
  return {
    id: String(index),
    primary: e.name,
    ...(role ? { secondary: role } : number ? { secondary: t.t(`number.${number.kind}`) } : {}),
    icon: 'person',
    iconTone: 'primary',
    ...(number ? { detail: number.normalized || number.number } : e.uri ? { detail: e.uri.replace(/^sips?:/i, '') } : {}),
  };
}

export const buildDirectoryScreen: ScreenBuilder = (ctx) => {
  const { view, t } = ctx;
  const route = ctx.nav.route;
  const query = route?.text ?? '';
  const dir = view.directory;
  // Results belong to the query they were searched for; an older answer still shows while the new one runs.
  const results = dir && query.trim() !== '' ? dir.results : [];
  const touch = view.touch !== false;
  const showKeyboard = touch && !route?.keyboardHidden;

  const search = (q: string): void => {
    ctx.nav.update({ text: q });
    ctx.send({ type: 'directory-search', query: q });
  };
  const e = entry(ctx, { value: query, placeholder: t.t('directory.placeholder'), mode: 'text', onChange: search, onEnter: () => ctx.nav.update({ keyboardHidden: true }), enterLabel: t.t('directory.done') });
  const call = (index: number): void => {
    const hit = results[index];
    const target = hit && directoryTarget(hit);
    if (target) ctx.send({ type: 'call', target });
  };
  const list = menuList(results.map((r, i) => resultItem(t, r, i)), (_item, i) => call(i), undefined, 52);

  const top = new Container({ flexDirection: 'row', alignItems: 'center', gap: 12, flexShrink: 0 }).add(e.field.layout({ flexGrow: 1, flexShrink: 1 }));
  const status = statusLine(ctx, query, results.length);
  const body = new Container({ flexGrow: 1, flexShrink: 1, padding: { x: 12, y: 8 }, gap: 6 }).add(top);
  if (status) body.add(status);
  if (results.length > 0) body.add(new Container({ panel: true, flexGrow: 1, flexShrink: 1, clip: true, padding: 1 }).add(list));
  else body.add(new Container({ flexGrow: 1, flexShrink: 1 }));
  if (showKeyboard) body.add(e.keyboard().layout({ height: 188 }));

  return {
    title: t.t('menu.directory'),
    body,
    wide: true,
    list,
    onKey: (code) => e.onKey(code),
    softkeys: [
      { label: t.t('softkey.call'), onPress: () => call(list.selectedIndex >= 0 ? list.selectedIndex : 0) },
      touch ? { label: t.t(showKeyboard ? 'directory.hideKeyboard' : 'directory.showKeyboard'), onPress: () => ctx.nav.update({ keyboardHidden: showKeyboard }) } : undefined,
      { label: t.t('softkey.clear'), onPress: () => search('') },
      backKey(ctx),
    ],
  };
};

function statusLine(ctx: ScreenContext, query: string, count: number): Widget | undefined {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const dir = view.directory;
  if (query.trim() === '') return iconLine('search', t.t('directory.hint'), c.textMuted);
  if (dir?.searching) return iconLine('search', t.t('directory.searching'), c.textMuted);
  if (dir?.error) return iconLine('warning', t.t('directory.error', { reason: dir.error }), c.warning, { fontWeight: 'bold' });
  if (count === 0 && dir && dir.query === query) return iconLine('search', t.t('directory.none', { query }), c.textMuted);
  if (count > 0 && dir?.truncated) return textLine(t.t('directory.truncated', { count }), { color: c.textMuted, fontSize: theme.fontSize.small });
  return undefined;
}
