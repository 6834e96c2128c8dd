import { mulberry32 } from '../harness/rng.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { StreamFramer, type FramerEvent } from '../../src/sip/stream-framer.js';
import { get } from '../../src/sip/message-head.js';

const KiB = 1024;

interface MsgOptions {
  method?: string;
  callId?: string;
  body?: string;
  /** written instead of the real byte length; null = no Content-Length header */
  contentLength?: string | null;
  compact?: boolean;
  extra?: readonly string[];
}

function request(o: MsgOptions = {}): string {
  const method = o.method ?? 'MESSAGE';
  const body = o.body ?? '';
  const cl = o.contentLength === undefined ? String(Buffer.byteLength(body)) : o.contentLength;
  const lines = [
    `${method} sip:bob@b.example SIP/2.0`,
    'Via: SIP/2.0/TCP a.example;branch=z9hG4bK74bf9',
    'From: <sip:alice@a.example>;tag=9fxced76sl',
    'To: <sip:bob@b.example>',
    `Call-ID: ${o.callId ?? '3848276298220188511@a.example'}`,
    `CSeq: 1 ${method}`,
    ...(o.extra ?? []),
  ];
  if (cl !== null) lines.push(`${o.compact ? 'l' : 'Content-Length'}: ${cl}`);
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

function response(status = 200, body = ''): string {
  return [
    `SIP/2.0 ${status} OK`,
    'Via: SIP/2.0/TCP a.example;branch=z9hG4bK74bf9',
    'From: <sip:alice@a.example>;tag=9fxced76sl',
    'To: <sip:bob@b.example>;tag=8321234356',
    'Call-ID: 3848276298220188511@a.example',
    'CSeq: 1 MESSAGE',
    `Content-Length: ${Buffer.byteLength(body)}`,
    '',
    body,
  ].join('\r\n');
}

/** A comparable, JSON-safe view of events (body as hex). */
function summary(events: readonly FramerEvent[]): unknown[] {
  return events.map((e) => {
    switch (e.type) {
      case 'message':
        return { type: e.type, kind: e.head.kind, raw: e.raw, body: e.body.toString('hex') };
      case 'error':
        return { type: e.type, reason: e.error.reason, status: e.status, fatal: e.fatal, head: e.head?.kind };
      default:
        return { type: e.type };
    }
  });
}

function pushAll(framer: StreamFramer, chunks: readonly (string | Buffer)[]): FramerEvent[] {
  return chunks.flatMap((c) => framer.push(typeof c === 'string' ? Buffer.from(c) : c));
}

function bytewise(text: string | Buffer): Buffer[] {
  const buf = typeof text === 'string' ? Buffer.from(text) : text;
  return Array.from(buf, (b) => Buffer.from([b]));
}

void test('several messages in one chunk come out in order, raw exactly as sent', () => {
  const a = request({ body: 'hello' });
  const b = response(200);
  const c = request({ method: 'OPTIONS', callId: 'second' });
  const events = new StreamFramer().push(Buffer.from(a + b + c));
  assert.deepEqual(summary(events), [
    { type: 'message', kind: 'request', raw: a, body: Buffer.from('hello').toString('hex') },
    { type: 'message', kind: 'response', raw: b, body: '' },
    { type: 'message', kind: 'request', raw: c, body: '' },
  ]);
  const first = events[0];
  assert.ok(first?.type === 'message' && first.head.kind === 'request');
  assert.equal(first.head.method, 'MESSAGE');
  assert.equal(get(first.head, 'call-id'), '3848276298220188511@a.example');
});

void test('byte by byte gives the same events as one chunk', () => {
  const stream = request({ body: 'hello' }) + '\r\n\r\n' + response(180) + '\r\n' + request({ body: 'x' });
  const whole = summary(new StreamFramer().push(Buffer.from(stream)));
  const framer = new StreamFramer();
  const split = summary(pushAll(framer, bytewise(stream)));
  assert.equal(whole.length, 5);
  assert.deepEqual(split, whole);
  assert.deepEqual(framer.pending(), { bytes: 0, idleCrlf: false });
});

void test('Content-Length counts bytes of a multi-byte UTF-8 body, also split inside a character', () => {
  const body = 'Grüße, 世界 😀\r\n\r\nnot a message';
  assert.notEqual(Buffer.byteLength(body), body.length);
  const msg = request({ body, extra: ['Content-Type: text/plain;charset=utf-8'] });
  const after = request({ method: 'OPTIONS' });
  const events = pushAll(new StreamFramer(), bytewise(msg + after));
  assert.equal(events.length, 2);
  const [first, second] = events;
  assert.ok(first?.type === 'message');
  assert.equal(first.raw, msg);
  assert.deepEqual(first.body, Buffer.from(body));
  assert.ok(second?.type === 'message' && second.head.kind === 'request');
  assert.equal(second.head.method, 'OPTIONS');
});

void test('compact l: frames the body', () => {
  const msg = request({ body: 'abc', compact: true });
  const events = new StreamFramer().push(Buffer.from(msg + msg));
  assert.deepEqual(summary(events), [
    { type: 'message', kind: 'request', raw: msg, body: Buffer.from('abc').toString('hex') },
    { type: 'message', kind: 'request', raw: msg, body: Buffer.from('abc').toString('hex') },
  ]);
});

void test('CRLF CRLF outside a message is a ping', () => {
  const f = new StreamFramer();
  assert.deepEqual(f.push(Buffer.from('\r\n\r\n')), [{ type: 'ping' }]);
  assert.deepEqual(f.push(Buffer.from('\r\n\r\n\r\n\r\n')), [{ type: 'ping' }, { type: 'ping' }]);
  assert.deepEqual(f.pending(), { bytes: 0, idleCrlf: false });
});

void test('a lone CRLF is a pong once the next byte shows it is not a ping', () => {
  const f = new StreamFramer();
  const msg = request();
  const events = f.push(Buffer.from(`\r\n${msg}`));
  assert.deepEqual(summary(events), [{ type: 'pong' }, { type: 'message', kind: 'request', raw: msg, body: '' }]);
});

void test('a CRLF at the end of the input is held until flushIdle()', () => {
  const f = new StreamFramer();
  assert.deepEqual(f.push(Buffer.from('\r\n')), []);
  assert.deepEqual(f.pending(), { bytes: 0, idleCrlf: true });
  assert.deepEqual(f.flushIdle(), [{ type: 'pong' }]);
  assert.deepEqual(f.flushIdle(), []);
  assert.deepEqual(f.pending(), { bytes: 0, idleCrlf: false });
  // a ping followed by a lone CRLF: ping now, pong on flush
  assert.deepEqual(f.push(Buffer.from('\r\n\r\n\r\n')), [{ type: 'ping' }]);
  assert.deepEqual(f.flushIdle(), [{ type: 'pong' }]);
});

void test('a ping split across chunks is one ping, never a pong', () => {
  for (const chunks of [['\r\n', '\r\n'], ['\r', '\n', '\r', '\n'], ['\r\n\r', '\n'], ['\r', '\n\r\n']]) {
    const f = new StreamFramer();
    assert.deepEqual(pushAll(f, chunks), [{ type: 'ping' }], JSON.stringify(chunks));
    assert.deepEqual(f.flushIdle(), []);
  }
});

void test('a CR that is not part of a CRLF is garbage, the first byte of a head', () => {
  const garbage = { type: 'error', reason: 'malformed start line: ?X', status: 400, fatal: false, head: undefined };
  assert.deepEqual(summary(pushAll(new StreamFramer(), ['\r', 'X\r\n\r\n'])), [garbage]);
  assert.deepEqual(summary(new StreamFramer().push(Buffer.from('\r\n\rX\r\n\r\n'))), [{ type: 'pong' }, garbage]);
});

void test('a 1 MB header fails as soon as maxHeadBytes is passed, with what is needed for a 513', () => {
  const f = new StreamFramer();
  const start = Buffer.from(`${request().replace(/Content-Length: 0\r\n\r\n$/, '')}X-Big: `);
  const stream = Buffer.concat([start, Buffer.alloc(1024 * KiB, 'a')]);
  const chunk = 4 * KiB;
  let failedAt = -1;
  let error: FramerEvent | undefined;
  for (let off = 0, i = 0; off < stream.length; off += chunk, i++) {
    const events = f.push(stream.subarray(off, off + chunk));
    assert.ok(f.bufferedCapacity() <= 64 * KiB, `capacity ${f.bufferedCapacity()} after chunk ${i}`);
    if (failedAt < 0 && events.length > 0) {
      failedAt = i;
      error = events[0];
      assert.equal(events.length, 1);
    } else {
      assert.deepEqual(events, [], `chunk ${i}`);
    }
  }
  // 64 KiB = the 16th 4 KiB chunk (index 15)
  assert.equal(failedAt, 15);
  assert.ok(error?.type === 'error');
  assert.equal(error.fatal, true);
  assert.equal(error.status, 513);
  assert.equal(error.error.reason, 'message head exceeds 65536 bytes');
  assert.ok(error.head?.kind === 'request');
  assert.equal(get(error.head, 'call-id'), '3848276298220188511@a.example');
  assert.deepEqual(f.pending(), { bytes: 0, idleCrlf: false });
});

void test('a 1 MB header in one chunk is not copied beyond the limit', () => {
  const f = new StreamFramer({ maxHeadBytes: 8 * KiB });
  const events = f.push(Buffer.concat([Buffer.from('INVITE sip:b@b SIP/2.0\r\nX: '), Buffer.alloc(1024 * KiB, 'a')]));
  assert.deepEqual(summary(events), [
    { type: 'error', reason: 'message head exceeds 8192 bytes', status: 513, fatal: true, head: 'request' },
  ]);
  assert.ok(f.bufferedCapacity() <= 8 * KiB);
  // after a fatal error input is ignored until reset()
  assert.deepEqual(f.push(Buffer.from(request())), []);
  f.reset();
  assert.equal(f.push(Buffer.from(request()))[0]?.type, 'message');
});

void test('a body not yet complete is pending, then completed by a later chunk', () => {
  const f = new StreamFramer();
  const msg = request({ body: '0123456789' });
  const cut = msg.length - 4;
  assert.deepEqual(f.push(Buffer.from(msg.slice(0, cut))), []);
  const pending = f.pending();
  assert.equal(pending.bytes, cut);
  assert.equal(pending.idleCrlf, false);
  assert.ok(pending.head?.kind === 'request');
  assert.equal(pending.head.method, 'MESSAGE');
  const events = f.push(Buffer.from(msg.slice(cut)));
  assert.deepEqual(summary(events), [
    { type: 'message', kind: 'request', raw: msg, body: Buffer.from('0123456789').toString('hex') },
  ]);
  assert.deepEqual(f.pending(), { bytes: 0, idleCrlf: false });
});

void test('an unfinished head is pending without a head', () => {
  const f = new StreamFramer();
  const partial = 'INVITE sip:b@b SIP/2.0\r\nVia: x\r\n';
  assert.deepEqual(f.push(Buffer.from(partial)), []);
  assert.deepEqual(f.pending(), { bytes: partial.length, idleCrlf: false });
  f.reset();
  assert.deepEqual(f.pending(), { bytes: 0, idleCrlf: false });
});

void test('Content-Length above maxBodyBytes is fatal, with the head for a 413', () => {
  const f = new StreamFramer({ maxBodyBytes: 100 });
  const fits = request({ body: 'x'.repeat(100) });
  assert.equal(f.push(Buffer.from(fits))[0]?.type, 'message');
  const events = f.push(Buffer.from(request({ contentLength: '101' })));
  assert.deepEqual(summary(events), [
    { type: 'error', reason: 'body of 101 bytes exceeds 100', status: 413, fatal: true, head: 'request' },
  ]);
  assert.ok(f.bufferedCapacity() <= 100 + 64 * KiB);
  assert.deepEqual(f.push(Buffer.from(fits)), []);
});

void test('a message without Content-Length is reported with its head, and the stream goes on', () => {
  const f = new StreamFramer();
  const next = request({ method: 'OPTIONS' });
  const events = f.push(Buffer.from(request({ contentLength: null }) + next));
  assert.deepEqual(summary(events), [
    { type: 'error', reason: 'missing Content-Length', status: 400, fatal: false, head: 'request' },
    { type: 'message', kind: 'request', raw: next, body: '' },
  ]);
});

void test('garbage text before a valid message: one non-fatal error, then the message', () => {
  const msg = request({ body: 'hi' });
  for (const garbage of ['hello\r\nworld\r\n\r\n', 'GET / HTTP/1.1\r\nHost: phone\r\n\r\n', '\n\r\n\r\n']) {
    const events = pushAll(new StreamFramer(), bytewise(garbage + msg));
    assert.equal(events.length, 2, JSON.stringify(garbage));
    const [e, m] = events;
    assert.ok(e?.type === 'error' && e.fatal === false && e.head === undefined, JSON.stringify(garbage));
    assert.match(e.error.reason, /^malformed start line/);
    assert.ok(m?.type === 'message');
    assert.equal(m.raw, msg);
  }
});

void test('garbage with a readable Content-Length has its body skipped', () => {
  const msg = request();
  const events = new StreamFramer().push(Buffer.from(`JUNK\r\nl: 7\r\n\r\nINVITE!${msg}`));
  assert.deepEqual(summary(events), [
    { type: 'error', reason: 'malformed start line: JUNK', status: 400, fatal: false, head: undefined },
    { type: 'message', kind: 'request', raw: msg, body: '' },
  ]);
});

void test('garbage whose length cannot be known is fatal', () => {
  const invalid = new StreamFramer().push(Buffer.from(`JUNK\r\nContent-Length: many\r\n\r\n${request()}`));
  assert.deepEqual(summary(invalid), [
    { type: 'error', reason: 'malformed start line: JUNK', status: 400, fatal: true, head: undefined },
  ]);
  // binary junk without a blank line: nothing can be framed before maxHeadBytes
  const f = new StreamFramer({ maxHeadBytes: 256 });
  const junk = Buffer.alloc(300);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 37 + 11) % 256 === 13 ? 0 : (i * 37 + 11) % 256;
  const events = f.push(junk);
  assert.deepEqual(summary(events), [
    { type: 'error', reason: 'message head exceeds 256 bytes', status: 513, fatal: true, head: undefined },
  ]);
});

void test('malformed headers: error with the head, the body skipped, the next message delivered', () => {
  const bad = request({ body: 'abc', extra: ['This is not a header'] });
  const next = request({ method: 'OPTIONS' });
  const events = pushAll(new StreamFramer(), bytewise(bad + next));
  assert.deepEqual(summary(events), [
    {
      type: 'error',
      reason: 'header line without colon: This is not a header',
      status: 400,
      fatal: false,
      head: 'request',
    },
    { type: 'message', kind: 'request', raw: next, body: '' },
  ]);
});

void test('while a bad message body is skipped, pending() counts its bytes but offers no head to answer', () => {
  const f = new StreamFramer();
  const bad = request({ body: '0123456789', extra: ['Bad line'] });
  const events = f.push(Buffer.from(bad.slice(0, -5)));
  assert.equal(events.length, 1);
  assert.deepEqual(f.pending(), { bytes: bad.length - 5, idleCrlf: false });
  assert.deepEqual(f.push(Buffer.from(bad.slice(-5))), []);
  assert.deepEqual(f.pending(), { bytes: 0, idleCrlf: false });
});

void test('an invalid or conflicting Content-Length is fatal, with the head', () => {
  for (const [extra, reason] of [
    [['Content-Length: -3'], 'invalid Content-Length'],
    [['Content-Length: 3', 'l: 4'], 'conflicting Content-Length values'],
  ] as const) {
    const events = new StreamFramer().push(Buffer.from(request({ contentLength: null, extra }) + 'abcd'));
    assert.deepEqual(summary(events), [{ type: 'error', reason, status: 400, fatal: true, head: 'request' }]);
  }
});

void test('another SIP version: 505 with the head, the body skipped', () => {
  const bad = request({ body: 'abc' }).replace('SIP/2.0\r\n', 'SIP/3.0\r\n');
  const next = request({ method: 'OPTIONS' });
  assert.deepEqual(summary(new StreamFramer().push(Buffer.from(bad + next))), [
    { type: 'error', reason: 'unsupported SIP version: SIP/3.0', status: 505, fatal: false, head: 'request' },
    { type: 'message', kind: 'request', raw: next, body: '' },
  ]);
});

void test('a head that is not UTF-8 is an error with the head', () => {
  const msg = Buffer.from(request({ extra: ['Subject: caf\u00e9'] }), 'latin1');
  const events = new StreamFramer().push(msg);
  assert.deepEqual(summary(events), [
    { type: 'error', reason: 'message head is not valid UTF-8', status: 400, fatal: false, head: 'request' },
  ]);
});

void test('limits are validated', () => {
  assert.throws(() => new StreamFramer({ maxHeadBytes: 3 }), RangeError);
  assert.throws(() => new StreamFramer({ maxBodyBytes: -1 }), RangeError);
  assert.throws(() => new StreamFramer({ maxBodyBytes: 1.5 }), RangeError);
  const f = new StreamFramer();
  assert.equal(f.maxHeadBytes, 64 * KiB);
  assert.equal(f.maxBodyBytes, 1024 * KiB);
});

// --- fuzz (seeded, so a failure is reproducible) ---


function randomSplit(buf: Buffer, rnd: () => number, maxChunk: number): Buffer[] {
  const out: Buffer[] = [];
  for (let off = 0; off < buf.length; ) {
    const n = 1 + Math.floor(rnd() * maxChunk);
    out.push(buf.subarray(off, off + n));
    off += n;
  }
  return out;
}

/** Pieces that make random input reach every state: keep-alives, heads, lengths, junk. */
function randomStream(rnd: () => number): Buffer {
  const pieces: Buffer[] = [];
  const count = 1 + Math.floor(rnd() * 12);
  for (let i = 0; i < count; i++) {
    const pick = Math.floor(rnd() * 9);
    const random = Buffer.alloc(Math.floor(rnd() * 200));
    for (let j = 0; j < random.length; j++) random[j] = Math.floor(rnd() * 256);
    const body = 'é'.repeat(Math.floor(rnd() * 40));
    const piece = [
      request({ body }),
      response(200, body),
      '\r\n\r\n',
      '\r\n',
      '\r',
      `l: ${Math.floor(rnd() * 3000)}\r\n`,
      request({ body }).slice(0, Math.floor(rnd() * 300)),
      'JUNK\r\n\r\n',
      random,
    ][pick];
    pieces.push(typeof piece === 'string' ? Buffer.from(piece) : (piece ?? Buffer.alloc(0)));
  }
  return Buffer.concat(pieces);
}

void test('fuzz: never throws, memory stays bounded, events do not depend on how input is split', () => {
  const rnd = mulberry32(0x5eed);
  const maxHeadBytes = 512;
  const maxBodyBytes = 2048;
  const seen = new Map<string, number>();
  for (let round = 0; round < 400; round++) {
    const stream = randomStream(rnd);
    const reference = new StreamFramer({ maxHeadBytes, maxBodyBytes });
    const expected = summary([...reference.push(stream), ...reference.flushIdle()]);
    const f = new StreamFramer({ maxHeadBytes, maxBodyBytes });
    const got: FramerEvent[] = [];
    for (const chunk of randomSplit(stream, rnd, 64)) {
      got.push(...f.push(chunk));
      assert.ok(f.pending().bytes <= maxHeadBytes + maxBodyBytes, `round ${round}`);
      assert.ok(f.bufferedCapacity() <= maxHeadBytes + maxBodyBytes, `round ${round}`);
    }
    got.push(...f.flushIdle());
    assert.deepEqual(summary(got), expected, `round ${round}`);
    for (const e of got) {
      const kind = e.type === 'error' ? `error ${e.fatal ? 'fatal' : 'non-fatal'}` : e.type;
      seen.set(kind, (seen.get(kind) ?? 0) + 1);
    }
  }
  // the input mix must actually reach every outcome, or the invariance above proves little
  for (const kind of ['message', 'ping', 'pong', 'error fatal', 'error non-fatal']) {
    assert.ok((seen.get(kind) ?? 0) >= 20, `${kind}: ${seen.get(kind) ?? 0}`);
  }
});

void test('fuzz: random bytes in random splits never throw and never report a head without cause', () => {
  const rnd = mulberry32(42);
  for (let round = 0; round < 200; round++) {
    const f = new StreamFramer({ maxHeadBytes: 256, maxBodyBytes: 256 });
    const buf = Buffer.alloc(Math.floor(rnd() * 4096));
    for (let i = 0; i < buf.length; i++) buf[i] = rnd() < 0.1 ? (rnd() < 0.5 ? 13 : 10) : Math.floor(rnd() * 256);
    for (const chunk of randomSplit(buf, rnd, 300)) {
      for (const e of f.push(chunk)) {
        assert.ok(e.type !== 'message', 'random bytes framed as a SIP message');
      }
      assert.ok(f.bufferedCapacity() <= 512);
    }
    f.reset();
    assert.equal(f.push(Buffer.from(request()))[0]?.type, 'message');
  }
});
