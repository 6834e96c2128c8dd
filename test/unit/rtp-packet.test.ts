import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classifyPacket,
  isRtcpConflictingPayloadType,
  isRtpParseError,
  parseRtp,
  rtpPacketSize,
  serializeRtp,
  writeRtp,
  writeRtpHeader,
  type RtpPacket,
  type RtpParseError,
  type RtpParseErrorReason,
} from '../../src/media/rtp/packet.js';

function ok(r: RtpPacket | RtpParseError): RtpPacket {
  if (isRtpParseError(r)) assert.fail(`expected a packet, got ${r.error}: ${r.detail}`);
  return r;
}

function err(r: RtpPacket | RtpParseError, reason: RtpParseErrorReason): void {
  assert.ok(isRtpParseError(r), `expected ${reason}, got a packet`);
  assert.equal(r.error, reason);
  assert.equal(typeof r.detail, 'string');
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

test('parses a known PCMU packet byte for byte', () => {
  // V=2 P=0 X=0 CC=0 | M=1 PT=0 | seq 0x1234 | ts 0x000000a0 | SSRC 0xdeadbeef | payload ff ff 7f
  const p = ok(parseRtp(hex('80 80 1234 000000a0 deadbeef ffff7f')));
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 0);
  assert.equal(p.sequence, 0x1234);
  assert.equal(p.timestamp, 0xa0);
  assert.equal(p.ssrc, 0xdeadbeef);
  assert.deepEqual(p.csrcs, []);
  assert.equal(p.extension, undefined);
  assert.equal(p.padding, 0);
  assert.deepEqual([...p.payload], [0xff, 0xff, 0x7f]);
});

test('payload and extension data are views into the datagram, not copies', () => {
  const buf = serializeRtp({ payloadType: 96, sequence: 1, timestamp: 2, ssrc: 3, extension: { profile: 0xbede, data: Buffer.from([1, 2, 3, 4]) }, payload: Buffer.from('abc') });
  const p = ok(parseRtp(buf));
  assert.equal(p.payload.buffer, buf.buffer);
  buf[buf.length - 1] = 0x5a;
  assert.equal(p.payload.toString(), 'abZ');
  assert.equal(p.extension?.data.buffer, buf.buffer);
});

test('round trip with every header feature: marker, CSRCs, extension, padding, 32-bit extremes', () => {
  const init = {
    payloadType: 127,
    sequence: 0xffff,
    timestamp: 0xffffffff,
    ssrc: 0xffffffff,
    marker: true,
    csrcs: [1, 0xffffffff, 0x12345678],
    extension: { profile: 0x1000, data: Buffer.from([9, 8, 7, 6, 5, 4, 3, 2]) },
    padding: 7,
    payload: Buffer.from('hello world'),
  };
  const buf = serializeRtp(init);
  assert.equal(buf.length, 12 + 12 + 4 + 8 + 11 + 7);
  assert.equal(buf[0], 0b1011_0011); // V=2 P=1 X=1 CC=3
  assert.equal(buf[buf.length - 1], 7);
  const p = ok(parseRtp(buf));
  assert.equal(p.marker, true);
  assert.equal(p.payloadType, 127);
  assert.equal(p.sequence, 0xffff);
  assert.equal(p.timestamp, 0xffffffff);
  assert.equal(p.ssrc, 0xffffffff);
  assert.deepEqual(p.csrcs, init.csrcs);
  assert.equal(p.extension?.profile, 0x1000);
  assert.deepEqual([...p.extension.data], [...init.extension.data]);
  assert.equal(p.padding, 7);
  assert.equal(p.payload.toString(), 'hello world');
});

test('empty payload, empty extension and padding that takes everything after the header are valid', () => {
  const p = ok(parseRtp(serializeRtp({ payloadType: 8, sequence: 0, timestamp: 0, ssrc: 0, extension: { profile: 0, data: Buffer.alloc(0) }, payload: Buffer.alloc(0) })));
  assert.equal(p.payload.length, 0);
  assert.equal(p.extension?.data.length, 0);
  const padded = ok(parseRtp(hex('a0 00 0001 00000002 00000003 00000004')));
  assert.equal(padded.padding, 4);
  assert.equal(padded.payload.length, 0);
});

test('error: too-short', () => {
  err(parseRtp(Buffer.alloc(0)), 'too-short');
  err(parseRtp(hex('80 00 0001 00000002 000000')), 'too-short'); // 11 octets
});

test('error: bad-version for versions 0, 1 and 3', () => {
  for (const b0 of [0x00, 0x40, 0xc0]) {
    const buf = hex('80 00 0001 00000002 00000003');
    buf[0] = b0;
    err(parseRtp(buf), 'bad-version');
  }
});

test('error: csrc-overflow', () => {
  err(parseRtp(hex('8f 00 0001 00000002 00000003')), 'csrc-overflow'); // CC=15, no CSRCs
  err(parseRtp(hex('82 00 0001 00000002 00000003 00000004 0000')), 'csrc-overflow'); // CC=2, 1.5 CSRCs
  ok(parseRtp(hex('81 00 0001 00000002 00000003 00000004'))); // CC=1 exactly fits
});

test('error: extension-overflow (header cut, or its length past the end)', () => {
  err(parseRtp(hex('90 00 0001 00000002 00000003 bede')), 'extension-overflow');
  err(parseRtp(hex('90 00 0001 00000002 00000003 bede0002 00000000')), 'extension-overflow'); // 2 words announced, 1 there
  err(parseRtp(hex('91 00 0001 00000002 00000003 00000004 bede')), 'extension-overflow'); // after a CSRC
  ok(parseRtp(hex('90 00 0001 00000002 00000003 bede0001 00000000')));
});

test('error: bad-padding (count 0, count beyond the payload, count reaching into the header/extension)', () => {
  err(parseRtp(hex('a0 00 0001 00000002 00000003 aabb00')), 'bad-padding');
  err(parseRtp(hex('a0 00 0001 00000002 00000003 aabb04')), 'bad-padding');
  err(parseRtp(hex('a0 00 0001 00000002 00000003')), 'bad-padding'); // nothing after the header; the "count" would be the SSRC's last octet
});

test('bad-padding boundary: count equal to what follows the header is fine, one more is not', () => {
  ok(parseRtp(hex('b0 00 0001 00000002 00000003 bede0001 00000000 0102')));
  err(parseRtp(hex('b0 00 0001 00000002 00000003 bede0001 00000000 0103')), 'bad-padding');
});

test('writeRtp writes at an offset and reports the length; rejects a target too small', () => {
  const init = { payloadType: 0, sequence: 7, timestamp: 8, ssrc: 9, payload: Buffer.from([1, 2, 3]) };
  const target = Buffer.alloc(40, 0xee);
  const n = writeRtp(init, target, 5);
  assert.equal(n, 15);
  assert.equal(n, rtpPacketSize(init));
  assert.equal(target[4], 0xee);
  assert.equal(target[20], 0xee);
  assert.deepEqual(target.subarray(5, 20), serializeRtp(init));
  assert.throws(() => writeRtp(init, Buffer.alloc(14)), RangeError);
});

test('writeRtpHeader (the sender fast path) equals serializeRtp and reduces timestamp/SSRC mod 2^32', () => {
  const buf = Buffer.alloc(12);
  writeRtpHeader(buf, 0, true, 96, 65535, 2 ** 32 + 5, 2 ** 32 + 6);
  assert.deepEqual(buf, serializeRtp({ payloadType: 96, sequence: 65535, timestamp: 5, ssrc: 6, marker: true, payload: Buffer.alloc(0) }));
});

test('serialization rejects fields out of range with RangeError', () => {
  const base = { payloadType: 0, sequence: 0, timestamp: 0, ssrc: 0, payload: Buffer.alloc(0) };
  assert.throws(() => serializeRtp({ ...base, payloadType: 128 }), RangeError);
  assert.throws(() => serializeRtp({ ...base, payloadType: -1 }), RangeError);
  assert.throws(() => serializeRtp({ ...base, sequence: 65536 }), RangeError);
  assert.throws(() => serializeRtp({ ...base, timestamp: 2 ** 32 }), RangeError);
  assert.throws(() => serializeRtp({ ...base, ssrc: 1.5 }), RangeError);
  assert.throws(() => serializeRtp({ ...base, csrcs: new Array<number>(16).fill(1) }), RangeError);
  assert.throws(() => serializeRtp({ ...base, csrcs: [2 ** 32] }), RangeError);
  assert.throws(() => serializeRtp({ ...base, extension: { profile: 0, data: Buffer.alloc(3) } }), RangeError);
  assert.throws(() => serializeRtp({ ...base, padding: 256 }), RangeError);
});

test('classifyPacket: RTP vs RTCP (RFC 5761 §4) and other protocols (RFC 7983)', () => {
  const two = (a: number, b: number) => Buffer.from([a, b, 0, 0]);
  assert.equal(classifyPacket(two(0x80, 0)), 'rtp');
  assert.equal(classifyPacket(two(0x80, 96 | 0x80)), 'rtp'); // marker + PT 96 = 224
  assert.equal(classifyPacket(two(0x80, 127)), 'rtp');
  for (const pt of [200, 201, 202, 203, 204, 205, 206, 207]) assert.equal(classifyPacket(two(0x81, pt)), 'rtcp');
  assert.equal(classifyPacket(two(0x80, 192)), 'rtcp'); // marker + PT 64
  assert.equal(classifyPacket(two(0x80, 223)), 'rtcp'); // marker + PT 95
  assert.equal(classifyPacket(two(0x80, 191)), 'rtp'); // marker + PT 63
  assert.equal(classifyPacket(two(0x00, 0x01)), 'stun'); // Binding request
  assert.equal(classifyPacket(two(0x16, 0xfe)), 'dtls'); // handshake
  assert.equal(classifyPacket(two(0x40, 0)), 'other'); // version 1 / TURN channel range
  assert.equal(classifyPacket(two(0xc0, 0)), 'other'); // version 3
  assert.equal(classifyPacket(Buffer.from([0x80])), 'other');
  assert.equal(classifyPacket(Buffer.alloc(0)), 'other');
});

test('isRtcpConflictingPayloadType: exactly 64..95', () => {
  assert.deepEqual(
    Array.from({ length: 128 }, (_, pt) => pt).filter(isRtcpConflictingPayloadType),
    Array.from({ length: 32 }, (_, i) => 64 + i),
  );
});
