/**
 * One RTP stream of a call over UDP (RFC 3550): sending with our own SSRC and sequence, receiving with
 * validation, RTCP reports both ways, BYE on close, and a media timeout.
 *
 * Transport
 * - Binds an even RTP port and RTCP on port + 1 (or RTP only, with rtcpMux) from a PortAllocator, IPv4 or
 *   IPv6 ('::' is dual-stack; IPv4 peers then appear as ::ffff:a.b.c.d and are compared as a.b.c.d).
 * - Symmetric RTP and RTCP (RFC 4961): we send RTP from the port we receive RTP on, RTCP from the port we
 *   receive RTCP on (the RTP port with rtcp-mux). Sockets are never connect()ed, so we see, count and
 *   drop packets from foreign sources ourselves.
 * - The RTP socket also demultiplexes RTCP (RFC 5761 §4): an offerer of rtcp-mux must take muxed RTCP
 *   before the answer arrives (§5.1.3), and accepting it always costs nothing.
 *
 * Receive path, for every datagram (nothing throws out of a socket callback; a bad packet is counted in
 * `counters.dropped` and ignored, never fatal):
 *  1. parse (packet.ts): malformed → dropped.malformed; not RTP/RTCP at all (STUN, DTLS, …) → dropped.notRtp;
 *  2. source transport address: only the locked source's, the negotiated remote's (SDP c=/m=), or any
 *     while the latch is open (below) → else dropped.foreignSource;
 *  3. payload type in the negotiated set → else dropped.payloadType;
 *  4. SSRC lock (RFC 3550 A.1 probation, below) → dropped.probation for packets of a source that never
 *     validated; A.1 sequence check on the locked source (a very large jump not confirmed by the next
 *     packet → dropped.sequence);
 *  5. emit 'packet'.
 *
 * SSRC lock rule. A source is (transport address, SSRC). No packet is delivered until a source passed
 * A.1's probation: `probation` (default 2 = MIN_SEQUENTIAL) packets with consecutive sequence numbers.
 * Its probation packets are held, not lost: they are delivered (and counted as received) once the source
 * validates. After the lock, a different source (a new SSRC from the same address, as when a PBX switches
 * media from an announcement to the callee, or the negotiated address taking over from a latched one)
 * replaces it only after `switchProbation` (default 3) consecutive in-sequence packets *with no packet of
 * the locked source in between*: two interleaved streams never make us flap, and a source that really took
 * over wins within 60 ms at 20 ms ptime. Each switch emits 'source' and restarts the receive statistics
 * (unless the SSRC is the same and only the address moved).
 *
 * Latching (option `latch`, default true). Many peers sit behind NAT or send from another address than
 * their SDP names; RFC 4961 symmetric RTP only helps if we answer to where packets come from. So while the
 * latch is open, a source from *any* address may validate; the first that does becomes the remote (we send
 * RTP there, and RTCP to its address with the same port offset until its RTCP shows up, which latches the
 * RTCP destination in turn). The latch closes at the first lock and opens again only when setRemote()
 * changes the remote address, so one source is learned per negotiated remote (RTP-bleed style hijacking
 * needs to win that race with two sequential packets of a negotiated payload type). Packets from the
 * negotiated address always may take over a latched source (the SDP is the better authority). With
 * `latch: false` only the negotiated address is ever accepted (strict). With no remote set yet and the
 * latch on, the session behaves like comedia: it learns the remote from the first source.
 *
 * RTCP timing (RFC 3550 §6.2, §6.3, A.7): intervals from the §6.3.1 formula (members, senders, 5 % of
 * 64 kbit/s for RTCP by default, average compound size), minimum 5 s (half for the first report),
 * randomized ×[0.5, 1.5) and divided by e − 3/2, with A.7's reconsideration on expiry; for a two-party call
 * that is one report every 2–7.5 s, 5 s on average (reconsideration and the e − 3/2 compensation cancel out). SR when we sent RTP since the report before last (§6.4), else RR; one
 * report block for the locked source if it sent since our last report; SDES CNAME in every compound
 * (§6.1); BYE on close (§6.3.7, only if we ever sent RTP or RTCP). `rtcpMinIntervalMs` and
 * `rtcpBandwidth` shorten it for tests.
 *
 * Media timeout: 'timeout' is emitted once when no valid RTP arrived for `mediaTimeoutMs` (default 30 s,
 * 0 = off) while receiving is expected: a remote is set and the direction is sendrecv or recvonly
 * (RFC 3264 §5.1). Counting restarts at setRemote() with a new address and when receiving becomes
 * expected; after a timeout the next valid packet re-arms it.
 */
import type dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import net from 'node:net';
import { randomBytes, randomInt } from 'node:crypto';
import type { MediaDirection } from '../types.js';
import { classifyPacket, isRtcpConflictingPayloadType, parseRtp, writeRtpHeader, RTP_HEADER_SIZE, type RtpPacket } from './packet.js';
import {
  ntpFromUnixMs,
  ntpMiddle32,
  ntpShortFromUnixMs,
  parseRtcp,
  rtcpInterval,
  serializeRtcp,
  SDES_CNAME,
  RTCP_MIN_INTERVAL_S,
  type RtcpCompound,
  type RtcpPacket,
  type ReportBlock,
} from './rtcp.js';
import { RtpSourceStats, dlsrFromMs, isAccepted, msToRtpUnits, roundTripTime, MIN_SEQUENTIAL } from './stats.js';
import type { PortAllocator, PortBinding } from './port-allocator.js';
import { createLogger } from '../../util/log.js';

const log = createLogger('rtp');

/** Time and timers, injected so tests can run in fake time. */
export interface RtpClock {
  /** Milliseconds on the Unix epoch scale, monotonic (arrival times, NTP timestamps of SRs, intervals). */
  now(): number;
  /** Runs fn once after ms; returns a function that cancels it. */
  setTimer(fn: () => void, ms: number): () => void;
}

/** performance.timeOrigin + performance.now(): epoch-scaled yet immune to wall-clock steps. */
export const systemClock: RtpClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return () => clearTimeout(t);
  },
};

/** One negotiated payload type (from a=rtpmap, or RFC 3551's static table). */
export interface RtpPayloadFormat {
  /** 0..127. */
  readonly payloadType: number;
  /** RTP clock rate (8000 for PCMU/PCMA/G.722). */
  readonly clockRate: number;
  /** Leave out of the A.8 jitter: RFC 4733 telephone-events keep one timestamp for a whole event. */
  readonly excludeFromJitter?: boolean;
}

/** The peer's media transport as the SDP says (c= address, m= port, a=rtcp, a=rtcp-mux). */
export interface RtpRemote {
  /** An IP address literal (v4 or v6); the SDP layer resolves names. */
  readonly address: string;
  readonly rtpPort: number;
  /** a=rtcp (RFC 3605); default rtpPort + 1; ignored with rtcpMux. */
  readonly rtcpPort?: number;
  /** Both sides agreed on a=rtcp-mux (RFC 5761); default: the session's rtcpMux option. */
  readonly rtcpMux?: boolean;
}

export interface RtpSessionOptions {
  readonly allocator: PortAllocator;
  /** Local address to bind; default '0.0.0.0', or '::' with family 6. */
  readonly localAddress?: string;
  /** 4 or 6; default from localAddress, else 4. */
  readonly family?: 4 | 6;
  /** Payload types accepted on receive (and their clock rates, also used for SR timestamps). */
  readonly payloadTypes: readonly RtpPayloadFormat[];
  /** Bind no RTCP socket: RTCP shares the RTP port (RFC 5761). Default false. */
  readonly rtcpMux?: boolean;
  /** Learn the remote from the first validated source (see the header). Default true. */
  readonly latch?: boolean;
  /** Consecutive packets a first source needs to be locked (A.1 MIN_SEQUENTIAL). Default 2. */
  readonly probation?: number;
  /** Consecutive packets a different source needs to replace the locked one. Default 3. */
  readonly switchProbation?: number;
  /** 'timeout' after this long without valid RTP while receiving is expected; 0 = off. Default 30000. */
  readonly mediaTimeoutMs?: number;
  /** Default 'sendrecv'. */
  readonly direction?: MediaDirection;
  /** SDES CNAME; default 16 random base64 characters (RFC 7022 §4.2, short-term persistent). */
  readonly cname?: string;
  /** RTCP minimum interval (§6.2); default 5000. */
  readonly rtcpMinIntervalMs?: number;
  /** RTCP bandwidth in octets/s (§6.2: 5 % of the session bandwidth); default 400 (5 % of 64 kbit/s). */
  readonly rtcpBandwidth?: number;
  readonly clock?: RtpClock;
  /** Uniform [0, 1) for the RTCP interval randomization (§6.3.1); default Math.random. */
  readonly random?: () => number;
  /** Same as calling setRemote() right after open. */
  readonly remote?: RtpRemote;
}

/** What 'packet' carries: the validated packet's fields; payload is a view into the datagram. */
export interface RtpPacketEvent {
  readonly payloadType: number;
  readonly sequence: number;
  readonly timestamp: number;
  readonly marker: boolean;
  readonly ssrc: number;
  readonly payload: Buffer;
  /** clock.now() at reception (ms). */
  readonly arrivalTime: number;
}

/** A remote source was locked: the first one, an SSRC change, or a move of the same SSRC. */
export interface RtpSourceEvent {
  readonly ssrc: number;
  readonly address: string;
  readonly port: number;
  /** The SSRC locked before, if any. */
  readonly previousSsrc: number | undefined;
  /** The source is not the negotiated remote: we latched onto it (and now send there). */
  readonly latched: boolean;
}

/** The remote's view of our stream, from the last report block about our SSRC (SR or RR). */
export interface RemoteReport {
  /** SSRC of the reporting participant. */
  readonly reporterSsrc: number;
  /** Loss since its previous report as a ratio 0..1 (the block's 8-bit value / 256). */
  readonly fractionLost: number;
  readonly cumulativeLost: number;
  readonly extendedHighestSeq: number;
  /** In our timestamp units. */
  readonly jitter: number;
  /** jitter in ms (by the clock rate of what we sent last), undefined before we sent. */
  readonly jitterMs: number | undefined;
  /** Round-trip time in seconds (§6.4.1), undefined until the peer echoes one of our SRs. */
  readonly rtt: number | undefined;
  /** clock.now() when the report arrived. */
  readonly receivedAt: number;
}

export interface RtpTimeoutEvent {
  readonly silentForMs: number;
  /** clock.now() of the last valid RTP packet, undefined if none ever arrived. */
  readonly lastPacketAt: number | undefined;
}

export interface RtpByeEvent {
  readonly ssrcs: readonly number[];
  readonly reason: string | undefined;
}

export interface RtpDropCounters {
  /** parseRtp failed. */
  malformed: number;
  /** Neither RTP nor RTCP by the first octet (RFC 7983: STUN, DTLS, …). */
  notRtp: number;
  /** From a transport address that is neither the locked, the negotiated, nor (latch open) any. */
  foreignSource: number;
  /** Payload type not negotiated. */
  payloadType: number;
  /** Held in A.1 probation for a source that never validated. */
  probation: number;
  /** A.1: a very large sequence jump not confirmed by the next packet. */
  sequence: number;
  /** parseRtcp failed. */
  rtcpMalformed: number;
  /** RTCP from an address that is not the peer's. */
  rtcpForeignSource: number;
}

export interface RtpCounters {
  /** Valid RTP packets delivered ('packet' events). */
  rtpReceived: number;
  rtpSent: number;
  /** RTP payload octets sent. */
  octetsSent: number;
  rtcpReceived: number;
  rtcpSent: number;
  /** Send callbacks with an error (unreachable network, …). */
  sendErrors: number;
  /** 'error' events of the sockets. */
  socketErrors: number;
  /** Exceptions caught in socket and timer callbacks (mostly listeners that threw). */
  handlerErrors: number;
  dropped: RtpDropCounters;
}

/** Our figures for the locked remote source (RFC 3550 A.3, A.8). */
export interface RtpReceiveStats {
  readonly ssrc: number;
  /** A.1 received (duplicates included). */
  readonly received: number;
  readonly expected: number;
  /** expected − received; negative with duplicates. */
  readonly lost: number;
  /** A.8, timestamp units. */
  readonly jitter: number;
  readonly jitterMs: number;
  readonly extendedHighestSeq: number;
}

export interface RtpSessionStats {
  /** Our SSRC. */
  readonly ssrc: number;
  readonly packetsSent: number;
  readonly octetsSent: number;
  readonly receive: RtpReceiveStats | undefined;
  readonly remote: RemoteReport | undefined;
  readonly counters: RtpCounters;
}

export interface RtpSessionEvents {
  packet: [RtpPacketEvent];
  source: [RtpSourceEvent];
  report: [RemoteReport];
  rtcp: [RtcpCompound];
  bye: [RtpByeEvent];
  timeout: [RtpTimeoutEvent];
}

interface Transport {
  /** Normalized: IPv4 plain, IPv6 canonical. */
  readonly address: string;
  readonly port: number;
  /** What socket.send takes (IPv4 as ::ffff:a.b.c.d on an IPv6 socket). */
  readonly sendAddress: string;
}

interface NegotiatedRemote {
  readonly address: string;
  readonly rtpPort: number;
  readonly rtcpPort: number;
  readonly rtcpMux: boolean;
}

interface LockedSource {
  readonly ssrc: number;
  address: string;
  port: number;
  readonly stats: RtpSourceStats;
  /** Clock rate of the last packet counted in the jitter. */
  clockRate: number;
}

interface Candidate {
  readonly ssrc: number;
  readonly address: string;
  readonly port: number;
  readonly stats: RtpSourceStats;
  /** Packets of the current probation run, delivered if the source validates. */
  readonly pending: RtpPacketEvent[];
}

const DEFAULT_MEDIA_TIMEOUT_MS = 30_000;
const DEFAULT_SWITCH_PROBATION = 3;
/** 5 % of 64 kbit/s in octets/s (§6.2). */
const DEFAULT_RTCP_BANDWIDTH = 400;
/** UDP + IPv4 / IPv6 headers, counted in the average RTCP size (§6.3.3). */
const UDP_IP4_OVERHEAD = 28;
const UDP_IP6_OVERHEAD = 48;
/** How long close() waits for the BYE to leave. */
const BYE_FLUSH_MS = 250;

function newSsrc(avoid?: number): number {
  for (;;) {
    const s = randomBytes(4).readUInt32BE(0);
    if (s !== avoid) return s;
  }
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new RangeError(`${name} must be a port 1..65535, got ${port}`);
}

function emptyDrops(): RtpDropCounters {
  return { malformed: 0, notRtp: 0, foreignSource: 0, payloadType: 0, probation: 0, sequence: 0, rtcpMalformed: 0, rtcpForeignSource: 0 };
}

export class RtpSession extends EventEmitter<RtpSessionEvents> {
  /** 4 or 6. */
  readonly family: 4 | 6;
  readonly localAddress: string;
  readonly localRtpPort: number;
  /** Where we receive RTCP: localRtpPort + 1, or localRtpPort when opened with rtcpMux. */
  readonly localRtcpPort: number;
  readonly cname: string;

  readonly #binding: PortBinding;
  readonly #clock: RtpClock;
  readonly #random: () => number;
  readonly #latch: boolean;
  readonly #probation: number;
  readonly #switchProbation: number;
  readonly #mediaTimeoutMs: number;
  readonly #rtcpMinIntervalMs: number;
  readonly #rtcpBandwidth: number;
  readonly #openedWithMux: boolean;
  readonly #ipOverhead: number;

  /** Clock rate by payload type; 0 = not negotiated. */
  readonly #ptClock = new Uint32Array(128);
  /** 1 = leave out of the jitter. */
  readonly #ptNoJitter = new Uint8Array(128);
  #direction: MediaDirection;

  // Remote
  #remote: NegotiatedRemote | undefined;
  /** Where RTP goes: the negotiated remote, or the latched source. */
  #rtpDest: Transport | undefined;
  #latchedDest: Transport | undefined;
  #rtcpLatchedDest: Transport | undefined;
  #latchOpen = true;
  #locked: LockedSource | undefined;
  /** The locked source is still allowed (false after setRemote moved the remote elsewhere). */
  #lockAllowed = false;
  #candidate: Candidate | undefined;

  // Sending (RFC 3550 §5.1: random SSRC, initial sequence and timestamp)
  #ssrc: number;
  #sequence: number;
  readonly #timestampOffset: number;
  #packetsSent = 0;
  #octetsSent = 0;
  #lastSentTimestamp = 0;
  #lastSentAt: number | undefined;
  #lastSentClockRate = 0;

  // RTCP (A.7 state)
  #tp = 0;
  #initial = true;
  #avgRtcpSize: number;
  #rtcpTimer: (() => void) | undefined;
  #sentAtLastReport = 0;
  #sentAtReportBefore = 0;
  #everSentRtcp = false;
  #remoteHeard = false;
  #lastSr: { ssrc: number; ntpShort: number; at: number } | undefined;
  #remoteReport: RemoteReport | undefined;

  // Media timeout
  #lastRtpAt: number | undefined;
  #expectSince = 0;
  #timeoutFired = false;
  #timeoutTimer: (() => void) | undefined;

  readonly #counters: Omit<RtpCounters, 'dropped'> = { rtpReceived: 0, rtpSent: 0, octetsSent: 0, rtcpReceived: 0, rtcpSent: 0, sendErrors: 0, socketErrors: 0, handlerErrors: 0 };
  readonly #dropped: RtpDropCounters = emptyDrops();
  #closing: Promise<void> | undefined;

  /**
   * Binds the ports and starts RTCP. Rejects with PortsExhaustedError (port-allocator.ts) or the OS bind
   * error, and with RangeError/TypeError for invalid options.
   */
  static async open(options: RtpSessionOptions): Promise<RtpSession> {
    const family = options.family ?? (options.localAddress !== undefined && net.isIP(options.localAddress) === 6 ? 6 : 4);
    const localAddress = options.localAddress ?? (family === 6 ? '::' : '0.0.0.0');
    if (net.isIP(localAddress) === 0) throw new TypeError(`localAddress must be an IP address, got ${localAddress}`);
    if (net.isIP(localAddress) !== family) throw new RangeError(`localAddress ${localAddress} is not IPv${family}`);
    const cname = options.cname ?? randomBytes(12).toString('base64');
    if (cname.length === 0 || Buffer.byteLength(cname) > 255) throw new RangeError('cname must be 1..255 octets');
    const binding = await options.allocator.bind({ type: family === 6 ? 'udp6' : 'udp4', address: localAddress, rtcpMux: options.rtcpMux });
    try {
      return new RtpSession(binding, options, family, localAddress, cname);
    } catch (err) {
      await binding.close();
      throw err;
    }
  }

  private constructor(binding: PortBinding, o: RtpSessionOptions, family: 4 | 6, localAddress: string, cname: string) {
    super();
    this.family = family;
    this.localAddress = localAddress;
    this.cname = cname;
    this.#binding = binding;
    this.localRtpPort = binding.rtpPort;
    this.localRtcpPort = binding.rtcp ? binding.rtcpPort : binding.rtpPort;
    this.#clock = o.clock ?? systemClock;
    this.#random = o.random ?? Math.random;
    this.#latch = o.latch ?? true;
    this.#probation = Math.max(1, Math.floor(o.probation ?? MIN_SEQUENTIAL));
    this.#switchProbation = Math.max(1, Math.floor(o.switchProbation ?? DEFAULT_SWITCH_PROBATION));
    this.#mediaTimeoutMs = Math.max(0, o.mediaTimeoutMs ?? DEFAULT_MEDIA_TIMEOUT_MS);
    this.#rtcpMinIntervalMs = o.rtcpMinIntervalMs ?? RTCP_MIN_INTERVAL_S * 1000;
    this.#rtcpBandwidth = o.rtcpBandwidth ?? DEFAULT_RTCP_BANDWIDTH;
    if (!(this.#rtcpMinIntervalMs > 0) || !(this.#rtcpBandwidth > 0)) throw new RangeError('rtcpMinIntervalMs and rtcpBandwidth must be positive');
    this.#openedWithMux = o.rtcpMux ?? false;
    this.#ipOverhead = family === 6 ? UDP_IP6_OVERHEAD : UDP_IP4_OVERHEAD;
    this.#direction = o.direction ?? 'sendrecv';
    this.#ssrc = newSsrc();
    this.#sequence = randomInt(0, 0x10000);
    this.#timestampOffset = randomBytes(4).readUInt32BE(0);
    // §6.3.2: initialized to the probable size of the first RTCP packet (RR + SDES CNAME + UDP/IP).
    this.#avgRtcpSize = 8 + 24 + 4 + 8 + cname.length + this.#ipOverhead;
    this.setPayloadTypes(o.payloadTypes);

    binding.rtp.on('message', this.#onRtpMessage);
    binding.rtp.on('error', this.#onSocketError);
    binding.rtcp?.on('message', this.#onRtcpMessage);
    binding.rtcp?.on('error', this.#onSocketError);

    const now = this.#clock.now();
    this.#expectSince = now;
    this.#tp = now;
    if (o.remote) this.setRemote(o.remote); // may throw: before any timer exists (open() closes the ports)
    this.#scheduleRtcp(this.#rtcpIntervalMs(now));
  }

  // -------------------------------------------------------------------------------------------------------
  // Control

  /** Our SSRC (changes only on an SSRC collision, §8.2). */
  get ssrc(): number {
    return this.#ssrc;
  }

  get direction(): MediaDirection {
    return this.#direction;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** The remote as negotiated (normalized address, RTCP port resolved), undefined before setRemote. */
  get remote(): Readonly<Required<RtpRemote>> | undefined {
    return this.#remote;
  }

  /** Where our RTP goes now (the negotiated remote or a latched source). */
  get rtpTarget(): { readonly address: string; readonly port: number } | undefined {
    return this.#rtpDest && { address: this.#rtpDest.address, port: this.#rtpDest.port };
  }

  /** Where our RTCP goes now. */
  get rtcpTarget(): { readonly address: string; readonly port: number } | undefined {
    const d = this.#rtcpDest();
    return d && { address: d.address, port: d.port };
  }

  /**
   * Sets or changes the remote transport from SDP. A changed address or RTP port reopens the latch, starts
   * the media-timeout count afresh and makes the previously locked source foreign (it may be learned again
   * if the latch is on). Throws TypeError/RangeError for an address that is not an IP literal of a family
   * this socket can reach, or bad ports: the SDP layer should answer 488 to such an SDP.
   */
  setRemote(remote: RtpRemote): void {
    const address = this.#canonicalRemoteAddress(remote.address);
    checkPort('rtpPort', remote.rtpPort);
    const rtcpMux = remote.rtcpMux ?? this.#openedWithMux;
    const rtcpPort = rtcpMux ? remote.rtpPort : remote.rtcpPort ?? remote.rtpPort + 1;
    checkPort('rtcpPort', rtcpPort);
    if (rtcpMux) {
      for (let pt = 0; pt < 128; pt++) {
        if (this.#ptClock[pt] !== 0 && isRtcpConflictingPayloadType(pt)) log.warn(`payload type ${pt} collides with RTCP on an rtcp-mux port (RFC 5761 §4)`);
      }
    }
    const prev = this.#remote;
    this.#remote = { address, rtpPort: remote.rtpPort, rtcpPort, rtcpMux };
    const moved = prev === undefined || prev.address !== address || prev.rtpPort !== remote.rtpPort;
    if (moved) {
      this.#rtpDest = this.#transport(address, remote.rtpPort);
      this.#latchedDest = undefined;
      this.#rtcpLatchedDest = undefined;
      this.#latchOpen = true;
      const l = this.#locked;
      this.#lockAllowed = l !== undefined && l.address === address && l.port === remote.rtpPort;
      this.#expectSince = this.#clock.now();
      this.#timeoutFired = false;
    } else if (prev.rtcpPort !== rtcpPort || prev.rtcpMux !== rtcpMux) {
      this.#rtcpLatchedDest = undefined;
    }
    this.#armTimeout();
  }

  /** Replaces the negotiated payload types (re-INVITE). Throws RangeError on values out of range. */
  setPayloadTypes(formats: readonly RtpPayloadFormat[]): void {
    for (const f of formats) {
      if (!Number.isInteger(f.payloadType) || f.payloadType < 0 || f.payloadType > 127) throw new RangeError(`payload type must be 0..127, got ${f.payloadType}`);
      if (!Number.isInteger(f.clockRate) || f.clockRate <= 0) throw new RangeError(`clock rate must be a positive integer, got ${f.clockRate}`);
    }
    this.#ptClock.fill(0);
    this.#ptNoJitter.fill(0);
    for (const f of formats) {
      this.#ptClock[f.payloadType] = f.clockRate;
      this.#ptNoJitter[f.payloadType] = f.excludeFromJitter ? 1 : 0;
    }
  }

  /**
   * The negotiated direction (RFC 3264 §5.1, §6.1): send() refuses in recvonly/inactive; the media
   * timeout runs in sendrecv/recvonly. Received packets are delivered in any direction (the peer may
   * still be switching); RTCP flows in all of them.
   */
  setDirection(direction: MediaDirection): void {
    const wasExpecting = this.#receiveExpected();
    this.#direction = direction;
    if (!wasExpecting && this.#receiveExpected()) {
      this.#expectSince = this.#clock.now();
      this.#timeoutFired = false;
    }
    this.#armTimeout();
  }

  // -------------------------------------------------------------------------------------------------------
  // Sending

  /**
   * Sends one RTP packet from the RTP port (symmetric RTP) to the current RTP target. `timestamp` is in
   * the payload type's clock units on the caller's own time line (start at 0 if you like): a random
   * per-session offset is added (RFC 3550 §5.1 wants a random initial timestamp). Sequence numbers are
   * ours (random start, +1 per packet). Returns false, sending nothing, when closed, without a remote, or
   * when the direction is recvonly/inactive. Throws RangeError for a payload type outside 0..127.
   */
  send(payloadType: number, payload: Buffer | Uint8Array, timestamp: number, marker = false): boolean {
    if (!Number.isInteger(payloadType) || payloadType < 0 || payloadType > 127) throw new RangeError(`payload type must be 0..127, got ${payloadType}`);
    const dest = this.#rtpDest;
    if (this.#closing !== undefined || dest === undefined || this.#direction === 'recvonly' || this.#direction === 'inactive') return false;
    const wireTimestamp = (timestamp + this.#timestampOffset) >>> 0;
    // One buffer per datagram (from Node's pool for small packets): header + payload.
    const buf = Buffer.allocUnsafe(RTP_HEADER_SIZE + payload.length);
    writeRtpHeader(buf, 0, marker, payloadType, this.#sequence, wireTimestamp, this.#ssrc);
    buf.set(payload, RTP_HEADER_SIZE);
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#packetsSent++;
    this.#octetsSent += payload.length;
    this.#counters.rtpSent++;
    this.#counters.octetsSent += payload.length;
    this.#lastSentTimestamp = wireTimestamp;
    this.#lastSentAt = this.#clock.now();
    const rate = this.#ptClock[payloadType]!;
    if (rate !== 0 && this.#ptNoJitter[payloadType] === 0) this.#lastSentClockRate = rate;
    else if (this.#lastSentClockRate === 0) this.#lastSentClockRate = rate;
    this.#binding.rtp.send(buf, dest.port, dest.sendAddress, this.#onSent);
    return true;
  }

  // -------------------------------------------------------------------------------------------------------
  // Figures

  /** A copy of the counters. */
  get counters(): RtpCounters {
    return { ...this.#counters, dropped: { ...this.#dropped } };
  }

  /** The remote's last report about our stream. */
  get remoteReport(): RemoteReport | undefined {
    return this.#remoteReport;
  }

  /** Snapshot of both directions (does not start a new A.3 reporting interval). */
  stats(): RtpSessionStats {
    const l = this.#locked;
    const receive: RtpReceiveStats | undefined = l && {
      ssrc: l.ssrc,
      received: l.stats.received,
      expected: l.stats.expected,
      lost: l.stats.lost,
      jitter: l.stats.jitter,
      jitterMs: (l.stats.jitter * 1000) / l.clockRate,
      extendedHighestSeq: l.stats.extendedMax % 2 ** 32,
    };
    return { ssrc: this.#ssrc, packetsSent: this.#packetsSent, octetsSent: this.#octetsSent, receive, remote: this.#remoteReport, counters: this.counters };
  }

  // -------------------------------------------------------------------------------------------------------
  // Closing

  /**
   * Sends RTCP BYE (with the final report and CNAME, §6.3.7; only if we ever sent RTP or RTCP and have a
   * remote), stops the timers, closes the sockets and frees the ports. Idempotent; never rejects.
   */
  close(reason?: string): Promise<void> {
    this.#closing ??= this.#close(reason);
    return this.#closing;
  }

  async #close(reason: string | undefined): Promise<void> {
    this.#rtcpTimer?.();
    this.#rtcpTimer = undefined;
    this.#timeoutTimer?.();
    this.#timeoutTimer = undefined;
    this.#candidate = undefined;
    try {
      const dest = this.#rtcpDest();
      if (dest && (this.#packetsSent > 0 || this.#everSentRtcp)) {
        let r = reason;
        while (r !== undefined && Buffer.byteLength(r) > 255) r = r.slice(0, -1); // the BYE reason is 8-bit length-prefixed
        await this.#sendRtcp(this.#compound(this.#clock.now(), r ?? null), dest, true);
      }
    } catch (err) {
      log.warn(`BYE not sent: ${(err as Error).message}`);
    }
    await this.#binding.close();
  }

  // -------------------------------------------------------------------------------------------------------
  // Receive path

  readonly #onRtpMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.#closing !== undefined) return;
    try {
      const kind = classifyPacket(msg);
      if (kind === 'rtp') this.#handleRtp(msg, rinfo);
      else if (kind === 'rtcp') this.#handleRtcp(msg, rinfo);
      else this.#dropped.notRtp++;
    } catch (err) {
      this.#handlerError('RTP receive', err);
    }
  };

  readonly #onRtcpMessage = (msg: Buffer, rinfo: dgram.RemoteInfo): void => {
    if (this.#closing !== undefined) return;
    try {
      this.#handleRtcp(msg, rinfo);
    } catch (err) {
      this.#handlerError('RTCP receive', err);
    }
  };

  readonly #onSocketError = (err: Error): void => {
    this.#counters.socketErrors++;
    log.warn(`socket error on ${this.localRtpPort}: ${err.message}`);
  };

  readonly #onSent = (err: Error | null): void => {
    if (err) {
      this.#counters.sendErrors++;
      log.debug(`send failed: ${err.message}`);
    }
  };

  /**
   * Emits without letting a listener's exception out: a throwing listener is a bug elsewhere; it is logged
   * and counted, and must not cost the packets after it (a flush of held probation packets) or our state.
   */
  #emitSafe<K extends keyof RtpSessionEvents>(event: K, ...args: RtpSessionEvents[K]): void {
    try {
      (this.emit as (e: K, ...a: RtpSessionEvents[K]) => boolean)(event, ...args);
    } catch (err) {
      this.#handlerError(`'${event}' listener`, err);
    }
  }

  #handlerError(where: string, err: unknown): void {
    this.#counters.handlerErrors++;
    log.error(`${where}: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  }

  #handleRtp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const arrivalTime = this.#clock.now();
    const p = parseRtp(msg);
    if ('error' in p) {
      this.#dropped.malformed++;
      return;
    }
    const address = this.#normalize(rinfo.address);
    const port = rinfo.port;
    const locked = this.#locked;
    const fromLocked = locked !== undefined && this.#lockAllowed && port === locked.port && address === locked.address;
    if (!fromLocked && !this.#mayBecomeSource(address, port)) {
      this.#dropped.foreignSource++;
      return;
    }
    const clockRate = this.#ptClock[p.payloadType]!;
    if (clockRate === 0) {
      this.#dropped.payloadType++;
      return;
    }
    if (fromLocked && p.ssrc === locked.ssrc) {
      if (this.#candidate !== undefined) this.#abandonCandidate(); // "consecutive" means none of the locked source between
      this.#acceptLocked(locked, p, clockRate, arrivalTime);
      return;
    }
    this.#probe(p, address, port, clockRate, arrivalTime);
  }

  /** May a packet from this transport address start (or continue) a candidate source? */
  #mayBecomeSource(address: string, port: number): boolean {
    const r = this.#remote;
    if (r !== undefined && address === r.address && port === r.rtpPort) return true; // negotiated
    const l = this.#locked;
    if (l !== undefined && this.#lockAllowed && address === l.address && port === l.port) return true; // same transport, new SSRC
    return this.#latch && this.#latchOpen;
  }

  #acceptLocked(locked: LockedSource, p: RtpPacket, clockRate: number, arrivalTime: number): void {
    const jitter = this.#ptNoJitter[p.payloadType] === 0;
    const v = locked.stats.update(p.sequence, p.timestamp, msToRtpUnits(arrivalTime, clockRate), jitter);
    if (!isAccepted(v)) {
      this.#dropped.sequence++;
      return;
    }
    if (jitter) locked.clockRate = clockRate;
    this.#deliver(this.#event(p, arrivalTime));
  }

  #event(p: RtpPacket, arrivalTime: number): RtpPacketEvent {
    return { payloadType: p.payloadType, sequence: p.sequence, timestamp: p.timestamp, marker: p.marker, ssrc: p.ssrc, payload: p.payload, arrivalTime };
  }

  #deliver(ev: RtpPacketEvent): void {
    this.#counters.rtpReceived++;
    this.#lastRtpAt = ev.arrivalTime;
    if (this.#timeoutFired) {
      this.#timeoutFired = false;
      this.#armTimeout();
    }
    this.#emitSafe('packet', ev);
  }

  #abandonCandidate(): void {
    this.#dropped.probation += this.#candidate?.pending.length ?? 0;
    this.#candidate = undefined;
  }

  /** A.1 probation of a source that is not the locked one. */
  #probe(p: RtpPacket, address: string, port: number, clockRate: number, arrivalTime: number): void {
    let c = this.#candidate;
    if (c === undefined || c.ssrc !== p.ssrc || c.port !== port || c.address !== address) {
      if (c !== undefined) this.#abandonCandidate();
      const minSequential = this.#locked === undefined ? this.#probation : this.#switchProbation;
      c = { ssrc: p.ssrc, address, port, stats: new RtpSourceStats({ minSequential, countProbation: true }), pending: [] };
      this.#candidate = c;
    }
    const v = c.stats.updateSequence(p.sequence);
    if (v === 'probation') {
      if (c.stats.probationRun === 1 && c.pending.length > 0) {
        // Out of sequence: A.1 restarts the run with this packet.
        this.#dropped.probation += c.pending.length;
        c.pending.length = 0;
      }
      c.pending.push(this.#event(p, arrivalTime));
      return;
    }
    this.#candidate = undefined;
    c.pending.push(this.#event(p, arrivalTime));
    this.#lock(c, clockRate);
  }

  /** The candidate validated: it becomes the locked source (and maybe the latched remote). */
  #lock(c: Candidate, clockRate: number): void {
    const prev = this.#locked;
    const r = this.#remote;
    const negotiated = r !== undefined && c.address === r.address && c.port === r.rtpPort;
    const sameSsrc = prev !== undefined && prev.ssrc === c.ssrc;
    const moved = prev === undefined || prev.address !== c.address || prev.port !== c.port;
    let entry: LockedSource;
    if (sameSsrc) {
      entry = prev;
      entry.address = c.address;
      entry.port = c.port;
    } else {
      entry = { ssrc: c.ssrc, address: c.address, port: c.port, stats: c.stats, clockRate };
    }
    this.#locked = entry;
    this.#lockAllowed = true;
    this.#latchOpen = false;
    if (negotiated) {
      this.#latchedDest = undefined;
      this.#rtpDest = this.#transport(c.address, c.port);
    } else if (moved || this.#latchedDest === undefined) {
      this.#latchedDest = this.#transport(c.address, c.port);
      this.#rtpDest = this.#latchedDest;
      this.#rtcpLatchedDest = undefined;
      log.info(`latched RTP to ${c.address}:${c.port} (SSRC ${c.ssrc.toString(16)})`);
    }
    if (!sameSsrc && c.ssrc === this.#ssrc) {
      // §8.2: the peer uses our SSRC: we pick a new one (and our sender counts restart, §6.4.1).
      this.#ssrc = newSsrc(c.ssrc);
      this.#packetsSent = 0;
      this.#octetsSent = 0;
      this.#sentAtLastReport = 0;
      this.#sentAtReportBefore = 0;
    }
    if (!sameSsrc || moved) {
      this.#emitSafe('source', { ssrc: c.ssrc, address: c.address, port: c.port, previousSsrc: prev?.ssrc, latched: !negotiated });
    }
    for (const ev of c.pending) {
      const jitter = this.#ptNoJitter[ev.payloadType] === 0;
      const rate = this.#ptClock[ev.payloadType] || clockRate;
      if (sameSsrc) {
        // The source kept its SSRC and moved: its statistics go on.
        if (!isAccepted(entry.stats.update(ev.sequence, ev.timestamp, msToRtpUnits(ev.arrivalTime, rate), jitter))) {
          this.#dropped.sequence++;
          continue;
        }
      } else if (jitter) {
        entry.stats.updateJitter(ev.timestamp, msToRtpUnits(ev.arrivalTime, rate));
      }
      if (jitter) entry.clockRate = rate;
      this.#deliver(ev);
    }
  }

  #handleRtcp(msg: Buffer, rinfo: dgram.RemoteInfo): void {
    const address = this.#normalize(rinfo.address);
    const port = rinfo.port;
    const verdict = this.#rtcpSource(address, port);
    if (verdict === 'foreign') {
      this.#dropped.rtcpForeignSource++;
      return;
    }
    const parsed = parseRtcp(msg);
    if ('error' in parsed) {
      this.#dropped.rtcpMalformed++;
      return;
    }
    if (verdict === 'latch') {
      this.#rtcpLatchedDest = this.#transport(address, port);
      log.info(`latched RTCP to ${address}:${port}`);
    }
    const now = this.#clock.now();
    this.#counters.rtcpReceived++;
    this.#remoteHeard = true;
    this.#avgRtcpSize = (msg.length + this.#ipOverhead) / 16 + (this.#avgRtcpSize * 15) / 16; // §6.3.3
    this.#emitSafe('rtcp', parsed);
    for (const pkt of parsed.packets) {
      if (pkt.type === 'sr') {
        // Kept for LSR/DLSR in our next report block about this source (§6.4.1).
        this.#lastSr = { ssrc: pkt.ssrc, ntpShort: ntpMiddle32(pkt.ntpSeconds, pkt.ntpFraction), at: now };
        this.#readReports(pkt.ssrc, pkt.reports, now);
      } else if (pkt.type === 'rr') {
        this.#readReports(pkt.ssrc, pkt.reports, now);
      } else if (pkt.type === 'bye') {
        this.#emitSafe('bye', { ssrcs: pkt.ssrcs, reason: pkt.reason });
      }
    }
  }

  /** RTCP must come from the peer's IP (negotiated or latched) and a port we know, or latch its port. */
  #rtcpSource(address: string, port: number): 'ok' | 'latch' | 'foreign' {
    const r = this.#remote;
    const rtp = this.#rtpDest;
    if (!((r !== undefined && address === r.address) || (rtp !== undefined && address === rtp.address))) return 'foreign';
    const dest = this.#rtcpDest();
    if (dest !== undefined && address === dest.address && port === dest.port) return 'ok';
    if (rtp !== undefined && address === rtp.address && port === rtp.port) return 'ok'; // RTCP muxed by the peer
    if (r !== undefined && address === r.address && (port === r.rtcpPort || port === r.rtpPort)) return 'ok';
    return this.#latch && !(r?.rtcpMux ?? this.#openedWithMux) ? 'latch' : 'foreign';
  }

  #readReports(reporterSsrc: number, blocks: readonly ReportBlock[], now: number): void {
    for (const b of blocks) {
      if (b.ssrc !== this.#ssrc) continue;
      const rate = this.#lastSentClockRate;
      const report: RemoteReport = {
        reporterSsrc,
        fractionLost: b.fractionLost / 256,
        cumulativeLost: b.cumulativeLost,
        extendedHighestSeq: b.extendedHighestSeq,
        jitter: b.jitter,
        jitterMs: rate ? (b.jitter * 1000) / rate : undefined,
        rtt: roundTripTime(ntpShortFromUnixMs(now), b.lsr, b.dlsr),
        receivedAt: now,
      };
      this.#remoteReport = report;
      this.#emitSafe('report', report);
    }
  }

  // -------------------------------------------------------------------------------------------------------
  // RTCP sending (§6.3, A.7)

  #rtcpDest(): Transport | undefined {
    const rtp = this.#rtpDest;
    if (rtp === undefined) return undefined;
    const r = this.#remote;
    if (r?.rtcpMux ?? this.#openedWithMux) return rtp;
    if (this.#rtcpLatchedDest) return this.#rtcpLatchedDest;
    if (r === undefined) return this.#transport(rtp.address, Math.min(65535, rtp.port + 1));
    if (this.#latchedDest) {
      // Same port offset as negotiated, at the latched address, until the peer's RTCP shows where it comes from.
      const port = this.#latchedDest.port + (r.rtcpPort - r.rtpPort);
      return this.#transport(this.#latchedDest.address, port >= 1 && port <= 65535 ? port : this.#latchedDest.port);
    }
    return this.#transport(r.address, r.rtcpPort);
  }

  #rtcpIntervalMs(now: number): number {
    const weSent = this.#packetsSent > this.#sentAtReportBefore;
    const remoteSending = this.#lastRtpAt !== undefined && now - this.#lastRtpAt < 2 * this.#rtcpMinIntervalMs;
    const seconds = rtcpInterval(
      {
        members: this.#remoteHeard || this.#locked !== undefined ? 2 : 1,
        senders: (weSent ? 1 : 0) + (remoteSending ? 1 : 0),
        rtcpBandwidth: this.#rtcpBandwidth,
        weSent,
        avgRtcpSize: this.#avgRtcpSize,
        initial: this.#initial,
        minInterval: this.#rtcpMinIntervalMs / 1000,
      },
      this.#random,
    );
    return seconds * 1000;
  }

  #scheduleRtcp(ms: number): void {
    this.#rtcpTimer = this.#clock.setTimer(this.#onRtcpTimer, Math.max(0, ms));
  }

  /** A.7 OnExpire for a report, with reconsideration. */
  readonly #onRtcpTimer = (): void => {
    this.#rtcpTimer = undefined;
    if (this.#closing !== undefined) return;
    try {
      const tc = this.#clock.now();
      const t = this.#rtcpIntervalMs(tc);
      if (this.#tp + t <= tc) {
        const dest = this.#rtcpDest();
        if (dest !== undefined) void this.#sendRtcp(this.#compound(tc, undefined), dest, false);
        this.#tp = tc;
        this.#scheduleRtcp(this.#rtcpIntervalMs(tc)); // redrawn, as A.7 says
        this.#initial = false;
      } else {
        this.#scheduleRtcp(this.#tp + t - tc);
      }
    } catch (err) {
      this.#handlerError('RTCP timer', err);
      if (this.#rtcpTimer === undefined && this.#closing === undefined) this.#scheduleRtcp(this.#rtcpMinIntervalMs);
    }
  };

  /**
   * SR or RR (+ report block) + SDES CNAME (+ BYE): §6.1's compound. `bye` null = BYE without reason.
   * Starts a new A.3 interval for the reported source.
   */
  #compound(now: number, bye: string | null | undefined): Buffer {
    const reports: ReportBlock[] = [];
    const l = this.#locked;
    if (l !== undefined && l.stats.receivedSinceReport > 0) {
      const f = l.stats.report();
      if (f) {
        const sr = this.#lastSr;
        const echo = sr !== undefined && sr.ssrc === l.ssrc;
        reports.push({ ssrc: l.ssrc, ...f, lsr: echo ? sr.ntpShort : 0, dlsr: echo ? dlsrFromMs(now - sr.at) : 0 });
      }
    }
    const weSent = this.#packetsSent > this.#sentAtReportBefore; // §6.4: sent since the report before last
    this.#sentAtReportBefore = this.#sentAtLastReport;
    this.#sentAtLastReport = this.#packetsSent;
    const packets: RtcpPacket[] = [];
    if (weSent && this.#lastSentAt !== undefined) {
      const ntp = ntpFromUnixMs(now);
      // §6.4.1: the RTP timestamp of the same instant as the NTP timestamp, extrapolated from the last packet.
      const rtpTimestamp = (this.#lastSentTimestamp + Math.round(((now - this.#lastSentAt) * this.#lastSentClockRate) / 1000)) >>> 0;
      packets.push({
        type: 'sr',
        ssrc: this.#ssrc,
        ntpSeconds: ntp.seconds,
        ntpFraction: ntp.fraction,
        rtpTimestamp,
        packetCount: this.#packetsSent % 2 ** 32,
        octetCount: this.#octetsSent % 2 ** 32,
        reports,
      });
    } else {
      packets.push({ type: 'rr', ssrc: this.#ssrc, reports });
    }
    packets.push({ type: 'sdes', chunks: [{ ssrc: this.#ssrc, items: [{ type: SDES_CNAME, value: this.cname }] }] });
    if (bye !== undefined) packets.push(bye === null ? { type: 'bye', ssrcs: [this.#ssrc] } : { type: 'bye', ssrcs: [this.#ssrc], reason: bye });
    return serializeRtcp(packets);
  }

  /** Sends from the RTCP port (symmetric RTCP) or the RTP port with mux; resolves when sent (or given up). */
  #sendRtcp(buf: Buffer, dest: Transport, wait: boolean): Promise<void> {
    const r = this.#remote;
    const mux = r?.rtcpMux ?? this.#openedWithMux;
    const socket = !mux && this.#binding.rtcp ? this.#binding.rtcp : this.#binding.rtp;
    this.#counters.rtcpSent++;
    this.#everSentRtcp = true;
    this.#avgRtcpSize = (buf.length + this.#ipOverhead) / 16 + (this.#avgRtcpSize * 15) / 16; // §6.3.3
    if (!wait) {
      socket.send(buf, dest.port, dest.sendAddress, this.#onSent);
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const guard = setTimeout(resolve, BYE_FLUSH_MS);
      guard.unref();
      socket.send(buf, dest.port, dest.sendAddress, (err) => {
        clearTimeout(guard);
        this.#onSent(err);
        resolve();
      });
    });
  }

  // -------------------------------------------------------------------------------------------------------
  // Media timeout

  #receiveExpected(): boolean {
    return (this.#direction === 'sendrecv' || this.#direction === 'recvonly') && this.#remote !== undefined;
  }

  #armTimeout(): void {
    if (this.#mediaTimeoutMs === 0 || this.#closing !== undefined || !this.#receiveExpected() || this.#timeoutFired) {
      this.#timeoutTimer?.();
      this.#timeoutTimer = undefined;
      return;
    }
    if (this.#timeoutTimer !== undefined) return; // running: it checks the latest times when it fires
    const due = Math.max(this.#lastRtpAt ?? -Infinity, this.#expectSince) + this.#mediaTimeoutMs;
    this.#timeoutTimer = this.#clock.setTimer(this.#onTimeoutTimer, Math.max(0, due - this.#clock.now()));
  }

  readonly #onTimeoutTimer = (): void => {
    this.#timeoutTimer = undefined;
    try {
      if (this.#closing !== undefined || !this.#receiveExpected() || this.#timeoutFired || this.#mediaTimeoutMs === 0) return;
      const now = this.#clock.now();
      const silentForMs = now - Math.max(this.#lastRtpAt ?? -Infinity, this.#expectSince);
      if (silentForMs >= this.#mediaTimeoutMs) {
        this.#timeoutFired = true;
        this.#emitSafe('timeout', { silentForMs, lastPacketAt: this.#lastRtpAt });
      } else {
        this.#armTimeout();
      }
    } catch (err) {
      this.#handlerError('media timeout', err);
    }
  };

  // -------------------------------------------------------------------------------------------------------
  // Addresses

  /** rinfo.address as we compare it: an IPv4-mapped IPv6 address on a dual-stack socket reads as IPv4. */
  #normalize(address: string): string {
    return this.family === 6 && address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
  }

  #canonicalRemoteAddress(address: string): string {
    const kind = net.isIP(address);
    if (kind === 0) throw new TypeError(`remote address must be an IP address literal, got ${JSON.stringify(address)}`);
    if (kind === 6) {
      const canonical = new net.SocketAddress({ address, family: 'ipv6' }).address;
      const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(canonical);
      if (mapped) return mapped[1]!;
      if (this.family === 4) throw new RangeError(`IPv6 remote ${address} on an IPv4 session`);
      return canonical;
    }
    return address;
  }

  #transport(address: string, port: number): Transport {
    return { address, port, sendAddress: this.family === 6 && net.isIPv4(address) ? `::ffff:${address}` : address };
  }
}
