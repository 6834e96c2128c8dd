/**
 * Property tests: no public function of src/sip/bodies throws on arbitrary or mutated input (every refusal
 * is `{ ok: false, error }` with a message), the helpers on top of a successful parse do not throw either,
 * and whatever buildPidf accepts parses back to what it was given.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseXml } from '../../src/sip/bodies/safe-xml.js';
import { buildPidf, parsePidf, RPID_ACTIVITIES, summarizePresence, type PidfInput } from '../../src/sip/bodies/pidf.js';
import { applyDialogInfo, lampState, parseDialogInfo } from '../../src/sip/bodies/dialog-info.js';
import { otherDevices, parseReginfo } from '../../src/sip/bodies/reginfo.js';
import { parseMessageSummary } from '../../src/sip/bodies/message-summary.js';
import { parseContentType, parseMultipart } from '../../src/sip/bodies/multipart.js';
import { parseResourceListNotify, parseRlmi } from '../../src/sip/bodies/rlmi.js';

const RUNS = 400;

type Result = { ok: true } | { ok: false; error: string };

function checkResult(r: Result): void {
  assert.equal(typeof r.ok, 'boolean');
  if (!r.ok) assert.ok(typeof r.error === 'string' && r.error.length > 0, 'a refusal says why');
}

/** Every text parser, and the helpers on top of each success. */
function feedAll(text: string, contentType = 'multipart/related; type="application/rlmi+xml"; boundary=b'): void {
  checkResult(parseXml(text));
  const pidf = parsePidf(text);
  checkResult(pidf);
  if (pidf.ok) {
    const s = summarizePresence(pidf.value);
    assert.ok(['available', 'busy', 'away', 'dnd', 'offline', 'unknown'].includes(s.state));
  }
  const dialogs = parseDialogInfo(text);
  checkResult(dialogs);
  if (dialogs.ok) {
    assert.ok(['idle', 'ringing', 'busy'].includes(lampState(dialogs.value)));
    checkResult(applyDialogInfo(undefined, dialogs.value));
    checkResult(applyDialogInfo(dialogs.value, { ...dialogs.value, version: dialogs.value.version + 1 }));
  }
  const reg = parseReginfo(text);
  checkResult(reg);
  if (reg.ok) assert.ok(Array.isArray(otherDevices(reg.value, 'urn:uuid:x')));
  checkResult(parseMessageSummary(text));
  checkResult(parseRlmi(text));
  checkResult(parseContentType(text));
  checkResult(parseMultipart(contentType, text));
  checkResult(parseMultipart(text, text));
  checkResult(parseResourceListNotify(contentType, text));
}

const SEEDS = [
  `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:caps="urn:ietf:params:xml:ns:pidf:caps" entity="sip:bob@example.com"><tuple id="t1"><status><basic>open</basic></status><caps:servcaps><caps:audio>true</caps:audio><caps:message>false</caps:message></caps:servcaps><contact>sip:bob@h</contact><note>Hi</note></tuple><dm:person id="p"><rpid:activities><rpid:on-the-phone/><rpid:other>Do not disturb</rpid:other></rpid:activities><dm:note>On the phone</dm:note></dm:person></presence>`,
  `<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="3" state="full" entity="sip:201@pbx"><dialog id="201" call-id="c" direction="recipient"><state event="rejected">early</state><remote><identity display="B">sip:b@h</identity><target uri="sip:b@h"/></remote></dialog></dialog-info>`,
  `<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full"><registration aor="sip:a@h" id="r" state="active"><contact id="c" state="active" event="registered" expires="60"><uri>sip:a@x</uri><unknown-param name="+sip.instance">"&lt;urn:uuid:1&gt;"</unknown-param></contact></registration></reginfo>`,
  'Messages-Waiting: yes\r\nMessage-Account: sip:a@h\r\nVoice-Message: 2/8 (0/2)\r\n',
  '--b\r\nContent-Type: application/rlmi+xml\r\nContent-ID: <r@h>\r\n\r\n<list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:l@h" version="1" fullState="true"><resource uri="sip:a@h"><instance id="i" state="active" cid="p@h"/></resource></list>\r\n'
    + '--b\r\nContent-Type: application/pidf+xml\r\nContent-ID: <p@h>\r\n\r\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@h"><tuple id="t"><status><basic>open</basic></status></tuple></presence>\r\n--b--\r\n',
];

const TOKENS = ['<', '>', '/>', '</', '="', '"', "'", '&', '&amp;', '&#0;', '&#x110000;', '&#65;', ']]>', '<![CDATA[', '<!--', '-->', '<?xml', '?>',
  '<!DOCTYPE', 'xmlns="urn:ietf:params:xml:ns:pidf"', 'xmlns:p=', ':', '\r\n', '\n', '--b', '--b--', 'Content-Type:', 'Content-ID: <p@h>',
  'Messages-Waiting:', 'Voice-Message:', '/', '(', ')', '\uFEFF', '\u0000', '\uD800', '😀', ' ', 'presence', 'tuple', 'dialog', 'state', 'basic'];

/** Seeds with random insertions, deletions and duplications. */
const mutated = fc.tuple(
  fc.constantFrom(...SEEDS),
  fc.array(fc.tuple(fc.nat(), fc.nat(40), fc.oneof(fc.constantFrom(...TOKENS), fc.string({ unit: 'binary', maxLength: 8 }))), { minLength: 1, maxLength: 3 }),
).map(([seed, edits]) => edits.reduce((text, [at, len, insert], i) => {
  const pos = at % (text.length + 1);
  if (i % 3 === 0) return text.slice(0, pos) + insert + text.slice(pos);
  if (i % 3 === 1) return text.slice(0, pos) + text.slice(pos + len);
  return text.slice(0, pos) + text.slice(pos, pos + len).repeat(2) + text.slice(pos + len);
}, seed));

const tokenSoup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((t) => t.join(''));

test('no parser throws on arbitrary strings', () => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => feedAll(s)), { numRuns: RUNS });
  fc.assert(fc.property(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), (s) => feedAll(s)), { numRuns: RUNS });
});

test('no parser throws on token soup or mutated real bodies', () => {
  fc.assert(fc.property(tokenSoup, (s) => feedAll(s)), { numRuns: RUNS });
  fc.assert(fc.property(mutated, (s) => feedAll(s)), { numRuns: RUNS * 2 });
});

test('multipart never throws for arbitrary Content-Type parameters and bodies', () => {
  const ct = fc.tuple(fc.constantFrom('multipart/related', 'multipart/mixed', 'text/plain', 'x'), fc.string({ unit: 'binary', maxLength: 40 }))
    .map(([t, p]) => `${t}; boundary=${p}`);
  fc.assert(fc.property(ct, fc.oneof(mutated, fc.string({ maxLength: 200 })), (c, body) => {
    checkResult(parseMultipart(c, body));
    checkResult(parseResourceListNotify(c, body));
  }), { numRuns: RUNS });
});

test('the mutations do reach the success paths (the properties above are not vacuous)', () => {
  let successes = 0;
  fc.assert(fc.property(mutated, (s) => {
    if ([parsePidf(s), parseDialogInfo(s), parseReginfo(s), parseMessageSummary(s)].some((r) => r.ok)) successes += 1;
    const multi = parseResourceListNotify('multipart/related; boundary=b', s);
    if (multi.ok) successes += 1;
  }), { numRuns: RUNS, seed: 42 });
  assert.ok(successes > RUNS / 20, `only ${successes} of ${RUNS} mutated bodies parsed`);
});

/** Valid values most of the time, so the round trip is exercised; arbitrary ones the rest, to hit the refusals. */
function mostlyValid(valid: fc.Arbitrary<string>, random: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 1, arbitrary: random });
}

const activity = fc.constantFrom(...RPID_ACTIVITIES);
const pidfInput: fc.Arbitrary<PidfInput> = fc.record({
  entity: mostlyValid(fc.stringMatching(/^[!-~]{1,20}$/).map((u) => `sip:${u}`), fc.string({ unit: 'binary', maxLength: 30 })),
  tupleId: mostlyValid(fc.stringMatching(/^[A-Za-z_][\w.-]{0,10}$/), fc.string({ maxLength: 12 })),
  contact: mostlyValid(fc.stringMatching(/^[!-~]{1,30}$/).map((u) => `sips:${u}`), fc.string({ unit: 'grapheme-ascii', maxLength: 30 })),
  deviceId: fc.uuid().map((u) => `urn:uuid:${u}`),
  basic: fc.constantFrom('open' as const, 'closed' as const),
  activities: fc.array(activity, { maxLength: 4 }),
  otherActivity: fc.option(fc.string({ unit: 'binary', maxLength: 30 }), { nil: undefined }),
  note: fc.option(fc.oneof(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ unit: fc.constantFrom('a', ' ', '\r', '\n', '\t', '&', '<'), maxLength: 20 })), { nil: undefined }),
  caps: fc.record({ audio: fc.boolean(), video: fc.boolean(), text: fc.boolean(), message: fc.boolean() }, { noNullPrototype: true }),
  timestamp: fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }),
}, { requiredKeys: ['entity', 'tupleId', 'contact', 'deviceId', 'basic', 'activities', 'caps', 'timestamp'], noNullPrototype: true });

test('buildPidf never throws, and what it accepts round-trips through parsePidf', () => {
  let accepted = 0;
  fc.assert(fc.property(pidfInput, (input) => {
    const built = buildPidf(input);
    checkResult(built);
    if (!built.ok) return;
    accepted += 1;
    const back = parsePidf(built.value);
    assert.ok(back.ok, back.ok ? '' : `${back.error}\n${built.value}`);
    const doc = back.value;
    assert.equal(doc.entity, input.entity.trim());
    const tuple = doc.tuples[0];
    assert.deepEqual([doc.tuples.length, tuple?.id, tuple?.basic, tuple?.contact, tuple?.deviceId], [1, input.tupleId, input.basic, input.contact, input.deviceId]);
    assert.deepEqual(tuple?.caps, input.caps);
    const concrete = [...new Set(input.activities)].filter((a) => a !== 'unknown');
    const other = input.otherActivity?.trim() ? [input.otherActivity.trim()] : [];
    const expected = concrete.length + other.length > 0 ? [...new Set([...concrete, ...other])] : input.activities.includes('unknown') ? ['unknown'] : [];
    assert.deepEqual(doc.person?.activities, expected);
    assert.equal(doc.person?.note, input.note?.trim() || undefined);
    summarizePresence(doc);
  }), { numRuns: RUNS });
  assert.ok(accepted > RUNS / 3, `only ${accepted} inputs were accepted`);
});
