import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ToneGenerator,
  renderTone,
  dbm0ToPeak,
  peakToDbm0,
  applyGain,
  mixInto,
  ClipPlayer,
  validateTonePlan,
  type TonePlan,
} from '../../src/media/dsp/tones.js';
import { TONE_PLANS, TONE_REGIONS, TONE_NAMES, tonePlan, parseTonePlan } from '../../src/media/dsp/tone-plans.js';
import { goertzelDbfs, rmsDbfs, dominantFrequency } from '../../src/media/dsp/analysis.js';

const DBFS_TO_DBM0 = 3.17 + 20 * Math.log10(Math.SQRT2);

/** On/off runs of a rendered cadence, measured with 1 ms windows: [on?, ms][]. */
function cadence(pcm: Int16Array, fs: number): [boolean, number][] {
  const w = fs / 1000;
  const runs: [boolean, number][] = [];
  for (let at = 0; at + w <= pcm.length; at += w) {
    const on = rmsDbfs(pcm, at, at + w) > -60;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === on) last[1]++;
    else runs.push([on, 1]);
  }
  return runs;
}

function expectedRuns(plan: TonePlan, totalMs: number): [boolean, number][] {
  const runs: [boolean, number][] = [];
  let t = 0;
  for (let i = 0; t < totalMs; i = (i + 1) % plan.segments.length) {
    const s = plan.segments[i];
    if (s === undefined) break;
    const ms = Math.min(s.ms, totalMs - t);
    const on = s.freqs.length > 0;
    const last = runs[runs.length - 1];
    if (last !== undefined && last[0] === on) last[1] += ms;
    else runs.push([on, ms]);
    t += ms;
    if (!plan.repeat && i === plan.segments.length - 1) {
      if (t < totalMs) runs.push([false, totalMs - t]);
      break;
    }
  }
  return runs;
}

test('dBm0 reference: a full-scale sine is +3.17 dBm0; −13 dBm0 ≈ 5092 peak', () => {
  assert.ok(Math.abs(dbm0ToPeak(3.17) - 32767) < 1e-6);
  assert.ok(Math.abs(dbm0ToPeak(-13) - 5092) < 1);
  assert.ok(Math.abs(peakToDbm0(dbm0ToPeak(-24)) + 24) < 1e-9);
});

for (const region of TONE_REGIONS) {
  for (const name of TONE_NAMES) {
    test(`${region} ${name}: frequencies, levels and cadence as planned (8 and 16 kHz)`, () => {
      const plan = tonePlan(region, name);
      validateTonePlan(plan, 8000);
      const first = plan.segments.find((s) => s.freqs.length > 0);
      assert.ok(first !== undefined);
      const cycleMs = plan.segments.reduce((a, s) => a + s.ms, 0);
      const totalMs = Number.isFinite(cycleMs) ? Math.min(cycleMs * 2 + 500, 32_000) : 3000;
      for (const fs of [8000, 16000]) {
        const pcm = renderTone(plan, fs, totalMs);
        assert.equal(pcm.length, (totalMs * fs) / 1000);
        // Cadence within 2 ms per run (the 2 ms ramps sit inside the sounding parts).
        const got = cadence(pcm, fs);
        const want = expectedRuns(plan, totalMs);
        assert.equal(got.length, want.length, `${JSON.stringify(got)} vs ${JSON.stringify(want)}`);
        got.forEach(([on, ms], i) => {
          const [won, wms] = want[i] as [boolean, number];
          assert.equal(on, won);
          assert.ok(Math.abs(ms - wms) <= 2, `run ${i}: ${ms} ms, expected ${wms}`);
        });
        // Each frequency of the first sounding segment at the plan's level (±0.3 dB), measured over 100 ms inside it.
        const from = Math.round(0.01 * fs);
        const block = pcm.subarray(from, from + Math.round(0.1 * fs));
        for (const f of first.freqs) {
          const level = goertzelDbfs(block, f, fs) + DBFS_TO_DBM0;
          assert.ok(Math.abs(level - plan.levelDbm0) < 0.3, `${f} Hz at ${level.toFixed(2)} dBm0, planned ${plan.levelDbm0}`);
        }
        if (first.freqs.length === 1) assert.ok(Math.abs((dominantFrequency(block, fs) ?? 0) - (first.freqs[0] as number)) < 1);
      }
    });
  }
}

test('the standard values are the ones cited', () => {
  const us = TONE_PLANS.us;
  assert.deepEqual(us.dial.segments, [{ freqs: [350, 440], ms: Infinity }]);
  assert.deepEqual(us.ringback.segments.map((s) => [s.freqs, s.ms]), [[[440, 480], 2000], [[], 4000]]);
  assert.deepEqual(us.busy.segments.map((s) => [s.freqs, s.ms]), [[[480, 620], 500], [[], 500]]);
  assert.deepEqual(us.congestion.segments.map((s) => [s.freqs, s.ms]), [[[480, 620], 250], [[], 250]]);
  assert.deepEqual(us.callWaiting.segments[0], { freqs: [440], ms: 300 });
  assert.deepEqual([us.dial.levelDbm0, us.ringback.levelDbm0, us.busy.levelDbm0], [-13, -19, -24]);
  const eu = TONE_PLANS.etsi;
  assert.deepEqual(eu.ringback.segments.map((s) => [s.freqs, s.ms]), [[[425], 1000], [[], 4000]]);
  assert.deepEqual(eu.callWaiting.segments.map((s) => s.ms), [200, 200, 200, 3000]);
  const kr = TONE_PLANS.kr;
  assert.deepEqual(kr.ringback.segments.map((s) => [s.freqs, s.ms]), [[[440, 480], 1000], [[], 2000]]);
  assert.deepEqual(kr.busy.segments.map((s) => [s.freqs, s.ms]), [[[480, 620], 500], [[], 500]]);
});

test('phase-continuous: frame by frame equals one block, whatever the frame sizes', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...TONE_REGIONS),
      fc.constantFrom(...TONE_NAMES),
      fc.constantFrom(8000, 16000),
      fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 30 }),
      (region, name, fs, sizes) => {
        const plan = tonePlan(region, name);
        const total = sizes.reduce((a, b) => a + b, 0);
        const whole = new ToneGenerator(plan, { sampleRate: fs }).next(total);
        const g = new ToneGenerator(plan, { sampleRate: fs });
        const parts = new Int16Array(total);
        let at = 0;
        for (const n of sizes) {
          parts.set(g.next(n), at);
          at += n;
        }
        assert.deepEqual(parts, whole);
      },
    ),
    { numRuns: 100 },
  );
});

test('no clicks: ramps at the edges, continuous through 20 ms frames', () => {
  const fs = 8000;
  const g = new ToneGenerator(TONE_PLANS.us.busy, { sampleRate: fs });
  const pcm = new Int16Array(fs * 2);
  for (let at = 0; at < pcm.length; at += 160) pcm.set(g.next(160), at);
  const peak = dbm0ToPeak(-24) * 2;
  // Two sines of peak p at 480 and 620 Hz change by at most 2π(480+620)/8000 · p ≈ 0.86 · p per sample at 8 kHz.
  let maxStep = 0;
  for (let i = 1; i < pcm.length; i++) maxStep = Math.max(maxStep, Math.abs((pcm[i] as number) - (pcm[i - 1] as number)));
  assert.ok(maxStep <= peak * 0.9, `max step ${maxStep}`);
  assert.ok(Math.abs(pcm[0] as number) < 100, 'starts from silence');
});

test('a plan played once finishes; the generator then gives silence', () => {
  const g = new ToneGenerator(TONE_PLANS.us.confirm, { sampleRate: 8000 });
  const a = g.next(8000 * 0.5);
  assert.ok(g.finished);
  assert.ok(rmsDbfs(a, 0, 800) > -40);
  assert.ok(g.next(160).every((v) => v === 0));
  assert.ok(Math.abs(g.elapsedMs - 520) < 1e-9);
  g.reset();
  assert.equal(g.finished, false);
});

test('volume: +6 dB doubles the amplitude; user volume saturates instead of wrapping', () => {
  const fs = 8000;
  const quiet = renderTone(TONE_PLANS.etsi.dial, fs, 200);
  const loud = renderTone(TONE_PLANS.etsi.dial, fs, 200, { volumeDb: 6 });
  assert.ok(Math.abs(rmsDbfs(loud, 160) - rmsDbfs(quiet, 160) - 6) < 0.05);
  const veryLoud = renderTone(TONE_PLANS.us.dial, fs, 200, { volumeDb: 30 });
  assert.equal(Math.max(...veryLoud), 32767);
  assert.equal(Math.min(...veryLoud), -32768);
});

test('applyGain and mixInto saturate', () => {
  const x = Int16Array.of(0, 1000, -1000, 20000, -20000, 32767, -32768);
  assert.deepEqual(applyGain(x, 20 * Math.log10(2)), Int16Array.of(0, 2000, -2000, 32767, -32768, 32767, -32768));
  assert.deepEqual(applyGain(x, -Infinity), new Int16Array(7));
  assert.deepEqual(applyGain(x, 0), x);
  const inPlace = Int16Array.from(x);
  assert.equal(applyGain(inPlace, 20 * Math.log10(0.5), inPlace), inPlace);
  assert.deepEqual(inPlace, Int16Array.of(0, 500, -500, 10000, -10000, 16384, -16384));
  assert.throws(() => applyGain(x, NaN), RangeError);
  assert.deepEqual(mixInto(Int16Array.of(30000, -30000, 5), Int16Array.of(30000, -30000, 5)), Int16Array.of(32767, -32768, 10));
});

test('plans are checked: bad frequencies, durations, Nyquist', () => {
  const base = { name: 't', levelDbm0: -10, repeat: true };
  assert.throws(() => validateTonePlan({ ...base, segments: [] }), /no segments/);
  assert.throws(() => validateTonePlan({ ...base, segments: [{ freqs: [440], ms: 0 }] }), /duration/);
  assert.throws(() => validateTonePlan({ ...base, segments: [{ freqs: [440], ms: Infinity }, { freqs: [], ms: 10 }] }), /endless/);
  assert.throws(() => validateTonePlan({ ...base, segments: [{ freqs: [-1], ms: 10 }] }), /frequency/);
  assert.throws(() => new ToneGenerator({ ...base, segments: [{ freqs: [5000], ms: 10 }] }, { sampleRate: 8000 }), /Nyquist/);
  assert.throws(() => validateTonePlan({ ...base, levelDbm0: 10, segments: [{ freqs: [440], ms: 10 }] }), /level/);
  assert.throws(() => validateTonePlan({ ...base, segments: [{ freqs: [440, 480], ms: 10, levelsDbm0: [-10] }] }), /levels/);
});

test('parseTonePlan reads the compact notation', () => {
  const busy = parseTonePlan('480+620/500,0/500', { name: 'busy', levelDbm0: -24 });
  assert.deepEqual(busy, { name: 'busy', levelDbm0: -24, repeat: true, segments: [{ freqs: [480, 620], ms: 500 }, { freqs: [], ms: 500 }] });
  const stutter = parseTonePlan('!350+440/100,0/100,350+440/100,0/100,350+440');
  assert.equal(stutter.repeat, false);
  assert.equal(stutter.segments[4]?.ms, Infinity);
  assert.equal(parseTonePlan('425').repeat, false, 'a continuous tone does not repeat');
  for (const bad of ['', '!', '440/abc', '440/0', '440,0/100', '440+480+500+600+700/100', '0.5/100', '30000/100', '440/100,,0/100']) {
    assert.throws(() => parseTonePlan(bad), RangeError, bad);
  }
});

test('ClipPlayer loops a clip with a gap and volume, or plays it once', () => {
  const clip = Int16Array.of(1000, 2000, 3000);
  const loop = new ClipPlayer(clip, { gapSamples: 2, volumeDb: 20 * Math.log10(2) });
  assert.deepEqual(loop.next(12), Int16Array.of(2000, 4000, 6000, 0, 0, 2000, 4000, 6000, 0, 0, 2000, 4000));
  const once = new ClipPlayer(clip, { loop: false });
  assert.deepEqual(once.next(5), Int16Array.of(1000, 2000, 3000, 0, 0));
  assert.ok(once.finished);
  assert.ok(new ClipPlayer(new Int16Array(0)).finished);
});
