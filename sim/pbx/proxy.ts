// Stateful forking proxy (RFC 3261 section 16): one request forwarded to one or more targets in parallel,
// provisional answers relayed, every 2xx relayed and the other branches CANCELed, otherwise the best final
// answer once all branches are done (a 6xx ends the search at once). The proxy ACKs non-2xx finals itself
// (hop by hop); ACKs for 2xx are end-to-end and go through forwardStateless().
import { randomBytes } from 'node:crypto';
import {
  addHeader, cloneMessage, getHeader, getHeaderValues, makeResponse, parseCSeq, removeHeader, setHeader,
  type SipRequest, type SipResponse,
} from './message.js';
import type { ClientTransaction, ClientTransactions, ServerTransaction } from './transactions.js';
import type { Flow } from './transport.js';

export interface BranchTarget {
  /** The Request-URI of this branch (a registered contact, or the original URI). */
  uri: string;
  /** The flow it goes out on. */
  flow: Flow;
}

export interface ForwardOptions {
  /** Record-Route value for this branch (dialog-creating requests), or undefined. */
  recordRoute?: (out: Flow) => string | undefined;
  /** Sees every response that goes upstream (the dialog event package watches calls this way). */
  observe?: (res: SipResponse) => void;
}

/** Response preference when no 2xx came (RFC 3261 16.7 step 6): 6xx first, then the lowest class. */
function rank(status: number): number {
  if (status >= 600) return 0;
  return status >= 300 ? Math.floor(status / 100) : 9;
}

class ForkContext {
  private readonly branches: ClientTransaction[] = [];
  private best: SipResponse | undefined;
  private answered = false;
  private canceled = false;
  private readonly wantCancel = new Set<ClientTransaction>();
  private pending = 0;

  constructor(
    private readonly server: ServerTransaction,
    private readonly clients: ClientTransactions,
    private readonly options: ForwardOptions,
  ) {}

  start(req: SipRequest, targets: BranchTarget[]): void {
    for (const target of targets) {
      const copy = cloneMessage(req);
      copy.uri = target.uri;
      const rr = this.options.recordRoute?.(target.flow);
      if (rr !== undefined) insertRecordRoute(copy, rr);
      this.pending++;
      const tx = this.clients.send(copy, target.flow, {
        onResponse: (res, t) => this.onResponse(res, t),
        onTimeout: (t) => this.onTimeout(t),
      });
      if (tx) this.branches.push(tx);
      else this.settle(this.ourAnswer(503, 'Contact unreachable'));
    }
    this.maybeFinish();
  }

  /** CANCEL from upstream, or a 2xx/6xx on another branch: end every branch still running. */
  cancelAll(except?: ClientTransaction): void {
    for (const tx of this.branches) {
      if (tx === except || tx.finalStatus !== undefined) continue;
      if (tx.provisional) this.sendCancel(tx);
      // RFC 3261 9.1: no CANCEL before a provisional answer; it goes out when one comes.
      else this.wantCancel.add(tx);
    }
  }

  upstreamCancel(): void {
    this.canceled = true;
    if (this.server.request.method === 'INVITE') this.cancelAll();
  }

  private onResponse(res: SipResponse, tx: ClientTransaction): void {
    if (res.status === 100) return; // hop by hop: we sent our own
    const invite = tx.request.method === 'INVITE';
    if (res.status < 200) {
      if (this.wantCancel.delete(tx)) this.sendCancel(tx);
      if (!this.server.final && !this.canceled) this.relay(res);
      return;
    }
    if (invite && res.status >= 300) this.sendAck(tx, res);
    if (res.status < 300) {
      const again = this.answered;
      this.answered = true;
      this.relay(res);
      if (!again) {
        this.settleBranch();
        if (invite) this.cancelAll(tx);
      }
      return;
    }
    if (res.status >= 600 && invite) this.cancelAll(tx);
    this.settle(res);
  }

  private onTimeout(tx: ClientTransaction): void {
    if (tx.request.method === 'INVITE' && tx.provisional) this.sendCancel(tx);
    this.settle(this.ourAnswer(408, 'Request Timeout'));
  }

  /** An answer the proxy makes itself for a dead branch: built from the caller's request, so its Vias fit. */
  private ourAnswer(status: number, reason: string): SipResponse {
    return makeResponse(this.server.request, status, reason, randomBytes(6).toString('hex'));
  }

  private settle(res: SipResponse): void {
    if (!this.best || rank(res.status) < rank(this.best.status)) this.best = res;
    this.settleBranch();
  }

  private settleBranch(): void {
    this.pending--;
    this.maybeFinish();
  }

  private maybeFinish(): void {
    if (this.pending > 0 || this.answered || this.server.final) return;
    const best = this.best ?? this.ourAnswer(408, 'Request Timeout');
    // A 503 from downstream would make the caller think *we* are overloaded (RFC 3261 16.7 step 6).
    if (best.status === 503) {
      best.status = 500;
      best.reason = 'Server Internal Error';
    }
    this.relay(best);
  }

  private relay(res: SipResponse): void {
    this.options.observe?.(res);
    this.server.respond(res);
  }

  private sendCancel(tx: ClientTransaction): void {
    const cancel = hopRequest(tx.request, 'CANCEL');
    this.clients.send(cancel, tx.flow, { onResponse: () => undefined, onTimeout: () => undefined }, { branch: tx.branch });
  }

  private sendAck(tx: ClientTransaction, res: SipResponse): void {
    const ack = hopRequest(tx.request, 'ACK');
    const to = getHeader(res, 'To');
    if (to !== undefined) setHeader(ack, 'To', to);
    this.clients.sendStateless(ack, tx.flow, tx.branch);
  }
}

/** Our Record-Route goes above any earlier ones (RFC 3261 16.6 step 4), next to the Vias for readable traces. */
function insertRecordRoute(req: SipRequest, value: string): void {
  const firstRr = req.headers.findIndex((h) => h.name === 'Record-Route');
  const lastVia = req.headers.reduce((at, h, i) => (h.name === 'Via' ? i : at), -1);
  req.headers.splice(firstRr >= 0 ? firstRr : lastVia + 1, 0, { name: 'Record-Route', value });
}

/** CANCEL or ACK for a request we sent (RFC 3261 9.1 / 17.1.1.3): same URI, Call-ID, From, CSeq number, Routes. */
function hopRequest(req: SipRequest, method: 'CANCEL' | 'ACK'): SipRequest {
  const out: SipRequest = { kind: 'request', method, uri: req.uri, headers: [], body: Buffer.alloc(0) };
  for (const route of getHeaderValues(req, 'Route')) addHeader(out, 'Route', route);
  addHeader(out, 'Max-Forwards', '70');
  for (const name of ['From', 'To', 'Call-ID']) {
    const v = getHeader(req, name);
    if (v !== undefined) addHeader(out, name, v);
  }
  addHeader(out, 'CSeq', `${parseCSeq(getHeader(req, 'CSeq'))?.seq ?? 1} ${method}`);
  return out;
}

export class Proxy {
  constructor(private readonly clients: ClientTransactions) {}

  /**
   * Forwards `req` (Route already processed by the caller) to every target in parallel and answers the
   * server transaction. Max-Forwards is decremented here; the caller checks it is above 0 first.
   */
  forward(server: ServerTransaction, req: SipRequest, targets: BranchTarget[], options: ForwardOptions = {}): void {
    const copy = prepare(req);
    const context = new ForkContext(server, this.clients, options);
    if (req.method === 'INVITE') server.onCancel = () => context.upstreamCancel();
    context.start(copy, targets);
  }

  /** An ACK for a 2xx (or any request without a transaction of its own): sent on, nothing comes back. */
  forwardStateless(req: SipRequest, target: BranchTarget): boolean {
    const copy = prepare(req);
    copy.uri = target.uri;
    return this.clients.sendStateless(copy, target.flow);
  }
}

function prepare(req: SipRequest): SipRequest {
  const copy = cloneMessage(req);
  const mf = getHeader(copy, 'Max-Forwards');
  setHeader(copy, 'Max-Forwards', String(mf !== undefined ? Math.max(0, Number(mf) - 1) : 70));
  // Proxy-Authorization for our realm was consumed here (RFC 3261 22.3); it is not the next hop's business.
  removeHeader(copy, 'Proxy-Authorization');
  return copy;
}
