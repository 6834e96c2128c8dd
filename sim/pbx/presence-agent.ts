// Presence agent and notifier of the dev PBX: PUBLISH (RFC 3903) for the presence event, SUBSCRIBE/NOTIFY
// (RFC 6665) for presence (RFC 3856, the composed PIDF), dialog (RFC 4235, the busy-lamp field, fed by the
// proxy's view of calls) and message-summary (RFC 3842, always "no messages": a dev PBX has no voicemail).
import { randomBytes } from 'node:crypto';
import {
  addHeader, getHeader, makeResponse, parseNameAddr, parseUri, tagOf,
  type SipRequest, type SipResponse,
} from './message.js';
import { composePidf, escapeAttr } from './pidf.js';
import { randomTag } from './registrar.js';

export const NOTIFIER_EVENTS = ['presence', 'dialog', 'message-summary'] as const;
type NotifierEvent = (typeof NOTIFIER_EVENTS)[number];

const MAX_EXPIRES = 3600;
const DEFAULT_PUBLISH_EXPIRES = 3600;
const DEFAULT_SUBSCRIBE_EXPIRES = 3600;

export interface AgentContext {
  domain: string;
  /** Our Contact for subscription dialogs, e.g. <sip:127.0.0.1:5060;transport=tcp>. */
  contact(): string;
  isUser(user: string): boolean;
  /** Sends a NOTIFY inside a subscription dialog over `flowId` (or to `uri` if that flow is gone). */
  sendNotify(req: SipRequest, flowId: string, onFinal: (status: number) => void): void;
  now(): number;
}

interface Publication {
  user: string;
  etag: string;
  body: string;
  expiresAt: number;
  timer: NodeJS.Timeout;
}

interface Subscription {
  key: string;
  event: NotifierEvent;
  eventHeader: string;
  user: string;
  callId: string;
  localTag: string;
  remoteTag: string;
  localUri: string;
  remoteFrom: string;
  remoteTarget: string;
  routeSet: string[];
  flowId: string;
  cseq: number;
  expiresAt: number;
  timer: NodeJS.Timeout | undefined;
  version: number;
}

/** One call leg of a user, as the busy-lamp field shows it (RFC 4235 4.1). */
export interface DialogLeg {
  id: string;
  callId: string;
  /** Unknown for a call to the user until the callee answers with a To tag. */
  localTag?: string;
  remoteTag?: string;
  direction: 'initiator' | 'recipient';
  state: 'trying' | 'proceeding' | 'early' | 'confirmed' | 'terminated';
  localIdentity: string;
  remoteIdentity: string;
  remoteTarget?: string;
}

export class PresenceAgent {
  private readonly publications = new Map<string, Publication>();
  private readonly subscriptions = new Map<string, Subscription>();
  private readonly dialogs = new Map<string, DialogLeg[]>();

  constructor(private readonly ctx: AgentContext) {}

  // ---- PUBLISH

  publish(req: SipRequest): SipResponse {
    const tag = randomTag();
    const event = eventPackage(getHeader(req, 'Event'));
    if (event !== 'presence') return withAllowEvents(makeResponse(req, 489, 'Bad Event', tag), ['presence']);
    const user = parseUri(req.uri)?.user;
    if (user === undefined || !this.ctx.isUser(user)) return makeResponse(req, 404, 'Not Found', tag);
    const expiresHeader = getHeader(req, 'Expires');
    if (expiresHeader !== undefined && !/^\d{1,10}$/.test(expiresHeader)) return makeResponse(req, 400, 'Bad Expires', tag);
    const expires = Math.min(expiresHeader !== undefined ? Number(expiresHeader) : DEFAULT_PUBLISH_EXPIRES, MAX_EXPIRES);
    const ifMatch = getHeader(req, 'SIP-If-Match');
    const body = req.body.toString('utf8');
    const type = (getHeader(req, 'Content-Type') ?? '').split(';')[0]!.trim().toLowerCase();
    if (body.length > 0 && type !== 'application/pidf+xml') return addAccept(makeResponse(req, 415, 'Unsupported Media Type', tag));

    let previous: Publication | undefined;
    if (ifMatch !== undefined) {
      previous = this.publications.get(ifMatch);
      if (!previous || previous.user !== user) return makeResponse(req, 412, 'Conditional Request Failed', tag);
      this.drop(previous);
      if (expires === 0) {
        this.presenceChanged(user);
        const res = makeResponse(req, 200, 'OK', tag);
        addHeader(res, 'SIP-ETag', previous.etag);
        addHeader(res, 'Expires', '0');
        return res;
      }
    } else if (body.length === 0) {
      return makeResponse(req, 400, 'PUBLISH without SIP-If-Match needs a body', tag);
    } else if (expires === 0) {
      return makeResponse(req, 400, 'Initial PUBLISH with Expires 0', tag);
    }
    const etag = randomBytes(8).toString('hex');
    const publication: Publication = {
      user, etag, body: body.length > 0 ? body : previous!.body, expiresAt: this.ctx.now() + expires * 1000,
      timer: setTimeout(() => {
        this.drop(publication);
        this.presenceChanged(user);
      }, expires * 1000),
    };
    publication.timer.unref();
    this.publications.set(etag, publication);
    // A refresh (no body) changes nothing the watchers see; a new or modified document does.
    if (body.length > 0) this.presenceChanged(user);
    const res = makeResponse(req, 200, 'OK', tag);
    addHeader(res, 'SIP-ETag', etag);
    addHeader(res, 'Expires', String(expires));
    return res;
  }

  private drop(p: Publication): void {
    clearTimeout(p.timer);
    this.publications.delete(p.etag);
  }

  /** The composed presence document of a user: all live publications, or "closed" without any. */
  presenceDocument(user: string): string {
    const docs = [...this.publications.values()].filter((p) => p.user === user).map((p) => p.body);
    return composePidf(`sip:${user}@${this.ctx.domain}`, docs);
  }

  /** Watchers hear of it after the PUBLISH has its answer (queued), so every trace reads in cause-effect order. */
  private presenceChanged(user: string): void {
    setImmediate(() => {
      for (const s of this.subscriptions.values()) if (s.event === 'presence' && s.user === user) this.notify(s);
    });
  }

  // ---- SUBSCRIBE / NOTIFY

  /** Whether this notifier serves the SUBSCRIBE's event package (others go to the user's devices). */
  static serves(req: SipRequest): boolean {
    return (NOTIFIER_EVENTS as readonly string[]).includes(eventPackage(getHeader(req, 'Event')) ?? '');
  }

  /** An initial or in-dialog SUBSCRIBE addressed to us; `flowId` is where it came from (NOTIFYs go back there). */
  subscribe(req: SipRequest, flowId: string): SipResponse {
    const eventHeader = getHeader(req, 'Event') ?? '';
    const event = eventPackage(eventHeader) as NotifierEvent | undefined;
    const toTag = tagOf(getHeader(req, 'To'));
    const fromTag = tagOf(getHeader(req, 'From'));
    const callId = getHeader(req, 'Call-ID')!;
    const tag = toTag ?? randomTag();
    if (event === undefined || !(NOTIFIER_EVENTS as readonly string[]).includes(event)) {
      return withAllowEvents(makeResponse(req, 489, 'Bad Event', tag), [...NOTIFIER_EVENTS]);
    }
    if (fromTag === undefined) return makeResponse(req, 400, 'From tag missing', tag);
    const expiresHeader = getHeader(req, 'Expires');
    if (expiresHeader !== undefined && !/^\d{1,10}$/.test(expiresHeader)) return makeResponse(req, 400, 'Bad Expires', tag);
    const expires = Math.min(expiresHeader !== undefined ? Number(expiresHeader) : DEFAULT_SUBSCRIBE_EXPIRES, MAX_EXPIRES);
    const contact = parseNameAddr(getHeader(req, 'Contact') ?? '');
    if (!contact) return makeResponse(req, 400, 'Contact missing', tag);

    let sub: Subscription | undefined;
    if (toTag !== undefined) {
      sub = this.subscriptions.get(subKey(callId, toTag, fromTag));
      if (!sub || sub.event !== event) return makeResponse(req, 481, 'Subscription Does Not Exist', tag);
      sub.remoteTarget = contact.uri;
      sub.flowId = flowId;
    } else {
      const user = parseUri(req.uri)?.user;
      if (user === undefined || !this.ctx.isUser(user)) return makeResponse(req, 404, 'Not Found', tag);
      sub = {
        key: subKey(callId, tag, fromTag), event, eventHeader, user, callId, localTag: tag, remoteTag: fromTag,
        localUri: parseNameAddr(getHeader(req, 'To')!)!.uri, remoteFrom: getHeader(req, 'From')!, remoteTarget: contact.uri,
        // We are the UAS: the route set is the Record-Route list as received (RFC 3261 12.1.1).
        routeSet: req.headers.filter((h) => h.name === 'Record-Route').map((h) => h.value),
        flowId, cseq: 0, expiresAt: 0, timer: undefined, version: 0,
      };
      this.subscriptions.set(sub.key, sub);
    }
    const s = sub;
    if (s.timer) clearTimeout(s.timer);
    s.expiresAt = this.ctx.now() + expires * 1000;
    if (expires > 0) {
      s.timer = setTimeout(() => this.end(s, 'timeout'), expires * 1000);
      s.timer.unref();
    }
    const res = makeResponse(req, 200, 'OK', tag);
    addHeader(res, 'Contact', this.ctx.contact());
    addHeader(res, 'Expires', String(expires));
    // RFC 6665 4.2.1.2: the NOTIFY follows the 200 at once (queued so the 200 goes out first).
    setImmediate(() => (expires === 0 ? this.end(s, 'timeout') : this.notify(s)));
    return res;
  }

  private end(s: Subscription, reason: string): void {
    if (!this.subscriptions.has(s.key)) return;
    this.subscriptions.delete(s.key);
    if (s.timer) clearTimeout(s.timer);
    this.notify(s, `terminated;reason=${reason}`);
  }

  private notify(s: Subscription, state?: string): void {
    const left = Math.max(0, Math.round((s.expiresAt - this.ctx.now()) / 1000));
    const req: SipRequest = { kind: 'request', method: 'NOTIFY', uri: s.remoteTarget, headers: [], body: Buffer.alloc(0) };
    for (const r of s.routeSet) addHeader(req, 'Route', r);
    addHeader(req, 'Max-Forwards', '70');
    addHeader(req, 'From', `<${s.localUri}>;tag=${s.localTag}`);
    addHeader(req, 'To', s.remoteFrom);
    addHeader(req, 'Call-ID', s.callId);
    addHeader(req, 'CSeq', `${++s.cseq} NOTIFY`);
    addHeader(req, 'Contact', this.ctx.contact());
    addHeader(req, 'Event', s.eventHeader);
    addHeader(req, 'Subscription-State', state ?? `active;expires=${left}`);
    const [type, body] = this.body(s);
    addHeader(req, 'Content-Type', type);
    req.body = Buffer.from(body, 'utf8');
    this.ctx.sendNotify(req, s.flowId, (status) => {
      // The subscriber is gone or forgot the dialog (RFC 6665 4.1.3): the subscription ends.
      if (status === 481 || status === 408 || status >= 500) {
        if (s.timer) clearTimeout(s.timer);
        this.subscriptions.delete(s.key);
      }
    });
  }

  private body(s: Subscription): [string, string] {
    switch (s.event) {
      case 'presence':
        return ['application/pidf+xml', this.presenceDocument(s.user)];
      case 'message-summary':
        return ['application/simple-message-summary', `Messages-Waiting: no\r\nMessage-Account: sip:${s.user}@${this.ctx.domain}\r\n`];
      case 'dialog':
        return ['application/dialog-info+xml', this.dialogDocument(s)];
    }
  }

  // ---- dialog event (busy-lamp field)

  /** The proxy saw a call leg of `user` change: tell the user's dialog watchers (ended legs are then forgotten). */
  dialogChanged(user: string, leg: DialogLeg): void {
    const legs = this.dialogs.get(user) ?? [];
    const at = legs.findIndex((l) => l.id === leg.id);
    if (at >= 0) legs[at] = leg;
    else if (leg.state !== 'terminated') legs.push(leg);
    else return;
    this.dialogs.set(user, legs);
    for (const s of this.subscriptions.values()) if (s.event === 'dialog' && s.user === user) this.notify(s);
    const live = legs.filter((l) => l.state !== 'terminated');
    if (live.length > 0) this.dialogs.set(user, live);
    else this.dialogs.delete(user);
  }

  legs(user: string): readonly DialogLeg[] {
    return this.dialogs.get(user) ?? [];
  }

  private dialogDocument(s: Subscription): string {
    const entity = `sip:${s.user}@${this.ctx.domain}`;
    const dialogs = (this.dialogs.get(s.user) ?? []).map((d) => {
      const attrs = [`id="${escapeAttr(d.id)}"`, `call-id="${escapeAttr(d.callId)}"`];
      if (d.localTag !== undefined) attrs.push(`local-tag="${escapeAttr(d.localTag)}"`);
      if (d.remoteTag !== undefined) attrs.push(`remote-tag="${escapeAttr(d.remoteTag)}"`);
      attrs.push(`direction="${d.direction}"`);
      const target = d.remoteTarget !== undefined ? `<target uri="${escapeAttr(d.remoteTarget)}"/>` : '';
      return `  <dialog ${attrs.join(' ')}>\n    <state>${d.state}</state>\n`
        + `    <local><identity>${escapeText(d.localIdentity)}</identity></local>\n`
        + `    <remote><identity>${escapeText(d.remoteIdentity)}</identity>${target}</remote>\n  </dialog>\n`;
    });
    // Always a full document: watchers never have to merge partial state (RFC 4235 4.1).
    return `<?xml version="1.0" encoding="UTF-8"?>\n<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="${s.version++}" state="full" entity="${escapeAttr(entity)}">\n${dialogs.join('')}</dialog-info>\n`;
  }

  subscriptionCount(): number {
    return this.subscriptions.size;
  }

  stop(): void {
    for (const p of this.publications.values()) clearTimeout(p.timer);
    for (const s of this.subscriptions.values()) if (s.timer) clearTimeout(s.timer);
    this.publications.clear();
    this.subscriptions.clear();
  }
}

function subKey(callId: string, localTag: string, remoteTag: string): string {
  return `${callId}|${localTag}|${remoteTag}`;
}

/** The event package of an Event header (without parameters such as id), lowercased. */
export function eventPackage(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const semi = header.indexOf(';');
  const name = (semi < 0 ? header : header.slice(0, semi)).trim().toLowerCase();
  return name || undefined;
}

function withAllowEvents(res: SipResponse, events: string[]): SipResponse {
  addHeader(res, 'Allow-Events', events.join(', '));
  return res;
}

function addAccept(res: SipResponse): SipResponse {
  addHeader(res, 'Accept', 'application/pidf+xml');
  return res;
}

function escapeText(v: string): string {
  return v.replace(/&/g, '&amp;').replace(/</g, '&lt;');
}
