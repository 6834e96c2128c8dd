import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JitterBuffer, type JitterOutput, type JitterPacket, type JitterBufferOptions } from '../../src/media/dsp/jitter-buffer.js';

const CLOCK = 8000;
const TS_STEP = 160; // 20 ms at 8 kHz

/** Deterministic PRNG (LCG) so failures reproduce. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

interface Sent {
  readonly index: number;
  readonly packet: JitterPacket<number>;
}

interface StreamSpec {
  readonly packets: number;
  readonly seq0?: number;
  readonly ts0?: number;
  /** Sender clock error in ppm (positive: the sender's clock runs fast). */
  readonly ppm?: number;
  /** Network delay beyond the fixed 30 ms, per packet. */
  readonly jitter?: (i: number) => number;
  readonly lose?: (i: number) => boolean;
  readonly duplicate?: (i: number) => boolean;
}

/** Packets of a 20 ms stream in arrival order; payload = packet index. */
function stream(spec: StreamSpec): Sent[] {
  const out: Sent[] = [];
  const seq0 = spec.seq0 ?? 1000;
  const ts0 = spec.ts0 ?? 50_000;
  for (let i = 0; i < spec.packets; i++) {
    if (spec.lose?.(i) === true) continue;
    const sendMs = (i * 20) / (1 + (spec.ppm ?? 0) * 1e-6);
    const arrivalMs = sendMs + 30 + (spec.jitter?.(i) ?? 0);
    const packet = { sequence: (seq0 + i) % 65536, timestamp: (ts0 + i * TS_STEP) % 2 ** 32, payload: i, arrivalMs };
    out.push({ index: i, packet });
    if (spec.duplicate?.(i) === true) out.push({ index: i, packet: { ...packet, arrivalMs: arrivalMs + 7 } });
  }
  return out.sort((a, b) => a.packet.arrivalMs - b.packet.arrivalMs);
}

interface RunResult {
  readonly outputs: { readonly atMs: number; readonly out: JitterOutput<number> }[];
  readonly jb: JitterBuffer<number>;
  readonly delays: number[];
}

/** Feeds packets as they arrive and calls get() every 20 ms from `startMs` to `endMs`. */
function run(packets: readonly Sent[], endMs: number, options: Partial<JitterBufferOptions<number>> = {}, startMs = 3): RunResult {
  const jb = new JitterBuffer<number>({ clockRate: CLOCK, ...options });
  const outputs: RunResult['outputs'] = [];
  const delays: number[] = [];
  let i = 0;
  for (let t = startMs; t <= endMs; t += 20) {
    while (i < packets.length && (packets[i] as Sent).packet.arrivalMs <= t) jb.put((packets[i++] as Sent).packet);
    const out = jb.get(t);
    outputs.push({ atMs: t, out });
    const s = jb.stats();
    if (s.playing) delays.push(s.delayMs);
  }
  return { outputs, jb, delays };
}

function played(r: RunResult): number[] {
  return r.outputs.flatMap((o) => (o.out.kind === 'frame' ? [o.out.payload] : []));
}

/**
 * The frames played are in order, none twice, and every one of `expected` was either played or dropped to
 * adapt the delay (the initial 40 ms settles to the measured need: at most `maxDropped` such drops).
 */
function assertPlayedInOrder(r: RunResult, expected: readonly number[], maxDropped = 1): void {
  const p = played(r);
  for (let i = 1; i < p.length; i++) assert.ok((p[i] as number) > (p[i - 1] as number), `frame ${p[i]} after ${p[i - 1]}`);
  const set = new Set(p);
  const missing = expected.filter((i) => !set.has(i));
  const s = r.jb.stats();
  assert.ok(missing.length <= maxDropped && missing.length === s.dropped, `not played: ${missing.join()} (dropped ${s.dropped})`);
  assert.ok(p.every((i) => expected.includes(i)));
}

const range = (n: number, from = 0): number[] => Array.from({ length: n }, (_v, i) => from + i);

test('in order, no jitter: every frame played once, in order, after about the initial delay', () => {
  const r = run(stream({ packets: 200 }), 5000);
  assertPlayedInOrder(r, range(200));
  const first = r.outputs.findIndex((o) => o.out.kind === 'frame');
  const firstAt = (r.outputs[first] as { atMs: number }).atMs;
  assert.ok(firstAt >= 30 + 40 && firstAt <= 30 + 40 + 20, `first frame at ${firstAt} ms`);
  const s = r.jb.stats();
  assert.equal(s.played + s.dropped, 200);
  assert.equal(s.late + s.duplicates + s.concealed + s.lost, 0);
  // After the stream ends: a few 'lost' slots, then 'empty' once idle.
  assert.equal(r.outputs[r.outputs.length - 1]?.out.kind, 'empty');
});

test('frames carry the packet timestamp and sequence number', () => {
  const r = run(stream({ packets: 5, seq0: 7, ts0: 1234 }), 400);
  const frames = r.outputs.flatMap((o) => (o.out.kind === 'frame' ? [o.out] : []));
  assert.deepEqual(
    frames.map((f) => [f.sequence, f.timestamp, f.discontinuous]),
    [0, 1, 2, 3, 4].map((i) => [7 + i, 1234 + i * TS_STEP, false]),
  );
});

test('reordered packets within the jitter are played in order, none late', () => {
  const rnd = lcg(3);
  const r = run(stream({ packets: 500, jitter: () => rnd() * 50 }), 11_000);
  assertPlayedInOrder(r, range(500));
  assert.equal(r.jb.stats().late, 0);
});

test('duplicates are counted and played once', () => {
  const r = run(stream({ packets: 100, duplicate: (i) => i % 3 === 0 }), 3000, { minDelayMs: 40 });
  assert.deepEqual(played(r), range(100));
  assert.equal(r.jb.stats().duplicates, 34);
});

test('a packet after its slot is late: counted, not played; its slot was "missing"', () => {
  const r = run(stream({ packets: 100, jitter: (i) => (i === 50 ? 400 : 0) }), 3000, { minDelayMs: 40 });
  const p = played(r);
  assert.ok(!p.includes(50));
  assert.equal(r.jb.stats().late, 1);
  assert.ok(r.outputs.some((o) => o.out.kind === 'missing' && o.out.reason === 'lost' && o.out.timestamp === 50_000 + 50 * TS_STEP));
  // Everything else in order.
  assert.deepEqual(
    p,
    Array.from({ length: 100 }, (_v, i) => i).filter((i) => i !== 50),
  );
});

test('a lost packet gives one "missing" slot and playout goes on', () => {
  const r = run(stream({ packets: 60, lose: (i) => i === 20 || i === 21 }), 2000, { minDelayMs: 40 });
  assert.deepEqual(
    played(r),
    range(60).filter((i) => i !== 20 && i !== 21),
  );
  const missing = r.outputs.filter((o) => o.out.kind === 'missing' && o.out.reason === 'lost' && o.atMs < 1250);
  assert.equal(missing.length, 2);
  assert.equal(r.jb.stats().lost, 2, 'loss counted from the sequence numbers');
});

test('sequence numbers and timestamps wrap around', () => {
  const r = run(stream({ packets: 300, seq0: 65_400, ts0: 2 ** 32 - 100 * TS_STEP }), 6500, { minDelayMs: 40 });
  assert.deepEqual(played(r), range(300));
  assert.equal(r.jb.stats().lost, 0);
  const frames = r.outputs.flatMap((o) => (o.out.kind === 'frame' ? [o.out] : []));
  assert.equal(frames[150]?.sequence, (65_400 + 150) % 65536);
  assert.equal(frames[150]?.timestamp, (2 ** 32 - 100 * TS_STEP + 150 * TS_STEP) % 2 ** 32);
});

test('property: reordering, duplication and loss never throw, never play a frame twice, keep order', () => {
  fc.assert(
    fc.property(
      fc.record({
        seed: fc.integer(),
        n: fc.integer({ min: 1, max: 400 }),
        seq0: fc.integer({ min: 0, max: 65535 }),
        ts0: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        maxJitter: fc.integer({ min: 0, max: 300 }),
        loss: fc.double({ min: 0, max: 0.5, noNaN: true }),
        dup: fc.double({ min: 0, max: 0.5, noNaN: true }),
        ppm: fc.integer({ min: -2000, max: 2000 }),
        phase: fc.integer({ min: 0, max: 19 }),
      }),
      (c) => {
        const rnd = lcg(c.seed);
        const packets = stream({
          packets: c.n,
          seq0: c.seq0,
          ts0: c.ts0,
          ppm: c.ppm,
          jitter: () => rnd() * c.maxJitter,
          lose: () => rnd() < c.loss,
          duplicate: () => rnd() < c.dup,
        });
        const r = run(packets, c.n * 20 + 1500, {}, c.phase);
        const seen = new Set<number>();
        let last = -1;
        for (const o of r.outputs) {
          if (o.out.kind !== 'frame') continue;
          const i = o.out.payload;
          assert.ok(!seen.has(i), `frame ${i} played twice`);
          assert.ok(i > last, `frame ${i} after ${last}`);
          assert.equal(o.out.sequence, (c.seq0 + i) % 65536);
          assert.equal(o.out.timestamp, (c.ts0 + i * TS_STEP) % 2 ** 32);
          seen.add(i);
          last = i;
        }
        const s = r.jb.stats();
        assert.equal(s.received, packets.length);
        // Every packet is accounted for exactly once.
        assert.equal(s.played + s.late + s.dropped + s.duplicates + s.flushed + s.outliers + s.bufferedPackets, s.received);
        assert.equal(s.resyncs, 0);
      },
    ),
    { numRuns: 200 },
  );
});

test('property: arbitrary packets (any numbers, any order) never make get() or put() throw', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          fc.record({
            sequence: fc.integer({ min: 0, max: 65535 }),
            timestamp: fc.integer({ min: 0, max: 2 ** 32 - 1 }),
            dt: fc.integer({ min: 0, max: 3000 }),
            marker: fc.boolean(),
          }),
          fc.constant('get' as const),
          fc.constant('reset' as const),
        ),
        { maxLength: 300 },
      ),
      (ops) => {
        const jb = new JitterBuffer<number>({ clockRate: CLOCK });
        let now = 0;
        let id = 0;
        const seen = new Set<number>();
        for (const op of ops) {
          if (op === 'get') {
            now += 20;
            const out = jb.get(now);
            if (out.kind === 'frame') {
              assert.ok(!seen.has(out.payload), 'a packet object came out twice');
              seen.add(out.payload);
            }
          } else if (op === 'reset') jb.reset();
          else jb.put({ sequence: op.sequence, timestamp: op.timestamp, marker: op.marker, payload: id++, arrivalMs: now + op.dt / 100 });
        }
        const s = jb.stats();
        assert.ok(Number.isFinite(s.targetDelayMs) && s.targetDelayMs >= 20 && s.targetDelayMs <= 200);
      },
    ),
    { numRuns: 300 },
  );
});

test('malformed packet fields are a caller bug: RangeError', () => {
  const jb = new JitterBuffer<number>({ clockRate: CLOCK });
  assert.throws(() => jb.put({ sequence: 65536, timestamp: 0, payload: 0, arrivalMs: 0 }), RangeError);
  assert.throws(() => jb.put({ sequence: 1, timestamp: -1, payload: 0, arrivalMs: 0 }), RangeError);
  assert.throws(() => jb.put({ sequence: 1, timestamp: 1.5, payload: 0, arrivalMs: 0 }), RangeError);
  assert.throws(() => jb.put({ sequence: 1, timestamp: 1, payload: 0, arrivalMs: NaN }), RangeError);
  assert.throws(() => new JitterBuffer({ clockRate: 0 }), RangeError);
  assert.throws(() => new JitterBuffer({ clockRate: 8000, minDelayMs: 100, maxDelayMs: 50 }), RangeError);
});

test('a timestamp jump (sender restart without marker) is followed after two consistent packets', () => {
  const first = stream({ packets: 100 });
  const second = stream({ packets: 100, seq0: 1100, ts0: 50_000 + 3_000_000 }).map((s) => ({
    index: s.index + 100,
    packet: { ...s.packet, payload: s.packet.payload + 100, arrivalMs: s.packet.arrivalMs + 2300 },
  }));
  const r = run([...first, ...second], 5000, { minDelayMs: 40 });
  const p = played(r);
  assert.deepEqual(p.slice(0, 100), Array.from({ length: 100 }, (_v, i) => i));
  // The new timeline plays from its first packet (held as a candidate, then confirmed).
  assert.deepEqual(p.slice(100), Array.from({ length: 100 }, (_v, i) => 100 + i));
  assert.equal(r.jb.stats().resyncs, 1);
});

test('with the marker bit a jump is followed at once; a talk spurt after silence is no jump', () => {
  const packets: Sent[] = [];
  const add = (payload: number, seq: number, ts: number, at: number, marker = false): void => {
    packets.push({ index: payload, packet: { sequence: seq, timestamp: ts, payload, arrivalMs: at, marker } });
  };
  for (let i = 0; i < 50; i++) add(i, i, i * TS_STEP, i * 20);
  // 3 s of silence (DTX): the sender's timestamp advanced by 3 s too; the new spurt starts with the marker.
  for (let i = 0; i < 50; i++) add(50 + i, 50 + i, (50 + i) * TS_STEP + 3 * 8000, 3000 + (50 + i) * 20, i === 0);
  // A restarted sender (same SSRC), timestamps and sequence numbers from 0 again, marker set.
  for (let i = 0; i < 20; i++) add(500 + i, i, i * TS_STEP, 6000 + i * 20, i === 0);
  const r = run(packets, 7000, { minDelayMs: 40 });
  assert.deepEqual(played(r), [...range(100), ...range(20, 500)]);
  assert.equal(r.jb.stats().resyncs, 1, 'only the restart is a resync');
});

test('idle: after 500 ms without packets the buffer answers "empty" and re-anchors the next spurt', () => {
  const pk = [...stream({ packets: 50 }), ...stream({ packets: 50, seq0: 1050, ts0: 50_000 + 50 * TS_STEP + 8000 }).map((s) => ({ ...s, packet: { ...s.packet, payload: s.packet.payload + 50, arrivalMs: s.packet.arrivalMs + 2000 } }))];
  const r = run(pk, 5000);
  const kindsDuringSilence = r.outputs.filter((o) => o.atMs > 1600 && o.atMs < 2050).map((o) => o.out.kind);
  assert.ok(kindsDuringSilence.every((k) => k === 'empty'), kindsDuringSilence.join());
  assert.deepEqual(played(r), Array.from({ length: 100 }, (_v, i) => i));
  // Re-anchored near the target: its delay is within one frame of it.
  const s = r.jb.stats();
  assert.ok(Math.abs(s.delayMs - s.targetDelayMs) <= 40, `delay ${s.delayMs} target ${s.targetDelayMs}`);
});

test('reset() (new SSRC) starts over at the initial delay', () => {
  const jb = new JitterBuffer<number>({ clockRate: CLOCK });
  for (let i = 0; i < 10; i++) jb.put({ sequence: i, timestamp: i * TS_STEP, payload: i, arrivalMs: i * 20 });
  for (let t = 40; t < 200; t += 20) jb.get(t);
  jb.reset();
  assert.equal(jb.get(200).kind, 'empty');
  for (let i = 0; i < 10; i++) jb.put({ sequence: 40_000 + i, timestamp: 9_999_999 + i * TS_STEP, payload: 100 + i, arrivalMs: 200 + i * 20 });
  const out: number[] = [];
  for (let t = 220; t < 600; t += 20) {
    const o = jb.get(t);
    if (o.kind === 'frame') out.push(o.payload);
  }
  assert.deepEqual(out, Array.from({ length: 10 }, (_v, i) => 100 + i));
  assert.equal(jb.stats().flushed > 0, true);
});

test('grows fast when packets come late, shrinks slowly (one frame per second at most)', () => {
  const rnd = lcg(11);
  // 20 s calm (0-10 ms jitter), 20 s rough (0-120 ms), 40 s calm again.
  const pk = stream({ packets: 4000, jitter: (i) => (i >= 1000 && i < 2000 ? rnd() * 120 : rnd() * 10) });
  const jb = new JitterBuffer<number>({ clockRate: CLOCK });
  const trace: { t: number; target: number; delay: number; late: number }[] = [];
  let k = 0;
  let frames = 0;
  for (let t = 3; t <= 80_500; t += 20) {
    while (k < pk.length && (pk[k] as Sent).packet.arrivalMs <= t) jb.put((pk[k++] as Sent).packet);
    if (jb.get(t).kind === 'frame') frames++;
    const s = jb.stats();
    trace.push({ t, target: s.targetDelayMs, delay: s.delayMs, late: s.late });
  }
  const at = (t: number): { target: number; delay: number; late: number } => trace.find((x) => x.t >= t) as { target: number; delay: number; late: number };
  assert.ok(at(19_000).target <= 30, `calm target ${at(19_000).target}`);
  // Rough from 20 s on: within 3 s the target covers the new jitter, and late packets stop soon.
  assert.ok(at(23_000).target >= 100, `target after 3 s of rough network: ${at(23_000).target}`);
  const lateInRough = at(40_000).late - at(23_000).late;
  assert.ok(lateInRough <= 20, `${lateInRough} late packets in the rough phase after adapting`);
  // Calm again from 40 s: the delay comes down, but no faster than one frame per second.
  for (let t = 41_000; t < 80_000; t += 1000) {
    assert.ok(at(t).delay - at(t + 1000).delay <= 20 + 2, `delay fell from ${at(t).delay} to ${at(t + 1000).delay} within 1 s`);
  }
  assert.ok(at(80_000).delay < 60, `delay back to ${at(80_000).delay}`);
  const s = jb.stats();
  assert.equal(frames + s.late + s.dropped, 4000);
});

for (const ppm of [1000, -1000, 500, -500]) {
  test(`clock drift ${ppm > 0 ? '+' : ''}${ppm} ppm over 10 minutes: the buffer level stays bounded`, () => {
    const rnd = lcg(ppm + 5000);
    const packets = 30_000; // 10 minutes of 20 ms packets
    const r = run(stream({ packets, ppm, jitter: () => rnd() * 30 }), packets * 20 + 1000);
    const s = r.jb.stats();
    const settled = r.delays.slice(250, r.delays.length - 100); // after 5 s, before the stream ends
    const min = Math.min(...settled);
    const max = Math.max(...settled);
    // The band is [target, target + frame + hysteresis]; the target here is ~35 ms.
    assert.ok(min >= s.targetDelayMs - 5, `delay fell to ${min.toFixed(1)} ms (target ${s.targetDelayMs})`);
    assert.ok(max <= s.targetDelayMs + 20 + 5 + 10, `delay rose to ${max.toFixed(1)} ms (target ${s.targetDelayMs})`);
    assert.ok(s.bufferedPackets <= 4);
    // 0.1 % of 10 minutes is 600 ms = 30 frames to drop (sender fast) or to insert (sender slow).
    const expected = (Math.abs(ppm) * 1e-6 * packets * 20) / 20;
    const adjustments = ppm > 0 ? s.dropped : s.concealed;
    assert.ok(Math.abs(adjustments - expected) <= 3, `${adjustments} adjustments, expected about ${expected}`);
    assert.equal(ppm > 0 ? s.concealed : s.dropped, 0, 'no adjustments the wrong way');
    assert.equal(s.late, 0);
    assert.equal(played(r).length + s.dropped, packets);
  });
}

test('drops prefer quiet frames when an isQuiet predicate is given', () => {
  const pk = stream({ packets: 600, ppm: 20_000 }); // 2 % fast: many drops needed
  const quiet = (p: number): boolean => p % 10 === 0;
  const r = run(pk, 13_000, { isQuiet: quiet });
  const playedSet = new Set(played(r));
  const droppedFrames = Array.from({ length: 600 }, (_v, i) => i).filter((i) => !playedSet.has(i));
  assert.ok(droppedFrames.length >= 5, `${droppedFrames.length} dropped`);
  assert.ok(droppedFrames.every(quiet), `dropped ${droppedFrames.join()}`);
  // The frame after a drop is flagged so the decoder can smooth the junction.
  const flagged = r.outputs.flatMap((o) => (o.out.kind === 'frame' && o.out.discontinuous ? [o.out.payload] : []));
  assert.deepEqual(flagged, droppedFrames.map((i) => i + 1));
});

test('stats are a snapshot with sane numbers', () => {
  const r = run(stream({ packets: 100, jitter: (i) => (i % 7) * 3 }), 2200);
  const s = r.jb.stats();
  assert.equal(s.received, 100);
  assert.ok(s.jitterMs > 0 && s.jitterMs < 30);
  assert.ok(s.targetDelayMs >= 20 && s.targetDelayMs <= 200);
  assert.equal(typeof s.playing, 'boolean');
});
