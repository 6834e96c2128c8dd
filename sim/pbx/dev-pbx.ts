// The simulator's own development PBX: registrar (digest, outbound flows, GRUU), forking proxy with
// Record-Route, and presence agent, in one small TypeScript program on TCP+UDP, so `sipdesk sim` needs no
// Kamailio. This file is the routing core that ties the parts together (sim/pbx/README.md explains choices).
//
// Trust: REGISTER always needs digest (401). Other out-of-dialog requests from one of our users need proxy
// digest (407) unless they arrive over a flow on which that user holds a live registration: the phone proved
// its password when it registered on that very connection (RFC 5626 flows make this safe on TCP; over UDP the
// "flow" is a source address, which is acceptable for a loopback dev PBX only).
import {
  addHeader, getHeader, getHeaderValues, makeResponse, parseNameAddr, parseUri, parseVia, formatVia,
  setHeaderValues, tagOf, type SipMessage, type SipRequest, type SipResponse, type SipUri,
} from './message.js';
import { Transport, type Flow } from './transport.js';
import { ClientTransactions, ServerTransactions, type ServerTransaction } from './transactions.js';
import { Proxy, type BranchTarget } from './proxy.js';
import { Registrar, randomTag, type Binding } from './registrar.js';
import { NonceManager, challenge, verifyCredentials } from './digest.js';
import { PresenceAgent, eventPackage, type DialogLeg } from './presence-agent.js';

export interface DevPbxUser { user: string; password: string; displayName?: string }
export interface DevPbxOptions {
  host?: string;
  /** 0 = a free port; TCP and UDP on the same number. */
  port?: number;
  /** Default: host. */
  domain?: string;
  users: DevPbxUser[];
  /** Every SIP message in and out (and a few PBX events), for the simulator's ladder. */
  log?: (line: string) => void;
}
export interface DevPbx {
  readonly host: string;
  readonly port: number;
  readonly domain: string;
  registrations(): { aor: string; contacts: { uri: string; instance?: string; expiresAt: number }[] }[];
  stop(): Promise<void>;
}

const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, NOTIFY, PUBLISH, REFER, MESSAGE, INFO, UPDATE, PRACK';
const DIALOG_CREATING = new Set(['INVITE', 'SUBSCRIBE', 'REFER']);

export async function startDevPbx(opts: DevPbxOptions): Promise<DevPbx> {
  const host = opts.host ?? '127.0.0.1';
  for (const u of opts.users) {
    if (!/^[A-Za-z0-9\-_.!~*'()&=+$,;?/]+$/.test(u.user)) throw new Error(`dev PBX: user name "${u.user}" is not a valid SIP user part`);
  }
  // The transport needs the core's handler and the core needs the transport: a late-bound reference.
  const ref: { core?: Core } = {};
  const transport = await Transport.listen(host, opts.port ?? 0, {
    onMessage: (m, f) => ref.core?.onMessage(m, f),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const c = new Core(transport, opts.domain ?? host, opts.users, opts.log);
  ref.core = c;
  return {
    host,
    port: transport.port,
    domain: c.domain,
    registrations: () => c.registrar.snapshot(),
    stop: async () => {
      c.stop();
      await transport.close();
    },
  };
}

class Core {
  readonly registrar: Registrar;
  private readonly servers: ServerTransactions;
  private readonly clients: ClientTransactions;
  private readonly proxy: Proxy;
  private readonly presence: PresenceAgent;
  private readonly nonces = new NonceManager();
  private readonly passwords: Map<string, string>;

  constructor(
    private readonly transport: Transport,
    readonly domain: string,
    users: readonly DevPbxUser[],
    private readonly log?: (line: string) => void,
  ) {
    this.passwords = new Map(users.map((u) => [u.user, u.password]));
    this.registrar = new Registrar({ domain, users: users.map((u) => u.user) });
    this.servers = new ServerTransactions(transport);
    this.clients = new ClientTransactions(transport, () => transport.address());
    this.proxy = new Proxy(this.clients);
    this.presence = new PresenceAgent({
      domain,
      contact: () => `<sip:${transport.address()};transport=tcp>`,
      isUser: (u) => this.registrar.isUser(u),
      sendNotify: (req, flowId, onFinal) => {
        this.sendNotify(req, flowId, onFinal).catch((err: unknown) => {
          this.log?.(`pbx: NOTIFY failed: ${(err as Error).message}`);
          onFinal(500);
        });
      },
      now: Date.now,
    });
  }

  stop(): void {
    this.presence.stop();
    this.servers.clear();
    this.clients.clear();
  }

  onMessage(msg: SipMessage, flow: Flow): void {
    if (msg.kind === 'response') {
      if (!this.clients.receive(msg)) this.log?.(`pbx: dropped a response nobody waits for: ${msg.status} ${msg.reason}`);
      return;
    }
    this.stampVia(msg, flow);
    if (msg.method === 'CANCEL') return this.cancel(msg, flow);
    const st = this.servers.receive(msg, flow);
    if (st === 'handled') return;
    const mf = getHeader(msg, 'Max-Forwards');
    if (mf !== undefined && Number(mf) <= 0 && msg.method !== 'ACK') return st.respond(makeResponse(msg, 483, 'Too Many Hops', randomTag()));

    // Loose routing (RFC 3261 16.4): a Route naming us is ours to remove; its parameters say which flows the
    // dialog runs over (see recordRoute()).
    const routes = getHeaderValues(msg, 'Route');
    let ours: SipUri | undefined;
    const first = routes[0] !== undefined ? parseUri(parseNameAddr(routes[0])?.uri ?? '') : undefined;
    if (first && this.isOurAddress(first)) {
      ours = first;
      setHeaderValues(msg, 'Route', routes.slice(1));
    }
    if (msg.method === 'ACK' && tagOf(getHeader(msg, 'To')) === undefined) return; // outside any dialog: nothing to do
    const handling = tagOf(getHeader(msg, 'To')) !== undefined ? this.inDialog(msg, st, flow, ours) : this.outOfDialog(msg, st, flow);
    // Routing may wait for a TCP connect; whatever goes wrong there is answered, never left to crash the PBX.
    handling.catch((err: unknown) => {
      this.log?.(`pbx: ${msg.method} failed: ${(err as Error).stack ?? String(err)}`);
      if (msg.method !== 'ACK') st.respond(makeResponse(msg, 500, 'Server Internal Error', randomTag()));
    });
  }

  /** RFC 3261 18.2.1 / RFC 3581: note where the request really came from in its top Via. */
  private stampVia(req: SipRequest, flow: Flow): void {
    const vias = getHeaderValues(req, 'Via');
    const top = parseVia(vias[0] ?? '');
    if (!top) return;
    if (top.host !== flow.remoteAddress) top.params.set('received', flow.remoteAddress);
    if (top.params.has('rport')) top.params.set('rport', String(flow.remotePort));
    setHeaderValues(req, 'Via', [formatVia(top), ...vias.slice(1)]);
  }

  private cancel(req: SipRequest, flow: Flow): void {
    const invite = this.servers.inviteFor(req);
    if (!invite) {
      this.transport.send(flow, makeResponse(req, 481, 'Call/Transaction Does Not Exist', randomTag()));
      return;
    }
    this.transport.send(flow, makeResponse(req, 200, 'OK', tagOf(getHeader(invite.lastResponse ?? req, 'To')) ?? randomTag()));
    if (invite.final) return;
    if (invite.onCancel) invite.onCancel();
    else invite.respond(makeResponse(invite.request, 487, 'Request Terminated', randomTag()));
  }

  // ---- requests inside a dialog

  private async inDialog(req: SipRequest, st: ServerTransaction, flow: Flow, ours: SipUri | undefined): Promise<void> {
    const ruri = parseUri(req.uri);
    const nextRoute = getHeaderValues(req, 'Route')[0];
    let target: BranchTarget | undefined;
    if (nextRoute !== undefined) {
      const via = await this.flowFor(parseNameAddr(nextRoute)?.uri ?? '', flow.transport);
      if (via) target = { uri: req.uri, flow: via };
    } else if (ruri && this.isOurAddress(ruri) && ruri.user === undefined) {
      return this.local(req, st, flow);
    } else {
      const across = ours ? this.flowAcross(ours, flow) : undefined;
      const via = across ?? await this.flowFor(req.uri, flow.transport);
      if (via) target = { uri: req.uri, flow: via };
    }
    if (!target) {
      if (req.method !== 'ACK') st.respond(makeResponse(req, ruri ? 480 : 416, ruri ? 'Temporarily Unavailable' : 'Unsupported URI Scheme', randomTag()));
      return;
    }
    if (req.method === 'ACK') {
      this.proxy.forwardStateless(req, target);
      return;
    }
    if (req.method === 'BYE') this.callEnded(req);
    this.proxy.forward(st, req, [target]);
  }

  /** A request to the PBX itself inside a dialog: a subscription refresh, or something for a dialog we lack. */
  private local(req: SipRequest, st: ServerTransaction, flow: Flow): void {
    if (req.method === 'ACK') return;
    if (req.method === 'SUBSCRIBE') return st.respond(this.presence.subscribe(req, flow.id));
    st.respond(makeResponse(req, 481, 'Call/Transaction Does Not Exist', randomTag()));
  }

  /**
   * Our Record-Route carries both flows of the dialog (fa: where the initial request came from, fb: where it
   * went). A request arriving on one goes out on the other while it is open; that is how in-dialog requests
   * reach a phone whose Contact is only reachable over its own connection (RFC 5626 5.3).
   */
  private flowAcross(route: SipUri, from: Flow): Flow | undefined {
    const a = route.params.get('fa');
    const b = route.params.get('fb');
    const other = from.id === a ? b : from.id === b ? a : undefined;
    return other !== undefined ? this.transport.flow(other) : undefined;
  }

  // ---- requests outside a dialog

  private async outOfDialog(req: SipRequest, st: ServerTransaction, flow: Flow): Promise<void> {
    if (req.method === 'REGISTER') return this.register(req, st, flow);
    const ruri = parseUri(req.uri);
    if (!ruri) return st.respond(makeResponse(req, 416, 'Unsupported URI Scheme', randomTag()));
    const toUs = this.isOurAddress(ruri);
    if (toUs && ruri.user === undefined && req.method === 'OPTIONS') return st.respond(this.options(req));
    if (!this.authorized(req, st, flow)) return;

    if (!toUs) {
      // Not one of our users: relay to the address in the Request-URI (a test peer, another server).
      const via = await this.flowFor(req.uri, flow.transport);
      if (!via) return st.respond(makeResponse(req, 480, 'Temporarily Unavailable', randomTag()));
      if (req.method === 'INVITE') st.respond(makeResponse(req, 100, 'Trying'));
      return this.proxy.forward(st, req, [{ uri: req.uri, flow: via }], this.forwardOptions(req, flow));
    }
    if (ruri.user === undefined) return st.respond(makeResponse(req, 404, 'Not Found', randomTag()));
    if (req.method === 'PUBLISH') return st.respond(this.presence.publish(req));
    if (req.method === 'SUBSCRIBE') {
      const event = eventPackage(getHeader(req, 'Event'));
      if (PresenceAgent.serves(req)) return st.respond(this.presence.subscribe(req, flow.id));
      // We are the registrar but keep no reg-event state (RFC 3680): say so rather than bother the phones.
      if (event === 'reg' || event === undefined) {
        const res = makeResponse(req, 489, 'Bad Event', randomTag());
        addHeader(res, 'Allow-Events', 'presence, dialog, message-summary');
        return st.respond(res);
      }
    }
    const gruu = ruri.params.has('gr');
    if (!gruu && !this.registrar.isUser(ruri.user)) return st.respond(makeResponse(req, 404, 'Not Found', randomTag()));
    const bindings = this.registrar.resolve(ruri);
    const targets: BranchTarget[] = [];
    for (const b of bindings) {
      // A Contact naming the PBX itself would send the request round in circles until Max-Forwards runs out.
      const contact = parseUri(b.uri);
      if (!contact || this.isOurAddress(contact)) continue;
      const via = await this.bindingFlow(b);
      if (via) targets.push({ uri: b.uri, flow: via });
    }
    if (targets.length === 0) return st.respond(makeResponse(req, 480, 'Temporarily Unavailable', randomTag()));
    if (req.method === 'INVITE') st.respond(makeResponse(req, 100, 'Trying'));
    const options = this.forwardOptions(req, flow, bindings[0]?.user);
    this.proxy.forward(st, req, targets, options);
  }

  private forwardOptions(req: SipRequest, inbound: Flow, calleeUser?: string): Parameters<Proxy['forward']>[3] {
    const recordRoute = DIALOG_CREATING.has(req.method) ? (out: Flow) => this.recordRoute(inbound, out) : undefined;
    const observe = req.method === 'INVITE' ? this.watchCall(req, calleeUser) : undefined;
    return { ...(recordRoute ? { recordRoute } : {}), ...(observe ? { observe } : {}) };
  }

  private recordRoute(inbound: Flow, out: Flow): string {
    const transport = inbound.transport === 'tcp' ? ';transport=tcp' : '';
    return `<sip:${this.transport.address()}${transport};lr;fa=${inbound.id};fb=${out.id}>`;
  }

  /** Proxy authentication (RFC 3261 22.3) for requests that claim to come from one of our users. */
  private authorized(req: SipRequest, st: ServerTransaction, flow: Flow): boolean {
    const from = parseUri(parseNameAddr(getHeader(req, 'From')!)?.uri ?? '');
    if (!from || from.user === undefined || !this.isOurAddress(from) || !this.registrar.isUser(from.user)) return true;
    if (this.registrar.registeredOn(from.user, flow.id)) return true;
    const creds = getHeaderValues(req, 'Proxy-Authorization').find((v) => v.includes(`realm="${this.domain}"`));
    if (creds !== undefined) {
      const result = verifyCredentials(creds, req.method, this.domain, this.nonces, (u) => this.passwords.get(u));
      if (result.ok && result.username === from.user) return true;
      if (result.ok) {
        st.respond(makeResponse(req, 403, 'Forbidden: From is not you', randomTag()));
        return false;
      }
      this.challengeFor(req, st, 407, result.stale);
      return false;
    }
    this.challengeFor(req, st, 407, false);
    return false;
  }

  private challengeFor(req: SipRequest, st: ServerTransaction, status: 401 | 407, stale: boolean): void {
    const res = makeResponse(req, status, undefined, randomTag());
    addHeader(res, status === 401 ? 'WWW-Authenticate' : 'Proxy-Authenticate', challenge(this.domain, this.nonces.issue(), stale));
    st.respond(res);
  }

  private register(req: SipRequest, st: ServerTransaction, flow: Flow): void {
    const creds = getHeaderValues(req, 'Authorization').find((v) => v.includes(`realm="${this.domain}"`));
    if (creds === undefined) return this.challengeFor(req, st, 401, false);
    const result = verifyCredentials(creds, 'REGISTER', this.domain, this.nonces, (u) => this.passwords.get(u));
    if (!result.ok) {
      this.log?.(`pbx: REGISTER not authenticated: ${result.reason}`);
      return this.challengeFor(req, st, 401, result.stale);
    }
    st.respond(this.registrar.register(req, result.username, flow.id));
  }

  private options(req: SipRequest): SipResponse {
    const res = makeResponse(req, 200, 'OK', randomTag());
    addHeader(res, 'Allow', ALLOW);
    addHeader(res, 'Allow-Events', 'presence, dialog, message-summary');
    addHeader(res, 'Supported', 'gruu, outbound, path');
    addHeader(res, 'Accept', 'application/sdp, application/pidf+xml');
    return res;
  }

  // ---- where things go

  /** A URI without a port is ours when it names our host or domain (like sip:alice@127.0.0.1); with one, only on our port. */
  private isOurAddress(uri: SipUri): boolean {
    const host = uri.host.toLowerCase();
    const named = host === this.transport.host.toLowerCase() || host === this.domain.toLowerCase()
      || `[${this.transport.host}]` === host;
    return named && (uri.port === undefined || uri.port === this.transport.port);
  }

  /**
   * The flow a registered contact is reached over: the connection it registered on while that is open (TCP),
   * or its UDP source address when it registered with outbound (reg-id); otherwise its Contact address, as
   * plain RFC 3261 has it (a UDP REGISTER may well come from another port than the one in its Contact).
   */
  private async bindingFlow(b: Binding): Promise<Flow | undefined> {
    const flow = this.transport.flow(b.flowId);
    if (flow && (flow.transport === 'tcp' || b.regId !== undefined)) return flow;
    const u = parseUri(b.uri);
    return u ? this.open(u, 'udp') : undefined;
  }

  /** Where a URI leads: our user or GRUU via the registrar, a registered contact over its flow, else its address. */
  private async flowFor(uriText: string, defaultTransport: Flow['transport']): Promise<Flow | undefined> {
    const u = parseUri(uriText);
    if (!u) return undefined;
    if (this.isOurAddress(u)) {
      if (u.user === undefined) return undefined; // a Route or target that is us again: a loop
      const b = this.registrar.resolve(u)[0];
      return b ? this.bindingFlow(b) : undefined;
    }
    const contact = this.registrar.byContact(u);
    const flow = contact ? this.transport.flow(contact.flowId) : undefined;
    return flow ?? this.open(u, defaultTransport);
  }

  private async open(u: SipUri, defaultTransport: Flow['transport']): Promise<Flow | undefined> {
    const t = (u.params.get('transport') ?? (u.scheme === 'sips' ? 'tcp' : defaultTransport)).toLowerCase();
    if (t !== 'tcp' && t !== 'udp') return undefined;
    try {
      return await this.transport.open({ transport: t, host: u.host.replace(/^\[(.*)\]$/, '$1'), port: u.port ?? 5060 });
    } catch (err) {
      this.log?.(`pbx: cannot reach ${u.host}:${u.port ?? 5060}: ${(err as Error).message}`);
      return undefined;
    }
  }

  private async sendNotify(req: SipRequest, flowId: string, onFinal: (status: number) => void): Promise<void> {
    const route = getHeaderValues(req, 'Route')[0];
    const flow = (route === undefined ? this.transport.flow(flowId) : undefined)
      ?? await this.flowFor(route !== undefined ? parseNameAddr(route)?.uri ?? '' : req.uri, 'tcp');
    if (!flow) return onFinal(480);
    const tx = this.clients.send(req, flow, {
      onResponse: (res) => {
        if (res.status >= 200) onFinal(res.status);
      },
      onTimeout: () => onFinal(408),
    });
    if (!tx) onFinal(503);
  }

  // ---- calls, for the dialog event package (busy-lamp field)

  private readonly calls = new Map<string, { user: string; leg: DialogLeg }[]>();

  /** Follows an INVITE's answers and reports the legs of our users (caller and callee) to the presence agent. */
  private watchCall(req: SipRequest, calleeUser?: string): ((res: SipResponse) => void) | undefined {
    const callId = getHeader(req, 'Call-ID')!;
    const fromTag = tagOf(getHeader(req, 'From'));
    if (fromTag === undefined) return undefined;
    const fromUri = parseNameAddr(getHeader(req, 'From')!)!.uri;
    const toUri = parseNameAddr(getHeader(req, 'To')!)!.uri;
    const from = parseUri(fromUri);
    const legs: { user: string; leg: DialogLeg }[] = [];
    if (from?.user !== undefined && this.isOurAddress(from) && this.registrar.isUser(from.user)) {
      legs.push({ user: from.user, leg: { id: `${callId}:i`, callId, localTag: fromTag, direction: 'initiator', state: 'trying', localIdentity: fromUri, remoteIdentity: toUri } });
    }
    if (calleeUser !== undefined) {
      const contact = parseNameAddr(getHeader(req, 'Contact') ?? '')?.uri;
      legs.push({
        user: calleeUser,
        leg: { id: `${callId}:r`, callId, remoteTag: fromTag, direction: 'recipient', state: 'trying', localIdentity: toUri, remoteIdentity: fromUri, ...(contact ? { remoteTarget: contact } : {}) },
      });
    }
    if (legs.length === 0) return undefined;
    this.calls.set(callId, legs);
    for (const l of legs) this.presence.dialogChanged(l.user, l.leg);
    return (res) => {
      const toTag = tagOf(getHeader(res, 'To'));
      const state: DialogLeg['state'] = res.status < 200 ? (toTag !== undefined ? 'early' : 'proceeding') : res.status < 300 ? 'confirmed' : 'terminated';
      for (const l of legs) {
        if (l.leg.state === state || l.leg.state === 'terminated' || (l.leg.state === 'confirmed' && state !== 'terminated')) continue;
        if (toTag !== undefined) {
          if (l.leg.direction === 'initiator') l.leg.remoteTag = toTag;
          else l.leg.localTag = toTag;
        }
        l.leg.state = state;
        this.presence.dialogChanged(l.user, { ...l.leg });
      }
      if (state === 'terminated') this.calls.delete(callId);
    };
  }

  private callEnded(bye: SipRequest): void {
    const callId = getHeader(bye, 'Call-ID')!;
    const legs = this.calls.get(callId);
    if (!legs) return;
    this.calls.delete(callId);
    for (const l of legs) {
      l.leg.state = 'terminated';
      this.presence.dialogChanged(l.user, { ...l.leg });
    }
  }
}
