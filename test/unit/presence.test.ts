import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_NOTE_LENGTH, normalizeNote, presenceSchema } from '../../src/config/presence-schema.js';
import type { CallControlSnapshot, CallView } from '../../src/phone/call-control.js';
import { FakeClock } from '../../src/phone/clock.js';
import {
  callPresenceOf,
  isDnd,
  isManualState,
  MANUAL_STATES,
  PresenceError,
  PresenceModel,
  type PresenceModelOptions,
  type PresenceState,
} from '../../src/phone/presence.js';

const MIN = 60_000;
const idle = { inCall: false, inConference: false };
const call = { inCall: true, inConference: false };
const conference = { inCall: true, inConference: true };

function setup(options: Partial<PresenceModelOptions> = {}, registered = true) {
  const clock = new FakeClock();
  const model = new PresenceModel({ clock, awayAfterMin: 5, ...options });
  model.setRegistered(registered);
  const changes: PresenceState[] = [];
  model.onChange((p) => changes.push(p));
  const state = () => model.current().state;
  return { clock, model, changes, state };
}

test('a new phone is offline until registered, then available', () => {
  const clock = new FakeClock();
  const model = new PresenceModel({ clock, awayAfterMin: 5 });
  assert.equal(model.current().state, 'offline');
  assert.equal(model.current().rpid.basic, 'closed');
  const changes: PresenceState[] = [];
  model.onChange((p) => changes.push(p));
  clock.advance(1000);
  model.setRegistered(true);
  assert.deepEqual(changes, [
    { state: 'available', source: 'automatic', availability: 3500, activity: 'Available', rpid: { basic: 'open', activities: [] }, since: clock.now() },
  ]);
});

test('the mapping table: OCS availability and activity, RFC 4480 activities, per state', () => {
  const { model } = setup();
  const row = () => {
    const p = model.current();
    return [p.state, p.source, p.availability, p.activity, p.rpid.basic, p.rpid.activities.join(',')].join(' ');
  };
  const rows = [row()];
  model.setCallState(call);
  rows.push(row());
  model.setCallState(conference);
  rows.push(row());
  model.setCallState(idle);
  for (const manual of MANUAL_STATES) {
    model.setManual(manual);
    rows.push(row());
  }
  model.setManual(undefined);
  model.setRegistered(false);
  rows.push(row());
  assert.deepEqual(rows, [
    'available automatic 3500 Available open ',
    'busy automatic 6500 on-the-phone open on-the-phone',
    'in-conference automatic 6500 in-a-conference open on-the-phone',
    'available manual 3500 Available open ',
    'busy manual 6500 Busy open busy',
    'dnd manual 9500 DoNotDisturb open busy',
    'brb manual 12500 BeRightBack open away',
    'away manual 15500 Away open away',
    'offline manual 18500 Offline closed ',
    'offline automatic 18500 Offline closed ',
  ]);
});

test('idle for awayAfterMin minutes → away; activity leaves away at once', () => {
  const { clock, model, changes, state } = setup();
  clock.advance(5 * MIN - 1);
  assert.equal(state(), 'available');
  clock.advance(1);
  assert.equal(state(), 'away');
  assert.equal(model.current().source, 'automatic');
  assert.equal(model.current().since, clock.now());
  model.userActivity();
  assert.equal(state(), 'available');
  assert.deepEqual(changes.map((p) => p.state), ['away', 'available']);
});

test('each activity restarts the idle count', () => {
  const { clock, model, state } = setup();
  for (let i = 0; i < 5; i++) {
    clock.advance(4 * MIN);
    model.userActivity();
  }
  assert.equal(state(), 'available', '20 minutes, never 5 without a touch');
  clock.advance(5 * MIN);
  assert.equal(state(), 'away');
  assert.equal(clock.pending, 0, 'no second timer left running');
});

test('awayAfterMin 0 (or nonsense) never goes away', () => {
  for (const awayAfterMin of [0, -3, Number.NaN, undefined]) {
    const { clock, state } = setup({ awayAfterMin });
    assert.equal(clock.pending, 0, `no idle timer for ${awayAfterMin}`);
    clock.advance(24 * 60 * MIN);
    assert.equal(state(), 'available');
  }
});

test('a call is busy, a conference beats a call; ringing alone is not busy', () => {
  const { model, changes, state } = setup();
  model.setCallState(idle);
  assert.equal(changes.length, 0, 'no call then, no call now: nothing to publish');
  model.setCallState(call);
  assert.equal(state(), 'busy');
  model.setCallState(conference);
  assert.equal(state(), 'in-conference');
  model.setCallState({ inCall: false, inConference: true });
  assert.equal(state(), 'in-conference', 'a conference is a call even when the caller forgets inCall');
  model.setCallState(call);
  assert.equal(state(), 'busy');
  model.setCallState(idle);
  assert.equal(state(), 'available');
  assert.deepEqual(changes.map((p) => p.state), ['busy', 'in-conference', 'busy', 'available']);
});

test('callPresenceOf: connected calls count (held too), ringing and dialing do not', () => {
  const view = (state: CallView['state'], extra: Partial<CallView> = {}) => ({ state, conference: false, held: false, ...extra }) as CallView;
  const snap = (...calls: CallView[]) => ({ calls }) as unknown as CallControlSnapshot;
  assert.deepEqual(callPresenceOf(snap()), idle);
  assert.deepEqual(callPresenceOf(snap(view('ringing'), view('dialing'), view('ringback'), view('early-media'))), idle);
  assert.deepEqual(callPresenceOf(snap(view('connected', { held: true }))), call);
  assert.deepEqual(callPresenceOf(snap(view('connected', { conference: true }), view('connected', { conference: true }))), conference);
});

test('no away during a call, however long; the idle count starts afresh when it ends', () => {
  const { clock, model, state } = setup();
  clock.advance(4 * MIN);
  model.setCallState(call);
  clock.advance(60 * MIN);
  assert.equal(state(), 'busy');
  model.setCallState(idle);
  assert.equal(state(), 'available', 'the idle minutes before and during the call do not count');
  clock.advance(5 * MIN - 1);
  assert.equal(state(), 'available');
  clock.advance(1);
  assert.equal(state(), 'away');
});

test('a call that starts while away ends away: the call wins, then available', () => {
  const { clock, model, changes, state } = setup();
  clock.advance(5 * MIN);
  assert.equal(state(), 'away');
  model.setCallState(call);
  assert.equal(state(), 'busy');
  model.setCallState(idle);
  assert.equal(state(), 'available');
  assert.deepEqual(changes.map((p) => p.state), ['away', 'busy', 'available']);
});

test('a manual state wins over calls and idleness until cleared', () => {
  const { clock, model, state } = setup();
  model.setManual('dnd');
  model.setCallState(conference);
  assert.equal(state(), 'dnd');
  model.setCallState(idle);
  clock.advance(30 * MIN);
  assert.equal(state(), 'dnd');
  model.setManual('available');
  assert.equal(state(), 'available');
  assert.equal(model.current().source, 'manual');
  model.userActivity();
  model.setManual('away');
  model.userActivity();
  assert.equal(state(), 'away', 'activity does not clear a manual away');
  assert.equal(model.current().source, 'manual');
});

test('clearing the manual state returns to the automatic state of the moment', () => {
  const { clock, model, state } = setup();
  model.setManual('brb');
  clock.advance(10 * MIN);
  model.setManual(undefined);
  assert.deepEqual([state(), model.current().source], ['away', 'automatic'], 'idle all along: away');
  model.setManual('busy');
  model.setCallState(conference);
  model.setManual(undefined);
  assert.deepEqual([state(), model.current().source], ['in-conference', 'automatic']);
  assert.equal(model.current().manual, undefined);
});

test('unregistered is offline whatever the manual state, and the manual state comes back', () => {
  const { model, changes, state } = setup();
  model.setManual('dnd');
  model.setRegistered(false);
  assert.deepEqual([state(), model.current().source, model.current().manual], ['offline', 'automatic', 'dnd']);
  assert.equal(isDnd(model.current()), true, 'call control keeps DND while the registration is down');
  model.setCallState(call);
  assert.equal(state(), 'offline');
  model.setRegistered(true);
  assert.deepEqual([state(), model.current().source], ['dnd', 'manual']);
  model.setManual(undefined);
  assert.equal(state(), 'busy');
  assert.deepEqual(changes.map((p) => p.state), ['dnd', 'offline', 'dnd', 'busy']);
});

test('isDnd follows the manual DND only', () => {
  const { model } = setup();
  assert.equal(isDnd(model.current()), false);
  model.setManual('busy');
  assert.equal(isDnd(model.current()), false);
  model.setManual('dnd');
  assert.equal(isDnd(model.current()), true);
  model.setManual(undefined);
  assert.equal(isDnd(model.current()), false);
});

test('listeners hear each visible change once, and nothing else', () => {
  const { clock, model, changes } = setup();
  model.setRegistered(true);
  model.userActivity();
  model.setNote(undefined);
  model.setManual(undefined);
  model.setCallState(idle);
  assert.equal(changes.length, 0, 'nothing a watcher could see has changed');
  model.setCallState(call);
  model.setCallState(call);
  model.userActivity();
  assert.equal(changes.length, 1);
  model.setManual('dnd');
  model.setManual('dnd');
  model.setCallState(conference);
  assert.equal(changes.length, 2, 'the conference is hidden behind DND');
  clock.advance(60 * MIN);
  assert.equal(changes.length, 2);
  model.setNote('At my desk');
  model.setNote('  At my desk ');
  assert.equal(changes.length, 3, 'the same note after cleaning is no change');
  assert.deepEqual(changes.map((p) => [p.state, p.note]), [['busy', undefined], ['dnd', undefined], ['dnd', 'At my desk']]);
});

test('a change of source alone is visible; since moves only with the state', () => {
  const { clock, model, changes } = setup();
  const start = model.current().since;
  clock.advance(1000);
  model.setManual('available');
  assert.equal(changes.length, 1);
  assert.deepEqual([changes[0]!.state, changes[0]!.source, changes[0]!.since], ['available', 'manual', start]);
  clock.advance(1000);
  model.setManual('brb');
  assert.equal(model.current().since, clock.now());
});

test('unsubscribing stops a listener', () => {
  const { model } = setup();
  const heard: string[] = [];
  const stop = model.onChange((p) => heard.push(p.state));
  model.setManual('busy');
  stop();
  model.setManual('dnd');
  assert.deepEqual(heard, ['busy']);
});

test('shutdown: offline for good, timer gone, later inputs ignored', () => {
  const { clock, model, changes, state } = setup();
  model.setManual('dnd');
  model.shutdown();
  assert.deepEqual([state(), model.current().source, model.current().rpid.basic], ['offline', 'automatic', 'closed']);
  assert.equal(clock.pending, 0);
  model.setRegistered(true);
  model.setManual(undefined);
  model.userActivity();
  model.setCallState(call);
  model.setNote('back soon');
  model.shutdown();
  clock.advance(60 * MIN);
  assert.equal(state(), 'offline');
  assert.deepEqual(changes.map((p) => p.state), ['dnd', 'offline']);
});

test('the note: from config, set, cleaned, cleared; kept while offline', () => {
  const { model, changes } = setup({ note: 'Working from home' });
  assert.equal(model.current().note, 'Working from home');
  model.setNote('Line one\nline\ttwo\u0000 ');
  assert.equal(model.current().note, 'Line one line two');
  model.setRegistered(false);
  assert.equal(model.current().note, 'Line one line two');
  model.setNote('   ');
  assert.equal(model.current().note, undefined);
  assert.equal('note' in model.current(), false, 'no note key at all, for the PIDF builder');
  assert.equal(changes.length, 3);
});

test('normalizeNote cuts long text without splitting a character and repairs half pairs', () => {
  assert.equal(normalizeNote('x'.repeat(MAX_NOTE_LENGTH + 50))!.length, MAX_NOTE_LENGTH);
  const emoji = 'a' + '😀'.repeat(MAX_NOTE_LENGTH);
  const cut = normalizeNote(emoji)!;
  assert.equal(cut.length, MAX_NOTE_LENGTH - 1, 'the emoji straddling the limit is dropped whole');
  assert.doesNotMatch(cut, /[\ud800-\udbff]$/, 'no half pair at the end');
  assert.equal(normalizeNote('ok \ud800 fine'), 'ok \ufffd fine');
  assert.equal(normalizeNote(''), undefined);
  assert.equal(normalizeNote(undefined), undefined);
});

test('setManual refuses an unknown state with a clear error and keeps the old one', () => {
  const { model } = setup();
  model.setManual('brb');
  assert.throws(() => model.setManual('lunch' as never), (e: unknown) => e instanceof PresenceError && /"lunch".*available, busy, dnd, brb, away, offline/.test(e.message));
  assert.equal(model.current().state, 'brb');
  assert.equal(isManualState('dnd'), true);
  assert.equal(isManualState('in-conference'), false, 'in a conference is automatic only');
  assert.equal(isManualState(7), false);
});

test('config: defaults, and bad values named', () => {
  assert.deepEqual(presenceSchema.parse({}), { awayAfterMin: 5, publish: true, publishExpires: 3600 });
  assert.deepEqual(presenceSchema.parse({ awayAfterMin: 0, note: '  In the lab ', publish: false }), {
    awayAfterMin: 0,
    note: 'In the lab',
    publish: false,
    publishExpires: 3600,
  });
  const fails = (input: unknown, field: string) => {
    const r = presenceSchema.safeParse(input);
    assert.equal(r.success, false, JSON.stringify(input));
    assert.deepEqual(r.error?.issues.map((i) => i.path.join('.')), [field]);
  };
  fails({ awayAfterMin: -1 }, 'awayAfterMin');
  fails({ awayAfterMin: 2.5 }, 'awayAfterMin');
  fails({ awayAfterMin: '5' }, 'awayAfterMin');
  fails({ note: 'two\nlines' }, 'note');
  fails({ note: '   ' }, 'note');
  fails({ note: 'x'.repeat(MAX_NOTE_LENGTH + 1) }, 'note');
  fails({ publishExpires: 10 }, 'publishExpires');
  fails({ publish: 'yes' }, 'publish');
  fails({ awayAfterMins: 5 }, '');
});
