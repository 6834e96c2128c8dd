/**
 * The kiosk face (lobby, hotline phones): the brand and one big button that calls the hotline; during the
 * call who is on it, the state and timer, and one End call button. No menu, settings or line keys.
 */
import { Button } from '../widgets/button.js';
import { Container } from '../widgets/container.js';
import { focusedCall } from './phone-view.js';
import { type ScreenBuilder, noticeText, softkey, textLine } from './screen-kit.js';

export const buildKioskScreen: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const c = theme.colors;
  const k = view.kiosk ?? { hotlineLabel: t.t('kiosk.call') };
  const body = new Container({ flexGrow: 1, flexShrink: 1, padding: { x: 40, y: 20 }, gap: 14, alignItems: 'stretch' });
  if (k.brand) body.add(textLine(k.brand, { fontSize: 30, fontWeight: 'bold', color: c.primary }, { align: 'center', maxWidth: '100%' }));
  const call = focusedCall(view.calls.calls) ?? view.calls.calls[0];
  if (!call) {
    const button = new Button(k.hotlineLabel, { icon: 'phone', variant: 'primary', flexGrow: 1, onPress: () => ctx.send({ type: 'hotline' }) });
    button.setStyle({ fontSize: 34, radius: 24 });
    body.add(button, textLine(t.t('kiosk.hint'), { color: c.textMuted, fontSize: theme.fontSize.large }, { align: 'center', maxWidth: '100%' }));
    if (view.calls.notice) body.add(textLine(noticeText(t, view.calls.notice), { color: c.danger, fontWeight: 'bold' }, { align: 'center', maxWidth: '100%' }));
    return { body, kiosk: true, softkeys: [] };
  }
  const connected = call.state === 'connected';
  const panel = new Container({ panel: true, flexGrow: 1, alignItems: 'center', justifyContent: 'center', gap: 10, padding: 16 });
  panel.add(
    textLine(k.hotlineLabel, { fontSize: 30, fontWeight: 'bold' }, { align: 'center', maxWidth: '100%' }),
    textLine(connected ? t.t('call.connected') : t.t('call.ringback'), { fontSize: theme.fontSize.title, color: connected ? c.success : c.textMuted, fontWeight: 'bold' }, { align: 'center', maxWidth: '100%' }),
  );
  if (connected) panel.add(textLine(t.duration(view.now - (call.answeredAt ?? call.startedAt)), { fontSize: 44, fontWeight: 'bold' }, { align: 'center' }));
  const end = new Button(t.t('kiosk.end'), { variant: 'danger', height: 84, onPress: () => ctx.send({ type: 'hangup', callId: call.id }) });
  end.setStyle({ fontSize: 28, radius: 20 });
  body.add(panel, end);
  return { body, kiosk: true, softkeys: [undefined, undefined, undefined, softkey(ctx, t.t('kiosk.end'), { type: 'hangup', callId: call.id })] };
};
