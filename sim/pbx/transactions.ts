// Transaction layer (RFC 3261 section 17), as much as a proxy on loopback needs. Server side: requests are
// matched by their top Via branch + sent-by + method, a retransmitted request gets the last answer again, and
// the ACK of a non-2xx final is absorbed. Client side: each request we send gets our own Via with a fresh
// magic-cookie branch, is retransmitted over UDP (Timers A/E), times out after 64*T1 (Timers B/F), and its
// responses are dispatched by branch + CSeq method.
import { randomBytes } from 'node:crypto';
import {
  getHeader, getHeaderValues, parseCSeq, parseVia, removeHeader,
  type SipRequest, type SipResponse,
} from './message.js';
import type { Flow, Transport } from './transport.js';

export const T1 = 500;
export const T2 = 4000;
const TIMER_B = 64 * T1;
const TIMER_C = 180_000;
/** How long a finished transaction stays around to absorb retransmissions (Timers J/K, 2xx retransmissions). */
const LINGER = 32_000;

export function newBranch(): string {
  return `z9hG4bK${randomBytes(10).toString('hex')}`;
}

export class ServerTransaction {
  lastResponse: SipResponse | undefined;
  /** Called when a CANCEL for this (INVITE) transaction arrives. */
  onCancel: (() => void) | undefined;
  private lingerTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly key: string,
    readonly request: SipRequest,
    readonly flow: Flow,
    private readonly table: ServerTransactions,
  ) {}

  get final(): boolean {
    return this.lastResponse !== undefined && this.lastResponse.status >= 200;
  }

  /** Sends a response upstream over the flow the request came on. */
  respond(res: SipResponse): void {
    if (this.final && !(res.status >= 200 && res.status < 300 && this.request.method === 'INVITE')) return;
    this.lastResponse = res;
    this.table.send(this.flow, res);
    if (res.status >= 200 && this.lingerTimer === undefined) {
      this.lingerTimer = setTimeout(() => this.table.forget(this.key), LINGER);
      this.lingerTimer.unref();
    }
  }

  dispose(): void {
    if (this.lingerTimer) clearTimeout(this.lingerTimer);
  }
}

export class ServerTransactions {
  private readonly table = new Map<string, ServerTransaction>();

  constructor(private readonly transport: Transport) {}

  private static key(req: SipRequest, method: string): string | undefined {
    const via = parseVia(getHeaderValues(req, 'Via')[0] ?? '');
    const branch = via?.params.get('branch');
    if (!via || !branch?.startsWith('z9hG4bK')) return undefined;
    return `${branch}|${via.host}:${via.port ?? ''}|${method}`;
  }

  /**
   * A new request: a fresh transaction, or 'handled' when it was a retransmission (answered again) or the
   * ACK of a non-2xx final answer (absorbed). Requests without an RFC 3261 branch get an untracked transaction.
   */
  receive(req: SipRequest, flow: Flow): ServerTransaction | 'handled' {
    const method = req.method === 'ACK' ? 'INVITE' : req.method;
    const key = ServerTransactions.key(req, method);
    const existing = key !== undefined ? this.table.get(key) : undefined;
    if (existing) {
      if (req.method === 'ACK') return existing.lastResponse && existing.lastResponse.status >= 300 ? 'handled' : new ServerTransaction('', req, flow, this);
      if (existing.lastResponse) this.send(flow, existing.lastResponse);
      return 'handled';
    }
    const t = new ServerTransaction(key ?? '', req, flow, this);
    if (key !== undefined && req.method !== 'ACK') this.table.set(key, t);
    return t;
  }

  /** The INVITE transaction a CANCEL is for (same branch, RFC 3261 9.2). */
  inviteFor(cancel: SipRequest): ServerTransaction | undefined {
    const key = ServerTransactions.key(cancel, 'INVITE');
    return key !== undefined ? this.table.get(key) : undefined;
  }

  send(flow: Flow, res: SipResponse): void {
    if (this.transport.send(flow, res)) return;
    // The connection is gone: RFC 3261 18.2.2 says open a new one to the Via's sent-by (received, rport).
    const via = parseVia(getHeaderValues(res, 'Via')[0] ?? '');
    if (!via) return;
    const host = via.params.get('received') || via.host;
    const port = Number(via.params.get('rport') || via.port || 5060);
    this.transport.sendTo({ transport: flow.transport, host, port }, res).catch(() => undefined);
  }

  forget(key: string): void {
    this.table.get(key)?.dispose();
    this.table.delete(key);
  }

  clear(): void {
    for (const t of this.table.values()) t.dispose();
    this.table.clear();
  }
}

export interface ClientCallbacks {
  onResponse(res: SipResponse, tx: ClientTransaction): void;
  /** No final answer in time (or the flow broke): like a 408 from the far end (RFC 3261 16.7 / 8.1.3.1). */
  onTimeout(tx: ClientTransaction): void;
}

export class ClientTransaction {
  provisional = false;
  finalStatus: number | undefined;
  private retransmit: NodeJS.Timeout | undefined;
  private timeout: NodeJS.Timeout | undefined;
  private linger: NodeJS.Timeout | undefined;

  constructor(
    readonly branch: string,
    readonly request: SipRequest,
    readonly flow: Flow,
    readonly callbacks: ClientCallbacks,
    private readonly table: ClientTransactions,
    timeoutMs: number,
  ) {
    this.timeout = setTimeout(() => this.expire(), timeoutMs);
    if (flow.transport === 'udp') this.scheduleRetransmit(T1);
  }

  private expire(): void {
    this.stopTimers();
    if (this.finalStatus === undefined) this.callbacks.onTimeout(this);
    this.finish();
  }

  private scheduleRetransmit(interval: number): void {
    this.retransmit = setTimeout(() => {
      this.table.resend(this);
      const next = this.request.method === 'INVITE' ? interval * 2 : Math.min(interval * 2, T2);
      this.scheduleRetransmit(next);
    }, interval);
  }

  handle(res: SipResponse): void {
    if (this.retransmit && (this.request.method === 'INVITE' || res.status >= 200)) {
      clearTimeout(this.retransmit);
      this.retransmit = undefined;
    }
    if (res.status < 200) {
      // An INVITE that is ringing may take minutes: Timer C (RFC 3261 16.6 step 11) replaces Timer B.
      if (!this.provisional && this.request.method === 'INVITE' && this.timeout) {
        clearTimeout(this.timeout);
        this.timeout = setTimeout(() => this.expire(), TIMER_C);
      }
      this.provisional = true;
    } else {
      const first = this.finalStatus === undefined;
      if (first) this.finalStatus = res.status;
      // Only the first final answer counts, except 2xx to INVITE: each goes upstream (RFC 3261 16.7 step 5).
      if (!first && !(this.request.method === 'INVITE' && res.status < 300)) return;
      if (this.timeout) clearTimeout(this.timeout);
      this.timeout = undefined;
      this.finish();
    }
    this.callbacks.onResponse(res, this);
  }

  /** Keeps the transaction a while for retransmitted finals (a 2xx over UDP, a non-2xx whose ACK got lost). */
  private finish(): void {
    if (this.linger) return;
    this.linger = setTimeout(() => this.table.forget(this), LINGER);
    this.linger.unref();
  }

  stopTimers(): void {
    for (const t of [this.retransmit, this.timeout]) if (t) clearTimeout(t);
    this.retransmit = undefined;
    this.timeout = undefined;
  }

  dispose(): void {
    this.stopTimers();
    if (this.linger) clearTimeout(this.linger);
  }
}

export class ClientTransactions {
  private readonly table = new Map<string, ClientTransaction>();

  constructor(
    private readonly transport: Transport,
    private readonly viaHost: () => string,
  ) {}

  /**
   * Sends `req` (its own Via is added here, on top) over `flow`. Returns the transaction, or undefined when
   * the flow is gone (the caller treats that like an error answer).
   */
  send(req: SipRequest, flow: Flow, callbacks: ClientCallbacks, opts: { timeoutMs?: number; branch?: string } = {}): ClientTransaction | undefined {
    const branch = opts.branch ?? newBranch();
    this.pushVia(req, flow, branch);
    if (!this.transport.send(flow, req)) return undefined;
    // A CANCEL shares its INVITE's branch: the key includes the method.
    const tx = new ClientTransaction(branch, req, flow, callbacks, this, opts.timeoutMs ?? TIMER_B);
    this.table.set(`${branch}|${req.method}`, tx);
    return tx;
  }

  /** Sends without a transaction (the proxy's ACK for a non-2xx answer, forwarded ACKs for 2xx). */
  sendStateless(req: SipRequest, flow: Flow, branch: string = newBranch()): boolean {
    this.pushVia(req, flow, branch);
    return this.transport.send(flow, req);
  }

  /** Our Via on top (RFC 3261 16.6 step 8), with rport (RFC 3581) so UDP answers come back to our port. */
  private pushVia(req: SipRequest, flow: Flow, branch: string): void {
    req.headers.unshift({ name: 'Via', value: `SIP/2.0/${flow.transport.toUpperCase()} ${this.viaHost()};branch=${branch};rport` });
  }

  resend(tx: ClientTransaction): void {
    this.transport.send(tx.flow, tx.request);
  }

  /** Dispatches a response whose top Via is ours; false if no transaction knows it. */
  receive(res: SipResponse): boolean {
    const via = parseVia(getHeaderValues(res, 'Via')[0] ?? '');
    const cseq = parseCSeq(getHeader(res, 'CSeq'));
    const branch = via?.params.get('branch');
    if (!branch || !cseq) return false;
    const tx = this.table.get(`${branch}|${cseq.method.toUpperCase()}`);
    if (!tx) return false;
    // Strip our Via before anyone relays it (RFC 3261 16.7 step 3).
    const rest = getHeaderValues(res, 'Via').slice(1);
    removeHeader(res, 'Via');
    res.headers.unshift(...rest.map((value) => ({ name: 'Via', value })));
    tx.handle(res);
    return true;
  }

  forget(tx: ClientTransaction): void {
    tx.dispose();
    const key = `${tx.branch}|${tx.request.method}`;
    if (this.table.get(key) === tx) this.table.delete(key);
  }

  clear(): void {
    for (const t of this.table.values()) t.dispose();
    this.table.clear();
  }
}
