// G.722 (src/media/codecs/g722.ts) against three references:
//  - ITU-T G.722 Appendix II digital test sequences (mode 1, QMFs by-passed, as the appendix has it). T1D3.COD
//    is rebuilt here from its structure and checked against the CRC-32 the ITU publishes for it; T1C1.XMT and
//    T1C2.XMT are ITU copyright and not in the repository: set G722_ITU_VECTORS to a folder holding the
//    distribution's ASCII files (g722-ascii/T1C1.XMT, ...) to run those too. Every output is checked against
//    the CRC-32 the ITU publishes for the binary little-endian version of its reference file, and against the
//    reference file itself when the folder has it.
//  - FFmpeg's adpcm_g722 (test/fixtures/g722, made by make-fixtures.sh): the encoder's octets and the decoder's
//    samples must be identical, except where FFmpeg omits the LIMIT block after its transmit QMF.
//  - Tone round trips (SNR) and properties (frame splitting, arbitrary payloads).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  G722Decoder,
  G722Encoder,
  HigherBandDecoder,
  HigherBandEncoder,
  LowerBandDecoder,
  LowerBandEncoder,
  g722Codec,
} from '../../src/media/codecs/g722.js';
import { pcmaCodec, pcmuCodec } from '../../src/media/codecs/g711.js';
import { SUPPORTED_CODECS, codecByName } from '../../src/media/codecs/registry.js';

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'g722');

// ---------------------------------------------------------------------------------------------------------------
// Helpers

function readPcm(path: string): Int16Array {
  const bytes = readFileSync(path);
  return Int16Array.from({ length: bytes.length / 2 }, (_, i) => bytes.readInt16LE(2 * i));
}

function firstDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Math.min(a.length, b.length);
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return -1;
}

function countDifferences(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

const CRC_TABLE = Int32Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});

/** CRC-32 (IEEE, as zip/zlib) of 16-bit words stored little-endian, as the ITU lists for its binary vectors. */
function crc32OfWords(words: Uint16Array): string {
  let crc = -1;
  for (const w of words) {
    crc = CRC_TABLE[(crc ^ w) & 0xff]! ^ (crc >>> 8);
    crc = CRC_TABLE[(crc ^ (w >> 8)) & 0xff]! ^ (crc >>> 8);
  }
  return ((crc ^ -1) >>> 0).toString(16).toUpperCase().padStart(8, '0');
}

// ---------------------------------------------------------------------------------------------------------------
// Codec surface

test('G.722 codec: SDP name, payload type 9, rtpmap clock 8000, 16 kHz audio', () => {
  assert.deepEqual(
    [g722Codec.name, g722Codec.staticPayloadType, g722Codec.clockRate, g722Codec.sampleRate],
    ['G722', 9, 8000, 16000],
  );
  assert.ok(g722Codec.createEncoder() instanceof G722Encoder);
  assert.ok(g722Codec.createDecoder() instanceof G722Decoder);
});

test('registry: G722, PCMU, PCMA in that order; names match case-insensitively', () => {
  assert.deepEqual(SUPPORTED_CODECS, [g722Codec, pcmuCodec, pcmaCodec]);
  assert.equal(codecByName('g722'), g722Codec);
  assert.equal(codecByName('PCMU'), pcmuCodec);
  assert.equal(codecByName('pcma'), pcmaCodec);
  assert.equal(codecByName('opus'), undefined);
  assert.equal(codecByName(''), undefined);
});

test('20 ms: 320 samples → 160 octets → 320 samples; odd frames are refused; empty stays empty', () => {
  const encoder = g722Codec.createEncoder();
  const payload = encoder.encode(new Int16Array(320));
  assert.equal(payload.length, 160);
  const pcm = g722Codec.createDecoder().decode(payload);
  assert.ok(pcm instanceof Int16Array);
  assert.equal(pcm.length, 320);
  assert.throws(() => encoder.encode(new Int16Array(321)), RangeError);
  assert.equal(encoder.encode(new Int16Array(0)).length, 0);
  assert.equal(g722Codec.createDecoder().decode(Buffer.alloc(0)).length, 0);
});

// ---------------------------------------------------------------------------------------------------------------
// ITU-T G.722 Appendix II (mode 1)

/** CRC-32 of the ITU's binary little-endian test vectors (g722-ts-le/bin/00readme), mode 1 files only. */
const ITU_CRC = {
  T1C1: '0C3BFCA7', T1C2: '2D604685', T1D3: '7398964F', T2R1: 'D1DAA1D1', T2R2: '344EA5D0',
  T3L1: 'ED1B3993', T3H1: 'E9250851', T3L2: 'AF00F31F', T3H2: '5330AE2E', T3L3: 'A5374659', T3H3: '3731AD7F',
} as const;

/** Words of an Appendix II file in its ASCII form: comment lines, then 16 hex words and a checksum per line. */
function parseItuAscii(text: string): Uint16Array {
  const words: number[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('/*')) continue;
    const data = line.slice(0, -2);
    let sum = 0;
    for (const ch of data) sum += ch.charCodeAt(0);
    assert.equal((-sum & 0xff).toString(16).toUpperCase().padStart(2, '0'), line.slice(-2), `line checksum: ${line}`);
    for (let i = 0; i < data.length; i += 4) words.push(parseInt(data.slice(i, i + 4), 16));
  }
  return Uint16Array.from(words);
}

/** Configuration 1: the sub-band encoders alone; each 16-bit input word feeds both bands as its top 15 bits. */
function ituEncode(xmt: Uint16Array): Uint16Array {
  const lower = new LowerBandEncoder();
  const higher = new HigherBandEncoder();
  return xmt.map((w) => {
    if (w & 1) return w; // synchronisation words (odd) are copied; samples are even
    const x = ((w << 16) >> 16) >> 1;
    const il = lower.encode(x);
    const ih = higher.encode(x);
    return ((ih << 6) | il) << 8;
  });
}

/** Configuration 2: the sub-band decoders alone, mode 1; outputs RL and RH as 16-bit words (15 bits << 1). */
function ituDecode(cod: Uint16Array): { rl: Uint16Array; rh: Uint16Array } {
  const lower = new LowerBandDecoder();
  const higher = new HigherBandDecoder();
  const rl = new Uint16Array(cod.length);
  const rh = new Uint16Array(cod.length);
  cod.forEach((w, i) => {
    if (w & 1) {
      rl[i] = rh[i] = w;
      return;
    }
    rl[i] = lower.decode((w >> 8) & 0x3f) << 1;
    rh[i] = higher.decode(w >> 14) << 1;
  });
  return { rl, rh };
}

/**
 * T1D3.COD, the decoder-only sequence, rebuilt from its structure: 16 synchronisation words, 1024 lines of 16
 * codes, 16 synchronisation words. Line block j (32 lines) holds il = 31 − j for 17 lines, then 15 lines that
 * alternate il − 1 and il (il − 1 first; the last block wraps to 3). Every 4 blocks take one pattern of IH values,
 * counted from the pattern's first line; a code is IH·64 + (IH ≥ 2 ? il + 32 : il), stored in the word's high octet.
 */
function buildT1D3(): Uint16Array {
  const patterns: ((line: number, word: number) => number)[] = [
    (l, w) => [1, 1, 3][(16 * l + w) % 3]!,
    (l, w) => (l % 2 === 0 ? [3, 1] : [2, 0])[(w >> 2) & 1]!,
    () => 2,
    (_, w) => [3, 3, 1, 1, 3, 3, 1, 1, 2, 2, 0, 0, 2, 2, 0, 0][w]!,
    (_, w) => [2, 0][w % 2]!,
    (_, w) => [1, 1, 1, 1, 0, 2, 0, 0][w % 8]!,
    (l, w) => [1, 1, 3, 1, 3][(16 * l + w) % 5]!,
    (l, w) => [3, 3, 0, 0, 1, 3, 2, 0, 1, 1, 2, 2, 1, 1, 0, 2, 3, 1, 0, 0][(16 * l + w) % 20]!,
  ];
  const words: number[] = new Array<number>(16).fill(1);
  for (let block = 0; block < 32; block++) {
    const il = 31 - block;
    const pattern = patterns[block >> 2]!;
    for (let t = 0; t < 32; t++) {
      const lineIl = t < 17 || (t - 17) % 2 === 1 ? il : il === 0 ? 3 : il - 1;
      const line = (block % 4) * 32 + t;
      for (let w = 0; w < 16; w++) {
        const ih = pattern(line, w);
        words.push(((ih << 6) | (ih >= 2 ? lineIl + 32 : lineIl)) << 8);
      }
    }
  }
  words.push(...new Array<number>(16).fill(1));
  return Uint16Array.from(words);
}

test('ITU-T G.722 Appendix II, T1D3.COD (rebuilt): decoder mode 1 gives T3L3.RC1 and T3H3.RC0 exactly', () => {
  const t1d3 = buildT1D3();
  assert.equal(crc32OfWords(t1d3), ITU_CRC.T1D3, 'the rebuilt T1D3.COD is the ITU file');
  const { rl, rh } = ituDecode(t1d3);
  assert.equal(crc32OfWords(rl), ITU_CRC.T3L3);
  assert.equal(crc32OfWords(rh), ITU_CRC.T3H3);
});

const ITU_DIR = process.env.G722_ITU_VECTORS;
const ituFile = (name: string): string | undefined => {
  if (!ITU_DIR) return undefined;
  const path = join(ITU_DIR, name);
  return existsSync(path) ? path : undefined;
};

for (const [xmt, cod, rc1, rc0] of [
  ['T1C1', 'T2R1', 'T3L1', 'T3H1'],
  ['T1C2', 'T2R2', 'T3L2', 'T3H2'],
] as const) {
  const input = ituFile(`${xmt}.XMT`);
  test(`ITU-T G.722 Appendix II, ${xmt}.XMT: encoder gives ${cod}.COD, decoder mode 1 gives ${rc1}.RC1 and ${rc0}.RC0`, {
    skip: input ? false : `set G722_ITU_VECTORS to a folder with the ITU's ${xmt}.XMT (ITU copyright, not committed)`,
  }, () => {
    const words = parseItuAscii(readFileSync(input!, 'latin1'));
    assert.equal(crc32OfWords(words), ITU_CRC[xmt], `${xmt}.XMT is the ITU file`);
    const coded = ituEncode(words);
    const { rl, rh } = ituDecode(coded);
    for (const [name, ours] of [[cod, coded], [rc1, rl], [rc0, rh]] as const) {
      const extension = name === cod ? 'COD' : name === rc1 ? 'RC1' : 'RC0';
      const reference = ituFile(`${name}.${extension}`);
      if (reference) assert.equal(firstDifference(ours, parseItuAscii(readFileSync(reference, 'latin1'))), -1, `${name}.${extension}`);
      assert.equal(crc32OfWords(ours), ITU_CRC[name], `${name}.${extension} (CRC-32)`);
    }
  });
}

// ---------------------------------------------------------------------------------------------------------------
// FFmpeg (adpcm_g722, no trellis)

for (const name of ['tones', 'noise', 'sweep']) {
  test(`FFmpeg fixture ${name}: our encoder's octets are FFmpeg's`, () => {
    const pcm = readPcm(join(FIXTURES, `${name}.s16`));
    const reference = readFileSync(join(FIXTURES, `${name}.g722`));
    const ours = new G722Encoder().encode(pcm);
    assert.equal(firstDifference(ours, reference), -1, `${countDifferences(ours, reference)} of ${reference.length} octets differ`);
  });
}

for (const name of ['tones', 'noise', 'sweep', 'overload']) {
  test(`FFmpeg fixture ${name}: our decoder's samples are FFmpeg's`, () => {
    const payload = readFileSync(join(FIXTURES, `${name}.g722`));
    const reference = readPcm(join(FIXTURES, `${name}.dec.s16`));
    const ours = new G722Decoder().decode(payload);
    assert.equal(firstDifference(ours, reference), -1, `${countDifferences(ours, reference)} of ${reference.length} samples differ`);
  });
}

/** The transmit QMF written out plainly, with or without G.722's LIMIT of its outputs to 15 bits. */
function encodeWithPlainQmf(pcm: Int16Array, limitOutputs: boolean): Buffer {
  const h = [3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32, -156, 12, 53,
    -11, -11, 3];
  const clamp = (x: number) => (limitOutputs ? Math.max(-16384, Math.min(16383, x)) : x);
  const history = new Array<number>(24).fill(0); // newest first
  const lower = new LowerBandEncoder();
  const higher = new HigherBandEncoder();
  const out = Buffer.alloc(pcm.length / 2);
  for (let j = 0; j < out.length; j++) {
    history.unshift(pcm[2 * j + 1]!, pcm[2 * j]!);
    history.length = 24;
    let xa = 0;
    let xb = 0;
    for (let i = 0; i < 24; i += 2) {
      xa += h[i]! * history[i]!;
      xb += h[i + 1]! * history[i + 1]!;
    }
    out[j] = (higher.encode(clamp((xa - xb) >> 14)) << 6) | lower.encode(clamp((xa + xb) >> 14));
  }
  return out;
}

test('FFmpeg fixture overload: FFmpeg differs only by leaving out the LIMIT after its transmit QMF', () => {
  const pcm = readPcm(join(FIXTURES, 'overload.s16'));
  const reference = readFileSync(join(FIXTURES, 'overload.g722'));
  const ours = new G722Encoder().encode(pcm);
  assert.ok(countDifferences(ours, reference) > 0, 'this input drives the QMF outputs past 15 bits');
  assert.equal(firstDifference(encodeWithPlainQmf(pcm, true), ours), -1, 'the plain QMF with LIMIT is ours');
  assert.equal(firstDifference(encodeWithPlainQmf(pcm, false), reference), -1, 'the plain QMF without LIMIT is FFmpeg');
});

// ---------------------------------------------------------------------------------------------------------------
// Round-trip quality

/** SNR in dB of a 1 s tone through encoder and decoder, after the codec's 22-sample delay and 0.25 s of settling. */
function toneSnr(frequency: number, amplitude: number): number {
  const rate = 16000;
  const x = Int16Array.from({ length: rate }, (_, i) => Math.round(amplitude * Math.sin((2 * Math.PI * frequency * i) / rate)));
  const encoder = new G722Encoder();
  const decoder = new G722Decoder();
  const y = new Int16Array(rate);
  for (let at = 0; at < rate; at += 320) y.set(decoder.decode(encoder.encode(x.subarray(at, at + 320))), at);
  const delay = 22;
  let signal = 0;
  let noise = 0;
  for (let i = rate / 4; i < rate - delay; i++) {
    signal += x[i]! ** 2;
    noise += (y[i + delay]! - x[i]!) ** 2;
  }
  return 10 * Math.log10(signal / noise);
}

test('tone round trips: > 30 dB SNR up to 4.2 kHz, > 20 dB above (2-bit higher sub-band)', (t) => {
  const report: string[] = [];
  for (const frequency of [100, 200, 300, 500, 1000, 1500, 2000, 2500, 3000, 3400, 3800, 4200, 4600, 5000, 5500, 6000, 6500, 7000]) {
    const snr = toneSnr(frequency, 10000);
    report.push(`${frequency} Hz ${snr.toFixed(1)} dB`);
    assert.ok(snr > (frequency <= 4200 ? 30 : 20), `${frequency} Hz: ${snr.toFixed(1)} dB`);
  }
  t.diagnostic(report.join(', '));
});

test('silence stays silent; loud input does not wrap', () => {
  const silent = new G722Decoder().decode(new G722Encoder().encode(new Int16Array(3200)));
  assert.ok(silent.every((s) => Math.abs(s) <= 4), 'idle noise of a few LSBs at most');
  const square = Int16Array.from({ length: 3200 }, (_, i) => ((i >> 4) & 1 ? 32767 : -32768));
  const decoded = new G722Decoder().decode(new G722Encoder().encode(square));
  let sameSign = 0;
  for (let i = 1000; i < 3000; i++) if (Math.sign(decoded[i + 22]!) === Math.sign(square[i]!)) sameSign++;
  assert.ok(sameSign > 1800, `a full-scale 500 Hz square keeps its polarity (${sameSign}/2000)`);
});

// ---------------------------------------------------------------------------------------------------------------
// Properties

const evenPcm = fc
  .array(fc.integer({ min: -32768, max: 32767 }), { maxLength: 1200 })
  .map((a) => Int16Array.from(a.length % 2 ? a.slice(1) : a));

test('property: splitting the stream into frames anywhere changes nothing (state carries over)', () => {
  fc.assert(
    fc.property(evenPcm, fc.array(fc.integer({ min: 0, max: 300 }), { maxLength: 8 }), (pcm, cuts) => {
      const whole = new G722Encoder().encode(pcm);
      const encoder = new G722Encoder();
      const decoder = new G722Decoder();
      const parts: Buffer[] = [];
      const decodedParts: Int16Array[] = [];
      let at = 0;
      for (const cut of [...cuts.map((c) => c * 2), pcm.length]) {
        const end = Math.min(pcm.length, at + cut);
        const part = encoder.encode(pcm.subarray(at, end));
        parts.push(part);
        decodedParts.push(decoder.decode(part));
        at = end;
      }
      assert.deepEqual(Buffer.concat(parts), whole);
      const decodedWhole = new G722Decoder().decode(whole);
      assert.deepEqual(Int16Array.from(decodedParts.flatMap((p) => [...p])), decodedWhole);
    }),
    { numRuns: 200 },
  );
});

test('property: every payload decodes (two samples per octet), deterministically', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 400 }), (bytes) => {
      const payload = Buffer.from(bytes);
      const a = new G722Decoder().decode(payload);
      assert.equal(a.length, 2 * payload.length);
      assert.deepEqual(new G722Decoder().decode(payload), a);
    }),
    { numRuns: 300 },
  );
});

// ---------------------------------------------------------------------------------------------------------------
// Cost

test('cost: one second of audio encodes and decodes in far less than a second', (t) => {
  const pcm = Int16Array.from({ length: 320 }, (_, i) => Math.round(8000 * Math.sin(i * 0.3) + 3000 * Math.sin(i * 1.7)));
  const encoder = new G722Encoder();
  const decoder = new G722Decoder();
  for (let i = 0; i < 200; i++) decoder.decode(encoder.encode(pcm)); // warm-up
  const start = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) decoder.decode(encoder.encode(pcm));
  const micros = Number(process.hrtime.bigint() - start) / 1000;
  t.diagnostic(`G.722 encode+decode: ${(micros / 50).toFixed(1)} µs per 20 ms frame`);
  assert.ok(micros < 100_000, `1 s of audio took ${(micros / 1000).toFixed(1)} ms`);
});
