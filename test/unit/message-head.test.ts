import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  canonicalName,
  contentLengthOf,
  get,
  getAll,
  getList,
  isHeadError,
  parseCSeq,
  parseHead,
  splitHeaderValues,
  type HeadError,
  type ParsedHead,
} from '../../src/sip/message-head.js';

const CRLF = '\r\n';

function request(lines: readonly string[], startLine = 'INVITE sip:bob@b.example SIP/2.0'): string {
  return [startLine, ...lines].join(CRLF) + CRLF + CRLF;
}

const BASIC = [
  'Via: SIP/2.0/TCP a.example:5060;branch=z9hG4bK776asdhds',
  'From: Alice <sip:alice@a.example>;tag=1928301774',
  'To: Bob <sip:bob@b.example>',
  'Call-ID: a84b4c76e66710@pc33.a.example',
  'CSeq: 314159 INVITE',
  'Content-Length: 0',
];

function ok(text: string): ParsedHead {
  const r = parseHead(text);
  if (isHeadError(r)) assert.fail(`unexpected error: ${r.reason}`);
  return r;
}

function err(text: string): HeadError {
  const r = parseHead(text);
  if (!isHeadError(r)) assert.fail(`expected an error for ${JSON.stringify(text)}`);
  return r;
}

void test('parses a request line and its header fields, names as written and canonical', () => {
  const h = ok(request(BASIC));
  assert.equal(h.kind, 'request');
  if (h.kind !== 'request') return;
  assert.equal(h.method, 'INVITE');
  assert.equal(h.requestUri, 'sip:bob@b.example');
  assert.equal(h.version, 'SIP/2.0');
  assert.deepEqual(h.headers[0], {
    name: 'Via',
    canonical: 'via',
    value: 'SIP/2.0/TCP a.example:5060;branch=z9hG4bK776asdhds',
  });
  assert.deepEqual(
    h.headers.map((f) => f.canonical),
    ['via', 'from', 'to', 'call-id', 'cseq', 'content-length'],
  );
});

void test('parses a status line; the reason phrase keeps its spaces and may be empty', () => {
  const h = ok('SIP/2.0 183 Session  Progress\r\nCSeq: 1 INVITE\r\n\r\n');
  assert.deepEqual(
    { kind: h.kind, status: h.kind === 'response' ? h.status : 0, reason: h.kind === 'response' ? h.reason : '' },
    { kind: 'response', status: 183, reason: 'Session  Progress' },
  );
  const empty = ok('SIP/2.0 200 \r\n\r\n');
  assert.equal(empty.kind === 'response' ? empty.reason : undefined, '');
  // a response's CSeq may name any method
  assert.equal(ok('SIP/2.0 200 OK\r\nCSeq: 7 BYE\r\n\r\n').kind, 'response');
});

void test('expands every compact form to the long lower-case name', () => {
  const compact: Record<string, string> = {
    i: 'call-id', l: 'content-length', v: 'via', f: 'from', t: 'to', m: 'contact', c: 'content-type',
    e: 'content-encoding', k: 'supported', s: 'subject', o: 'event', r: 'refer-to', b: 'referred-by',
    u: 'allow-events', x: 'session-expires', a: 'accept-contact', j: 'reject-contact',
    d: 'request-disposition', y: 'identity', n: 'identity-info',
  };
  for (const [short, long] of Object.entries(compact)) {
    assert.equal(canonicalName(short), long);
    assert.equal(canonicalName(short.toUpperCase()), long);
  }
  assert.equal(canonicalName('X-Custom'), 'x-custom');
  const h = ok('SIP/2.0 200 OK\r\nI: abc\r\nL: 0\r\n\r\n');
  assert.deepEqual(h.headers, [
    { name: 'I', canonical: 'call-id', value: 'abc' },
    { name: 'L', canonical: 'content-length', value: '0' },
  ]);
});

void test('unfolds continuation lines into one SP and trims values', () => {
  const h = ok(request([...BASIC, 'Subject:   first\r\n  second \r\n\tthird  ', 'X-Empty:\r\n later', 'X-None:   ']));
  assert.equal(get(h, 'subject'), 'first second third');
  assert.equal(get(h, 'x-empty'), 'later');
  assert.equal(get(h, 'x-none'), '');
});

void test('white space before the colon is allowed (HCOLON)', () => {
  const h = ok(request([...BASIC, 'Subject \t: hi']));
  assert.deepEqual(h.headers.at(-1), { name: 'Subject', canonical: 'subject', value: 'hi' });
});

void test('ignores the body after the blank line and accepts a head without its blank line', () => {
  const withBody = ok(`${request(BASIC)}v=0\r\nX: y\r\n`);
  assert.equal(withBody.headers.length, BASIC.length);
  const bare = ok(['SIP/2.0 200 OK', 'Call-ID: x'].join(CRLF));
  assert.equal(get(bare, 'call-id'), 'x');
  const oneCrlf = ok(`SIP/2.0 200 OK${CRLF}Call-ID: x${CRLF}`);
  assert.equal(get(oneCrlf, 'call-id'), 'x');
});

void test('get/getAll/getList accept any spelling and keep order', () => {
  const h = ok(
    request([
      'v: SIP/2.0/TCP p1.example;branch=z9hG4bK1',
      'Via: SIP/2.0/TCP p2.example;branch=z9hG4bK2, SIP/2.0/TCP p3.example;branch=z9hG4bK3',
      ...BASIC.slice(1),
    ]),
  );
  assert.equal(get(h, 'Via'), 'SIP/2.0/TCP p1.example;branch=z9hG4bK1');
  assert.equal(get(h, 'V'), 'SIP/2.0/TCP p1.example;branch=z9hG4bK1');
  assert.equal(get(h, 'l'), '0');
  assert.equal(get(h, 'Content-Length'), '0');
  assert.equal(get(h, 'route'), undefined);
  assert.deepEqual(getAll(h, 'via'), [
    'SIP/2.0/TCP p1.example;branch=z9hG4bK1',
    'SIP/2.0/TCP p2.example;branch=z9hG4bK2, SIP/2.0/TCP p3.example;branch=z9hG4bK3',
  ]);
  assert.deepEqual(getList(h, 'via'), [
    'SIP/2.0/TCP p1.example;branch=z9hG4bK1',
    'SIP/2.0/TCP p2.example;branch=z9hG4bK2',
    'SIP/2.0/TCP p3.example;branch=z9hG4bK3',
  ]);
  assert.deepEqual(getAll(h, 'contact'), []);
});

void test('malformed start lines are errors without a head, but the headers are still read', () => {
  const bad = [
    'INVITE  sip:bob@b.example SIP/2.0', // two spaces
    'INVITE sip:bob@b.example SIP/2.0 ', // trailing space
    'INVITE sip:bob@b.example', // no version
    'INV@TE sip:bob@b.example SIP/2.0', // method not a token
    'INVITE bob SIP/2.0', // Request-URI without scheme
    'INVITE sip:bob@b.example\tSIP/2.0',
    'INVITE sip:bob@b.example HTTP/1.1',
    'GET / HTTP/1.1',
    'SIP/2.0 99 Too Low',
    'SIP/2.0 700 Too High',
    'SIP/2.0 2000 Long',
    'SIP/2.0 200', // the SP before the (empty) reason phrase is required
    'SIP/2.0 20x OK',
    'SIP/2 200 OK',
    'hello world',
    '\u0000\u0001binary',
  ];
  for (const line of bad) {
    const e = err(`${line}\r\nCall-ID: x\r\nl: 3\r\n\r\n`);
    assert.equal(e.head, undefined, line);
    assert.equal(e.status, 400, line);
    assert.match(e.reason, /^malformed start line: /, line);
    assert.doesNotMatch(e.reason, /[\x00-\x1f]/, line);
    assert.deepEqual(contentLengthOf(e), { kind: 'value', value: 3 }, line);
  }
  assert.equal(err('\r\n\r\n').reason, 'empty message head');
  assert.equal(err('').reason, 'empty message head');
});

void test('another SIP version: a request gets 505 with its head, a response an error', () => {
  const e = err(request(BASIC, 'INVITE sip:bob@b.example SIP/3.0'));
  assert.equal(e.status, 505);
  assert.equal(e.reason, 'unsupported SIP version: SIP/3.0');
  assert.equal(e.head?.kind, 'request');
  assert.equal(e.head && get(e.head, 'call-id'), 'a84b4c76e66710@pc33.a.example');
  const r = err('SIP/1.0 200 OK\r\n\r\n');
  assert.equal(r.head?.kind, 'response');
  // the version token is case-insensitive
  assert.equal(ok(request(BASIC, 'INVITE sip:bob@b.example sip/2.0')).version, 'sip/2.0');
});

void test('a header line without colon is reported, skipped, and the head is kept', () => {
  const e = err(request([...BASIC.slice(0, 2), 'Garbage line here', ' its continuation', ...BASIC.slice(2)]));
  assert.equal(e.reason, 'header line without colon: Garbage line here');
  assert.equal(e.status, 400);
  assert.ok(e.head);
  assert.deepEqual(
    e.head.headers.map((f) => f.canonical),
    ['via', 'from', 'to', 'call-id', 'cseq', 'content-length'],
  );
});

void test('header names must be tokens; continuation needs a field; no bare CR/LF or NUL', () => {
  assert.equal(err(request([...BASIC, 'Bad Name: x'])).reason, 'invalid header name: Bad Name');
  assert.equal(err(request([...BASIC, ': x'])).reason, 'invalid header name: ');
  assert.equal(err(request([' folded', ...BASIC])).reason, 'continuation line without header field');
  assert.equal(err(request([...BASIC, 'Subject: a\nInjected: b'])).reason, 'bare CR or LF in message head');
  assert.equal(err(request([...BASIC, 'Subject: a\rb'])).reason, 'bare CR or LF in message head');
  assert.equal(err(request([...BASIC, 'Subject: a\u0000b'])).reason, 'NUL byte in message head');
});

void test('error reasons quote offending input in one bounded printable line', () => {
  const e = err(request([...BASIC, `${'x'.repeat(1000)}\u0007`]));
  assert.equal(e.reason, `header line without colon: ${'x'.repeat(40)}…`);
});

void test('Content-Length: one non-negative integer; equal repeats accepted, different ones rejected', () => {
  const without = BASIC.filter((l) => !l.startsWith('Content-Length'));
  for (const v of ['-1', 'abc', '1.5', '', '+5', '5, 5', '0x10', '1 2', '1234567890123456']) {
    assert.equal(err(request([...without, `Content-Length: ${v}`])).reason, 'invalid Content-Length', v);
  }
  assert.equal(err(request([...without, 'Content-Length: 5', 'l: 6'])).reason, 'conflicting Content-Length values');
  const twice = ok(request([...without, 'Content-Length: 5', 'l: 005']));
  assert.deepEqual(contentLengthOf(twice), { kind: 'value', value: 5 });
  assert.deepEqual(contentLengthOf(ok(request(without))), { kind: 'absent' });
  assert.deepEqual(contentLengthOf(ok(request([...without, 'l:\r\n 12']))), { kind: 'value', value: 12 });
});

void test('CSeq: number below 2^31 and, in a request, the request method', () => {
  const without = BASIC.filter((l) => !l.startsWith('CSeq'));
  assert.equal(get(ok(request([...without, 'CSeq: 2147483647 INVITE'])), 'cseq'), '2147483647 INVITE');
  for (const v of ['2147483648 INVITE', 'x INVITE', '1', 'INVITE', '1 INVITE extra', '-1 INVITE', '1 INV@TE']) {
    assert.equal(err(request([...without, `CSeq: ${v}`])).reason, 'invalid CSeq', v);
  }
  assert.equal(err(request([...without, 'CSeq: 1 BYE'])).reason, 'CSeq method does not match request method');
  // methods are case-sensitive (RFC 3261 §7.1)
  assert.equal(err(request([...without, 'CSeq: 1 invite'])).reason, 'CSeq method does not match request method');
  assert.deepEqual(parseCSeq(' 42 \t OPTIONS '), { seq: 42, method: 'OPTIONS' });
  assert.equal(parseCSeq('4294967296 OPTIONS'), undefined);
});

void test('Call-ID, From, To and CSeq must not repeat', () => {
  assert.equal(err(request([...BASIC, 'i: other'])).reason, 'multiple call-id header fields');
  assert.equal(err(request([...BASIC, 'f: <sip:x@y>;tag=2'])).reason, 'multiple from header fields');
  assert.equal(err(request([...BASIC, 'To: <sip:x@y>'])).reason, 'multiple to header fields');
  assert.equal(err(request([...BASIC, 'CSeq: 314159 INVITE'])).reason, 'multiple cseq header fields');
});

void test('only the first error is reported', () => {
  const e = err(request([...BASIC, 'no colon', 'Content-Length: x']));
  assert.equal(e.reason, 'header line without colon: no colon');
});

void test('splitHeaderValues respects quotes, escapes and angle brackets', () => {
  assert.deepEqual(splitHeaderValues('"Doe, John" <sip:j@x;a=1,2>;q=0.5 , <sip:k@y>'), [
    '"Doe, John" <sip:j@x;a=1,2>;q=0.5',
    '<sip:k@y>',
  ]);
  assert.deepEqual(splitHeaderValues('"a \\" , b" <sip:x>, sip:y'), ['"a \\" , b" <sip:x>', 'sip:y']);
  assert.deepEqual(splitHeaderValues('a,,b, '), ['a', 'b']);
  assert.deepEqual(splitHeaderValues(''), []);
  assert.deepEqual(splitHeaderValues('SIP/2.0/TCP h1;branch=z9hG4bK1,SIP/2.0/TCP h2;branch=z9hG4bK2'), [
    'SIP/2.0/TCP h1;branch=z9hG4bK1',
    'SIP/2.0/TCP h2;branch=z9hG4bK2',
  ]);
});
