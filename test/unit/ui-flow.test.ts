// The phone's face end to end: ui-wiring with a real call core (fake signaling, fake time), driven by key
// and touch events through the input router, as a user would: dial, talk, hold, consult and transfer;
// menus and back; the lock screen; and input that must be ignored without a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callRig } from '../harness/call-rig.js';
import { configSchema } from '../../src/config/schema.js';
import { InMemoryCallLog } from '../../src/phone/call-log.js';
import { Colleagues } from '../../src/phone/colleagues.js';
import { PresenceModel } from '../../src/phone/presence.js';
import { wireUi } from '../../src/app/ui-wiring.js';
import { PngDisplay } from '../../src/ui/display/png-display.js';
import type { HalInputEvent } from '../../src/hal/hal-types.js';

const START = Date.UTC(2026, 10, 25, 0, 41, 0);

function phone(opts: { lockPin?: string; touch?: boolean } = {}) {
  const rig = callRig({ start: START, emergency: ['112'] });
  const config = configSchema.parse({ account: { aor: 'sip:alice@example.com', password: 'x' }, api: { port: 0 }, ui: { timeZone: 'Asia/Seoul' } });
  const display = new PngDisplay(800, 480);
  const ui = wireUi({
    config,
    registration: () => ({ state: 'registered', aor: 'sip:alice@example.com' }),
    calls: rig.calls,
    keypad: rig.keypad,
    presence: new PresenceModel({ clock: rig.clock }),
    colleagues: new Colleagues([{ name: 'Bob', uri: 'sip:bob@example.com' }]),
    callLog: new InMemoryCallLog(),
    clock: rig.clock,
    display,
    ...(opts.lockPin ? { lockPin: opts.lockPin } : {}),
    board: { touch: opts.touch ?? true },
  });
  rig.calls.onChange(() => ui.refresh());
  const key = (code: string): void => {
    ui.input({ type: 'key', code, down: true });
    ui.input({ type: 'key', code, down: false });
  };
  const tap = (x: number, y: number): void => {
    ui.input({ type: 'pointer', x, y, action: 'down' });
    ui.input({ type: 'pointer', x, y, action: 'up' });
  };
  return { rig, ui, key, tap };
}

/** The id of the call the core last dialed. */
function lastDialed(ops: unknown[][]): string {
  const dial = ops.filter((o) => o[0] === 'dial').at(-1);
  assert.ok(dial, 'a call was dialed');
  return dial[1] as string;
}

test('idle → dialer → calling → in-call → hold → consultative transfer → idle, by keys alone', () => {
  const { rig, ui, key } = phone();
  const seen: (string | undefined)[] = [ui.screenKind()];
  for (const d of '2002') key(d);
  seen.push(ui.screenKind());
  key('#');
  seen.push(ui.screenKind());
  const first = lastDialed(rig.ops);
  assert.equal(rig.calls.snapshot().calls[0]?.state, 'dialing');
  rig.calls.signalConnected(first);
  seen.push(ui.screenKind());
  key('hold');
  assert.equal(rig.calls.snapshot().calls[0]?.held, true);
  key('hold');
  assert.equal(rig.calls.snapshot().calls[0]?.held, false, 'hold again resumes');

  key('transfer');
  seen.push(ui.screenKind());
  for (const d of '2005') key(d);
  key('soft2'); // Consult
  const second = lastDialed(rig.ops);
  assert.notEqual(second, first);
  assert.equal(rig.calls.snapshot().calls.find((c) => c.id === first)?.held, true, 'the caller waits on hold');
  rig.calls.signalConnected(second);
  seen.push(ui.screenKind());
  key('soft1'); // Complete
  assert.deepEqual(rig.take('transferReplacing'), [['transferReplacing', first, second]]);
  rig.calls.signalTransferProgress(first, 200);
  rig.calls.signalEnded(first, { originator: 'local' });
  rig.calls.signalEnded(second, { originator: 'remote' });
  seen.push(ui.screenKind());
  assert.deepEqual(seen, ['idle', 'dialer', 'in-call', 'in-call', 'transfer', 'in-call', 'idle']);
  ui.stop();
});

test('blind transfer from the softkey and the touch dial pad', () => {
  const { rig, ui, key, tap } = phone();
  const id = rig.calls.dial('2002');
  rig.calls.signalConnected(id);
  key('soft3'); // Transfer
  assert.equal(ui.screenKind(), 'transfer');
  // The dial pad sits on the right of the content: its "1" key near (580, 90), "0" near (664, 380).
  tap(580, 90);
  tap(664, 380);
  key('soft1'); // Blind
  assert.deepEqual(rig.take('transfer'), [['transfer', id, 'sip:10@example.com']]);
  assert.equal(ui.screenKind(), 'in-call');
  ui.stop();
});

test('menus: Menu → Settings → Display and back, Back twice to idle; a quiet minute closes a menu', () => {
  const { rig, ui, key, tap } = phone();
  key('soft4');
  assert.equal(ui.screenKind(), 'menu');
  // Settings is the third tile of the second row.
  tap(500, 350);
  assert.equal(ui.screenKind(), 'settings');
  key('down');
  key('down');
  key('down');
  key('down');
  key('ok');
  assert.equal(ui.screenKind(), 'settings-display');
  key('back');
  assert.equal(ui.screenKind(), 'settings');
  key('soft4');
  key('soft4');
  assert.equal(ui.screenKind(), 'idle');
  key('soft2');
  assert.equal(ui.screenKind(), 'contacts');
  rig.clock.advance(59_000);
  assert.equal(ui.screenKind(), 'contacts');
  rig.clock.advance(2_000);
  assert.equal(ui.screenKind(), 'idle', 'the menu timed out');
  ui.stop();
});

test('a ringing call takes over an open menu', () => {
  const { rig, ui, key } = phone();
  key('soft4');
  assert.equal(ui.screenKind(), 'menu');
  rig.calls.signalIncoming('i1', { remote: { uri: 'sip:bob@example.com', name: 'Bob' }, diversions: 0 });
  assert.equal(ui.screenKind(), 'incoming');
  key('soft1');
  assert.deepEqual(rig.take('answer'), [['answer', 'i1']]);
  ui.stop();
});

test('the lock screen blocks everything but emergency numbers; the PIN unlocks', () => {
  const { rig, ui, key, tap } = phone({ lockPin: '4321' });
  key('soft4');
  // Lock phone is the last tile.
  tap(690, 330);
  assert.equal(ui.screenKind(), 'lock');
  for (const code of ['soft4', 'soft2', 'soft3', 'line1', 'message', 'redial']) key(code);
  assert.equal(ui.screenKind(), 'lock');
  for (const d of '2002') key(d);
  key('#');
  assert.equal(rig.take('dial').length, 0, 'an ordinary number does not dial while locked');
  assert.equal(ui.screenKind(), 'lock');
  for (const d of '112') key(d);
  const [dial] = rig.take('dial');
  assert.equal(dial?.[2], 'sip:112@example.com', 'an emergency number dials');
  rig.calls.hangup(dial[1] as string);
  rig.calls.signalEnded(dial[1] as string, { originator: 'local' });
  assert.equal(ui.screenKind(), 'lock');
  key('soft1'); // Unlock
  for (const d of '1111') key(d);
  key('soft1');
  assert.equal(ui.screenKind(), 'lock', 'a wrong PIN keeps it locked');
  key('soft1');
  for (const d of '4321') key(d);
  key('#');
  assert.equal(ui.screenKind(), 'idle');
  ui.stop();
});

test('bad input is ignored without a crash: outside touches, unknown keys, malformed events, floods', () => {
  const { rig, ui, key, tap } = phone();
  const before = ui.screenKind();
  tap(-5, 10);
  tap(10_000, 10_000);
  tap(Number.NaN, 3);
  key('selfDestruct');
  for (const bad of [null, 42, 'key', { type: 'key' }, { type: 'pointer', x: 1 }, { type: 'wheel' }]) ui.input(bad as unknown as HalInputEvent);
  assert.equal(ui.screenKind(), before);
  for (let i = 0; i < 500; i++) key(String(i % 10));
  assert.equal(ui.screenKind(), 'dialer');
  key('soft4'); // Cancel
  assert.equal(ui.screenKind(), 'idle');
  assert.equal(rig.take('dial').length, 0);
  assert.ok(ui.screenPng().length > 1000, 'the screen still draws');
  ui.stop();
});
