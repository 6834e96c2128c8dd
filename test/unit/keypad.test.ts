// The dial keys: collect and dial when idle (send key, inter-digit timeout, dial key), DTMF in a call.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallControl } from '../../src/phone/call-control.js';
import { FakeClock } from '../../src/phone/clock.js';
import { Keypad } from '../../src/phone/keypad.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { callsSchema } from '../../src/config/calls-schema.js';
import type { CallSignaling } from '../../src/phone/call-ports.js';

function rig() {
  const ops: unknown[][] = [];
  const rec = (name: string) => (...args: unknown[]) => void ops.push([name, ...args]);
  const signaling = Object.fromEntries(
    ['dial', 'answer', 'reject', 'redirect', 'hangup', 'hold', 'resume', 'sendDtmf', 'transfer', 'transferReplacing', 'acceptRefer', 'rejectRefer'].map((m) => [m, rec(m)]),
  ) as unknown as CallSignaling;
  const clock = new FakeClock();
  const plan = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }], interDigitTimeoutS: 3 }));
  const calls = new CallControl({
    config: callsSchema.parse({}), signaling, clock, ownAor: 'sip:alice@example.com',
    audio: { play: () => undefined, setMuted: () => undefined, setAudible: () => undefined, setConference: () => undefined },
    dialPlan: { toTarget: (i) => plan.toTarget(i, 'example.com') },
  });
  const keypad = new Keypad({ calls, plan, clock });
  return { ops, clock, calls, keypad };
}

test('idle: digits collect with a normalized preview; # dials the number through the dial plan', () => {
  const r = rig();
  for (const k of '0201234567') r.keypad.press(k);
  assert.deepEqual(r.keypad.view(), { digits: '0201234567', preview: '+31201234567' });
  assert.equal(r.ops.length, 0);
  r.keypad.press('#');
  assert.deepEqual(r.ops.map((o) => o.slice(0, 1).concat(o.slice(2))), [['dial', 'sip:+31201234567@example.com']]);
  assert.equal(r.keypad.view().digits, '', 'the dialer is empty again');
});

test('idle: a pause longer than the inter-digit timeout dials; back and clear edit', () => {
  const r = rig();
  for (const k of '2001') r.keypad.press(k);
  r.keypad.press('back');
  assert.equal(r.keypad.view().digits, '200');
  r.clock.advance(2999);
  assert.equal(r.ops.length, 0);
  r.clock.advance(1);
  assert.equal(r.ops[0]?.[2], 'sip:200@example.com');
  r.keypad.press('5');
  r.keypad.press('clear');
  r.clock.advance(10_000);
  assert.equal(r.ops.length, 1, 'a cleared number never dials');
});

test('in a connected call the keys send DTMF instead of dialing', () => {
  const r = rig();
  const id = r.calls.dial('2002');
  r.calls.signalConnected(id);
  r.ops.length = 0;
  r.keypad.press('5');
  r.keypad.press('#');
  assert.deepEqual(r.ops, [['sendDtmf', id, '5'], ['sendDtmf', id, '#']]);
  assert.equal(r.keypad.view().digits, '');
});

test('locked: only emergency numbers dial; others are refused with a reason', () => {
  const r = rig();
  r.keypad.setLocked(true);
  for (const k of '2002#') r.keypad.press(k);
  assert.equal(r.ops.length, 0);
  assert.match(r.keypad.view().blocked ?? '', /locked/);
  for (const k of '112') r.keypad.press(k);
  assert.equal(r.ops[0]?.[2], 'sip:112@example.com');
});
