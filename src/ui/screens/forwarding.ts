/**
 * Call forwarding: always, when busy, on no answer, each with its target (view.calls.forwarding); a row
 * opens the target entry (dial pad, keypad digits), Save sets it and Turn off clears it.
 */
import type { ForwardKind } from '../../phone/call-control.js';
import type { ListItem } from '../widgets/list.js';
import { Container } from '../widgets/container.js';
import { entry } from './entry.js';
import { uriForDisplay, uriUser } from './phone-view.js';
import { type ScreenBuilder, backKey, iconLine, menuList, noticeText, screenBody, textLine } from './screen-kit.js';

const KINDS: readonly ForwardKind[] = ['always', 'busy', 'noAnswer'];
const LABEL = { always: 'forwarding.always', busy: 'forwarding.busy', noAnswer: 'forwarding.noAnswer' } as const satisfies Record<ForwardKind, string>;

export const buildForwardingScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const f = view.calls.forwarding;
  const items = KINDS.map((kind): ListItem => {
    const to = f[kind];
    return {
      id: kind,
      primary: t.t(LABEL[kind]),
      secondary: to ? t.t('forwarding.to', { target: uriForDisplay(to) }) : t.t('forwarding.offHint'),
      icon: 'forward',
      iconTone: to ? 'warning' : 'muted',
      chips: [{ text: t.t(to ? 'common.on' : 'common.off'), tone: to ? 'warning' : 'muted', filled: to !== undefined }],
      chevron: true,
    };
  });
  const edit = (kind: ForwardKind): void => {
    const to = f[kind];
    ctx.nav.push({ screen: 'forward-edit', kind, text: to ? uriUser(to) : '' });
  };
  const list = menuList(items, (item) => edit(item.id as ForwardKind), undefined, 64);
  const body = screenBody(10);
  body.add(new Container({ panel: true, flexShrink: 0, height: 3 * 64 + 2, padding: 1, clip: true }).add(list));
  if (f.always) body.add(iconLine('warning', t.t('forwarding.alwaysWins'), theme.colors.warning));
  return {
    title: t.t('menu.forwarding'),
    body,
    wide: true,
    list,
    softkeys: [{ label: t.t('softkey.edit'), onPress: () => edit(KINDS[Math.max(0, list.selectedIndex)]!) }, undefined, undefined, backKey(ctx)],
  };
};

export const buildForwardEditScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const route = ctx.nav.route;
  const kind = route?.kind ?? 'always';
  const text = route?.text ?? '';
  const current = view.calls.forwarding[kind];
  const save = (): void => {
    if (text.trim() === '') return;
    ctx.send({ type: 'forwarding', [kind]: text.trim() });
    ctx.nav.back();
  };
  const off = (): void => {
    ctx.send({ type: 'forwarding', [kind]: null });
    ctx.nav.back();
  };
  const e = entry(ctx, { value: text, placeholder: t.t('forwarding.placeholder'), mode: 'digits', onChange: (v) => ctx.nav.update({ text: v }), onEnter: save });
  const left = new Container({ flexGrow: 1, flexShrink: 1, gap: 10, padding: { top: 8 } }).add(
    textLine(t.t(LABEL[kind]), { fontSize: theme.fontSize.title, fontWeight: 'bold' }),
    textLine(current ? t.t('forwarding.current', { target: uriForDisplay(current) }) : t.t('forwarding.offHint'), { color: theme.colors.textMuted }),
    e.field,
  );
  if (view.calls.notice) left.add(textLine(noticeText(t, view.calls.notice), { color: theme.colors.danger, fontWeight: 'bold' }));
  const body = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1, padding: { x: 16, y: 8 }, gap: 16 }).add(left);
  if (view.touch !== false) body.add(e.dialPad(240).layout({ padding: { top: 4, bottom: 4 } }));
  return {
    title: t.t('menu.forwarding'),
    body,
    wide: true,
    onKey: (code) => e.onKey(code),
    softkeys: [
      { label: t.t('softkey.save'), onPress: save },
      { label: t.t('softkey.delete'), onPress: () => ctx.nav.update({ text: Array.from(text).slice(0, -1).join('') }) },
      current ? { label: t.t('softkey.turnOff'), onPress: off } : undefined,
      { label: t.t('softkey.cancel'), onPress: () => ctx.nav.back() },
    ],
  };
};
