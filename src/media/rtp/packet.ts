/**
 * RTP packets (RFC 3550 §5.1, §5.3): parsing and serialization, and telling RTP from RTCP and from other
 * protocols sharing one UDP port (RFC 5761 §4, RFC 7983 §7).
 *
 * parseRtp never throws: every malformed packet comes back as an RtpParseError naming the reason. Nothing
 * of the packet is copied: `payload` and `extension.data` are views (Buffer.subarray) into the buffer given.
 *
 *      0                   1                   2                   3
 *      0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *     +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *     |V=2|P|X|  CC   |M|     PT      |       sequence number         |
 *     |                           timestamp                           |
 *     |           synchronization source (SSRC) identifier            |
 *     |            contributing source (CSRC) identifiers (CC×)       |
 *     |  [X] defined by profile       |   [X] length (32-bit words)   |
 *     |  [X] header extension data ...                                |
 *     |  payload ...                  |  [P] padding ...  | pad count |
 */

export const RTP_VERSION = 2;
/** Fixed header: V/P/X/CC, M/PT, sequence, timestamp, SSRC (RFC 3550 §5.1). */
export const RTP_HEADER_SIZE = 12;
/** CC is 4 bits (RFC 3550 §5.1). */
export const RTP_MAX_CSRC = 15;

/** The header extension (RFC 3550 §5.3.1), kept as raw bytes: profile-defined, e.g. RFC 8285 elements. */
export interface RtpHeaderExtension {
  /** "defined by profile" 16 bits (0xBEDE = RFC 8285 one-byte header, 0x100x = two-byte). */
  readonly profile: number;
  /** Extension data after the 4-byte extension header; its length is a multiple of 4. A view, not a copy. */
  readonly data: Buffer;
}

export interface RtpPacket {
  readonly marker: boolean;
  /** 7 bits. */
  readonly payloadType: number;
  /** 16 bits. */
  readonly sequence: number;
  /** 32 bits, unsigned. */
  readonly timestamp: number;
  /** 32 bits, unsigned. */
  readonly ssrc: number;
  /** Contributing sources (RFC 3550 §5.1), empty for a plain two-party stream. */
  readonly csrcs: readonly number[];
  readonly extension: RtpHeaderExtension | undefined;
  /** Number of padding octets stripped (including the count octet itself); 0 = no padding. */
  readonly padding: number;
  /** Payload without padding. A view into the buffer parsed (no copy). */
  readonly payload: Buffer;
}

export type RtpParseErrorReason =
  /** shorter than the 12-octet fixed header */
  | 'too-short'
  /** V field is not 2 */
  | 'bad-version'
  /** the CC CSRC identifiers run past the end */
  | 'csrc-overflow'
  /** the extension header, or the length it announces, runs past the end */
  | 'extension-overflow'
  /** P set but the count octet is 0 or larger than what follows the header (RFC 3550 §5.1, A.1) */
  | 'bad-padding';

export interface RtpParseError {
  readonly error: RtpParseErrorReason;
  readonly detail: string;
}

export function isRtpParseError(r: RtpPacket | RtpParseError): r is RtpParseError {
  return 'error' in r;
}

const NO_CSRCS: readonly number[] = Object.freeze([]);

function fail(error: RtpParseErrorReason, detail: string): RtpParseError {
  return { error, detail };
}

/**
 * Parses one RTP packet. Checks RFC 3550 A.1's header validity rules that need no state (version,
 * padding count, lengths); payload type and SSRC checks belong to the receiver (see session.ts).
 * Never throws.
 */
export function parseRtp(buf: Buffer): RtpPacket | RtpParseError {
  const len = buf.length;
  if (len < RTP_HEADER_SIZE) return fail('too-short', `${len} octets, the fixed header takes ${RTP_HEADER_SIZE}`);
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  const version = b0 >>> 6;
  if (version !== RTP_VERSION) return fail('bad-version', `version ${version}`);
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const cc = b0 & 0x0f;

  let offset = RTP_HEADER_SIZE + cc * 4;
  if (offset > len) return fail('csrc-overflow', `${cc} CSRCs need ${offset} octets, packet has ${len}`);
  let csrcs = NO_CSRCS;
  if (cc > 0) {
    const list: number[] = new Array<number>(cc);
    for (let i = 0; i < cc; i++) list[i] = buf.readUInt32BE(RTP_HEADER_SIZE + i * 4);
    csrcs = list;
  }

  let extension: RtpHeaderExtension | undefined;
  if (hasExtension) {
    if (offset + 4 > len) return fail('extension-overflow', `extension header at ${offset} past the end (${len})`);
    const profile = buf.readUInt16BE(offset);
    const words = buf.readUInt16BE(offset + 2);
    const dataStart = offset + 4;
    const dataEnd = dataStart + words * 4;
    if (dataEnd > len) return fail('extension-overflow', `extension of ${words} words ends at ${dataEnd}, packet has ${len}`);
    extension = { profile, data: buf.subarray(dataStart, dataEnd) };
    offset = dataEnd;
  }

  let end = len;
  let padding = 0;
  if (hasPadding) {
    // RFC 3550 §5.1: the last octet counts the padding octets, itself included; so it is at least 1, and
    // the padding cannot reach into the header.
    padding = buf[len - 1]!;
    if (padding === 0) return fail('bad-padding', 'padding count 0');
    if (padding > len - offset) return fail('bad-padding', `padding ${padding} exceeds the ${len - offset} octets after the header`);
    end = len - padding;
  }

  return {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequence: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrcs,
    extension,
    padding,
    payload: buf.subarray(offset, end),
  };
}

/** What serializeRtp / writeRtp take. */
export interface RtpPacketInit {
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly marker?: boolean;
  readonly csrcs?: readonly number[];
  /** data.length must be a multiple of 4 (RFC 3550 §5.3.1 counts it in 32-bit words). */
  readonly extension?: RtpHeaderExtension;
  /** Padding octets to append, including the count octet (1..255); 0 or absent = none. */
  readonly padding?: number;
  readonly payload: Buffer | Uint8Array;
}

function checkUint(name: string, value: number, bits: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** bits - 1) {
    throw new RangeError(`RTP ${name} must be an integer in 0..${2 ** bits - 1}, got ${value}`);
  }
}

/** Octets writeRtp will write for this packet. Throws RangeError on fields out of range. */
export function rtpPacketSize(p: RtpPacketInit): number {
  checkUint('payload type', p.payloadType, 7);
  checkUint('sequence', p.sequence, 16);
  checkUint('timestamp', p.timestamp, 32);
  checkUint('SSRC', p.ssrc, 32);
  const cc = p.csrcs?.length ?? 0;
  if (cc > RTP_MAX_CSRC) throw new RangeError(`at most ${RTP_MAX_CSRC} CSRCs, got ${cc}`);
  let size = RTP_HEADER_SIZE + cc * 4;
  if (p.extension) {
    const n = p.extension.data.length;
    if (n % 4 !== 0 || n / 4 > 0xffff) throw new RangeError(`extension data must be a multiple of 4 octets below 256 KiB, got ${n}`);
    checkUint('extension profile', p.extension.profile, 16);
    size += 4 + n;
  }
  const pad = p.padding ?? 0;
  checkUint('padding', pad, 8);
  return size + p.payload.length + pad;
}

/**
 * Writes the packet into `target` at `offset` (no allocation) and returns the octets written.
 * Throws RangeError when a field is out of range or the target is too small: programming errors, not input.
 */
export function writeRtp(p: RtpPacketInit, target: Buffer, offset = 0): number {
  const size = rtpPacketSize(p);
  if (offset < 0 || offset + size > target.length) throw new RangeError(`RTP packet of ${size} octets does not fit at ${offset} in ${target.length}`);
  const cc = p.csrcs?.length ?? 0;
  const pad = p.padding ?? 0;
  target[offset] = (RTP_VERSION << 6) | (pad > 0 ? 0x20 : 0) | (p.extension ? 0x10 : 0) | cc;
  target[offset + 1] = (p.marker ? 0x80 : 0) | p.payloadType;
  target.writeUInt16BE(p.sequence, offset + 2);
  target.writeUInt32BE(p.timestamp, offset + 4);
  target.writeUInt32BE(p.ssrc, offset + 8);
  let o = offset + RTP_HEADER_SIZE;
  for (let i = 0; i < cc; i++) {
    const csrc = p.csrcs![i]!;
    checkUint('CSRC', csrc, 32);
    target.writeUInt32BE(csrc, o);
    o += 4;
  }
  if (p.extension) {
    target.writeUInt16BE(p.extension.profile, o);
    target.writeUInt16BE(p.extension.data.length / 4, o + 2);
    target.set(p.extension.data, o + 4);
    o += 4 + p.extension.data.length;
  }
  target.set(p.payload, o);
  o += p.payload.length;
  if (pad > 0) {
    target.fill(0, o, o + pad - 1);
    target[o + pad - 1] = pad;
    o += pad;
  }
  return o - offset;
}

/**
 * Writes a 12-octet fixed header (no CSRC, no extension, no padding) at `offset`: the per-packet fast path
 * of a sender, without rtpPacketSize's checks. The caller keeps payloadType within 7 bits and sequence
 * within 16; the timestamp and SSRC are reduced modulo 2^32.
 */
export function writeRtpHeader(target: Buffer, offset: number, marker: boolean, payloadType: number, sequence: number, timestamp: number, ssrc: number): void {
  target[offset] = RTP_VERSION << 6;
  target[offset + 1] = (marker ? 0x80 : 0) | (payloadType & 0x7f);
  target.writeUInt16BE(sequence & 0xffff, offset + 2);
  target.writeUInt32BE(timestamp >>> 0, offset + 4);
  target.writeUInt32BE(ssrc >>> 0, offset + 8);
}

/** One new Buffer holding the packet (from Node's pool for small sizes). Throws RangeError like writeRtp. */
export function serializeRtp(p: RtpPacketInit): Buffer {
  const buf = Buffer.allocUnsafe(rtpPacketSize(p));
  writeRtp(p, buf, 0);
  return buf;
}

/** What a datagram on a media port is (RFC 7983 §7 first-octet ranges, RFC 5761 §4 for RTP vs RTCP). */
export type PacketKind = 'rtp' | 'rtcp' | 'stun' | 'dtls' | 'other';

/**
 * Classifies a datagram by its first two octets.
 * RFC 7983 §7: first octet 0–3 STUN, 20–63 DTLS, 128–191 RTP/RTCP (version 2); anything else is other.
 * RFC 5761 §4: within RTP/RTCP, a second octet of 192–223 (RTCP packet types; RTP marker bit + payload
 * type 64–95, which RFC 5761 forbids for RTP on a multiplexed port) is RTCP, everything else RTP.
 */
export function classifyPacket(buf: Buffer): PacketKind {
  if (buf.length < 2) return 'other';
  const b0 = buf[0]!;
  if (b0 >= 128 && b0 <= 191) {
    const b1 = buf[1]!;
    return b1 >= 192 && b1 <= 223 ? 'rtcp' : 'rtp';
  }
  if (b0 <= 3) return 'stun';
  if (b0 >= 20 && b0 <= 63) return 'dtls';
  return 'other';
}

/** RFC 5761 §4: payload types an RTP stream must avoid when RTCP shares its port (they read as RTCP 192–223). */
export function isRtcpConflictingPayloadType(payloadType: number): boolean {
  return payloadType >= 64 && payloadType <= 95;
}
