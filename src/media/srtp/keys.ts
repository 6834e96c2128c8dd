/**
 * SDES keying for SRTP (RFC 4568): the crypto suites we speak, master key generation, the `inline:` key
 * parameter, the whole `a=crypto:` attribute value, and the offer/answer choice of a suite.
 *
 * Only AES_CM_128_HMAC_SHA1_80 and AES_CM_128_HMAC_SHA1_32 (RFC 4568 §6.2.1, §6.2.2) are supported: both
 * take a 128-bit master key and a 112-bit master salt (30 bytes together), derive with
 * key_derivation_rate 0, and authenticate SRTCP with an 80-bit tag; they differ only in the SRTP tag length.
 *
 * Interop note (baresip's `srtp` module): it offers a single `1 AES_CM_128_HMAC_SHA1_80 inline:<key>`
 * line (optionally with `|2^48`), answers with the offer's tag and its own key, ignores lifetime and MKI,
 * and as answerer takes the first offered line it supports. Our offer therefore lists our preference first
 * and never carries an MKI.
 */
import { randomBytes } from 'node:crypto';

/** SDES crypto-suite names we implement (RFC 4568 §6.2). */
export type SrtpSuite = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export interface SrtpSuiteParams {
  readonly name: SrtpSuite;
  /** Master key length in bytes (RFC 4568 §6.2: 128 bits). */
  readonly masterKeyLength: number;
  /** Master salt length in bytes (RFC 4568 §6.2: 112 bits). */
  readonly masterSaltLength: number;
  /** SRTP authentication tag length in bytes (80 or 32 bits). */
  readonly rtpTagLength: number;
  /** SRTCP authentication tag length in bytes: 80 bits for both suites (RFC 4568 §6.2.2, RFC 3711 §5.2). */
  readonly rtcpTagLength: number;
  /** Session encryption key length in bytes (AES-128, RFC 3711 §4.1.1). */
  readonly sessionKeyLength: number;
  /** Session salt length in bytes (RFC 3711 §4.3.3: 112 bits). */
  readonly sessionSaltLength: number;
  /** Session authentication key length in bytes (RFC 3711 §4.2.1 / §5.2: 160 bits for HMAC-SHA1). */
  readonly sessionAuthKeyLength: number;
  /** Largest master key lifetime in SRTP packets (RFC 4568 §6.2.1: 2^48). */
  readonly maxLifetime: number;
}

export const SRTP_SUITES: Readonly<Record<SrtpSuite, SrtpSuiteParams>> = {
  AES_CM_128_HMAC_SHA1_80: {
    name: 'AES_CM_128_HMAC_SHA1_80',
    masterKeyLength: 16,
    masterSaltLength: 14,
    rtpTagLength: 10,
    rtcpTagLength: 10,
    sessionKeyLength: 16,
    sessionSaltLength: 14,
    sessionAuthKeyLength: 20,
    maxLifetime: 2 ** 48,
  },
  AES_CM_128_HMAC_SHA1_32: {
    name: 'AES_CM_128_HMAC_SHA1_32',
    masterKeyLength: 16,
    masterSaltLength: 14,
    rtpTagLength: 4,
    rtcpTagLength: 10,
    sessionKeyLength: 16,
    sessionSaltLength: 14,
    sessionAuthKeyLength: 20,
    maxLifetime: 2 ** 48,
  },
};

/**
 * Our preference, most preferred first: the 80-bit tag, then the 32-bit one, which saves 6 bytes per packet
 * at the price of a far weaker forgery bound (RFC 3711 §7.5).
 */
export const SUITE_PREFERENCE: readonly SrtpSuite[] = ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'];

/** The canonical suite for an SDP token (compared case-insensitively, as baresip does), or undefined. */
export function toSrtpSuite(name: string): SrtpSuite | undefined {
  const upper = name.toUpperCase();
  return upper === 'AES_CM_128_HMAC_SHA1_80' || upper === 'AES_CM_128_HMAC_SHA1_32' ? upper : undefined;
}

/** Master Key Identifier of a key parameter (RFC 4568 §6.1: `|value:length`, length 1…128 bytes). */
export interface Mki {
  readonly value: number;
  /** Bytes the MKI takes in every SRTP/SRTCP packet (RFC 3711 §3.1). */
  readonly length: number;
}

/** One decoded `inline:` key parameter (RFC 4568 §6.1 / §9.2). */
export interface SdesKeyParam {
  /** Master key, 16 bytes. */
  readonly masterKey: Buffer;
  /** Master salt, 14 bytes. */
  readonly masterSalt: Buffer;
  /** Master key lifetime in packets when given (`|2^31` or `|1048576`). */
  readonly lifetime?: number;
  /** MKI when given; packets then carry it (RFC 3711 §3.1). */
  readonly mki?: Mki;
}

/** Fresh master key and salt from the CSPRNG (RFC 3711 §8.1 wants them random; RFC 4568 §6.1). */
export function generateKeyParam(suite: SrtpSuite = 'AES_CM_128_HMAC_SHA1_80'): SdesKeyParam {
  const p = SRTP_SUITES[suite];
  const bytes = randomBytes(p.masterKeyLength + p.masterSaltLength);
  return { masterKey: bytes.subarray(0, p.masterKeyLength), masterSalt: bytes.subarray(p.masterKeyLength) };
}

/** The MKI as the bytes that appear on the wire: `value` big-endian in `length` bytes. */
export function mkiBytes(mki: Mki): Buffer {
  const out = Buffer.alloc(mki.length);
  let v = mki.value;
  for (let i = mki.length - 1; i >= 0 && v > 0; i--) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
  return out;
}

function formatLifetime(n: number): string {
  const exp = Math.log2(n);
  return Number.isInteger(exp) ? `2^${exp}` : String(n);
}

/**
 * `inline:<base64(key||salt)>[|lifetime][|mki:length]` (RFC 4568 §6.1, grammar §9.2). We generate without
 * lifetime and MKI; both are written when present.
 */
export function encodeKeyParam(param: SdesKeyParam): string {
  let out = `inline:${Buffer.concat([param.masterKey, param.masterSalt]).toString('base64')}`;
  if (param.lifetime !== undefined) out += `|${formatLifetime(param.lifetime)}`;
  if (param.mki !== undefined) out += `|${param.mki.value}:${param.mki.length}`;
  return out;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const LIFETIME = /^(2\^)?(\d{1,15})$/;
const MKI = /^(\d{1,16}):(\d{1,3})$/;

/**
 * Decodes one `inline:` key parameter for `suite` (RFC 4568 §9.2: key-method ":" key-info, key-info =
 * key-salt ["|" lifetime] ["|" mki]). The key method is matched case-insensitively. Returns undefined for
 * anything malformed: another key method, bad base64, a key||salt of the wrong length, a lifetime of 0 or
 * above the suite's maximum, an MKI length outside 1…128 or a value that does not fit it.
 */
export function decodeKeyParam(text: string, suite: SrtpSuite = 'AES_CM_128_HMAC_SHA1_80'): SdesKeyParam | undefined {
  const colon = text.indexOf(':');
  if (colon < 0 || text.slice(0, colon).toLowerCase() !== 'inline') return undefined;
  const parts = text.slice(colon + 1).split('|');
  if (parts.length > 3) return undefined;
  const [keySalt = '', ...rest] = parts;
  if (!BASE64.test(keySalt) || keySalt.length % 4 !== 0) return undefined;
  const p = SRTP_SUITES[suite];
  const bytes = Buffer.from(keySalt, 'base64');
  if (bytes.length !== p.masterKeyLength + p.masterSaltLength) return undefined;

  let lifetime: number | undefined;
  let mki: Mki | undefined;
  for (const field of rest) {
    const m = MKI.exec(field);
    if (m) {
      // The MKI comes last (§9.2); a second MKI is malformed.
      if (mki !== undefined) return undefined;
      const value = Number(m[1]);
      const length = Number(m[2]);
      if (length < 1 || length > 128 || !Number.isSafeInteger(value)) return undefined;
      if (length < 7 && value >= 256 ** length) return undefined;
      mki = { value, length };
      continue;
    }
    const l = LIFETIME.exec(field);
    if (!l || mki !== undefined || lifetime !== undefined) return undefined;
    const n = Number(l[2]);
    lifetime = l[1] !== undefined ? 2 ** n : n;
    if (lifetime < 1 || lifetime > p.maxLifetime) return undefined;
  }
  const param: { -readonly [K in keyof SdesKeyParam]: SdesKeyParam[K] } = {
    masterKey: bytes.subarray(0, p.masterKeyLength),
    masterSalt: bytes.subarray(p.masterKeyLength),
  };
  if (lifetime !== undefined) param.lifetime = lifetime;
  if (mki !== undefined) param.mki = mki;
  return param;
}

/** One `a=crypto:` attribute (RFC 4568 §4, grammar §9.1). */
export interface CryptoAttribute {
  /** 1…9 digits; the answer repeats the chosen offer's tag (RFC 4568 §5.1.2). */
  readonly tag: number;
  readonly suite: SrtpSuite;
  /** At least one; more than one only with MKIs (RFC 4568 §6.1). */
  readonly keyParams: readonly SdesKeyParam[];
  /** Session parameters verbatim (RFC 4568 §6.3), e.g. `WSH=128`. */
  readonly sessionParams: readonly string[];
}

/**
 * Parses the value of an `a=crypto:` line: `<tag> <crypto-suite> <key-params> [<session-params>]`, with or
 * without the leading `a=crypto:` / `crypto:`. Returns undefined when malformed or when the suite is not
 * one we implement (such lines are to be skipped, RFC 4568 §5.1.2).
 */
export function parseCryptoAttribute(line: string): CryptoAttribute | undefined {
  const value = line.trim().replace(/^(a=)?crypto:/i, '');
  const fields = value.split(/[ \t]+/);
  const [tagText, suiteText, keyParamsText, ...sessionParams] = fields;
  if (tagText === undefined || suiteText === undefined || keyParamsText === undefined) return undefined;
  if (!/^\d{1,9}$/.test(tagText)) return undefined;
  const suite = toSrtpSuite(suiteText);
  if (suite === undefined) return undefined;
  const keyParams: SdesKeyParam[] = [];
  for (const text of keyParamsText.split(';')) {
    const kp = decodeKeyParam(text, suite);
    if (kp === undefined) return undefined;
    keyParams.push(kp);
  }
  // RFC 4568 §6.1: several keys must each carry an MKI, all of the same length.
  if (keyParams.length > 1) {
    const len = keyParams[0]?.mki?.length;
    if (len === undefined || keyParams.some((k) => k.mki?.length !== len)) return undefined;
  }
  return { tag: Number(tagText), suite, keyParams, sessionParams };
}

/** The value for `a=crypto:` (without that prefix): `1 AES_CM_128_HMAC_SHA1_80 inline:…`. */
export function formatCryptoAttribute(attr: CryptoAttribute): string {
  const keys = attr.keyParams.map(encodeKeyParam).join(';');
  return [String(attr.tag), attr.suite, keys, ...attr.sessionParams].join(' ');
}

/**
 * The replay window hint of the `WSH=` session parameter (RFC 4568 §6.3.6, at least 64), if present.
 * Returns undefined when absent or malformed.
 */
export function windowSizeHint(attr: CryptoAttribute): number | undefined {
  for (const p of attr.sessionParams) {
    const m = /^WSH=(\d{1,9})$/i.exec(p);
    if (m) {
      const n = Number(m[1]);
      return n >= 64 ? n : undefined;
    }
  }
  return undefined;
}

/**
 * Whether we can run this attribute: exactly one key (we keep one master key per direction, so several
 * MKI-selected keys are not supported) and no session parameter other than `WSH` — KDR (non-zero key
 * derivation rate), UNENCRYPTED_SRTCP, UNENCRYPTED_SRTP, UNAUTHENTICATED_SRTP and FEC_* change the
 * transform and are not supported here (RFC 4568 §6.3: an attribute whose parameters are not understood is
 * not used).
 */
export function isUsable(attr: CryptoAttribute): boolean {
  if (attr.keyParams.length !== 1) return false;
  return attr.sessionParams.every((p) => {
    const m = /^WSH=(\d{1,9})$/i.exec(p);
    return m !== null && Number(m[1]) >= 64;
  });
}

/**
 * Our offer (RFC 4568 §5.1.1): one line per suite in `suites` order (our preference), tags 1, 2, …, each
 * with its own fresh key (no key is shared between suites), no lifetime, no MKI.
 */
export function createCryptoOffer(suites: readonly SrtpSuite[] = SUITE_PREFERENCE): CryptoAttribute[] {
  return suites.map((suite, i) => ({ tag: i + 1, suite, keyParams: [generateKeyParam(suite)], sessionParams: [] }));
}

/**
 * Answerer's choice (RFC 4568 §5.1.2): among the usable offered attributes, the one whose suite comes first
 * in `preference`; among equals, the offerer's order decides. Undefined when none is usable.
 */
export function selectCrypto(
  offered: readonly CryptoAttribute[],
  preference: readonly SrtpSuite[] = SUITE_PREFERENCE,
): CryptoAttribute | undefined {
  let best: CryptoAttribute | undefined;
  let bestRank = Infinity;
  for (const attr of offered) {
    const rank = preference.indexOf(attr.suite);
    if (rank < 0 || !isUsable(attr)) continue;
    if (rank < bestRank) {
      best = attr;
      bestRank = rank;
    }
  }
  return best;
}

/** Result of answering an offer: the peer's attribute (their sending key) and ours for the answer. */
export interface CryptoAnswer {
  /** The offered attribute we accepted: its key protects what the offerer sends. */
  readonly remote: CryptoAttribute;
  /** Our attribute for the answer: same tag and suite, our fresh key (protects what we send). */
  readonly local: CryptoAttribute;
}

/** Answers an offer: `selectCrypto`, then our own key under the same tag and suite (RFC 4568 §5.1.2). */
export function answerCrypto(
  offered: readonly CryptoAttribute[],
  preference: readonly SrtpSuite[] = SUITE_PREFERENCE,
): CryptoAnswer | undefined {
  const remote = selectCrypto(offered, preference);
  if (remote === undefined) return undefined;
  return { remote, local: { tag: remote.tag, suite: remote.suite, keyParams: [generateKeyParam(remote.suite)], sessionParams: [] } };
}

/**
 * Offerer's side (RFC 4568 §5.1.3): the line of our offer the answer accepted — same tag and same suite —
 * or undefined when the answer names no line of ours or is not usable.
 */
export function matchAnswer(ourOffer: readonly CryptoAttribute[], answer: CryptoAttribute): CryptoAttribute | undefined {
  if (!isUsable(answer)) return undefined;
  return ourOffer.find((o) => o.tag === answer.tag && o.suite === answer.suite);
}
