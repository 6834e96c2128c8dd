// Registrar (RFC 3261 section 10.3) with the parts of RFC 5626 (outbound: +sip.instance, reg-id, flows) and
// RFC 5627 (GRUU) the phone relies on. It keeps bindings in memory and answers REGISTERs that the caller has
// already authenticated; digest and transport live elsewhere. Time comes from `now` so tests control it.
import { randomBytes } from 'node:crypto';
import {
  addHeader, getHeader, getHeaderValues, makeResponse, parseCSeq, parseNameAddr, parseUri, unquote,
  type SipRequest, type SipResponse, type SipUri,
} from './message.js';

export interface Binding {
  /** User part of the AOR (sip:user@domain). */
  readonly user: string;
  /** The Contact URI as the phone wrote it. */
  readonly uri: string;
  /** +sip.instance without the angle brackets, e.g. urn:uuid:... */
  readonly instance?: string;
  readonly regId?: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  /** The transport flow the REGISTER came on: requests to this contact go back over it. */
  flowId: string;
  /** Temporary GRUU user parts handed out since the Call-ID last changed (all stay valid, RFC 5627 3.2). */
  tempGruus: string[];
}

export interface RegistrarOptions {
  domain: string;
  users: readonly string[];
  minExpires?: number;
  maxExpires?: number;
  defaultExpires?: number;
  now?: () => number;
}

export class Registrar {
  private readonly bindings = new Map<string, Binding[]>();
  private readonly users: Set<string>;
  readonly minExpires: number;
  readonly maxExpires: number;
  private readonly defaultExpires: number;
  private readonly now: () => number;

  constructor(private readonly o: RegistrarOptions) {
    this.users = new Set(o.users);
    this.minExpires = o.minExpires ?? 60;
    this.maxExpires = o.maxExpires ?? 3600;
    this.defaultExpires = o.defaultExpires ?? 3600;
    this.now = o.now ?? Date.now;
  }

  /**
   * Applies an authenticated REGISTER (`authUser` proved who it is) and returns the answer: 200 with every
   * current binding, 423 with Min-Expires, 403 for someone else's AOR, 404 for unknown users, 400 for
   * malformed Contacts, 500 for an out-of-order CSeq (RFC 3261 10.3 step 7).
   */
  register(req: SipRequest, authUser: string, flowId: string): SipResponse {
    const to = parseNameAddr(getHeader(req, 'To') ?? '');
    const aor = to ? parseUri(to.uri) : undefined;
    if (!aor || aor.user === undefined) return makeResponse(req, 400, 'Bad To', randomTag());
    if (!this.users.has(aor.user)) return makeResponse(req, 404, 'Not Found', randomTag());
    if (aor.user !== authUser) return makeResponse(req, 403, 'Forbidden: not your AOR', randomTag());
    const user = aor.user;
    const callId = getHeader(req, 'Call-ID')!;
    const cseq = parseCSeq(getHeader(req, 'CSeq'))!.seq;
    const headerExpires = getHeader(req, 'Expires');
    if (headerExpires !== undefined && !/^\d{1,10}$/.test(headerExpires)) return makeResponse(req, 400, 'Bad Expires', randomTag());
    const contacts = getHeaderValues(req, 'Contact');
    const gruu = getHeaderValues(req, 'Supported').some((s) => s.toLowerCase() === 'gruu');
    const now = this.now();
    const list = this.live(user);

    if (contacts.some((c) => c.trim() === '*')) {
      if (contacts.length !== 1 || headerExpires !== '0') return makeResponse(req, 400, 'Wildcard Contact needs Expires: 0 alone', randomTag());
      if (list.some((b) => b.callId === callId && cseq <= b.cseq)) return makeResponse(req, 500, 'Out of order CSeq', randomTag());
      this.bindings.delete(user);
      return makeResponse(req, 200, 'OK', randomTag());
    }

    // Check every Contact first, so a 423 or 400 changes nothing.
    const wanted: { uri: string; instance?: string; regId?: string; expires: number }[] = [];
    for (const text of contacts) {
      const c = parseNameAddr(text);
      const cu = c ? parseUri(c.uri) : undefined;
      if (!c || !cu) return makeResponse(req, 400, 'Malformed Contact', randomTag());
      const rawExpires = c.params.get('expires') ?? headerExpires;
      if (rawExpires !== undefined && !/^\d{1,10}$/.test(rawExpires)) return makeResponse(req, 400, 'Bad expires parameter', randomTag());
      let expires = rawExpires !== undefined ? Number(rawExpires) : this.defaultExpires;
      if (expires > 0 && expires < this.minExpires) {
        const res = makeResponse(req, 423, 'Interval Too Brief', randomTag());
        addHeader(res, 'Min-Expires', String(this.minExpires));
        return res;
      }
      expires = Math.min(expires, this.maxExpires);
      const instance = c.params.get('+sip.instance');
      const entry: (typeof wanted)[number] = { uri: c.uri, expires };
      if (instance) entry.instance = unquote(instance).replace(/^<(.*)>$/, '$1');
      const regId = c.params.get('reg-id');
      if (regId) entry.regId = regId;
      wanted.push(entry);
    }

    for (const w of wanted) {
      const at = list.findIndex((b) => sameBinding(b, w));
      const old = at >= 0 ? list[at] : undefined;
      if (old && old.callId === callId && cseq <= old.cseq) return makeResponse(req, 500, 'Out of order CSeq', randomTag());
      if (w.expires === 0) {
        if (at >= 0) list.splice(at, 1);
        continue;
      }
      const binding: Binding = {
        user, uri: w.uri, expiresAt: now + w.expires * 1000, callId, cseq, flowId,
        // A new Call-ID means a new registration: temporary GRUUs of the old one stop working (RFC 5627 3.2).
        tempGruus: old && old.callId === callId ? old.tempGruus : [],
        ...(w.instance !== undefined ? { instance: w.instance } : {}),
        ...(w.regId !== undefined ? { regId: w.regId } : {}),
      };
      if (gruu && binding.instance !== undefined) binding.tempGruus.push(`tgruu.${randomBytes(9).toString('base64url')}`);
      if (at >= 0) list[at] = binding;
      else list.push(binding);
    }
    if (list.length > 0) this.bindings.set(user, list);
    else this.bindings.delete(user);

    const res = makeResponse(req, 200, 'OK', randomTag());
    for (const b of list) {
      let v = `<${b.uri}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`;
      if (b.instance !== undefined) v += `;+sip.instance="<${b.instance}>"`;
      if (b.regId !== undefined) v += `;reg-id=${b.regId}`;
      if (gruu && b.instance !== undefined) {
        v += `;pub-gruu="${this.pubGruu(b)}"`;
        const temp = b.tempGruus.at(-1);
        if (temp !== undefined) v += `;temp-gruu="sip:${temp}@${this.o.domain};gr"`;
      }
      addHeader(res, 'Contact', v);
    }
    // RFC 5626 6: a registrar that keeps the flow for a reg-id says so.
    if (wanted.some((w) => w.regId !== undefined && w.instance !== undefined)) addHeader(res, 'Require', 'outbound');
    if (gruu) addHeader(res, 'Supported', 'gruu');
    return res;
  }

  pubGruu(b: Binding): string {
    return `sip:${b.user}@${this.o.domain};gr=${b.instance ?? ''}`;
  }

  isUser(user: string): boolean {
    return this.users.has(user);
  }

  /** Live bindings of a user (expired ones are dropped here). */
  live(user: string): Binding[] {
    const now = this.now();
    const list = (this.bindings.get(user) ?? []).filter((b) => b.expiresAt > now);
    if (list.length > 0) this.bindings.set(user, list);
    else this.bindings.delete(user);
    return list;
  }

  /**
   * Bindings a Request-URI of our domain reaches: a public GRUU (user;gr=instance) or temporary GRUU
   * (tgruu.x;gr) reaches that one instance, a plain AOR every contact of the user.
   */
  resolve(uri: SipUri): Binding[] {
    if (uri.user === undefined) return [];
    const gr = uri.params.get('gr');
    if (gr !== undefined) {
      if (gr === '') return this.allLive().filter((b) => b.tempGruus.includes(uri.user!));
      return this.live(uri.user).filter((b) => b.instance !== undefined && b.instance.toLowerCase() === gr.toLowerCase());
    }
    return this.live(uri.user);
  }

  /** The binding whose Contact is this URI (an in-dialog request to a phone's own contact address). */
  byContact(uri: SipUri): Binding | undefined {
    return this.allLive().find((b) => {
      const bu = parseUri(b.uri);
      return bu !== undefined && bu.host === uri.host && (bu.port ?? 5060) === (uri.port ?? 5060) && bu.user === uri.user;
    });
  }

  /** Whether `user` has a live binding that registered over this flow (a request on it comes from that user). */
  registeredOn(user: string, flowId: string): boolean {
    return this.live(user).some((b) => b.flowId === flowId);
  }

  allLive(): Binding[] {
    return [...this.bindings.keys()].flatMap((u) => this.live(u));
  }

  snapshot(): { aor: string; contacts: { uri: string; instance?: string; expiresAt: number }[] }[] {
    return [...this.bindings.keys()]
      .map((user) => ({
        aor: `sip:${user}@${this.o.domain}`,
        contacts: this.live(user).map((b) => ({ uri: b.uri, expiresAt: b.expiresAt, ...(b.instance !== undefined ? { instance: b.instance } : {}) })),
      }))
      .filter((r) => r.contacts.length > 0);
  }
}

/**
 * RFC 5626 4.2: the same +sip.instance and reg-id is the same flow's binding even if the Contact URI changed;
 * without outbound, bindings match by Contact URI (scheme, user, host, port, transport).
 */
function sameBinding(b: Binding, w: { uri: string; instance?: string; regId?: string }): boolean {
  if (b.instance !== undefined && w.instance !== undefined && b.regId !== undefined && w.regId !== undefined) {
    return b.instance.toLowerCase() === w.instance.toLowerCase() && b.regId === w.regId;
  }
  const x = parseUri(b.uri);
  const y = parseUri(w.uri);
  if (!x || !y) return b.uri === w.uri;
  return x.scheme === y.scheme && x.user === y.user && x.host === y.host && (x.port ?? 0) === (y.port ?? 0)
    && (x.params.get('transport') ?? 'udp').toLowerCase() === (y.params.get('transport') ?? 'udp').toLowerCase();
}

export function randomTag(): string {
  return randomBytes(6).toString('hex');
}
