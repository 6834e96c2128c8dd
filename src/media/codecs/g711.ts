/**
 * ITU-T G.711 log-PCM at 8 kHz: µ-law (PCMU, RTP payload type 0) and A-law (PCMA, payload type 8), RFC 3551 §4.5.14.
 *
 * The 16-bit linear samples of the phone are reduced to the 14-bit (µ-law) or 13-bit (A-law) uniform PCM that
 * G.711 quantizes by dropping low bits (A-law's finest step is 2 of its 13-bit units, so 12 bits suffice), and
 * negative values take the one's-complement magnitude, as in the ITU-T's own G.711 reference (G.191 Software
 * Tool Library, module g711: ulaw_compress/alaw_compress, ulaw_expand/alaw_expand). So 0 → 0xFF (µ) and 0xD5
 * (A), and decoding any code then encoding the result gives the code back, except µ-law's negative zero 0x7F,
 * which decodes to 0 like 0xFF.
 *
 * Everything per sample is a table look-up; the tables are built once when the module loads.
 */
import type { AudioCodec, AudioDecoder, AudioEncoder, PcmFrame } from '../types.js';

/** µ-law: compresses one 14-bit uniform value (-8192..8191) into its 8-bit code (G.711 Table 2a, STL ulaw_compress). */
function ulawCompress14(x14: number): number {
  // One's complement for negatives keeps the quantizer symmetric around -1/2 (magnitude 0 for both 0 and -1).
  let magnitude = (x14 < 0 ? ~x14 : x14) + 33; // 33 = the µ-law bias in 14-bit units
  if (magnitude > 0x1fff) magnitude = 0x1fff;
  let segment = 1; // segment number + 1, from the position of the leading one above bit 5
  for (let i = magnitude >> 6; i !== 0; i >>= 1) segment++;
  const highNibble = 8 - segment;
  const lowNibble = 15 - ((magnitude >> segment) & 0x0f);
  const code = (highNibble << 4) | lowNibble; // already inverted: µ-law codes are sent complemented
  return x14 >= 0 ? code | 0x80 : code;
}

/** µ-law: expands one code into a 16-bit linear sample (STL ulaw_expand). */
function ulawExpand(code: number): number {
  const inverted = ~code & 0xff;
  const exponent = (inverted >> 4) & 0x07;
  const mantissa = inverted & 0x0f;
  const step = 8 << exponent; // 4 << (exponent + 1)
  const magnitude = (0x80 << exponent) + step * mantissa + step / 2 - 4 * 33;
  return code & 0x80 ? magnitude : -magnitude;
}

/**
 * A-law: compresses one sample reduced to 12 bits (-2048..2047) into its 8-bit code (G.711 Table 1a, STL
 * alaw_compress). A-law's finest step is 2 units of its 13-bit scale, so the 13th bit never matters.
 */
function alawCompress12(x12: number): number {
  let ix = x12 < 0 ? ~x12 : x12; // one's complement magnitude, 0..2047
  if (ix > 15) {
    let exponent = 1;
    while (ix > 16 + 15) {
      ix >>= 1;
      exponent++;
    }
    ix = ix - 16 + (exponent << 4);
  }
  if (x12 >= 0) ix |= 0x80;
  return ix ^ 0x55; // even bits inverted on the line
}

/** A-law: expands one code into a 16-bit linear sample (STL alaw_expand). */
function alawExpand(code: number): number {
  const ix = (code ^ 0x55) & 0x7f;
  const exponent = ix >> 4;
  let mantissa = ix & 0x0f;
  if (exponent > 0) mantissa += 16;
  mantissa = (mantissa << 4) + 8;
  if (exponent > 1) mantissa <<= exponent - 1;
  return code & 0x80 ? mantissa : -mantissa;
}

/** µ-law code of every 14-bit value, indexed by (sample >> 2) & 0x3fff. */
const ULAW_ENCODE = new Uint8Array(1 << 14);
/** A-law code of every 12-bit value, indexed by (sample >> 4) & 0xfff. */
const ALAW_ENCODE = new Uint8Array(1 << 12);
/** Linear value of every µ-law code. */
const ULAW_DECODE = new Int16Array(256);
/** Linear value of every A-law code. */
const ALAW_DECODE = new Int16Array(256);

for (let i = 0; i < 1 << 14; i++) ULAW_ENCODE[i] = ulawCompress14((i << 18) >> 18);
for (let i = 0; i < 1 << 12; i++) ALAW_ENCODE[i] = alawCompress12((i << 20) >> 20);
for (let code = 0; code < 256; code++) {
  ULAW_DECODE[code] = ulawExpand(code);
  ALAW_DECODE[code] = alawExpand(code);
}

/** µ-law code of one 16-bit sample. */
export function linearToUlaw(sample: number): number {
  return ULAW_ENCODE[(sample >> 2) & 0x3fff]!;
}

/** 16-bit sample of one µ-law code (0..255). */
export function ulawToLinear(code: number): number {
  return ULAW_DECODE[code & 0xff]!;
}

/** A-law code of one 16-bit sample. */
export function linearToAlaw(sample: number): number {
  return ALAW_ENCODE[(sample >> 4) & 0xfff]!;
}

/** 16-bit sample of one A-law code (0..255). */
export function alawToLinear(code: number): number {
  return ALAW_DECODE[code & 0xff]!;
}

/** Stateless G.711 encoder: one code per sample through a table indexed by the sample's top bits. */
class G711Encoder implements AudioEncoder {
  constructor(
    private readonly table: Uint8Array,
    private readonly shift: number,
  ) {}

  encode(pcm: PcmFrame): Buffer {
    const out = Buffer.allocUnsafe(pcm.length);
    const { table, shift } = this;
    const mask = table.length - 1;
    for (let i = 0; i < pcm.length; i++) out[i] = table[(pcm[i]! >> shift) & mask]!;
    return out;
  }
}

/** Stateless G.711 decoder: every octet is a valid code, so there is nothing to reject. */
class G711Decoder implements AudioDecoder {
  constructor(private readonly table: Int16Array) {}

  decode(payload: Buffer): PcmFrame {
    const out = new Int16Array(payload.length);
    const { table } = this;
    for (let i = 0; i < payload.length; i++) out[i] = table[payload[i]!]!;
    return out;
  }
}

function g711Codec(name: 'PCMU' | 'PCMA', staticPayloadType: number, encode: Uint8Array, shift: number, decode: Int16Array): AudioCodec {
  return Object.freeze({
    name,
    staticPayloadType,
    clockRate: 8000,
    sampleRate: 8000,
    createEncoder: (): AudioEncoder => new G711Encoder(encode, shift),
    createDecoder: (): AudioDecoder => new G711Decoder(decode),
  });
}

/** G.711 µ-law, RTP/AVP static payload type 0. */
export const pcmuCodec: AudioCodec = g711Codec('PCMU', 0, ULAW_ENCODE, 2, ULAW_DECODE);

/** G.711 A-law, RTP/AVP static payload type 8. */
export const pcmaCodec: AudioCodec = g711Codec('PCMA', 8, ALAW_ENCODE, 4, ALAW_DECODE);
