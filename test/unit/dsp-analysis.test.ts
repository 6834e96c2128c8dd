import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { dominantFrequency, rmsDbfs, rmsDbm0, goertzelDbfs, longestGap, longestGapMs } from '../../src/media/dsp/analysis.js';
import { renderTone, dbm0ToPeak } from '../../src/media/dsp/tones.js';
import { TONE_PLANS } from '../../src/media/dsp/tone-plans.js';

const sine = (f: number, fs: number, n: number, a = 10_000, ph = 0): Int16Array =>
  Int16Array.from({ length: n }, (_v, i) => Math.round(a * Math.sin((2 * Math.PI * f * i) / fs + ph)));

test('dominantFrequency: within 0.1 Hz for one second of a clean tone, any frequency and phase', () => {
  fc.assert(
    fc.property(fc.constantFrom(8000, 16000), fc.double({ min: 50, max: 3800, noNaN: true }), fc.double({ min: 0, max: 6.28, noNaN: true }), (fs, f, ph) => {
      const got = dominantFrequency(sine(f, fs, fs, 8000, ph), fs);
      assert.ok(got !== undefined && Math.abs(got - f) < 0.1, `${f} → ${got}`);
    }),
    { numRuns: 100 },
  );
});

test('dominantFrequency: the stronger of two tones, a search range, silence', () => {
  const fs = 8000;
  const strong = sine(1000, fs, fs, 9000);
  const mix = Int16Array.from(sine(440, fs, fs, 3000), (v, i) => v + (strong[i] as number));
  assert.ok(Math.abs((dominantFrequency(mix, fs) ?? 0) - 1000) < 0.2);
  assert.ok(Math.abs((dominantFrequency(mix, fs, { maxHz: 800 }) ?? 0) - 440) < 0.2);
  assert.ok(Math.abs((dominantFrequency(mix, fs, { minHz: 500 }) ?? 0) - 1000) < 0.2);
  assert.equal(dominantFrequency(new Int16Array(800), fs), undefined);
  assert.equal(dominantFrequency(new Int16Array(0), fs), undefined);
  // 20 ms is enough for a rough answer.
  assert.ok(Math.abs((dominantFrequency(sine(425, fs, 160), fs) ?? 0) - 425) < 5);
});

test('rmsDbfs / rmsDbm0 conventions', () => {
  assert.equal(rmsDbfs(new Int16Array(100).fill(-32768)), 0, 'full scale DC (or square wave) is 0 dBFS');
  assert.ok(Math.abs(rmsDbfs(sine(1000, 8000, 8000, 32767)) + 3.01) < 0.01);
  assert.equal(rmsDbfs(new Int16Array(10)), -Infinity);
  assert.equal(rmsDbfs(new Int16Array(0)), -Infinity);
  assert.ok(Math.abs(rmsDbm0(sine(1000, 8000, 8000, dbm0ToPeak(-13))) + 13) < 0.02);
  const x = Int16Array.of(0, 0, 1000, 1000);
  assert.ok(Math.abs(rmsDbfs(x, 2, 4) - 20 * Math.log10(1000 / 32768)) < 1e-9);
  assert.equal(rmsDbfs(x, 0, 2), -Infinity);
});

test('goertzelDbfs measures one component of a mix', () => {
  const dial = renderTone(TONE_PLANS.us.dial, 8000, 1000);
  const block = dial.subarray(80);
  const ref = 20 * Math.log10(dbm0ToPeak(-13) / Math.SQRT2 / 32768);
  assert.ok(Math.abs(goertzelDbfs(block, 350, 8000) - ref) < 0.1);
  assert.ok(Math.abs(goertzelDbfs(block, 440, 8000) - ref) < 0.1);
  assert.ok(goertzelDbfs(block, 620, 8000) < ref - 40);
  assert.equal(goertzelDbfs(new Int16Array(0), 440, 8000), -Infinity);
});

test('longestGap finds the longest quiet run, with its position', () => {
  const fs = 8000;
  const x = sine(440, fs, fs);
  x.fill(0, 1000, 1160); // 20 ms
  x.fill(0, 4000, 4400); // 50 ms
  x.fill(0, 7960); // 5 ms at the end
  assert.deepEqual(longestGap(x, fs), { startMs: 500, durationMs: 50 });
  assert.equal(longestGapMs(x, fs, { windowMs: 1 }), 50);
  assert.equal(longestGapMs(sine(440, fs, fs), fs), 0);
  assert.deepEqual(longestGap(new Int16Array(fs), fs), { startMs: 0, durationMs: 1000 });
  // Quiet, not silent: below the threshold counts as a gap.
  const quiet = sine(440, fs, fs, 20); // about −67 dBFS
  assert.equal(longestGapMs(quiet, fs), 1000);
  assert.equal(longestGapMs(quiet, fs, { thresholdDbfs: -80 }), 0);
  // Cadence of US busy: 500 ms gaps.
  const busy = renderTone(TONE_PLANS.us.busy, fs, 2000);
  assert.ok(Math.abs(longestGapMs(busy, fs, { windowMs: 1 }) - 500) <= 2);
});

test('CPU cost per 20 ms frame (jitter buffer + PLC + tone generation) stays small', async () => {
  const { JitterBuffer } = await import('../../src/media/dsp/jitter-buffer.js');
  const { Plc } = await import('../../src/media/dsp/plc.js');
  const { ToneGenerator } = await import('../../src/media/dsp/tones.js');
  for (const fs of [8000, 16000]) {
    const frame = fs / 50;
    const jb = new JitterBuffer<Int16Array>({ clockRate: 8000 });
    const plc = new Plc({ sampleRate: fs });
    const tone = new ToneGenerator(TONE_PLANS.us.ringback, { sampleRate: fs });
    const pcm = sine(300, fs, frame);
    const frames = 5000;
    const start = process.hrtime.bigint();
    for (let i = 0; i < frames; i++) {
      if (i % 10 !== 3) jb.put({ sequence: i % 65536, timestamp: (i * 160) % 2 ** 32, payload: pcm, arrivalMs: i * 20 + ((i * 7919) % 40) });
      const out = jb.get(i * 20 + 5);
      if (out.kind === 'frame') plc.good(out.payload);
      else plc.missing(frame);
      tone.next(frame);
    }
    const usPerFrame = Number(process.hrtime.bigint() - start) / 1000 / frames;
    // A 20 ms frame has 20 000 µs; even a slow board should be far below 1 ms.
    assert.ok(usPerFrame < 1000, `${usPerFrame.toFixed(1)} µs per frame at ${fs} Hz`);
  }
});
