// The first phone screens (idle, dialer, incoming, in-call) in English and Korean, light and dark, against
// golden images; the catalogs' completeness; which screen a phone state calls for; what the screens say.
// Regenerate the goldens after an intended visual change, then look at them:
//   UPDATE_GOLDEN=1 node --test dist/test/unit/ui-screens.test.js
import { test } from 'node:test';
import { GOLDEN_UI_DIR, MAX_DIFFERENT_FRACTION, assertMatchesGolden, differentFraction } from '../harness/golden.js';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FakeClock } from '../../src/phone/clock.js';
import type { ColleaguesSnapshot } from '../../src/phone/colleagues.js';
import { type Theme, darkTheme, lightTheme } from '../../src/ui/core/theme.js';
import { Ui } from '../../src/ui/core/ui.js';
import { PngDisplay, decodePng } from '../../src/ui/display/png-display.js';
import { LOCALES, type Locale, type MessageKey, catalogFor, createTranslator, interpolate, placeholders } from '../../src/ui/i18n/catalog.js';
import { type PhoneIntent, type PhoneView, type ScreenKind, pickScreen } from '../../src/ui/screens/phone-view.js';
import { KOREAN_FONT_FILES, PhoneShell, setupScreenFonts } from '../../src/ui/screens/shell.js';
import { BOB, DAVE, ERIN, NOW, PRESENCE, SECOND, baseView, call, calls, screenTexts as texts } from '../harness/screen-fixtures.js';

const GOLDEN_DIR = join(GOLDEN_UI_DIR, 'screens');

// ---- fixed phone state (the moment, calls and presence are shared with the other screen tests) ----

const COLLEAGUES: ColleaguesSnapshot = {
  contacts: [
    { name: 'Bob Marsh', uri: 'sip:bob@example.com', lamp: 'busy' },
    { name: 'Carol Nguyen', uri: 'sip:carol@example.com', lamp: 'idle' },
    { name: '박서준', uri: 'sip:seojun@example.com', lamp: 'ringing' },
    { name: 'Not watched', uri: 'sip:nobody@example.com' },
  ],
  messages: { waiting: true, newMessages: 2, oldMessages: 5, urgentNew: 1 },
  otherDevices: [],
};

const SEOJUN = { uri: 'sip:seojun@example.com', name: '박서준', number: '1007' };

/** The shared base view, with this file's colleagues (busy lamps, no presence) and three missed calls. */
function view(over: Partial<PhoneView> = {}): PhoneView {
  return baseView({ registration: { state: 'registered', aor: 'sip:alice@example.com', displayName: 'Alice Kim' }, colleagues: COLLEAGUES, missedCalls: 3, ...over });
}

/** One fixed view per screen, as the goldens show them. */
const SCREENS: Readonly<Record<Extract<ScreenKind, 'idle' | 'dialer' | 'incoming' | 'in-call'>, Partial<PhoneView>>> = {
  idle: {},
  dialer: { dialer: { digits: '025550100', preview: '+8225550100' } },
  incoming: {
    calls: calls([call({ id: 'c1', line: 1, state: 'ringing', remote: BOB, forwardedFrom: { uri: 'sip:carol@example.com', name: 'Carol Nguyen', reason: 'no-answer' } })]),
  },
  'in-call': {
    calls: calls([
      call({ id: 'c1', line: 1, state: 'connected', remote: SEOJUN, muted: true, startedAt: NOW - 260 * SECOND, answeredAt: NOW - 247 * SECOND }),
      call({ id: 'c2', line: 2, state: 'connected', remote: DAVE, held: true, startedAt: NOW - 400 * SECOND, answeredAt: NOW - 70 * SECOND }),
      call({ id: 'c3', line: 3, state: 'ringing', remote: ERIN, startedAt: NOW - 5 * SECOND }),
    ]),
  },
};

// ---- rendering ----

function render(v: PhoneView): { display: PngDisplay; ui: Ui; shell: PhoneShell; sent: PhoneIntent[] } {
  const display = new PngDisplay(800, 480);
  const ui = new Ui({ display, clock: new FakeClock(NOW), theme: v.theme });
  const sent: PhoneIntent[] = [];
  const shell = new PhoneShell(ui, (i) => sent.push(i));
  shell.show(v);
  ui.renderNow();
  return { display, ui, shell, sent };
}


function shows(v: PhoneView, text: string): boolean {
  const { ui } = render(v);
  return texts(ui.screen).some((s) => s.includes(text));
}

// ---- goldens ----

const THEMES: readonly Theme[] = [lightTheme, darkTheme];
const KINDS = Object.keys(SCREENS) as (keyof typeof SCREENS)[];

for (const kind of KINDS) {
  for (const locale of LOCALES) {
    for (const theme of THEMES) {
      test(`${kind} screen matches its golden image (${locale}, ${theme.name})`, async () => {
        const v = view({ ...SCREENS[kind], locale, theme });
        const { display, shell } = render(v);
        assert.equal(shell.kind, kind);
        const path = join(GOLDEN_DIR, `${kind}-${locale}-${theme.name}.png`);
        await assertMatchesGolden(path, display);
      });
    }
  }
}

test('the goldens tell the locales apart, and a changed timer shows', async () => {
  const path = join(GOLDEN_DIR, 'in-call-en-light.png');
  if (!existsSync(path)) return;
  const golden = await decodePng(readFileSync(path));
  const korean = render(view({ ...SCREENS['in-call'], locale: 'ko' })).display;
  assert.ok(differentFraction(golden.data, korean.rgba) > MAX_DIFFERENT_FRACTION);
  const later = render(view({ ...SCREENS['in-call'], now: NOW + 13 * SECOND })).display;
  assert.ok(differentFraction(golden.data, later.rgba) > 0.0003, 'a timer 13 s later must differ');
});

// ---- catalogs and formatting ----

test('every catalog key has a non-empty Korean text with the same placeholders as English', () => {
  const en = catalogFor('en');
  const ko = catalogFor('ko');
  const keys = Object.keys(en) as MessageKey[];
  assert.ok(keys.length > 50);
  assert.deepEqual(Object.keys(ko).sort(), [...keys].sort());
  for (const key of keys) {
    const message = ko[key];
    const forms = typeof message === 'string' ? [message] : [message.other, ...(message.one !== undefined ? [message.one] : [])];
    for (const text of forms) assert.ok(text.trim().length > 0, `ko ${key} is empty`);
    assert.ok(forms.some((text) => /[\uac00-\ud7a3]/.test(text)) || /^[{}: ·A-Za-z]+$/.test(forms[0]!), `ko ${key} has no Hangul: ${forms[0]}`);
    assert.deepEqual(placeholders(message), placeholders(en[key]), `ko ${key} placeholders`);
  }
});

test('messages fill parameters and pick the counted form', () => {
  const en = createTranslator('en');
  const ko = createTranslator('ko');
  assert.equal(en.t('idle.missedCalls', { count: 1 }), '1 missed call');
  assert.equal(en.t('idle.missedCalls', { count: 3 }), '3 missed calls');
  assert.equal(ko.t('idle.missedCalls', { count: 1 }), '부재중 전화 1통');
  assert.equal(en.t('registration.withReason', { state: 'Sign-in failed', reason: '403 Forbidden' }), 'Sign-in failed: 403 Forbidden');
  assert.equal(ko.t('softkey.answer'), '받기');
  // A missing value stays visible instead of throwing.
  assert.equal(interpolate('Calls {number}', {}), 'Calls {number}');
});

test('time, date and call timers follow the locale', () => {
  const en = createTranslator('en', { timeZone: 'Asia/Seoul' });
  const ko = createTranslator('ko', { timeZone: 'Asia/Seoul' });
  assert.equal(en.time(NOW), '9:41 AM');
  assert.equal(ko.time(NOW), '오전 9:41');
  assert.equal(ko.time(NOW + 5 * 3_600 * SECOND), '오후 2:41');
  assert.equal(en.date(NOW), 'Wednesday, November 25');
  assert.equal(ko.date(NOW), '11월 25일 수요일');
  assert.equal(en.duration(247 * SECOND), '4:07');
  assert.equal(en.duration(3_723 * SECOND), '1:02:03');
  assert.equal(en.duration(-5), '0:00');
  assert.equal(en.time(Number.NaN), '--:--');
});

test('a bad locale or time zone is refused at setup', () => {
  assert.throws(() => createTranslator('fr' as Locale), /unknown locale "fr"/);
  assert.throws(() => createTranslator('en', { timeZone: 'Mars/Olympus' }), RangeError);
});

test('the Korean fallback font is registered when fonts-nanum is installed', (t) => {
  if (!KOREAN_FONT_FILES.some((f) => existsSync(f))) return t.skip('fonts-nanum is not installed');
  assert.equal(setupScreenFonts().korean, true);
  assert.equal(setupScreenFonts(['/nonexistent/font.ttf']).korean, false);
});

// ---- which screen ----

test('the screen picked for a view: ringing → incoming, connected → in-call, digits → dialer, else idle', () => {
  const ringing = call({ id: 'r', line: 1, state: 'ringing', remote: BOB });
  const connected = call({ id: 'c', line: 1, state: 'connected', remote: DAVE, answeredAt: NOW });
  const placing = call({ id: 'o', line: 2, state: 'ringback', direction: 'outgoing', remote: ERIN });
  const digits = { digits: '12', preview: '12' };
  assert.equal(pickScreen(view()), 'idle');
  assert.equal(pickScreen(view({ dialer: digits })), 'dialer');
  assert.equal(pickScreen(view({ calls: calls([ringing]) })), 'incoming');
  assert.equal(pickScreen(view({ calls: calls([ringing]), dialer: digits })), 'incoming');
  assert.equal(pickScreen(view({ calls: calls([connected]) })), 'in-call');
  assert.equal(pickScreen(view({ calls: calls([connected, ringing]) })), 'in-call');
  assert.equal(pickScreen(view({ calls: calls([placing]) })), 'in-call');
  assert.equal(pickScreen(view({ calls: calls([{ ...connected, held: true }]), dialer: digits })), 'in-call');
});

// ---- what the screens say and do ----

test('idle shows the registration failure with its reason, and the manual state hidden while offline', () => {
  const failed = view({
    registration: { state: 'failed', reason: '403 Forbidden; retrying in 30 s', aor: 'sip:alice@example.com' },
    presence: { ...PRESENCE, state: 'offline', manual: 'dnd' },
  });
  assert.ok(shows(failed, 'Sign-in failed: 403 Forbidden; retrying in 30 s'));
  assert.ok(shows(failed, 'Set to Do not disturb'));
  assert.ok(shows({ ...failed, locale: 'ko' }, '로그인 실패: 403 Forbidden; retrying in 30 s'));
  assert.ok(shows(view(), '3 missed calls'));
  assert.ok(shows(view(), '2 new voicemails · 1 urgent'));
  assert.ok(!shows(view({ missedCalls: 0 }), 'missed'));
  assert.ok(!shows(view(), 'Also signed in'));
  assert.ok(shows(view({ colleagues: { ...COLLEAGUES, otherDevices: [{ uri: 'sip:alice@example.com;gr=urn:uuid:1' }, { uri: 'sip:alice@10.0.0.9' }] } }), 'Also signed in on 2 other devices'));
  assert.ok(shows(view({ calls: calls([], { forwarding: { always: 'sip:1009@example.com' }, dnd: true }) }), 'All calls forwarded to 1009@example.com'));
});

test('line keys show the lines, then watched colleagues with their busy lamps', () => {
  const { shell } = render(view(SCREENS['in-call']));
  const keys = shell.lineKeys.keys;
  assert.deepEqual(
    keys.filter((k) => k.visible).map((k) => [k.label, k.lamp]),
    [
      ['alice · Line 1', 'on'],
      ['Line 2', 'blink'],
      ['Line 3', 'fast-blink'],
      ['Bob Marsh', 'on'],
      ['Carol Nguyen', 'off'],
      ['박서준', 'fast-blink'],
    ],
  );
});

test('incoming: caller, forwarded-from with the reason in words, and answer/reject/forward for that call', () => {
  const v = view(SCREENS.incoming);
  const { ui, shell, sent } = render(v);
  const said = texts(ui.screen);
  assert.ok(said.includes('Bob Marsh'));
  assert.ok(said.includes('1002'));
  assert.ok(said.includes('Forwarded from Carol Nguyen (no answer)'));
  assert.deepEqual([1, 2, 3].map((i) => shell.softkeys.label(i)), ['Answer', 'Reject', 'Forward']);
  ui.screen.handleKey('soft1');
  assert.deepEqual(sent, [{ type: 'answer', callId: 'c1' }]);
  // Forward asks where to: the target screen, which then deflects the call.
  ui.screen.handleKey('soft3');
  assert.equal(shell.kind, 'deflect');
  for (const k of ['1', '0', '0', '9'] as const) ui.screen.handleKey(k);
  ui.screen.handleKey('soft1');
  assert.deepEqual(sent.at(-1), { type: 'deflect', callId: 'c1', target: '1009' });
  const anonymous = view({ locale: 'ko', calls: calls([call({ id: 'p', line: 1, state: 'ringing', remote: { uri: 'sip:anonymous@anonymous.invalid', private: true } })]) });
  assert.ok(shows(anonymous, '발신자 정보 없음'));
});

test('in-call: timer, mute, the held call and the call-waiting banner, whose call the softkeys answer', () => {
  const { ui, shell, sent } = render(view(SCREENS['in-call']));
  const said = texts(ui.screen);
  for (const s of ['박서준', '4:07', 'Microphone off', 'Call waiting: 1005', 'On hold: Dave Okafor · 1:10']) assert.ok(said.includes(s), `shows ${s}: ${said.join(' | ')}`);
  assert.equal(shell.softkeys.label(1), 'Answer');
  ui.screen.handleKey('soft1');
  ui.screen.handleKey('soft4');
  assert.deepEqual(sent, [
    { type: 'answer', callId: 'c3' },
    { type: 'hangup', callId: 'c1' },
  ]);
});

test('in-call: conference, transfer state, hold, and the softkeys of one call and of two', () => {
  const a = call({ id: 'a', line: 1, state: 'connected', remote: BOB, conference: true, answeredAt: NOW - 10 * SECOND });
  const b = call({ id: 'b', line: 2, state: 'connected', remote: DAVE, conference: true, answeredAt: NOW - 20 * SECOND });
  assert.ok(shows(view({ calls: calls([a, b]) }), 'Conference with Bob Marsh and Dave Okafor'));
  assert.ok(shows(view({ locale: 'ko', calls: calls([a, b]) }), 'Bob Marsh, Dave Okafor 님과 전화 회의'));

  const transferring = call({ id: 't', line: 1, state: 'connected', remote: BOB, answeredAt: NOW, transfer: { to: 'sip:1009@example.com', state: 'requested' } });
  assert.ok(shows(view({ calls: calls([transferring]) }), 'Transferring to 1009@example.com…'));
  const failed = { ...transferring, transfer: { to: 'sip:1009@example.com', state: 'failed' as const, reason: 'Declined' } };
  assert.ok(shows(view({ calls: calls([failed]) }), 'Transfer to 1009@example.com failed: Declined'));

  const held = render(view({ calls: calls([{ ...transferring, transfer: undefined, held: true }]) }));
  assert.ok(texts(held.ui.screen).includes('On hold'));
  assert.deepEqual([1, 2, 3, 4].map((i) => held.shell.softkeys.label(i)), ['Resume', 'Mute', 'Transfer', 'End']);

  const two = render(view({ calls: calls([{ ...a, conference: false }, { ...b, conference: false, held: true }]) }));
  assert.deepEqual([1, 2, 3, 4].map((i) => two.shell.softkeys.label(i)), ['Swap', 'Conference', 'Mute', 'End']);

  const placing = render(view({ calls: calls([call({ id: 'o', line: 1, direction: 'outgoing', state: 'ringback', remote: ERIN })]) }));
  assert.ok(texts(placing.ui.screen).includes('Ringing…'));
  assert.deepEqual([1, 2, 3, 4].map((i) => placing.shell.softkeys.label(i)), [undefined, undefined, undefined, 'End']);
});

test('dialer: digits, the normalized preview, a blocked attempt; keys go to the keypad', () => {
  const v = view({ locale: 'ko', dialer: { digits: '112', preview: '112', blocked: 'the phone is locked' } });
  const { ui, sent } = render(v);
  const said = texts(ui.screen);
  assert.ok(said.includes('발신 안 됨: the phone is locked'));
  // The preview line appears only when the dial plan changed the number.
  assert.ok(!said.some((s) => s.includes('(으)로 발신')));
  assert.ok(shows(view(SCREENS.dialer), 'Calls +8225550100'));
  ui.screen.handleKey('5');
  ui.screen.handleKey('soft2');
  assert.deepEqual(sent, [
    { type: 'dialer', key: '5' },
    { type: 'dialer', key: 'back' },
  ]);
});

test('showing a new view replaces the content and keeps the frame', () => {
  const { ui, shell } = render(view());
  const before = ui.screen.children.length;
  shell.show(view(SCREENS.incoming));
  shell.show(view(SCREENS['in-call']));
  ui.renderNow();
  assert.equal(shell.kind, 'in-call');
  assert.equal(ui.screen.children.length, before);
  assert.ok(!texts(ui.screen).includes('Incoming call'));
});
