import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isRtcpParseError,
  ntpFromUnixMs,
  ntpMiddle32,
  ntpShortFromUnixMs,
  parseRtcp,
  rtcpDeterministicInterval,
  rtcpInterval,
  serializeRtcp,
  RTCP_COMPENSATION,
  SDES_CNAME,
  SDES_NAME,
  SDES_TOOL,
  type RtcpCompound,
  type RtcpPacket,
  type RtcpParseError,
  type RtcpParseErrorReason,
  type ReportBlock,
} from '../../src/media/rtp/rtcp.js';

function ok(r: RtcpCompound | RtcpParseError): readonly RtcpPacket[] {
  if (isRtcpParseError(r)) assert.fail(`expected RTCP, got ${r.error} at ${r.index}: ${r.detail}`);
  return r.packets;
}

function err(r: RtcpCompound | RtcpParseError, reason: RtcpParseErrorReason, index = 0): void {
  assert.ok(isRtcpParseError(r), `expected ${reason}, got a compound`);
  assert.equal(r.error, reason, r.detail);
  assert.equal(r.index, index);
}

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

const block = (over: Partial<ReportBlock> = {}): ReportBlock => ({
  ssrc: 0x11223344,
  fractionLost: 17,
  cumulativeLost: 7,
  extendedHighestSeq: 0x0001_0005,
  jitter: 42,
  lsr: 0xb7052000,
  dlsr: 0x00054000,
  ...over,
});

const rr: RtcpPacket = { type: 'rr', ssrc: 1, reports: [] };
const cname = (ssrc: number, value = 'alice@example'): RtcpPacket => ({ type: 'sdes', chunks: [{ ssrc, items: [{ type: SDES_CNAME, value }] }] });

test('parses a hand-built RR + SDES compound byte for byte', () => {
  const buf = hex(
    // RR: V=2 P=0 RC=1 PT=201 length=7 | SSRC | block: SSRC, fraction 0x40, cumulative -2 (0xfffffe), ext seq, jitter, LSR, DLSR
    '81 c9 0007 0000abcd 11223344 40 fffffe 00010005 0000002a b7052000 00054000' +
      // SDES: V=2 SC=1 PT=202 length=3 | SSRC | CNAME(1) len 5 "a@b.c" + one null → 4+2+5+1 = 12 octets
      '81 ca 0003 0000abcd 01 05 614062 2e63 00',
  );
  const [r, s] = ok(parseRtcp(buf));
  assert.deepEqual(r, {
    type: 'rr',
    ssrc: 0xabcd,
    reports: [{ ssrc: 0x11223344, fractionLost: 0x40, cumulativeLost: -2, extendedHighestSeq: 0x10005, jitter: 42, lsr: 0xb7052000, dlsr: 0x54000 }],
  });
  assert.deepEqual(s, { type: 'sdes', chunks: [{ ssrc: 0xabcd, items: [{ type: SDES_CNAME, value: 'a@b.c' }] }] });
});

test('SR round trip: sender info, several blocks, signed 24-bit cumulative lost extremes, profile extension', () => {
  const sr: RtcpPacket = {
    type: 'sr',
    ssrc: 0xdeadbeef,
    ntpSeconds: 0xe0000000,
    ntpFraction: 0x80000000,
    rtpTimestamp: 0xffffffff,
    packetCount: 100,
    octetCount: 16000,
    reports: [block({ cumulativeLost: -1 }), block({ cumulativeLost: -0x800000 }), block({ cumulativeLost: 0x7fffff, fractionLost: 255 })],
    extension: Buffer.from([1, 2, 3, 4]),
  };
  const buf = serializeRtcp([sr, cname(0xdeadbeef)]);
  assert.equal(buf.readUInt16BE(2), (28 + 3 * 24 + 4) / 4 - 1);
  assert.deepEqual(ok(parseRtcp(buf)), [sr, cname(0xdeadbeef)]);
});

test('RR with no blocks, SDES with several chunks and items (UTF-8, 255 octets, word-aligned ends), BYE, APP, other types', () => {
  const packets: RtcpPacket[] = [
    rr,
    {
      type: 'sdes',
      chunks: [
        { ssrc: 1, items: [{ type: SDES_CNAME, value: 'ab' }] }, // 4+2+2 = 8: a whole null word follows
        { ssrc: 2, items: [{ type: SDES_CNAME, value: 'jürgen@例え.jp' }, { type: SDES_NAME, value: 'x'.repeat(255) }, { type: SDES_TOOL, value: '' }] },
        { ssrc: 3, items: [] },
      ],
    },
    { type: 'bye', ssrcs: [1, 2], reason: 'bye now' },
    { type: 'bye', ssrcs: [] },
    { type: 'bye', ssrcs: [9], reason: '' },
    { type: 'app', subtype: 5, ssrc: 7, name: 'TEST', data: Buffer.from([0, 1, 2, 3]) },
    { type: 'other', packetType: 205, count: 1, body: Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]) },
  ];
  const buf = serializeRtcp(packets);
  assert.equal(buf.length % 4, 0);
  assert.deepEqual(ok(parseRtcp(buf)), packets);
});

test('compound padding on the last packet round-trips', () => {
  const buf = serializeRtcp([rr, cname(1)], { padding: 8 });
  assert.equal(buf[buf.length - 1], 8);
  assert.equal((buf[8]! & 0x20) !== 0, true); // P bit on the SDES (second packet at offset 8)
  assert.deepEqual(ok(parseRtcp(buf)), [rr, cname(1)]);
});

test('error: too-short and bad-length', () => {
  err(parseRtcp(Buffer.alloc(0)), 'too-short');
  err(parseRtcp(hex('80c9')), 'too-short');
  err(parseRtcp(hex('80 c9 0001 00000001 00')), 'bad-length'); // not whole words
  err(parseRtcp(hex('80 c9 0002 00000001')), 'bad-length'); // length says 12 octets, 8 there
  const two = serializeRtcp([rr, cname(1)]);
  two.writeUInt16BE(10, 10); // SDES length past the end
  err(parseRtcp(two), 'bad-length', 1);
});

test('error: bad-version on the first or a later packet', () => {
  const buf = serializeRtcp([rr, cname(1)]);
  buf[8] = (buf[8]! & 0x3f) | 0x40;
  err(parseRtcp(buf), 'bad-version', 1);
  err(parseRtcp(hex('00 c9 0001 00000001')), 'bad-version');
});

test('error: first-not-report, unless reduced-size RTCP is allowed (RFC 5506)', () => {
  const buf = serializeRtcp([cname(1)]);
  err(parseRtcp(buf), 'first-not-report');
  assert.deepEqual(ok(parseRtcp(buf, { reducedSize: true })), [cname(1)]);
  err(parseRtcp(serializeRtcp([{ type: 'bye', ssrcs: [1] }])), 'first-not-report');
});

test('error: padding-not-last and bad-padding', () => {
  const buf = serializeRtcp([rr, cname(1)]);
  buf[0] = buf[0]! | 0x20;
  err(parseRtcp(buf), 'padding-not-last', 0);
  const zero = serializeRtcp([rr], { padding: 4 });
  zero[zero.length - 1] = 0;
  err(parseRtcp(zero), 'bad-padding');
  const big = serializeRtcp([rr], { padding: 4 });
  big[big.length - 1] = 9; // body is 4 (SSRC) + 4 (padding) = 8
  err(parseRtcp(big), 'bad-padding');
});

test('error: truncated-report (RC blocks beyond the length, SR without sender info)', () => {
  const r = serializeRtcp([{ type: 'rr', ssrc: 1, reports: [block()] }]);
  r[0] = (r[0]! & 0xe0) | 2; // RC=2 with one block
  err(parseRtcp(r), 'truncated-report');
  err(parseRtcp(hex('80 c8 0001 00000001')), 'truncated-report'); // SR with only an SSRC
  const padded = serializeRtcp([{ type: 'rr', ssrc: 1, reports: [block()] }], { padding: 4 });
  padded[padded.length - 1] = 8; // padding eats into the report block
  err(parseRtcp(padded), 'truncated-report');
});

test('error: bad-sdes (no terminator, item past the end, chunk count beyond, trailing octets)', () => {
  err(parseRtcp(hex('80 c9 0001 00000001  81 ca 0002 00000001 01 02 6162')), 'bad-sdes', 1); // no null octet
  err(parseRtcp(hex('80 c9 0001 00000001  81 ca 0002 00000001 01 09 6162')), 'bad-sdes', 1); // length 9, 2 there
  err(parseRtcp(hex('80 c9 0001 00000001  82 ca 0002 00000001 00000000')), 'bad-sdes', 1); // SC=2, one chunk
  err(parseRtcp(hex('80 c9 0001 00000001  81 ca 0003 00000001 00000000 00000002')), 'bad-sdes', 1); // trailing word
  err(parseRtcp(hex('80 c9 0001 00000001  81 ca 0002 00000001 01')), 'bad-length'); // not whole words
});

test('error: bad-bye and bad-app', () => {
  err(parseRtcp(hex('80 c9 0001 00000001  83 cb 0002 00000001 00000002')), 'bad-bye', 1); // 3 SSRCs, 2 there
  err(parseRtcp(hex('80 c9 0001 00000001  81 cb 0002 00000001 09616263')), 'bad-bye', 1); // reason of 9, 3 there
  err(parseRtcp(hex('80 c9 0001 00000001  80 cc 0001 00000001')), 'bad-app', 1); // no name
});

test('serialization rejects fields out of range with RangeError', () => {
  assert.throws(() => serializeRtcp([{ type: 'rr', ssrc: 1, reports: new Array<ReportBlock>(32).fill(block()) }]), RangeError);
  assert.throws(() => serializeRtcp([{ type: 'rr', ssrc: 1, reports: [block({ cumulativeLost: 0x800000 })] }]), RangeError);
  assert.throws(() => serializeRtcp([{ type: 'rr', ssrc: 1, reports: [block({ fractionLost: 256 })] }]), RangeError);
  assert.throws(() => serializeRtcp([{ type: 'rr', ssrc: 2 ** 32, reports: [] }]), RangeError);
  assert.throws(() => serializeRtcp([rr, cname(1, 'x'.repeat(256))]), RangeError);
  assert.throws(() => serializeRtcp([rr, { type: 'bye', ssrcs: [1], reason: 'é'.repeat(128) }]), RangeError);
  assert.throws(() => serializeRtcp([rr, { type: 'app', subtype: 0, ssrc: 1, name: 'TOOLONG', data: Buffer.alloc(0) }]), RangeError);
  assert.throws(() => serializeRtcp([{ ...rr, extension: Buffer.alloc(3) }]), RangeError);
  assert.throws(() => serializeRtcp([rr], { padding: 3 }), RangeError);
  assert.throws(() => serializeRtcp([], { padding: 4 }), RangeError);
});

test('NTP timestamps (RFC 3550 §4) and the middle 32 bits', () => {
  assert.deepEqual(ntpFromUnixMs(0), { seconds: 2_208_988_800, fraction: 0 });
  assert.deepEqual(ntpFromUnixMs(1500), { seconds: 2_208_988_801, fraction: 2 ** 31 });
  assert.equal(ntpMiddle32(0xb7052000, 0x20000000), 0x20002000);
  assert.equal(ntpMiddle32(46853, 0.125 * 2 ** 32), 0xb7052000); // §6.4.1's example LSR 46853.125 s
  // 2036: the NTP era rolls over, seconds stay 32-bit
  assert.equal(ntpFromUnixMs((2 ** 32 - 2_208_988_800 + 5) * 1000).seconds, 5);
  const a = ntpShortFromUnixMs(1_000_000);
  const b = ntpShortFromUnixMs(1_001_000);
  assert.equal((b - a) >>> 0, 65536); // one second = 0x10000 in 16.16
});

test('RTCP interval (§6.3.1, A.7): 5 s minimum, halved initially, bandwidth term, randomization and compensation', () => {
  const base = { members: 2, senders: 2, rtcpBandwidth: 400, weSent: true, avgRtcpSize: 100, initial: false };
  assert.equal(rtcpDeterministicInterval(base), 5);
  assert.equal(rtcpDeterministicInterval({ ...base, initial: true }), 2.5);
  assert.equal(rtcpDeterministicInterval({ ...base, minInterval: 0.1 }), 0.5); // 100 octets × 2 members / 400 octets/s
  // senders ≤ members/4: senders share 25 % of the bandwidth, receivers 75 %
  const many = { members: 40, senders: 2, rtcpBandwidth: 400, avgRtcpSize: 100, initial: false, minInterval: 0 };
  assert.equal(rtcpDeterministicInterval({ ...many, weSent: true }), (100 * 2) / 100);
  assert.equal(rtcpDeterministicInterval({ ...many, weSent: false }), (100 * 38) / 300);
  assert.equal(rtcpInterval(base, () => 0), (5 * 0.5) / RTCP_COMPENSATION);
  assert.equal(rtcpInterval(base, () => 0.5), 5 / RTCP_COMPENSATION);
  assert.ok(Math.abs(rtcpInterval(base, () => 0.999999) - (5 * 1.5) / RTCP_COMPENSATION) < 1e-4);
});
