/**
 * Call-control header parsers and builders: RFC examples and captures from Asterisk, FreeSWITCH, Broadsoft
 * and Cisco, plus properties (nothing throws on arbitrary input; Replaces and Refer-To round-trip; what
 * buildDiversion writes, parseNameAddr reads back).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  answerAfter,
  buildDiversion,
  buildReplaces,
  callerIdentity,
  forwardedFrom,
  parseNameAddr,
  parseReferTo,
  parseReplaces,
  parseSipfrag,
  phoneNumberOf,
  reasonText,
  referToWithReplaces,
  splitHeaderList,
  type DiversionReason,
  type NameAddr,
} from '../../src/sip/call-headers.js';

/** parseNameAddr, with params copied onto a plain object so deepEqual can compare them with literals. */
function addr(value: string): { displayName?: string; uri: string; params: Record<string, string> } | undefined {
  const r = parseNameAddr(value);
  return r && { ...r, params: { ...r.params } };
}

// ----- parseNameAddr / splitHeaderList ------------------------------------------------------------------

test('parseNameAddr: quoted display name with escapes, URI params stay in the URI, header params after >', () => {
  assert.deepEqual(addr('"Alice \\"Al\\" Smith \\\\ Co" <sip:alice@a.example;transport=tcp>;tag=1928301774'), {
    displayName: 'Alice "Al" Smith \\ Co',
    uri: 'sip:alice@a.example;transport=tcp',
    params: { tag: '1928301774' },
  });
});

test('parseNameAddr: unquoted display name (white space collapsed), no display name, empty quoted name', () => {
  assert.deepEqual(addr('Alice   Smith <sip:alice@a.example>'), { displayName: 'Alice Smith', uri: 'sip:alice@a.example', params: {} });
  assert.deepEqual(addr('<sip:alice@a.example>'), { uri: 'sip:alice@a.example', params: {} });
  assert.deepEqual(addr('"" <sip:alice@a.example>'), { uri: 'sip:alice@a.example', params: {} });
  // no space between the quoted name and <, as Broadsoft writes it
  assert.equal(parseNameAddr('"John Smith"<sip:+12125551000@as.example;user=phone>')?.displayName, 'John Smith');
  assert.equal(parseNameAddr('"Jürgen Müller" <sip:jm@b.example>')?.displayName, 'Jürgen Müller');
});

test('parseNameAddr: addr-spec without brackets: parameters belong to the header (RFC 3261 §20)', () => {
  assert.deepEqual(addr('sip:alice@a.example;tag=88sja8x'), { uri: 'sip:alice@a.example', params: { tag: '88sja8x' } });
  assert.deepEqual(addr('  tel:+12125551000  '), { uri: 'tel:+12125551000', params: {} });
});

test('parseNameAddr: parameter names lower-cased, quoted values unquoted, value-less params, first wins', () => {
  const r = addr('<sip:a@b>;Reason="user-busy";PRIVACY=off;lr;counter=2;counter=3; received=[2001:db8::1] ;');
  assert.deepEqual(r?.params, { reason: 'user-busy', privacy: 'off', lr: '', counter: '2', received: '[2001:db8::1]' });
});

test('parseNameAddr: parameter names like __proto__ or constructor are plain keys', () => {
  const r = parseNameAddr('<sip:a@b>;__proto__=x;constructor=y');
  assert.ok(r);
  assert.equal(r.params.__proto__, 'x');
  assert.equal(r.params.constructor, 'y');
  assert.equal(parseNameAddr('<sip:a@b>')?.params.constructor, undefined);
});

test('parseNameAddr: malformed values are rejected', () => {
  const bad = [
    '',
    '   ',
    '"Alice <sip:alice@a.example>', // unterminated quote
    '"Alice" sip:alice@a.example', // quoted name without <...>
    'Alice sip:alice@a.example', // display name on an addr-spec
    '<sip:alice@a.example', // no >
    '<alice@a.example>', // no scheme
    '<>',
    '<sip:alice@a.example> junk', // text after the URI that is not a parameter
    '<sip:alice@a.example>;=x',
    '<sip:alice@a.example>;na me=x',
    '<sip:alice@a.example>;tag="open',
    '<sip:alice@a.example>;tag=a b',
    '<sip:al ice@a.example>',
    'sip:alice@a.example, sip:bob@b.example', // a list, not one value
    'Al"ice <sip:alice@a.example>',
    '"\\', // escape at the very end
  ];
  for (const value of bad) assert.equal(parseNameAddr(value), undefined, JSON.stringify(value));
});

test('splitHeaderList: commas inside quotes and brackets do not split', () => {
  assert.deepEqual(splitHeaderList('"Smith, John" <sip:js@a.example>, <sip:x@b.example;foo=a,b>, tel:+1'), [
    '"Smith, John" <sip:js@a.example>',
    '<sip:x@b.example;foo=a,b>',
    'tel:+1',
  ]);
  assert.deepEqual(splitHeaderList(' , ,'), []);
});

// ----- phoneNumberOf ------------------------------------------------------------------------------------

test('phoneNumberOf: tel: numbers, phone-like sip user parts, visual separators removed', () => {
  assert.equal(phoneNumberOf('tel:+1-201-555-0123;ext=1234'), '+12015550123');
  assert.equal(phoneNumberOf('tel:7042;phone-context=example.com'), '7042');
  assert.equal(phoneNumberOf('sip:+1(212)555.0100@gw.example;user=phone'), '+12125550100');
  assert.equal(phoneNumberOf('sip:%2B4930123456@gw.example'), '+4930123456');
  assert.equal(phoneNumberOf('sip:+15551234567;npdi@gw.example;user=phone'), '+15551234567');
  assert.equal(phoneNumberOf('sips:1001:secret@pbx.example'), '1001');
  assert.equal(phoneNumberOf('sip:alice@a.example'), undefined);
  assert.equal(phoneNumberOf('sip:pbx.example'), undefined);
  assert.equal(phoneNumberOf('sip:*97@pbx.example'), undefined);
  assert.equal(phoneNumberOf('sip:1+2@pbx.example'), undefined);
  assert.equal(phoneNumberOf('sip:%zz@pbx.example'), undefined);
  assert.equal(phoneNumberOf('http://1234@example.com'), undefined);
  assert.equal(phoneNumberOf('tel:anonymous'), undefined);
});

// ----- callerIdentity -----------------------------------------------------------------------------------

test('callerIdentity: From only (FreeSWITCH without PAI)', () => {
  assert.deepEqual(callerIdentity({ from: '"Extension 1000" <sip:1000@192.168.0.10>;tag=N4Sj3vDmy0pXe' }), {
    name: 'Extension 1000',
    uri: 'sip:1000@192.168.0.10',
    number: '1000',
    source: 'from',
    private: false,
  });
  assert.deepEqual(callerIdentity({ from: '<sip:alice@a.example>;tag=1' }), { uri: 'sip:alice@a.example', source: 'from', private: false });
});

test('callerIdentity: P-Asserted-Identity wins over From (Asterisk trust_id_outbound)', () => {
  const r = callerIdentity({
    from: '"Front Desk" <sip:frontdesk@pbx.example>;tag=as5f2a1b3c',
    pAssertedIdentity: ['"Alice" <sip:1001@pbx.example>'],
  });
  assert.deepEqual(r, { name: 'Alice', uri: 'sip:1001@pbx.example', number: '1001', source: 'pai', private: false });
});

test('callerIdentity: PAI with a sip: and a tel: entry: the sip URI, the tel number (Broadsoft, carriers)', () => {
  const oneValue = callerIdentity({
    from: '<sip:+15551234567@carrier.example>;tag=x',
    pAssertedIdentity: ['<tel:+1-555-123-4567>, "Carrier Caller" <sip:5551234567@carrier.example;user=phone>'],
  });
  assert.deepEqual(oneValue, {
    name: 'Carrier Caller',
    uri: 'sip:5551234567@carrier.example;user=phone',
    number: '+15551234567',
    source: 'pai',
    private: false,
  });
  const twoValues = callerIdentity({
    from: '<sip:x@y>;tag=x',
    pAssertedIdentity: ['<tel:+15551234567>', '<sip:+15551234567@carrier.example;user=phone>'],
  });
  assert.equal(twoValues?.uri, 'sip:+15551234567@carrier.example;user=phone');
  assert.equal(twoValues?.number, '+15551234567');
});

test('callerIdentity: PAI tel: alone takes the CNAM name from From when From names the same number', () => {
  const r = callerIdentity({
    from: '"SMITH JOHN" <sip:+15551234567@carrier.example;user=phone>;tag=1',
    pAssertedIdentity: ['<tel:+15551234567>'],
  });
  assert.deepEqual(r, { name: 'SMITH JOHN', uri: 'tel:+15551234567', number: '+15551234567', source: 'pai', private: false });
  // a different party in From lends no name
  const other = callerIdentity({ from: '"Spoofed" <sip:+15550000000@x.example>;tag=1', pAssertedIdentity: ['<tel:+15551234567>'] });
  assert.equal(other?.name, undefined);
  assert.equal(other?.number, '+15551234567');
});

test('callerIdentity: unusable PAI entries are skipped, then Remote-Party-ID, then From', () => {
  const r = callerIdentity({
    from: '"From Name" <sip:2001@cucm.example>;tag=1',
    pAssertedIdentity: ['garbage', '<http://not-an-identity.example>'],
    remotePartyId: ['"Bob Jones" <sip:2001@10.1.1.1>;party=calling;screen=yes;privacy=off'],
  });
  assert.deepEqual(r, { name: 'Bob Jones', uri: 'sip:2001@10.1.1.1', number: '2001', source: 'rpid', private: false });
});

test('callerIdentity: RPID party=called is not the caller; screened entries win', () => {
  const called = callerIdentity({
    from: '<sip:1001@pbx.example>;tag=1',
    remotePartyId: ['"Callee" <sip:2002@pbx.example>;party=called;screen=yes'],
  });
  assert.equal(called?.source, 'from');
  const screened = callerIdentity({
    from: '<sip:1001@pbx.example>;tag=1',
    remotePartyId: [
      '"User Said" <sip:9999@pbx.example>;party=calling;screen=no',
      '"Network Says" <sip:1001@pbx.example>;party=calling;screen=yes',
    ],
  });
  assert.equal(screened?.name, 'Network Says');
});

test('callerIdentity: RPID privacy=full or privacy=uri withholds everything, privacy=name only the name', () => {
  const full = callerIdentity({
    from: '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=as58f4201b',
    remotePartyId: ['"Alice" <sip:1001@192.168.1.10>;party=calling;privacy=full;screen=yes'],
  });
  assert.deepEqual(full, { uri: 'sip:1001@192.168.1.10', source: 'rpid', private: true });
  const uri = callerIdentity({ from: '<sip:x@y>;tag=1', remotePartyId: ['"Alice" <sip:1001@pbx>;privacy=uri'] });
  assert.equal(uri?.private, true);
  const name = callerIdentity({ from: '<sip:x@y>;tag=1', remotePartyId: ['"Alice" <sip:1001@pbx>;privacy=name'] });
  assert.deepEqual(name, { uri: 'sip:1001@pbx', number: '1001', source: 'rpid', private: false });
});

test('callerIdentity: Privacy: id with a PAI (Asterisk, FreeSWITCH) is private; name and number are withheld', () => {
  const r = callerIdentity({
    from: '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=as5f2a1b3c',
    pAssertedIdentity: ['"Alice" <sip:1001@pbx.example>'],
    privacy: 'id',
  });
  assert.deepEqual(r, { uri: 'sip:1001@pbx.example', source: 'pai', private: true });
  assert.equal(callerIdentity({ from: '<sip:1001@pbx>;tag=1', privacy: 'header; id' })?.private, true);
  assert.equal(callerIdentity({ from: '<sip:1001@pbx>;tag=1', privacy: 'user' })?.private, true);
  assert.equal(callerIdentity({ from: '<sip:1001@pbx>;tag=1', privacy: 'none' })?.private, false);
  assert.equal(callerIdentity({ from: '<sip:1001@pbx>;tag=1', privacy: 'session' })?.private, false);
});

test('callerIdentity: anonymous From URIs are private even without a Privacy header', () => {
  for (const from of [
    '"Anonymous" <sip:anonymous@anonymous.invalid>;tag=1',
    '<sip:Anonymous@pbx.example>;tag=1',
    '<sip:restricted@anonymous.invalid>;tag=1',
    '<tel:anonymous>;tag=1',
  ]) {
    const r = callerIdentity({ from });
    assert.equal(r?.private, true, from);
    assert.equal(r?.name, undefined, from);
    assert.equal(r?.number, undefined, from);
  }
  assert.equal(callerIdentity({ from: '<sip:anonymousfan@pbx.example>;tag=1' })?.private, false);
});

test('callerIdentity: undefined when nothing is readable', () => {
  assert.equal(callerIdentity({ from: 'garbage' }), undefined);
  assert.equal(callerIdentity({ from: '', pAssertedIdentity: ['also garbage'], remotePartyId: ['<nope'] }), undefined);
});

// ----- forwardedFrom / buildDiversion -------------------------------------------------------------------

test('forwardedFrom: single Diversion (Asterisk chan_pjsip, FreeSWITCH)', () => {
  assert.deepEqual(forwardedFrom({ diversion: ['<sip:1002@pbx.example>;reason=no-answer;privacy=off;screen=no'] }), {
    uri: 'sip:1002@pbx.example',
    reason: 'no-answer',
    count: 1,
  });
  assert.deepEqual(forwardedFrom({ diversion: ['"Bob" <sip:1000@192.168.0.10>;reason=UNCONDITIONAL'] }), {
    uri: 'sip:1000@192.168.0.10',
    name: 'Bob',
    reason: 'unconditional',
    count: 1,
  });
});

test('forwardedFrom: several Diversions (Cisco CUCM): the last listed is the party originally called', () => {
  // 2002 did not answer and went to 3003, which forwards everything: 3003's proxy put its entry on top.
  const separate = forwardedFrom({
    diversion: [
      '<sip:3003@cucm.example>;reason=unconditional;privacy=off;screen=yes',
      '<sip:2002@cucm.example>;reason=no-answer;privacy=off;screen=yes',
    ],
  });
  assert.deepEqual(separate, { uri: 'sip:2002@cucm.example', reason: 'no-answer', count: 2 });
  const oneValue = forwardedFrom({
    diversion: ['<tel:+12125553000>;reason=user-busy;counter=2, <tel:+12125552000>;reason=no-answer;counter=1'],
  });
  assert.deepEqual(oneValue, { uri: 'tel:+12125552000', reason: 'no-answer', count: 3 });
});

test('forwardedFrom: bad counters count as 1; malformed entries are skipped', () => {
  assert.equal(forwardedFrom({ diversion: ['<sip:a@b>;counter=0', '<sip:c@d>;counter=abc', '<sip:e@f>;counter=123'] })?.count, 3);
  assert.deepEqual(forwardedFrom({ diversion: ['<sip:a@b>;reason=user-busy', 'not a diversion'] }), {
    uri: 'sip:a@b',
    reason: 'user-busy',
    count: 1,
  });
  assert.equal(forwardedFrom({ diversion: ['junk'] }), undefined);
  assert.equal(forwardedFrom({}), undefined);
});

test('forwardedFrom: History-Info RFC 7044 style: mp and an RFC 4458 cause on the new target', () => {
  const r = forwardedFrom({
    historyInfo: [
      '<sip:bob@example.com>;index=1',
      '<sip:bob@192.0.2.4?Reason=SIP%3Bcause%3D408%3Btext%3D%22Request%20Timeout%22>;index=1.1;rc=1',
      '<sip:office@example.com;target=sip:bob%40example.com;cause=486>;index=1.2;mp=1',
    ],
  });
  assert.deepEqual(r, { uri: 'sip:bob@example.com', reason: 'user-busy', count: 1 });
});

test('forwardedFrom: History-Info RFC 4244 style (Broadsoft): Reason on the diverting entry, no tags', () => {
  const r = forwardedFrom({
    historyInfo: [
      '<sip:+12125552000@as.example;user=phone?Reason=SIP%3Bcause%3D302%3Btext%3D%22Unconditional%22>;index=1,' +
        '<sip:+12125553000@as.example;user=phone>;index=1.1',
    ],
  });
  assert.deepEqual(r, { uri: 'sip:+12125552000@as.example;user=phone', reason: 'unconditional', count: 1 });
});

test('forwardedFrom: History-Info with two forwards counts both; reason from the first; unknown cause', () => {
  const r = forwardedFrom({
    historyInfo: ['<sip:a@x>;index=1, <sip:b@x;cause=408>;index=1.1;mp=1, <sip:c@x;cause=302>;index=1.1.1;mp=1.1'],
  });
  assert.deepEqual(r, { uri: 'sip:a@x', reason: 'no-answer', count: 2 });
  assert.equal(forwardedFrom({ historyInfo: ['<sip:a@x>;index=1', '<sip:b@x;cause=499>;index=1.1'] })?.reason, 'unknown');
  assert.equal(forwardedFrom({ historyInfo: ['<sip:a@x>;index=1', '<sip:b@x>;index=1.1;mp=1'] })?.reason, undefined);
});

test('forwardedFrom: History-Info of ordinary routing (registered contacts) is not a forward', () => {
  assert.equal(forwardedFrom({ historyInfo: ['<sip:bob@example.com>;index=1, <sip:bob@192.0.2.4>;index=1.1;rc=1'] }), undefined);
  assert.equal(
    forwardedFrom({
      historyInfo: ['<sip:bob@example.com>;index=1, <sip:bob@192.0.2.4?Reason=SIP%3Bcause%3D408>;index=1.1;rc=1, <sip:bob@192.0.2.5>;index=1.2;rc=1'],
    }),
    undefined,
  );
  assert.equal(forwardedFrom({ historyInfo: ['<sip:bob@example.com>;index=1'] }), undefined);
});

test('forwardedFrom: Diversion wins over History-Info', () => {
  const r = forwardedFrom({
    diversion: ['<sip:div@x>;reason=user-busy'],
    historyInfo: ['<sip:hi@x>;index=1, <sip:b@x;cause=302>;index=1.1;mp=1'],
  });
  assert.equal(r?.uri, 'sip:div@x');
});

test('buildDiversion: writes what RFC 5806 receivers read', () => {
  assert.equal(
    buildDiversion({ uri: 'sip:alice@a.example', name: 'Alice "Al" \\', reason: 'user-busy', counter: 1 }),
    '"Alice \\"Al\\" \\\\" <sip:alice@a.example>;reason=user-busy;counter=1',
  );
  assert.equal(buildDiversion({ uri: 'sip:1001@pbx.example', reason: 'unconditional' }), '<sip:1001@pbx.example>;reason=unconditional');
  // a display name cannot smuggle a line break into the message
  assert.equal(buildDiversion({ uri: 'sip:a@b', name: 'Evil\r\nX-Injected: 1', reason: 'deflection' }), '"Evil X-Injected: 1" <sip:a@b>;reason=deflection');
  assert.equal(buildDiversion({ uri: 'sip:a@b', name: ' \t', reason: 'no-answer' }), '<sip:a@b>;reason=no-answer');
});

test('buildDiversion: refuses what it cannot write correctly', () => {
  assert.equal(buildDiversion({ uri: 'alice@a.example', reason: 'user-busy' }), undefined);
  assert.equal(buildDiversion({ uri: 'sip:a@b>;x', reason: 'user-busy' }), undefined);
  assert.equal(buildDiversion({ uri: 'sip:a b@c', reason: 'user-busy' }), undefined);
  assert.equal(buildDiversion({ uri: 'sip:a@b', reason: 'vacation' as DiversionReason }), undefined);
  for (const counter of [0, 100, 1.5, -1, Number.NaN]) {
    assert.equal(buildDiversion({ uri: 'sip:a@b', reason: 'no-answer', counter }), undefined, String(counter));
  }
});

test('buildDiversion → forwardedFrom reads back uri, name and reason', () => {
  const header = buildDiversion({ uri: 'sip:1001@pbx.example', name: 'Reception', reason: 'do-not-disturb', counter: 2 });
  assert.ok(header);
  assert.deepEqual(forwardedFrom({ diversion: [header] }), { uri: 'sip:1001@pbx.example', name: 'Reception', reason: 'do-not-disturb', count: 2 });
});

// ----- Replaces / Refer-To ------------------------------------------------------------------------------

test('parseReplaces: RFC 3891 examples', () => {
  assert.deepEqual(parseReplaces('98732@sip.example.com;from-tag=r33th4x0r;to-tag=ff87ff'), {
    callId: '98732@sip.example.com',
    toTag: 'ff87ff',
    fromTag: 'r33th4x0r',
    earlyOnly: false,
  });
  assert.deepEqual(parseReplaces('12345600@atlanta.example.com ;from-tag=1234567 ; to-tag=12345;early-only'), {
    callId: '12345600@atlanta.example.com',
    toTag: '12345',
    fromTag: '1234567',
    earlyOnly: true,
  });
  // generic parameters are ignored, names are case-insensitive
  assert.equal(parseReplaces('a;TO-TAG=1;From-Tag=2;foo=bar;baz')?.toTag, '1');
});

test('parseReplaces: missing, repeated or empty tags and bad Call-IDs are rejected', () => {
  for (const value of [
    '',
    'abc',
    'abc;to-tag=1',
    'abc;from-tag=1',
    'abc;to-tag=1;from-tag=2;to-tag=3',
    'abc;to-tag=;from-tag=2',
    'abc;to-tag;from-tag=2',
    ';to-tag=1;from-tag=2',
    'a b;to-tag=1;from-tag=2',
    'abc;to-tag=1;from-tag=2;bad name=1',
    'abc;to-tag="1";from-tag=2',
  ]) {
    assert.equal(parseReplaces(value), undefined, JSON.stringify(value));
  }
});

test('buildReplaces: writes the dialog, early-only when asked; refuses what cannot round-trip', () => {
  assert.equal(buildReplaces({ callId: 'a@b', toTag: 't', fromTag: 'f' }), 'a@b;to-tag=t;from-tag=f');
  assert.equal(buildReplaces({ callId: 'a@b', toTag: 't', fromTag: 'f', earlyOnly: true }), 'a@b;to-tag=t;from-tag=f;early-only');
  assert.equal(buildReplaces({ callId: 'a;b', toTag: 't', fromTag: 'f' }), undefined);
  assert.equal(buildReplaces({ callId: 'a,b', toTag: 't', fromTag: 'f' }), undefined);
  assert.equal(buildReplaces({ callId: '', toTag: 't', fromTag: 'f' }), undefined);
  assert.equal(buildReplaces({ callId: 'a', toTag: 't t', fromTag: 'f' }), undefined);
  assert.equal(buildReplaces({ callId: 'a', toTag: 't', fromTag: '"f"' }), undefined);
});

test('referToWithReplaces: the RFC 3891 §7 example', () => {
  const uri = referToWithReplaces('sips:alice@atlanta.example.com', { callId: '12345@192.168.118.3', toTag: '12345', fromTag: '5FFE-3994' });
  assert.equal(uri, 'sips:alice@atlanta.example.com?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994');
});

test('referToWithReplaces: adds to existing URI headers; refuses non-SIP targets and a second Replaces', () => {
  assert.equal(
    referToWithReplaces('sip:carol@c.example;transport=tcp?X-Foo=1', { callId: 'c1', toTag: 't', fromTag: 'f' }),
    'sip:carol@c.example;transport=tcp?X-Foo=1&Replaces=c1%3Bto-tag%3Dt%3Bfrom-tag%3Df',
  );
  assert.equal(referToWithReplaces('tel:+12125551000', { callId: 'c1', toTag: 't', fromTag: 'f' }), undefined);
  assert.equal(referToWithReplaces('<sip:carol@c.example>', { callId: 'c1', toTag: 't', fromTag: 'f' }), undefined);
  assert.equal(referToWithReplaces('sip:carol@c.example?replaces=x', { callId: 'c1', toTag: 't', fromTag: 'f' }), undefined);
  assert.equal(referToWithReplaces('sip:carol@c.example', { callId: 'c;1', toTag: 't', fromTag: 'f' }), undefined);
});

test('parseReferTo: blind transfer, attended transfer (RFC 3891 §7), other URI headers kept', () => {
  assert.deepEqual(parseReferTo('<sip:carol@c.example>'), { uri: 'sip:carol@c.example' });
  assert.deepEqual(parseReferTo('sip:2001@pbx.example'), { uri: 'sip:2001@pbx.example' });
  assert.deepEqual(
    parseReferTo('<sips:alice@atlanta.example.com?Replaces=12345%40192.168.118.3%3Bto-tag%3D12345%3Bfrom-tag%3D5FFE-3994>'),
    {
      uri: 'sips:alice@atlanta.example.com',
      replaces: { callId: '12345@192.168.118.3', toTag: '12345', fromTag: '5FFE-3994', earlyOnly: false },
    },
  );
  // Asterisk writes the header name in lower case, with other headers around it
  assert.deepEqual(parseReferTo('"Carol" <sip:1003@pbx.example?X-A=1&replaces=abc%3Bto-tag%3D1%3Bfrom-tag%3D2&X-B=2>;method=INVITE'), {
    uri: 'sip:1003@pbx.example?X-A=1&X-B=2',
    replaces: { callId: 'abc', toTag: '1', fromTag: '2', earlyOnly: false },
  });
});

test('parseReferTo: a damaged Replaces makes the whole Refer-To unusable', () => {
  assert.equal(parseReferTo('<sip:c@d?Replaces=abc%3Bto-tag%3D1>'), undefined); // no from-tag
  assert.equal(parseReferTo('<sip:c@d?Replaces=%E0%A4%A>'), undefined); // broken escape
  assert.equal(parseReferTo('<sip:c@d?Replaces=a%3Bto-tag%3D1%3Bfrom-tag%3D2&Replaces=b%3Bto-tag%3D1%3Bfrom-tag%3D2>'), undefined);
  assert.equal(parseReferTo('<sip:c@d'), undefined);
});

// ----- parseSipfrag -------------------------------------------------------------------------------------

test('parseSipfrag: status lines of REFER progress NOTIFYs', () => {
  assert.deepEqual(parseSipfrag('SIP/2.0 100 Trying\r\n'), { status: 100, reason: 'Trying' });
  assert.deepEqual(parseSipfrag('SIP/2.0 200 OK'), { status: 200, reason: 'OK' });
  assert.deepEqual(parseSipfrag('\r\nsip/2.0  486  Busy Here \r\nContent-Length: 0\r\n\r\n'), { status: 486, reason: 'Busy Here' });
  assert.deepEqual(parseSipfrag('SIP/2.0 503\n'), { status: 503, reason: '' });
  assert.deepEqual(parseSipfrag('SIP/2.0 603 Declined\nVia: SIP/2.0/TCP x'), { status: 603, reason: 'Declined' });
});

test('parseSipfrag: anything but a SIP/2.0 status line is rejected', () => {
  for (const body of ['', '\r\n', 'INVITE sip:bob@b.example SIP/2.0', 'SIP/3.0 200 OK', 'SIP/2.0 099 Low', 'SIP/2.0 700 High', 'SIP/2.0 20 OK', 'SIP/2.0 2000 OK', 'HTTP/1.1 200 OK', 'SIP/2.0200 OK']) {
    assert.equal(parseSipfrag(body), undefined, JSON.stringify(body));
  }
});

// ----- answerAfter --------------------------------------------------------------------------------------

test('answerAfter: Call-Info answer-after (Broadsoft, Polycom, Snom, Asterisk dial plans)', () => {
  assert.equal(answerAfter({ callInfo: ['<sip:as.broadsoft.example>;answer-after=0'] }), 0);
  assert.equal(answerAfter({ callInfo: ['<sip:127.0.0.1>;answer-after=5'] }), 5);
  assert.equal(answerAfter({ callInfo: ['answer-after=0'] }), 0);
  assert.equal(answerAfter({ callInfo: [';answer-after=2'] }), 2);
  assert.equal(answerAfter({ callInfo: ['<http://www.example.com/alice/photo.jpg>;purpose=icon, <sip:pbx>;Answer-After=3'] }), 3);
});

test('answerAfter: Alert-Info info=alert-autoanswer / intercom, with and without URI and delay', () => {
  assert.equal(answerAfter({ alertInfo: ['<http://www.notused.com>;info=alert-autoanswer;delay=0'] }), 0);
  assert.equal(answerAfter({ alertInfo: ['<http://www.notused.com>;info=alert-autoanswer;delay=4'] }), 4);
  assert.equal(answerAfter({ alertInfo: ['<http://www.notused.com>;info=alert-autoanswer'] }), 0);
  assert.equal(answerAfter({ alertInfo: ['info=alert-autoanswer'] }), 0);
  assert.equal(answerAfter({ alertInfo: ['<sip:pbx>;info=intercom'] }), 0);
  assert.equal(answerAfter({ alertInfo: ['<sip:pbx>;info="Auto-Answer"'] }), 0);
});

test('answerAfter: bare Alert-Info texts (FreePBX paging for Polycom, Cisco, Yealink)', () => {
  for (const text of ['Ring Answer', 'Auto Answer', 'auto-answer', 'AutoAnswer', 'intercom']) {
    assert.equal(answerAfter({ alertInfo: [text] }), 0, text);
  }
});

test('answerAfter: ordinary ringing hints and bad delays give undefined; the shortest delay wins', () => {
  assert.equal(answerAfter({}), undefined);
  assert.equal(answerAfter({ alertInfo: ['<http://127.0.0.1/Bellcore-dr2>'], callInfo: ['<http://x/photo.jpg>;purpose=icon'] }), undefined);
  assert.equal(answerAfter({ alertInfo: ['<urn:alert:service:call-waiting>', 'Ring Answerphone'] }), undefined);
  assert.equal(answerAfter({ alertInfo: ['<http://x>;info=external'] }), undefined);
  assert.equal(answerAfter({ callInfo: ['<sip:pbx>;answer-after=soon', '<sip:pbx>;answer-after=-1', '<sip:pbx>;answer-after=86400'] }), undefined);
  assert.equal(answerAfter({ alertInfo: ['<http://x>;info=alert-autoanswer;delay=later'] }), undefined);
  assert.equal(answerAfter({ callInfo: ['<sip:pbx>;answer-after=10'], alertInfo: ['<http://x>;info=alert-autoanswer;delay=3'] }), 3);
});

// ----- reasonText ---------------------------------------------------------------------------------------

test('reasonText: texts for common failures and for each class', () => {
  const expected: ReadonlyArray<readonly [number, string]> = [
    [404, 'Number not found'],
    [486, 'Busy'],
    [480, 'Not available'],
    [603, 'Declined'],
    [408, 'No answer'],
    [488, 'Call type not supported'],
    [484, 'Incomplete number'],
    [403, 'Not allowed'],
    [500, 'Network problem'],
    [503, 'Network problem'],
    [599, 'Network problem'],
    [600, 'Busy everywhere'],
    [699, 'Declined everywhere'],
    [400, 'Call failed'],
    [499, 'Call failed'],
    [302, 'Redirected'],
  ];
  for (const [status, text] of expected) assert.equal(reasonText(status), text, String(status));
});

test('reasonText: a short printable Reason text wins (RFC 3326)', () => {
  assert.equal(reasonText(486, 'SIP;cause=486;text="Busy Here"'), 'Busy Here');
  assert.equal(reasonText(480, ['Q.850;cause=19;text="No answer from user (user alerted)"']), 'No answer from user (user alerted)');
  assert.equal(reasonText(603, 'SIP;cause=603, Q.850 ;cause=21 ;text="Call rejected"'), 'Call rejected');
  assert.equal(reasonText(503, 'Q.850;cause=34;text="Keine Leitung verfügbar"'), 'Keine Leitung verfügbar');
});

test('reasonText: Reason texts that are missing, too long or unprintable are ignored', () => {
  assert.equal(reasonText(486, 'SIP;cause=486'), 'Busy');
  assert.equal(reasonText(486, 'SIP;cause=486;text=""'), 'Busy');
  assert.equal(reasonText(486, `SIP;cause=486;text="${'x'.repeat(41)}"`), 'Busy');
  assert.equal(reasonText(486, 'SIP;cause=486;text="Busy\u0007"'), 'Busy');
  assert.equal(reasonText(486, 'SIP;cause=486;text="\u202Eysub"'), 'Busy');
  assert.equal(reasonText(486, 'SIP;cause=486;text="unterminated'), 'Busy');
  assert.equal(reasonText(486, 'garbage'), 'Busy');
});

test('reasonText: undefined for non-failures and non-integers', () => {
  for (const status of [100, 180, 200, 299, 700, 1000, -404, 404.5, Number.NaN]) assert.equal(reasonText(status), undefined, String(status));
});

// ----- properties ---------------------------------------------------------------------------------------

/** Characters that drive the parsers' branches: separators, quotes, brackets, escapes, digits, letters. */
const SIP_CHARS = ['<', '>', '"', '\\', ';', ',', '=', '@', ':', '?', '&', '%', ' ', '\t', '\r', '\n', '+', '-', '.', 's', 'i', 'p', 't', 'e', 'l', 'a', '0', '1', '2', '3', '8', '4', '6', 'é', '\u0000'];
const sipish = fc.string({ unit: fc.constantFrom(...SIP_CHARS), maxLength: 60 });
const tokens = fc.constantFrom(
  'sip:',
  '<sip:a@b>',
  '"',
  ';tag=',
  ';info=alert-autoanswer',
  ';answer-after=',
  ';to-tag=',
  ';from-tag=',
  '?Replaces=',
  '%3B',
  '%',
  'tel:+1',
  'anonymous@anonymous.invalid',
  ';cause=302',
  ';mp=1',
  ';rc=1',
  ';counter=',
  'SIP/2.0 ',
  'Reason=SIP%3Bcause%3D486',
);
/** arbitrary Unicode strings, SIP-flavoured noise, and sequences of meaningful fragments */
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), sipish, fc.array(fc.oneof(tokens, sipish), { maxLength: 8 }).map((a) => a.join('')));
const textList = fc.array(anyText, { maxLength: 4 });

test('property: no function throws on arbitrary strings', () => {
  fc.assert(
    fc.property(anyText, textList, textList, fc.integer({ min: -1000, max: 2000 }), (s, list1, list2, n) => {
      parseNameAddr(s);
      splitHeaderList(s);
      phoneNumberOf(s);
      callerIdentity({ from: s, pAssertedIdentity: list1, remotePartyId: list2, privacy: s });
      forwardedFrom({ diversion: list1, historyInfo: list2 });
      buildDiversion({ uri: s, name: s, reason: 'no-answer', counter: n });
      parseReplaces(s);
      buildReplaces({ callId: s, toTag: s, fromTag: s, earlyOnly: n % 2 === 0 });
      referToWithReplaces(s, { callId: s, toTag: s, fromTag: s });
      parseReferTo(s);
      parseSipfrag(s);
      answerAfter({ alertInfo: list1, callInfo: list2 });
      reasonText(n, s);
      reasonText(n, list1);
    }),
    { numRuns: 3000 },
  );
});

test('property: whatever parseNameAddr returns is a URI with a scheme and no white space', () => {
  fc.assert(
    fc.property(anyText, (s) => {
      const r: NameAddr | undefined = parseNameAddr(s);
      if (r) assert.match(r.uri, /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/);
    }),
    { numRuns: 3000 },
  );
});

/** Call-ID and tag material including the characters the Replaces and URI grammars treat specially. */
const dialogChars = fc.constantFrom('a', 'Z', '0', '9', '-', '.', '_', '~', '@', ';', '=', '%', '&', '?', '+', '/', ':', '"', ',', '!', '*', "'", '(', ')', '[', ']', '<', '>', '#', ' ');
const dialogPart = fc.string({ unit: dialogChars, minLength: 1, maxLength: 24 });
const dialog = fc.record(
  { callId: dialogPart, toTag: dialogPart, fromTag: dialogPart, earlyOnly: fc.boolean() },
  { noNullPrototype: true },
);
/** what the Replaces grammar cannot carry: `;` ends the Call-ID, `,` separates list elements, SP ends it */
const unwritableCallId = (s: string): boolean => /[;, ]/.test(s);
const unwritableTag = (s: string): boolean => /[;, "]/.test(s);

test('property: parseReplaces(buildReplaces(x)) gives back x; only unwritable dialogs are refused', () => {
  fc.assert(
    fc.property(dialog, (d) => {
      const built = buildReplaces(d);
      const writable = !unwritableCallId(d.callId) && !unwritableTag(d.toTag) && !unwritableTag(d.fromTag);
      assert.equal(built !== undefined, writable);
      if (built !== undefined) assert.deepEqual(parseReplaces(built), d);
    }),
    { numRuns: 3000 },
  );
});

test('property: parseReferTo(<referToWithReplaces(target, x)>) gives back target and x (Call-IDs with @ ; = %)', () => {
  const target = fc.constantFrom('sip:carol@c.example', 'sips:1003@pbx.example;transport=tls', 'sip:bob@b.example?X-Foo=bar');
  fc.assert(
    fc.property(target, dialog, (uri, d) => {
      const referTo = referToWithReplaces(uri, d);
      const writable = !unwritableCallId(d.callId) && !unwritableTag(d.toTag) && !unwritableTag(d.fromTag);
      assert.equal(referTo !== undefined, writable);
      if (referTo === undefined) return;
      // the escaped value is RFC 3261 hvalue: unreserved characters and %HH escapes only
      const escaped = referTo.slice(referTo.indexOf('Replaces=') + 'Replaces='.length);
      assert.match(escaped, /^(?:[A-Za-z0-9\-_.!~*'()]|%[0-9A-F]{2})+$/);
      assert.deepEqual(parseReferTo(`<${referTo}>`), { uri, replaces: d });
    }),
    { numRuns: 3000 },
  );
});

test('property: Call-IDs with @, =, % round-trip through Refer-To (explicit cases)', () => {
  for (const callId of ['abc@host', 'YWJj=@10.0.0.1', '100%done@x', 'a%3Bb@h', 'x=y=z', '%%%', '@@']) {
    const d = { callId, toTag: 'to=1%', fromTag: 'from@2', earlyOnly: false };
    const referTo = referToWithReplaces('sip:carol@c.example', d);
    assert.ok(referTo, callId);
    assert.deepEqual(parseReferTo(`<${referTo}>`), { uri: 'sip:carol@c.example', replaces: d }, callId);
  }
});

test('property: parseNameAddr reads back what buildDiversion writes', () => {
  const reason = fc.constantFrom<DiversionReason>('unconditional', 'user-busy', 'no-answer', 'do-not-disturb', 'deflection');
  const name = fc.string({ unit: fc.constantFrom('A', 'z', ' ', '"', '\\', '<', '>', ';', ',', 'é', '\t', '\r', '\n'), maxLength: 20 });
  fc.assert(
    fc.property(name, reason, fc.integer({ min: 1, max: 99 }), (displayName, why, counter) => {
      const header = buildDiversion({ uri: 'sip:1001@pbx.example;user=phone', name: displayName, reason: why, counter });
      assert.ok(header);
      const parsed = parseNameAddr(header);
      assert.ok(parsed, header);
      const expectedName = displayName.replace(/\s+/g, ' ').trim();
      assert.equal(parsed.displayName, expectedName === '' ? undefined : expectedName);
      assert.equal(parsed.uri, 'sip:1001@pbx.example;user=phone');
      assert.equal(parsed.params.reason, why);
      assert.equal(parsed.params.counter, String(counter));
    }),
    { numRuns: 2000 },
  );
});
