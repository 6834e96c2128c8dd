import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  RtpSourceStats,
  clampCumulativeLost,
  dlsrFromMs,
  fractionLost,
  isAccepted,
  msToRtpUnits,
  nextJitter,
  roundTripTime,
  type SequenceVerdict,
} from '../../src/media/rtp/stats.js';

function feed(s: RtpSourceStats, seqs: readonly number[]): SequenceVerdict[] {
  return seqs.map((q) => s.updateSequence(q));
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => (from + i) & 0xffff);

test('A.1 probation: a new source is valid after MIN_SEQUENTIAL (2) packets in sequence; A.1 counts from the validating one', () => {
  const s = new RtpSourceStats();
  assert.equal(s.updateSequence(1000), 'probation');
  assert.equal(s.validated, false);
  assert.equal(s.probationRun, 1);
  assert.equal(s.expected, 0);
  assert.equal(s.report(), undefined);
  assert.equal(s.updateSequence(1001), 'valid');
  assert.equal(s.validated, true);
  assert.equal(s.received, 1);
  assert.equal(s.expected, 1);
});

test('A.1 probation restarts on a packet out of sequence; countProbation counts the run once valid', () => {
  const s = new RtpSourceStats({ minSequential: 3, countProbation: true });
  assert.deepEqual(feed(s, [10, 11, 20]), ['probation', 'probation', 'probation']);
  assert.equal(s.probationRun, 1); // 20 starts a new run
  assert.deepEqual(feed(s, [21, 22]), ['probation', 'valid']);
  assert.equal(s.received, 3);
  assert.equal(s.expected, 3);
  assert.equal(s.lost, 0);
});

test('minSequential 1 validates at once; probation works across the 65535 → 0 wrap', () => {
  const one = new RtpSourceStats({ minSequential: 1 });
  assert.equal(one.updateSequence(5), 'valid');
  const w = new RtpSourceStats({ countProbation: true });
  assert.deepEqual(feed(w, [65535, 0, 1]), ['probation', 'valid', 'valid']);
  assert.equal(w.expected, 3); // base 65535 reached back across the wrap
  assert.equal(w.received, 3);
  assert.equal(w.report()?.extendedHighestSeq, 0x1_0001);
});

test('A.3 with a gap: expected, lost, and fraction lost per interval', () => {
  const s = new RtpSourceStats({ countProbation: true });
  const seqs = range(100, 100).filter((q) => q < 150 || q >= 155); // 5 lost
  assert.ok(feed(s, seqs).every((v, i) => (i === 0 ? v === 'probation' : v === 'valid')));
  assert.equal(s.expected, 100);
  assert.equal(s.received, 95);
  assert.equal(s.lost, 5);
  const r1 = s.report();
  assert.deepEqual(r1, { fractionLost: Math.floor((5 * 256) / 100), cumulativeLost: 5, extendedHighestSeq: 199, jitter: 0 });
  // second interval: 10 expected, 8 received (2 lost) → 2/10 × 256 = 51
  feed(s, [200, 201, 202, 204, 205, 206, 208, 209]);
  assert.equal(s.receivedSinceReport, 8);
  assert.deepEqual(s.report(), { fractionLost: 51, cumulativeLost: 7, extendedHighestSeq: 209, jitter: 0 });
  assert.equal(s.receivedSinceReport, 0);
  // nothing new: fraction 0
  assert.equal(s.report()?.fractionLost, 0);
});

test('A.1 sequence wrap: cycles counted, extended highest sequence carries them', () => {
  const s = new RtpSourceStats({ countProbation: true });
  const v = feed(s, range(65530, 20)); // 65530..65535, 0..13
  assert.ok(v.slice(1).every((x) => x === 'valid'));
  assert.equal(s.extendedMax, 65536 + 13);
  assert.equal(s.expected, 20);
  assert.equal(s.lost, 0);
  const r = s.report();
  assert.equal(r?.extendedHighestSeq, 0x0001_000d);
  assert.equal(r.extendedHighestSeq >>> 16, 1); // one cycle
});

test('A.1 reordering: late packets within MAX_MISORDER are counted and fill the gap; across a wrap too', () => {
  const s = new RtpSourceStats({ countProbation: true });
  assert.deepEqual(feed(s, [65533, 65534, 0, 65535, 1]), ['probation', 'valid', 'valid', 'late', 'valid']);
  assert.equal(s.expected, 5);
  assert.equal(s.received, 5);
  assert.equal(s.lost, 0);
  assert.equal(s.extendedMax, 65537);
});

test('A.1 duplicates are counted (duplicate of the highest, and older ones): loss turns negative', () => {
  const s = new RtpSourceStats({ countProbation: true });
  assert.deepEqual(feed(s, [1, 2, 3, 3, 2, 4]), ['probation', 'valid', 'valid', 'duplicate', 'late', 'valid']);
  assert.equal(s.expected, 4);
  assert.equal(s.received, 6);
  assert.equal(s.lost, -2);
  assert.deepEqual(s.report(), { fractionLost: 0, cumulativeLost: -2, extendedHighestSeq: 4, jitter: 0 });
});

test('A.1 large jump: discarded unless the next packet confirms it, then statistics restart', () => {
  const s = new RtpSourceStats({ countProbation: true });
  feed(s, range(1, 10));
  assert.equal(s.updateSequence(5000), 'jump');
  assert.equal(s.updateSequence(11), 'valid'); // not confirmed: the stream goes on
  assert.equal(s.received, 11);
  assert.equal(s.updateSequence(9000), 'jump');
  assert.equal(s.updateSequence(9001), 'resync');
  assert.equal(s.received, 1);
  assert.equal(s.expected, 1);
  assert.equal(s.updateSequence(9002), 'valid');
  assert.equal(s.expected, 2);
  // far behind (more than MAX_MISORDER) is a jump, not a late packet
  assert.equal(s.updateSequence(9002 - 200), 'jump');
  assert.deepEqual(['probation', 'jump'].map((v) => isAccepted(v as SequenceVerdict)), [false, false]);
  assert.deepEqual(['valid', 'duplicate', 'late', 'resync'].map((v) => isAccepted(v as SequenceVerdict)), [true, true, true, true]);
});

test('custom MAX_DROPOUT / MAX_MISORDER', () => {
  const s = new RtpSourceStats({ minSequential: 1, maxDropout: 10, maxMisorder: 2 });
  s.updateSequence(100);
  assert.equal(s.updateSequence(109), 'valid');
  assert.equal(s.updateSequence(120), 'jump');
  assert.equal(s.updateSequence(108), 'late');
  assert.equal(s.updateSequence(105), 'jump');
});

test('A.8 jitter: constant delay gives 0; one late packet gives the exact RFC recursion', () => {
  const rate = 8000;
  const s = new RtpSourceStats({ minSequential: 1 });
  for (let i = 0; i < 50; i++) s.update(i, 1000 + i * 160, msToRtpUnits(5_000 + i * 20 + 37, rate));
  assert.equal(s.jitter, 0);
  const t = new RtpSourceStats({ minSequential: 1 });
  const arrivals = [0, 25, 40, 60]; // packet 1 is 5 ms (40 units) late
  arrivals.forEach((ms, i) => t.update(i, i * 160, msToRtpUnits(ms, rate)));
  // D1 = +40 → J = 40/16 = 2.5; D2 = −40 → J = 2.5 + (40 − 2.5)/16; D3 = 0 → J −= J/16
  const j1 = 40 / 16;
  const j2 = j1 + (40 - j1) / 16;
  const j3 = j2 - j2 / 16;
  assert.equal(t.jitter, j3);
  assert.equal(t.report()?.jitter, Math.floor(j3));
});

test('A.8 jitter: alternating ±D converges to D; timestamp wrap does not spike it', () => {
  const s = new RtpSourceStats({ minSequential: 1 });
  let j = 0;
  for (let i = 0; i < 200; i++) {
    s.update(i, (0xffffff00 + i * 160) >>> 0, i * 160 + (i % 2 === 1 ? 80 : 0)); // timestamps wrap at i = 2
    if (i > 0) j = nextJitter(j, 80);
  }
  assert.ok(Math.abs(s.jitter - j) < 1e-9);
  assert.ok(Math.abs(s.jitter - 80) < 0.01);
});

test('jitter=false (RFC 4733 events) leaves the jitter alone; rejected packets never touch it', () => {
  const s = new RtpSourceStats({ minSequential: 1 });
  s.update(0, 0, 0);
  s.update(1, 0, 1000, false); // an event packet repeating the timestamp
  assert.equal(s.jitter, 0);
  s.update(5000, 0, 99999); // jump: discarded
  assert.equal(s.jitter, 0);
});

test('helpers: fraction lost, clamping, DLSR units', () => {
  assert.equal(fractionLost(0, 0), 0);
  assert.equal(fractionLost(10, 12), 0);
  assert.equal(fractionLost(100, 75), 64);
  assert.equal(fractionLost(4, 0), 255); // never 256
  assert.equal(clampCumulativeLost(1e9), 0x7fffff);
  assert.equal(clampCumulativeLost(-1e9), -0x800000);
  assert.equal(dlsrFromMs(1000), 65536);
  assert.equal(dlsrFromMs(5250), 0x54000);
  assert.equal(dlsrFromMs(-1), 0);
});

test('round-trip time: RFC 3550 §6.4.1 Figure 2 example, wrap, missing LSR, rounding, garbage', () => {
  // A = 0xb710:8000 (46864.500 s), LSR = 0xb705:2000 (46853.125 s), DLSR = 0x0005:4000 (5.250 s) → 6.125 s
  assert.equal(roundTripTime(0xb7108000, 0xb7052000, 0x00054000), 6.125);
  assert.equal(roundTripTime(0x00010000, 0xffff8000, 0x00004000), 1.25); // across the 16.16 wrap
  assert.equal(roundTripTime(0x12345678, 0, 0), undefined);
  assert.equal(roundTripTime(0x10000000, 0x10000000, 3), 0); // DLSR rounding on loopback
  assert.equal(roundTripTime(0x10000000, 0x20000000, 0), undefined);
});
