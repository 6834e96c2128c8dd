// SRTP/SRTCP packet processing: tamper detection, replay, ROC across the sequence wrap, late packets,
// header variants, MKI, SSRC handling, counters, fuzzing, an independent re-computation of a packet with
// ROC ≠ 0, and timing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { SrtpContext, SrtpError, deriveSessionKeys, isRtcpPacket, isSrtpError } from '../../src/media/srtp/srtp.js';
import type { SrtpSuite } from '../../src/media/srtp/keys.js';

const masterKey = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');
const masterSalt = Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacad', 'hex');

function ctx(suite: SrtpSuite = 'AES_CM_128_HMAC_SHA1_80', extra: { mki?: Buffer; ssrc?: number; maxStreams?: number } = {}): SrtpContext {
  return new SrtpContext({ suite, masterKey, masterSalt, ...extra });
}

interface RtpOptions {
  ssrc?: number;
  payload?: Buffer;
  csrcs?: number[];
  extension?: Buffer; // body, a multiple of 4 bytes
  pt?: number;
}

function rtp(seq: number, o: RtpOptions = {}): Buffer {
  const csrcs = o.csrcs ?? [];
  const ext = o.extension;
  const head = Buffer.alloc(12 + 4 * csrcs.length + (ext ? 4 + ext.length : 0));
  head[0] = 0x80 | (ext ? 0x10 : 0) | csrcs.length;
  head[1] = o.pt ?? 0;
  head.writeUInt16BE(seq & 0xffff, 2);
  head.writeUInt32BE((seq * 160) >>> 0, 4);
  head.writeUInt32BE(o.ssrc ?? 0x11223344, 8);
  csrcs.forEach((c, i) => head.writeUInt32BE(c, 12 + 4 * i));
  if (ext) {
    const at = 12 + 4 * csrcs.length;
    head.writeUInt16BE(0xbede, at);
    head.writeUInt16BE(ext.length / 4, at + 2);
    ext.copy(head, at + 4);
  }
  return Buffer.concat([head, o.payload ?? Buffer.alloc(160, seq & 0xff)]);
}

/** RTCP SR (28 bytes) + SDES chunk, as a compound packet. */
function rtcp(ssrc = 0x11223344): Buffer {
  const sr = Buffer.alloc(28);
  sr[0] = 0x80;
  sr[1] = 200;
  sr.writeUInt16BE(6, 2);
  sr.writeUInt32BE(ssrc, 4);
  randomBytes(20).copy(sr, 8);
  const sdes = Buffer.from([0x81, 202, 0, 3, 0x11, 0x22, 0x33, 0x44, 1, 2, 0x61, 0x62, 0, 0, 0, 0]);
  sdes.writeUInt32BE(ssrc, 4);
  return Buffer.concat([sr, sdes]);
}

function ok(value: Buffer | SrtpError): Buffer {
  if (isSrtpError(value)) assert.fail(`expected a packet, got ${value.toString()}`);
  return value;
}

function err(value: Buffer | SrtpError): SrtpError {
  if (!isSrtpError(value)) assert.fail('expected an SrtpError, got a packet');
  return value;
}

test('round trip, _80 and _32; header stays clear, payload is encrypted, tag length per suite', () => {
  for (const [suite, tag] of [['AES_CM_128_HMAC_SHA1_80', 10], ['AES_CM_128_HMAC_SHA1_32', 4]] as const) {
    const plain = rtp(1000);
    const sent = ctx(suite).protectRtp(plain);
    assert.equal(sent.length, plain.length + tag);
    assert.deepEqual(sent.subarray(0, 12), plain.subarray(0, 12));
    assert.notDeepEqual(sent.subarray(12, plain.length), plain.subarray(12));
    assert.deepEqual(ok(ctx(suite).unprotectRtp(sent)), plain);

    const report = rtcp();
    const srtcp = ctx(suite).protectRtcp(report);
    assert.equal(srtcp.length, report.length + 4 + 10, 'SRTCP tag is 80 bits for both suites');
    assert.deepEqual(ok(ctx(suite).unprotectRtcp(srtcp)), report);
  }
});

test('CSRCs and header extension are authenticated but not encrypted; header-only packets work', () => {
  const plain = rtp(7, { csrcs: [1, 2, 3], extension: Buffer.from('1061626364656667', 'hex') });
  const sent = ctx().protectRtp(plain);
  const headerLength = 12 + 12 + 4 + 8;
  assert.deepEqual(sent.subarray(0, headerLength), plain.subarray(0, headerLength));
  assert.notDeepEqual(sent.subarray(headerLength, plain.length), plain.subarray(headerLength));
  assert.deepEqual(ok(ctx().unprotectRtp(sent)), plain);

  const empty = rtp(8, { payload: Buffer.alloc(0) });
  assert.deepEqual(ok(ctx().unprotectRtp(ctx().protectRtp(empty))), empty);
  // An RTCP packet of just the 8-byte header.
  const bye = Buffer.from([0x80, 203, 0, 1, 0x11, 0x22, 0x33, 0x44]);
  assert.deepEqual(ok(ctx().unprotectRtcp(ctx().protectRtcp(bye))), bye);
});

test('one flipped bit anywhere in an SRTP or SRTCP packet is refused, and leaves no trace', () => {
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    const plain = rtp(500, { csrcs: [9], extension: Buffer.alloc(4, 7) });
    const sent = ctx(suite).protectRtp(plain);
    const rx = ctx(suite);
    for (let bit = 0; bit < sent.length * 8; bit++) {
      const bad = Buffer.from(sent);
      bad[bit >>> 3] = (bad[bit >>> 3] ?? 0) ^ (0x80 >>> (bit & 7));
      const e = err(rx.unprotectRtp(bad));
      assert.ok(e.kind === 'auth' || e.kind === 'malformed', `bit ${bit}: ${e.kind}`);
    }
    assert.equal(rx.stats.rtp.unprotected, 0);
    assert.deepEqual(ok(rx.unprotectRtp(sent)), plain, 'the genuine packet still passes afterwards');

    const report = rtcp();
    const srtcp = ctx(suite).protectRtcp(report);
    const rxc = ctx(suite);
    for (let bit = 0; bit < srtcp.length * 8; bit++) {
      const bad = Buffer.from(srtcp);
      bad[bit >>> 3] = (bad[bit >>> 3] ?? 0) ^ (0x80 >>> (bit & 7));
      const e = err(rxc.unprotectRtcp(bad));
      assert.ok(e.kind === 'auth' || e.kind === 'malformed', `bit ${bit}: ${e.kind}`);
    }
    assert.deepEqual(ok(rxc.unprotectRtcp(srtcp)), report);
  }
});

test('replayed SRTP and SRTCP packets are refused; the two Replay Lists are separate', () => {
  const tx = ctx();
  const rx = ctx();
  const a = tx.protectRtp(rtp(0));
  const c = tx.protectRtcp(rtcp()); // SRTCP index 0, same number as the RTP index
  assert.ok(Buffer.isBuffer(rx.unprotectRtp(a)));
  assert.ok(Buffer.isBuffer(rx.unprotectRtcp(c)));
  assert.equal(err(rx.unprotectRtp(a)).kind, 'replay');
  assert.equal(err(rx.unprotectRtcp(c)).kind, 'replay');
  assert.equal(rx.stats.rtp.replay, 1);
  assert.equal(rx.stats.rtcp.replay, 1);
});

test('70000 packets across the 65535 wrap: the ROC increments and a fresh receiver follows', () => {
  const tx = ctx();
  const rx = ctx();
  const start = 40000;
  for (let n = 0; n < 70000; n++) {
    const plain = rtp(start + n, { payload: Buffer.from([n & 0xff, (n >>> 8) & 0xff, n >>> 16]) });
    const got = rx.unprotectRtp(tx.protectRtp(plain));
    if (!Buffer.isBuffer(got)) assert.fail(`packet ${n} (SEQ ${(start + n) & 0xffff}): ${got.toString()}`);
    if (!got.equals(plain)) assert.fail(`packet ${n} decrypted wrongly`);
  }
  // 40000 + 69999 = 109999 = 1·65536 + 44463
  assert.equal(tx.rolloverCounter(0x11223344), 1);
  assert.equal(rx.rolloverCounter(0x11223344), 1);
  assert.equal(rx.stats.rtp.unprotected, 70000);
  assert.equal(rx.stats.rtp.auth, 0);
});

test('reordering around the wrap: SEQ 65535 arriving after SEQ 0 keeps ROC 0', () => {
  const tx = ctx();
  const p65534 = tx.protectRtp(rtp(65534));
  const p65535 = tx.protectRtp(rtp(65535));
  const p0 = tx.protectRtp(rtp(0)); // ROC 1
  const p1 = tx.protectRtp(rtp(1));
  const rx = ctx();
  ok(rx.unprotectRtp(p65534));
  ok(rx.unprotectRtp(p0));
  assert.deepEqual(ok(rx.unprotectRtp(p65535)), rtp(65535));
  assert.deepEqual(ok(rx.unprotectRtp(p1)), rtp(1));
  assert.equal(rx.rolloverCounter(0x11223344), 1);
  assert.equal(err(rx.unprotectRtp(p65535)).kind, 'replay');
});

test('late packets inside the window are accepted once; older than the window are refused', () => {
  const tx = ctx();
  const sent = Array.from({ length: 300 }, (_, n) => tx.protectRtp(rtp(n)));
  const rx = ctx();
  const held = new Set([10, 200, 172]);
  sent.forEach((p, n) => {
    if (!held.has(n)) ok(rx.unprotectRtp(p));
  });
  // Highest is 299; the default window is 128: 172 (299 − 127) is the oldest still inside.
  for (const n of [200, 172]) {
    assert.deepEqual(ok(rx.unprotectRtp(sent[n] ?? Buffer.alloc(0))), rtp(n), `late ${n}`);
    assert.equal(err(rx.unprotectRtp(sent[n] ?? Buffer.alloc(0))).kind, 'replay', `again ${n}`);
  }
  const old = err(rx.unprotectRtp(sent[10] ?? Buffer.alloc(0)));
  assert.equal(old.kind, 'replay');
  assert.match(old.message, /too-old/);
  // A larger window (RFC 4568 WSH) reaches further back.
  const wide = new SrtpContext({ suite: 'AES_CM_128_HMAC_SHA1_80', masterKey, masterSalt, replayWindow: 512 });
  sent.forEach((p, n) => {
    if (n !== 10) ok(wide.unprotectRtp(p));
  });
  ok(wide.unprotectRtp(sent[10] ?? Buffer.alloc(0)));
});

test('SRTCP index: starts at 0, E bit set, increments; late SRTCP inside the window accepted once', () => {
  const tx = ctx();
  const packets = Array.from({ length: 5 }, () => tx.protectRtcp(rtcp()));
  packets.forEach((p, i) => assert.equal(p.readUInt32BE(p.length - 14), (0x80000000 | i) >>> 0));
  const rx = ctx();
  for (const i of [0, 1, 3, 4]) ok(rx.unprotectRtcp(packets[i] ?? Buffer.alloc(0)));
  ok(rx.unprotectRtcp(packets[2] ?? Buffer.alloc(0)));
  assert.equal(err(rx.unprotectRtcp(packets[2] ?? Buffer.alloc(0))).kind, 'replay');
});

test('the sender refuses to protect one index twice (keystream reuse), but handles reordered sending', () => {
  const tx = ctx();
  tx.protectRtp(rtp(10));
  tx.protectRtp(rtp(12));
  tx.protectRtp(rtp(11)); // late but new: fine
  assert.throws(() => tx.protectRtp(rtp(12)), /already protected/);
  assert.throws(() => tx.protectRtp(rtp(10)), RangeError);
  assert.equal(tx.stats.rtp.protected, 3);
  // A SEQ that would need ROC −1 (far behind the first packet) has no index.
  assert.throws(() => tx.protectRtp(rtp(65000)), /no SRTP index/);
  tx.protectRtp(rtp(13)); // state is unharmed
});

test('RTP/RTCP demultiplexing (RFC 5761 §4) sees through SRTP/SRTCP', () => {
  const tx = ctx();
  assert.equal(isRtcpPacket(tx.protectRtcp(rtcp())), true);
  assert.equal(isRtcpPacket(tx.protectRtp(rtp(1, { pt: 0 }))), false);
  assert.equal(isRtcpPacket(tx.protectRtp(rtp(2, { pt: 0x80 | 111 }))), false, 'marker bit + dynamic PT 111');
  assert.equal(isRtcpPacket(tx.protectRtp(rtp(3, { pt: 0x80 | 8 }))), false, 'marker bit + PCMA: 136 is not RTCP');
  assert.equal(isRtcpPacket(Buffer.from([0x80, 201])), false, 'too short');
});

test('an authenticated but unencrypted SRTCP packet (E = 0) is accepted as is', () => {
  const report = rtcp();
  const keys = deriveSessionKeys(masterKey, masterSalt, 'srtcp');
  const eIndex = Buffer.from([0, 0, 0, 7]); // E = 0, index 7
  const authenticated = Buffer.concat([report, eIndex]);
  const tag = createHmac('sha1', keys.authKey).update(authenticated).digest().subarray(0, 10);
  assert.deepEqual(ok(ctx().unprotectRtcp(Buffer.concat([authenticated, tag]))), report);
});

test('independent recomputation of an SRTP packet with ROC 2 (RFC 3711 §4.1.1 IV, §4.2 ROC in the tag)', () => {
  const tx = ctx('AES_CM_128_HMAC_SHA1_80');
  const ssrc = 0xdeadbeef;
  let last: Buffer = Buffer.alloc(0);
  // Walk to ROC 2, SEQ 5 with steps small enough for the index guess.
  for (let i = 65530; i <= 2 * 65536 + 5; i += 1000) last = tx.protectRtp(rtp(i, { ssrc }));
  last = tx.protectRtp(rtp(2 * 65536 + 5, { ssrc }));
  assert.equal(tx.rolloverCounter(ssrc), 2);

  const plain = rtp(2 * 65536 + 5, { ssrc }); // SEQ 5
  const keys = deriveSessionKeys(masterKey, masterSalt, 'srtp');
  const index = 2n * 65536n + 5n;
  const iv = (BigInt('0x' + keys.salt.toString('hex')) << 16n) ^ (BigInt(ssrc) << 64n) ^ (index << 16n);
  const ivBytes = Buffer.from(iv.toString(16).padStart(32, '0'), 'hex');
  const payload = createCipheriv('aes-128-ctr', keys.encryptionKey, ivBytes).update(plain.subarray(12));
  const portion = Buffer.concat([plain.subarray(0, 12), payload]);
  const tag = createHmac('sha1', keys.authKey).update(portion).update(Buffer.from([0, 0, 0, 2])).digest().subarray(0, 10);
  assert.equal(last.toString('hex'), Buffer.concat([portion, tag]).toString('hex'));
});

test('receiver learns SSRCs after authentication only; binding and eviction', () => {
  const a = ctx().protectRtp(rtp(1, { ssrc: 1 }));
  const b = ctx().protectRtp(rtp(1, { ssrc: 2 }));
  const rx = ctx();
  ok(rx.unprotectRtp(a));
  ok(rx.unprotectRtp(b));
  assert.equal(err(rx.unprotectRtp(a)).kind, 'replay');

  const bound = ctx('AES_CM_128_HMAC_SHA1_80', { ssrc: 1 });
  ok(bound.unprotectRtp(a));
  assert.equal(err(bound.unprotectRtp(b)).kind, 'ssrc');
  assert.throws(() => bound.protectRtp(rtp(1, { ssrc: 2 })), RangeError);

  // Forged packets for unknown SSRCs create no state; maxStreams bounds the authenticated ones.
  const small = ctx('AES_CM_128_HMAC_SHA1_80', { maxStreams: 2 });
  for (let s = 10; s < 1000; s++) {
    const forged = rtp(1, { ssrc: s });
    err(small.unprotectRtp(Buffer.concat([forged, Buffer.alloc(10)])));
  }
  const tx = ctx();
  const first = tx.protectRtp(rtp(1, { ssrc: 100 }));
  ok(small.unprotectRtp(first));
  ok(small.unprotectRtp(tx.protectRtp(rtp(1, { ssrc: 101 }))));
  ok(small.unprotectRtp(tx.protectRtp(rtp(1, { ssrc: 102 })))); // evicts 100
  assert.equal(small.rolloverCounter(100), undefined);
  assert.equal(small.rolloverCounter(102), 0);
});

test('MKI: carried between payload and tag, checked on receipt', () => {
  const mki = Buffer.from([0, 0, 0, 1]);
  const withMki = ctx('AES_CM_128_HMAC_SHA1_80', { mki });
  const plain = rtp(3);
  const sent = withMki.protectRtp(plain);
  assert.equal(sent.length, plain.length + 4 + 10);
  assert.deepEqual(sent.subarray(plain.length, plain.length + 4), mki);
  assert.deepEqual(ok(ctx('AES_CM_128_HMAC_SHA1_80', { mki }).unprotectRtp(sent)), plain);
  assert.equal(err(ctx('AES_CM_128_HMAC_SHA1_80', { mki: Buffer.from([0, 0, 0, 2]) }).unprotectRtp(sent)).kind, 'mki');
  assert.ok(isSrtpError(ctx().unprotectRtp(sent)), 'a context without MKI does not accept it');

  const report = rtcp();
  const srtcp = withMki.protectRtcp(report);
  assert.deepEqual(srtcp.subarray(report.length + 4, report.length + 8), mki);
  assert.deepEqual(ok(ctx('AES_CM_128_HMAC_SHA1_80', { mki }).unprotectRtcp(srtcp)), report);
});

test('short and malformed input: refused with the right kind and counted', () => {
  const rx = ctx();
  assert.equal(err(rx.unprotectRtp(Buffer.alloc(0))).kind, 'too-short');
  assert.equal(err(rx.unprotectRtp(Buffer.alloc(21))).kind, 'too-short');
  assert.equal(err(rx.unprotectRtp(Buffer.alloc(22))).kind, 'malformed'); // version 0
  const csrcOverrun = Buffer.alloc(40);
  csrcOverrun[0] = 0x8f; // 15 CSRCs = 72 bytes of header
  assert.equal(err(rx.unprotectRtp(csrcOverrun)).kind, 'malformed');
  const extOverrun = Buffer.alloc(40);
  extOverrun[0] = 0x90;
  extOverrun.writeUInt16BE(100, 14);
  assert.equal(err(rx.unprotectRtp(extOverrun)).kind, 'malformed');
  assert.equal(err(rx.unprotectRtcp(Buffer.alloc(21))).kind, 'too-short');
  assert.equal(err(rx.unprotectRtcp(Buffer.alloc(22))).kind, 'malformed');
  assert.equal(err(rx.unprotectRtp(Buffer.concat([rtp(1), Buffer.alloc(10)]))).kind, 'auth');
  const s = rx.stats;
  assert.deepEqual(
    { tooShort: s.rtp['too-short'], malformed: s.rtp.malformed, auth: s.rtp.auth, rtcpShort: s.rtcp['too-short'], rtcpBad: s.rtcp.malformed },
    { tooShort: 2, malformed: 3, auth: 1, rtcpShort: 1, rtcpBad: 1 },
  );
  assert.throws(() => rx.protectRtp(Buffer.alloc(5)), RangeError);
  assert.throws(() => rx.protectRtcp(Buffer.alloc(5)), RangeError);
});

test('fuzz: random buffers and mutated packets into unprotect never throw', () => {
  const rx = ctx();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), fc.boolean(), (bytes, asRtp) => {
      const buf = Buffer.from(bytes);
      if (asRtp && buf.length > 0) buf[0] = 0x80 | ((buf[0] ?? 0) & 0x3f); // mostly version 2
      const r = asRtp ? rx.unprotectRtp(buf) : rx.unprotectRtcp(buf);
      return r instanceof SrtpError;
    }),
    { numRuns: 5000 },
  );
  const tx = ctx('AES_CM_128_HMAC_SHA1_32');
  const rx32 = ctx('AES_CM_128_HMAC_SHA1_32');
  let seq = 0;
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 4 }),
      fc.nat(),
      (edits, cut) => {
        const p = tx.protectRtp(rtp(seq++, { csrcs: [1], extension: Buffer.alloc(8) }));
        const bad = Buffer.from(p);
        for (const [at, x] of edits) bad[at % bad.length] = (bad[at % bad.length] ?? 0) ^ x;
        const truncated = bad.subarray(0, cut % (bad.length + 1));
        return isSrtpError(rx32.unprotectRtp(bad)) && isSrtpError(rx32.unprotectRtp(truncated));
      },
    ),
    { numRuns: 2000 },
  );
});

test('timing: protect + unprotect of a 160-byte-payload packet', (t) => {
  const n = 20000;
  const packets = Array.from({ length: n }, (_, i) => rtp(i));
  const report = rtcp();
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    const tx = ctx(suite);
    const rx = ctx(suite);
    // warm-up on another SSRC
    for (let i = 0; i < 2000; i++) ok(rx.unprotectRtp(tx.protectRtp(rtp(i, { ssrc: 5 }))));
    const t0 = process.hrtime.bigint();
    for (const p of packets) ok(rx.unprotectRtp(tx.protectRtp(p)));
    const rtpUs = Number(process.hrtime.bigint() - t0) / n / 1000;
    const t1 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) ok(rx.unprotectRtcp(tx.protectRtcp(report)));
    const rtcpUs = Number(process.hrtime.bigint() - t1) / n / 1000;
    t.diagnostic(`${suite}: SRTP protect+unprotect ${rtpUs.toFixed(2)} µs/packet, SRTCP (52-byte compound) ${rtcpUs.toFixed(2)} µs/packet`);
    assert.ok(rtpUs < 1000, `${rtpUs} µs per packet`);
  }
});
