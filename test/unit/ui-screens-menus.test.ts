// The menu, lock, sign-in, kiosk, transfer and error screens in English and Korean, light and dark, against
// golden images; and what they say and send. Regenerate after an intended visual change, then look at them:
//   UPDATE_GOLDEN=1 node --test dist/test/unit/ui-screens-menus.test.js
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { GOLDEN_UI_DIR, assertMatchesGolden } from '../harness/golden.js';
import { BOB, CALL_LOG, DIRECTORY_RESULTS, NOW, SECOND, baseView, call, calls, screenTexts as texts } from '../harness/screen-fixtures.js';
import { FakeClock } from '../../src/phone/clock.js';
import { type Theme, darkTheme, lightTheme } from '../../src/ui/core/theme.js';
import { Ui } from '../../src/ui/core/ui.js';
import type { Widget } from '../../src/ui/core/widget.js';
import { PngDisplay } from '../../src/ui/display/png-display.js';
import { LOCALES, createTranslator } from '../../src/ui/i18n/catalog.js';
import { registrationCause } from '../../src/ui/screens/errors.js';
import { MultiTap, type Route } from '../../src/ui/screens/navigation.js';
import type { PhoneIntent, PhoneView } from '../../src/ui/screens/phone-view.js';
import { PhoneShell } from '../../src/ui/screens/shell.js';
import { List } from '../../src/ui/widgets/list.js';

const GOLDEN_DIR = join(GOLDEN_UI_DIR, 'screens');

interface Case {
  readonly view: Partial<PhoneView>;
  readonly routes?: readonly Route[];
}

const TLS_FAILED = { state: 'failed' as const, aor: 'sip:alice@example.com', displayName: 'Alice Kim', reason: 'TLS: certificate has expired (CERT_HAS_EXPIRED); retrying in 30 s', server: 'sip:pbx.example.com;transport=tls' };
const NO_NETWORK = { state: 'registering' as const, aor: 'sip:alice@example.com', displayName: 'Alice Kim', reason: 'connect ENETUNREACH 192.0.2.1:5061' };

const CASES: Readonly<Record<string, Case>> = {
  menu: { view: {}, routes: [{ screen: 'menu' }] },
  contacts: { view: {}, routes: [{ screen: 'contacts' }] },
  'contact-detail': { view: {}, routes: [{ screen: 'contacts' }, { screen: 'contact-detail', uri: 'sip:bob@example.com' }] },
  directory: { view: { directory: { query: 'kim', results: DIRECTORY_RESULTS, searching: false } }, routes: [{ screen: 'directory', text: 'kim' }] },
  'directory-results': { view: { directory: { query: 'kim', results: DIRECTORY_RESULTS, searching: false } }, routes: [{ screen: 'directory', text: 'kim', keyboardHidden: true }] },
  'call-log': { view: { callLog: CALL_LOG }, routes: [{ screen: 'call-log', tab: 'all' }] },
  voicemail: { view: {}, routes: [{ screen: 'voicemail' }] },
  'presence-menu': { view: { presence: { ...baseView().presence, manual: 'busy', state: 'busy', source: 'manual' } }, routes: [{ screen: 'presence-menu' }] },
  forwarding: { view: { calls: calls([], { forwarding: { busy: 'sip:1009@example.com', noAnswer: 'sip:voicemail@example.com' } }) }, routes: [{ screen: 'forwarding' }] },
  'forward-edit': { view: { calls: calls([], { forwarding: { busy: 'sip:1009@example.com' } }) }, routes: [{ screen: 'forwarding' }, { screen: 'forward-edit', kind: 'busy', text: '1009' }] },
  settings: { view: {}, routes: [{ screen: 'settings' }] },
  'settings-account-tls': { view: { registration: TLS_FAILED }, routes: [{ screen: 'settings' }, { screen: 'settings-account' }] },
  'settings-network': { view: {}, routes: [{ screen: 'settings' }, { screen: 'settings-network' }] },
  'settings-audio': { view: {}, routes: [{ screen: 'settings' }, { screen: 'settings-audio' }] },
  'settings-display': { view: {}, routes: [{ screen: 'settings' }, { screen: 'settings-display' }] },
  'settings-admin': { view: {}, routes: [{ screen: 'settings' }, { screen: 'settings-admin' }] },
  lock: { view: { lock: { locked: true, pinSet: true } } },
  'lock-emergency': { view: { lock: { locked: true, pinSet: true }, dialer: { digits: '11', preview: '11' } } },
  'sign-in': { view: { signIn: { required: true, error: 'Unknown user or wrong PIN' } } },
  kiosk: { view: { kiosk: { hotlineLabel: 'Call reception', brand: 'Hotel Aurora' } } },
  'kiosk-call': { view: { kiosk: { hotlineLabel: 'Call reception', brand: 'Hotel Aurora' }, calls: calls([call({ id: 'o1', line: 1, direction: 'outgoing', state: 'connected', remote: BOB, answeredAt: NOW - 83 * SECOND })]) } },
  transfer: { view: { calls: calls([call({ id: 'c1', line: 1, state: 'connected', remote: BOB, answeredAt: NOW - 90 * SECOND })]) }, routes: [{ screen: 'transfer', callId: 'c1', text: '1009' }] },
  'idle-no-network': { view: { registration: NO_NETWORK } },
  'idle-tls': { view: { registration: TLS_FAILED } },
};

function render(v: PhoneView, routes: readonly Route[] = []): { display: PngDisplay; ui: Ui; shell: PhoneShell; sent: PhoneIntent[] } {
  const display = new PngDisplay(800, 480);
  const ui = new Ui({ display, clock: new FakeClock(NOW), theme: v.theme });
  const sent: PhoneIntent[] = [];
  const shell = new PhoneShell(ui, (i) => sent.push(i));
  for (const r of routes) shell.nav.push(r);
  shell.show(v);
  ui.renderNow();
  return { display, ui, shell, sent };
}


function findList(root: Widget): List | undefined {
  if (root instanceof List && root.visible) return root;
  for (const c of root.children) {
    const l = findList(c);
    if (l) return l;
  }
  return undefined;
}

const THEMES: readonly Theme[] = [lightTheme, darkTheme];

for (const [name, c] of Object.entries(CASES)) {
  for (const locale of LOCALES) {
    for (const theme of THEMES) {
      test(`${name} screen matches its golden image (${locale}, ${theme.name})`, async () => {
        const { display } = render(baseView({ ...c.view, locale, theme }), c.routes);
        await assertMatchesGolden(join(GOLDEN_DIR, `${name}-${locale}-${theme.name}.png`), display);
      });
    }
  }
}

test('contacts: presence with note, IM / no-IM markers, busy lamp; tap calls, long press opens the details', () => {
  const { ui, shell, sent } = render(baseView(), [{ screen: 'contacts' }]);
  const list = findList(ui.screen)!;
  const bob = list.items.find((i) => i.primary === 'Bob Marsh')!;
  assert.equal(bob.secondary, 'Busy — Budget review');
  assert.deepEqual(bob.chips?.map((c) => c.text), ['On a call', 'IM']);
  assert.deepEqual(list.items.find((i) => i.primary === 'Carol Nguyen')!.chips?.map((c) => c.text), ['No IM']);
  list.handleTap({ x: 10, y: 5 });
  assert.deepEqual(sent, [{ type: 'call', target: 'sip:bob@example.com' }]);
  list.handleLongPress({ x: 10, y: 65 });
  assert.equal(shell.kind, 'contact-detail');
  assert.ok(texts(ui.screen).includes('No instant messages (phone only)'));
});

test('call log: relative times per locale, tabs filter, a tap calls back', () => {
  const { ui, sent, shell } = render(baseView({ callLog: CALL_LOG }), [{ screen: 'call-log', tab: 'all' }]);
  const list = findList(ui.screen)!;
  assert.deepEqual(list.items.map((i) => i.detail), ['4 min. ago', '50 min. ago', '6:41 AM', 'yesterday', 'yesterday', 'Nov 20']);
  list.handleTap({ x: 10, y: 60 });
  assert.deepEqual(sent, [{ type: 'call', target: 'sip:+82221234567@example.com' }]);
  assert.equal(shell.nav.depth, 0, 'calling closes the menu');
  shell.nav.push({ screen: 'call-log', tab: 'missed' });
  shell.show(baseView({ callLog: CALL_LOG }));
  assert.deepEqual(findList(ui.screen)!.items.map((i) => i.primary), ['Bob Marsh', 'Dave Okafor']);
  const ko = createTranslator('ko', { timeZone: 'Asia/Seoul' });
  assert.equal(ko.relative(NOW - 4 * 60 * SECOND, NOW), '4분 전');
  assert.equal(ko.relative(NOW - 30 * 3600 * SECOND, NOW), '어제');
});

test('directory: keyboard and multi-tap both type; each change searches; a result calls its normalized number', () => {
  const v = baseView({ directory: { query: 'kim', results: DIRECTORY_RESULTS, searching: false } });
  const { ui, shell, sent } = render(v, [{ screen: 'directory', text: 'ki' }]);
  ui.screen.handleKey('6'); // m
  assert.equal(shell.route?.text, 'kim');
  assert.deepEqual(sent.at(-1), { type: 'directory-search', query: 'kim' });
  ui.screen.handleKey('back');
  assert.equal(shell.route?.text, 'ki');
  const list = findList(ui.screen)!;
  list.handleTap({ x: 10, y: 5 });
  assert.deepEqual(sent.at(-1), { type: 'call', target: '+8225550101' });
});

test('multi-tap cycles letters on the same key within a second, and starts a new one after a pause', () => {
  let now = 0;
  const m = new MultiTap(() => now);
  let text = m.press('', '5');
  text = m.press(text, '5');
  text = m.press(text, '5');
  assert.equal(text, 'l');
  now += 1500;
  text = m.press(text, '5');
  assert.equal(text, 'lj');
  assert.equal(m.press(text, '#'), 'lj', 'a key without letters changes nothing');
});

test('registration problems are told apart: TLS, no network, credentials', () => {
  assert.equal(registrationCause(TLS_FAILED), 'tls');
  assert.equal(registrationCause(NO_NETWORK), 'network');
  assert.equal(registrationCause({ state: 'failed', aor: 'sip:a@b', reason: '403 Forbidden; retrying in 30 s' }), 'auth');
  assert.equal(registrationCause({ state: 'registered', aor: 'sip:a@b' }), undefined);
  assert.equal(registrationCause({ state: 'failed', aor: 'sip:a@b', reason: 'x', cause: 'network' }), 'network');
  const { ui } = render(baseView({ registration: TLS_FAILED, locale: 'ko' }));
  assert.ok(texts(ui.screen).includes('서버 인증서 거부됨'));
});

test('forwarding edit: digits type the target, Save sends it, Turn off clears it', () => {
  const v = baseView({ calls: calls([], { forwarding: { busy: 'sip:1009@example.com' } }) });
  const { ui, shell, sent } = render(v, [{ screen: 'forwarding' }, { screen: 'forward-edit', kind: 'busy', text: '' }]);
  for (const k of ['2', '0', '0', '5'] as const) ui.screen.handleKey(k);
  assert.equal(shell.route?.text, '2005');
  ui.screen.handleKey('soft1');
  assert.deepEqual(sent, [{ type: 'forwarding', busy: '2005' }]);
  assert.equal(shell.kind, 'forwarding');
  shell.nav.push({ screen: 'forward-edit', kind: 'busy', text: '1009' });
  shell.show(v);
  ui.screen.handleKey('soft3');
  assert.deepEqual(sent.at(-1), { type: 'forwarding', busy: null });
});

test('display settings switch theme and language by intent', () => {
  const { ui, sent } = render(baseView(), [{ screen: 'settings-display' }]);
  const list = findList(ui.screen)!;
  list.handleTap({ x: 10, y: 60 });
  assert.deepEqual(sent, [{ type: 'theme', theme: 'dark' }]);
});

test('kiosk: any key calls the hotline; nothing else is reachable', () => {
  const { ui, shell, sent } = render(baseView({ kiosk: { hotlineLabel: 'Call reception' } }));
  assert.equal(shell.kind, 'kiosk');
  assert.equal(shell.lineKeys.visible, false);
  ui.screen.handleKey('soft4');
  ui.screen.handleKey('5');
  ui.screen.handleKey('back');
  assert.deepEqual(sent, [{ type: 'hotline' }, { type: 'hotline' }, { type: 'hotline' }], 'every key calls, none opens anything');
  const inCall = render(baseView({ kiosk: { hotlineLabel: 'Call reception' }, calls: calls([call({ id: 'o1', line: 1, direction: 'outgoing', state: 'connected', remote: BOB })]) }));
  inCall.ui.screen.handleKey('5');
  inCall.ui.screen.handleKey('soft4');
  assert.deepEqual(inCall.sent, [{ type: 'hangup', callId: 'o1' }]);
});
