import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Plc } from '../../src/media/dsp/plc.js';
import { rmsDbfs } from '../../src/media/dsp/analysis.js';

/** A voiced-speech-like periodic signal: 125 Hz fundamental and two harmonics. */
function voiced(fs: number, f0 = 125): (n: number) => number {
  return (n) =>
    Math.round(
      6000 * Math.sin((2 * Math.PI * f0 * n) / fs) + 3000 * Math.sin((2 * Math.PI * 2 * f0 * n) / fs + 1) + 1500 * Math.sin((2 * Math.PI * 3 * f0 * n) / fs + 2),
    );
}

class Source {
  n = 0;
  constructor(
    private readonly sig: (n: number) => number,
    private readonly frame: number,
  ) {}
  next(): Int16Array {
    const a = new Int16Array(this.frame);
    for (let i = 0; i < this.frame; i++) a[i] = this.sig(this.n++);
    return a;
  }
  skip(): Int16Array {
    return this.next();
  }
}

function snrDb(x: Int16Array, ref: Int16Array): number {
  let e = 0;
  let s = 0;
  for (let i = 0; i < ref.length; i++) {
    e += ((x[i] as number) - (ref[i] as number)) ** 2;
    s += (ref[i] as number) ** 2;
  }
  return 10 * Math.log10(s / Math.max(e, 1e-9));
}

function maxStep(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 1; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (a[i - 1] as number)));
  return m;
}

for (const fs of [8000, 16000]) {
  const frame = fs / 50;

  test(`${fs} Hz: good frames pass through untouched`, () => {
    const plc = new Plc({ sampleRate: fs });
    const src = new Source(voiced(fs), frame);
    for (let k = 0; k < 5; k++) {
      const f = src.next();
      const copy = Int16Array.from(f);
      const out = plc.good(f);
      assert.equal(out, f, 'the same frame object');
      assert.deepEqual(out, copy);
    }
    assert.equal(plc.concealing, false);
  });

  test(`${fs} Hz: a missing frame of periodic audio is continued by pitch repetition`, () => {
    const plc = new Plc({ sampleRate: fs });
    const src = new Source(voiced(fs), frame);
    for (let k = 0; k < 10; k++) plc.good(src.next());
    const truth = src.skip();
    const made = plc.missing(frame);
    assert.equal(made.length, frame);
    assert.ok(snrDb(made.subarray(0, frame / 2), truth.subarray(0, frame / 2)) > 15, 'first 10 ms close to the real continuation');
    assert.ok(plc.concealing);
  });

  test(`${fs} Hz: concealment fades out: full level for 10 ms, silent from 60 ms`, () => {
    const plc = new Plc({ sampleRate: fs });
    const src = new Source(voiced(fs), frame);
    for (let k = 0; k < 10; k++) plc.good(src.next());
    const ref = rmsDbfs(src.next());
    const all = new Int16Array(5 * frame);
    for (let k = 0; k < 5; k++) all.set(plc.missing(frame), k * frame);
    const ms = (t: number): number => Math.round((t * fs) / 1000);
    assert.ok(Math.abs(rmsDbfs(all, 0, ms(10)) - ref) < 1.5, 'first 10 ms at full level');
    assert.ok(rmsDbfs(all, ms(30), ms(40)) < ref - 4, '30-40 ms attenuated');
    assert.ok(rmsDbfs(all, ms(50), ms(60)) < ref - 12, '50-60 ms almost silent');
    assert.ok(all.subarray(ms(60)).every((v) => v === 0), 'silent from 60 ms');
    assert.equal(plc.stats().currentErasureSamples, 5 * frame);
  });

  test(`${fs} Hz: the junctions into and out of the concealment are smooth`, () => {
    const sig = voiced(fs);
    const natural = maxStep(Int16Array.from({ length: fs / 10 }, (_v, n) => sig(n)));
    const plc = new Plc({ sampleRate: fs });
    const src = new Source(sig, frame);
    let last: Int16Array = new Int16Array(0);
    for (let k = 0; k < 10; k++) last = plc.good(src.next());
    const made = plc.missing(frame);
    src.skip();
    // Into: the first synthetic sample continues the last real one.
    const into = Int16Array.of(...last.subarray(-8), ...made.subarray(0, 8));
    assert.ok(maxStep(into) <= natural * 1.5, `step into concealment ${maxStep(into)} vs natural ${natural}`);
    assert.ok(maxStep(made) <= natural * 1.5, 'no clicks inside the synthetic frame');
    // Out: the next good frame is cross-faded, then equal to the input.
    const next = src.next();
    const out = plc.good(next);
    assert.notEqual(out, next);
    const across = Int16Array.of(...made.subarray(-8), ...out.subarray(0, 8));
    assert.ok(maxStep(across) <= natural * 1.5, `step out of concealment ${maxStep(across)}`);
    // The overlap is a quarter pitch period (+4 ms per 10 ms of erasure), never more than 10 ms.
    assert.deepEqual(out.subarray(fs / 100), next.subarray(fs / 100), 'equal to the input after the overlap');
    assert.equal(plc.concealing, false);
  });

  test(`${fs} Hz: a longer erasure fades into the next good frame over a longer overlap`, () => {
    const plc = new Plc({ sampleRate: fs });
    const src = new Source(voiced(fs), frame);
    for (let k = 0; k < 10; k++) plc.good(src.next());
    for (let k = 0; k < 4; k++) plc.missing(frame);
    const next = src.next();
    const out = plc.good(next);
    // 80 ms erasure: the synthetic part is silent, so the good frame fades in from 0 over 10 ms.
    assert.ok(Math.abs(out[0] as number) <= Math.abs(next[0] as number) / 4 + 1);
    const tenMs = fs / 100;
    assert.deepEqual(out.subarray(tenMs), next.subarray(tenMs));
  });
}

test('a frame after a dropped one can be smoothed: discontinuous cross-fade', () => {
  const fs = 8000;
  const sig = voiced(fs);
  const plc = new Plc({ sampleRate: fs });
  const src = new Source(sig, 160);
  let last: Int16Array = new Int16Array(0);
  for (let k = 0; k < 10; k++) last = plc.good(src.next());
  src.n += 37; // the jitter buffer dropped a frame: a phase jump
  const next = src.next();
  const raw = Int16Array.of(...last.subarray(-4), ...next.subarray(0, 4));
  const out = plc.good(next, { discontinuous: true });
  const smoothed = Int16Array.of(...last.subarray(-4), ...out.subarray(0, 4));
  assert.ok(maxStep(smoothed) < maxStep(raw), `${maxStep(smoothed)} < ${maxStep(raw)}`);
  assert.deepEqual(out.subarray(64), next.subarray(64));
});

test('concealment before any audio is silence; odd sizes and reset work', () => {
  const plc = new Plc({ sampleRate: 16000 });
  assert.ok(plc.missing(320).every((v) => v === 0));
  assert.equal(plc.missing(0).length, 0);
  assert.equal(plc.missing(7).length, 7);
  plc.reset();
  assert.equal(plc.concealing, false);
  assert.throws(() => plc.missing(-1), RangeError);
  assert.throws(() => new Plc({ sampleRate: 100 }), RangeError);
});

test('works with 10 and 30 ms frames and 48 kHz', () => {
  for (const [fs, frame] of [
    [8000, 80],
    [8000, 240],
    [48000, 960],
  ] as const) {
    const plc = new Plc({ sampleRate: fs });
    const src = new Source(voiced(fs), frame);
    for (let k = 0; k < 10; k++) plc.good(src.next());
    const truth = src.skip();
    const made = plc.missing(frame);
    assert.ok(snrDb(made.subarray(0, fs / 200), truth.subarray(0, fs / 200)) > 12, `${fs}/${frame}`);
  }
});

test('property: any sequence of good and missing frames is handled, lengths kept, no NaN', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(8000, 16000),
      fc.array(
        fc.oneof(
          fc.record({ kind: fc.constant('good' as const), samples: fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 400 }), disc: fc.boolean() }),
          fc.record({ kind: fc.constant('missing' as const), n: fc.integer({ min: 0, max: 700 }) }),
        ),
        { maxLength: 40 },
      ),
      (fs, ops) => {
        const plc = new Plc({ sampleRate: fs });
        for (const op of ops) {
          const out = op.kind === 'good' ? plc.good(Int16Array.from(op.samples), { discontinuous: op.disc }) : plc.missing(op.n);
          assert.equal(out.length, op.kind === 'good' ? op.samples.length : op.n);
          assert.ok(out instanceof Int16Array);
        }
      },
    ),
    { numRuns: 200 },
  );
});
