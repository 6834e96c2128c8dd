// A UDP relay on 127.0.0.1 that sits between two RTP endpoints A and B and impairs what it forwards:
// packet loss, random extra delay per packet (jitter; independent delays also reorder), duplicates. All
// randomness comes from an injected PRNG (mulberry32, test/harness/rng.ts), so a seed reproduces the same decisions
// (the wall-clock timing of the OS and the event loop still varies a little from run to run).
//
// Topology. The relay owns two sockets: `portForA` (the port A is told B lives at) and `portForB` (the
// port B is told A lives at). A datagram A→portForA is forwarded *from* portForB to B; a datagram
// B→portForB is forwarded *from* portForA to A. So each side receives from exactly the address it was told
// in the SDP and sends to it: symmetric RTP (RFC 4961) holds, nothing has to latch. The real addresses of
// A and B are given up front (from their SDP) or learned from the first datagram a socket receives.
//
// RTCP. With rtcp-mux, RTCP (RFC 5761 §4: second byte 192..223, i.e. PT 64..95 with the marker bit) comes
// through the same sockets; by default it is passed on at once without impairment (`impairRtcp: false`)
// and counted in `rtcp`. Without rtcp-mux, start a second relay for the RTCP ports (typically with no
// impairment) and rewrite a=rtcp / the port + 1 convention accordingly; this module does not do it by
// itself.
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';

const HOST = '127.0.0.1';

import { mulberry32 } from './rng.js';

export { mulberry32 };

export interface Impairment {
  /** Probability that a datagram is dropped, 0..1. Default 0. */
  readonly dropProbability?: number;
  /** Extra delay per datagram, uniform in [minDelayMs, maxDelayMs]. Defaults 0 and 0. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Probability that a (not dropped) datagram is sent twice (the copy gets its own delay). Default 0. */
  readonly duplicateProbability?: number;
  /** Impair RTCP (muxed on the RTP port) too. Default false: RTCP is forwarded at once. */
  readonly impairRtcp?: boolean;
}

export interface DirectionCounters {
  /** Datagrams received from the source side. */
  received: number;
  /** Datagrams sent on to the other side (duplicates included). */
  forwarded: number;
  dropped: number;
  duplicated: number;
  /** Datagrams sent after one that was received later than they were. */
  reordered: number;
  /** RTCP datagrams passed without impairment. */
  rtcp: number;
  /** Largest extra delay applied, ms. */
  maxDelayMs: number;
}

export interface Endpoint {
  readonly address: string;
  readonly port: number;
}

export interface UdpImpairerOptions {
  /** A's real RTP transport address (else learned from the first datagram on portForA). */
  readonly a?: Endpoint;
  /** B's real RTP transport address (else learned from the first datagram on portForB). */
  readonly b?: Endpoint;
  /** Impairment A→B and B→A (each may be overridden). */
  readonly impairment?: Impairment;
  readonly aToB?: Impairment;
  readonly bToA?: Impairment;
  /** PRNG in [0, 1); default mulberry32(seed). One stream per direction is derived from it. */
  readonly random?: () => number;
  readonly seed?: number;
}

export interface UdpImpairer {
  /** The port to give A as B's RTP port (A sends here; A receives B's packets from here). */
  readonly portForA: number;
  /** The port to give B as A's RTP port. */
  readonly portForB: number;
  readonly address: string;
  readonly aToB: Readonly<DirectionCounters>;
  readonly bToA: Readonly<DirectionCounters>;
  /** Change the impairment of one or both directions on the fly. */
  setImpairment(dir: 'aToB' | 'bToA' | 'both', imp: Impairment): void;
  close(): Promise<void>;
}

/** RFC 5761 §4: RTCP packet types 192..223 occupy the second byte's range that RTP PTs 64..95 would. */
function isRtcp(d: Buffer): boolean {
  return d.length >= 2 && (d[0] as number) >> 6 === 2 && (d[1] as number) >= 192 && (d[1] as number) <= 223;
}

function bind(port = 0): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind({ address: HOST, port }, () => {
      s.off('error', reject);
      s.on('error', () => undefined);
      resolve(s);
    });
  });
}

function emptyCounters(): DirectionCounters {
  return { received: 0, forwarded: 0, dropped: 0, duplicated: 0, reordered: 0, rtcp: 0, maxDelayMs: 0 };
}

export async function startUdpImpairer(options: UdpImpairerOptions = {}): Promise<UdpImpairer> {
  const base = options.random ?? mulberry32(options.seed ?? 1);
  // Separate streams per direction, so one direction's traffic does not shift the other's decisions.
  const rngAB = mulberry32(Math.floor(base() * 2 ** 32));
  const rngBA = mulberry32(Math.floor(base() * 2 ** 32));
  const sockA = await bind();
  const sockB = await bind();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  let peerA: Endpoint | undefined = options.a;
  let peerB: Endpoint | undefined = options.b;
  let impAB: Impairment = { ...options.impairment, ...options.aToB };
  let impBA: Impairment = { ...options.impairment, ...options.bToA };
  const cAB = emptyCounters();
  const cBA = emptyCounters();

  interface Dir {
    readonly out: Socket;
    readonly c: DirectionCounters;
    readonly rng: () => number;
    readonly imp: () => Impairment;
    readonly dest: () => Endpoint | undefined;
    rxIndex: number;
    maxSentIndex: number;
  }
  const ab: Dir = { out: sockB, c: cAB, rng: rngAB, imp: () => impAB, dest: () => peerB, rxIndex: 0, maxSentIndex: -1 };
  const ba: Dir = { out: sockA, c: cBA, rng: rngBA, imp: () => impBA, dest: () => peerA, rxIndex: 0, maxSentIndex: -1 };

  const send = (d: Dir, data: Buffer, index: number): void => {
    const to = d.dest();
    if (closed || to === undefined) {
      d.c.dropped++;
      return;
    }
    if (index < d.maxSentIndex) d.c.reordered++;
    else d.maxSentIndex = index;
    d.c.forwarded++;
    d.out.send(data, to.port, to.address);
  };

  const schedule = (d: Dir, data: Buffer, index: number, imp: Impairment): void => {
    const lo = imp.minDelayMs ?? 0;
    const hi = imp.maxDelayMs ?? lo;
    const delay = lo + d.rng() * Math.max(0, hi - lo);
    if (delay > d.c.maxDelayMs) d.c.maxDelayMs = delay;
    if (delay < 0.5) {
      send(d, data, index);
      return;
    }
    const timer = setTimeout(() => {
      timers.delete(timer);
      send(d, data, index);
    }, delay);
    timers.add(timer);
  };

  const onDatagram = (d: Dir, data: Buffer): void => {
    d.c.received++;
    const index = d.rxIndex++;
    const imp = d.imp();
    if (isRtcp(data) && imp.impairRtcp !== true) {
      d.c.rtcp++;
      send(d, data, index);
      return;
    }
    // Always draw the same number of values per datagram, so the decisions depend on the seed and the
    // datagram's index only, not on the earlier outcomes.
    const rDrop = d.rng();
    const rDup = d.rng();
    if (rDrop < (imp.dropProbability ?? 0)) {
      d.c.dropped++;
      return;
    }
    schedule(d, data, index, imp);
    if (rDup < (imp.duplicateProbability ?? 0)) {
      d.c.duplicated++;
      schedule(d, data, index, imp);
    }
  };

  sockA.on('message', (data: Buffer, rinfo: RemoteInfo) => {
    peerA ??= { address: rinfo.address, port: rinfo.port };
    onDatagram(ab, data);
  });
  sockB.on('message', (data: Buffer, rinfo: RemoteInfo) => {
    peerB ??= { address: rinfo.address, port: rinfo.port };
    onDatagram(ba, data);
  });

  const closeSocket = (s: Socket) => new Promise<void>((resolve) => s.close(() => resolve()));

  return {
    portForA: sockA.address().port,
    portForB: sockB.address().port,
    address: HOST,
    aToB: cAB,
    bToA: cBA,
    setImpairment(dir, imp) {
      if (dir === 'aToB' || dir === 'both') impAB = { ...imp };
      if (dir === 'bToA' || dir === 'both') impBA = { ...imp };
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await Promise.all([closeSocket(sockA), closeSocket(sockB)]);
    },
  };
}

/** Counters as one line for diagnostics. */
export function formatCounters(c: Readonly<DirectionCounters>): string {
  return `rx ${c.received} fwd ${c.forwarded} drop ${c.dropped} dup ${c.duplicated} reord ${c.reordered} rtcp ${c.rtcp} maxDelay ${c.maxDelayMs.toFixed(1)} ms`;
}
