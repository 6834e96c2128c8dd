// The dev PBX's SIP message parser, serializer and stream framer (sim/pbx/message.ts, transport.ts): known
// messages, every documented rejection, and properties: random bytes never throw, valid messages survive a
// serialize/parse round trip, and a stream cut into arbitrary chunks frames into the same messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatNameAddr, formatUri, getHeader, getHeaderValues, makeResponse, parseCSeq, parseMessage, parseNameAddr, parseUri,
  parseVia, serialize, splitList, MAX_MESSAGE_BYTES, type SipRequest,
} from '../../sim/pbx/message.js';
import { StreamFramer } from '../../sim/pbx/transport.js';

const INVITE = [
  'INVITE sip:bob@example.com SIP/2.0',
  'v: SIP/2.0/TCP 192.0.2.1:5060;branch=z9hG4bK776asdhds, SIP/2.0/UDP 192.0.2.9;branch=z9hG4bKx',
  'Max-Forwards: 70',
  'f: "Alice, the first" <sip:alice@example.com>;tag=1928301774',
  't: <sip:bob@example.com>',
  'i: a84b4c76e66710@pc33.example.com',
  'CSeq: 314159 INVITE',
  'm: <sip:alice@192.0.2.1:5060;transport=tcp;ob>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1',
  'Subject: folded',
  '  over two lines',
  'c: application/sdp',
  'l: 4',
  '',
  'v=0\r\nEXTRA',
].join('\r\n');

test('parses a request with compact header names, folding, lists and a body cut at Content-Length', () => {
  const r = parseMessage(Buffer.from(INVITE, 'latin1'));
  assert.ok(r.ok, r.ok ? '' : r.reason);
  const m = r.message as SipRequest;
  assert.equal(m.kind, 'request');
  assert.equal(m.method, 'INVITE');
  assert.equal(m.uri, 'sip:bob@example.com');
  assert.equal(getHeaderValues(m, 'Via').length, 2);
  assert.equal(getHeader(m, 'Call-ID'), 'a84b4c76e66710@pc33.example.com');
  assert.equal(getHeader(m, 'subject'), 'folded over two lines');
  assert.equal(m.body.toString(), 'v=0\r');
  const from = parseNameAddr(getHeader(m, 'From')!)!;
  assert.equal(from.display, 'Alice, the first');
  assert.equal(from.params.get('tag'), '1928301774');
  const contact = parseNameAddr(getHeader(m, 'Contact')!)!;
  assert.equal(contact.params.get('reg-id'), '1');
  assert.equal(contact.params.get('+sip.instance'), '"<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"');
  assert.equal(parseUri(contact.uri)?.params.has('ob'), true);
});

test('URIs, name-addrs, Via and CSeq: parse and format', () => {
  const u = parseUri('sip:alice@127.0.0.1:5070;transport=TCP;lr?Subject=x');
  assert.deepEqual([u?.user, u?.host, u?.port, u?.params.get('transport'), u?.params.get('lr'), u?.headers], ['alice', '127.0.0.1', 5070, 'TCP', '', 'Subject=x']);
  assert.equal(formatUri(u!), 'sip:alice@127.0.0.1:5070;transport=TCP;lr?Subject=x');
  assert.equal(parseUri('sip:alice@host:99999'), undefined, 'port out of range');
  assert.equal(parseUri('http://example.com'), undefined);
  assert.equal(parseUri('sip:[::1]:5060')?.host, '[::1]');
  // addr-spec: the ;tag belongs to the header, not the URI
  const a = parseNameAddr('sip:bob@example.com;tag=abc')!;
  assert.equal(a.uri, 'sip:bob@example.com');
  assert.equal(a.params.get('tag'), 'abc');
  assert.equal(formatNameAddr({ display: 'Bob "B"', uri: 'sip:b@x', params: new Map([['tag', '1']]) }), '"Bob \\"B\\"" <sip:b@x>;tag=1');
  assert.equal(parseNameAddr('"unterminated <sip:x@y'), undefined);
  const via = parseVia('SIP/2.0/UDP 10.0.0.1:5060;branch=z9hG4bK1;rport')!;
  assert.deepEqual([via.transport, via.host, via.port, via.params.get('rport')], ['UDP', '10.0.0.1', 5060, '']);
  assert.equal(parseVia('SIP/3.0/UDP host'), undefined);
  assert.deepEqual(parseCSeq('12 invite'), { seq: 12, method: 'invite' });
  assert.equal(parseCSeq('99999999999 INVITE'), undefined, 'CSeq numbers are below 2^31');
  assert.deepEqual(splitList('<sip:a@b;x=1,2>, "x,y" <sip:c@d>,sip:e@f'), ['<sip:a@b;x=1,2>', '"x,y" <sip:c@d>', 'sip:e@f']);
});

test('rejections name the problem, and a request readable enough comes back as partial (for a 400)', () => {
  const base = (lines: string[]): Buffer => Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1');
  const ok = ['OPTIONS sip:x@y SIP/2.0', 'Via: SIP/2.0/UDP h;branch=z9hG4bK1', 'From: <sip:a@b>;tag=1', 'To: <sip:x@y>', 'Call-ID: c', 'CSeq: 1 OPTIONS'];
  assert.ok(parseMessage(base(ok)).ok);
  const cases: [string[], RegExp, boolean][] = [
    [ok.filter((l) => !l.startsWith('Call-ID')), /^Missing Call-ID$/, true],
    [ok.filter((l) => !l.startsWith('Via')), /^Missing Via$/, false],
    [[...ok, 'CSeq: 2 OPTIONS'], /^Duplicate CSeq$/, true],
    [ok.map((l) => (l.startsWith('CSeq') ? 'CSeq: 1 INVITE' : l)), /CSeq method/, true],
    [ok.map((l) => (l.startsWith('From') ? 'From: <sip:a@b' : l)), /Malformed From/, true],
    [ok.map((l) => (l.startsWith('Via') ? 'Via: nonsense' : l)), /Malformed Via/, false],
    [[...ok, 'Max-Forwards: lots'], /Bad Max-Forwards/, true],
    [[...ok, 'Content-Length: 5'], /Content-Length larger/, true],
    [[...ok, 'Content-Length: -1'], /Bad Content-Length/, true],
    [[...ok, 'no colon here'], /Malformed header line/, true],
    [['GARBAGE', ...ok.slice(1)], /Malformed start line/, false],
    [ok.map((l) => (l.startsWith('OPTIONS') ? 'OPTIONS mailto:x@y SIP/2.0' : l)), /URI scheme/, true],
  ];
  for (const [lines, reason, partial] of cases) {
    const r = parseMessage(base(lines));
    assert.equal(r.ok, false, lines.join(' | '));
    if (r.ok) continue;
    assert.match(r.reason, reason);
    assert.equal(r.partial !== undefined, partial, `partial for ${r.reason}`);
  }
  assert.equal(parseMessage(Buffer.alloc(MAX_MESSAGE_BYTES + 1, 0x41)).ok, false);
});

test('makeResponse copies Via, From, To, Call-ID, CSeq and adds a To tag to a final answer only', () => {
  const r = parseMessage(Buffer.from(INVITE, 'latin1'));
  assert.ok(r.ok && r.message.kind === 'request');
  const trying = makeResponse(r.message, 100, 'Trying', 'tag1');
  assert.equal(getHeader(trying, 'To'), '<sip:bob@example.com>');
  const ok = makeResponse(r.message, 200, 'OK', 'tag1');
  assert.equal(getHeader(ok, 'To'), '<sip:bob@example.com>;tag=tag1');
  assert.deepEqual(getHeaderValues(ok, 'Via'), getHeaderValues(r.message, 'Via'));
  assert.match(serialize(ok).toString(), /^SIP\/2\.0 200 OK\r\n[\s\S]*Content-Length: 0\r\n\r\n$/);
});

test('property: parseMessage never throws on random bytes (and on random SIP-looking text)', () => {
  fc.assert(fc.property(fc.uint8Array({ maxLength: 3000 }), (bytes) => {
    parseMessage(Buffer.from(bytes));
  }), { numRuns: 2000 });
  const line = fc.stringMatching(/^[A-Za-z:;=<>@" \-./0-9\r\n]{0,60}$/);
  fc.assert(fc.property(fc.array(line, { maxLength: 12 }), (lines) => {
    parseMessage(Buffer.from(['INVITE sip:a@b SIP/2.0', ...lines, '', ''].join('\r\n')));
  }), { numRuns: 1000 });
});

const token = fc.stringMatching(/^[a-z0-9]{1,12}$/);
const validRequest = fc.record({
  method: fc.constantFrom('INVITE', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'PUBLISH', 'MESSAGE', 'BYE'),
  user: token,
  host: token,
  branch: token,
  tag: token,
  callId: token,
  seq: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  extra: fc.array(fc.tuple(fc.constantFrom('X-One', 'Subject', 'Event', 'Expires'), fc.stringMatching(/^[!-~][ -~]{0,40}[!-~]$/)), { maxLength: 4 }),
  body: fc.uint8Array({ maxLength: 300 }),
});

test('property: a valid request survives serialize → parse unchanged', () => {
  fc.assert(fc.property(validRequest, (v) => {
    const msg: SipRequest = {
      kind: 'request', method: v.method, uri: `sip:${v.user}@${v.host}`, body: Buffer.from(v.body),
      headers: [
        { name: 'Via', value: `SIP/2.0/TCP ${v.host}:5060;branch=z9hG4bK${v.branch}` },
        { name: 'From', value: `<sip:${v.user}@${v.host}>;tag=${v.tag}` },
        { name: 'To', value: `<sip:${v.user}@${v.host}>` },
        { name: 'Call-ID', value: v.callId },
        { name: 'CSeq', value: `${v.seq} ${v.method}` },
        ...v.extra.map(([name, value]) => ({ name, value })),
      ],
    };
    const r = parseMessage(serialize(msg));
    assert.ok(r.ok, r.ok ? '' : r.reason);
    const back = r.message as SipRequest;
    assert.equal(back.method, msg.method);
    assert.equal(back.uri, msg.uri);
    assert.deepEqual(back.headers.filter((h) => h.name !== 'Content-Length'), msg.headers);
    assert.deepEqual(back.body, msg.body);
  }), { numRuns: 500 });
});

test('property: the stream framer gives the same messages and pings however the stream is chunked', () => {
  const message = (n: number): Buffer => serialize({
    kind: 'request', method: 'OPTIONS', uri: 'sip:x@y', body: Buffer.from('b'.repeat(n)),
    headers: [{ name: 'Via', value: 'SIP/2.0/TCP h;branch=z9hG4bK1' }, { name: 'Call-ID', value: `c${n}` }],
  });
  const unit = fc.oneof(fc.integer({ min: 0, max: 200 }).map((n) => ({ kind: 'msg' as const, n })), fc.constant({ kind: 'ping' as const, n: 0 }));
  fc.assert(fc.property(fc.array(unit, { minLength: 1, maxLength: 8 }), fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 30 }), (units, cuts) => {
    const stream = Buffer.concat(units.map((u) => (u.kind === 'ping' ? Buffer.from('\r\n\r\n') : message(u.n))));
    const framer = new StreamFramer();
    const frames = [];
    let at = 0;
    for (let i = 0; at < stream.length; i++) {
      const len = cuts[i % cuts.length]!;
      frames.push(...framer.push(stream.subarray(at, at + len)));
      at += len;
    }
    const got = frames.map((f) => (f.type === 'ping' ? 'ping' : f.type === 'message' ? f.bytes.toString() : `error ${f.reason}`));
    assert.deepEqual(got, units.map((u) => (u.kind === 'ping' ? 'ping' : message(u.n).toString())));
  }), { numRuns: 300 });
});

test('the stream framer refuses what it cannot frame: no Content-Length, a huge one, endless headers', () => {
  const noLength = new StreamFramer().push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP h\r\n\r\n'));
  assert.deepEqual(noLength.map((f) => f.type === 'error' && f.reason), ['Missing Content-Length']);
  const huge = new StreamFramer().push(Buffer.from('OPTIONS sip:x SIP/2.0\r\nContent-Length: 99999999\r\n\r\n'));
  assert.deepEqual(huge.map((f) => f.type === 'error' && f.reason), ['Message Too Large']);
  const framer = new StreamFramer();
  assert.deepEqual(framer.push(Buffer.from('OPTIONS sip:x SIP/2.0\r\n')), []);
  const endless = framer.push(Buffer.from('X: y\r\n'.repeat(4000)));
  assert.deepEqual(endless.map((f) => f.type === 'error' && f.reason), ['Headers too long']);
  // A lone CRLF (a pong) between messages is skipped, not taken for a message.
  const pong = new StreamFramer().push(Buffer.from('\r\nOPTIONS sip:x SIP/2.0\r\nl: 0\r\n\r\n'));
  assert.deepEqual(pong.map((f) => f.type), ['message']);
});
