/**
 * SRTP and SRTCP (RFC 3711) for the AES_CM_128_HMAC_SHA1_80 / _32 suites, on node:crypto only.
 *
 * - Encryption: AES in Counter Mode (RFC 3711 §4.1.1), `aes-128-ctr` with the RFC's IV
 *   (k_s·2^16) XOR (SSRC·2^64) XOR (i·2^16); Node's 128-bit big-endian counter increment is exactly the
 *   RFC's block counter addition.
 * - Authentication: HMAC-SHA1 (RFC 3711 §4.2.1) over the authenticated portion, plus the ROC for SRTP
 *   (§4.2), truncated to 80 or 32 bits for SRTP and always 80 bits for SRTCP (RFC 4568 §6.2).
 * - Key derivation (RFC 3711 §4.3) with key_derivation_rate 0: the session keys are derived once per master
 *   key, labels 0/1/2 for SRTP and 3/4/5 for SRTCP (§4.3.2).
 *
 * Packets are whole RTP/RTCP datagrams in Buffers; only what is needed is parsed (header length with CSRCs
 * and extension, sequence number, SSRC). `unprotect*` never throws: errors come back as `SrtpError` values
 * and are counted. `protect*` throws a RangeError only when handed something that is not an RTP/RTCP packet
 * (a bug of the caller, never remote input).
 *
 * One `SrtpContext` per direction and master key (SDES gives each direction its own key, RFC 4568 §5.1).
 * It keeps per-SSRC state (ROC, highest index, replay windows, SRTCP index): a receiving context learns the
 * peer's SSRC from the first packet that authenticates (SDES does not announce it), or can be bound to one.
 */
import { createCipheriv, createHmac, createSecretKey, timingSafeEqual, type KeyObject } from 'node:crypto';
import { SRTP_SUITES, mkiBytes, type SdesKeyParam, type SrtpSuite, type SrtpSuiteParams } from './keys.js';
import { DEFAULT_REPLAY_WINDOW, ReplayWindow } from './replay.js';

/** Why a packet was refused. */
export type SrtpErrorKind =
  /** Shorter than the smallest header plus MKI and tag. */
  | 'too-short'
  /** Not version 2, or CSRCs / header extension run past the authenticated portion. */
  | 'malformed'
  /** The authentication tag does not match (RFC 3711 §3.3 step 5). */
  | 'auth'
  /** Already received, or older than the replay window (RFC 3711 §3.3.2). */
  | 'replay'
  /** The packet's MKI is not our key's (RFC 3711 §3.3 step 1). */
  | 'mki'
  /** The context is bound to another SSRC. */
  | 'ssrc';

/** A refused packet, returned (never thrown) by `unprotectRtp` / `unprotectRtcp`. */
export class SrtpError {
  constructor(
    readonly kind: SrtpErrorKind,
    readonly protocol: 'srtp' | 'srtcp',
    readonly message: string,
  ) {}

  toString(): string {
    return `${this.protocol}: ${this.kind}: ${this.message}`;
  }
}

export function isSrtpError(value: unknown): value is SrtpError {
  return value instanceof SrtpError;
}

/** Per-protocol counters: packets processed, and refusals by kind. */
export type SrtpCounters = { protected: number; unprotected: number } & Record<SrtpErrorKind, number>;

export interface SrtpStats {
  readonly rtp: Readonly<SrtpCounters>;
  readonly rtcp: Readonly<SrtpCounters>;
}

function zeroCounters(): SrtpCounters {
  return { protected: 0, unprotected: 0, 'too-short': 0, malformed: 0, auth: 0, replay: 0, mki: 0, ssrc: 0 };
}

// ---------------------------------------------------------------------------------------------------
// Key derivation and keystream (RFC 3711 §4.3, §4.1.1)

/** SRTP/SRTCP key derivation labels (RFC 3711 §4.3.2). */
export const KDF_LABEL = {
  srtpEncryption: 0x00,
  srtpAuth: 0x01,
  srtpSalt: 0x02,
  srtcpEncryption: 0x03,
  srtcpAuth: 0x04,
  srtcpSalt: 0x05,
} as const;

/**
 * One session key (RFC 3711 §4.3.1 with key_derivation_rate 0, so r = 0): key_id = label || r (56 bits),
 * x = key_id XOR master_salt, output = AES-CM(master key, IV = x·2^16) keystream truncated to `length`
 * (the PRF of §4.3.3). The label lands in byte 7 of the 14-byte salt.
 */
export function deriveSessionKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  if (masterKey.length !== 16) throw new RangeError(`master key must be 16 bytes, got ${masterKey.length}`);
  if (masterSalt.length !== 14) throw new RangeError(`master salt must be 14 bytes, got ${masterSalt.length}`);
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0);
  iv[7] = (iv[7] ?? 0) ^ label;
  const cipher = createCipheriv('aes-128-ctr', masterKey, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

/** The three session keys of one protocol. */
export interface SessionKeys {
  /** k_e, 16 bytes. */
  readonly encryptionKey: Buffer;
  /** k_s, 14 bytes. */
  readonly salt: Buffer;
  /** k_a, 20 bytes (HMAC-SHA1 key, RFC 3711 §4.2.1). */
  readonly authKey: Buffer;
}

/** Session keys for SRTP (labels 0, 1, 2) or SRTCP (labels 3, 4, 5), RFC 3711 §4.3.2. */
export function deriveSessionKeys(masterKey: Buffer, masterSalt: Buffer, protocol: 'srtp' | 'srtcp'): SessionKeys {
  const base = protocol === 'srtp' ? 0 : 3;
  return {
    encryptionKey: deriveSessionKey(masterKey, masterSalt, base + 0, 16),
    authKey: deriveSessionKey(masterKey, masterSalt, base + 1, 20),
    salt: deriveSessionKey(masterKey, masterSalt, base + 2, 14),
  };
}

/**
 * Writes the AES-CM IV of RFC 3711 §4.1.1 into `iv`: (k_s·2^16) XOR (SSRC·2^64) XOR (i·2^16), where the
 * index i = high32·2^16 + low16 (for SRTP high32 is the ROC and low16 the SEQ; for SRTCP i is the 31-bit
 * SRTCP index).
 */
function writeIv(iv: Buffer, salt: Buffer, ssrc: number, high32: number, low16: number): void {
  salt.copy(iv, 0, 0, 14);
  iv[14] = 0;
  iv[15] = 0;
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  iv.writeUInt32BE((iv.readUInt32BE(8) ^ high32) >>> 0, 8);
  iv.writeUInt16BE(iv.readUInt16BE(12) ^ low16, 12);
}

/**
 * AES-CM keystream for one packet (RFC 3711 §4.1.1): `length` bytes for session key and salt, SSRC and
 * 48-bit index. Exposed for the RFC 3711 Appendix B.2 test vectors.
 */
export function aesCmKeystream(sessionKey: Buffer, sessionSalt: Buffer, ssrc: number, index: number, length: number): Buffer {
  const iv = Buffer.alloc(16);
  writeIv(iv, sessionSalt, ssrc >>> 0, Math.floor(index / 65536) >>> 0, index % 65536);
  const cipher = createCipheriv('aes-128-ctr', sessionKey, iv);
  return Buffer.concat([cipher.update(Buffer.alloc(length)), cipher.final()]);
}

// ---------------------------------------------------------------------------------------------------
// Index estimation (RFC 3711 §3.3.1, Appendix A)

/** 2^48: SRTP indices are 48 bits (RFC 3711 §3.2.1). */
const INDEX_LIMIT = 2 ** 48;

/**
 * The packet index guessed for sequence number `seq` given the highest index seen so far (-1 when none):
 * RFC 3711 Appendix A, with s_l and ROC taken from `highest`. The result can be negative (a packet from
 * before ROC 0) or ≥ 2^48; callers refuse those.
 */
export function estimateIndex(highest: number, seq: number): number {
  if (highest < 0) return seq;
  const sl = highest % 65536;
  const roc = (highest - sl) / 65536;
  let v = roc;
  if (sl < 32768) {
    if (seq - sl > 32768) v = roc - 1;
  } else if (sl - 32768 > seq) {
    v = roc + 1;
  }
  return v * 65536 + seq;
}

// ---------------------------------------------------------------------------------------------------
// Packet parsing (RFC 3550 §5.1, §5.3.1; RFC 3711 §3.1, §3.4)

/**
 * Length of the RTP header (fixed 12 bytes, CSRCs, extension) when it fits within `limit` bytes, -1 when
 * it does not, -2 when the version is not 2.
 */
function rtpHeaderLength(packet: Buffer, limit: number): number {
  const b0 = packet[0] ?? 0;
  if (b0 >>> 6 !== 2) return -2;
  let len = 12 + 4 * (b0 & 0x0f);
  if ((b0 & 0x10) !== 0) {
    if (len + 4 > limit) return -1;
    len += 4 + 4 * packet.readUInt16BE(len + 2);
  }
  return len <= limit ? len : -1;
}

/**
 * RTP/RTCP demultiplexing on one port (RFC 5761 §4): RTCP packet types 192…223 (SR 200, RR 201, SDES 202,
 * BYE 203, APP 204, RTPFB 205, PSFB 206, …) occupy the second byte where RTP has M + PT, and RTP payload
 * types 64…95 are avoided for that reason. Works on SRTP/SRTCP too: both keep the first 8 bytes clear.
 */
export function isRtcpPacket(packet: Buffer): boolean {
  const pt = (packet[1] ?? 0) & 0x7f;
  return packet.length >= 8 && pt >= 64 && pt <= 95;
}

const SRTCP_E_BIT = 0x80000000;
const SRTCP_INDEX_MASK = 0x7fffffff;

// ---------------------------------------------------------------------------------------------------
// Context

/** Per-SSRC state (the parts of RFC 3711 §3.2.1's cryptographic context that change per packet). */
interface StreamState {
  /** Highest SRTP index sent or authenticated (ROC·2^16 + s_l); -1 before the first. */
  rtpHighest: number;
  /** SRTP Replay List (§3.3.2); on the send side it refuses to protect one index twice. */
  readonly rtpWindow: ReplayWindow;
  /** Send side: SRTCP index of the next packet (§3.4: starts at 0). */
  srtcpNext: number;
  /** Receive side only: SRTCP Replay List. */
  readonly rtcpWindow: ReplayWindow;
}

export interface SrtpContextOptions {
  readonly suite: SrtpSuite;
  /** 16-byte master key. */
  readonly masterKey: Buffer;
  /** 14-byte master salt. */
  readonly masterSalt: Buffer;
  /** MKI bytes carried between payload and tag in every packet (RFC 3711 §3.1); none by default. */
  readonly mki?: Buffer;
  /** Replay window in packets, ≥ 64 (RFC 3711 §3.3.2); default 128. */
  readonly replayWindow?: number;
  /** Only this SSRC is accepted / protected (others give an 'ssrc' error / RangeError). */
  readonly ssrc?: number;
  /** Receive side: at most this many SSRCs are tracked, the oldest is forgotten first; default 16. */
  readonly maxStreams?: number;
}

/** Per-direction keying state, derived once from the master key. */
interface ProtocolKeys {
  readonly encryptionKey: KeyObject;
  readonly salt: Buffer;
  readonly authKey: KeyObject;
  readonly tagLength: number;
}

function keysFor(o: SrtpContextOptions, protocol: 'srtp' | 'srtcp', params: SrtpSuiteParams): ProtocolKeys {
  const k = deriveSessionKeys(o.masterKey, o.masterSalt, protocol);
  return {
    encryptionKey: createSecretKey(k.encryptionKey),
    salt: k.salt,
    authKey: createSecretKey(k.authKey),
    tagLength: protocol === 'srtp' ? params.rtpTagLength : params.rtcpTagLength,
  };
}

export class SrtpContext {
  readonly suite: SrtpSuite;
  private readonly rtp: ProtocolKeys;
  private readonly rtcp: ProtocolKeys;
  private readonly mki: Buffer;
  private readonly windowSize: number;
  private readonly boundSsrc: number | undefined;
  private readonly maxStreams: number;
  private readonly tx = new Map<number, StreamState>();
  private readonly rx = new Map<number, StreamState>();
  private readonly counters = { rtp: zeroCounters(), rtcp: zeroCounters() };
  /** Scratch buffers: createCipheriv and Hmac.update copy their inputs, so these are reused. */
  private readonly iv = Buffer.alloc(16);
  private readonly rocBytes = Buffer.alloc(4);

  /** A context for one direction from a decoded SDES key parameter (its MKI, if any, is used). */
  static fromSdes(
    suite: SrtpSuite,
    key: SdesKeyParam,
    options: Omit<SrtpContextOptions, 'suite' | 'masterKey' | 'masterSalt' | 'mki'> = {},
  ): SrtpContext {
    return new SrtpContext({
      ...options,
      suite,
      masterKey: key.masterKey,
      masterSalt: key.masterSalt,
      ...(key.mki !== undefined ? { mki: mkiBytes(key.mki) } : {}),
    });
  }

  /**
   * A context from the 30 bytes of key||salt as SDES carries them base64-encoded (RFC 4568 §6.1), e.g.
   * `Buffer.from(keySaltBase64, 'base64')`. Throws RangeError for another length.
   */
  static fromKeySalt(
    suite: SrtpSuite,
    keySalt: Buffer,
    options: Omit<SrtpContextOptions, 'suite' | 'masterKey' | 'masterSalt'> = {},
  ): SrtpContext {
    const p = SRTP_SUITES[suite];
    if (keySalt.length !== p.masterKeyLength + p.masterSaltLength) {
      throw new RangeError(`${suite}: key||salt must be ${p.masterKeyLength + p.masterSaltLength} bytes, got ${keySalt.length}`);
    }
    return new SrtpContext({
      ...options,
      suite,
      masterKey: keySalt.subarray(0, p.masterKeyLength),
      masterSalt: keySalt.subarray(p.masterKeyLength),
    });
  }

  constructor(options: SrtpContextOptions) {
    const params = SRTP_SUITES[options.suite];
    if (options.masterKey.length !== params.masterKeyLength) {
      throw new RangeError(`${options.suite}: master key must be ${params.masterKeyLength} bytes`);
    }
    if (options.masterSalt.length !== params.masterSaltLength) {
      throw new RangeError(`${options.suite}: master salt must be ${params.masterSaltLength} bytes`);
    }
    this.suite = options.suite;
    this.rtp = keysFor(options, 'srtp', params);
    this.rtcp = keysFor(options, 'srtcp', params);
    this.mki = Buffer.from(options.mki ?? Buffer.alloc(0));
    this.windowSize = options.replayWindow ?? DEFAULT_REPLAY_WINDOW;
    new ReplayWindow(this.windowSize); // validates the size now rather than on the first packet
    this.boundSsrc = options.ssrc === undefined ? undefined : options.ssrc >>> 0;
    this.maxStreams = Math.max(1, options.maxStreams ?? 16);
  }

  /** Copies of the counters. */
  get stats(): SrtpStats {
    return { rtp: { ...this.counters.rtp }, rtcp: { ...this.counters.rtcp } };
  }

  /** Current ROC for `ssrc` (send side when we protect for it, else receive side), if known. */
  rolloverCounter(ssrc: number): number | undefined {
    const s = this.tx.get(ssrc >>> 0) ?? this.rx.get(ssrc >>> 0);
    return s === undefined || s.rtpHighest < 0 ? undefined : Math.floor(s.rtpHighest / 65536);
  }

  // -------------------------------------------------------------------------------------------------
  // SRTP (RFC 3711 §3.1 packet format, §3.3 processing)

  /**
   * RTP → SRTP: encrypts the payload, appends MKI (if any) and the tag. The ROC follows the sender's
   * sequence numbers (§3.3.1: incremented when SEQ wraps), via the same index guess as the receiver, so
   * slightly reordered sending is handled too. Throws RangeError for a non-RTP packet, another SSRC than
   * a bound one, or a SEQ whose index was already protected (or lies behind the replay window): encrypting
   * twice under one index would reuse keystream.
   */
  protectRtp(packet: Buffer): Buffer {
    if (packet.length < 12) throw new RangeError('not an RTP packet: shorter than 12 bytes');
    const hl = rtpHeaderLength(packet, packet.length);
    if (hl < 0) throw new RangeError(hl === -2 ? 'not an RTP packet: version is not 2' : 'RTP header runs past the packet');
    const ssrc = packet.readUInt32BE(8);
    if (this.boundSsrc !== undefined && ssrc !== this.boundSsrc) {
      throw new RangeError(`SSRC ${ssrc} is not the context's ${this.boundSsrc}`);
    }
    const seq = packet.readUInt16BE(2);
    const stream = this.txStream(ssrc);
    const index = estimateIndex(stream.rtpHighest, seq);
    if (index < 0 || index >= INDEX_LIMIT) {
      throw new RangeError(`SEQ ${seq} has no SRTP index (before ROC 0, or 2^48 packets sent: re-key, RFC 3711 §9.2)`);
    }
    // Like libsrtp without allow_repeat_tx: never encrypt twice under one index, which would reuse
    // keystream (RFC 3711 §9.1).
    const verdict = stream.rtpWindow.check(index);
    if (verdict !== 'new') throw new RangeError(`SEQ ${seq} (index ${index}) was already protected or is too old: ${verdict}`);
    stream.rtpWindow.accept(index);
    if (index > stream.rtpHighest) stream.rtpHighest = index;
    const roc = Math.floor(index / 65536);

    const keys = this.rtp;
    const len = packet.length;
    const out = Buffer.allocUnsafe(len + this.mki.length + keys.tagLength);
    packet.copy(out, 0, 0, hl);
    if (len > hl) {
      writeIv(this.iv, keys.salt, ssrc, roc, seq);
      createCipheriv('aes-128-ctr', keys.encryptionKey, this.iv).update(packet.subarray(hl)).copy(out, hl);
    }
    // §4.2: the tag covers the authenticated portion (header + encrypted payload) and the ROC.
    this.rocBytes.writeUInt32BE(roc, 0);
    const tag = createHmac('sha1', keys.authKey).update(out.subarray(0, len)).update(this.rocBytes).digest();
    this.mki.copy(out, len);
    tag.copy(out, len + this.mki.length, 0, keys.tagLength);
    this.counters.rtp.protected++;
    return out;
  }

  /**
   * SRTP → RTP (§3.3): index guess, replay check, tag check (constant time, before anything is
   * decrypted), decryption, and only then the ROC, s_l and Replay List are updated.
   */
  unprotectRtp(packet: Buffer): Buffer | SrtpError {
    const keys = this.rtp;
    const mkiLen = this.mki.length;
    if (packet.length < 12 + mkiLen + keys.tagLength) {
      return this.refuse('rtp', 'too-short', `${packet.length} bytes`);
    }
    const authEnd = packet.length - keys.tagLength - mkiLen;
    const hl = rtpHeaderLength(packet, authEnd);
    if (hl < 0) return this.refuse('rtp', 'malformed', hl === -2 ? 'RTP version is not 2' : 'RTP header runs past the payload');
    const ssrc = packet.readUInt32BE(8);
    if (this.boundSsrc !== undefined && ssrc !== this.boundSsrc) return this.refuse('rtp', 'ssrc', `SSRC ${ssrc}`);
    if (mkiLen > 0 && !this.mki.equals(packet.subarray(authEnd, authEnd + mkiLen))) {
      return this.refuse('rtp', 'mki', 'unknown MKI');
    }

    const seq = packet.readUInt16BE(2);
    const stream = this.rx.get(ssrc);
    const index = estimateIndex(stream?.rtpHighest ?? -1, seq);
    if (index < 0 || index >= INDEX_LIMIT) return this.refuse('rtp', 'replay', `index out of range (SEQ ${seq})`);
    if (stream !== undefined) {
      const verdict = stream.rtpWindow.check(index);
      if (verdict !== 'new') return this.refuse('rtp', 'replay', `${verdict} (SEQ ${seq}, index ${index})`);
    }

    const roc = Math.floor(index / 65536);
    this.rocBytes.writeUInt32BE(roc, 0);
    const expected = createHmac('sha1', keys.authKey).update(packet.subarray(0, authEnd)).update(this.rocBytes).digest();
    if (!timingSafeEqual(expected.subarray(0, keys.tagLength), packet.subarray(authEnd + mkiLen))) {
      return this.refuse('rtp', 'auth', `tag mismatch (SEQ ${seq}, ROC ${roc})`);
    }

    const out = Buffer.allocUnsafe(authEnd);
    packet.copy(out, 0, 0, hl);
    if (authEnd > hl) {
      writeIv(this.iv, keys.salt, ssrc, roc, seq);
      createCipheriv('aes-128-ctr', keys.encryptionKey, this.iv).update(packet.subarray(hl, authEnd)).copy(out, hl);
    }

    const s = stream ?? this.newRxStream(ssrc);
    s.rtpWindow.accept(index);
    if (index > s.rtpHighest) s.rtpHighest = index;
    this.counters.rtp.unprotected++;
    return out;
  }

  // -------------------------------------------------------------------------------------------------
  // SRTCP (RFC 3711 §3.4)

  /**
   * RTCP (compound) → SRTCP: everything after the first 8 bytes is encrypted, then E=1 and the SRTCP index
   * (starting at 0, +1 per packet modulo 2^31), the MKI (if any) and the 80-bit tag over header, encrypted
   * part and E||index are appended.
   */
  protectRtcp(packet: Buffer): Buffer {
    if (packet.length < 8) throw new RangeError('not an RTCP packet: shorter than 8 bytes');
    if ((packet[0] ?? 0) >>> 6 !== 2) throw new RangeError('not an RTCP packet: version is not 2');
    const ssrc = packet.readUInt32BE(4);
    if (this.boundSsrc !== undefined && ssrc !== this.boundSsrc) {
      throw new RangeError(`SSRC ${ssrc} is not the context's ${this.boundSsrc}`);
    }
    const stream = this.txStream(ssrc);
    const index = stream.srtcpNext;
    // §3.4 / §9.2: 2^31 SRTCP packets per master key; wrapping would reuse keystream.
    if (index > SRTCP_INDEX_MASK) throw new RangeError('SRTCP index space exhausted: the master key must be replaced (RFC 3711 §9.2)');
    stream.srtcpNext = index + 1;

    const keys = this.rtcp;
    const len = packet.length;
    const out = Buffer.allocUnsafe(len + 4 + this.mki.length + keys.tagLength);
    packet.copy(out, 0, 0, 8);
    if (len > 8) {
      writeIv(this.iv, keys.salt, ssrc, index >>> 16, index & 0xffff);
      createCipheriv('aes-128-ctr', keys.encryptionKey, this.iv).update(packet.subarray(8)).copy(out, 8);
    }
    out.writeUInt32BE((SRTCP_E_BIT | index) >>> 0, len);
    const tag = createHmac('sha1', keys.authKey).update(out.subarray(0, len + 4)).digest();
    this.mki.copy(out, len + 4);
    tag.copy(out, len + 4 + this.mki.length, 0, keys.tagLength);
    this.counters.rtcp.protected++;
    return out;
  }

  /**
   * SRTCP → RTCP: replay check on the SRTCP index (its own Replay List, §3.4), tag check before
   * decryption, decryption when the E flag is set (an unencrypted but authenticated packet is accepted as
   * is), then the Replay List update.
   */
  unprotectRtcp(packet: Buffer): Buffer | SrtpError {
    const keys = this.rtcp;
    const mkiLen = this.mki.length;
    if (packet.length < 8 + 4 + mkiLen + keys.tagLength) {
      return this.refuse('rtcp', 'too-short', `${packet.length} bytes`);
    }
    if ((packet[0] ?? 0) >>> 6 !== 2) return this.refuse('rtcp', 'malformed', 'RTCP version is not 2');
    const eIndexAt = packet.length - keys.tagLength - mkiLen - 4;
    const authEnd = eIndexAt + 4;
    const ssrc = packet.readUInt32BE(4);
    if (this.boundSsrc !== undefined && ssrc !== this.boundSsrc) return this.refuse('rtcp', 'ssrc', `SSRC ${ssrc}`);
    if (mkiLen > 0 && !this.mki.equals(packet.subarray(authEnd, authEnd + mkiLen))) {
      return this.refuse('rtcp', 'mki', 'unknown MKI');
    }

    const word = packet.readUInt32BE(eIndexAt);
    const encrypted = (word & SRTCP_E_BIT) !== 0;
    const index = word & SRTCP_INDEX_MASK;
    const stream = this.rx.get(ssrc);
    if (stream !== undefined) {
      const verdict = stream.rtcpWindow.check(index);
      if (verdict !== 'new') return this.refuse('rtcp', 'replay', `${verdict} (SRTCP index ${index})`);
    }

    const expected = createHmac('sha1', keys.authKey).update(packet.subarray(0, authEnd)).digest();
    if (!timingSafeEqual(expected.subarray(0, keys.tagLength), packet.subarray(authEnd + mkiLen))) {
      return this.refuse('rtcp', 'auth', `tag mismatch (SRTCP index ${index})`);
    }

    const out = Buffer.allocUnsafe(eIndexAt);
    packet.copy(out, 0, 0, encrypted ? 8 : eIndexAt);
    if (encrypted && eIndexAt > 8) {
      writeIv(this.iv, keys.salt, ssrc, index >>> 16, index & 0xffff);
      createCipheriv('aes-128-ctr', keys.encryptionKey, this.iv).update(packet.subarray(8, eIndexAt)).copy(out, 8);
    }

    (stream ?? this.newRxStream(ssrc)).rtcpWindow.accept(index);
    this.counters.rtcp.unprotected++;
    return out;
  }

  // -------------------------------------------------------------------------------------------------

  private refuse(protocol: 'rtp' | 'rtcp', kind: SrtpErrorKind, message: string): SrtpError {
    this.counters[protocol][kind]++;
    return new SrtpError(kind, protocol === 'rtp' ? 'srtp' : 'srtcp', message);
  }

  private newState(): StreamState {
    return {
      rtpHighest: -1,
      rtpWindow: new ReplayWindow(this.windowSize),
      srtcpNext: 0,
      rtcpWindow: new ReplayWindow(this.windowSize),
    };
  }

  /** Send-side state; never evicted (forgetting it would restart ROC and SRTCP index: keystream reuse). */
  private txStream(ssrc: number): StreamState {
    let s = this.tx.get(ssrc);
    if (s === undefined) {
      s = this.newState();
      this.tx.set(ssrc, s);
    }
    return s;
  }

  /** Receive-side state, created only once a packet of `ssrc` has authenticated. */
  private newRxStream(ssrc: number): StreamState {
    if (this.rx.size >= this.maxStreams) {
      const oldest = this.rx.keys().next();
      if (oldest.done !== true) this.rx.delete(oldest.value);
    }
    const s = this.newState();
    this.rx.set(ssrc, s);
    return s;
  }
}
