import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseWav, encodeWav, wavHeader, mixToMono, resample, decodeWavToRate, WavError } from '../../src/media/dsp/wav.js';
import { dominantFrequency, rmsDbfs } from '../../src/media/dsp/analysis.js';

const sine = (f: number, fs: number, n: number, a = 10_000): Int16Array => Int16Array.from({ length: n }, (_v, i) => Math.round(a * Math.sin((2 * Math.PI * f * i) / fs)));

/** Builds a RIFF file from chunks; riffSize overrides the computed size. */
function riff(chunks: readonly [string, Uint8Array][], opts: { riffSize?: number; form?: string; magic?: string } = {}): Buffer {
  const parts: Buffer[] = [];
  for (const [id, body] of chunks) {
    const h = Buffer.alloc(8);
    h.write(id, 0, 'latin1');
    h.writeUInt32LE(body.length, 4);
    parts.push(h, Buffer.from(body));
    if (body.length % 2 === 1) parts.push(Buffer.alloc(1));
  }
  const payload = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write(opts.magic ?? 'RIFF', 0, 'latin1');
  head.writeUInt32LE(opts.riffSize ?? payload.length + 4, 4);
  head.write(opts.form ?? 'WAVE', 8, 'latin1');
  return Buffer.concat([head, payload]);
}

function fmt(o: { tag?: number; channels?: number; rate?: number; byteRate?: number; align?: number; bits?: number; extra?: Uint8Array } = {}): Uint8Array {
  const channels = o.channels ?? 1;
  const rate = o.rate ?? 8000;
  const bits = o.bits ?? 16;
  const align = o.align ?? channels * 2;
  const b = Buffer.alloc(16);
  b.writeUInt16LE(o.tag ?? 1, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE(o.byteRate ?? rate * align, 8);
  b.writeUInt16LE(align, 12);
  b.writeUInt16LE(bits, 14);
  return o.extra === undefined ? b : Buffer.concat([b, o.extra]);
}

function extensible(subTag: number, validBits = 16): Uint8Array {
  const e = Buffer.alloc(24);
  e.writeUInt16LE(22, 0);
  e.writeUInt16LE(validBits, 2);
  e.writeUInt32LE(4, 4);
  e.writeUInt16LE(subTag, 8);
  Buffer.from([0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71]).copy(e, 10);
  return e;
}

const pcmBytes = (s: Int16Array): Uint8Array => {
  const b = Buffer.alloc(s.length * 2);
  s.forEach((v, i) => b.writeInt16LE(v, 2 * i));
  return b;
};

test('encodeWav → parseWav round trip, mono and stereo; header is the canonical 44 bytes', () => {
  const mono = sine(440, 8000, 800);
  const file = encodeWav(mono, 8000);
  assert.equal(file.length, 44 + 1600);
  assert.deepEqual(file.subarray(0, 44), wavHeader(1600, 8000));
  const w = parseWav(file);
  assert.deepEqual([w.sampleRate, w.channels, w.bitsPerSample, w.frames], [8000, 1, 16, 800]);
  assert.deepEqual(w.samples, mono);

  const stereo = Int16Array.of(100, -100, 32767, 32767, -32768, -32768, 1, 2);
  const s = parseWav(encodeWav(stereo, 44100, 2));
  assert.deepEqual([s.sampleRate, s.channels, s.frames], [44100, 2, 4]);
  assert.deepEqual(mixToMono(s.samples, s.channels), Int16Array.of(0, 32767, -32768, 2));
});

test('other chunks are skipped; odd-sized chunks are padded; a missing pad at the very end is tolerated', () => {
  const data = pcmBytes(Int16Array.of(1, 2, 3));
  const file = riff([
    ['LIST', Buffer.from('INFOISFT\x05\x00\x00\x00abcd\x00', 'latin1')],
    ['fmt ', fmt()],
    ['junk', Buffer.from([1, 2, 3])],
    ['data', data],
    ['cue ', Buffer.from([9])],
  ]);
  assert.deepEqual(parseWav(file).samples, Int16Array.of(1, 2, 3));
  const noPad = riff([
    ['fmt ', fmt()],
    ['data', data],
    ['note', Buffer.from([7])],
  ]);
  const cut = Buffer.from(noPad.subarray(0, noPad.length - 1));
  cut.writeUInt32LE(cut.length - 8, 4);
  assert.deepEqual(parseWav(cut).samples, Int16Array.of(1, 2, 3));
  // Bytes after the RIFF chunk (some tools append tags) are ignored.
  assert.deepEqual(parseWav(Buffer.concat([file, Buffer.from('ID3 trailing')])).samples, Int16Array.of(1, 2, 3));
});

test('WAVE_FORMAT_EXTENSIBLE with the PCM sub-format is accepted, float is not', () => {
  const data = pcmBytes(Int16Array.of(5, -5));
  assert.deepEqual(parseWav(riff([['fmt ', fmt({ tag: 0xfffe, extra: extensible(1) })], ['data', data]])).samples, Int16Array.of(5, -5));
  assert.throws(() => parseWav(riff([['fmt ', fmt({ tag: 0xfffe, extra: extensible(3) })], ['data', data]])), /IEEE float/);
});

test('broken and unsupported files give a WavError that says what is wrong', () => {
  const good = pcmBytes(Int16Array.of(1, 2));
  const cases: [string, Uint8Array, RegExp, string][] = [
    ['empty', new Uint8Array(0), /too short/, 'truncated'],
    ['text', Buffer.from('hello world, not audio'), /not a RIFF file/, 'not-riff'],
    ['RIFX', riff([], { magic: 'RIFX' }), /big-endian/, 'unsupported'],
    ['RF64', riff([], { magic: 'RF64' }), /RF64/, 'unsupported'],
    ['AVI', riff([], { form: 'AVI ' }), /not "WAVE"/, 'not-wave'],
    ['truncated file', riff([['fmt ', fmt()], ['data', good]]).subarray(0, 40), /header says 48 bytes, file has 40/, 'truncated'],
    ['chunk too long', riff([['fmt ', fmt()], ['data', good]], { riffSize: 4 + 24 + 8 + 2 }).subarray(0, 46), /claims 4 bytes/, 'truncated'],
    ['no fmt', riff([['data', good]]), /before any "fmt "/, 'missing-chunk'],
    ['no data', riff([['fmt ', fmt()]]), /no "data" chunk/, 'missing-chunk'],
    ['nothing', riff([]), /no "fmt " chunk/, 'missing-chunk'],
    ['two fmt', riff([['fmt ', fmt()], ['fmt ', fmt()], ['data', good]]), /second "fmt "/, 'bad-chunk'],
    ['two data', riff([['fmt ', fmt()], ['data', good], ['data', good]]), /second "data"/, 'bad-chunk'],
    ['short fmt', riff([['fmt ', new Uint8Array(14)], ['data', good]]), /needs at least 16/, 'bad-format'],
    ['float', riff([['fmt ', fmt({ tag: 3, bits: 32, align: 4 })], ['data', good]]), /0x0003 \(IEEE float\)/, 'unsupported'],
    ['mu-law', riff([['fmt ', fmt({ tag: 7, bits: 8, align: 1 })], ['data', good]]), /μ-law/, 'unsupported'],
    ['8-bit', riff([['fmt ', fmt({ bits: 8, align: 1 })], ['data', good]]), /8-bit samples/, 'unsupported'],
    ['24-bit', riff([['fmt ', fmt({ bits: 24, align: 3 })], ['data', new Uint8Array(6)]]), /24-bit samples/, 'unsupported'],
    ['0 channels', riff([['fmt ', fmt({ channels: 0, align: 0 })], ['data', good]]), /0 channels/, 'bad-format'],
    ['rate 0', riff([['fmt ', fmt({ rate: 0 })], ['data', good]]), /sample rate 0/, 'bad-format'],
    ['block align', riff([['fmt ', fmt({ align: 4 })], ['data', good]]), /block align 4, expected 2/, 'bad-format'],
    ['byte rate', riff([['fmt ', fmt({ byteRate: 1234 })], ['data', good]]), /byte rate 1234, expected 16000/, 'bad-format'],
    ['odd data', riff([['fmt ', fmt({ channels: 2 })], ['data', good.subarray(0, 2)]]), /whole number of 4-byte sample frames/, 'bad-chunk'],
    ['binary chunk id', riff([['fmt ', fmt()], ['\x00\x01\x02\x03', good], ['data', good]]), /chunk id at offset 36 is not text/, 'bad-chunk'],
    ['cut chunk header', Buffer.concat([riff([['fmt ', fmt()]], { riffSize: 4 + 24 + 4 }), Buffer.from('data')]), /cut short/, 'truncated'],
  ];
  for (const [name, bytes, message, code] of cases) {
    assert.throws(
      () => parseWav(bytes),
      (e: unknown) => e instanceof WavError && message.test(e.message) && e.code === code && e.message.startsWith('WAV: '),
      name,
    );
  }
});

test('fuzz: random bytes and mutated files either parse or throw WavError, nothing else', () => {
  const valid = riff([
    ['fmt ', fmt({ channels: 2, rate: 11025 })],
    ['LIST', Buffer.from('INFOxxxx')],
    ['data', pcmBytes(sine(300, 11025, 64))],
  ]);
  const check = (bytes: Uint8Array): void => {
    try {
      const w = parseWav(bytes);
      assert.equal(w.samples.length, w.frames * w.channels);
      assert.ok(w.sampleRate >= 1 && w.channels >= 1);
    } catch (e) {
      if (!(e instanceof WavError)) throw e;
    }
  };
  fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), check), { numRuns: 2000 });
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(valid.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), fc.nat(valid.length), (edits, cut) => {
      const b = Buffer.from(valid);
      for (const [at, v] of edits) b[at] = v;
      check(b);
      check(b.subarray(0, cut));
    }),
    { numRuns: 3000 },
  );
  // Starting with a valid header too, so the fuzzer reaches the chunk parser.
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 120 }), (tail) => {
      const head = Buffer.from('RIFF\0\0\0\0WAVE', 'latin1');
      head.writeUInt32LE(tail.length + 4, 4);
      check(Buffer.concat([head, tail]));
    }),
    { numRuns: 2000 },
  );
});

test('resample keeps a tone and its level, and suppresses what would alias', () => {
  for (const [from, to] of [
    [44100, 8000],
    [48000, 16000],
    [22050, 8000],
    [11025, 16000],
    [8000, 16000],
    [16000, 8000],
  ] as const) {
    const x = sine(1000, from, from);
    const y = resample(x, from, to);
    assert.equal(y.length, to);
    const mid = y.subarray(200, y.length - 200);
    assert.ok(Math.abs((dominantFrequency(mid, to) ?? 0) - 1000) < 0.5, `${from}→${to}`);
    assert.ok(Math.abs(rmsDbfs(mid) - rmsDbfs(x)) < 0.2, `${from}→${to} level`);
    if (to < from) {
      // A tone above the new Nyquist frequency must not come through as an alias.
      const high = resample(sine(to * 0.6, from, from), from, to);
      assert.ok(rmsDbfs(high.subarray(200, high.length - 200)) - rmsDbfs(x) < -60, `${from}→${to} alias`);
    }
  }
  assert.deepEqual(resample(Int16Array.of(1, 2, 3), 8000, 8000), Int16Array.of(1, 2, 3));
  assert.equal(resample(new Int16Array(0), 44100, 8000).length, 0);
  assert.throws(() => resample(Int16Array.of(1), 0, 8000), RangeError);
  // Full-scale input does not wrap around.
  const square = Int16Array.from({ length: 4410 }, (_v, i) => (Math.floor(i / 20) % 2 === 0 ? 32767 : -32768));
  const r = resample(square, 44100, 8000);
  assert.ok(r.every((v) => v >= -32768 && v <= 32767));
});

test('decodeWavToRate: a stereo 44.1 kHz ringtone becomes mono 8 kHz', () => {
  const n = 44100;
  const st = new Int16Array(2 * n);
  const l = sine(700, 44100, n, 8000);
  const r = sine(700, 44100, n, 4000);
  for (let i = 0; i < n; i++) {
    st[2 * i] = l[i] as number;
    st[2 * i + 1] = r[i] as number;
  }
  const pcm = decodeWavToRate(encodeWav(st, 44100, 2), 8000);
  assert.equal(pcm.length, 8000);
  assert.ok(Math.abs((dominantFrequency(pcm, 8000) ?? 0) - 700) < 0.5);
  assert.ok(Math.abs(rmsDbfs(pcm.subarray(100, -100)) - rmsDbfs(sine(700, 8000, 8000, 6000))) < 0.2);
  assert.deepEqual(decodeWavToRate(encodeWav(Int16Array.of(1, 2), 8000), 8000), Int16Array.of(1, 2));
});

test('writer arguments are checked', () => {
  assert.throws(() => wavHeader(-1, 8000), RangeError);
  assert.throws(() => wavHeader(10, 0), RangeError);
  assert.throws(() => encodeWav(Int16Array.of(1, 2, 3), 8000, 2), RangeError);
});
