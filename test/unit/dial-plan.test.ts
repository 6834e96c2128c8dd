import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { z } from 'zod';
import { dialPlanSchema, type DialPlanConfigInput } from '../../src/config/dial-plan-schema.js';
import { describeIssues } from '../../src/config/load.js';
import { compileDialPlan, DialTargetError, MAX_RULE_INPUT } from '../../src/phone/dial-plan.js';

const plan = (cfg: DialPlanConfigInput = {}) => compileDialPlan(dialPlanSchema.parse(cfg));

/** A Dutch office: national numbers to E.164, 00 international prefix to +, 4-digit extensions stay. */
const dutch = plan({
  rules: [
    { pattern: '^00(\\d+)$', replace: '+$1', description: 'international prefix' },
    { pattern: '^0(\\d*)$', replace: '+31$1', description: 'OCS example: national numbers' },
  ],
  immediate: ['^\\*\\d{2}$'],
});

test('the OCS rule ^0(\\d*)$ → +31$1 turns a national number into E.164 and reports the rule', () => {
  assert.deepEqual(dutch.normalize('0201234567'), { number: '+31201234567', rule: 1 });
  assert.deepEqual(dutch.normalize('0049301234567'), { number: '+49301234567', rule: 0 });
  assert.deepEqual(dutch.normalize('2001'), { number: '2001' }, 'no rule matches an extension');
});

test('the first matching rule wins, in config order', () => {
  const rules = [
    { pattern: '^(\\d{4})$', replace: '+3120555$1' },
    { pattern: '^(\\d+)$', replace: '9$1' },
  ];
  assert.deepEqual(plan({ rules }).normalize('2001'), { number: '+31205552001', rule: 0 });
  assert.deepEqual(plan({ rules: [...rules].reverse() }).normalize('2001'), { number: '92001', rule: 0 });
  assert.deepEqual(plan({ rules }).normalize('12345'), { number: '912345', rule: 1 });
});

test('a leading + is kept: rules written for digits leave E.164 numbers alone, and rules may match the +', () => {
  const catchAll = plan({ rules: [{ pattern: '^(\\d*)$', replace: '9$1' }] });
  assert.deepEqual(catchAll.normalize('+31201234567'), { number: '+31201234567' });
  const local = plan({ rules: [{ pattern: '^\\+3120(\\d{7})$', replace: '$1' }] });
  assert.deepEqual(local.normalize('+31 20 123 4567'), { number: '1234567', rule: 0 });
});

test('visual separators are removed before the rules, and "+31 (0)20" drops the trunk 0', () => {
  assert.equal(dutch.normalize(' 020-123 45.67 ').number, '+31201234567');
  assert.equal(dutch.normalize('(020) 123/4567').number, '+31201234567');
  assert.equal(dutch.normalize('+31 (0)20 123 4567').number, '+31201234567');
  assert.equal(dutch.normalize('+31-20-1234567').number, '+31201234567');
});

test('names and SIP URIs pass through unchanged', () => {
  assert.deepEqual(dutch.normalize('sip:0201234567@example.com'), { number: 'sip:0201234567@example.com' });
  assert.deepEqual(dutch.normalize('alice'), { number: 'alice' });
  assert.deepEqual(dutch.normalize('1-800-FLOWERS'), { number: '1-800-FLOWERS' });
  assert.deepEqual(dutch.normalize(''), { number: '' });
});

test('emergency numbers bypass the rules and are recognised with separators', () => {
  const p = plan({ rules: [{ pattern: '^(\\d{3})$', replace: '+3120555$1' }] });
  assert.deepEqual(p.normalize('112'), { number: '112' });
  assert.deepEqual(p.normalize('113'), { number: '+3120555113', rule: 0 });
  assert.equal(p.isEmergency('911'), true);
  assert.equal(p.isEmergency(' 1 1 2 '), true);
  assert.equal(p.isEmergency('1120'), false);
  assert.equal(p.isEmergency('11'), false);
  assert.equal(plan({ emergency: ['999'] }).isEmergency('911'), false, 'the configured list replaces the default');
  assert.equal(p.toTarget('112', 'example.com'), 'sip:112@example.com');
});

test('immediate patterns match the typed digits', () => {
  assert.equal(dutch.isImmediate('*72'), true);
  assert.equal(dutch.isImmediate('*7'), false);
  assert.equal(dutch.isImmediate('*721'), false);
  assert.equal(plan().isImmediate('*72'), false, 'none by default');
});

test('rules and immediate patterns never look at input longer than the bound', () => {
  const p = plan({ rules: [{ pattern: '^(\\d+)$', replace: '9$1' }], immediate: ['^\\d+$'] });
  const long = '1'.repeat(MAX_RULE_INPUT + 1);
  assert.deepEqual(p.normalize(long), { number: long });
  assert.equal(p.isImmediate(long), false);
  assert.equal(p.normalize('1'.repeat(MAX_RULE_INPUT)).rule, 0);
});

test('replacements: two-digit groups, named groups, $& and $$', () => {
  const twelve = '^' + '(\\d)'.repeat(12) + '$';
  assert.equal(plan({ rules: [{ pattern: twelve, replace: '$12$1' }] }).normalize('123456789012').number, '21');
  assert.equal(plan({ rules: [{ pattern: '^0(?<rest>\\d+)$', replace: '+31$<rest>' }] }).normalize('0201').number, '+31201');
  assert.equal(plan({ rules: [{ pattern: '^\\d+$', replace: '#$&$$' }] }).normalize('12').number, '#12$');
  // "$1" with one group and a literal digit after it: group 1 followed by "0", as String.replace reads it.
  assert.equal(plan({ rules: [{ pattern: '^(\\d)$', replace: '$10' }] }).normalize('7').number, '70');
});

test('a rule whose result would be empty leaves the number as dialed', () => {
  const p = plan({ rules: [{ pattern: '^0(\\d*)$', replace: '$1' }] });
  assert.deepEqual(p.normalize('0'), { number: '0' });
  assert.deepEqual(p.normalize('012'), { number: '12', rule: 0 });
});

test('toTarget builds sip:number@domain, keeps typed URIs (sips too), and honours domain and userPhone', () => {
  assert.equal(dutch.toTarget('020 123 4567', 'example.com'), 'sip:+31201234567@example.com');
  assert.equal(dutch.toTarget('2001', 'example.com'), 'sip:2001@example.com');
  assert.equal(dutch.toTarget('sips:bob@example.org;transport=tls', 'example.com'), 'sips:bob@example.org;transport=tls');
  assert.equal(dutch.toTarget('SIP:bob@example.org', 'example.com'), 'SIP:bob@example.org');
  assert.equal(dutch.toTarget('bob@example.org', 'example.com'), 'sip:bob@example.org');
  assert.equal(dutch.toTarget('alice', 'example.com'), 'sip:alice@example.com');
  assert.equal(dutch.toTarget('tel:020-123-4567', 'example.com'), 'sip:+31201234567@example.com');
  const gw = plan({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }], domain: 'gw.example.net:5061', userPhone: true });
  assert.equal(gw.toTarget('0201234567', 'example.com'), 'sip:+31201234567@gw.example.net:5061;user=phone');
  assert.equal(gw.toTarget('alice', 'example.com'), 'sip:alice@gw.example.net:5061', 'user=phone is for numbers only');
});

test('toTarget escapes what a SIP user part cannot carry', () => {
  assert.equal(plan({ sendKey: 'none' }).toTarget('*21#', 'example.com'), 'sip:*21%23@example.com');
  assert.equal(plan().toTarget('Jan Smit', 'example.com'), 'sip:Jan%20Smit@example.com');
  assert.equal(plan().toTarget('zoë', 'example.com'), 'sip:zo%C3%AB@example.com');
});

test('a rule may route to a URI of its own', () => {
  const p = plan({ rules: [{ pattern: '^9(\\d+)$', replace: 'sip:$1@gateway.example.net' }] });
  assert.equal(p.toTarget('9555', 'example.com'), 'sip:555@gateway.example.net');
  const tel = plan({ rules: [{ pattern: '^(\\d+)$', replace: 'tel:$1' }] });
  assert.equal(tel.toTarget('555', 'example.com'), 'sip:555@example.com', 'a tel: result is final, not fed to the rules again');
});

test('toTarget refuses what cannot become a target, with a clear error', () => {
  assert.throws(() => dutch.toTarget('  ', 'example.com'), (e: unknown) => e instanceof DialTargetError && /nothing to dial/.test(e.message));
  assert.throws(() => dutch.toTarget('2001', ''), (e: unknown) => e instanceof DialTargetError && /domain/.test(e.message));
  assert.throws(() => dutch.toTarget('sip:bob smith@example.com', 'example.com'), DialTargetError);
  assert.throws(() => dutch.toTarget('a@b@c', 'example.com'), DialTargetError);
  assert.throws(() => dutch.toTarget('tel:', 'example.com'), DialTargetError);
  assert.throws(() => dutch.toTarget('tel:alice', 'example.com'), /not a telephone number/);
});

test('incoming numbers are shown normalized; other callers as given', () => {
  assert.equal(dutch.displayNumber('sip:0201234567@pbx.example.com;user=phone'), '+31201234567');
  assert.equal(dutch.displayNumber('<sips:0201234567@pbx.example.com>'), '+31201234567');
  assert.equal(dutch.displayNumber('sip:%2B31201234567@pbx.example.com'), '+31201234567');
  assert.equal(dutch.displayNumber('tel:020-123-4567;phone-context=+31'), '+31201234567');
  assert.equal(dutch.displayNumber('020 1234567'), '+31201234567');
  assert.equal(dutch.displayNumber('sip:alice@example.com'), 'sip:alice@example.com');
  assert.equal(dutch.displayNumber('sip:anonymous@anonymous.invalid'), 'sip:anonymous@anonymous.invalid');
  assert.equal(dutch.displayNumber('sip:pbx.example.com'), 'sip:pbx.example.com');
  assert.equal(dutch.displayNumber('sip:%zz@x'), 'sip:%zz@x', 'a broken escape is not a number');
});

test('defaults: no rules, 4 s timeout, # sends, 911 and 112, account domain, no user=phone', () => {
  const cfg = dialPlanSchema.parse({});
  assert.deepEqual(cfg, { rules: [], immediate: [], interDigitTimeoutS: 4, sendKey: '#', emergency: ['911', '112'], userPhone: false });
  const p = compileDialPlan(cfg);
  assert.equal(p.interDigitTimeoutS, 4);
  assert.equal(p.sendKey, '#');
  assert.equal(p.toTarget('0201234567', 'example.com'), 'sip:0201234567@example.com');
});

/** The problems a config gets, as the loader words them, with the section nested like in the real config. */
function problems(dialPlan: unknown): string[] {
  const result = z.strictObject({ dialPlan: dialPlanSchema }).safeParse({ dialPlan });
  if (result.success) assert.fail('config was accepted');
  return describeIssues(result.error);
}

test('an invalid regex is refused at load, naming the rule index and the regex error', () => {
  const p = problems({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }, { pattern: '^0(\\d*$', replace: '+31$1' }] });
  assert.equal(p.length, 1, p.join('\n'));
  assert.match(p[0]!, /^dialPlan\.rules\.1\.pattern: rule 1: \/\^0\(\\d\*\$\/ is not a valid regular expression: Unterminated group$/);
  assert.match(problems({ immediate: ['^\\*\\d{2}$', '[*'] })[0]!, /^dialPlan\.immediate\.1: immediate pattern 1: .*not a valid regular expression/);
});

test('long and exponential patterns are refused; harmless repetition is not', () => {
  assert.match(problems({ rules: [{ pattern: '^' + '\\d'.repeat(100) + '$', replace: '1' }] })[0]!, /rules\.0\.pattern: .*longer than 200/);
  for (const bad of ['^(\\d+)+$', '^(\\d*)*$', '^((\\d)+)*x$', '^(?:0|\\d+){2,}$', '^(?<n>\\d+)+$']) {
    assert.match(problems({ rules: [{ pattern: bad, replace: '1' }] })[0]!, /exponential/, bad);
  }
  for (const fine of ['^(\\d+)$', '^(\\d{3})+$', '^(\\d+)?$', '^([(+])*\\d+$', '^(\\d+){2}$', '^\\(\\d+\\)+$']) {
    assert.doesNotThrow(() => plan({ rules: [{ pattern: fine, replace: '1' }] }), fine);
  }
});

test('a replacement that names a missing group is refused', () => {
  assert.match(problems({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$2' }] })[0]!, /^dialPlan\.rules\.0\.replace: rule 0: .*\$2.*1 capture group$/);
  assert.match(problems({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$<rest>' }] })[0]!, /rules\.0\.replace: .*\$<rest>/);
  assert.match(problems({ rules: [{ pattern: '^0\\d*$', replace: '$0' }] })[0]!, /rules\.0\.replace: .*0 capture groups/);
  assert.ok(problems({ rules: [{ pattern: '^0$', replace: '' }] })[0]!.startsWith('dialPlan.rules.0.replace:'));
});

test('other bad values name their field', () => {
  assert.ok(problems({ emergency: ['11 2'] })[0]!.startsWith('dialPlan.emergency.0:'));
  assert.ok(problems({ domain: 'sip:pbx' })[0]!.startsWith('dialPlan.domain:'));
  assert.ok(problems({ sendKey: '*' })[0]!.startsWith('dialPlan.sendKey:'));
  assert.ok(problems({ interDigitTimeoutS: -1 })[0]!.startsWith('dialPlan.interDigitTimeoutS:'));
  assert.ok(problems({ rule: [] })[0]!.includes('rule'), 'unknown keys are refused');
});

test('compileDialPlan names the rule when handed an unvalidated config', () => {
  const cfg = { ...dialPlanSchema.parse({}), rules: [{ pattern: '(', replace: '1' }] };
  assert.throws(() => compileDialPlan(cfg), /^Error: dialPlan\.rules\.0: \/\(\/ is not a valid regular expression/);
});

test('property: normalize never throws, toTarget gives a URI or a DialTargetError, and a non-empty number never normalizes to an empty one', () => {
  const p = plan({
    rules: [
      { pattern: '^00(\\d+)$', replace: '+$1' },
      { pattern: '^0(\\d*)$', replace: '+31$1' },
      { pattern: '^(\\d{0,3})$', replace: '$1' },
      { pattern: '^\\*(\\d*)#?$', replace: '*$1' },
    ],
  });
  // Characters that steer the code paths (digits, separators, URI syntax) mixed with any code point at all (lone surrogates included).
  const anyChar = fc.oneof(fc.constantFrom(...'0123456789+*#()-./ sip:tel@%<>;'), fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)));
  fc.assert(
    fc.property(fc.oneof(fc.string({ unit: anyChar, maxLength: 120 }), fc.string({ unit: 'grapheme', maxLength: 120 })), (s) => {
      const out = p.normalize(s);
      assert.equal(typeof out.number, 'string');
      p.displayNumber(s);
      p.isEmergency(s);
      p.isImmediate(s);
      try {
        assert.match(p.toTarget(s, 'example.com'), /^sips?:[^\s<>"]+$/i);
      } catch (err) {
        assert.ok(err instanceof DialTargetError, String(err));
      }
    }),
  );
  const digitString = fc.tuple(fc.constantFrom('', '+'), fc.string({ unit: fc.constantFrom(...'0123456789*# -.()'), minLength: 1, maxLength: 80 }));
  fc.assert(
    fc.property(digitString, ([plus, body]) => {
      fc.pre(/[0-9*#]/.test(body));
      assert.notEqual(p.normalize(plus + body).number, '');
    }),
  );
});
