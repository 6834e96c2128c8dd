/**
 * Pure parsers and builders for the SIP header fields call control reads and writes: caller identity
 * (P-Asserted-Identity, Remote-Party-ID, From, Privacy), forwarding (Diversion, History-Info), transfer
 * (Replaces, Refer-To, message/sipfrag), intercom auto-answer hints (Call-Info, Alert-Info) and user-facing
 * failure texts (status code, Reason).
 *
 * Inputs are raw header values as JsSIP hands them over (`getHeader` → the first value, `getHeaders` → all
 * values; a value may itself be a comma-separated list). Nothing here throws on malformed input: a value
 * that cannot be read gives `undefined` (or is skipped inside a list), so the caller decides whether that
 * means "reject the request" or "show less".
 */
import { isToken, splitHeaderValues } from './message-head.js';

/**
 * Splits a comma-separated header value into its elements, leaving commas inside quoted strings and <...>
 * alone (RFC 3261 §7.3.1). The same function the message parser uses, re-exported for the call layer.
 */
export const splitHeaderList: (value: string) => string[] = splitHeaderValues;

// ---------------------------------------------------------------------------------------------------------
// name-addr / addr-spec (RFC 3261 §20.10, §25.1)

export interface NameAddr {
  /** display name, quoted-pair escapes undone; absent when empty */
  displayName?: string;
  /** the URI as written (inside <...> when bracketed) */
  uri: string;
  /**
   * header parameters (after `>`, or after the addr-spec): names lower-cased (they are case-insensitive),
   * quoted values unquoted, a parameter without value maps to ''. The object has no prototype, so names
   * like `constructor` or `__proto__` are plain keys.
   */
  params: Record<string, string>;
}

/** scheme ":" then no white space, no quote, no angle bracket and no control character */
const URI_SHAPE = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s"<>\x00-\x1f\x7f]+$/;
/** what we write ourselves: visible ASCII only */
const BUILDABLE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;

function looksLikeUri(s: string): boolean {
  return URI_SHAPE.test(s);
}

/**
 * Reads a quoted-string starting at `start` (which holds the opening DQUOTE). Returns the unescaped text and
 * the index just after the closing DQUOTE, or undefined when the string never ends.
 */
function readQuoted(s: string, start: number): { text: string; end: number } | undefined {
  let text = '';
  for (let i = start + 1; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      // quoted-pair: the next character stands for itself (a trailing backslash is unterminated)
      i++;
      if (i >= s.length) return undefined;
      text += s[i];
    } else if (ch === '"') {
      return { text, end: i + 1 };
    } else {
      text += ch;
    }
  }
  return undefined;
}

/** Splits on `sep` outside quoted strings; undefined when a quoted string is not closed. */
function splitOutsideQuotes(s: string, sep: string): string[] | undefined {
  const parts: string[] = [];
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '"') {
      const q = readQuoted(s, i);
      if (!q) return undefined;
      i = q.end - 1;
    } else if (ch === sep) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts;
}

function emptyParams(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/**
 * Parses `;name[=value]` pairs (generic-param, RFC 3261 §25.1). The text must be empty or start with `;`
 * (after white space). Empty segments (`;;`, a trailing `;`) are tolerated; the first of two equal names
 * wins. Undefined when a name is not a token or a value is malformed.
 */
function parseParams(text: string): Record<string, string> | undefined {
  const params = emptyParams();
  const rest = text.trim();
  if (rest === '') return params;
  if (!rest.startsWith(';')) return undefined;
  const segments = splitOutsideQuotes(rest.slice(1), ';');
  if (!segments) return undefined;
  for (const raw of segments) {
    const segment = raw.trim();
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const name = (eq < 0 ? segment : segment.slice(0, eq)).trim().toLowerCase();
    if (!isToken(name)) return undefined;
    let value = '';
    if (eq >= 0) {
      const rawValue = segment.slice(eq + 1).trim();
      if (rawValue.startsWith('"')) {
        const q = readQuoted(rawValue, 0);
        if (!q || q.end !== rawValue.length) return undefined;
        value = q.text;
      } else if (/[\s"\x00-\x1f\x7f]/.test(rawValue)) {
        return undefined;
      } else {
        value = rawValue;
      }
    }
    if (!(name in params)) params[name] = value;
  }
  return params;
}

function cleanDisplayName(s: string): string | undefined {
  const collapsed = s.replace(/\s+/g, ' ').trim();
  return collapsed === '' ? undefined : collapsed;
}

function nameAddr(displayName: string | undefined, uri: string, params: Record<string, string>): NameAddr {
  return displayName === undefined ? { uri, params } : { displayName, uri, params };
}

/**
 * Parses one name-addr or addr-spec with its header parameters (From, To, P-Asserted-Identity, Diversion,
 * Refer-To, …):
 *
 *     "Alice \"Al\" Smith" <sip:alice@a.example;transport=tcp>;tag=1928301774
 *     Alice Smith <sip:alice@a.example>
 *     sip:alice@a.example;tag=1928301774        (addr-spec: `;tag` is a header parameter, RFC 3261 §20)
 *
 * Unquoted display names are taken leniently (any text without quotes or brackets, white space collapsed),
 * since PBXs put spaces and punctuation there. Undefined for anything else, e.g. an unterminated quote or
 * bracket, text after the parameters, a display name without <...>, or a URI without a scheme.
 */
export function parseNameAddr(value: string): NameAddr | undefined {
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s === '') return undefined;

  let displayName: string | undefined;
  let lt: number;
  if (s.startsWith('"')) {
    const q = readQuoted(s, 0);
    if (!q) return undefined;
    displayName = cleanDisplayName(q.text);
    lt = q.end;
    while (s[lt] === ' ' || s[lt] === '\t') lt++;
    if (s[lt] !== '<') return undefined;
  } else {
    lt = s.indexOf('<');
    if (lt < 0) return parseAddrSpec(s);
    const before = s.slice(0, lt);
    if (/["<>\x00-\x08\x0a-\x1f\x7f]/.test(before)) return undefined;
    displayName = cleanDisplayName(before);
  }

  const gt = s.indexOf('>', lt + 1);
  if (gt < 0) return undefined;
  const uri = s.slice(lt + 1, gt).trim();
  if (!looksLikeUri(uri)) return undefined;
  const params = parseParams(s.slice(gt + 1));
  if (!params) return undefined;
  return nameAddr(displayName, uri, params);
}

/** addr-spec without brackets: everything from the first `;` on is header parameters (RFC 3261 §20). */
function parseAddrSpec(s: string): NameAddr | undefined {
  const semi = s.indexOf(';');
  const uri = (semi < 0 ? s : s.slice(0, semi)).trim();
  // a comma would make it a list, and the URI can carry no display name: both mean this is not one addr-spec
  if (!looksLikeUri(uri) || uri.includes(',')) return undefined;
  const params = parseParams(semi < 0 ? '' : s.slice(semi));
  if (!params) return undefined;
  return nameAddr(undefined, uri, params);
}

/** Every element of every value that parses as a name-addr, in order; the others are skipped. */
function parseNameAddrList(values: readonly string[] | undefined): NameAddr[] {
  if (!Array.isArray(values)) return [];
  const out: NameAddr[] = [];
  for (const value of values) {
    if (typeof value !== 'string') continue;
    for (const element of splitHeaderList(value)) {
      const parsed = parseNameAddr(element);
      if (parsed) out.push(parsed);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// URIs: scheme, user part, phone numbers

function schemeOf(uri: string): string {
  const colon = uri.indexOf(':');
  return colon < 0 ? '' : uri.slice(0, colon).toLowerCase();
}

function isSipUri(uri: string): boolean {
  const scheme = schemeOf(uri);
  return scheme === 'sip' || scheme === 'sips';
}

/** decodeURIComponent without the URIError on a stray `%` or invalid UTF-8. */
function percentDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** User part of a sip:/sips: URI, percent-decoded, without password or user parameters (`;npdi`). */
function sipUser(uri: string): string | undefined {
  if (!isSipUri(uri)) return undefined;
  const rest = uri.slice(uri.indexOf(':') + 1);
  const at = rest.indexOf('@');
  if (at <= 0) return undefined;
  const user = rest.slice(0, at).split(/[;:]/)[0] ?? '';
  return percentDecode(user);
}

/** RFC 3966 visual separators, plus white space that escaped user parts sometimes carry. */
const VISUAL_SEPARATORS = /[-.()\s]/g;
const PHONE_NUMBER = /^\+?[0-9]{1,32}$/;

function asPhoneNumber(s: string): string | undefined {
  const compact = s.replace(VISUAL_SEPARATORS, '');
  return PHONE_NUMBER.test(compact) ? compact : undefined;
}

/**
 * The phone number a URI stands for: a tel: URI's number (RFC 3966, parameters dropped) or the user part of
 * a sip:/sips: URI when it is one — digits with an optional leading `+`, after removing the visual
 * separators `-`, `.`, `(`, `)`. `sip:+1-212-555-0100@gw.example;user=phone` → `+12125550100`;
 * `sip:alice@a.example` → undefined.
 */
export function phoneNumberOf(uri: string): string | undefined {
  if (typeof uri !== 'string') return undefined;
  if (schemeOf(uri) === 'tel') {
    const digits = percentDecode(uri.slice(4).split(';')[0] ?? '');
    return digits === undefined ? undefined : asPhoneNumber(digits);
  }
  const user = sipUser(uri);
  return user === undefined ? undefined : asPhoneNumber(user);
}

/**
 * RFC 3323 recommends `sip:anonymous@anonymous.invalid` for a caller who withholds identity; PBXs
 * also send `anonymous@<their domain>` or `tel:anonymous`. Any URI whose user is `anonymous` or whose host is
 * `anonymous.invalid` counts.
 */
function isAnonymousUri(uri: string): boolean {
  const scheme = schemeOf(uri);
  if (scheme === 'tel') return uri.slice(4).split(';')[0]?.toLowerCase() === 'anonymous';
  if (!isSipUri(uri)) return false;
  const rest = uri.slice(uri.indexOf(':') + 1).toLowerCase();
  const at = rest.indexOf('@');
  const user = at < 0 ? '' : rest.slice(0, at);
  const host = (at < 0 ? rest : rest.slice(at + 1)).split(/[;:?>]/)[0] ?? '';
  return user === 'anonymous' || host === 'anonymous.invalid';
}

/** What two URIs name for "is this the same party": the phone number, else user@host in lower case. */
function partyKey(uri: string): string {
  const number = phoneNumberOf(uri);
  if (number !== undefined) return `#${number}`;
  const rest = uri.slice(uri.indexOf(':') + 1);
  return (rest.split(/[;?]/)[0] ?? '').toLowerCase();
}

// ---------------------------------------------------------------------------------------------------------
// Caller identity

export interface CallerHeaders {
  /** every P-Asserted-Identity value (RFC 3325) */
  pAssertedIdentity?: readonly string[];
  /** every Remote-Party-ID value (draft-ietf-sip-privacy-04, still sent by Asterisk, Cisco, Broadsoft) */
  remotePartyId?: readonly string[];
  /** the From value */
  from: string;
  /** the Privacy value (RFC 3323, RFC 3325), e.g. `id` or `header;id` */
  privacy?: string;
}

export interface CallerIdentity {
  /** what to show as the caller's name; absent when unknown or withheld */
  name?: string;
  /** the identity's URI (for a private caller: kept for logs only, never to display or call back) */
  uri: string;
  /** the caller's phone number when the identity carries one; absent when withheld */
  number?: string;
  /** which header the identity came from */
  source: 'pai' | 'rpid' | 'from';
  /** the caller asked not to be identified: show "Anonymous", offer no call-back */
  private: boolean;
}

/** Privacy values that withhold the caller's identity: `id` (RFC 3325 §9.3) and `user` (RFC 3323). */
function privacyWithholdsIdentity(privacy: string | undefined): boolean {
  if (typeof privacy !== 'string') return false;
  return privacy
    .split(/[;,\s]+/)
    .map((v) => v.toLowerCase())
    .some((v) => v === 'id' || v === 'user');
}

/**
 * The Remote-Party-ID entry describing the caller: one with `party=calling` or without `party` (calling is
 * the default); among those, a network-screened one (`screen=yes`) beats a user-provided one, because only
 * the former has been verified by the PBX.
 */
function callingPartyRpid(values: readonly string[] | undefined): NameAddr | undefined {
  const calling = parseNameAddrList(values).filter((e) => {
    const party = e.params.party?.toLowerCase();
    return party === undefined || party === 'calling';
  });
  return calling.find((e) => e.params.screen?.toLowerCase() === 'yes') ?? calling[0];
}

interface Candidate {
  uri: string;
  name?: string;
  number?: string;
  source: CallerIdentity['source'];
}

/**
 * P-Asserted-Identity carries at most one sip:/sips: and one tel: URI (RFC 3325 §9.1). The SIP URI is the
 * identity (it can be called back as is); the tel: URI, when present, is the authoritative number.
 */
function fromPai(values: readonly string[] | undefined): Candidate | undefined {
  const entries = parseNameAddrList(values);
  const sip = entries.find((e) => isSipUri(e.uri));
  const tel = entries.find((e) => schemeOf(e.uri) === 'tel');
  const primary = sip ?? tel;
  if (!primary) return undefined;
  const number = (tel && phoneNumberOf(tel.uri)) ?? phoneNumberOf(primary.uri);
  const name = sip?.displayName ?? tel?.displayName;
  return { uri: primary.uri, name, number, source: 'pai' };
}

/**
 * Who is calling, for the incoming-call screen and the call log. Precedence, most trustworthy first:
 *
 * 1. P-Asserted-Identity — asserted by the PBX's trust domain (RFC 3325);
 * 2. Remote-Party-ID with party=calling — the pre-standard equivalent; `privacy=full` or `privacy=uri`
 *    withholds the identity, `privacy=name` only the name;
 * 3. From — whatever the caller's UA wrote.
 *
 * When the chosen header has no display name but From names the same party (same number or user@host),
 * From's name is used: carriers often assert `<tel:+1…>` alone and put the CNAM name in From.
 *
 * `private` is set by `Privacy: id` / `Privacy: user`, by RPID privacy, or by an anonymous URI in the
 * chosen header or in From (RFC 3323). A private result carries no name and no number, so that a
 * screen or call log cannot leak what the caller withheld; `uri` stays for diagnostics.
 *
 * Undefined only when no header yields a usable address.
 */
export function callerIdentity(headers: CallerHeaders): CallerIdentity | undefined {
  const from = typeof headers.from === 'string' ? parseNameAddr(headers.from) : undefined;
  const rpid = callingPartyRpid(headers.remotePartyId);
  const rpidPrivacy = rpid?.params.privacy?.toLowerCase();

  const fromRpid = (entry: NameAddr): Candidate => ({
    uri: entry.uri,
    name: rpidPrivacy === 'name' ? undefined : entry.displayName,
    number: phoneNumberOf(entry.uri),
    source: 'rpid',
  });
  const chosen: Candidate | undefined =
    fromPai(headers.pAssertedIdentity) ??
    (rpid ? fromRpid(rpid) : undefined) ??
    (from ? { uri: from.uri, name: from.displayName, number: phoneNumberOf(from.uri), source: 'from' } : undefined);
  if (!chosen) return undefined;

  const isPrivate =
    privacyWithholdsIdentity(headers.privacy) ||
    rpidPrivacy === 'full' ||
    rpidPrivacy === 'uri' ||
    isAnonymousUri(chosen.uri) ||
    (from !== undefined && isAnonymousUri(from.uri));
  if (isPrivate) return { uri: chosen.uri, source: chosen.source, private: true };

  let name = chosen.name;
  if (name === undefined && chosen.source !== 'from' && from?.displayName !== undefined) {
    if (partyKey(from.uri) === partyKey(chosen.uri) || (chosen.number !== undefined && chosen.number === phoneNumberOf(from.uri))) {
      name = from.displayName;
    }
  }
  const result: CallerIdentity = { uri: chosen.uri, source: chosen.source, private: false };
  if (name !== undefined) result.name = name;
  if (chosen.number !== undefined) result.number = chosen.number;
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// Forwarding: Diversion (RFC 5806) and History-Info (RFC 7044, cause-param RFC 4458)

export interface ForwardedFrom {
  /** the party originally called, who forwarded the call (URI headers like `?Reason=` removed) */
  uri: string;
  name?: string;
  /** why: a Diversion reason token (`unconditional`, `user-busy`, `no-answer`, …) */
  reason?: string;
  /** how many diversions the call went through (≥ 1) */
  count: number;
}

export interface ForwardingHeaders {
  /** every Diversion value, in message order */
  diversion?: readonly string[];
  /** every History-Info value, in message order */
  historyInfo?: readonly string[];
}

/** RFC 5806 allows 1*2DIGIT; anything else counts as one diversion, the documented default. */
function diversionCounter(value: string | undefined): number {
  return value !== undefined && /^[0-9]{1,2}$/.test(value) && Number(value) > 0 ? Number(value) : 1;
}

/**
 * Diversion: every diverting proxy adds its entry on top of the existing ones (RFC 5806: the most recent
 * diversion is listed first), so the LAST entry names the party originally called, and its reason says why
 * that party forwarded. That is the party a phone shows as "forwarded from": who the caller meant to reach.
 * `count` adds the entries' `counter` parameters (default 1 each, since one entry may stand for several).
 */
function fromDiversion(values: readonly string[] | undefined): ForwardedFrom | undefined {
  const entries = parseNameAddrList(values);
  const original = entries[entries.length - 1];
  if (!original) return undefined;
  const count = entries.reduce((sum, e) => sum + diversionCounter(e.params.counter), 0);
  const result: ForwardedFrom = { uri: original.uri, count };
  if (original.displayName !== undefined) result.name = original.displayName;
  const reason = original.params.reason?.trim().toLowerCase();
  if (reason) result.reason = reason;
  return result;
}

/** SIP cause → Diversion reason, the History-Info → Diversion mapping of RFC 7544 (others map to `unknown`). */
const CAUSE_TO_REASON: Readonly<Record<string, string>> = {
  '302': 'unconditional',
  '486': 'user-busy',
  '408': 'no-answer',
  '480': 'deflection',
  '487': 'deflection',
  '503': 'unavailable',
  '404': 'unknown',
};

function reasonForCause(cause: string): string {
  return CAUSE_TO_REASON[cause] ?? 'unknown';
}

interface HistoryEntry {
  entry: NameAddr;
  /** URI without its `?headers` */
  bareUri: string;
  /** RFC 4458 `cause` URI parameter: why the request was diverted TO this target */
  cause?: string;
  /** SIP cause of an escaped `Reason` header: how the request to this target ended (RFC 7044) */
  reasonCause?: string;
}

function readHistoryEntry(entry: NameAddr): HistoryEntry {
  const q = entry.uri.indexOf('?');
  const bareUri = q < 0 ? entry.uri : entry.uri.slice(0, q);
  const result: HistoryEntry = { entry, bareUri };
  const cause = /;cause=([0-9]{3})(?:;|$)/i.exec(bareUri)?.[1];
  if (cause) result.cause = cause;
  if (q >= 0) {
    for (const header of entry.uri.slice(q + 1).split('&')) {
      const eq = header.indexOf('=');
      if (eq < 0 || header.slice(0, eq).toLowerCase() !== 'reason') continue;
      const reason = percentDecode(header.slice(eq + 1));
      const sipCause = reason === undefined ? undefined : /^\s*SIP\s*;(?:.*;)?\s*cause\s*=\s*([0-9]{3})\b/i.exec(reason)?.[1];
      if (sipCause) result.reasonCause = sipCause;
    }
  }
  return result;
}

/**
 * History-Info (RFC 7044): entries are appended in order, the first one being the Request-URI the caller
 * sent — the party originally called. An entry is a diversion (rather than, say, a registered contact of
 * the same user) when it carries `mp` (target mapped to another user), an RFC 4458 `cause` URI
 * parameter, or — for RFC 4244-era servers that tag nothing — follows an entry whose escaped Reason says why
 * the previous target failed and has no `rc` (same user, new contact).
 * The reason comes from the first diversion's `cause`, else from the Reason of the entry before it.
 */
function fromHistoryInfo(values: readonly string[] | undefined): ForwardedFrom | undefined {
  const entries = parseNameAddrList(values).map(readHistoryEntry);
  const original = entries[0];
  if (!original) return undefined;
  let count = 0;
  let reason: string | undefined;
  for (let i = 1; i < entries.length; i++) {
    const current = entries[i];
    const previous = entries[i - 1];
    if (!current || !previous) continue;
    const params = current.entry.params;
    const diverted =
      'mp' in params || current.cause !== undefined || (!('rc' in params) && previous.reasonCause !== undefined);
    if (!diverted) continue;
    count++;
    if (reason === undefined) {
      const cause = current.cause ?? previous.reasonCause;
      if (cause !== undefined) reason = reasonForCause(cause);
    }
  }
  if (count === 0) return undefined;
  const result: ForwardedFrom = { uri: original.bareUri, count };
  if (original.entry.displayName !== undefined) result.name = original.entry.displayName;
  if (reason !== undefined) result.reason = reason;
  return result;
}

/**
 * Whether, and from whom, an incoming call was forwarded. Diversion wins when both headers are present: it
 * exists only for diversions and states reason and count outright, whereas History-Info also records
 * ordinary routing and has to be interpreted. Undefined when the call was not forwarded.
 */
export function forwardedFrom(headers: ForwardingHeaders): ForwardedFrom | undefined {
  return fromDiversion(headers.diversion) ?? fromHistoryInfo(headers.historyInfo);
}

export type DiversionReason = 'unconditional' | 'user-busy' | 'no-answer' | 'do-not-disturb' | 'deflection';

const DIVERSION_REASONS: ReadonlySet<string> = new Set<DiversionReason>([
  'unconditional',
  'user-busy',
  'no-answer',
  'do-not-disturb',
  'deflection',
]);

export interface DiversionSpec {
  /** the forwarding party: this phone's AOR */
  uri: string;
  name?: string;
  reason: DiversionReason;
  /** RFC 5806: 1-99; left out when not given (receivers then assume 1) */
  counter?: number;
}

/** A quoted-string for a display name: control characters dropped, `"` and `\` escaped. */
function quoteDisplayName(name: string): string | undefined {
  const clean = name.replace(/[\x00-\x1f\x7f]/g, ' ').replace(/\s+/g, ' ').trim();
  if (clean === '') return undefined;
  return `"${clean.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The Diversion value for a 302 this phone sends when it forwards a call itself (RFC 5806), e.g.
 * `"Alice" <sip:alice@a.example>;reason=user-busy;counter=1`. Undefined when the URI is not a plain
 * absolute URI, the reason is unknown or the counter is not an integer 1-99 — nothing is written that a
 * receiver could misread.
 */
export function buildDiversion(spec: DiversionSpec): string | undefined {
  if (typeof spec.uri !== 'string' || !BUILDABLE_URI.test(spec.uri) || /[<>"]/.test(spec.uri)) return undefined;
  if (!DIVERSION_REASONS.has(spec.reason)) return undefined;
  if (spec.counter !== undefined && !(Number.isInteger(spec.counter) && spec.counter >= 1 && spec.counter <= 99)) {
    return undefined;
  }
  const name = typeof spec.name === 'string' ? quoteDisplayName(spec.name) : undefined;
  const counter = spec.counter === undefined ? '' : `;counter=${spec.counter}`;
  return `${name ? `${name} ` : ''}<${spec.uri}>;reason=${spec.reason}${counter}`;
}

// ---------------------------------------------------------------------------------------------------------
// Transfer: Replaces (RFC 3891), Refer-To (RFC 3515), message/sipfrag

export interface ParsedReplaces {
  callId: string;
  /** tag of the UA that receives the Replaces: its local tag (RFC 3891 §3) */
  toTag: string;
  /** the other end's tag: the receiver's remote tag */
  fromTag: string;
  /** `early-only`: replace the dialog only while it is still early (RFC 3891 §3) */
  earlyOnly: boolean;
}

export interface ReplacesSpec {
  callId: string;
  toTag: string;
  fromTag: string;
  earlyOnly?: boolean;
}

/**
 * Call-IDs and tags we can write into a Replaces value: visible ASCII without `;` (it would end the
 * Call-ID early: the Replaces grammar has no escape for it) and without `,` (list separator); tags also
 * without `"`, which a parser may take for a quoted string. RFC 3261's `word`/`token` are stricter; these
 * rules accept what real stacks produce (e.g. `=` from base64 Call-IDs) while guaranteeing a round trip.
 */
const REPLACES_CALL_ID = /^[\x21-\x2b\x2d-\x3a\x3c-\x7e]+$/;
const REPLACES_TAG = /^[\x21\x23-\x2b\x2d-\x3a\x3c-\x7e]+$/;

/**
 * Parses a Replaces value (RFC 3891 §6): `callid *(; replaces-param)`. Exactly one to-tag and one from-tag
 * are required (§6: both are needed to match a dialog); `early-only` sets earlyOnly; other parameters are
 * ignored. Undefined for anything malformed.
 */
export function parseReplaces(value: string): ParsedReplaces | undefined {
  if (typeof value !== 'string') return undefined;
  const [rawCallId, ...rawParams] = value.trim().split(';');
  const callId = (rawCallId ?? '').trim();
  if (!REPLACES_CALL_ID.test(callId)) return undefined;
  let toTag: string | undefined;
  let fromTag: string | undefined;
  let earlyOnly = false;
  for (const raw of rawParams) {
    const segment = raw.trim();
    if (segment === '') continue;
    const eq = segment.indexOf('=');
    const name = (eq < 0 ? segment : segment.slice(0, eq)).trim().toLowerCase();
    const paramValue = eq < 0 ? undefined : segment.slice(eq + 1).trim();
    if (name === 'to-tag' || name === 'from-tag') {
      if (paramValue === undefined || !REPLACES_TAG.test(paramValue)) return undefined;
      if (name === 'to-tag') {
        if (toTag !== undefined) return undefined;
        toTag = paramValue;
      } else {
        if (fromTag !== undefined) return undefined;
        fromTag = paramValue;
      }
    } else if (name === 'early-only') {
      earlyOnly = true;
    } else if (!isToken(name)) {
      return undefined;
    }
  }
  if (toTag === undefined || fromTag === undefined) return undefined;
  return { callId, toTag, fromTag, earlyOnly };
}

/** The Replaces value for a dialog; undefined when a part cannot be written unambiguously (see above). */
export function buildReplaces(spec: ReplacesSpec): string | undefined {
  if (typeof spec.callId !== 'string' || !REPLACES_CALL_ID.test(spec.callId)) return undefined;
  if (typeof spec.toTag !== 'string' || !REPLACES_TAG.test(spec.toTag)) return undefined;
  if (typeof spec.fromTag !== 'string' || !REPLACES_TAG.test(spec.fromTag)) return undefined;
  return `${spec.callId};to-tag=${spec.toTag};from-tag=${spec.fromTag}${spec.earlyOnly ? ';early-only' : ''}`;
}

/**
 * The Refer-To URI for an attended transfer (RFC 3515 §2.1, RFC 3891 §6): `targetUri` with the Replaces
 * value as an escaped URI header, e.g. `sip:carol@c.example?Replaces=a1%40host%3Bto-tag%3D7%3Bfrom-tag%3D9`.
 * Wrap it in <...> for the Refer-To header (or hand it to JsSIP's refer() as the target).
 *
 * The tags are seen from the party that will receive the INVITE with Replaces (the one being replaced on
 * the other call): `toTag` is THAT party's tag, `fromTag` ours. For the transferor that is the remote and
 * the local tag of its dialog with that party — whichever side sent the original INVITE.
 *
 * Escaping: RFC 3261 `hvalue` allows only unreserved characters and a few marks; encodeURIComponent escapes
 * every other one (and the inputs are ASCII, so it cannot fail). Undefined when the target is not a
 * sip:/sips: URI, already carries a Replaces header, or the dialog cannot be written.
 */
export function referToWithReplaces(targetUri: string, dialog: ReplacesSpec): string | undefined {
  if (typeof targetUri !== 'string' || !isSipUri(targetUri)) return undefined;
  if (!BUILDABLE_URI.test(targetUri) || /[<>"]/.test(targetUri)) return undefined;
  const q = targetUri.indexOf('?');
  if (q >= 0 && targetUri.slice(q + 1).split('&').some((h) => /^replaces=/i.test(h))) return undefined;
  const replaces = buildReplaces(dialog);
  if (replaces === undefined) return undefined;
  return `${targetUri}${q >= 0 ? '&' : '?'}Replaces=${encodeURIComponent(replaces)}`;
}

export interface ParsedReferTo {
  /** the URI to call, without the Replaces header (other URI headers kept) */
  uri: string;
  /** present for an attended transfer: the dialog the new call replaces */
  replaces?: ParsedReplaces;
}

/**
 * Parses a Refer-To value (RFC 3515 §2.1). An embedded `?Replaces=` header is unescaped and parsed; a
 * Replaces that is malformed, or given twice, makes the whole value undefined — treating a damaged
 * attended transfer as a blind one would ring the target instead of replacing the call.
 */
export function parseReferTo(value: string): ParsedReferTo | undefined {
  const addr = parseNameAddr(value);
  if (!addr) return undefined;
  const q = addr.uri.indexOf('?');
  if (q < 0) return { uri: addr.uri };
  const kept: string[] = [];
  let replaces: ParsedReplaces | undefined;
  for (const header of addr.uri.slice(q + 1).split('&')) {
    const eq = header.indexOf('=');
    if (eq >= 0 && header.slice(0, eq).toLowerCase() === 'replaces') {
      if (replaces !== undefined) return undefined;
      const decoded = percentDecode(header.slice(eq + 1));
      replaces = decoded === undefined ? undefined : parseReplaces(decoded);
      if (replaces === undefined) return undefined;
    } else if (header !== '') {
      kept.push(header);
    }
  }
  const uri = addr.uri.slice(0, q) + (kept.length > 0 ? `?${kept.join('&')}` : '');
  return replaces ? { uri, replaces } : { uri };
}

export interface SipfragStatus {
  status: number;
  reason: string;
}

const SIPFRAG_STATUS_LINE = /^SIP\/2\.0[ \t]+([1-6][0-9][0-9])(?:[ \t]+([^\r\n]*))?$/i;

/**
 * The status line of a message/sipfrag body (RFC 3420), as NOTIFYs for a REFER carry it (RFC 3515 §2.4.5):
 * `SIP/2.0 200 OK`, possibly followed by header lines. Undefined for an empty body, a request line or
 * another SIP version.
 */
export function parseSipfrag(body: string): SipfragStatus | undefined {
  if (typeof body !== 'string') return undefined;
  const firstLine = body.replace(/^[\s\uFEFF]+/, '').split(/\r\n|\r|\n/)[0] ?? '';
  const match = SIPFRAG_STATUS_LINE.exec(firstLine.trimEnd());
  if (!match?.[1]) return undefined;
  return { status: Number(match[1]), reason: (match[2] ?? '').trim() };
}

// ---------------------------------------------------------------------------------------------------------
// Intercom / auto-answer hints

export interface AutoAnswerHeaders {
  alertInfo?: readonly string[];
  callInfo?: readonly string[];
}

/** Longest delay taken from a header; a larger number is more likely garbage than a real setting. */
const MAX_ANSWER_DELAY = 3600;

function delaySeconds(value: string | undefined): number | undefined {
  if (value === undefined || !/^[0-9]{1,5}$/.test(value)) return undefined;
  const n = Number(value);
  return n <= MAX_ANSWER_DELAY ? n : undefined;
}

/**
 * The parameters of a Call-Info / Alert-Info element, also when the element has no <uri> at all: PBX
 * dial plans commonly send `Call-Info: answer-after=0` or `Call-Info: ;answer-after=0`.
 */
function elementParams(element: string): Record<string, string> | undefined {
  const addr = parseNameAddr(element);
  if (addr) return addr.params;
  return parseParams(`;${element.trim().replace(/^;/, '')}`);
}

/** lower case, letters and digits only: `Auto Answer`, `auto-answer` and `AutoAnswer` all read `autoanswer` */
function normalizeHint(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]/g, '');
}

/** Alert-Info `info=` values and bare Alert-Info texts that mean "answer by itself". */
const AUTO_ANSWER_HINTS: ReadonlySet<string> = new Set([
  'alertautoanswer',
  'autoanswer',
  'intercom',
  'alertintercom',
  'ringanswer',
]);

function listElements(values: readonly string[] | undefined): string[] {
  if (!Array.isArray(values)) return [];
  return values.filter((v): v is string => typeof v === 'string').flatMap(splitHeaderList);
}

/**
 * Seconds after which an incoming call asks to be answered automatically (0 = at once), or undefined when
 * it does not. Recognised forms:
 *
 * - `Call-Info: <sip:pbx.example>;answer-after=N` — Broadsoft, Polycom, Snom, Yealink, Cisco SPA; also
 *   without the URI (`Call-Info: answer-after=0`, `Call-Info: ;answer-after=0`), as Asterisk dial plans send;
 * - `Alert-Info: <http://…>;info=alert-autoanswer[;delay=N]` — Polycom, Yealink, Snom, Aastra; the `info`
 *   values `alert-autoanswer`, `autoanswer`, `auto-answer`, `intercom` and `alert-intercom` are accepted,
 *   also without a URI (`Alert-Info: info=alert-autoanswer`);
 * - a bare Alert-Info text `Auto Answer`, `Ring Answer` (FreePBX paging for Polycom/Cisco), `autoanswer`
 *   or `intercom` — case, spaces and dashes do not matter.
 *
 * Delays above an hour are ignored. When several hints are present the shortest delay wins, so a page is
 * never held back by a redundant header. This only reads the request: whether to honour it (only from the
 * PBX, only when the user allows intercom) is the call layer's policy, since anyone able to reach the phone
 * could otherwise open its microphone.
 */
export function answerAfter(headers: AutoAnswerHeaders): number | undefined {
  const delays: number[] = [];
  for (const element of listElements(headers.callInfo)) {
    const delay = delaySeconds(elementParams(element)?.['answer-after']);
    if (delay !== undefined) delays.push(delay);
  }
  for (const element of listElements(headers.alertInfo)) {
    if (AUTO_ANSWER_HINTS.has(normalizeHint(element))) {
      delays.push(0);
      continue;
    }
    const params = elementParams(element);
    const info = params?.info;
    if (info === undefined || !AUTO_ANSWER_HINTS.has(normalizeHint(info))) continue;
    const delay = params?.delay === undefined ? 0 : delaySeconds(params.delay);
    if (delay !== undefined) delays.push(delay);
  }
  return delays.length === 0 ? undefined : Math.min(...delays);
}

// ---------------------------------------------------------------------------------------------------------
// Failure texts

/** Texts for final failure responses, written for the phone's screen rather than for engineers. */
const FAILURE_TEXTS: Readonly<Record<number, string>> = {
  401: 'Not authorized',
  402: 'Payment required',
  403: 'Not allowed',
  404: 'Number not found',
  407: 'Not authorized',
  408: 'No answer',
  410: 'Number no longer in use',
  415: 'Call type not supported',
  433: 'Anonymous calls not accepted',
  480: 'Not available',
  484: 'Incomplete number',
  485: 'Ambiguous number',
  486: 'Busy',
  487: 'Call cancelled',
  488: 'Call type not supported',
  600: 'Busy everywhere',
  603: 'Declined',
  604: 'Number not found',
  606: 'Call type not supported',
  607: 'Unwanted call',
  608: 'Call rejected',
};

/** Longest Reason text shown as is; longer texts are engineering detail, not a message for the screen. */
const MAX_REASON_TEXT = 40;

/** Printable: no control, format (e.g. bidi override) or line/paragraph separator characters. */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u;

function reasonHeaderText(reason: string | readonly string[] | undefined): string | undefined {
  const values = typeof reason === 'string' ? [reason] : Array.isArray(reason) ? reason : [];
  for (const element of listElements(values)) {
    // Reason = protocol *(SEMI reason-params), e.g. `Q.850;cause=17;text="User busy"` (RFC 3326 §2)
    const semi = element.indexOf(';');
    if (semi < 0) continue;
    const text = parseParams(element.slice(semi))?.text?.trim();
    if (text && [...text].length <= MAX_REASON_TEXT && !UNPRINTABLE.test(text)) return text;
  }
  return undefined;
}

/**
 * A short text for the screen explaining why a call failed, for a final failure status (300-699):
 * the `text` of a Reason header (RFC 3326) when one is passed and it is printable and at most 40
 * characters, else the text for the status (404 "Number not found", 486 "Busy", …), else the class:
 * 3xx "Redirected" (only seen when the redirect could not be followed), 4xx "Call failed",
 * 5xx "Network problem", 6xx "Declined everywhere". Undefined for anything but an integer 300-699.
 */
export function reasonText(status: number, reason?: string | readonly string[]): string | undefined {
  if (!Number.isInteger(status) || status < 300 || status > 699) return undefined;
  const fromHeader = reasonHeaderText(reason);
  if (fromHeader !== undefined) return fromHeader;
  const specific = FAILURE_TEXTS[status];
  if (specific !== undefined) return specific;
  if (status < 400) return 'Redirected';
  if (status < 500) return 'Call failed';
  if (status < 600) return 'Network problem';
  return 'Declined everywhere';
}
