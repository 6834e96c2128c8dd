/**
 * Property and fuzz tests: random and mutated datagrams into the parsers (they never throw, and what they
 * return stays inside the datagram), round trips of arbitrary packets, and A.1/A.3 invariants on random
 * sequence streams.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { classifyPacket, parseRtp, serializeRtp, type RtpPacketInit } from '../../src/media/rtp/packet.js';
import { parseRtcp, serializeRtcp, type RtcpPacket, type ReportBlock, type SdesChunk } from '../../src/media/rtp/rtcp.js';
import { RtpSourceStats } from '../../src/media/rtp/stats.js';

const RUNS = 3000;
// fast-check's default size ('small') keeps arrays at ≤ 10 elements whatever maxLength says: datagrams of up
// to 300 octets and streams of hundreds of packets need 'large'.
fc.configureGlobal({ baseSize: 'large' });

/** Records with Object.prototype (fast-check may otherwise build null-prototype objects, which deepEqual tells apart). */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true });
}

/** `view` lies within `buf`'s bytes. */
function within(view: Buffer, buf: Buffer): boolean {
  return view.buffer === buf.buffer && view.byteOffset >= buf.byteOffset && view.byteOffset + view.length <= buf.byteOffset + buf.length;
}

function checkRtpResult(buf: Buffer): void {
  const r = parseRtp(buf);
  if ('error' in r) {
    assert.equal(typeof r.detail, 'string');
    return;
  }
  const header = 12 + r.csrcs.length * 4 + (r.extension ? 4 + r.extension.data.length : 0);
  assert.ok(r.csrcs.length <= 15);
  assert.equal(header + r.payload.length + r.padding, buf.length, 'header + payload + padding = datagram');
  assert.ok(within(r.payload, buf));
  if (r.extension) {
    assert.ok(within(r.extension.data, buf));
    assert.equal(r.extension.data.length % 4, 0);
  }
  assert.ok(r.payloadType >= 0 && r.payloadType <= 127);
  assert.ok(r.sequence >= 0 && r.sequence <= 0xffff);
  assert.ok(r.padding >= 0 && r.padding <= 255);
}

function checkRtcpResult(buf: Buffer): void {
  const r = parseRtcp(buf, { reducedSize: true });
  if ('error' in r) {
    assert.ok(r.index >= 0);
    return;
  }
  assert.ok(buf.length % 4 === 0 && r.packets.length >= 1 && r.packets.length <= buf.length / 4);
  let reported = 0;
  for (const p of r.packets) {
    switch (p.type) {
      case 'sr':
      case 'rr':
        assert.ok(p.reports.length <= 31);
        reported += p.reports.length * 24;
        for (const b of p.reports) {
          assert.ok(b.cumulativeLost >= -0x800000 && b.cumulativeLost <= 0x7fffff);
          assert.ok(b.fractionLost >= 0 && b.fractionLost <= 255);
        }
        if (p.extension) assert.ok(within(p.extension, buf));
        break;
      case 'sdes':
        assert.ok(p.chunks.length <= 31);
        for (const c of p.chunks) for (const item of c.items) assert.ok(item.type !== 0 && Buffer.byteLength(item.value) <= 255 * 3);
        break;
      case 'bye':
        assert.ok(p.ssrcs.length <= 31);
        break;
      case 'app':
        assert.ok(within(p.data, buf));
        assert.equal(p.name.length, 4);
        break;
      case 'other':
        assert.ok(within(p.body, buf));
        break;
    }
  }
  assert.ok(reported <= buf.length);
}

const bytes = (max: number) => fc.uint8Array({ minLength: 0, maxLength: max }).map((a) => Buffer.from(a));

test('parseRtp never throws on random datagrams and never returns lengths outside them', () => {
  fc.assert(fc.property(bytes(300), (buf) => checkRtpResult(buf)), { numRuns: RUNS });
});

test('parseRtp on RTP-looking datagrams (V=2, random flags/CC/lengths) reaches every path safely', () => {
  const rtpish = fc.tuple(fc.integer({ min: 0x80, max: 0xbf }), bytes(120)).map(([b0, rest]) => {
    const buf = Buffer.alloc(1 + rest.length);
    buf[0] = b0;
    rest.copy(buf, 1);
    return buf;
  });
  fc.assert(fc.property(rtpish, (buf) => checkRtpResult(buf)), { numRuns: RUNS });
  // and inside a larger allocation: views must stay within the slice handed in
  fc.assert(
    fc.property(rtpish, fc.nat({ max: 16 }), (buf, off) => {
      const big = Buffer.alloc(buf.length + off + 16, 0xaa);
      buf.copy(big, off);
      checkRtpResult(big.subarray(off, off + buf.length));
    }),
    { numRuns: RUNS },
  );
});

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const words = (max: number) => fc.integer({ min: 0, max }).chain((n) => bytes(n * 4).filter((b) => b.length % 4 === 0));

const rtpInit: fc.Arbitrary<RtpPacketInit> = rec({
  payloadType: fc.integer({ min: 0, max: 127 }),
  sequence: fc.integer({ min: 0, max: 0xffff }),
  timestamp: u32,
  ssrc: u32,
  marker: fc.boolean(),
  csrcs: fc.array(u32, { maxLength: 15 }),
  extension: fc.option(rec({ profile: fc.integer({ min: 0, max: 0xffff }), data: fc.integer({ min: 0, max: 8 }).map((n) => Buffer.alloc(n * 4, n)) }), { nil: undefined }),
  padding: fc.integer({ min: 0, max: 255 }),
  payload: bytes(200),
});

test('RTP round trip: parseRtp(serializeRtp(p)) gives p back', () => {
  fc.assert(
    fc.property(rtpInit, (init) => {
      const r = parseRtp(serializeRtp(init));
      if ('error' in r) assert.fail(r.error);
      assert.equal(r.payloadType, init.payloadType);
      assert.equal(r.sequence, init.sequence);
      assert.equal(r.timestamp, init.timestamp);
      assert.equal(r.ssrc, init.ssrc);
      assert.equal(r.marker, init.marker);
      assert.deepEqual(r.csrcs, init.csrcs);
      assert.equal(r.padding, init.padding);
      assert.deepEqual(r.payload, init.payload);
      assert.equal(r.extension?.profile, init.extension?.profile);
      if (init.extension) assert.deepEqual(r.extension?.data, init.extension.data);
    }),
    { numRuns: RUNS },
  );
});

test('parseRtcp never throws on random datagrams', () => {
  fc.assert(fc.property(bytes(300), (buf) => checkRtcpResult(buf)), { numRuns: RUNS });
  const rtcpish = fc.array(fc.tuple(fc.integer({ min: 0x80, max: 0xbf }), fc.integer({ min: 192, max: 210 }), words(12)), { minLength: 1, maxLength: 4 }).map((parts) =>
    Buffer.concat(
      parts.map(([b0, pt, body]) => {
        const h = Buffer.alloc(4);
        h[0] = b0;
        h[1] = pt;
        h.writeUInt16BE(body.length / 4, 2); // a correct length: the fuzz goes into the bodies
        return Buffer.concat([h, body]);
      }),
    ),
  );
  fc.assert(fc.property(rtcpish, (buf) => checkRtcpResult(buf)), { numRuns: RUNS });
});

const reportBlock: fc.Arbitrary<ReportBlock> = rec({
  ssrc: u32,
  fractionLost: fc.integer({ min: 0, max: 255 }),
  cumulativeLost: fc.integer({ min: -0x800000, max: 0x7fffff }),
  extendedHighestSeq: u32,
  jitter: u32,
  lsr: u32,
  dlsr: u32,
});
const text = fc.string({ maxLength: 60 });
const sdesChunk: fc.Arbitrary<SdesChunk> = rec({ ssrc: u32, items: fc.array(rec({ type: fc.integer({ min: 1, max: 255 }), value: text }), { maxLength: 4 }) });
const rtcpPacket: fc.Arbitrary<RtcpPacket> = fc.oneof(
  rec({ type: fc.constant('sr' as const), ssrc: u32, ntpSeconds: u32, ntpFraction: u32, rtpTimestamp: u32, packetCount: u32, octetCount: u32, reports: fc.array(reportBlock, { maxLength: 31 }) }),
  rec({ type: fc.constant('rr' as const), ssrc: u32, reports: fc.array(reportBlock, { maxLength: 31 }) }),
  rec({ type: fc.constant('sdes' as const), chunks: fc.array(sdesChunk, { maxLength: 5 }) }),
  fc.oneof(
    rec({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 31 }) }),
    rec({ type: fc.constant('bye' as const), ssrcs: fc.array(u32, { maxLength: 31 }), reason: text }),
  ),
  rec({ type: fc.constant('app' as const), subtype: fc.integer({ min: 0, max: 31 }), ssrc: u32, name: fc.constantFrom('ABCD', 'qos1', 'x y '), data: words(4) }),
);
const compound = fc.tuple(
  fc.oneof(
    rec({ type: fc.constant('rr' as const), ssrc: u32, reports: fc.array(reportBlock, { maxLength: 3 }) }),
    rec({ type: fc.constant('sr' as const), ssrc: u32, ntpSeconds: u32, ntpFraction: u32, rtpTimestamp: u32, packetCount: u32, octetCount: u32, reports: fc.array(reportBlock, { maxLength: 3 }) }),
  ),
  fc.array(rtcpPacket, { maxLength: 4 }),
);

test('RTCP round trip: parseRtcp(serializeRtcp(packets)) gives the packets back', () => {
  fc.assert(
    fc.property(compound, fc.constantFrom(0, 4, 8, 252), ([first, rest], padding) => {
      const packets: RtcpPacket[] = [first, ...rest];
      const r = parseRtcp(serializeRtcp(packets, { padding }));
      if ('error' in r) assert.fail(`${r.error}: ${r.detail}`);
      assert.deepEqual(r.packets, packets);
    }),
    { numRuns: 1000 },
  );
});

test('mutated and truncated valid RTP/RTCP datagrams never make a parser throw', () => {
  const mutation = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 6 });
  fc.assert(
    fc.property(compound, rtpInit, mutation, fc.nat(), ([first, rest], init, flips, cut) => {
      for (const original of [serializeRtcp([first, ...rest]), serializeRtp(init)]) {
        const buf = Buffer.from(original);
        for (const [at, value] of flips) buf[at % buf.length] = value;
        for (const b of [buf, buf.subarray(0, cut % (buf.length + 1))]) {
          checkRtpResult(b);
          checkRtcpResult(b);
          classifyPacket(b);
        }
      }
    }),
    { numRuns: 1000 },
  );
});

/** Mostly in order, some reordering/duplicates, a few jumps of any size. */
const step = fc.oneof(
  { weight: 12, arbitrary: fc.constant(1) },
  { weight: 3, arbitrary: fc.integer({ min: -120, max: 120 }) },
  { weight: 1, arbitrary: fc.integer({ min: -65535, max: 65535 }) },
);

test('A.1/A.3 on random increasing streams with gaps (wrapping many times): exact expected, received, lost', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(fc.integer({ min: 1, max: 2999 }), { maxLength: 300 }), (start, gaps) => {
      const s = new RtpSourceStats({ countProbation: true });
      s.updateSequence(start);
      let seq = start + 1;
      assert.equal(s.updateSequence(seq & 0xffff), 'valid');
      for (const g of gaps) {
        seq += g;
        assert.equal(s.updateSequence(seq & 0xffff), 'valid');
      }
      assert.equal(s.received, gaps.length + 2);
      assert.equal(s.expected, seq - start + 1);
      assert.equal(s.lost, seq - start + 1 - (gaps.length + 2));
      assert.equal(s.report()?.extendedHighestSeq, seq % 2 ** 32); // cycles counted from the first packet's
    }),
    { numRuns: 1000 },
  );
});

test('A.1/A.3 invariants on random sequence streams: counters stay consistent, report fields in range', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 0xffff }), fc.array(step, { minLength: 2, maxLength: 400 }), (start, steps) => {
      const s = new RtpSourceStats({ countProbation: true });
      let seq = start;
      let accepted = 0;
      for (const step of steps) {
        seq = (seq + step) & 0xffff;
        const v = s.update(seq, seq * 160, seq * 160);
        if (v !== 'probation' && v !== 'jump') accepted++;
        if (v === 'resync') accepted = 1;
      }
      if (!s.validated) return;
      assert.ok(s.received >= 1 && s.received <= accepted + 1);
      assert.ok(s.expected >= 1);
      const r = s.report();
      assert.ok(r);
      assert.ok(r.fractionLost >= 0 && r.fractionLost <= 255);
      assert.ok(r.cumulativeLost >= -0x800000 && r.cumulativeLost <= 0x7fffff);
      assert.ok(Number.isInteger(r.extendedHighestSeq) && r.extendedHighestSeq >= 0 && r.extendedHighestSeq <= 0xffffffff);
      assert.ok(Number.isFinite(r.jitter) && r.jitter >= 0);
    }),
    { numRuns: 1000 },
  );
});
