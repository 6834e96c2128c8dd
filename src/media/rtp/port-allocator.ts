/**
 * RTP/RTCP port pairs from a configured range (RFC 3550 §11: RTP on an even port, RTCP on the next odd
 * one; RFC 3605 makes port + 1 the RTCP port when SDP says nothing else).
 *
 * The allocator binds the UDP sockets itself, so "free" means "the OS let us bind it": pairs another
 * process holds (EADDRINUSE) are skipped and the next pair is tried; pairs this process holds are never
 * tried. The search starts after the pair handed out last, so a pair just released is reused as late as
 * possible (stray packets of the previous call then do not land in the next one).
 */
import dgram from 'node:dgram';
import { lookup as dnsLookup } from 'node:dns';
import { isIP } from 'node:net';
import { createLogger } from '../../util/log.js';

const log = createLogger('rtp-ports');

/** A common PBX/phone default (Asterisk rtp.conf ships 10000–20000; many phones use 16384–16482). */
export const DEFAULT_RTP_PORT_MIN = 16384;
export const DEFAULT_RTP_PORT_MAX = 16482;

export interface PortAllocatorOptions {
  /** Lowest port (rounded up to even); default 16384. */
  readonly min?: number;
  /** Highest port a pair may use (its RTCP port included); default 16482. */
  readonly max?: number;
}

export interface PortBindOptions {
  readonly type: 'udp4' | 'udp6';
  /** Local address to bind ('0.0.0.0', '::', or one interface's address). */
  readonly address: string;
  /** Bind only the RTP port (RTCP multiplexed on it, RFC 5761); the odd port stays reserved. */
  readonly rtcpMux?: boolean;
}

export interface PortBinding {
  readonly rtpPort: number;
  /** rtpPort + 1 (reserved even when not bound, with rtcpMux). */
  readonly rtcpPort: number;
  readonly rtp: dgram.Socket;
  /** undefined with rtcpMux. */
  readonly rtcp: dgram.Socket | undefined;
  /** Closes the sockets and returns the pair to the allocator. Idempotent; never rejects. */
  close(): Promise<void>;
}

export class PortsExhaustedError extends Error {
  readonly code = 'RTP_PORTS_EXHAUSTED';
  constructor(readonly min: number, readonly max: number) {
    super(`no free RTP/RTCP port pair in ${min}–${max}`);
    this.name = 'PortsExhaustedError';
  }
}

function isAddrInUse(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'EADDRINUSE';
}

function closeSocket(s: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try {
      s.close(() => resolve());
    } catch {
      resolve(); // already closed (ERR_SOCKET_DGRAM_NOT_RUNNING)
    }
  });
}

/**
 * dgram's send() passes every destination through `lookup`, and the default one answers even an IP
 * literal on the next tick: one extra closure and event-loop turn per RTP packet, the largest single cost
 * of a call's send path. SDP addresses are nearly always literals, so they are answered at once; a host
 * name (allowed in c=) still goes to the resolver.
 */
const literalFirstLookup = ((hostname: string, options: unknown, callback: (err: Error | null, address: string, family: number) => void): void => {
  const family = isIP(hostname);
  if (family !== 0) {
    callback(null, hostname, family);
    return;
  }
  dnsLookup(hostname, options as number, callback);
}) as unknown as NonNullable<dgram.SocketOptions['lookup']>;

function bindSocket(type: 'udp4' | 'udp6', address: string, port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket({ type, reuseAddr: false, lookup: literalFirstLookup });
    const onError = (err: Error): void => {
      void closeSocket(s);
      reject(err);
    };
    s.once('error', onError);
    s.bind({ port, address, exclusive: true }, () => {
      s.off('error', onError);
      // Never without an error listener: the session adds its own, this one keeps a late error from
      // becoming an uncaught exception in between.
      s.on('error', (err) => log.debug(`socket on port ${port}: ${err.message}`));
      resolve(s);
    });
  });
}

export class PortAllocator {
  /** First RTP port (even). */
  readonly min: number;
  /** Highest port configured. */
  readonly max: number;
  /** Number of pairs in the range. */
  readonly capacity: number;
  readonly #reserved = new Set<number>();
  /** Index of the pair where the next search starts. */
  #cursor = 0;

  constructor(options: PortAllocatorOptions = {}) {
    const min = options.min ?? DEFAULT_RTP_PORT_MIN;
    const max = options.max ?? DEFAULT_RTP_PORT_MAX;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 1 || max > 65535 || min > max) {
      throw new RangeError(`RTP port range must be integers within 1–65535 with min ≤ max, got ${min}–${max}`);
    }
    this.min = min % 2 === 0 ? min : min + 1;
    this.max = max;
    this.capacity = Math.max(0, Math.floor((max - this.min + 1) / 2));
    if (this.capacity === 0) throw new RangeError(`RTP port range ${min}–${max} holds no even/odd pair`);
  }

  /** Pairs held by this process. */
  get inUse(): number {
    return this.#reserved.size;
  }

  /** Whether this process holds the pair starting at rtpPort. */
  isReserved(rtpPort: number): boolean {
    return this.#reserved.has(rtpPort);
  }

  /**
   * Binds an RTP socket on the next free even port (and an RTCP socket on the odd port above it unless
   * rtcpMux). Rejects with PortsExhaustedError when every pair is held or busy, and with the OS error for
   * anything but EADDRINUSE (EACCES, EADDRNOTAVAIL: a configuration problem no other pair would fix).
   */
  async bind(options: PortBindOptions): Promise<PortBinding> {
    for (let i = 0; i < this.capacity; i++) {
      const index = (this.#cursor + i) % this.capacity;
      const rtpPort = this.min + index * 2;
      if (this.#reserved.has(rtpPort)) continue;
      this.#reserved.add(rtpPort); // synchronously, so concurrent binds never try the same pair
      let rtp: dgram.Socket | undefined;
      try {
        rtp = await bindSocket(options.type, options.address, rtpPort);
        const rtcp = options.rtcpMux ? undefined : await bindSocket(options.type, options.address, rtpPort + 1);
        this.#cursor = (index + 1) % this.capacity;
        return this.#binding(rtpPort, rtp, rtcp);
      } catch (err) {
        if (rtp) await closeSocket(rtp);
        this.#reserved.delete(rtpPort);
        if (!isAddrInUse(err)) throw err;
        log.debug(`RTP port pair ${rtpPort}/${rtpPort + 1} busy, trying the next`);
      }
    }
    throw new PortsExhaustedError(this.min, this.max);
  }

  #binding(rtpPort: number, rtp: dgram.Socket, rtcp: dgram.Socket | undefined): PortBinding {
    let closing: Promise<void> | undefined;
    return {
      rtpPort,
      rtcpPort: rtpPort + 1,
      rtp,
      rtcp,
      close: () => {
        closing ??= (async () => {
          await Promise.all([closeSocket(rtp), rtcp ? closeSocket(rtcp) : undefined]);
          this.#reserved.delete(rtpPort);
        })();
        return closing;
      },
    };
  }
}
