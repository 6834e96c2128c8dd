/**
 * The main menu (a grid of large tiles, as on Yealink T5x and Poly CCX sets: contacts, directory, call log,
 * voicemail, status, forwarding, settings, lock) and the voicemail screen (new / saved / urgent counts and
 * the call to the mailbox).
 */
import { Container } from '../widgets/container.js';
import { Button } from '../widgets/button.js';
import { Tile } from '../widgets/tile.js';
import { presenceKey } from './idle.js';
import { type ScreenBuilder, type ScreenContext, backKey, screenBody, softkey, textLine } from './screen-kit.js';
import type { Route } from './navigation.js';

export const buildMainMenu: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const open = (route: Route) => () => ctx.nav.push(route);
  const messages = view.colleagues?.messages.newMessages ?? 0;
  const forwarding = Object.keys(view.calls.forwarding).length > 0;
  const tiles = [
    new Tile('person', t.t('menu.contacts'), { onPress: open({ screen: 'contacts' }) }),
    new Tile('search', t.t('menu.directory'), { onPress: open({ screen: 'directory', text: '' }) }),
    new Tile('history', t.t('menu.callLog'), {
      badge: view.missedCalls ?? 0,
      onPress: () => {
        ctx.nav.push({ screen: 'call-log', tab: 'all' });
        ctx.send({ type: 'call-log-seen' });
      },
    }),
    new Tile('voicemail', t.t('menu.voicemail'), { badge: messages, onPress: open({ screen: 'voicemail' }) }),
    new Tile('presence', t.t('menu.presence'), { caption: t.t(presenceKey(view.presence.state)), iconColor: presenceColorOf(ctx), onPress: open({ screen: 'presence-menu' }) }),
    new Tile('forward', t.t('menu.forwarding'), {
      caption: forwarding ? t.t('common.on') : t.t('common.off'),
      ...(forwarding ? { iconColor: c.warning } : {}),
      onPress: open({ screen: 'forwarding' }),
    }),
    new Tile('settings', t.t('menu.settings'), { onPress: open({ screen: 'settings' }) }),
    view.lock?.pinSet
      ? new Tile('lock', t.t('menu.lock'), { onPress: () => ctx.send({ type: 'lock' }) })
      : new Tile('display', t.t('settings.display'), { onPress: open({ screen: 'settings-display' }) }),
  ];
  const body = new Container({ flexGrow: 1, flexShrink: 1, padding: { x: 16, y: 14 }, gap: 12 });
  for (let row = 0; row < 2; row++) {
    body.add(new Container({ flexDirection: 'row', flexGrow: 1, flexBasis: 0, gap: 12 }).add(...tiles.slice(row * 4, row * 4 + 4)));
  }
  return { title: t.t('menu.title'), body, wide: true, softkeys: [undefined, undefined, undefined, backKey(ctx)] };
};

function presenceColorOf(ctx: ScreenContext): string {
  const c = ctx.theme.colors;
  switch (ctx.view.presence.state) {
    case 'available':
      return c.presenceAvailable;
    case 'busy':
    case 'in-conference':
    case 'dnd':
      return c.presenceBusy;
    case 'brb':
    case 'away':
      return c.presenceAway;
    case 'offline':
      return c.presenceOffline;
  }
}

export const buildVoicemailScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const m = view.colleagues?.messages ?? { waiting: false, newMessages: 0, oldMessages: 0, urgentNew: 0 };
  const body = screenBody(16);
  body.layout({ padding: { x: 24, y: 20 } });
  const card = (count: number, label: string, color: string): Container =>
    new Container({ panel: true, flexGrow: 1, flexBasis: 0, alignItems: 'center', padding: { x: 12, y: 16 }, gap: 4 }).add(
      textLine(String(count), { fontSize: 48, fontWeight: 'bold', color }, { flexShrink: 0 }),
      textLine(label, { color: c.textMuted, fontSize: theme.fontSize.large }, { align: 'center', maxWidth: '100%' }),
    );
  body.add(
    new Container({ flexDirection: 'row', gap: 16, flexShrink: 0 }).add(
      card(m.newMessages, t.t('voicemail.new'), m.newMessages > 0 ? c.primary : c.text),
      card(m.urgentNew, t.t('voicemail.urgent'), m.urgentNew > 0 ? c.danger : c.text),
      card(m.oldMessages, t.t('voicemail.saved'), c.text),
    ),
  );
  const configured = view.voicemailConfigured !== false;
  if (configured) {
    body.add(new Button(t.t('voicemail.call'), { icon: 'phone', variant: 'primary', height: 56, onPress: () => ctx.send({ type: 'voicemail' }) }));
  } else {
    body.add(textLine(t.t('voicemail.notConfigured'), { color: c.textMuted }, { align: 'center', maxWidth: '100%' }));
  }
  return {
    title: t.t('menu.voicemail'),
    body,
    wide: true,
    softkeys: [configured ? softkey(ctx, t.t('softkey.call'), { type: 'voicemail' }) : undefined, undefined, undefined, backKey(ctx)],
  };
};
