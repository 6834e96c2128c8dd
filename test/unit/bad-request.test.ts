import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildErrorResponse, hasTag, sanitizeReason, statelessTag } from '../../src/sip/bad-request.js';
import { get, getAll, isHeadError, parseHead, type ParsedHead } from '../../src/sip/message-head.js';
import { StreamFramer } from '../../src/sip/stream-framer.js';

const VIA1 = 'SIP/2.0/TCP proxy.example:5060;branch=z9hG4bK2d4790.1';
const VIA2 = 'SIP/2.0/TCP pc33.a.example;branch=z9hG4bK776asdhds;received=192.0.2.1';
const VIA3 = 'SIP/2.0/TLS pc34.a.example;branch=z9hG4bK9';
const FROM = '"Alice, A." <sip:alice@a.example>;tag=1928301774';
const TO = 'Bob <sip:bob@b.example>';
const CALL_ID = 'a84b4c76e66710@pc33.a.example';

function head(lines: readonly string[], startLine = 'INVITE sip:bob@b.example SIP/2.0'): ParsedHead {
  const r = parseHead([startLine, ...lines].join('\r\n'));
  if (isHeadError(r)) {
    if (r.head) return r.head;
    assert.fail(r.reason);
  }
  return r;
}

const FULL = [
  `Via: ${VIA1}`,
  `v: ${VIA2}, ${VIA3}`,
  'Max-Forwards: 69',
  `f: ${FROM}`,
  `To: ${TO}`,
  `i: ${CALL_ID}`,
  'CSeq: 314159 INVITE',
  'Contact: <sip:alice@pc33.a.example>',
  'Content-Type: application/sdp',
  'Content-Length: 142',
];

const TAG = /;tag=([0-9a-f]{16})\r\n/;

void test('copies Via (all, in order), From, To + tag, Call-ID, CSeq; Content-Length 0; nothing else', () => {
  const text = buildErrorResponse(head(FULL), 400, 'invalid Content-Length');
  assert.ok(text);
  const tag = TAG.exec(text)?.[1];
  assert.ok(tag);
  assert.equal(
    text,
    [
      'SIP/2.0 400 invalid Content-Length',
      `Via: ${VIA1}`,
      `Via: ${VIA2}, ${VIA3}`,
      `From: ${FROM}`,
      `To: ${TO};tag=${tag}`,
      `Call-ID: ${CALL_ID}`,
      'CSeq: 314159 INVITE',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  );
});

void test('the answer is itself a well-formed response to the same transaction', () => {
  const text = buildErrorResponse(head(FULL), 513, 'message head exceeds 65536 bytes', { serverHeader: 'sipdesk/0.1' });
  assert.ok(text);
  const r = parseHead(text);
  assert.ok(!isHeadError(r) && r.kind === 'response');
  assert.equal(r.status, 513);
  assert.equal(r.reason, 'message head exceeds 65536 bytes');
  assert.deepEqual(getAll(r, 'via'), [VIA1, `${VIA2}, ${VIA3}`]);
  assert.equal(get(r, 'cseq'), '314159 INVITE');
  assert.equal(get(r, 'server'), 'sipdesk/0.1');
  assert.equal(get(r, 'content-length'), '0');
  assert.equal(text.indexOf('\r\n\r\n'), text.length - 4);
});

void test('the To tag is the same for a retransmission and differs for another request (RFC 3261 §8.2.7)', () => {
  const tagOf = (lines: readonly string[]): string | undefined => TAG.exec(buildErrorResponse(head(lines), 400, 'x') ?? '')?.[1];
  const first = tagOf(FULL);
  assert.ok(first);
  assert.equal(tagOf(FULL), first);
  assert.notEqual(tagOf(FULL.map((l) => (l.startsWith('CSeq') ? 'CSeq: 314160 INVITE' : l))), first);
  assert.notEqual(tagOf(FULL.map((l) => (l.startsWith('i:') ? 'i: other' : l))), first);
  assert.equal(statelessTag(['a', 'b']), statelessTag(['a', 'b']));
  assert.notEqual(statelessTag(['a', 'b']), statelessTag(['ab', '']));
});

void test('a To that has a tag is copied unchanged; a tag inside <> is a URI parameter, not a tag', () => {
  const tagged = 'Bob <sip:bob@b.example>;tag=a6c85cf';
  const text = buildErrorResponse(head(FULL.map((l) => (l.startsWith('To:') ? `To: ${tagged}` : l))), 400, 'x');
  assert.match(text ?? '', new RegExp(`\\r\\nTo: ${tagged}\\r\\n`));
  assert.equal(hasTag(tagged), true);
  assert.equal(hasTag('sip:bob@b.example;TAG=1'), true);
  assert.equal(hasTag('<sip:bob@b.example;tag=1>'), false);
  assert.equal(hasTag('"x;tag=1" <sip:bob@b.example>'), false);
  assert.equal(hasTag('<sip:bob@b.example>;tagx=1'), false);
  assert.equal(hasTag('sip:bob@b.example'), false);
});

void test('no answer to a response, to an ACK, or without what a response needs', () => {
  assert.equal(buildErrorResponse(head(FULL, 'SIP/2.0 200 OK'), 400, 'x'), undefined);
  const ack = FULL.map((l) => (l.startsWith('CSeq') ? 'CSeq: 314159 ACK' : l));
  assert.equal(buildErrorResponse(head(ack, 'ACK sip:bob@b.example SIP/2.0'), 400, 'x'), undefined);
  for (const missing of [['Via:', 'v:'], ['f:'], ['To:'], ['i:'], ['CSeq:']]) {
    const lines = FULL.filter((l) => !missing.some((m) => l.startsWith(m)));
    assert.equal(buildErrorResponse(head(lines), 400, 'x'), undefined, missing.join());
  }
  const badCSeq = FULL.map((l) => (l.startsWith('CSeq') ? 'CSeq: many INVITE' : l));
  assert.equal(buildErrorResponse(head(badCSeq), 400, 'invalid CSeq'), undefined);
  const emptyCallId = FULL.map((l) => (l.startsWith('i:') ? 'i:' : l));
  assert.equal(buildErrorResponse(head(emptyCallId), 400, 'x'), undefined);
});

void test('only error statuses 400-699', () => {
  for (const status of [100, 200, 399, 700, 400.5]) assert.equal(buildErrorResponse(head(FULL), status, 'x'), undefined);
  assert.match(buildErrorResponse(head(FULL), 699, 'x') ?? '', /^SIP\/2\.0 699 x\r\n/);
});

void test('the reason is one bounded line of printable ASCII; empty falls back to the standard phrase', () => {
  const injected = buildErrorResponse(head(FULL), 400, 'bad\r\nContent-Length: 10\r\n\r\nBODY');
  assert.ok(injected);
  assert.equal(injected.split('\r\n')[0], 'SIP/2.0 400 bad Content-Length: 10 BODY');
  assert.equal(injected.split('\r\n').length, 10);
  assert.equal(sanitizeReason('  a \t\u0000 b\u2028c  '), 'a b c');
  assert.equal(sanitizeReason('café 😀'), 'caf? ?');
  assert.equal(sanitizeReason('x'.repeat(500)), `${'x'.repeat(117)}...`);
  assert.equal(sanitizeReason('x'.repeat(120)), 'x'.repeat(120));
  assert.match(buildErrorResponse(head(FULL), 400, '\r\n') ?? '', /^SIP\/2\.0 400 Bad Request\r\n/);
  assert.match(buildErrorResponse(head(FULL), 505, '') ?? '', /^SIP\/2\.0 505 Version Not Supported\r\n/);
  assert.match(buildErrorResponse(head(FULL), 413, '') ?? '', /^SIP\/2\.0 413 Request Entity Too Large\r\n/);
  assert.match(buildErrorResponse(head(FULL), 513, '') ?? '', /^SIP\/2\.0 513 Message Too Large\r\n/);
});

void test('Warning: 399 only when a warn-agent is given, with the reason quoted', () => {
  assert.doesNotMatch(buildErrorResponse(head(FULL), 400, 'x') ?? '', /Warning/);
  const text = buildErrorResponse(head(FULL), 400, 'bad "quote" \\ here', { warningAgent: 'phone.example:5061' });
  assert.match(text ?? '', /\r\nWarning: 399 phone\.example:5061 "bad \\"quote\\" \\\\ here"\r\n/);
});

void test('extra headers are added when they are single safe lines that do not replace ours', () => {
  const text = buildErrorResponse(head(FULL), 405, 'Method Not Allowed', {
    extraHeaders: ['Allow: INVITE, ACK, BYE', 'Content-Length: 5', 'l: 5', 'Via: x', 'X-A: 1\r\nX-B: 2', 'no colon', ' X: y'],
  });
  assert.ok(text);
  const lines = text.split('\r\n');
  assert.deepEqual(lines.slice(-4), ['Allow: INVITE, ACK, BYE', 'Content-Length: 0', '', '']);
  assert.equal(lines.filter((l) => /^(Content-Length|l):/i.test(l)).length, 1);
  assert.doesNotMatch(text, /X-A|X-B|no colon|Via: x/);
});

void test('a 505 for another SIP version still answers SIP/2.0', () => {
  const h = head(FULL, 'INVITE sip:bob@b.example SIP/3.0');
  assert.match(buildErrorResponse(h, 505, 'unsupported SIP version: SIP/3.0') ?? '', /^SIP\/2\.0 505 unsupported SIP version: SIP\/3\.0\r\n/);
});

void test('end to end: a request with a bad header from the framer is answered 400 with the reason', () => {
  const wire = ['OPTIONS sip:bob@b.example SIP/2.0', `Via: ${VIA1}`, `From: ${FROM}`, `To: ${TO}`, `Call-ID: ${CALL_ID}`,
    'CSeq: 1 OPTIONS', 'Broken header', 'Content-Length: 0', '', ''].join('\r\n');
  const [ev] = new StreamFramer().push(Buffer.from(wire));
  assert.ok(ev?.type === 'error' && ev.head);
  const text = buildErrorResponse(ev.head, ev.status, ev.error.reason);
  assert.match(text ?? '', /^SIP\/2\.0 400 header line without colon: Broken header\r\nVia: /);
});
