/**
 * The JsSIP Socket of the phone: SIP over TCP or TLS from Node's net/tls, in place of JsSIP's WebSocket.
 *
 * JsSIP drives it through connect/disconnect/send and the onconnect/ondisconnect/ondata callbacks, and
 * owns the reconnect timer (Transport._reconnect, exponential with jitter between the bounds we give it as
 * connection_recovery_min/max_interval). What JsSIP lacks lives here:
 * - RFC 3263 targets (NAPTR/SRV/A) for the proxy, tried in order; a failed connect moves to the next target
 *   at once, a flow that dies makes the next connect start at the next target (failover), and the list is
 *   resolved afresh once every target has failed;
 * - RFC 5626 §4.4.1 CRLF keep-alives on the flow: a double-CRLF ping every interval, and a flow whose pong
 *   does not come back in time is declared dead and closed (JsSIP answers pings but never sends one).
 *   Only a server that has answered a ping on this flow is held to it: pongs are promised by RFC 5626
 *   outbound, and a PBX without it (or SIPp) may never answer; its pings still keep NAT bindings open;
 * - TLS with certificate and host-name verification on by default (host name = the RFC 3263 target name,
 *   RFC 5922 §7.2);
 * - a TCP listener on the Contact port for peers that open their own connection, with responses routed
 *   back over the connection the request came in on (RFC 3261 §18.2.2), though JsSIP itself knows one socket;
 * - the outgoing policy (see outgoing-policy.ts) applied to every message before it leaves.
 */
import net from 'node:net';
import tls from 'node:tls';
import { SipConnection, type ConnectionHandlers, type ConnectionLimits, type VetResult } from './connection.js';
import { get, isHeadError, parseHead, type ParsedHead } from './message-head.js';
import { TargetList, type SipTarget, type SipTransport } from './resolver.js';
import { createLogger } from '../util/log.js';

const log = createLogger('sip-flow');

export type StreamTransport = SipTransport;

export interface FlowSocketOptions {
  /** Proxy URI as configured (for JsSIP's url/sip_uri and logs). */
  proxyUri: string;
  transport: StreamTransport;
  /** RFC 3263 resolution of the proxy; called again once every target has failed. */
  resolve(): Promise<SipTarget[]>;
  tls: { ca?: string | Buffer; verify: boolean; serverName?: string };
  keepAliveIntervalMs: number;
  keepAliveTimeoutMs: number;
  connectTimeoutMs: number;
  /** TCP listener for inbound connections (the Contact port); omitted = none. */
  listen?: { address: string; port: number };
  limits: ConnectionLimits;
  vet?: (raw: string, head: ParsedHead) => VetResult | undefined;
  trace?: boolean;
}

/** Branch + CSeq method of the top Via: identifies the server transaction a response belongs to. */
function transactionKey(head: ParsedHead): string | undefined {
  const via = get(head, 'via');
  const cseq = get(head, 'cseq');
  const branch = via?.match(/;\s*branch=([^;,\s]+)/i)?.[1];
  const method = cseq?.trim().split(/\s+/)[1];
  return branch && method ? `${branch} ${method.toUpperCase()}` : undefined;
}

/** Inbound server transactions live at most this long (64·T1 for INVITE plus margin)… */
const INBOUND_TXN_TTL_MS = 5 * 60_000;
/** …and at most this many are remembered: a flood of requests must not grow memory without bound. */
const MAX_INBOUND_TXNS = 4096;

export interface SipMessageEvent {
  readonly direction: 'in' | 'out';
  /** The connection, as "tcp 127.0.0.1:5060". */
  readonly peer: string;
  readonly text: string;
}
export type SipMessageListener = (m: SipMessageEvent) => void;

export class FlowSocket {
  private readonly traceListeners = new Set<SipMessageListener>();
  // --- JsSIP Socket interface ---
  readonly via_transport: string;
  readonly url: string;
  readonly sip_uri: string;
  onconnect: () => void = () => {};
  ondisconnect: (error: boolean, code?: number, reason?: string) => void = () => {};
  ondata: (data: string) => void = () => {};

  /** Last connection problem, for the status API ("TLS certificate rejected: …"). */
  lastError: string | undefined;
  /** The target the flow is (or was last) connected to. */
  currentTarget: SipTarget | undefined;

  /** RFC 3263 targets in order; resolved again once every one of them has failed. */
  private targets: TargetList | undefined;
  private flow: SipConnection | undefined;
  private connecting = false;
  private stopped = false;
  private generation = 0;
  private keepAliveTimer: NodeJS.Timeout | undefined;
  private pongTimer: NodeJS.Timeout | undefined;
  /** The server answered a ping on the current flow: from then on a missing pong means a dead flow. */
  private pongSeen = false;
  private server: net.Server | undefined;
  private readonly inbound = new Set<SipConnection>();
  private readonly inboundTxns = new Map<string, { conn: SipConnection; at: number }>();
  private rewrite: (message: string) => string = (m) => m;

  constructor(private readonly opts: FlowSocketOptions) {
    this.via_transport = opts.transport.toUpperCase();
    this.url = opts.proxyUri;
    const hostPort = opts.proxyUri.replace(/^sips?:/i, '').replace(/^[^@]*@/, '').split(';')[0]!;
    this.sip_uri = `sip:${hostPort};transport=${opts.transport};lr`;
  }

  /** Opens the inbound listener; returns its port (useful when 0 was asked for). */
  async listen(): Promise<number | undefined> {
    const l = this.opts.listen;
    if (!l) return undefined;
    const server = net.createServer({ allowHalfOpen: true }, (socket) => this.acceptInbound(socket));
    server.maxConnections = 64; // a desk phone talks to a handful of peers; more is a flood
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(l.port, l.address, () => {
        server.off('error', reject);
        resolve();
      });
    });
    server.on('error', (err) => log.error(`listener: ${err.message}`));
    this.server = server;
    return (server.address() as net.AddressInfo).port;
  }

  /** Installed once the Contact is known (it needs the listening port). */
  setOutgoingPolicy(rewrite: (message: string) => string): void {
    this.rewrite = rewrite;
  }

  isConnected(): boolean {
    return this.flow?.isOpen === true;
  }

  isConnecting(): boolean {
    return this.connecting;
  }

  connect(): void {
    if (this.connecting || this.isConnected()) return;
    this.stopped = false;
    this.connecting = true;
    const generation = ++this.generation;
    this.establish(generation).then(
      (conn) => {
        if (generation !== this.generation) {
          conn?.close();
          return;
        }
        this.connecting = false;
        if (!conn) {
          this.ondisconnect(true, undefined, this.lastError);
          return;
        }
        this.flow = conn;
        this.lastError = undefined;
        this.startKeepAlive();
        this.onconnect();
      },
      (err: Error) => {
        if (generation !== this.generation) return;
        this.connecting = false;
        this.lastError = err.message;
        this.ondisconnect(true, undefined, err.message);
      },
    );
  }

  disconnect(): void {
    this.generation++;
    this.connecting = false;
    this.stopKeepAlive();
    const flow = this.flow;
    this.flow = undefined;
    flow?.close();
  }

  /**
   * Gives up on the current flow as failed (e.g. a REGISTER went unanswered: RFC 3263 §4.3 says try the
   * next server); JsSIP sees a disconnect and reconnects, to the next target.
   */
  dropFlow(reason: string): void {
    this.flow?.close(new Error(reason));
  }

  /** Stops everything including the listener (phone shutdown). */
  async close(): Promise<void> {
    this.stopped = true;
    this.disconnect();
    for (const c of this.inbound) c.close();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  send(message: string | ArrayBufferLike | ArrayBufferView): boolean {
    let text = typeof message === 'string' ? message : Buffer.from(message as ArrayBuffer).toString('utf8');
    text = this.rewrite(text);
    if (text.startsWith('SIP/2.0 ')) {
      const head = parseHead(text);
      const key = isHeadError(head) ? undefined : transactionKey(head);
      const entry = key ? this.inboundTxns.get(key) : undefined;
      if (entry) {
        // The request came in on its own connection: the answer goes back there or nowhere, never to the
        // proxy, which knows nothing of that transaction.
        if (entry.conn.isOpen) return this.write(entry.conn, text);
        log.debug('response for a closed inbound connection dropped');
        return false;
      }
    }
    const flow = this.flow;
    if (!flow?.isOpen) {
      log.warn('cannot send: no flow to the proxy');
      return false;
    }
    return this.write(flow, text);
  }

  private write(conn: SipConnection, text: string): boolean {
    if (text.length > 2) {
      if (this.opts.trace) log.info(`>>> ${conn.describe()}\n${text}`);
      this.emitTrace('out', conn, text);
    }
    return conn.write(text);
  }

  /**
   * Every SIP message sent and received (keep-alives excluded), for the simulator's message ladder and
   * remote support. Returns the unsubscribe function.
   */
  onMessage(listener: SipMessageListener): () => void {
    this.traceListeners.add(listener);
    return () => this.traceListeners.delete(listener);
  }

  private emitTrace(direction: 'in' | 'out', conn: SipConnection, text: string): void {
    if (this.traceListeners.size === 0) return;
    const peer = conn.describe();
    for (const l of this.traceListeners) {
      try {
        l({ direction, peer, text });
      } catch (err) {
        log.warn(`SIP message listener failed: ${(err as Error).message}`);
      }
    }
  }

  // --- connecting ---

  private async establish(generation: number): Promise<SipConnection | undefined> {
    if (!this.targets) {
      const resolved = await this.opts.resolve();
      if (resolved.length === 0) throw new Error(`no targets for ${this.opts.proxyUri}`);
      this.targets = new TargetList(resolved);
    }
    const targets = this.targets;
    for (;;) {
      if (generation !== this.generation || this.stopped) return undefined;
      const target = targets.current();
      try {
        const socket = await this.openStream(target);
        if (generation !== this.generation) {
          socket.destroy(); // a newer connect() owns the flow now
          return undefined;
        }
        this.currentTarget = target;
        return this.wrapFlow(socket);
      } catch (err) {
        if (generation !== this.generation) return undefined; // stale attempt: leave the list alone
        this.lastError = `${target.transport}:${target.address}:${target.port}: ${(err as Error).message}`;
        log.warn(`connect failed: ${this.lastError}`);
        if (!this.advanceTarget()) return undefined;
      }
    }
  }

  /** Moves to the next target; false when all have failed (the next connect resolves afresh). */
  private advanceTarget(): boolean {
    if (this.targets?.next() != null) return true;
    this.targets = undefined;
    return false;
  }

  private openStream(target: SipTarget): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      let socket: net.Socket;
      const ready = () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(socket);
      };
      const fail = (err: Error) => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      const onError = (err: Error) => fail(tlsReason(err));
      if (target.transport === 'tls') {
        const servername = this.opts.tls.serverName ?? (net.isIP(target.host) ? undefined : target.host);
        if (!this.opts.tls.verify) log.warn('TLS certificate verification is OFF (tls.verify=false): lab use only');
        socket = tls.connect({
          host: target.address,
          port: target.port,
          servername,
          ca: this.opts.tls.ca,
          rejectUnauthorized: this.opts.tls.verify,
          // Node checks the name given as servername, or else the IP it connected to.
          checkServerIdentity: (host, cert) => tls.checkServerIdentity(servername ?? host, cert),
        });
        socket.once('secureConnect', ready);
      } else {
        socket = net.connect({ host: target.address, port: target.port, allowHalfOpen: true });
        socket.once('connect', ready);
      }
      socket.once('error', onError);
      const timer = setTimeout(() => fail(new Error(`no connection within ${this.opts.connectTimeoutMs} ms`)), this.opts.connectTimeoutMs);
    });
  }

  private wrapFlow(socket: net.Socket): SipConnection {
    const handlers: ConnectionHandlers = {
      onMessage: (_conn, raw) => this.deliver(_conn, raw),
      onPong: () => this.gotPong(),
      onClose: (conn, err) => this.flowClosed(conn, err),
      vet: this.opts.vet,
    };
    const conn = new SipConnection(socket, false, handlers, this.opts.limits);
    log.info(`flow up: ${conn.describe()} (${this.via_transport})`);
    return conn;
  }

  private flowClosed(conn: SipConnection, err: Error | undefined): void {
    if (conn !== this.flow) return;
    this.flow = undefined;
    this.stopKeepAlive();
    const reason = err?.message ?? 'connection closed by peer';
    this.lastError = reason;
    log.warn(`flow down: ${reason}`);
    // Failover (RFC 3263 §4.3): the next connect starts with the next target.
    this.advanceTarget();
    if (!this.stopped) this.ondisconnect(true, undefined, reason);
  }

  private deliver(conn: SipConnection, raw: string): void {
    if (this.opts.trace) log.info(`<<< ${conn.describe()}\n${raw}`);
    this.emitTrace('in', conn, raw);
    this.ondata(raw);
  }

  // --- keep-alive (RFC 5626 §4.4.1) ---

  private startKeepAlive(): void {
    this.stopKeepAlive();
    this.pongSeen = false;
    this.keepAliveTimer = setInterval(() => this.ping(), this.opts.keepAliveIntervalMs);
    this.keepAliveTimer.unref();
  }

  private stopKeepAlive(): void {
    if (this.keepAliveTimer) clearInterval(this.keepAliveTimer);
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.keepAliveTimer = undefined;
    this.pongTimer = undefined;
  }

  private ping(): void {
    const flow = this.flow;
    if (!flow?.isOpen || this.pongTimer) return;
    flow.write('\r\n\r\n');
    if (!this.pongSeen) return; // not (yet) a server that answers pings: nothing to wait for
    this.pongTimer = setTimeout(() => {
      this.pongTimer = undefined;
      log.warn(`no keep-alive pong within ${this.opts.keepAliveTimeoutMs} ms: flow is dead`);
      flow.close(new Error('keep-alive timeout: flow is dead'));
    }, this.opts.keepAliveTimeoutMs);
    this.pongTimer.unref();
  }

  private gotPong(): void {
    this.pongSeen = true;
    if (this.pongTimer) clearTimeout(this.pongTimer);
    this.pongTimer = undefined;
  }

  // --- inbound connections ---

  private acceptInbound(socket: net.Socket): void {
    socket.setTimeout(120_000, () => socket.destroy()); // idle peers give their slot back
    const conn = new SipConnection(
      socket,
      true,
      {
        onMessage: (c, raw, head) => {
          if (head.kind === 'request') this.rememberInbound(c, head);
          this.deliver(c, raw);
        },
        onPong: () => {},
        onClose: (c) => this.forgetInbound(c),
        vet: this.opts.vet,
      },
      this.opts.limits,
    );
    this.inbound.add(conn);
    log.debug(`inbound connection ${conn.describe()}`);
  }

  private rememberInbound(conn: SipConnection, head: ParsedHead): void {
    const key = transactionKey(head);
    if (!key) return;
    const now = Date.now();
    for (const [k, v] of this.inboundTxns) {
      if (now - v.at < INBOUND_TXN_TTL_MS) break; // insertion order = age order
      this.inboundTxns.delete(k);
    }
    this.inboundTxns.delete(key);
    this.inboundTxns.set(key, { conn, at: now });
    if (this.inboundTxns.size > MAX_INBOUND_TXNS) this.inboundTxns.delete(this.inboundTxns.keys().next().value!);
  }

  private forgetInbound(conn: SipConnection): void {
    this.inbound.delete(conn);
    for (const [k, v] of this.inboundTxns) if (v.conn === conn) this.inboundTxns.delete(k);
  }
}

/** Turns Node's TLS error codes into words a user (and the status API) can act on. */
function tlsReason(err: Error & { code?: string }): Error {
  const code = err.code ?? '';
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS_CERT_ALTNAME_INVALID/.test(code)) {
    return new Error(`TLS certificate rejected (${code}): ${err.message}`);
  }
  return err;
}
