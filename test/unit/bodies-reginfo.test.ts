/**
 * reginfo (RFC 3680): the RFC's example, a Kamailio body with `+sip.instance` and GRUUs, and which
 * contacts count as this user's other devices.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalizeInstance, otherDevices, parseReginfo, type Reginfo } from '../../src/sip/bodies/reginfo.js';

function parsed(text: string): Reginfo {
  const r = parseReginfo(text);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value;
}

// RFC 3680 §6.
const RFC_EXAMPLE = `<?xml version="1.0"?>
<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="0" state="full">
  <registration aor="sip:user@example.com" id="as9" state="active">
    <contact id="76" state="active" event="registered" duration-registered="7322" q="0.8">
      <uri>sip:user@pc887.example.com</uri>
    </contact>
    <contact id="77" state="terminated" event="expired" duration-registered="3600" q="0.5">
      <uri>sip:user@university.edu</uri>
    </contact>
  </registration>
</reginfo>`;

const OWN = 'urn:uuid:00000000-0000-1000-8000-aabbccddeeff';

// Kamailio (pua_reginfo) for alice: this desk phone (two flows), a softphone with a GRUU, and an old contact.
const KAMAILIO = `<?xml version="1.0"?>
<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" xmlns:gr="urn:ietf:params:xml:ns:gruuinfo" version="12" state="full">
<registration aor="sip:alice@example.com" id="0x7f1e2c" state="active">
<contact id="0x7f1e30" state="active" event="registered" expires="3599" callid="a1" cseq="3">
<uri>sip:alice@192.0.2.10:5060;transport=tcp</uri>
<unknown-param name="+sip.instance">"&lt;urn:uuid:00000000-0000-1000-8000-AABBCCDDEEFF&gt;"</unknown-param>
<unknown-param name="reg-id">1</unknown-param>
</contact>
<contact id="0x7f1e31" state="active" event="refreshed" expires="3599">
<uri>sip:alice@192.0.2.10:5061;transport=tls</uri>
<unknown-param name="+sip.instance">&lt;urn:uuid:00000000-0000-1000-8000-aabbccddeeff&gt;</unknown-param>
<unknown-param name="reg-id">2</unknown-param>
</contact>
<contact id="0x7f1e40" state="active" event="created" expires="600">
<uri>sip:alice@198.51.100.7:40212;transport=tcp</uri>
<unknown-param name="+SIP.INSTANCE">"&lt;urn:uuid:11111111-2222-4333-8444-555555555555&gt;"</unknown-param>
<gr:pub-gruu uri="sip:alice@example.com;gr=urn:uuid:11111111-2222-4333-8444-555555555555"/>
</contact>
<contact id="0x7f1e41" state="active" event="created" expires="600">
<uri>sip:alice@198.51.100.7:40213;transport=tcp</uri>
<unknown-param name="+sip.instance">"&lt;urn:uuid:11111111-2222-4333-8444-555555555555&gt;"</unknown-param>
</contact>
<contact id="0x7f1e50" state="terminated" event="expired">
<uri>sip:alice@203.0.113.9:5060</uri>
</contact>
</registration>
</reginfo>`;

test('RFC 3680 example', () => {
  assert.deepEqual(parsed(RFC_EXAMPLE), {
    version: 0,
    state: 'full',
    registrations: [{
      aor: 'sip:user@example.com', id: 'as9', state: 'active',
      contacts: [
        { id: '76', state: 'active', event: 'registered', uri: 'sip:user@pc887.example.com' },
        { id: '77', state: 'terminated', event: 'expired', uri: 'sip:user@university.edu' },
      ],
    }],
  });
  // Contacts without an instance id are other devices; terminated ones are not.
  assert.deepEqual(otherDevices(parsed(RFC_EXAMPLE), OWN).map((d) => d.uri), ['sip:user@pc887.example.com']);
});

test('Kamailio: instance ids normalized, GRUU read, own device and duplicate flows left out', () => {
  const info = parsed(KAMAILIO);
  const contacts = info.registrations[0]?.contacts ?? [];
  assert.deepEqual(contacts.map((c) => c.instance), [OWN, OWN, 'urn:uuid:11111111-2222-4333-8444-555555555555', 'urn:uuid:11111111-2222-4333-8444-555555555555', undefined]);
  assert.equal(contacts[2]?.pubGruu, 'sip:alice@example.com;gr=urn:uuid:11111111-2222-4333-8444-555555555555');
  assert.equal(contacts[0]?.expires, 3599);
  const others = otherDevices(info, `<${OWN.toUpperCase()}>`);
  assert.deepEqual(others.map((d) => [d.aor, d.id]), [['sip:alice@example.com', '0x7f1e40']]);
  // Seen from the softphone, the desk phone (one device, two flows) is the other device.
  assert.deepEqual(otherDevices(info, '"<urn:uuid:11111111-2222-4333-8444-555555555555>"').map((d) => d.id), ['0x7f1e30']);
});

test('an instance element is read when there is no unknown-param', () => {
  const info = parsed(`<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="partial">
    <registration aor="sip:a@b" id="r" state="active"><contact id="c" state="active" event="registered">
      <uri>sip:a@h</uri><instance>&lt;urn:uuid:ABC&gt;</instance></contact></registration></reginfo>`);
  assert.equal(info.registrations[0]?.contacts[0]?.instance, 'urn:uuid:abc');
  assert.deepEqual(otherDevices(info, 'urn:uuid:abc'), []);
});

test('terminated registrations have no devices', () => {
  const info = parsed(RFC_EXAMPLE.replace('id="as9" state="active"', 'id="as9" state="terminated"'));
  assert.deepEqual(otherDevices(info, OWN), []);
});

test('normalizeInstance', () => {
  assert.equal(normalizeInstance(' "<urn:uuid:AB-CD>" '), 'urn:uuid:ab-cd');
  assert.equal(normalizeInstance('<urn:foo:Bar>'), 'urn:foo:Bar', 'only UUID URNs are case-folded');
  assert.equal(normalizeInstance('""'), undefined);
});

test('malformed reginfo is refused with the reason', () => {
  const reg = (regAttrs: string, contact = ''): string => `<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="full"><registration ${regAttrs}>${contact}</registration></reginfo>`;
  const cases: [string, RegExp][] = [
    ['<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" state="full"/>', /version/],
    ['<reginfo xmlns="urn:ietf:params:xml:ns:reginfo" version="1" state="half"/>', /state must be/],
    ['<reginfo version="1" state="full"/>', /not reginfo/],
    [reg('id="r" state="active"'), /lacks aor or id/],
    [reg('aor="sip:a@b" id="r" state="on"'), /init, active or terminated/],
    [reg('aor="sip:a@b" id="r" state="active"', '<contact id="c" state="active" event="registered"/>'), /lacks id, event or uri/],
    [reg('aor="sip:a@b" id="r" state="active"', '<contact id="c" state="gone" event="registered"><uri>sip:x@y</uri></contact>'), /contact c: state/],
  ];
  for (const [text, error] of cases) {
    const r = parseReginfo(text);
    assert.equal(r.ok, false, text);
    if (!r.ok) assert.match(r.error, error);
  }
});
