// The sliding replay window of RFC 3711 §3.3.2, checked against a plain model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ReplayWindow } from '../../src/media/srtp/replay.js';

test('basic behaviour: new, duplicate, too old; check does not change state', () => {
  const w = new ReplayWindow(64);
  assert.equal(w.highest, -1);
  assert.equal(w.check(0), 'new');
  assert.equal(w.check(0), 'new', 'check alone records nothing');
  w.accept(0);
  assert.equal(w.check(0), 'duplicate');
  w.accept(100);
  assert.equal(w.check(37), 'new'); // 100 − 37 = 63 < 64
  assert.equal(w.check(36), 'too-old');
  assert.equal(w.check(0), 'too-old');
  w.accept(37);
  assert.equal(w.check(37), 'duplicate');
  assert.equal(w.highest, 100);
  w.accept(100 + 1000); // a jump larger than the window clears it
  assert.equal(w.check(1100 - 63), 'new');
  assert.equal(w.check(1100), 'duplicate');
});

test('sizes: at least 64, rounded up to 32-bit words, 2^48-scale indices', () => {
  assert.throws(() => new ReplayWindow(32), RangeError);
  assert.throws(() => new ReplayWindow(65537), RangeError);
  assert.equal(new ReplayWindow(100).size, 128);
  assert.equal(new ReplayWindow().size, 128);
  const w = new ReplayWindow();
  const big = 2 ** 48 - 1;
  w.accept(big - 5);
  w.accept(big);
  assert.equal(w.check(big - 5), 'duplicate');
  assert.equal(w.check(big - 4), 'new');
});

test('model check: the window agrees with "seen set + highest − size" for random traffic', () => {
  fc.assert(
    fc.property(
      fc.constantFrom(64, 128, 256),
      fc.array(fc.tuple(fc.integer({ min: -300, max: 300 }), fc.boolean()), { maxLength: 400 }),
      (size, steps) => {
        const w = new ReplayWindow(size);
        const seen = new Set<number>();
        let highest = -1;
        let cursor = 1000;
        for (const [delta, accept] of steps) {
          const index = Math.max(0, cursor + delta);
          const expected = index > highest ? 'new' : highest - index >= size ? 'too-old' : seen.has(index) ? 'duplicate' : 'new';
          assert.equal(w.check(index), expected, `index ${index}, highest ${highest}`);
          if (accept && expected === 'new') {
            w.accept(index);
            seen.add(index);
            highest = Math.max(highest, index);
            cursor = index;
          }
        }
      },
    ),
    { numRuns: 300 },
  );
});
