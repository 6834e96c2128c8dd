import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  alawToLinear,
  linearToAlaw,
  linearToUlaw,
  pcmaCodec,
  pcmuCodec,
  ulawToLinear,
} from '../../src/media/codecs/g711.js';

const allSamples = (): number[] => Array.from({ length: 65536 }, (_, i) => i - 32768);

test('G.711 codecs: SDP names, static payload types, 8 kHz', () => {
  assert.deepEqual(
    [pcmuCodec, pcmaCodec].map((c) => [c.name, c.staticPayloadType, c.clockRate, c.sampleRate]),
    [['PCMU', 0, 8000, 8000], ['PCMA', 8, 8000, 8000]],
  );
});

test('µ-law: known codes (G.711 Table 2 / ITU-T STL ulaw_compress)', () => {
  assert.equal(linearToUlaw(0), 0xff);
  assert.equal(linearToUlaw(-1), 0x7f); // one's complement: −1 is the negative zero's interval
  assert.equal(linearToUlaw(32767), 0x80);
  assert.equal(linearToUlaw(-32768), 0x00);
  assert.equal(ulawToLinear(0xff), 0);
  assert.equal(ulawToLinear(0x7f), 0);
  assert.equal(ulawToLinear(0x80), 32124);
  assert.equal(ulawToLinear(0x00), -32124);
  assert.equal(ulawToLinear(0xfe), 8);
  assert.equal(ulawToLinear(0x7e), -8);
  // First row of the classic decoding table (Sun/CCITT): codes 0x00..0x07.
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6, 7].map(ulawToLinear), [-32124, -31100, -30076, -29052, -28028, -27004, -25980, -24956]);
});

test('A-law: known codes (G.711 Table 1 / ITU-T STL alaw_compress)', () => {
  assert.equal(linearToAlaw(0), 0xd5);
  assert.equal(linearToAlaw(-1), 0x55);
  assert.equal(linearToAlaw(32767), 0xaa);
  assert.equal(linearToAlaw(-32768), 0x2a);
  assert.equal(alawToLinear(0xd5), 8);
  assert.equal(alawToLinear(0x55), -8);
  assert.equal(alawToLinear(0xaa), 32256);
  assert.equal(alawToLinear(0x2a), -32256);
  assert.deepEqual([0, 1, 2, 3].map(alawToLinear), [-5504, -5248, -6016, -5760]);
});

test('decision levels at segment edges are the Recommendation\'s, not nearest-level rounding', () => {
  // µ-law: decision value 4063 (14-bit scale) between 3999 and 4191, i.e. 16252 in 16-bit samples.
  assert.equal(ulawToLinear(linearToUlaw(16251)), 15996);
  assert.equal(ulawToLinear(linearToUlaw(16252)), 16764);
  // A-law: decision value 2048 (13-bit scale, 16384 in 16-bit) between 1984 and 2112.
  assert.equal(alawToLinear(linearToAlaw(16383)), 16128);
  assert.equal(alawToLinear(linearToAlaw(16384)), 16896);
});

test('every code decodes and re-encodes to itself, except µ-law\'s negative zero', () => {
  for (let code = 0; code < 256; code++) {
    assert.equal(linearToUlaw(ulawToLinear(code)), code === 0x7f ? 0xff : code, `µ-law 0x${code.toString(16)}`);
    assert.equal(linearToAlaw(alawToLinear(code)), code, `A-law 0x${code.toString(16)}`);
  }
});

test('over all 65536 inputs: monotonic, odd-symmetric (x ↔ −x − 1), bounded error', () => {
  for (const [name, encode, decode, maxMagnitude] of [
    ['µ-law', linearToUlaw, ulawToLinear, 32124],
    ['A-law', linearToAlaw, alawToLinear, 32256],
  ] as const) {
    let previous = -Infinity;
    for (const x of allSamples()) {
      const y = decode(encode(x));
      assert.ok(y >= previous, `${name} not monotonic at ${x}`);
      previous = y;
      // Relative error of a log quantizer: at most half a step, a step being 1/16 of its segment (plus the
      // clipping of the few inputs beyond the largest level, and the LSBs G.711 does not see).
      const allowed = Math.max(16, Math.min(Math.abs(x), maxMagnitude) / 16) + Math.max(0, Math.abs(x) - maxMagnitude);
      assert.ok(Math.abs(y - x) <= allowed, `${name}: ${x} → ${y}`);
      // Negative values mirror positive ones through the one's complement (x ↔ −x − 1).
      assert.equal(decode(encode(-x - 1)), 0 - y, `${name} not symmetric at ${x}`);
    }
  }
});

test('frame encoders and decoders agree with the per-sample functions and keep lengths', () => {
  fc.assert(
    fc.property(fc.array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 400 }), (samples) => {
      const pcm = Int16Array.from(samples);
      for (const [codec, encode, decode] of [
        [pcmuCodec, linearToUlaw, ulawToLinear],
        [pcmaCodec, linearToAlaw, alawToLinear],
      ] as const) {
        const payload = codec.createEncoder().encode(pcm);
        assert.deepEqual([...payload], samples.map(encode));
        const decoded = codec.createDecoder().decode(payload);
        assert.ok(decoded instanceof Int16Array);
        assert.deepEqual([...decoded], [...payload].map(decode));
      }
    }),
  );
});

test('20 ms frame: 160 samples ↔ 160 octets; silence is the zero codes', () => {
  const silence = new Int16Array(160);
  assert.deepEqual(pcmuCodec.createEncoder().encode(silence), Buffer.alloc(160, 0xff));
  assert.deepEqual(pcmaCodec.createEncoder().encode(silence), Buffer.alloc(160, 0xd5));
  assert.equal(pcmuCodec.createDecoder().decode(Buffer.alloc(160, 0xff)).length, 160);
  assert.equal(pcmaCodec.createDecoder().decode(Buffer.alloc(0)).length, 0);
});
