// RFC 3263 server location for the phone's outbound proxy / registrar (TCP and TLS only: the phone has no
// UDP transport, so wherever RFC 3263 says "UDP for a SIP URI" we use TCP instead).
//
//   parseSipTargetUri('sips:example.com')        → { host, port?, transport?, secure }
//   resolveSipTargets(uri, opts[, lookups])       → ordered SipTarget[] (address, port, transport, host)
//   new TargetList(targets)                       → current()/next()/reset() for flow failover
//
// The DNS layer is the small `DnsLookups` interface so unit tests inject a fake; `nodeDnsLookups(opts)` is the
// real one on a dedicated `node:dns/promises` Resolver (own servers, timeout, tries).
import { Resolver } from 'node:dns/promises';
import { isIP } from 'node:net';

export type SipTransport = 'tcp' | 'tls';

/** What RFC 3263 needs from a SIP URI: the TARGET host, port, transport parameter and whether it is sips:. */
export interface SipTargetUri {
  /** Host name, IPv4 literal or IPv6 literal without brackets. */
  host: string;
  port?: number;
  transport?: SipTransport;
  /** sips: URI — TLS only (RFC 3261 §26.2.2, RFC 3263 §4.1). */
  secure?: boolean;
}

export interface SipTarget {
  /** IP address to connect to (IPv6 without brackets). */
  address: string;
  port: number;
  transport: SipTransport;
  /**
   * The name to verify the server's TLS certificate against (and send as SNI): always the host of the URI that was
   * resolved, never a NAPTR replacement or SRV target. RFC 5922 §4 / §7.3: the SIP domain identity is taken from
   * the URI, because NAPTR and SRV answers are not authenticated — an attacker who can forge them could otherwise
   * point us at any host with any valid certificate. For an IP literal it is the literal itself.
   */
  host: string;
  /** The DNS name whose A/AAAA records produced `address` (the SRV target, or the URI host); for logs only. */
  dnsName: string;
  /** Which RFC 3263 step produced this target; for logs and tests. */
  via: 'literal' | 'a' | 'srv' | 'naptr';
}

export interface ResolverOptions {
  /** DNS servers as "ip:port" / "[ipv6]:port" / "ip" for a dedicated resolver; default: the system's. */
  servers?: string[];
  /** Per-try query timeout in ms (c-ares default when omitted). */
  timeoutMs?: number;
  /** Tries per server before giving up (c-ares default 4 when omitted). */
  tries?: number;
  /** Random source in [0, 1) for the RFC 2782 weighted selection; default Math.random. Inject for tests. */
  random?: () => number;
  /** 4 = A only, 6 = AAAA only, 0 (default) = both, IPv6 first (RFC 6724 §10.3 default policy). */
  family?: 4 | 6 | 0;
  /** When falling back to SRV without NAPTR, try `_sips._tcp` before `_sip._tcp` for a sip: URI. */
  preferTls?: boolean;
}

/** Shape of a NAPTR answer (node:dns's NaptrRecord satisfies it). */
export interface NaptrAnswer {
  order: number;
  preference: number;
  flags: string;
  service: string;
  regexp: string;
  replacement: string;
}

/** Shape of an SRV answer (node:dns's SrvRecord satisfies it). */
export interface SrvAnswer {
  priority: number;
  weight: number;
  port: number;
  name: string;
}

/**
 * The four lookups RFC 3263 needs. Implementations reject with an Error whose `code` is the node:dns code
 * (ENODATA, ENOTFOUND, ETIMEOUT, ECONNREFUSED, ESERVFAIL, ...).
 */
export interface DnsLookups {
  naptr(name: string): Promise<NaptrAnswer[]>;
  srv(name: string): Promise<SrvAnswer[]>;
  a(name: string): Promise<string[]>;
  aaaa(name: string): Promise<string[]>;
}

export class SipUriError extends Error {
  override readonly name = 'SipUriError';
  constructor(readonly uri: string, reason: string) {
    super(`Invalid SIP target URI "${uri}": ${reason}`);
  }
}

/** No target could be found; `tried` lists every lookup made and its outcome, in order. */
export class SipResolveError extends Error {
  override readonly name = 'SipResolveError';
  constructor(
    readonly host: string,
    readonly tried: readonly string[],
    /** Lookups that failed for reasons other than "no such records" (timeouts, refused, SERVFAIL). */
    readonly errors: readonly Error[],
  ) {
    super(
      `No SIP server found for "${host}"` +
        (errors.length > 0 ? ` (DNS errors: ${[...new Set(errors.map(errorCode))].join(', ')})` : '') +
        `; tried: ${tried.join('; ')}`,
    );
  }
}

const DEFAULT_PORT: Record<SipTransport, number> = { tcp: 5060, tls: 5061 };

// RFC 3263 §4.1 / RFC 3261 §19.1.2: the SRV service label is "_sips" for TLS and "_sip" otherwise, protocol _tcp.
const SRV_PREFIX: Record<SipTransport, string> = { tcp: '_sip._tcp.', tls: '_sips._tcp.' };

// RFC 3263 §4.1 + IANA: the NAPTR services we can use. D2U (UDP), D2S (SCTP), D2W (WebSocket, RFC 7118) are not
// ours and are ignored.
const NAPTR_SERVICES: Record<string, SipTransport> = { 'SIP+D2T': 'tcp', 'SIPS+D2T': 'tls' };

// ---------------------------------------------------------------------------------------------------------------
// URI parsing

// Host names per RFC 1123 labels; "_" is tolerated because internal DNS zones do use it.
const HOSTNAME_RE = /^(?=.{1,253}\.?$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*\.?$/i;

/**
 * Parses `sip:host[:port][;params]` / `sips:...` (optionally in <>, with a user part, IPv6 as `[::1]`). Only what
 * RFC 3263 needs is returned; `maddr` overrides the host (RFC 3263 §4: an maddr parameter, when present, is the
 * TARGET). Other parameters (lr, ob, ...) are ignored; transport other than tcp/tls is rejected
 * because the phone cannot speak it.
 */
export function parseSipTargetUri(uriString: string): SipTargetUri {
  let s = uriString.trim();
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  const scheme = /^(sips?):/i.exec(s);
  if (!scheme?.[1]) throw new SipUriError(uriString, 'expected a sip: or sips: URI');
  const secure = scheme[1].toLowerCase() === 'sips';
  let rest = s.slice(scheme[0].length);
  const q = rest.indexOf('?');
  if (q >= 0) rest = rest.slice(0, q); // headers: irrelevant for locating the server
  const [hostport = '', ...paramParts] = rest.split(';');
  const at = hostport.lastIndexOf('@');
  const hp = at >= 0 ? hostport.slice(at + 1) : hostport;

  let host: string;
  let portText: string | undefined;
  if (hp.startsWith('[')) {
    const close = hp.indexOf(']');
    if (close < 0) throw new SipUriError(uriString, 'unterminated IPv6 reference');
    host = hp.slice(1, close);
    if (isIP(host) !== 6) throw new SipUriError(uriString, `"${host}" is not an IPv6 address`);
    const after = hp.slice(close + 1);
    if (after !== '') {
      if (!after.startsWith(':')) throw new SipUriError(uriString, `unexpected "${after}" after IPv6 reference`);
      portText = after.slice(1);
    }
  } else {
    const colon = hp.indexOf(':');
    host = colon >= 0 ? hp.slice(0, colon) : hp;
    if (colon >= 0) portText = hp.slice(colon + 1);
  }

  let transport: SipTransport | undefined;
  for (const part of paramParts) {
    const eq = part.indexOf('=');
    const name = (eq >= 0 ? part.slice(0, eq) : part).trim().toLowerCase();
    const value = eq >= 0 ? part.slice(eq + 1).trim() : '';
    if (name === 'transport') {
      const t = value.toLowerCase();
      if (t !== 'tcp' && t !== 'tls') {
        throw new SipUriError(uriString, `transport "${value}" is not supported (only tcp and tls)`);
      }
      transport = t;
    } else if (name === 'maddr') {
      const m = value.startsWith('[') && value.endsWith(']') ? value.slice(1, -1) : value;
      if (m === '') throw new SipUriError(uriString, 'empty maddr');
      host = m;
    }
  }

  host = host.toLowerCase();
  if (host === '') throw new SipUriError(uriString, 'missing host');
  if (isIP(host) === 0 && !HOSTNAME_RE.test(host)) throw new SipUriError(uriString, `"${host}" is not a valid host`);
  if (host.endsWith('.')) host = host.slice(0, -1);

  const uri: SipTargetUri = { host };
  if (portText !== undefined) {
    if (!/^\d{1,5}$/.test(portText) || Number(portText) < 1 || Number(portText) > 65535) {
      throw new SipUriError(uriString, `"${portText}" is not a valid port`);
    }
    uri.port = Number(portText);
  }
  // RFC 3261 §26.2.2: sips:...;transport=tcp means TLS over TCP; sips never means plain TCP.
  if (secure) {
    uri.secure = true;
    if (transport !== undefined) uri.transport = 'tls';
  } else if (transport !== undefined) {
    uri.transport = transport;
  }
  return uri;
}

// ---------------------------------------------------------------------------------------------------------------
// DNS layer

/** The real lookups: a dedicated node:dns Resolver so the phone's SIP DNS servers/timeouts are its own. */
export function nodeDnsLookups(opts: Pick<ResolverOptions, 'servers' | 'timeoutMs' | 'tries'> = {}): DnsLookups {
  const resolver = new Resolver({
    ...(opts.timeoutMs !== undefined ? { timeout: opts.timeoutMs } : {}),
    ...(opts.tries !== undefined ? { tries: opts.tries } : {}),
  });
  if (opts.servers && opts.servers.length > 0) resolver.setServers(opts.servers);
  return {
    naptr: (name) => resolver.resolveNaptr(name),
    srv: (name) => resolver.resolveSrv(name),
    a: (name) => resolver.resolve4(name),
    aaaa: (name) => resolver.resolve6(name),
  };
}

function errorCode(err: Error): string {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' ? code : err.message;
}

// "No records of this type at this name" — an answer, not a failure: RFC 3263 says go on to the next step.
const NO_RECORDS = new Set(['ENODATA', 'ENOTFOUND']);

/** One resolution's view of DNS: memoizes each query and records what was asked and how it went. */
class Session {
  readonly tried: string[] = [];
  readonly errors: Error[] = [];
  private readonly memo = new Map<string, Promise<unknown[]>>();

  constructor(private readonly lookups: DnsLookups) {}

  naptr(name: string): Promise<NaptrAnswer[]> {
    return this.query('NAPTR', name, () => this.lookups.naptr(name));
  }
  srv(name: string): Promise<SrvAnswer[]> {
    return this.query('SRV', name, () => this.lookups.srv(name), (records) =>
      records.length > 0 && records.every((r) => isRootTarget(r.name)) ? 'target "." (service not available, RFC 2782)' : undefined,
    );
  }
  a(name: string): Promise<string[]> {
    return this.query('A', name, () => this.lookups.a(name));
  }
  aaaa(name: string): Promise<string[]> {
    return this.query('AAAA', name, () => this.lookups.aaaa(name));
  }

  private query<T>(
    type: string,
    name: string,
    run: () => Promise<T[]>,
    describe: (records: T[]) => string | undefined = () => undefined,
  ): Promise<T[]> {
    const key = `${type} ${name}`;
    let p = this.memo.get(key) as Promise<T[]> | undefined;
    if (!p) {
      // Slot taken when the query starts, so `tried` reads in the order RFC 3263 asked, not the order answers came.
      const slot = this.tried.push(`${key}: no answer`) - 1;
      p = Promise.resolve().then(run).then(
        (records) => {
          this.tried[slot] = `${key}: ${describe(records) ?? `${records.length} record${records.length === 1 ? '' : 's'}`}`;
          return records;
        },
        (err: unknown) => {
          const e = err instanceof Error ? err : new Error(String(err));
          const code = errorCode(e);
          this.tried[slot] = `${key}: ${code}`;
          // Timeouts, refusals, SERVFAIL: go on like "no records" (a later step may still succeed), but keep the
          // error so that an empty result says *why* rather than just "nothing found".
          if (!NO_RECORDS.has(code)) this.errors.push(e);
          return [] as T[];
        },
      );
      this.memo.set(key, p);
    }
    return p;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// RFC 2782 ordering

/**
 * RFC 2782 "Usage rules": ascending priority; within one priority, repeatedly pick a record at random with
 * probability proportional to its weight, zero-weight records first in the list so they keep a small chance.
 * The selection draws an integer in [0, sum] and takes the first record whose running sum is >= it.
 * Records whose target is "." (service decidedly not available) are dropped.
 */
export function orderSrv<T extends SrvAnswer>(records: readonly T[], random: () => number = Math.random): T[] {
  const usable = records.filter((r) => !isRootTarget(r.name));
  const priorities = [...new Set(usable.map((r) => r.priority))].sort((x, y) => x - y);
  const out: T[] = [];
  for (const prio of priorities) {
    const group = usable.filter((r) => r.priority === prio);
    // Stable: zero weights first, otherwise as received.
    const pending = [...group.filter((r) => r.weight === 0), ...group.filter((r) => r.weight !== 0)];
    while (pending.length > 0) {
      const sum = pending.reduce((acc, r) => acc + r.weight, 0);
      const pick = Math.min(sum, Math.floor(random() * (sum + 1)));
      let running = 0;
      let index = pending.length - 1;
      for (let i = 0; i < pending.length; i++) {
        running += pending[i]!.weight;
        if (running >= pick) {
          index = i;
          break;
        }
      }
      out.push(...pending.splice(index, 1));
    }
  }
  return out;
}

function isRootTarget(name: string): boolean {
  return name === '' || name === '.';
}

/** RFC 3403 §4.1: ascending order, then ascending preference (stable for ties). */
export function orderNaptr<T extends NaptrAnswer>(records: readonly T[]): T[] {
  return [...records].sort((x, y) => x.order - y.order || x.preference - y.preference);
}

// ---------------------------------------------------------------------------------------------------------------
// Resolution

interface Context {
  session: Session;
  family: 4 | 6 | 0;
  random: () => number;
  /** Certificate identity for every target of this resolution (RFC 5922 §4): the URI host. */
  host: string;
}

/**
 * RFC 3263 §4 for a client: URI → ordered list of (address, port, transport) to try in turn.
 *
 * - IP literal: no DNS (§4.1/§4.2); port from the URI or 5060/5061.
 * - Port present: A/AAAA of the host only (§4.2 — "if a port is present ... A or AAAA lookup").
 * - Transport present, no port: SRV for that transport (§4.2), then A/AAAA with the default port.
 * - Neither: NAPTR (§4.1), SRV for each transport if NAPTR gave nothing usable, then A/AAAA (§4.2).
 *
 * Never rejects for "not found" partway: each step falls through to the next, and only an empty final list is an
 * error (SipResolveError naming the host, every query made and every DNS error seen).
 */
export async function resolveSipTargets(
  uri: SipTargetUri,
  opts: ResolverOptions = {},
  lookups: DnsLookups = nodeDnsLookups(opts),
): Promise<SipTarget[]> {
  const host = uri.host.toLowerCase().replace(/\.$/, '').replace(/^\[(.*)\]$/, '$1');
  // sips: is TLS whatever the transport parameter says (RFC 3261 §26.2.2).
  const secure = uri.secure === true;
  const explicitTransport: SipTransport | undefined = secure ? (uri.transport ? 'tls' : undefined) : uri.transport;
  // Where RFC 3263 picks UDP for a sip: URI (no transport given), the phone can only use TCP.
  const basicTransport: SipTransport = explicitTransport ?? (secure ? 'tls' : 'tcp');

  if (host === '') throw new SipUriError('', 'missing host');
  if (isIP(host) !== 0) {
    // §4.1: numeric IP → no NAPTR/SRV. §4.2: port from the URI or the transport's default.
    return [{ address: host, port: uri.port ?? DEFAULT_PORT[basicTransport], transport: basicTransport, host, dnsName: host, via: 'literal' }];
  }

  const ctx: Context = {
    session: new Session(lookups),
    family: opts.family ?? 0,
    random: opts.random ?? Math.random,
    host,
  };
  let targets: SipTarget[] = [];

  if (uri.port !== undefined) {
    // §4.2: "If the TARGET was not a numeric IP address, but a port is present in the URI, the client performs an
    // A or AAAA record lookup of the domain name." No NAPTR, no SRV.
    targets = await addressTargets(ctx, host, uri.port, basicTransport, 'a');
  } else if (explicitTransport !== undefined) {
    // §4.2: transport given explicitly → SRV for that transport only, "_sips" for TLS; no SRV → A/AAAA with the
    // default port, unless the SRV answer said the service is decidedly not available here (RFC 2782, target ".").
    const srv = await srvTargets(ctx, SRV_PREFIX[explicitTransport] + host, explicitTransport, 'srv');
    targets = srv.targets;
    if (targets.length === 0 && !srv.unavailable) {
      targets = await addressTargets(ctx, host, DEFAULT_PORT[explicitTransport], explicitTransport, 'a');
    }
  } else {
    targets = await naptrTargets(ctx, host, secure);
    let unavailable = false;
    if (targets.length === 0) {
      const srv = await srvFallbackTargets(ctx, host, secure, opts.preferTls === true);
      targets = srv.targets;
      unavailable = srv.unavailable;
    }
    // §4.2: no SRV either → A/AAAA of the host, TCP (for sips: TLS) on the default port.
    if (targets.length === 0 && !unavailable) {
      targets = await addressTargets(ctx, host, DEFAULT_PORT[basicTransport], basicTransport, 'a');
    }
  }

  targets = dedupe(targets);
  if (targets.length === 0) throw new SipResolveError(host, ctx.session.tried, ctx.session.errors);
  return targets;
}

/**
 * §4.1 NAPTR step. Keeps SIP+D2T and SIPS+D2T records with the "s" flag (terminal, replacement is an SRV name;
 * records with other flags or a regexp are not for SIP location); a sips: URI must discard every service that is not
 * SIPS, while a sip: URI keeps SIPS+D2T too because we support TLS (both §4.1). Each record's SRV set is expanded
 * in NAPTR order; later records stay in the list as failover beyond the first choice.
 */
async function naptrTargets(ctx: Context, host: string, secure: boolean): Promise<SipTarget[]> {
  const records = orderNaptr(await ctx.session.naptr(host)).filter((r) => {
    const transport = NAPTR_SERVICES[r.service.toUpperCase()];
    if (transport === undefined) return false;
    if (secure && transport !== 'tls') return false;
    return r.flags.toLowerCase() === 's' && r.regexp === '' && !isRootTarget(r.replacement);
  });
  const lists = await Promise.all(
    records.map((r) => srvTargets(ctx, r.replacement.replace(/\.$/, ''), NAPTR_SERVICES[r.service.toUpperCase()]!, 'naptr')),
  );
  return lists.flatMap((l) => l.targets);
}

/**
 * §4.1: "If no NAPTR records are found, the client constructs SRV queries for those transport protocols it
 * supports": `_sips._tcp` for a sips: URI; for a sip: URI both, in our preference order (TCP first unless
 * preferTls). We also take this path when NAPTR records exist but none is usable for us.
 */
async function srvFallbackTargets(ctx: Context, host: string, secure: boolean, preferTls: boolean): Promise<SrvResult> {
  const order: SipTransport[] = secure ? ['tls'] : preferTls ? ['tls', 'tcp'] : ['tcp', 'tls'];
  const lists = await Promise.all(order.map((t) => srvTargets(ctx, SRV_PREFIX[t] + host, t, 'srv')));
  return { targets: lists.flatMap((l) => l.targets), unavailable: lists.every((l) => l.unavailable) };
}

interface SrvResult {
  targets: SipTarget[];
  /** The SRV answer existed and was only "." — RFC 2782: the service is decidedly not available at this domain. */
  unavailable: boolean;
}

/** SRV query, RFC 2782 ordering, every target expanded to all its addresses (RFC 3263 §4.3). */
async function srvTargets(ctx: Context, name: string, transport: SipTransport, via: SipTarget['via']): Promise<SrvResult> {
  const records = await ctx.session.srv(name);
  const ordered = orderSrv(records, ctx.random);
  const lists = await Promise.all(
    ordered.map((r) => addressTargets(ctx, r.name.toLowerCase().replace(/\.$/, ''), r.port, transport, via)),
  );
  return { targets: lists.flat(), unavailable: records.length > 0 && ordered.length === 0 };
}

async function addressTargets(
  ctx: Context,
  name: string,
  port: number,
  transport: SipTransport,
  via: SipTarget['via'],
): Promise<SipTarget[]> {
  const [v6, v4] = await Promise.all([
    ctx.family === 4 ? Promise.resolve([]) : ctx.session.aaaa(name),
    ctx.family === 6 ? Promise.resolve([]) : ctx.session.a(name),
  ]);
  return [...v6, ...v4].map((address) => ({ address, port, transport, host: ctx.host, dnsName: name, via }));
}

function dedupe(targets: SipTarget[]): SipTarget[] {
  const seen = new Set<string>();
  return targets.filter((t) => {
    const key = `${t.transport} ${t.address} ${t.port}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Failover

/**
 * The ordered targets of one resolution, walked on flow failures (RFC 3263 §4.3: on a transport failure try the
 * next target; RFC 5626 §4.5 flow recovery). After the last target fails, `next()` returns null and rewinds: the
 * caller should back off and resolve again (records and their ordering may have changed).
 */
export class TargetList {
  private readonly targets: readonly SipTarget[];
  private index = 0;

  constructor(targets: readonly SipTarget[]) {
    if (targets.length === 0) throw new RangeError('TargetList needs at least one target');
    this.targets = [...targets];
  }

  get size(): number {
    return this.targets.length;
  }

  /** Position of current() in the list, 0-based. */
  get position(): number {
    return this.index;
  }

  current(): SipTarget {
    return this.targets[this.index]!;
  }

  /** Moves past a failed target. Returns the next one, or null when every target has failed (list rewinds). */
  next(): SipTarget | null {
    this.index += 1;
    if (this.index >= this.targets.length) {
      this.index = 0;
      return null;
    }
    return this.targets[this.index]!;
  }

  /** Back to the first (most preferred) target, e.g. after a successful registration on a fallback. */
  reset(): void {
    this.index = 0;
  }

  toArray(): SipTarget[] {
    return [...this.targets];
  }
}
