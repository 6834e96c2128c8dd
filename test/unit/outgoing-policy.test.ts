import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createOutgoingPolicy, stripIceFeatureTag } from '../../src/sip/outgoing-policy.js';
import { ALLOWED_METHODS, ACCEPTED_BODIES } from '../../src/sip/capabilities.js';

const policy = createOutgoingPolicy({ allow: ALLOWED_METHODS, accept: ACCEPTED_BODIES, viaHost: '10.0.0.5', viaPort: 5072, server: 'sipdesk/0.1.0' });

// What JsSIP 3.13.8 really writes for a REGISTER (Registrator.js + SIPMessage.js).
const register = [
  'REGISTER sip:example.com SIP/2.0',
  'Via: SIP/2.0/TCP 10.0.0.5;branch=z9hG4bK123',
  'Max-Forwards: 69',
  'To: <sip:alice@example.com>',
  'From: <sip:alice@example.com>;tag=abc',
  'Call-ID: x1',
  'CSeq: 1 REGISTER',
  'Contact: <sip:alice@10.0.0.5:5072;transport=tcp>;+sip.ice;reg-id=1;+sip.instance="<urn:uuid:6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01>";expires=600;audio;methods="INVITE,ACK"',
  'Expires: 600',
  'Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY,SUBSCRIBE',
  'Supported: path,gruu,outbound',
  'User-Agent: sipdesk/0.1.0',
  'Content-Length: 0',
  '',
  '',
].join('\r\n');

test('REGISTER: no +sip.ice, no MESSAGE in Allow, Via gets our port, the rest untouched', () => {
  const out = policy(register);
  assert.doesNotMatch(out, /sip\.ice/);
  assert.match(out, /\r\nAllow: INVITE,ACK,CANCEL,BYE,OPTIONS,INFO,NOTIFY,REFER,UPDATE\r\n/);
  assert.doesNotMatch(out, /MESSAGE|SUBSCRIBE/);
  assert.match(out, /\r\nVia: SIP\/2\.0\/TCP 10\.0\.0\.5:5072;branch=z9hG4bK123\r\n/);
  assert.match(out, /;reg-id=1;\+sip\.instance="<urn:uuid:6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01>";expires=600;audio;/);
  assert.match(out, /\r\nSupported: path, gruu, outbound\r\n/);
  assert.ok(out.endsWith('Content-Length: 0\r\n\r\n'));
});

test('INVITE: Supported loses ice and keeps the rest; body untouched', () => {
  const body = 'v=0\r\na=ice-ufrag:not-a-header\r\n';
  const msg = `INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.5;branch=z9hG4bKa\r\nSupported: timer,ice,replaces,outbound\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
  const out = policy(msg);
  assert.match(out, /\r\nSupported: timer, replaces, outbound\r\n/);
  assert.ok(out.endsWith(`\r\n\r\n${body}`));
});

test('responses: Allow and Accept replaced once; Vias (the requester\'s) untouched', () => {
  const msg = [
    'SIP/2.0 405 Method Not Allowed',
    'Via: SIP/2.0/TCP 10.0.0.5;branch=z9hG4bKproxy',
    'Via: SIP/2.0/TCP 10.0.0.9;branch=z9hG4bKuac',
    'Allow: INVITE,ACK,CANCEL,BYE,UPDATE,MESSAGE,OPTIONS,REFER,INFO,NOTIFY,SUBSCRIBE',
    'Accept: application/sdp, application/dtmf-relay',
    'Allow: MESSAGE',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const out = policy(msg);
  assert.equal(out.match(/\r\nAllow:/g)?.length, 1);
  assert.match(out, /\r\nAccept: application\/sdp, application\/dtmf-relay, message\/sipfrag\r\n/);
  assert.match(out, /\r\nVia: SIP\/2\.0\/TCP 10\.0\.0\.5;branch=z9hG4bKproxy\r\n/);
  assert.match(out, /\r\nServer: sipdesk\/0\.1\.0\r\n\r\n$/);
  assert.doesNotMatch(policy(register), /\r\nServer:/, 'requests carry User-Agent, not Server');
});

test('several Supported headers become one, deduplicated, at the first one\'s place', () => {
  const msg = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\nSupported: replaces, timer, gruu, outbound\r\nCSeq: 1 OPTIONS\r\nSupported: outbound\r\nContent-Length: 0\r\n\r\n';
  const out = policy(msg);
  assert.match(out, /\r\nSupported: replaces, timer, gruu, outbound\r\nCSeq: 1 OPTIONS\r\nContent-Length/);
  assert.equal(policy('SIP/2.0 200 OK\r\nSupported: ice\r\nContent-Length: 0\r\n\r\n'), 'SIP/2.0 200 OK\r\nContent-Length: 0\r\nServer: sipdesk/0.1.0\r\n\r\n');
});

test('keep-alives pass through untouched', () => {
  assert.equal(policy('\r\n\r\n'), '\r\n\r\n');
  assert.equal(policy('\r\n'), '\r\n');
});

test('stripIceFeatureTag handles values and position', () => {
  assert.equal(stripIceFeatureTag('<sip:a@b>;+sip.ice'), '<sip:a@b>');
  assert.equal(stripIceFeatureTag('<sip:a@b>;+sip.ice="x";expires=1'), '<sip:a@b>;expires=1');
  assert.equal(stripIceFeatureTag('<sip:a@b>;+sip.icex'), '<sip:a@b>;+sip.icex');
});

test('a message without Content-Length gets one (JsSIP\'s sanity-check answers lack it)', () => {
  const msg = 'SIP/2.0 416 Unsupported URI Scheme\r\nVia: SIP/2.0/TCP h;branch=z9hG4bKx\r\nCSeq: 1 INVITE\r\n\r\n';
  assert.match(policy(msg), /\r\nContent-Length: 0\r\n\r\n$/);
  assert.equal(policy(register).match(/Content-Length/g)?.length, 1, 'not added twice');
});

test('SUBSCRIBE keeps its own Accept (the event package\'s documents, RFC 6665 §3.1.2); other requests get ours', () => {
  const sub = 'SUBSCRIBE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.5;branch=z9hG4bKs\r\nEvent: presence\r\nAccept: application/pidf+xml\r\nContent-Length: 0\r\n\r\n';
  assert.match(policy(sub), /\r\nAccept: application\/pidf\+xml\r\n/);
  const info = 'INFO sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/TCP 10.0.0.5;branch=z9hG4bKi\r\nAccept: application/pidf+xml\r\nContent-Length: 0\r\n\r\n';
  assert.doesNotMatch(policy(info), /Accept: application\/pidf\+xml/);
});
