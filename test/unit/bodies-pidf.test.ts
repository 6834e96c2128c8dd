/**
 * PIDF: what this phone publishes (valid, escaped, round-trips), what servers send (Kamailio presence_xml
 * aggregates, Linphone/baresip publishes, Asterisk's legacy namespaces, RFC 3863/4479/5196 examples), and
 * the summary a contact list shows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildPidf, parsePidf, summarizePresence, type PidfDocument, type PidfInput } from '../../src/sip/bodies/pidf.js';

const base: PidfInput = {
  entity: 'sip:alice@example.com',
  tupleId: 't1',
  contact: 'sip:alice@example.com;gr=urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  deviceId: 'urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
  basic: 'open',
  activities: ['on-the-phone'],
  note: 'In a call',
  caps: { audio: true, video: false, text: false, message: false },
  timestamp: new Date('2026-11-25T10:00:00.000Z'),
};

function parsed(text: string): PidfDocument {
  const r = parsePidf(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

function built(input: PidfInput): string {
  const r = buildPidf(input);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

test('buildPidf writes RFC 3863 with RPID, caps and the data model, and it parses back', () => {
  const xml = built(base);
  assert.match(xml, /^<\?xml version="1.0" encoding="UTF-8"\?>\r\n<presence xmlns="urn:ietf:params:xml:ns:pidf"/);
  assert.match(xml, /xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid"/);
  assert.match(xml, /xmlns:caps="urn:ietf:params:xml:ns:pidf:caps"/);
  assert.match(xml, /xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model"/);
  assert.match(xml, /<dm:device id="d-t1">\s*<dm:deviceID>urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6<\/dm:deviceID>/);
  assert.match(xml, /<rpid:activities><rpid:on-the-phone\/><\/rpid:activities>/);
  assert.match(xml, /<timestamp>2026-11-25T10:00:00.000Z<\/timestamp>/);
  // tuple children in schema order: status, extensions, contact, note, timestamp
  const tuple = /<tuple id="t1">([\s\S]*?)<\/tuple>/.exec(xml)?.[1] ?? '';
  const order = ['<status>', '<caps:servcaps>', '<dm:deviceID>', '<contact>', '<timestamp>'].map((s) => tuple.indexOf(s));
  assert.deepEqual([...order].sort((a, b) => a - b), order);
  assert.ok(order.every((i) => i >= 0));

  const doc = parsed(xml);
  assert.deepEqual(doc, {
    entity: base.entity,
    tuples: [{ id: 't1', basic: 'open', contact: base.contact, deviceId: base.deviceId, caps: { audio: true, video: false, text: false, message: false } }],
    person: { activities: ['on-the-phone'], note: 'In a call' },
    notes: [],
  });
  assert.deepEqual(summarizePresence(doc), { state: 'busy', note: 'In a call', canIm: false, canAudio: true });
});

test('buildPidf escapes text and attribute values', () => {
  const xml = built({ ...base, entity: 'sip:a&b@example.com', contact: 'sip:x@example.com;p="<y>"', note: `<b>Tom & Jerry's "office"</b> ]]>`, otherActivity: 'Lunch & <nap>' });
  assert.ok(!xml.includes('<b>'));
  assert.ok(xml.includes('entity="sip:a&amp;b@example.com"'));
  const doc = parsed(xml);
  assert.equal(doc.entity, 'sip:a&b@example.com');
  assert.equal(doc.tuples[0]?.contact, 'sip:x@example.com;p="<y>"');
  assert.equal(doc.person?.note, `<b>Tom & Jerry's "office"</b> ]]>`);
  assert.deepEqual(doc.person?.activities, ['on-the-phone', 'Lunch & <nap>']);
});

test('buildPidf: unknown stands alone, duplicates collapse, DND goes out as rpid:other, empty activities are omitted', () => {
  assert.match(built({ ...base, activities: ['unknown'] }), /<rpid:activities><rpid:unknown\/><\/rpid:activities>/);
  const mixed = built({ ...base, activities: ['unknown', 'busy', 'busy'] });
  assert.match(mixed, /<rpid:activities><rpid:busy\/><\/rpid:activities>/);
  const dnd = built({ ...base, activities: ['busy'], otherActivity: 'Do not disturb', note: undefined });
  assert.match(dnd, /<rpid:activities><rpid:busy\/><rpid:other>Do not disturb<\/rpid:other><\/rpid:activities>/);
  assert.equal(summarizePresence(parsed(dnd)).state, 'dnd');
  const none = built({ ...base, activities: [], note: undefined });
  assert.ok(!none.includes('activities'));
  assert.ok(!none.includes('dm:note'));
  assert.equal(summarizePresence(parsed(none)).state, 'available');
});

test('buildPidf refuses input that would make an invalid document, with the field named', () => {
  const cases: [Partial<PidfInput>, RegExp][] = [
    [{ entity: 'alice' }, /^entity: not a URI/],
    [{ entity: 'sip:alice @example.com' }, /^entity/],
    [{ contact: '' }, /^contact/],
    [{ deviceId: 'urn:uuid:x\n' }, /^deviceId/],
    [{ tupleId: '1abc' }, /^tupleId/],
    [{ tupleId: 'a b' }, /^tupleId/],
    [{ basic: 'busy' as 'open' }, /^basic/],
    [{ activities: ['napping' as 'away'] }, /^activities: "napping"/],
    [{ timestamp: new Date('nope') }, /^timestamp/],
    [{ note: 'ding\u0007' }, /^note/],
  ];
  for (const [patch, error] of cases) {
    const r = buildPidf({ ...base, ...patch });
    assert.equal(r.ok, false, JSON.stringify(patch));
    if (!r.ok) assert.match(r.error, error);
  }
});

test('closed with caps all false: offline, cannot IM, cannot take audio', () => {
  const doc = parsed(built({ ...base, basic: 'closed', activities: [], note: undefined, caps: { audio: false, video: false, text: false, message: false } }));
  assert.deepEqual(summarizePresence(doc), { state: 'offline', canIm: false, canAudio: false });
});

// Kamailio presence_xml: the aggregate of two PUBLISHes (desk phone on the phone, softphone idle).
const KAMAILIO_AGGREGATE = `<?xml version="1.0"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:c="urn:ietf:params:xml:ns:pidf:cipid" entity="sip:bob@example.com">
  <tuple id="t54bb0569">
    <status>
      <basic>open</basic>
    </status>
    <contact priority="0.8">sip:bob@192.0.2.20:5060;transport=tcp</contact>
  </tuple>
  <dm:person id="p65f3307b">
    <rpid:activities>
      <rpid:on-the-phone/>
    </rpid:activities>
    <dm:note>On the phone</dm:note>
  </dm:person>
  <tuple id="0x7f3a2c1d">
    <status><basic>open</basic></status>
    <note xml:lang="en">Online</note>
  </tuple>
  <dm:person id="p0x7f3a"><dm:note>Online</dm:note></dm:person>
</presence>`;

test('Kamailio aggregate: tuples and persons merge; any device on the phone makes the person busy', () => {
  const doc = parsed(KAMAILIO_AGGREGATE);
  assert.equal(doc.entity, 'sip:bob@example.com');
  assert.deepEqual(doc.tuples.map((t) => [t.id, t.basic, t.contact, t.note]), [
    ['t54bb0569', 'open', 'sip:bob@192.0.2.20:5060;transport=tcp', undefined],
    ['0x7f3a2c1d', 'open', undefined, 'Online'],
  ]);
  assert.deepEqual(doc.person, { activities: ['on-the-phone'], note: 'On the phone' });
  assert.deepEqual(summarizePresence(doc), { state: 'busy', note: 'On the phone', canIm: undefined, canAudio: true });
});

// Kamailio's body once every publication has expired (presence_xml's offline body).
const KAMAILIO_CLOSED = `<?xml version="1.0"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:carol@example.com">
<tuple id="0x55d1"><status><basic>closed</basic></status></tuple>
</presence>`;

test('Kamailio closed tuple and an empty document are offline', () => {
  assert.equal(summarizePresence(parsed(KAMAILIO_CLOSED)).state, 'offline');
  assert.equal(summarizePresence(parsed('<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="pres:dave@example.com"/>')).state, 'offline');
});

// Linphone publishing "away".
const LINPHONE_AWAY = `<?xml version="1.0" encoding="UTF-8"?>
<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:bob@sip.example.org">
  <tuple id="qmh9yt">
    <status><basic>open</basic></status>
    <contact priority="0.8">sip:bob@sip.example.org</contact>
    <timestamp>2017-05-15T14:19:04Z</timestamp>
  </tuple>
  <dm:person id="sip_bob_sip.example.org">
    <rpid:activities><rpid:away/></rpid:activities>
  </dm:person>
</presence>`;

test('Linphone away', () => {
  assert.deepEqual(summarizePresence(parsed(LINPHONE_AWAY)), { state: 'away', canIm: undefined, canAudio: true });
});

// Asterisk's PIDF generator still uses the pre-RFC 4479 person/rpid-person namespaces.
const ASTERISK_LEGACY = `<?xml version="1.0" encoding="UTF-8"?>
<presence entity="sip:1001@pbx.example.com" xmlns="urn:ietf:params:xml:ns:pidf" xmlns:pp="urn:ietf:params:xml:ns:pidf:person" xmlns:es="urn:ietf:params:xml:ns:pidf:rpid:status:rpid-status" xmlns:ep="urn:ietf:params:xml:ns:pidf:rpid:rpid-person">
 <note>On the phone</note>
 <tuple id="1001">
  <status><basic>open</basic></status>
  <contact priority="1">sip:1001@pbx.example.com</contact>
 </tuple>
 <pp:person>
  <status><ep:activities><ep:on-the-phone/></ep:activities></status>
 </pp:person>
</presence>`;

test('Asterisk legacy namespaces: activities are still read', () => {
  const doc = parsed(ASTERISK_LEGACY);
  assert.deepEqual(doc.person?.activities, ['on-the-phone']);
  assert.deepEqual(doc.notes, ['On the phone']);
  assert.equal(summarizePresence(doc).state, 'busy');
});

// eyeBeam-era clients: <ep:activity>text</ep:activity>.
test('legacy activity-as-text and rpid activities inside a tuple', () => {
  const eyebeam = `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:pp="urn:ietf:params:xml:ns:pidf:person" xmlns:ep="urn:ietf:params:xml:ns:pidf:rpid:rpid-person" entity="sip:e@example.com">
    <pp:person><status><ep:activities><ep:activity>away</ep:activity></ep:activities></status></pp:person>
    <tuple id="x"><status><basic>open</basic></status></tuple></presence>`;
  assert.equal(summarizePresence(parsed(eyebeam)).state, 'away');
  const inTuple = `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:e@example.com">
    <tuple id="x"><status><basic>open</basic><rpid:activities><rpid:meeting/></rpid:activities></status></tuple></presence>`;
  assert.equal(summarizePresence(parsed(inTuple)).state, 'busy');
});

// RFC 5196 §3 style: servcaps saying the device takes messages.
test('caps: message true anywhere open makes canIm true; only text/message false makes it false', () => {
  const doc = (capsXml: string, basic = 'open'): string => `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:caps="urn:ietf:params:xml:ns:pidf:caps" entity="sip:f@example.com">
    <tuple id="a"><status><basic>${basic}</basic></status><caps:servcaps>${capsXml}</caps:servcaps><contact>sip:f@h</contact></tuple></presence>`;
  assert.equal(summarizePresence(parsed(doc('<caps:message>true</caps:message>'))).canIm, true);
  assert.equal(summarizePresence(parsed(doc('<caps:text>0</caps:text>'))).canIm, false);
  assert.equal(summarizePresence(parsed(doc('<caps:audio>true</caps:audio>'))).canIm, undefined);
  assert.equal(summarizePresence(parsed(doc('<caps:audio>false</caps:audio><caps:video>true</caps:video>'))).canAudio, false);
  assert.deepEqual(parsed(doc('<caps:audio> true </caps:audio><caps:video>maybe</caps:video>')).tuples[0]?.caps, { audio: true });
});

test('DND mapping: rpid:other text, notes in any form, and DND beats busy; closed still wins', () => {
  const doc = (inner: string, basic = 'open'): string => `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:g@example.com">
    <tuple id="a"><status><basic>${basic}</basic></status></tuple>${inner}</presence>`;
  const state = (inner: string, basic?: string): string => summarizePresence(parsed(doc(inner, basic))).state;
  assert.equal(state('<dm:person id="p"><rpid:activities><rpid:other>Do Not Disturb</rpid:other></rpid:activities></dm:person>'), 'dnd');
  assert.equal(state('<dm:person id="p"><rpid:activities><rpid:busy/></rpid:activities><dm:note>DND</dm:note></dm:person>'), 'dnd');
  assert.equal(state('<note>do-not-disturb</note>'), 'dnd');
  assert.equal(state('<note>Do not disturb</note>', 'closed'), 'offline');
  assert.equal(state('<dm:person id="p"><rpid:activities><rpid:busy/><rpid:away/></rpid:activities></dm:person>'), 'busy');
  assert.equal(state('<dm:person id="p"><rpid:activities><rpid:vacation/></rpid:activities></dm:person>'), 'away');
  assert.equal(state('<dm:person id="p"><rpid:activities><rpid:working/></rpid:activities><dm:note>Busy week</dm:note></dm:person>'), 'available', 'a concrete activity wins over note words');
  assert.equal(state('<note>Be right back</note>'), 'away');
  assert.equal(state('<note>In a meeting</note>'), 'busy');
  assert.equal(state('<note>Online</note>'), 'available');
});

test('tuples without basic: activities decide, else unknown', () => {
  const noBasic = (inner: string): string => `<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" entity="sip:h@example.com">
    <tuple id="a"><status/></tuple>${inner}</presence>`;
  assert.equal(summarizePresence(parsed(noBasic(''))).state, 'unknown');
  assert.equal(summarizePresence(parsed(noBasic('<dm:person id="p"><rpid:activities><rpid:unknown/></rpid:activities></dm:person>'))).state, 'unknown');
  assert.equal(summarizePresence(parsed(noBasic('<dm:person id="p"><rpid:activities><rpid:away/></rpid:activities></dm:person>'))).state, 'away');
});

test('parsePidf refuses what is not PIDF, with a reason', () => {
  const cases: [string, RegExp][] = [
    ['<presence entity="sip:a@b"/>', /not PIDF/],
    ['<presence xmlns="urn:ietf:params:xml:ns:pidf"/>', /no entity/],
    ['<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple><status/></tuple></presence>', /tuple has no id/],
    ['<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b"><tuple id="x"><status><basic>busy</basic></status></tuple></presence>', /basic must be open or closed/],
    ['<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info"/>', /not PIDF/],
    ['<!DOCTYPE presence [<!ENTITY x SYSTEM "file:///etc/shadow">]><presence xmlns="urn:ietf:params:xml:ns:pidf" entity="&x;"/>', /DOCTYPE/],
    ['<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:a@b">', /malformed/],
  ];
  for (const [text, error] of cases) {
    const r = parsePidf(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.error, error);
  }
});
