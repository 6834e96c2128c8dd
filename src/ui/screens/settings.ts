/**
 * Settings: account (address, sign-in state with the reason, server), network (the phone's contact
 * address), audio (ring volume), display (theme and language, effective at once) and the admin section
 * behind a PIN.
 */
import type { ThemeName } from '../core/theme.js';
import type { Locale } from '../i18n/catalog.js';
import type { ListItem } from '../widgets/list.js';
import { Container } from '../widgets/container.js';
import { Label } from '../widgets/label.js';
import { ProgressBar } from '../widgets/progress-bar.js';
import { entry } from './entry.js';
import { problemBanner, registrationCause } from './errors.js';
import type { MenuScreen } from './phone-view.js';
import { uriForDisplay } from './phone-view.js';
import { type ScreenBuilder, type ScreenContext, backKey, iconLine, menuList, screenBody, softkey, textLine } from './screen-kit.js';

export const buildSettingsScreen: ScreenBuilder = (ctx) => {
  const { view, t } = ctx;
  const r = view.registration;
  const problem = r.state !== 'registered';
  const items: ListItem[] = [
    { id: 'settings-account', primary: t.t('settings.account'), secondary: uriForDisplay(r.aor), icon: 'person', iconTone: 'primary', chevron: true, ...(problem ? { chips: [{ text: t.t(`registration.${r.state}`), tone: 'danger' as const, filled: true }] } : {}) },
    { id: 'settings-network', primary: t.t('settings.network'), secondary: r.contact ? uriForDisplay(r.contact) : t.t('settings.unknown'), icon: 'network', iconTone: 'primary', chevron: true },
    { id: 'settings-audio', primary: t.t('settings.audio'), secondary: ringVolumeText(ctx), icon: 'volume', iconTone: 'primary', chevron: true },
    { id: 'settings-display', primary: t.t('settings.display'), secondary: `${t.t(`theme.${view.theme.name}`)} · ${t.t(`language.${view.locale}`)}`, icon: 'display', iconTone: 'primary', chevron: true },
    { id: 'settings-admin', primary: t.t('settings.admin'), secondary: t.t('settings.adminHint'), icon: 'lock', iconTone: 'muted', chevron: true },
  ];
  const list = menuList(items, (item) => ctx.nav.push({ screen: item.id as MenuScreen, text: '' }), undefined, 64);
  const body = screenBody(0);
  body.layout({ padding: 0 });
  body.add(list);
  return { title: t.t('menu.settings'), body, wide: true, list, softkeys: [{ label: t.t('softkey.select'), onPress: () => { const item = list.items[list.selectedIndex]; if (item) ctx.nav.push({ screen: item.id as MenuScreen, text: '' }); } }, undefined, undefined, backKey(ctx)] };
};

function ringVolumeText(ctx: ScreenContext): string {
  const db = ctx.view.settings?.ringVolumeDb;
  return db === undefined ? ctx.t.t('settings.unknown') : ctx.t.t('settings.ringVolumeDb', { db: db > 0 ? `+${db}` : String(db) });
}

/** A panel of label → value rows (values may be long addresses: they take the rest of the row, cut at the end). */
function facts(ctx: ScreenContext, rows: readonly (readonly [string, string])[]): Container {
  const { theme } = ctx;
  const panel = new Container({ panel: true, padding: { x: 16, y: 6 }, flexShrink: 0 });
  rows.forEach(([label, value], i) => {
    const row = new Container({ flexDirection: 'row', alignItems: 'center', gap: 12, padding: { y: 9 }, flexShrink: 0 });
    if (i > 0) row.setStyle({ borderColor: theme.colors.border, borderWidth: 0 });
    row.add(new Label(label, { width: 190, flexShrink: 0 }).setStyle({ color: theme.colors.textMuted }), new Label(value, { flexGrow: 1, flexShrink: 1 }).setStyle({ fontWeight: 'bold' }));
    panel.add(row);
  });
  return panel;
}

export const buildAccountSettings: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const r = view.registration;
  const body = screenBody(10);
  const banner = problemBanner(ctx);
  if (banner) body.add(banner);
  else if (r.state !== 'registered') {
    const state = t.t(`registration.${r.state}`);
    body.add(iconLine('warning', r.reason ? t.t('registration.withReason', { state, reason: r.reason }) : state, theme.colors.danger, { fontWeight: 'bold' }));
  }
  const cause = registrationCause(r);
  const rows: [string, string][] = [
    [t.t('settings.address'), uriForDisplay(r.aor)],
    [t.t('settings.displayName'), r.displayName?.trim() || '—'],
    [t.t('settings.status'), t.t(`registration.${r.state}`)],
    [t.t('settings.server'), r.server ? uriForDisplay(r.server) : t.t('settings.fromAddress')],
  ];
  if (r.reason) rows.push([t.t('settings.reason'), r.reason]);
  if (cause) rows.push([t.t('settings.cause'), t.t(`cause.${cause}`)]);
  if (r.state === 'registered' && r.expires !== undefined) rows.push([t.t('settings.expires'), t.t('settings.seconds', { count: r.expires })]);
  body.add(facts(ctx, rows));
  // Hot desking: whoever signed in can sign out, and the phone asks for the next user.
  const signOut = view.signIn?.user !== undefined ? softkey(ctx, t.t('signIn.signOut'), { type: 'sign-out' }) : undefined;
  return { title: t.t('settings.account'), body, wide: true, softkeys: [signOut, undefined, undefined, backKey(ctx)] };
};

export const buildNetworkSettings: ScreenBuilder = (ctx) => {
  const { view, t } = ctx;
  const r = view.registration;
  const body = screenBody(10);
  const banner = problemBanner(ctx);
  if (banner) body.add(banner);
  const contact = r.contact ? uriForDisplay(r.contact) : undefined;
  const host = contact?.split('@').at(-1);
  const rows: [string, string][] = [
    [t.t('settings.contact'), contact ?? t.t('settings.unknown')],
    [t.t('settings.address'), host ?? t.t('settings.unknown')],
    [t.t('settings.transport'), r.contact ? (/transport=(\w+)/i.exec(r.contact)?.[1]?.toUpperCase() ?? (/^sips:/i.test(r.contact) ? 'TLS' : 'UDP/TCP')) : t.t('settings.unknown')],
    [t.t('settings.server'), r.server ? uriForDisplay(r.server) : t.t('settings.fromAddress')],
  ];
  body.add(facts(ctx, rows));
  return { title: t.t('settings.network'), body, wide: true, softkeys: [undefined, undefined, undefined, backKey(ctx)] };
};

export const buildAudioSettings: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const db = view.settings?.ringVolumeDb;
  const body = screenBody(12);
  body.layout({ padding: { x: 24, y: 20 } });
  const panel = new Container({ panel: true, padding: 16, gap: 12, flexShrink: 0 });
  panel.add(iconLine('volume', t.t('settings.ringVolume'), theme.colors.primary, { fontSize: theme.fontSize.large, fontWeight: 'bold' }));
  // -60 dB … +20 dB is the config's range; the bar shows where the setting sits in it.
  panel.add(new ProgressBar(db === undefined ? 0 : (db + 60) / 80, { height: 14 }));
  panel.add(textLine(ringVolumeText(ctx), { color: theme.colors.textMuted }));
  body.add(panel, textLine(t.t('settings.ringVolumeHint'), { color: theme.colors.textMuted, fontSize: theme.fontSize.small }));
  return { title: t.t('settings.audio'), body, wide: true, softkeys: [undefined, undefined, undefined, backKey(ctx)] };
};

const THEMES: readonly ThemeName[] = ['light', 'dark', 'high-contrast'];
const LANGUAGES: readonly Locale[] = ['en', 'ko'];

export const buildDisplaySettings: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const check = (on: boolean): ListItem['chips'] => (on ? [{ text: '✓', tone: 'primary', filled: true }] : []);
  const themeList = menuList(
    THEMES.map((name): ListItem => ({ id: name, primary: t.t(`theme.${name}`), icon: 'display', iconTone: 'muted', chips: check(view.theme.name === name) })),
    (item) => ctx.send({ type: 'theme', theme: item.id as ThemeName }),
    undefined,
    52,
  );
  // Each language is named in itself, so a user who cannot read the current one still finds theirs.
  const languageList = menuList(
    LANGUAGES.map((l): ListItem => ({ id: l, primary: t.t(`language.${l}`), secondary: l === 'en' ? 'English' : '한국어', icon: 'chat', iconTone: 'muted', chips: check(view.locale === l) })),
    (item) => ctx.send({ type: 'locale', locale: item.id as Locale }),
    undefined,
    52,
  );
  const column = (title: string, list: ReturnType<typeof menuList>, rows: number): Container =>
    new Container({ flexGrow: 1, flexBasis: 0, gap: 8 }).add(
      textLine(title, { fontSize: theme.fontSize.large, fontWeight: 'bold' }),
      new Container({ panel: true, height: rows * 52 + 2, padding: 1, clip: true, flexShrink: 0 }).add(list),
    );
  const body = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1, padding: { x: 16, y: 14 }, gap: 16 }).add(
    column(t.t('settings.theme'), themeList, THEMES.length),
    column(t.t('settings.language'), languageList, LANGUAGES.length),
  );
  return { title: t.t('settings.display'), body, wide: true, list: themeList, softkeys: [undefined, undefined, undefined, backKey(ctx)] };
};

export const buildAdminSettings: ScreenBuilder = (ctx) => {
  const { view, t, theme } = ctx;
  const s = view.settings;
  const body = screenBody(10);
  if (!s?.adminPinSet) {
    body.add(iconLine('lock', t.t('admin.noPin'), theme.colors.textMuted, { fontSize: theme.fontSize.large }));
    return { title: t.t('settings.admin'), body, wide: true, softkeys: [undefined, undefined, undefined, backKey(ctx)] };
  }
  if (s.adminUnlocked) {
    body.add(iconLine('shield', t.t('admin.unlocked'), theme.colors.success, { fontWeight: 'bold' }));
    body.add(facts(ctx, s.adminFacts ?? []));
    return { title: t.t('settings.admin'), body, wide: true, softkeys: [undefined, undefined, undefined, backKey(ctx)] };
  }
  const pin = ctx.nav.local.adminPin;
  const submit = (): void => {
    ctx.send({ type: 'admin-unlock', pin });
    ctx.nav.setLocal({ adminPin: '' });
  };
  const e = entry(ctx, { value: pin, placeholder: t.t('admin.pinPlaceholder'), mode: 'digits', mask: true, maxLength: 16, onChange: (v) => ctx.nav.setLocal({ adminPin: v }), onEnter: submit });
  const left = new Container({ flexGrow: 1, flexShrink: 1, gap: 10, padding: { top: 8 } }).add(
    iconLine('lock', t.t('admin.enterPin'), theme.colors.text, { fontSize: theme.fontSize.title, fontWeight: 'bold' }),
    textLine(t.t('admin.why'), { color: theme.colors.textMuted }),
    e.field,
  );
  if (s.adminFailed) left.add(iconLine('close', t.t('pin.wrong'), theme.colors.danger, { fontWeight: 'bold' }));
  const row = new Container({ flexDirection: 'row', flexGrow: 1, flexShrink: 1, padding: { x: 16, y: 8 }, gap: 16 }).add(left);
  if (view.touch !== false) row.add(e.dialPad(240).layout({ padding: { top: 4, bottom: 4 } }));
  return {
    title: t.t('settings.admin'),
    body: row,
    wide: true,
    onKey: (code) => e.onKey(code),
    softkeys: [{ label: t.t('common.ok'), onPress: submit }, { label: t.t('softkey.delete'), onPress: () => ctx.nav.setLocal({ adminPin: Array.from(pin).slice(0, -1).join('') }) }, undefined, backKey(ctx)],
  };
};
