// The keys beside the screen: a line key answers, takes back or gives dial tone; a busy-lamp key picks up
// (feature code or Replaces) or calls the colleague.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { callRig } from '../harness/call-rig.js';
import { pickUp, pressLineKey } from '../../src/phone/line-keys.js';
import type { ColleaguesSnapshot, ContactView } from '../../src/phone/colleagues.js';
import { CallError } from '../../src/phone/call-control.js';

const CODE = { mode: 'code', code: '**' } as const;
const REPLACES = { mode: 'replaces', code: '**' } as const;
const ringingDave: ContactView = {
  name: 'Dave', uri: 'sip:dave@example.com', lamp: 'ringing',
  ringing: { callId: 'ring-1', localTag: 'dave-tag', remoteTag: 'erin-tag', caller: 'sip:erin@example.com', callerTarget: 'sip:erin@192.0.2.9' },
};
const colleagues = (...contacts: ContactView[]): ColleaguesSnapshot => ({ contacts, messages: { waiting: false, newMessages: 0, oldMessages: 0, urgentNew: 0 }, otherDevices: [] });

test('line keys: answer the call ringing on the line, take back the held one, dial tone on an idle phone', () => {
  const rig = callRig();
  rig.calls.signalIncoming('i1', { remote: { uri: 'sip:bob@example.com' }, diversions: 0 });
  assert.ok(pressLineKey(1, rig.calls, undefined, CODE, 8));
  assert.deepEqual(rig.take('answer'), [['answer', 'i1']]);
  rig.calls.signalConnected('i1');
  rig.calls.hold('i1');
  rig.calls.signalIncoming('i2', { remote: { uri: 'sip:carol@example.com' }, diversions: 0 });
  rig.take('hold');
  assert.equal(rig.calls.snapshot().calls.find((c) => c.id === 'i1')?.held, true);
  pressLineKey(1, rig.calls, undefined, CODE, 8);
  assert.deepEqual(rig.take('resume'), [['resume', 'i1']]);
  assert.equal(pressLineKey(9, rig.calls, undefined, CODE, 8), false, 'no ninth key');

  const idle = callRig();
  pressLineKey(2, idle.calls, undefined, CODE, 8);
  assert.equal(idle.calls.snapshot().offHook, true, 'dial tone');
});

test('busy-lamp keys: pickup by feature code or by Replaces of the early dialog; otherwise a speed dial', () => {
  const byCode = callRig();
  // Line keys 1–4 are the phone's four lines; the first busy lamp is key 5.
  pressLineKey(5, byCode.calls, colleagues(ringingDave), CODE, 8);
  assert.match(String(byCode.take('dial')[0]?.[2]), /^sip:\*\*dave@/);

  const byReplaces = callRig();
  pressLineKey(5, byReplaces.calls, colleagues(ringingDave), REPLACES, 8);
  const [op] = byReplaces.take('dial');
  assert.equal(op?.[2], 'sip:erin@192.0.2.9');
  assert.deepEqual((op?.[3] as { replacesDialog?: unknown }).replacesDialog, { callId: 'ring-1', toTag: 'dave-tag', fromTag: 'erin-tag', earlyOnly: true });

  const speedDial = callRig();
  pressLineKey(5, speedDial.calls, colleagues({ name: 'Dave', uri: 'sip:dave@example.com', lamp: 'idle' }), CODE, 8);
  assert.equal(speedDial.take('dial')[0]?.[2], 'sip:dave@example.com');

  assert.throws(() => pickUp(speedDial.calls, { name: 'Dave', uri: 'sip:dave@example.com', lamp: 'busy' }, CODE), CallError);
  assert.throws(() => pickUp(speedDial.calls, { ...ringingDave, ringing: { callId: 'x' } }, REPLACES), /no caller target/);
});
