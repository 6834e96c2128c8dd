/**
 * Parser for the head of one SIP message: start line and header fields, no body (RFC 3261 §7).
 *
 * Used by the stream framer (to find where a message ends and whether it is well-formed enough to hand to
 * JsSIP), by the response router and by the outgoing-message rewriter. It is deliberately strict — JsSIP's
 * own parser silently drops what it cannot read and never answers — so that a bad request is caught here
 * and answered 400/505 (see bad-request.ts) instead of vanishing:
 *
 * - lines end in CRLF only; a bare CR or LF, or a NUL, anywhere in the head is an error (also what keeps a
 *   rewritten header from smuggling in another one);
 * - the start line has exactly one SP between its parts; SIP-Version is `SIP/<digits>.<digits>`, and
 *   anything but SIP/2.0 is an error that still carries the parsed head (a request gets 505 for it);
 * - method and header names are RFC 3261 tokens, status codes 100-699, the Request-URI an absolute URI
 *   of visible ASCII;
 * - Content-Length is one non-negative decimal integer (repeated equal values are accepted, as RFC 7230
 *   §3.3.2 does for HTTP; different ones are an error: the message length would be ambiguous);
 * - CSeq is `number method` with number < 2^31 (§8.1.1.5), and in a request its method is the request's;
 * - Call-ID, From, To and CSeq appear at most once (they are not list headers, §7.3.1).
 *
 * Line folding (a line starting with SP/HT continues the previous field, §7.3.1) is undone: the CRLF and the
 * continuation's leading white space become one SP. Only the first error is reported; parsing goes on
 * after it so that the error still carries every header that could be read (a 400 needs Via, From, To,
 * Call-ID and CSeq, and the framer needs Content-Length to know where the next message starts).
 */

export interface HeaderField {
  /** the name as written, e.g. `v` or `CALL-ID` */
  readonly name: string;
  /** lower-case long form: `via`, `call-id`, … (compact forms expanded) */
  readonly canonical: string;
  /** trimmed, with line folding undone */
  readonly value: string;
}

export interface RequestHead {
  readonly kind: 'request';
  readonly method: string;
  readonly requestUri: string;
  readonly version: string;
  readonly headers: readonly HeaderField[];
}

export interface ResponseHead {
  readonly kind: 'response';
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  readonly headers: readonly HeaderField[];
}

export type ParsedHead = RequestHead | ResponseHead;

/** Status a request with this error should be answered with (responses are never answered). */
export type HeadErrorStatus = 400 | 413 | 505 | 513;

export interface HeadError {
  readonly kind: 'error';
  /** human-readable, single line, bounded: usable as a 400's reason phrase (RFC 3261 §21.4.1) */
  readonly reason: string;
  readonly status: HeadErrorStatus;
  /** present when the start line parsed: enough to address an error response if the headers allow */
  readonly head?: ParsedHead;
  /** every header field that could be read, even when the start line could not */
  readonly headers: readonly HeaderField[];
}

/** Anything with a header list: a ParsedHead, or a HeadError's headers. */
export interface HasHeaders {
  readonly headers: readonly HeaderField[];
}

/** RFC 3261 §7.3.3 and the registrations that followed (RFC 3265, 3515, 3892, 3903, 4028, 3841, 4474). */
const COMPACT_FORMS: Readonly<Record<string, string>> = {
  i: 'call-id',
  l: 'content-length',
  v: 'via',
  f: 'from',
  t: 'to',
  m: 'contact',
  c: 'content-type',
  e: 'content-encoding',
  k: 'supported',
  s: 'subject',
  o: 'event',
  r: 'refer-to',
  b: 'referred-by',
  u: 'allow-events',
  x: 'session-expires',
  a: 'accept-contact',
  j: 'reject-contact',
  d: 'request-disposition',
  y: 'identity',
  n: 'identity-info',
};

/** Lower-case long form of a header name: `L` → `content-length`, `Call-ID` → `call-id`. */
export function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT_FORMS[lower] ?? lower;
}

// token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")  (RFC 3261 §25.1)
const TOKEN_CHARS = ((): Uint8Array => {
  const table = new Uint8Array(128);
  const extra = "-.!%*_+`'~";
  for (let c = 0; c < 128; c++) {
    const ch = String.fromCharCode(c);
    if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || extra.includes(ch)) {
      table[c] = 1;
    }
  }
  return table;
})();

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128 || TOKEN_CHARS[c] !== 1) return false;
  }
  return true;
}

const SIP_VERSION = /^SIP\/[0-9]+\.[0-9]+$/i;
// absoluteURI / SIP-URI: a scheme, a colon, then visible ASCII only (escaped as RFC 3986 wants)
const REQUEST_URI = /^[A-Za-z][A-Za-z0-9+.-]*:[\x21-\x7e]+$/;
const STATUS_CODE = /^[1-6][0-9][0-9]$/;
const CONTENT_LENGTH = /^[0-9]{1,15}$/;
const CSEQ = /^([0-9]{1,10})[ \t]+(\S+)$/;
/** header fields that must not repeat: the message would be ambiguous (RFC 3261 §7.3.1, §8.1.1) */
const SINGLETONS = ['call-id', 'from', 'to', 'cseq'] as const;

const CSEQ_LIMIT = 2 ** 31;

/** A short, printable excerpt of offending input for an error reason (which may become a reason phrase). */
function excerpt(s: string, max = 40): string {
  let out = '';
  for (const ch of s) {
    if (out.length >= max) return `${out}…`;
    const c = ch.codePointAt(0) ?? 0;
    out += c < 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) ? '?' : ch;
  }
  return out;
}

function isWsp(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

function trimWsp(s: string): string {
  let start = 0;
  let end = s.length;
  while (start < end && isWsp(s.charCodeAt(start))) start++;
  while (end > start && isWsp(s.charCodeAt(end - 1))) end--;
  return start === 0 && end === s.length ? s : s.slice(start, end);
}

/** Why a line cannot be part of a head, if it cannot: CR/LF are line ends only, NUL is never text. */
function badLineChar(line: string): string | undefined {
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 0x0d || c === 0x0a) return 'bare CR or LF in message head';
    if (c === 0) return 'NUL byte in message head';
  }
  return undefined;
}

type StartLine =
  | { kind: 'request'; method: string; requestUri: string; version: string }
  | { kind: 'response'; status: number; reason: string; version: string };

function parseStartLine(line: string): StartLine | undefined {
  if (badLineChar(line)) return undefined;
  const sp1 = line.indexOf(' ');
  if (sp1 <= 0) return undefined;
  const first = line.slice(0, sp1);
  if (SIP_VERSION.test(first)) {
    // Status-Line = SIP-Version SP Status-Code SP Reason-Phrase (the second SP is required, the phrase may be empty)
    const sp2 = line.indexOf(' ', sp1 + 1);
    if (sp2 < 0) return undefined;
    const code = line.slice(sp1 + 1, sp2);
    if (!STATUS_CODE.test(code)) return undefined;
    const reason = line.slice(sp2 + 1);
    for (let i = 0; i < reason.length; i++) {
      const c = reason.charCodeAt(i);
      if ((c < 0x20 && c !== 0x09) || c === 0x7f) return undefined;
    }
    return { kind: 'response', status: Number(code), reason, version: first };
  }
  // Request-Line = Method SP Request-URI SP SIP-Version
  const sp2 = line.indexOf(' ', sp1 + 1);
  if (sp2 < 0 || line.indexOf(' ', sp2 + 1) >= 0) return undefined;
  const requestUri = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(first) || !REQUEST_URI.test(requestUri) || !SIP_VERSION.test(version)) return undefined;
  return { kind: 'request', method: first, requestUri, version };
}

/** Header fields of the lines after the start line, with the first problem met (if any). */
function parseFields(text: string, from: number): { headers: HeaderField[]; error: string | undefined } {
  const headers: HeaderField[] = [];
  let error: string | undefined;
  // the field being built: continuation lines are appended to it; null after a line that was rejected,
  // so that its continuations are dropped with it
  let name: string | null = null;
  let value = '';
  const flush = (): void => {
    if (name !== null) headers.push({ name, canonical: canonicalName(name), value });
    name = null;
  };
  let pos = from;
  let continuable = false;
  while (pos < text.length) {
    let eol = text.indexOf('\r\n', pos);
    if (eol < 0) eol = text.length;
    const line = text.slice(pos, eol);
    pos = eol + 2;
    const bad = badLineChar(line);
    if (bad) {
      error ??= bad;
      flush();
      continuable = false;
      continue;
    }
    if (line.length > 0 && isWsp(line.charCodeAt(0))) {
      if (!continuable) {
        error ??= 'continuation line without header field';
        continue;
      }
      const more = trimWsp(line);
      if (name !== null && more.length > 0) value = value.length > 0 ? `${value} ${more}` : more;
      continue;
    }
    flush();
    continuable = true;
    const colon = line.indexOf(':');
    if (colon < 0) {
      error ??= `header line without colon: ${excerpt(line)}`;
      continue;
    }
    const rawName = trimWsp(line.slice(0, colon));
    if (!isToken(rawName)) {
      error ??= `invalid header name: ${excerpt(line.slice(0, colon))}`;
      continue;
    }
    name = rawName;
    value = trimWsp(line.slice(colon + 1));
  }
  flush();
  return { headers, error };
}

export type ContentLength =
  | { readonly kind: 'absent' }
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'invalid'; readonly reason: string };

/**
 * The Content-Length of a head (long or compact form). Repeated equal values count as one; a value that is
 * not a plain decimal integer, or two different values, make it invalid: the framer then cannot know where
 * the message ends.
 */
export function contentLengthOf(h: HasHeaders): ContentLength {
  let found: number | undefined;
  for (const f of h.headers) {
    if (f.canonical !== 'content-length') continue;
    if (!CONTENT_LENGTH.test(f.value)) return { kind: 'invalid', reason: 'invalid Content-Length' };
    const n = Number(f.value);
    if (found !== undefined && found !== n) return { kind: 'invalid', reason: 'conflicting Content-Length values' };
    found = n;
  }
  return found === undefined ? { kind: 'absent' } : { kind: 'value', value: found };
}

export interface CSeq {
  readonly seq: number;
  readonly method: string;
}

/** `CSeq: 1*DIGIT LWS Method` with the number below 2^31 (RFC 3261 §8.1.1.5, §20.16). */
export function parseCSeq(value: string): CSeq | undefined {
  const m = CSEQ.exec(trimWsp(value));
  if (!m?.[1] || !m[2] || !isToken(m[2])) return undefined;
  const seq = Number(m[1]);
  return seq < CSEQ_LIMIT ? { seq, method: m[2] } : undefined;
}

/** The first semantic problem of a head whose lines all parsed. */
function validate(start: StartLine, headers: readonly HeaderField[]): string | undefined {
  const cl = contentLengthOf({ headers });
  if (cl.kind === 'invalid') return cl.reason;
  for (const single of SINGLETONS) {
    let count = 0;
    for (const f of headers) if (f.canonical === single) count++;
    if (count > 1) return `multiple ${single} header fields`;
  }
  const cseqValue = get({ headers }, 'cseq');
  if (cseqValue !== undefined) {
    const cseq = parseCSeq(cseqValue);
    if (!cseq) return 'invalid CSeq';
    if (start.kind === 'request' && cseq.method !== start.method) return 'CSeq method does not match request method';
  }
  return undefined;
}

/**
 * Parses the head of one SIP message. `head` may end with its blank line or not; anything after the first
 * blank line (CRLF CRLF) is the body and is ignored, so a whole message may be passed too.
 */
export function parseHead(head: string): ParsedHead | HeadError {
  let end = head.indexOf('\r\n\r\n');
  if (end < 0) end = head.endsWith('\r\n') ? head.length - 2 : head.length;
  const text = end === head.length ? head : head.slice(0, end);
  let eol = text.indexOf('\r\n');
  if (eol < 0) eol = text.length;
  const startText = text.slice(0, eol);
  const { headers, error: lineError } = parseFields(text, eol + 2);
  const start = parseStartLine(startText);
  if (!start) {
    const reason = startText.length === 0 ? 'empty message head' : `malformed start line: ${excerpt(startText)}`;
    return { kind: 'error', reason, status: 400, headers };
  }
  const parsed: ParsedHead =
    start.kind === 'request'
      ? { kind: 'request', method: start.method, requestUri: start.requestUri, version: start.version, headers }
      : { kind: 'response', status: start.status, reason: start.reason, version: start.version, headers };
  if (start.version.toUpperCase() !== 'SIP/2.0') {
    // RFC 3261 §21.5.6: a request in a version we do not speak is answered 505; its other faults are moot
    const status = start.kind === 'request' ? 505 : 400;
    return { kind: 'error', reason: `unsupported SIP version: ${excerpt(start.version)}`, status, head: parsed, headers };
  }
  const error = lineError ?? validate(start, headers);
  return error === undefined ? parsed : { kind: 'error', reason: error, status: 400, head: parsed, headers };
}

export function isHeadError(r: ParsedHead | HeadError): r is HeadError {
  return r.kind === 'error';
}

/** Value of the first field named `name` (any spelling: `l`, `Content-Length`, `content-length`). */
export function get(head: HasHeaders, name: string): string | undefined {
  const canonical = canonicalName(name);
  for (const f of head.headers) if (f.canonical === canonical) return f.value;
  return undefined;
}

/** Values of every field named `name`, in order, one entry per header line (lists are not split). */
export function getAll(head: HasHeaders, name: string): string[] {
  const canonical = canonicalName(name);
  const out: string[] = [];
  for (const f of head.headers) if (f.canonical === canonical) out.push(f.value);
  return out;
}

/** Every element of a list header (Via, Contact, Route, …) across all its lines, in order. */
export function getList(head: HasHeaders, name: string): string[] {
  return getAll(head, name).flatMap(splitHeaderValues);
}

/**
 * Splits a comma-separated header value into its elements (RFC 3261 §7.3.1), leaving commas inside
 * quoted strings (with backslash escapes) and inside <...> alone; elements are trimmed, empty ones dropped.
 * Only for headers whose grammar is a list: Date or an Authorization's parameters also contain commas.
 */
export function splitHeaderValues(value: string): string[] {
  const out: string[] = [];
  let inQuotes = false;
  let inAngle = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (inQuotes) {
      if (c === 0x5c) i++; // quoted-pair: the next character is literal
      else if (c === 0x22) inQuotes = false;
    } else if (c === 0x22) {
      inQuotes = true;
    } else if (c === 0x3c) {
      inAngle = true;
    } else if (c === 0x3e) {
      inAngle = false;
    } else if (c === 0x2c && !inAngle) {
      const item = trimWsp(value.slice(start, i));
      if (item) out.push(item);
      start = i + 1;
    }
  }
  const last = trimWsp(value.slice(start));
  if (last) out.push(last);
  return out;
}
