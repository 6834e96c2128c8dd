/**
 * RIFF WAVE, 16-bit linear PCM only: a strict reader (ringtones and test fixtures), a writer (tests and the
 * WAV-file audio device), and a windowed-sinc resampler to bring any common rate to the codec's 8/16 kHz.
 *
 * Reader rules: little-endian "RIFF"/"WAVE"; the RIFF size must fit in the file (extra bytes after it are
 * ignored); chunks must fit inside the RIFF size (the pad byte of an odd-sized last chunk may be missing);
 * exactly one "fmt " before exactly one "data"; format tag 1 (PCM) or 0xFFFE (WAVE_FORMAT_EXTENSIBLE) with
 * the PCM sub-format; 16 bits per sample; 1–8 channels; 1 Hz–384 kHz; consistent block align and byte
 * rate; a data size that is a whole number of sample frames. Other chunks (LIST, fact, cue, …) are
 * skipped. Every violation throws a WavError whose message names the problem and the byte offset.
 */

import type { PcmFrame } from '../types.js';

export type WavErrorCode = 'truncated' | 'not-riff' | 'not-wave' | 'bad-chunk' | 'bad-format' | 'unsupported' | 'missing-chunk';

export class WavError extends Error {
  constructor(
    readonly code: WavErrorCode,
    message: string,
  ) {
    super(`WAV: ${message}`);
    this.name = 'WavError';
  }
}

export interface WavFormat {
  readonly sampleRate: number;
  readonly channels: number;
  readonly bitsPerSample: 16;
}

export interface WavAudio extends WavFormat {
  /** Interleaved samples as stored (channels × frames). */
  readonly samples: Int16Array;
  /** Number of sample frames (samples per channel). */
  readonly frames: number;
}

const PCM_SUBFORMAT_TAIL = [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xaa, 0x00, 0x38, 0x9b, 0x71];
const FORMAT_NAMES: Readonly<Record<number, string>> = { 2: 'MS ADPCM', 3: 'IEEE float', 6: 'A-law', 7: 'μ-law', 0x11: 'IMA ADPCM', 0x55: 'MP3' };

function fourcc(b: Uint8Array, at: number): string {
  return String.fromCharCode(b[at] as number, b[at + 1] as number, b[at + 2] as number, b[at + 3] as number);
}

function printable(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 4; i++) {
    const c = b[at + i] as number;
    if (c < 0x20 || c > 0x7e) return false;
  }
  return true;
}

/** Parses a WAV file. Throws WavError (only) for anything it does not accept. */
export function parseWav(bytes: Uint8Array): WavAudio {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12) throw new WavError('truncated', `file has ${bytes.length} bytes, too short for a RIFF header (12)`);
  const magic = fourcc(bytes, 0);
  if (magic === 'RIFX') throw new WavError('unsupported', 'big-endian RIFX files are not supported');
  if (magic === 'RF64') throw new WavError('unsupported', 'RF64 files are not supported');
  if (magic !== 'RIFF') throw new WavError('not-riff', 'not a RIFF file (no "RIFF" at offset 0)');
  const riffSize = dv.getUint32(4, true);
  const riffEnd = riffSize + 8;
  if (riffEnd > bytes.length) throw new WavError('truncated', `RIFF header says ${riffEnd} bytes, file has ${bytes.length}`);
  if (riffSize < 4) throw new WavError('bad-chunk', `RIFF size ${riffSize} is too small`);
  const form = fourcc(bytes, 8);
  if (form !== 'WAVE') throw new WavError('not-wave', `RIFF form type is ${JSON.stringify(form)}, not "WAVE"`);

  let fmt: { format: WavFormat; blockAlign: number } | undefined;
  let data: { offset: number; size: number } | undefined;
  let at = 12;
  while (at < riffEnd) {
    if (riffEnd - at < 8) throw new WavError('truncated', `chunk header at offset ${at} is cut short (${riffEnd - at} bytes left)`);
    if (!printable(bytes, at)) throw new WavError('bad-chunk', `chunk id at offset ${at} is not text`);
    const id = fourcc(bytes, at);
    const size = dv.getUint32(at + 4, true);
    const body = at + 8;
    if (size > riffEnd - body) throw new WavError('truncated', `chunk "${id}" at offset ${at} claims ${size} bytes, only ${riffEnd - body} remain`);
    if (id === 'fmt ') {
      if (fmt !== undefined) throw new WavError('bad-chunk', `second "fmt " chunk at offset ${at}`);
      if (data !== undefined) throw new WavError('bad-chunk', `"fmt " chunk at offset ${at} comes after "data"`);
      fmt = parseFmt(dv, bytes, body, size);
    } else if (id === 'data') {
      if (fmt === undefined) throw new WavError('missing-chunk', `"data" chunk at offset ${at} comes before any "fmt " chunk`);
      if (data !== undefined) throw new WavError('bad-chunk', `second "data" chunk at offset ${at}`);
      if (size % fmt.blockAlign !== 0) throw new WavError('bad-chunk', `data size ${size} is not a whole number of ${fmt.blockAlign}-byte sample frames`);
      data = { offset: body, size };
    }
    at = body + size + (size & 1);
    if (at > riffEnd && at === riffEnd + 1 && (size & 1) === 1) at = riffEnd; // missing pad byte of the last chunk
  }
  if (fmt === undefined) throw new WavError('missing-chunk', 'no "fmt " chunk');
  if (data === undefined) throw new WavError('missing-chunk', 'no "data" chunk');
  const n = data.size / 2;
  const samples = new Int16Array(n);
  for (let i = 0; i < n; i++) samples[i] = dv.getInt16(data.offset + 2 * i, true);
  return { ...fmt.format, samples, frames: n / fmt.format.channels };
}

function parseFmt(dv: DataView, bytes: Uint8Array, at: number, size: number): { format: WavFormat; blockAlign: number } {
  if (size < 16) throw new WavError('bad-format', `"fmt " chunk has ${size} bytes, needs at least 16`);
  let tag = dv.getUint16(at, true);
  const channels = dv.getUint16(at + 2, true);
  const sampleRate = dv.getUint32(at + 4, true);
  const byteRate = dv.getUint32(at + 8, true);
  const blockAlign = dv.getUint16(at + 12, true);
  const bits = dv.getUint16(at + 14, true);
  if (tag === 0xfffe) {
    if (size < 40) throw new WavError('bad-format', `WAVE_FORMAT_EXTENSIBLE "fmt " chunk has ${size} bytes, needs 40`);
    const cbSize = dv.getUint16(at + 16, true);
    if (cbSize < 22) throw new WavError('bad-format', `WAVE_FORMAT_EXTENSIBLE extension size ${cbSize}, needs 22`);
    const sub = dv.getUint16(at + 24, true);
    const tailOk = PCM_SUBFORMAT_TAIL.every((b, i) => bytes[at + 26 + i] === b);
    if (!tailOk) throw new WavError('unsupported', 'WAVE_FORMAT_EXTENSIBLE sub-format is not a standard KSDATAFORMAT GUID');
    const valid = dv.getUint16(at + 18, true);
    if (valid !== 0 && valid !== 16) throw new WavError('unsupported', `${valid} valid bits per sample: only 16-bit PCM is supported`);
    tag = sub;
  }
  if (tag !== 1) {
    const what = FORMAT_NAMES[tag];
    throw new WavError('unsupported', `format tag 0x${tag.toString(16).padStart(4, '0')}${what === undefined ? '' : ` (${what})`}: only 16-bit PCM is supported`);
  }
  if (bits !== 16) throw new WavError('unsupported', `${bits}-bit samples: only 16-bit PCM is supported`);
  if (channels < 1 || channels > 8) throw new WavError('bad-format', `${channels} channels: 1 to 8 are supported`);
  if (sampleRate < 1 || sampleRate > 384_000) throw new WavError('bad-format', `sample rate ${sampleRate} Hz is out of range`);
  if (blockAlign !== channels * 2) throw new WavError('bad-format', `block align ${blockAlign}, expected ${channels * 2} for ${channels} × 16-bit`);
  if (byteRate !== sampleRate * blockAlign) throw new WavError('bad-format', `byte rate ${byteRate}, expected ${sampleRate * blockAlign}`);
  return { format: { sampleRate, channels, bitsPerSample: 16 }, blockAlign };
}

/** Mixes interleaved channels down to mono (average, rounded); mono input is returned as it is. */
export function mixToMono(samples: Int16Array, channels: number): PcmFrame {
  if (!Number.isInteger(channels) || channels < 1) throw new RangeError(`bad channel count ${channels}`);
  if (channels === 1) return samples;
  const frames = Math.floor(samples.length / channels);
  const out = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += samples[f * channels + c] as number;
    out[f] = Math.round(sum / channels);
  }
  return out;
}

/** The 44-byte header of a canonical 16-bit PCM WAV file with `dataBytes` of samples (streaming writers patch it). */
export function wavHeader(dataBytes: number, sampleRate: number, channels = 1): Buffer {
  if (!Number.isInteger(dataBytes) || dataBytes < 0 || dataBytes > 0xffff_ffff - 36) throw new RangeError(`bad data size ${dataBytes}`);
  if (!Number.isInteger(sampleRate) || sampleRate < 1 || sampleRate > 384_000) throw new RangeError(`bad sample rate ${sampleRate}`);
  if (!Number.isInteger(channels) || channels < 1 || channels > 8) throw new RangeError(`bad channel count ${channels}`);
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(36 + dataBytes + (dataBytes & 1), 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(1, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * channels * 2, 28);
  h.writeUInt16LE(channels * 2, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(dataBytes, 40);
  return h;
}

/** A complete WAV file of interleaved 16-bit samples. */
export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  if (samples.length % channels !== 0) throw new RangeError(`${samples.length} samples is not a whole number of ${channels}-channel frames`);
  const header = wavHeader(samples.length * 2, sampleRate, channels);
  const body = Buffer.alloc(samples.length * 2);
  for (let i = 0; i < samples.length; i++) body.writeInt16LE(samples[i] as number, 2 * i);
  return Buffer.concat([header, body]);
}

// Windowed-sinc kernel: Blackman window over ±ZEROS zero crossings, tabulated at RES points per crossing.
const ZEROS = 16;
const RES = 512;
let kernelTable: Float64Array | undefined;
function kernel(): Float64Array {
  if (kernelTable !== undefined) return kernelTable;
  const n = ZEROS * RES + 2;
  const t = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const u = k / RES;
    if (u >= ZEROS) continue;
    const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
    const x = 0.5 + (0.5 * u) / ZEROS; // window position 0.5..1 (centre to edge)
    const w = 0.42 - 0.5 * Math.cos(2 * Math.PI * x) + 0.08 * Math.cos(4 * Math.PI * x);
    t[k] = sinc * w;
  }
  kernelTable = t;
  return t;
}

/**
 * Resamples mono 16-bit PCM with a band-limited (windowed-sinc) interpolator. When downsampling, the
 * pass band ends at 90 % of the output Nyquist frequency, so content above it does not alias.
 */
export function resample(input: PcmFrame, fromRate: number, toRate: number): PcmFrame {
  if (!Number.isInteger(fromRate) || fromRate < 1 || !Number.isInteger(toRate) || toRate < 1) throw new RangeError(`bad rates ${fromRate} → ${toRate}`);
  if (fromRate === toRate) return Int16Array.from(input);
  const table = kernel();
  const step = fromRate / toRate; // input samples per output sample
  const fc = Math.min(1, toRate / fromRate) * 0.9; // cutoff, fraction of the input Nyquist frequency
  const half = ZEROS / fc; // kernel half-width in input samples
  const outLen = Math.floor((input.length * toRate) / fromRate);
  const out = new Int16Array(outLen);
  const last = input.length - 1;
  for (let n = 0; n < outLen; n++) {
    const t = n * step;
    const lo = Math.max(0, Math.ceil(t - half));
    const hi = Math.min(last, Math.floor(t + half));
    let acc = 0;
    for (let i = lo; i <= hi; i++) {
      const u = Math.abs(t - i) * fc * RES;
      const k = Math.floor(u);
      const frac = u - k;
      const a = table[k] as number;
      const b = table[k + 1] as number;
      acc += (input[i] as number) * (a + (b - a) * frac);
    }
    const v = Math.round(acc * fc);
    out[n] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}

/** Reads a WAV file as mono PCM at `targetRate` (ringtones): parse, mix down, resample. */
export function decodeWavToRate(bytes: Uint8Array, targetRate: number): PcmFrame {
  const wav = parseWav(bytes);
  const mono = mixToMono(wav.samples, wav.channels);
  return wav.sampleRate === targetRate ? mono : resample(mono, wav.sampleRate, targetRate);
}
