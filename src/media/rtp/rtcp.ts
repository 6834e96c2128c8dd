/**
 * RTCP (RFC 3550 §6): compound packet parsing and serialization (SR, RR, SDES, BYE; APP and any other type
 * kept as raw bytes), NTP timestamp helpers (§4) and the transmission interval (§6.3.1, A.7).
 *
 * parseRtcp is strict and bounded: every length field is checked against the datagram and against the
 * other fields it must hold, the compound must satisfy RFC 3550 A.2's validity checks (version 2 throughout,
 * first packet SR or RR, padding only on the last one, lengths adding up to the datagram exactly), and
 * nothing ever throws: malformed input comes back as an RtcpParseError naming the reason and the index of
 * the sub-packet at fault. Raw parts (profile extensions, APP data, unknown bodies) are views, not copies.
 */

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const RTCP_SDES = 202;
export const RTCP_BYE = 203;
export const RTCP_APP = 204;

/** SDES item types (RFC 3550 §6.5). */
export const SDES_END = 0;
export const SDES_CNAME = 1;
export const SDES_NAME = 2;
export const SDES_EMAIL = 3;
export const SDES_PHONE = 4;
export const SDES_LOC = 5;
export const SDES_TOOL = 6;
export const SDES_NOTE = 7;
export const SDES_PRIV = 8;

/** RC / SC fields are 5 bits (RFC 3550 §6.4.1). */
export const RTCP_MAX_COUNT = 31;
const HEADER = 4;
const REPORT_BLOCK = 24;
const SENDER_INFO = 20;

/** One reception report block (RFC 3550 §6.4.1). */
export interface ReportBlock {
  /** SSRC of the source this block reports on. */
  readonly ssrc: number;
  /** Fraction lost since the previous report, fixed point with the binary point at the left (0..255 = 0..255/256). */
  readonly fractionLost: number;
  /** Cumulative number of packets lost, signed 24 bits (duplicates can make it negative). */
  readonly cumulativeLost: number;
  /** Extended highest sequence number received: cycles in the high 16 bits, sequence in the low 16. */
  readonly extendedHighestSeq: number;
  /** Interarrival jitter in timestamp units (RFC 3550 §6.4.1, A.8). */
  readonly jitter: number;
  /** Middle 32 bits of the NTP timestamp of the last SR received from that source; 0 = none yet. */
  readonly lsr: number;
  /** Delay since that SR, in units of 1/65536 s; 0 when lsr is 0. */
  readonly dlsr: number;
}

export interface RtcpSenderReport {
  readonly type: 'sr';
  readonly ssrc: number;
  /** NTP timestamp, seconds since 1900 (mod 2^32). */
  readonly ntpSeconds: number;
  /** NTP timestamp, fraction of a second in units of 2^-32 s. */
  readonly ntpFraction: number;
  /** The same instant as the NTP timestamp, in the sender's RTP timestamp units. */
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  /** Payload octets sent (no headers, no padding). */
  readonly octetCount: number;
  readonly reports: readonly ReportBlock[];
  /** Profile-specific extension (§6.4.1), when present. */
  readonly extension?: Buffer;
}

export interface RtcpReceiverReport {
  readonly type: 'rr';
  readonly ssrc: number;
  readonly reports: readonly ReportBlock[];
  readonly extension?: Buffer;
}

export interface SdesItem {
  /** SDES_CNAME, SDES_NAME, … (never SDES_END). */
  readonly type: number;
  /** UTF-8 text (RFC 3550 §6.5); at most 255 octets. */
  readonly value: string;
}

export interface SdesChunk {
  readonly ssrc: number;
  readonly items: readonly SdesItem[];
}

export interface RtcpSdes {
  readonly type: 'sdes';
  readonly chunks: readonly SdesChunk[];
}

export interface RtcpBye {
  readonly type: 'bye';
  readonly ssrcs: readonly number[];
  readonly reason?: string;
}

export interface RtcpApp {
  readonly type: 'app';
  readonly subtype: number;
  readonly ssrc: number;
  /** Four ASCII characters. */
  readonly name: string;
  readonly data: Buffer;
}

/** Any other packet type (RTPFB 205, PSFB 206, XR 207, …): ignored by us (RFC 3550 §6.1) but kept. */
export interface RtcpOther {
  readonly type: 'other';
  readonly packetType: number;
  /** The 5-bit count/format field. */
  readonly count: number;
  /** Body after the 4-octet header, without padding. */
  readonly body: Buffer;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSdes | RtcpBye | RtcpApp | RtcpOther;

export interface RtcpCompound {
  readonly packets: readonly RtcpPacket[];
}

export type RtcpParseErrorReason =
  /** datagram shorter than one RTCP header */
  | 'too-short'
  /** some sub-packet has V ≠ 2 */
  | 'bad-version'
  /** datagram not a whole number of 32-bit words, a length field past the end */
  | 'bad-length'
  /** A.2: the first packet must be SR or RR (unless reduced-size RTCP, RFC 5506, is allowed) */
  | 'first-not-report'
  /** A.2: padding on a packet that is not the last */
  | 'padding-not-last'
  /** padding count 0 or larger than the packet body */
  | 'bad-padding'
  /** SR/RR whose RC report blocks (and sender info) do not fit its length */
  | 'truncated-report'
  /** SDES chunk or item past the packet end, missing terminator, or octets after the last chunk */
  | 'bad-sdes'
  /** BYE whose SSRC list or reason does not fit its length */
  | 'bad-bye'
  /** APP shorter than SSRC + name */
  | 'bad-app';

export interface RtcpParseError {
  readonly error: RtcpParseErrorReason;
  /** Index of the sub-packet at fault within the compound (0 for datagram-level errors). */
  readonly index: number;
  readonly detail: string;
}

export function isRtcpParseError(r: RtcpCompound | RtcpParseError): r is RtcpParseError {
  return 'error' in r;
}

export interface RtcpParseOptions {
  /** Accept compounds whose first packet is not SR/RR (reduced-size RTCP, RFC 5506 §3.4.2). Default false. */
  readonly reducedSize?: boolean;
}

function fail(error: RtcpParseErrorReason, index: number, detail: string): RtcpParseError {
  return { error, index, detail };
}

function readReportBlocks(buf: Buffer, at: number, count: number): ReportBlock[] {
  const blocks: ReportBlock[] = new Array<ReportBlock>(count);
  for (let i = 0; i < count; i++) {
    const o = at + i * REPORT_BLOCK;
    const lost = buf.readUIntBE(o + 5, 3);
    blocks[i] = {
      ssrc: buf.readUInt32BE(o),
      fractionLost: buf[o + 4]!,
      cumulativeLost: lost & 0x800000 ? lost - 0x1000000 : lost,
      extendedHighestSeq: buf.readUInt32BE(o + 8),
      jitter: buf.readUInt32BE(o + 12),
      lsr: buf.readUInt32BE(o + 16),
      dlsr: buf.readUInt32BE(o + 20),
    };
  }
  return blocks;
}

/**
 * Parses the body [start, end) of one sub-packet (header at start − 4). `packetStart` is where its header
 * begins (SDES chunks align to 32-bit boundaries counted from there).
 */
function parseBody(buf: Buffer, pt: number, count: number, packetStart: number, start: number, end: number, index: number): RtcpPacket | RtcpParseError {
  const bodyLen = end - start;
  switch (pt) {
    case RTCP_SR: {
      const need = 4 + SENDER_INFO + count * REPORT_BLOCK;
      if (bodyLen < need) return fail('truncated-report', index, `SR with ${count} blocks needs ${need} octets of body, has ${bodyLen}`);
      const ext = start + need < end ? buf.subarray(start + need, end) : undefined;
      const sr: RtcpSenderReport = {
        type: 'sr',
        ssrc: buf.readUInt32BE(start),
        ntpSeconds: buf.readUInt32BE(start + 4),
        ntpFraction: buf.readUInt32BE(start + 8),
        rtpTimestamp: buf.readUInt32BE(start + 12),
        packetCount: buf.readUInt32BE(start + 16),
        octetCount: buf.readUInt32BE(start + 20),
        reports: readReportBlocks(buf, start + 4 + SENDER_INFO, count),
      };
      return ext ? { ...sr, extension: ext } : sr;
    }
    case RTCP_RR: {
      const need = 4 + count * REPORT_BLOCK;
      if (bodyLen < need) return fail('truncated-report', index, `RR with ${count} blocks needs ${need} octets of body, has ${bodyLen}`);
      const rr: RtcpReceiverReport = { type: 'rr', ssrc: buf.readUInt32BE(start), reports: readReportBlocks(buf, start + 4, count) };
      return start + need < end ? { ...rr, extension: buf.subarray(start + need, end) } : rr;
    }
    case RTCP_SDES: {
      // RFC 3550 §6.5: SC chunks, each an SSRC/CSRC, items (type, length, text), terminated by one or more
      // null octets up to the next 32-bit boundary.
      const chunks: SdesChunk[] = [];
      let o = start;
      for (let c = 0; c < count; c++) {
        if (o + 4 > end) return fail('bad-sdes', index, `chunk ${c} of ${count} starts past the end`);
        const ssrc = buf.readUInt32BE(o);
        o += 4;
        const items: SdesItem[] = [];
        for (;;) {
          if (o >= end) return fail('bad-sdes', index, `chunk ${c} has no terminating null octet`);
          const type = buf[o]!;
          if (type === SDES_END) {
            o = packetStart + (((o + 1 - packetStart) + 3) & ~3);
            if (o > end) return fail('bad-sdes', index, `chunk ${c} terminator padding runs past the end`);
            break;
          }
          if (o + 2 > end) return fail('bad-sdes', index, `item header of chunk ${c} past the end`);
          const length = buf[o + 1]!;
          if (o + 2 + length > end) return fail('bad-sdes', index, `item of ${length} octets in chunk ${c} past the end`);
          items.push({ type, value: buf.toString('utf8', o + 2, o + 2 + length) });
          o += 2 + length;
        }
        chunks.push({ ssrc, items });
      }
      if (o !== end) return fail('bad-sdes', index, `${end - o} octets after the last of ${count} chunks`);
      return { type: 'sdes', chunks };
    }
    case RTCP_BYE: {
      if (bodyLen < count * 4) return fail('bad-bye', index, `${count} SSRCs need ${count * 4} octets, body has ${bodyLen}`);
      const ssrcs: number[] = new Array<number>(count);
      for (let i = 0; i < count; i++) ssrcs[i] = buf.readUInt32BE(start + i * 4);
      const r = start + count * 4;
      if (r < end) {
        const length = buf[r]!;
        if (r + 1 + length > end) return fail('bad-bye', index, `reason of ${length} octets past the end`);
        return { type: 'bye', ssrcs, reason: buf.toString('utf8', r + 1, r + 1 + length) };
      }
      return { type: 'bye', ssrcs };
    }
    case RTCP_APP: {
      if (bodyLen < 8) return fail('bad-app', index, `APP body of ${bodyLen} octets, needs SSRC and name`);
      return { type: 'app', subtype: count, ssrc: buf.readUInt32BE(start), name: buf.toString('latin1', start + 4, start + 8), data: buf.subarray(start + 8, end) };
    }
    default:
      return { type: 'other', packetType: pt, count, body: buf.subarray(start, end) };
  }
}

/** Parses a compound RTCP datagram (RFC 3550 §6.1, validity checks of A.2). Never throws. */
export function parseRtcp(buf: Buffer, options: RtcpParseOptions = {}): RtcpCompound | RtcpParseError {
  const len = buf.length;
  if (len < HEADER) return fail('too-short', 0, `${len} octets`);
  if (len % 4 !== 0) return fail('bad-length', 0, `${len} octets is not a whole number of 32-bit words`);
  const packets: RtcpPacket[] = [];
  let offset = 0;
  let index = 0;
  while (offset < len) {
    const b0 = buf[offset]!;
    if (b0 >>> 6 !== 2) return fail('bad-version', index, `version ${b0 >>> 6}`);
    const count = b0 & 0x1f;
    const pt = buf[offset + 1]!;
    const end = offset + (buf.readUInt16BE(offset + 2) + 1) * 4;
    if (end > len) return fail('bad-length', index, `packet ends at ${end}, datagram has ${len}`);
    if (index === 0 && !options.reducedSize && pt !== RTCP_SR && pt !== RTCP_RR) {
      return fail('first-not-report', 0, `first packet type ${pt}`);
    }
    let contentEnd = end;
    if (b0 & 0x20) {
      if (end !== len) return fail('padding-not-last', index, 'padding bit set on a packet that is not the last');
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > end - offset - HEADER) return fail('bad-padding', index, `padding count ${pad} for a body of ${end - offset - HEADER}`);
      contentEnd = end - pad;
    }
    const p = parseBody(buf, pt, count, offset, offset + HEADER, contentEnd, index);
    if ('error' in p) return p;
    packets.push(p);
    offset = end;
    index++;
  }
  return { packets };
}

// ---------------------------------------------------------------------------------------------------------
// Serialization

function checkUint(name: string, value: number, bits: number): void {
  if (!Number.isInteger(value) || value < 0 || value > 2 ** bits - 1) {
    throw new RangeError(`RTCP ${name} must be an integer in 0..${2 ** bits - 1}, got ${value}`);
  }
}

function checkCount(name: string, n: number): void {
  if (n > RTCP_MAX_COUNT) throw new RangeError(`at most ${RTCP_MAX_COUNT} ${name} per RTCP packet, got ${n}`);
}

function checkWords(name: string, b: Buffer | undefined): number {
  const n = b?.length ?? 0;
  if (n % 4 !== 0) throw new RangeError(`${name} must be a multiple of 4 octets, got ${n}`);
  return n;
}

function textLength(name: string, s: string): number {
  const n = Buffer.byteLength(s, 'utf8');
  if (n > 255) throw new RangeError(`${name} must be at most 255 octets of UTF-8, got ${n}`);
  return n;
}

function chunkSize(c: SdesChunk): number {
  let n = 4;
  for (const item of c.items) {
    checkUint('SDES item type', item.type, 8);
    if (item.type === SDES_END) throw new RangeError('SDES item type 0 is the terminator');
    n += 2 + textLength('SDES item', item.value);
  }
  return (n + 1 + 3) & ~3; // at least one null octet, up to the 32-bit boundary
}

/** Size of one sub-packet, header included, without compound padding. Throws RangeError on bad fields. */
function packetSize(p: RtcpPacket): number {
  switch (p.type) {
    case 'sr':
      checkCount('report blocks', p.reports.length);
      return HEADER + 4 + SENDER_INFO + p.reports.length * REPORT_BLOCK + checkWords('SR extension', p.extension);
    case 'rr':
      checkCount('report blocks', p.reports.length);
      return HEADER + 4 + p.reports.length * REPORT_BLOCK + checkWords('RR extension', p.extension);
    case 'sdes': {
      checkCount('SDES chunks', p.chunks.length);
      let n = HEADER;
      for (const c of p.chunks) n += chunkSize(c);
      return n;
    }
    case 'bye': {
      checkCount('BYE SSRCs', p.ssrcs.length);
      const reason = p.reason === undefined ? 0 : (1 + textLength('BYE reason', p.reason) + 3) & ~3;
      return HEADER + p.ssrcs.length * 4 + reason;
    }
    case 'app':
      if (Buffer.byteLength(p.name, 'latin1') !== 4) throw new RangeError(`APP name must be 4 characters, got ${JSON.stringify(p.name)}`);
      return HEADER + 8 + checkWords('APP data', p.data);
    case 'other':
      return HEADER + checkWords('RTCP body', p.body);
  }
}

function writeReportBlocks(buf: Buffer, o: number, blocks: readonly ReportBlock[]): number {
  for (const b of blocks) {
    checkUint('report SSRC', b.ssrc, 32);
    checkUint('fraction lost', b.fractionLost, 8);
    if (!Number.isInteger(b.cumulativeLost) || b.cumulativeLost < -0x800000 || b.cumulativeLost > 0x7fffff) {
      throw new RangeError(`cumulative lost must be a signed 24-bit integer, got ${b.cumulativeLost}`);
    }
    checkUint('extended highest sequence', b.extendedHighestSeq, 32);
    checkUint('jitter', b.jitter, 32);
    checkUint('LSR', b.lsr, 32);
    checkUint('DLSR', b.dlsr, 32);
    buf.writeUInt32BE(b.ssrc, o);
    buf[o + 4] = b.fractionLost;
    buf.writeUIntBE(b.cumulativeLost & 0xffffff, o + 5, 3);
    buf.writeUInt32BE(b.extendedHighestSeq, o + 8);
    buf.writeUInt32BE(b.jitter, o + 12);
    buf.writeUInt32BE(b.lsr, o + 16);
    buf.writeUInt32BE(b.dlsr, o + 20);
    o += REPORT_BLOCK;
  }
  return o;
}

function writeHeader(buf: Buffer, o: number, count: number, pt: number, size: number, padded: boolean): void {
  buf[o] = 0x80 | (padded ? 0x20 : 0) | count;
  buf[o + 1] = pt;
  buf.writeUInt16BE(size / 4 - 1, o + 2);
}

function writePacket(buf: Buffer, o: number, p: RtcpPacket, size: number, padded: boolean): void {
  switch (p.type) {
    case 'sr': {
      writeHeader(buf, o, p.reports.length, RTCP_SR, size, padded);
      checkUint('SSRC', p.ssrc, 32);
      checkUint('NTP seconds', p.ntpSeconds, 32);
      checkUint('NTP fraction', p.ntpFraction, 32);
      checkUint('RTP timestamp', p.rtpTimestamp, 32);
      checkUint('packet count', p.packetCount, 32);
      checkUint('octet count', p.octetCount, 32);
      buf.writeUInt32BE(p.ssrc, o + 4);
      buf.writeUInt32BE(p.ntpSeconds, o + 8);
      buf.writeUInt32BE(p.ntpFraction, o + 12);
      buf.writeUInt32BE(p.rtpTimestamp, o + 16);
      buf.writeUInt32BE(p.packetCount, o + 20);
      buf.writeUInt32BE(p.octetCount, o + 24);
      const e = writeReportBlocks(buf, o + 28, p.reports);
      if (p.extension) buf.set(p.extension, e);
      return;
    }
    case 'rr': {
      writeHeader(buf, o, p.reports.length, RTCP_RR, size, padded);
      checkUint('SSRC', p.ssrc, 32);
      buf.writeUInt32BE(p.ssrc, o + 4);
      const e = writeReportBlocks(buf, o + 8, p.reports);
      if (p.extension) buf.set(p.extension, e);
      return;
    }
    case 'sdes': {
      writeHeader(buf, o, p.chunks.length, RTCP_SDES, size, padded);
      let w = o + HEADER;
      for (const c of p.chunks) {
        checkUint('SDES SSRC', c.ssrc, 32);
        const chunkEnd = w + chunkSize(c);
        buf.writeUInt32BE(c.ssrc, w);
        w += 4;
        for (const item of c.items) {
          buf[w] = item.type;
          const n = buf.write(item.value, w + 2, 'utf8');
          buf[w + 1] = n;
          w += 2 + n;
        }
        buf.fill(0, w, chunkEnd);
        w = chunkEnd;
      }
      return;
    }
    case 'bye': {
      writeHeader(buf, o, p.ssrcs.length, RTCP_BYE, size, padded);
      let w = o + HEADER;
      for (const s of p.ssrcs) {
        checkUint('BYE SSRC', s, 32);
        buf.writeUInt32BE(s, w);
        w += 4;
      }
      if (p.reason !== undefined) {
        const n = buf.write(p.reason, w + 1, 'utf8');
        buf[w] = n;
        buf.fill(0, w + 1 + n, o + size);
      }
      return;
    }
    case 'app':
      checkUint('APP subtype', p.subtype, 5);
      checkUint('APP SSRC', p.ssrc, 32);
      writeHeader(buf, o, p.subtype, RTCP_APP, size, padded);
      buf.writeUInt32BE(p.ssrc, o + 4);
      buf.write(p.name, o + 8, 4, 'latin1');
      buf.set(p.data, o + 12);
      return;
    case 'other':
      checkUint('packet type', p.packetType, 8);
      checkUint('count', p.count, 5);
      writeHeader(buf, o, p.count, p.packetType, size, padded);
      buf.set(p.body, o + HEADER);
      return;
  }
}

export interface RtcpSerializeOptions {
  /** Padding octets appended to the last packet (RFC 3550 §6.4.1), a multiple of 4 in 4..252. */
  readonly padding?: number;
}

/**
 * Serializes a compound RTCP packet. RFC 3550 §6.1 wants SR or RR first and an SDES CNAME in every
 * compound; that is the caller's to arrange (session.ts does). Throws RangeError on fields out of range.
 */
export function serializeRtcp(packets: readonly RtcpPacket[], options: RtcpSerializeOptions = {}): Buffer {
  const pad = options.padding ?? 0;
  if (pad !== 0 && (!Number.isInteger(pad) || pad < 4 || pad > 252 || pad % 4 !== 0)) {
    throw new RangeError(`RTCP padding must be a multiple of 4 in 4..252, got ${pad}`);
  }
  if (pad && packets.length === 0) throw new RangeError('padding needs a packet to pad');
  const sizes = packets.map(packetSize);
  let total = pad;
  for (const s of sizes) total += s;
  const buf = Buffer.alloc(total);
  let o = 0;
  packets.forEach((p, i) => {
    const last = i === packets.length - 1;
    const size = sizes[i]! + (last ? pad : 0);
    if (size / 4 - 1 > 0xffff) throw new RangeError(`RTCP packet of ${size} octets exceeds the 16-bit length field`);
    writePacket(buf, o, p, size, last && pad > 0);
    o += size;
  });
  if (pad) buf[total - 1] = pad;
  return buf;
}

// ---------------------------------------------------------------------------------------------------------
// NTP timestamps (RFC 3550 §4)

/** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET = 2_208_988_800;

export interface NtpTimestamp {
  /** Seconds since 1900, mod 2^32. */
  readonly seconds: number;
  /** Fraction of a second in units of 2^-32 s. */
  readonly fraction: number;
}

/** NTP timestamp of a Unix time in milliseconds. */
export function ntpFromUnixMs(ms: number): NtpTimestamp {
  const s = Math.floor(ms / 1000);
  const fraction = Math.min(0xffffffff, Math.floor(((ms - s * 1000) / 1000) * 2 ** 32));
  return { seconds: (s + NTP_UNIX_OFFSET) % 2 ** 32, fraction };
}

/** Middle 32 bits of an NTP timestamp (16.16 fixed point seconds): the LSR format of §6.4.1. */
export function ntpMiddle32(seconds: number, fraction: number): number {
  return (((seconds & 0xffff) << 16) | (fraction >>> 16)) >>> 0;
}

/** ntpMiddle32 of a Unix time in milliseconds. */
export function ntpShortFromUnixMs(ms: number): number {
  const t = ntpFromUnixMs(ms);
  return ntpMiddle32(t.seconds, t.fraction);
}

// ---------------------------------------------------------------------------------------------------------
// Transmission interval (RFC 3550 §6.2, §6.3.1, A.7)

/** RFC 3550 §6.2: the recommended fixed minimum interval. */
export const RTCP_MIN_INTERVAL_S = 5;
/** e − 3/2 (§6.3.1): compensates for timer reconsideration converging below the intended bandwidth. */
export const RTCP_COMPENSATION = Math.E - 1.5;
const SENDER_BW_FRACTION = 0.25;
const RECEIVER_BW_FRACTION = 1 - SENDER_BW_FRACTION;

export interface RtcpIntervalInput {
  /** Session members, ourselves included (2 in a call once the peer has been heard). */
  readonly members: number;
  /** Members that sent RTP recently, ourselves included if weSent. */
  readonly senders: number;
  /** RTCP bandwidth in octets per second (§6.2: 5 % of the session bandwidth). */
  readonly rtcpBandwidth: number;
  /** We sent RTP since the second-previous report (§6.3.1). */
  readonly weSent: boolean;
  /** Running average RTCP packet size in octets, lower-layer headers included (§6.3.3). */
  readonly avgRtcpSize: number;
  /** No RTCP sent yet: the minimum is halved (§6.2). */
  readonly initial: boolean;
  /** Minimum interval in seconds; default 5 (§6.2). */
  readonly minInterval?: number;
}

/** The deterministic interval Td of §6.3.1 (before randomization), in seconds. */
export function rtcpDeterministicInterval(i: RtcpIntervalInput): number {
  const minTime = (i.minInterval ?? RTCP_MIN_INTERVAL_S) / (i.initial ? 2 : 1);
  let bw = i.rtcpBandwidth;
  let n = i.members;
  // §6.3.1 / A.7: when senders are at most a quarter of the members, they share 25 % of the bandwidth.
  if (i.senders <= i.members * SENDER_BW_FRACTION) {
    if (i.weSent) {
      bw *= SENDER_BW_FRACTION;
      n = i.senders;
    } else {
      bw *= RECEIVER_BW_FRACTION;
      n -= i.senders;
    }
  }
  const t = bw > 0 ? (i.avgRtcpSize * n) / bw : minTime;
  return Math.max(t, minTime);
}

/**
 * The randomized interval T of §6.3.1 / A.7 in seconds: Td × uniform[0.5, 1.5) / (e − 3/2).
 * `random` returns uniform [0, 1) (injectable for tests).
 */
export function rtcpInterval(i: RtcpIntervalInput, random: () => number = Math.random): number {
  return (rtcpDeterministicInterval(i) * (random() + 0.5)) / RTCP_COMPENSATION;
}
