import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dialPlanSchema, type DialPlanConfigInput } from '../../src/config/dial-plan-schema.js';
import { FakeClock } from '../../src/phone/clock.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { DigitCollector, type CollectorEvent, type DigitCollectorOptions } from '../../src/phone/digit-collector.js';

const ocs: DialPlanConfigInput = {
  rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }],
  immediate: ['^\\*\\d{2}$'],
};

function setup(cfg: DialPlanConfigInput = ocs, options: Partial<DigitCollectorOptions> = {}) {
  const clock = new FakeClock();
  const plan = compileDialPlan(dialPlanSchema.parse(cfg));
  const collector = new DigitCollector({ plan, clock, ...options });
  const events: CollectorEvent[] = [];
  collector.onEvent((e) => events.push(e));
  const type = (keys: string) => [...keys].map((k) => collector.press(k));
  return { clock, collector, events, type };
}

test('the timeout dials after a pause, and restarts with each digit', () => {
  const { clock, collector, events, type } = setup();
  type('020');
  clock.advance(3900);
  collector.press('1');
  clock.advance(3900);
  assert.deepEqual(events, [], 'each digit restarts the 4 s timeout');
  type('234567');
  assert.equal(collector.preview, '+31201234567');
  clock.advance(4000);
  assert.deepEqual(events, [{ type: 'dial', digits: '0201234567', number: '+31201234567', reason: 'timeout' }]);
  assert.equal(clock.pending, 0);
});

test('# sends at once and is not part of the number', () => {
  const { clock, collector, events, type } = setup();
  type('2001#');
  assert.deepEqual(events, [{ type: 'dial', digits: '2001', number: '2001', reason: 'send-key' }]);
  assert.equal(collector.digits, '2001', 'the screen still shows what was dialed');
  assert.equal(clock.pending, 0, 'no timeout left to fire a second time');
  clock.advance(10_000);
  assert.equal(events.length, 1);
});

test("with sendKey 'none', # is a digit (PBX codes like *21#)", () => {
  const { clock, collector, events, type } = setup({}, { sendKey: 'none' });
  type('*21#');
  assert.equal(collector.digits, '*21#');
  clock.advance(4000);
  assert.deepEqual(events, [{ type: 'dial', digits: '*21#', number: '*21#', reason: 'timeout' }]);
});

test("the plan's sendKey and timeout are the defaults; the constructor's options win", () => {
  const fromPlan = setup({ sendKey: 'none', interDigitTimeoutS: 2 });
  fromPlan.type('12#');
  fromPlan.clock.advance(1999);
  assert.equal(fromPlan.events.length, 0);
  fromPlan.clock.advance(1);
  assert.deepEqual(fromPlan.events.map((e) => e.type === 'dial' && e.digits), ['12#']);

  const overridden = setup({ sendKey: 'none', interDigitTimeoutS: 2 }, { sendKey: '#', interDigitTimeoutS: 0 });
  overridden.type('12');
  overridden.clock.advance(60_000);
  assert.equal(overridden.events.length, 0, 'timeout 0 means no timeout');
  overridden.type('#');
  assert.deepEqual(overridden.events.map((e) => e.type === 'dial' && e.reason), ['send-key']);
});

test('immediate patterns dial as soon as they match', () => {
  const { collector, events, type } = setup();
  type('*7');
  assert.equal(events.length, 0);
  collector.press('2');
  assert.deepEqual(events, [{ type: 'dial', digits: '*72', number: '*72', reason: 'immediate' }]);
});

test('emergency numbers dial when complete, without the rules, even on a locked phone', () => {
  const { events, type } = setup({ rules: [{ pattern: '^(\\d{3})$', replace: '+3120555$1' }] }, { locked: true });
  type('11');
  assert.equal(events.length, 0);
  type('2');
  assert.deepEqual(events, [{ type: 'dial', digits: '112', number: '112', reason: 'emergency' }]);
});

test('a locked phone blocks other numbers, whatever completes them', () => {
  const { clock, collector, events, type } = setup(ocs, { locked: true });
  type('2001#');
  collector.clear();
  type('*72');
  collector.clear();
  type('0201');
  clock.advance(4000);
  assert.deepEqual(events, [
    { type: 'blocked', digits: '2001', reason: 'locked' },
    { type: 'blocked', digits: '*72', reason: 'locked' },
    { type: 'blocked', digits: '0201', reason: 'locked' },
  ]);
  collector.clear();
  collector.setLocked(false);
  type('2001#');
  assert.deepEqual(events.at(-1), { type: 'dial', digits: '2001', number: '2001', reason: 'send-key' });
});

test('an emergency number dials the moment it is complete, however it was typed; nothing follows it', () => {
  const { collector, events, type } = setup();
  type('91');
  collector.backspace();
  type('11');
  assert.deepEqual(events, [{ type: 'dial', digits: '911', number: '911', reason: 'emergency' }]);
  assert.deepEqual(type('0'), [false], 'the collection already ended: 9110 is not reachable (documented trade-off)');
});

test('send() dials what was typed; nothing happens with nothing typed', () => {
  const { collector, events, type } = setup();
  assert.equal(collector.send(), false);
  assert.equal(collector.press('#'), false, 'the send key alone sends nothing');
  assert.equal(collector.press('+'), true);
  assert.equal(collector.send(), false, 'a lone + is not a number');
  type('3120');
  assert.equal(collector.send(), true);
  assert.deepEqual(events, [{ type: 'dial', digits: '+3120', number: '+3120', reason: 'explicit' }]);
});

test('one event per collection: later keys, send and timeouts are ignored until clear()', () => {
  const { clock, collector, events, type } = setup();
  type('2001#');
  assert.deepEqual(type('5#'), [false, false]);
  assert.equal(collector.send(), false);
  assert.equal(collector.backspace(), false);
  clock.advance(60_000);
  assert.equal(events.length, 1);
  assert.equal(collector.done, true);
  collector.clear();
  assert.equal(collector.done, false);
  assert.equal(collector.digits, '');
  type('2002#');
  assert.deepEqual(events.map((e) => e.type === 'dial' && e.digits), ['2001', '2002']);
});

test('clear() cancels the pending timeout', () => {
  const { clock, collector, events, type } = setup();
  type('2001');
  collector.clear();
  clock.advance(60_000);
  assert.equal(events.length, 0);
  assert.equal(clock.pending, 0);
});

test('backspace edits and restarts the timeout; emptying the number stops it', () => {
  const { clock, collector, events, type } = setup();
  type('0209');
  clock.advance(3000);
  assert.equal(collector.backspace(), true);
  assert.equal(collector.digits, '020');
  assert.equal(collector.preview, '+3120');
  clock.advance(3000);
  assert.equal(events.length, 0);
  clock.advance(1000);
  assert.deepEqual(events.map((e) => e.type === 'dial' && e.number), ['+3120']);

  collector.clear();
  type('5');
  collector.backspace();
  assert.equal(collector.backspace(), false);
  assert.equal(clock.pending, 0);
  assert.equal(collector.preview, '');
});

test('keys that are not digits, a + after the first digit, and overlong numbers are refused', () => {
  const { collector, type } = setup({}, { interDigitTimeoutS: 0 });
  assert.deepEqual(type('a'), [false]);
  assert.equal(collector.press('10'), false);
  assert.equal(collector.press(''), false);
  type('1+');
  assert.equal(collector.digits, '1');
  type('2'.repeat(100));
  assert.equal(collector.digits.length, 64);
});

test('a listener can stop listening; the others still hear the event', () => {
  const { collector, events, type } = setup();
  const heard: string[] = [];
  const stop = collector.onEvent((e) => heard.push(e.type));
  type('1#');
  stop();
  collector.clear();
  type('2#');
  assert.deepEqual(heard, ['dial']);
  assert.equal(events.length, 2);
});

test('a nonsensical timeout means no timeout rather than dialing at once', () => {
  for (const interDigitTimeoutS of [Number.NaN, -3]) {
    const { clock, events, type } = setup(ocs, { interDigitTimeoutS });
    type('2001');
    clock.advance(60_000);
    assert.equal(events.length, 0);
  }
});
