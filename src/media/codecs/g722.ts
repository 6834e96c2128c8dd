/**
 * ITU-T G.722 7 kHz sub-band ADPCM at 64 kbit/s (mode 1), written from the Recommendation's algorithm:
 * a 24-tap QMF splits 16 kHz audio into two 8 kHz sub-bands; the lower one is coded with 6-bit ADPCM, the
 * higher one with 2-bit ADPCM; each octet carries IH in its two top bits and IL in the six others.
 *
 * RTP (RFC 3551 §4.5.2): payload type 9, rtpmap clock rate 8000 although the audio is sampled at 16 kHz;
 * one octet per pair of samples, so 20 ms = 320 samples = 160 octets.
 *
 * The arithmetic is the Recommendation's fixed-point arithmetic: 16-bit two's complement words, saturating
 * additions, multiplications keeping the top 16 bits. The function and table names are the block names of the
 * Recommendation's detailed description of the ADPCM coders (QUANTL, INVQAL, INVQBL, LOGSCL, SCALEL, UPPOL1, ...).
 * The lower and higher sub-band coders are exported too so that tests can run G.722 Appendix II's digital test
 * sequences, which by-pass the QMFs.
 */
import type { AudioCodec, AudioDecoder, AudioEncoder, PcmFrame } from '../types.js';

// ---------------------------------------------------------------------------------------------------------------
// Fixed-point primitives of the Recommendation (16-bit words).

/** Saturates to a 16-bit two's complement word. */
function sat16(x: number): number {
  return x > 32767 ? 32767 : x < -32768 ? -32768 : x;
}

/** Saturating 16-bit addition. */
function add(a: number, b: number): number {
  return sat16(a + b);
}

/** Saturating 16-bit subtraction. */
function sub(a: number, b: number): number {
  return sat16(a - b);
}

/** 16 × 16 → 16 multiplication keeping the top word: (a·b) >> 15, saturating (only −32768·−32768 overflows). */
function mult(a: number, b: number): number {
  return sat16((a * b) >> 15);
}

/** Block LIMIT: clips a reconstructed sub-band signal to the 15-bit range. */
function limit(x: number): number {
  return x > 16383 ? 16383 : x < -16384 ? -16384 : x;
}

// ---------------------------------------------------------------------------------------------------------------
// Tables of the Recommendation.

/** QUANTL decision levels Q6(1..29), in units of DETL/4096 (index 0 unused). */
const Q6 = Int32Array.of(0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940,
  1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919);

/** QUANTL output code IL for a negative difference, by interval MIL (1..30). */
const ILN = Int32Array.of(0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12,
  11, 10, 9, 8, 7, 6, 5, 4);

/** QUANTL output code IL for a positive difference, by interval MIL (1..30). */
const ILP = Int32Array.of(0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40,
  39, 38, 37, 36, 35, 34, 33, 32);

/** INVQAL: output levels of the 4-bit lower sub-band quantizer (IL >> 2), scaled by 2^15/DETL. */
const QM4 = Int32Array.of(0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584,
  1200, 0);

/** INVQBL, mode 1: output levels of the 6-bit lower sub-band quantizer (IL), scaled by 2^15/DETL. */
const QM6 = Int32Array.of(-136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192,
  -10232, -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776, -2400, -2032,
  -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192, 10232, 9360, 8576, 7856, 7192,
  6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032, 1688, 1360, 1040, 728, 432, 136, -432, -136);

/** INVQAH/INVQBH: output levels of the 2-bit higher sub-band quantizer (IH), scaled by 2^15/DETH. */
const QM2 = Int32Array.of(-7408, -1616, 7408, 1616);

/** QUANTH decision level Q2, in units of DETH/32768. */
const Q2 = 4512;

/** QUANTH output code IH: [negative, positive] × MIH (1, 2). */
const IHN = Int32Array.of(0, 1, 0);
const IHP = Int32Array.of(0, 3, 2);

/** LOGSCL: log-scale factor multipliers WL, indexed directly by IL >> 2 (the RIL → WL mapping folded in). */
const WLI = Int32Array.of(-60, 3042, 1198, 538, 334, 172, 58, -30, 3042, 1198, 538, 334, 172, 58, -30, -60);

/** LOGSCH: log-scale factor multipliers WH, indexed by IH. */
const WHI = Int32Array.of(798, -214, 798, -214);

/** ILB: the 32-entry antilog table of SCALEL/SCALEH (2048 · 2^(i/32), as tabulated). */
const ILB = Int32Array.of(2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714, 2774,
  2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008);

/**
 * SCALEH in one look-up: DETH for every NBPH >> 6 (NBPH ≤ 22528 → 0..352), computed once as the block says:
 * WD1 = NBPH >> 6 & 31, WD2 = NBPH >> 11, WD3 = ILB(WD1) >> (10 − WD2) (or << when negative), DETH = WD3 << 2.
 * SCALEL is the same with 8 − WD2, that is this table at index (NBPL >> 6) + 64.
 */
const ILA = buildIla();

function buildIla(): Int32Array {
  const table = new Int32Array((22528 >> 6) + 1);
  for (let i = 0; i < table.length; i++) {
    const shift = 10 - (i >> 5);
    const mantissa = ILB[i & 31]!;
    table[i] = (shift >= 0 ? mantissa >> shift : mantissa << -shift) << 2;
  }
  return table;
}

/** QMF coefficients h0..h23 of the transmit and receive QMFs, scaled by 2^13. */
const QMF = Int32Array.of(3, -11, -11, 53, 12, -156, 32, 362, -210, -805, 951, 3876, 3876, 951, -805, -210, 362, 32,
  -156, 12, 53, -11, -11, 3);

// ---------------------------------------------------------------------------------------------------------------
// Block 4L / 4H: the adaptive predictor, common to both sub-bands, encoder and decoder.

/** State of one sub-band ADPCM coder (the same variables in encoder and decoder). */
class SubbandState {
  /** SL/SH: predictor output (signal estimate). */
  s = 0;
  /** SZL/SZH: zero-section (FILTEZ) output. */
  sz = 0;
  /** NBL/NBH: log-domain quantizer scale factor. */
  nb = 0;
  /** DETL/DETH: linear quantizer scale factor. */
  det: number;
  /** AL1/AL2 (AH1/AH2): pole-section coefficients. */
  a1 = 0;
  a2 = 0;
  /** BL1..BL6 (BH1..BH6): zero-section coefficients, index 0 unused. */
  readonly b = new Int32Array(7);
  /** DLT0..DLT6 (DH0..DH6): quantized difference signal, newest first. */
  readonly d = new Int32Array(7);
  /** PLT0..PLT2 (PH0..PH2): partially reconstructed signal. */
  p0 = 0;
  p1 = 0;
  p2 = 0;
  /** RLT1, RLT2 (RH1, RH2): reconstructed signal of the two previous samples. */
  r1 = 0;
  r2 = 0;

  constructor(initialDet: number) {
    this.det = initialDet;
  }

  /** Runs block 4 for one quantized difference DLT (or DH): reconstruct, adapt the predictor, predict the next. */
  adapt(dq: number): void {
    const r0 = add(this.s, dq); // RECONS
    this.p0 = add(dq, this.sz); // PARREC
    this.d[0] = dq;
    this.upzero();
    this.uppol2();
    this.uppol1();
    this.p2 = this.p1; // DELAYA of PLT
    this.p1 = this.p0;
    this.sz = this.filtez();
    this.r2 = this.r1; // DELAYA of RLT
    this.r1 = r0;
    this.s = add(this.filtep(), this.sz); // PREDIC
  }

  /** UPZERO: sign-sign update of BL1..BL6 from DLT0 and DLT1..DLT6, then DELAYA of DLT. */
  private upzero(): void {
    const { b, d } = this;
    const d0 = d[0]!;
    const step = d0 === 0 ? 0 : 128;
    const negative0 = d0 < 0;
    for (let i = 6; i > 0; i--) {
      const leaked = mult(b[i]!, 32640);
      b[i] = negative0 === d[i]! < 0 ? add(leaked, step) : sub(leaked, step);
      d[i] = d[i - 1]!;
    }
  }

  /** UPPOL2: update of AL2 from the signs of PLT0, PLT1, PLT2 and AL1. */
  private uppol2(): void {
    const negative0 = this.p0 < 0;
    const wd1 = sat16(this.a1 << 2);
    const wd2 = (negative0 === this.p1 < 0 ? sat16(-wd1) : wd1) >> 7;
    const wd3 = negative0 === this.p2 < 0 ? 128 : -128;
    const apl2 = add(add(wd2, wd3), mult(this.a2, 32512));
    this.a2 = apl2 > 12288 ? 12288 : apl2 < -12288 ? -12288 : apl2;
  }

  /** UPPOL1: update of AL1 from the signs of PLT0, PLT1, limited by the new AL2 (stability). */
  private uppol1(): void {
    const wd1 = this.p0 < 0 === this.p1 < 0 ? 192 : -192;
    const apl1 = add(wd1, mult(this.a1, 32640));
    const bound = sub(15360, this.a2);
    this.a1 = apl1 > bound ? bound : apl1 < -bound ? -bound : apl1;
  }

  /** FILTEZ: sixth-order zero section over DLT1..DLT6. */
  private filtez(): number {
    const { b, d } = this;
    let sz = 0;
    for (let i = 6; i > 0; i--) sz = add(sz, mult(add(d[i]!, d[i]!), b[i]!));
    return sz;
  }

  /** FILTEP: second-order pole section over RLT1, RLT2. */
  private filtep(): number {
    return add(mult(this.a1, add(this.r1, this.r1)), mult(this.a2, add(this.r2, this.r2)));
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Lower sub-band (blocks 1L–4L encoder, 5L–6L decoder).

/** QUANTL: 6-bit quantization of the lower sub-band difference EL with scale DETL; returns IL. */
function quantl(el: number, detl: number): number {
  const magnitude = el >= 0 ? el : -(el + 1); // WD: one's complement magnitude of EL
  let mil = 1; // first interval whose upper decision level (Q6(MIL)·DETL) >> 12 exceeds WD, else 30
  while (mil < 30 && magnitude >= (Q6[mil]! * detl) >> 12) mil++;
  return el >= 0 ? ILP[mil]! : ILN[mil]!;
}

/** LOGSCL: leaky log-domain update of NBL from the 4-bit part of IL. */
function logscl(il: number, nbl: number): number {
  const nbpl = add(mult(nbl, 32512), WLI[il >> 2]!);
  return nbpl < 0 ? 0 : nbpl > 18432 ? 18432 : nbpl;
}

/** SCALEL: DETL from NBL. */
function scalel(nbpl: number): number {
  return ILA[(nbpl >> 6) + 64]!;
}

/** Adaptation shared by the lower sub-band encoder and decoder: INVQAL, LOGSCL, SCALEL, block 4L. */
function adaptLower(state: SubbandState, il: number): void {
  const dlt = mult(state.det, QM4[il >> 2]!); // INVQAL
  state.nb = logscl(il, state.nb);
  state.det = scalel(state.nb);
  state.adapt(dlt);
}

/** Lower sub-band ADPCM encoder: one 15-bit sample XL in, the 6-bit code IL out. */
export class LowerBandEncoder {
  private readonly state = new SubbandState(32);

  encode(xl: number): number {
    const state = this.state;
    const il = quantl(sub(xl, state.s), state.det); // SUBTRA, QUANTL
    adaptLower(state, il);
    return il;
  }
}

/** Lower sub-band ADPCM decoder, mode 1 (6-bit codes): IL in, the reconstructed 15-bit sample RL out. */
export class LowerBandDecoder {
  private readonly state = new SubbandState(32);

  decode(il: number): number {
    const state = this.state;
    const rl = limit(add(state.s, mult(state.det, QM6[il & 63]!))); // INVQBL, RECONS, LIMIT
    adaptLower(state, il & 63);
    return rl;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Higher sub-band (blocks 1H–4H encoder, 5H–6H decoder).

/** QUANTH: 2-bit quantization of the higher sub-band difference EH with scale DETH; returns IH. */
function quanth(eh: number, deth: number): number {
  const magnitude = eh >= 0 ? eh : -(eh + 1);
  const mih = magnitude >= mult(Q2, deth) ? 2 : 1;
  return eh >= 0 ? IHP[mih]! : IHN[mih]!;
}

/** LOGSCH: leaky log-domain update of NBH from IH. */
function logsch(ih: number, nbh: number): number {
  const nbph = add(mult(nbh, 32512), WHI[ih]!);
  return nbph < 0 ? 0 : nbph > 22528 ? 22528 : nbph;
}

/** SCALEH: DETH from NBH. */
function scaleh(nbph: number): number {
  return ILA[nbph >> 6]!;
}

/** INVQAH, LOGSCH, SCALEH and block 4H for one code; returns the quantized difference DH. */
function adaptHigher(state: SubbandState, ih: number): number {
  const dh = mult(state.det, QM2[ih]!); // INVQAH (INVQBH is the same)
  state.nb = logsch(ih, state.nb);
  state.det = scaleh(state.nb);
  state.adapt(dh);
  return dh;
}

/** Higher sub-band ADPCM encoder: one 15-bit sample XH in, the 2-bit code IH out. */
export class HigherBandEncoder {
  private readonly state = new SubbandState(8);

  encode(xh: number): number {
    const state = this.state;
    const ih = quanth(sub(xh, state.s), state.det); // SUBTRA, QUANTH
    adaptHigher(state, ih);
    return ih;
  }
}

/** Higher sub-band ADPCM decoder: IH in, the reconstructed 15-bit sample RH out. */
export class HigherBandDecoder {
  private readonly state = new SubbandState(8);

  decode(ih: number): number {
    const state = this.state;
    const sh = state.s;
    const dh = adaptHigher(state, ih & 3);
    return limit(add(sh, dh)); // RECONS, LIMIT
  }
}

// ---------------------------------------------------------------------------------------------------------------
// QMFs and the codec.

/** Transmit QMF: 24-tap analysis filter producing one lower and one higher sub-band sample per input pair. */
class TransmitQmf {
  /** Input history x(j), x(j−1), … from index pos, written twice so that 24 samples are always contiguous. */
  private readonly x = new Int32Array(48);
  private pos = 0;
  /** Outputs of the last split(). */
  xl = 0;
  xh = 0;

  /** Takes x(j−1), x(j) (in time order) and sets xl, xh: XA = Σ h(2i)·x(j−2i), XB = Σ h(2i+1)·x(j−2i−1). */
  split(older: number, newer: number): void {
    const x = this.x;
    const pos = this.pos === 0 ? 22 : this.pos - 2;
    this.pos = pos;
    x[pos] = x[pos + 24] = newer;
    x[pos + 1] = x[pos + 25] = older;
    let xa = 0;
    let xb = 0;
    for (let i = 0; i < 24; i += 2) {
      xa += QMF[i]! * x[pos + i]!;
      xb += QMF[i + 1]! * x[pos + i + 1]!;
    }
    this.xl = limit((xa + xb) >> 14);
    this.xh = limit((xa - xb) >> 14);
  }
}

/** Receive QMF: 24-tap synthesis filter producing two output samples per pair of sub-band samples. */
class ReceiveQmf {
  /** XD(n), XS(n), XD(n−1), XS(n−1), … from index pos, written twice like TransmitQmf's history. */
  private readonly w = new Int32Array(48);
  private pos = 0;

  /** Writes the two 16 kHz samples made from RL, RH into out[at], out[at + 1]. */
  merge(rl: number, rh: number, out: Int16Array, at: number): void {
    const w = this.w;
    const pos = this.pos === 0 ? 22 : this.pos - 2;
    this.pos = pos;
    w[pos] = w[pos + 24] = sub(rl, rh); // XD
    w[pos + 1] = w[pos + 25] = add(rl, rh); // XS
    let even = 0;
    let odd = 0;
    for (let i = 0; i < 24; i += 2) {
      even += QMF[i]! * w[pos + i]!;
      odd += QMF[i + 1]! * w[pos + i + 1]!;
    }
    out[at] = sat16(even >> 11);
    out[at + 1] = sat16(odd >> 11);
  }
}

/** G.722 encoder of one stream: 16 kHz PCM in, one octet per two samples out. */
export class G722Encoder implements AudioEncoder {
  private readonly qmf = new TransmitQmf();
  private readonly lower = new LowerBandEncoder();
  private readonly higher = new HigherBandEncoder();

  /** Encodes an even number of samples (a 16 kHz frame of whole milliseconds always is); throws RangeError otherwise. */
  encode(pcm: PcmFrame): Buffer {
    if (pcm.length % 2 !== 0) throw new RangeError(`G.722 frames have an even number of samples, not ${pcm.length}`);
    const out = Buffer.allocUnsafe(pcm.length >> 1);
    const qmf = this.qmf;
    for (let i = 0, j = 0; j < out.length; i += 2, j++) {
      qmf.split(pcm[i]!, pcm[i + 1]!);
      const il = this.lower.encode(qmf.xl);
      const ih = this.higher.encode(qmf.xh);
      out[j] = (ih << 6) | il;
    }
    return out;
  }
}

/** G.722 decoder of one stream (mode 1, 64 kbit/s): one octet in, two 16 kHz samples out. Every octet is valid. */
export class G722Decoder implements AudioDecoder {
  private readonly qmf = new ReceiveQmf();
  private readonly lower = new LowerBandDecoder();
  private readonly higher = new HigherBandDecoder();

  decode(payload: Buffer): PcmFrame {
    const out = new Int16Array(payload.length * 2);
    for (let j = 0; j < payload.length; j++) {
      const code = payload[j]!;
      const rl = this.lower.decode(code & 0x3f);
      const rh = this.higher.decode(code >> 6);
      this.qmf.merge(rl, rh, out, 2 * j);
    }
    return out;
  }
}

/** G.722 at 64 kbit/s, RTP/AVP static payload type 9 (clock rate 8000 in SDP, 16 kHz audio). */
export const g722Codec: AudioCodec = Object.freeze({
  name: 'G722',
  staticPayloadType: 9,
  clockRate: 8000,
  sampleRate: 16000,
  createEncoder: (): AudioEncoder => new G722Encoder(),
  createDecoder: (): AudioDecoder => new G722Decoder(),
});
