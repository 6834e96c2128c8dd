// SIP messages for the dev PBX (RFC 3261 section 7): parse from bytes, serialize back, read and edit headers.
// Deliberately independent of the phone's SIP code (src/sip): the PBX must test the phone, not agree with it
// by sharing its bugs. Parsing never throws: bad input comes back as a ParseFailure with a reason (and, when
// the start line and Via were readable, the partial request, so the caller can still answer 400).

export interface Header {
  /** Full canonical name (compact forms expanded): 'Via', 'Call-ID', 'Contact', ... */
  name: string;
  value: string;
}

interface MessageBase {
  headers: Header[];
  body: Buffer;
}

export interface SipRequest extends MessageBase {
  kind: 'request';
  method: string;
  uri: string;
}

export interface SipResponse extends MessageBase {
  kind: 'response';
  status: number;
  reason: string;
}

export type SipMessage = SipRequest | SipResponse;

export type ParseResult =
  | { ok: true; message: SipMessage }
  | { ok: false; reason: string; partial?: SipRequest };

/** Limits that keep a hostile peer from making us buffer without end. */
export const MAX_MESSAGE_BYTES = 65_535;
export const MAX_HEADER_BYTES = 16_384;
const MAX_HEADERS = 200;

const COMPACT: Record<string, string> = {
  i: 'Call-ID', m: 'Contact', e: 'Content-Encoding', l: 'Content-Length', c: 'Content-Type', f: 'From',
  s: 'Subject', k: 'Supported', t: 'To', v: 'Via', o: 'Event', u: 'Allow-Events', r: 'Refer-To', b: 'Referred-By',
  x: 'Session-Expires', a: 'Accept-Contact', j: 'Reject-Contact', d: 'Request-Disposition',
};

const CANONICAL = new Map<string, string>(
  [
    'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Route', 'Record-Route', 'Content-Length',
    'Content-Type', 'Expires', 'Min-Expires', 'Event', 'Allow-Events', 'Allow', 'Supported', 'Require', 'Path',
    'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Subscription-State',
    'SIP-ETag', 'SIP-If-Match', 'User-Agent', 'Server', 'Accept', 'Unsupported', 'Retry-After', 'Refer-To',
    'Referred-By', 'Session-Expires', 'Warning', 'Date', 'Timestamp', 'Flow-Timer', 'Proxy-Require',
  ].map((n) => [n.toLowerCase(), n]),
);

export function canonicalName(name: string): string {
  const lower = name.trim().toLowerCase();
  return COMPACT[lower] ?? CANONICAL.get(lower) ?? name.trim();
}

/** Headers whose value may be a comma-separated list of entries (RFC 3261 7.3.1). */
const LIST_HEADERS = new Set(['via', 'route', 'record-route', 'contact', 'path', 'supported', 'require', 'allow', 'allow-events', 'proxy-require', 'unsupported']);

const TOKEN_RE = /^[A-Za-z0-9\-.!%*_+`'~]+$/;

// ---- header access

export function getHeader(msg: MessageBase, name: string): string | undefined {
  const want = canonicalName(name).toLowerCase();
  return msg.headers.find((h) => h.name.toLowerCase() === want)?.value;
}

/** Every entry of a header, across repeated header lines and comma-separated lists. */
export function getHeaderValues(msg: MessageBase, name: string): string[] {
  const want = canonicalName(name).toLowerCase();
  const out: string[] = [];
  for (const h of msg.headers) {
    if (h.name.toLowerCase() !== want) continue;
    if (LIST_HEADERS.has(want)) out.push(...splitList(h.value));
    else out.push(h.value);
  }
  return out;
}

export function setHeader(msg: MessageBase, name: string, value: string): void {
  removeHeader(msg, name);
  msg.headers.push({ name: canonicalName(name), value });
}

export function addHeader(msg: MessageBase, name: string, value: string, first = false): void {
  const h = { name: canonicalName(name), value };
  if (first) msg.headers.unshift(h);
  else msg.headers.push(h);
}

export function removeHeader(msg: MessageBase, name: string): void {
  const want = canonicalName(name).toLowerCase();
  msg.headers = msg.headers.filter((h) => h.name.toLowerCase() !== want);
}

/** Replaces all lines of a list header by one line per entry (so the first entry can be dropped or read). */
export function setHeaderValues(msg: MessageBase, name: string, values: string[]): void {
  const canonical = canonicalName(name);
  const at = msg.headers.findIndex((h) => h.name.toLowerCase() === canonical.toLowerCase());
  removeHeader(msg, name);
  const lines = values.map((value) => ({ name: canonical, value }));
  msg.headers.splice(at < 0 ? msg.headers.length : at, 0, ...lines);
}

/** Splits on commas outside quotes and <...> (a comma may sit inside a URI or a quoted display name). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i];
    if (quoted) {
      if (ch === '\\') i++;
      else if (ch === '"') quoted = false;
    } else if (ch === '"') quoted = true;
    else if (ch === '<') depth++;
    else if (ch === '>') depth = Math.max(0, depth - 1);
    else if (ch === ',' && depth === 0) {
      out.push(value.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(value.slice(start).trim());
  return out.filter((v) => v.length > 0);
}

// ---- URIs and name-addr

export interface SipUri {
  scheme: 'sip' | 'sips';
  user?: string;
  host: string;
  port?: number;
  /** Parameters, names lowercased; a parameter without value maps to ''. */
  params: Map<string, string>;
  /** Raw `?headers` part, if any. */
  headers?: string;
}

export function parseUri(text: string): SipUri | undefined {
  const m = /^(sips?):(?:([^@;?]*)@)?(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._]+)(?::(\d{1,5}))?((?:;[^?]*)?)(?:\?(.*))?$/i.exec(text.trim());
  if (!m) return undefined;
  const port = m[4] !== undefined ? Number(m[4]) : undefined;
  if (port !== undefined && (port < 1 || port > 65535)) return undefined;
  const uri: SipUri = { scheme: m[1]!.toLowerCase() as 'sip' | 'sips', host: m[3]!.toLowerCase(), params: parseParams(m[5] ?? '') };
  if (m[2] !== undefined) uri.user = m[2];
  if (port !== undefined) uri.port = port;
  if (m[6] !== undefined) uri.headers = m[6];
  return uri;
}

export function formatUri(u: SipUri): string {
  let s = `${u.scheme}:${u.user !== undefined ? `${u.user}@` : ''}${u.host}${u.port !== undefined ? `:${u.port}` : ''}`;
  for (const [k, v] of u.params) s += v === '' ? `;${k}` : `;${k}=${v}`;
  if (u.headers !== undefined) s += `?${u.headers}`;
  return s;
}

/** `;a=1;b;c="x"` → Map (names lowercased, values as written). */
export function parseParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const part of splitParams(text)) {
    const eq = part.indexOf('=');
    const name = (eq < 0 ? part : part.slice(0, eq)).trim().toLowerCase();
    if (name) params.set(name, eq < 0 ? '' : part.slice(eq + 1).trim());
  }
  return params;
}

/** Splits `;a=1;b="x;y"` on semicolons outside quotes. */
function splitParams(text: string): string[] {
  const out: string[] = [];
  let quoted = false;
  let cur = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"') quoted = false;
      cur += ch;
    } else if (ch === '"') {
      quoted = true;
      cur += ch;
    } else if (ch === ';') {
      if (cur.trim()) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (cur.trim()) out.push(cur);
  return out;
}

export function unquote(v: string): string {
  return v.length >= 2 && v.startsWith('"') && v.endsWith('"') ? v.slice(1, -1).replace(/\\(.)/g, '$1') : v;
}

export interface NameAddr {
  display?: string;
  /** The URI text as written (between < > when it was bracketed). */
  uri: string;
  /** Header parameters (outside the URI): tag, expires, +sip.instance, reg-id, ... */
  params: Map<string, string>;
}

/** name-addr or addr-spec with header params (From, To, Contact, Route entries). */
export function parseNameAddr(text: string): NameAddr | undefined {
  const t = text.trim();
  const lt = findUnquoted(t, '<');
  if (lt >= 0) {
    const gt = t.indexOf('>', lt);
    if (gt < 0) return undefined;
    const display = t.slice(0, lt).trim();
    const result: NameAddr = { uri: t.slice(lt + 1, gt).trim(), params: parseParams(t.slice(gt + 1)) };
    if (display) result.display = unquote(display);
    return result.uri ? result : undefined;
  }
  // addr-spec: parameters after the URI belong to the header, not the URI (RFC 3261 20.10)
  const semi = t.indexOf(';');
  const uri = (semi < 0 ? t : t.slice(0, semi)).trim();
  if (!uri || uri.includes(' ')) return undefined;
  return { uri, params: parseParams(semi < 0 ? '' : t.slice(semi)) };
}

function findUnquoted(t: string, ch: string): number {
  let quoted = false;
  for (let i = 0; i < t.length; i++) {
    if (t[i] === '"' && t[i - 1] !== '\\') quoted = !quoted;
    else if (!quoted && t[i] === ch) return i;
  }
  return -1;
}

export function formatNameAddr(a: NameAddr): string {
  let s = `${a.display !== undefined ? `"${a.display.replace(/(["\\])/g, '\\$1')}" ` : ''}<${a.uri}>`;
  for (const [k, v] of a.params) s += v === '' ? `;${k}` : `;${k}=${v}`;
  return s;
}

export function tagOf(headerValue: string | undefined): string | undefined {
  if (headerValue === undefined) return undefined;
  return parseNameAddr(headerValue)?.params.get('tag') || undefined;
}

// ---- Via

export interface Via {
  transport: string;
  host: string;
  port?: number;
  params: Map<string, string>;
}

export function parseVia(text: string): Via | undefined {
  const m = /^SIP\s*\/\s*2\.0\s*\/\s*([A-Za-z]+)\s+(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._]+)(?:\s*:\s*(\d{1,5}))?\s*((?:;.*)?)$/i.exec(text.trim());
  if (!m) return undefined;
  const via: Via = { transport: m[1]!.toUpperCase(), host: m[2]!, params: parseParams(m[4] ?? '') };
  if (m[3] !== undefined) via.port = Number(m[3]);
  return via;
}

export function formatVia(v: Via): string {
  let s = `SIP/2.0/${v.transport} ${v.host}${v.port !== undefined ? `:${v.port}` : ''}`;
  for (const [k, val] of v.params) s += val === '' ? `;${k}` : `;${k}=${val}`;
  return s;
}

export function parseCSeq(value: string | undefined): { seq: number; method: string } | undefined {
  const m = /^\s*(\d{1,10})\s+([A-Za-z0-9\-.!%*_+`'~]+)\s*$/.exec(value ?? '');
  if (!m) return undefined;
  const seq = Number(m[1]);
  return seq < 2 ** 31 ? { seq, method: m[2]! } : undefined;
}

// ---- parsing

const REQUEST_LINE = /^([A-Za-z0-9\-.!%*_+`'~]+) (\S+) SIP\/2\.0$/;
const STATUS_LINE = /^SIP\/2\.0 ([1-6]\d\d) ?(.*)$/;

/**
 * One whole message (a UDP datagram, or what the stream framer cut out). Checks what every later step relies
 * on: the start line, Via, From, To, Call-ID, CSeq (with the request's method), Content-Length vs. body.
 */
export function parseMessage(input: Buffer): ParseResult {
  if (input.length > MAX_MESSAGE_BYTES) return { ok: false, reason: 'Message Too Large' };
  // RFC 3261 7.5: CRLFs before the start line are ignored.
  let skip = 0;
  while (skip < input.length && (input[skip] === 0x0d || input[skip] === 0x0a)) skip++;
  const data = skip > 0 ? input.subarray(skip) : input;
  const end = data.indexOf('\r\n\r\n');
  // Tolerate bare LF line ends (some tools send them); the body starts after the first empty line.
  const lfEnd = end < 0 ? data.indexOf('\n\n') : -1;
  if (end < 0 && lfEnd < 0) return { ok: false, reason: 'No end of headers' };
  const headEnd = end >= 0 ? end : lfEnd;
  const bodyStart = end >= 0 ? end + 4 : lfEnd + 2;
  if (headEnd > MAX_HEADER_BYTES) return { ok: false, reason: 'Headers too long' };
  const head = data.subarray(0, headEnd).toString('latin1');
  if (/[\0]/.test(head)) return { ok: false, reason: 'NUL byte in headers' };
  const lines = head.split(/\r?\n/);
  const startLine = lines.shift() ?? '';

  const headers: Header[] = [];
  // A bad line does not stop the parse: the rest may still hold the Via needed to answer 400.
  let headerError: string | undefined;
  for (const line of lines) {
    if (/^[ \t]/.test(line)) {
      // folded continuation line (RFC 3261 7.3.1)
      const last = headers.at(-1);
      if (!last) {
        headerError ??= 'Continuation line without a header';
        continue;
      }
      last.value += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon < 0 ? '' : line.slice(0, colon).trim();
    if (!name || !TOKEN_RE.test(name)) {
      headerError ??= `Malformed header line "${printable(line)}"`;
      continue;
    }
    headers.push({ name: canonicalName(name), value: line.slice(colon + 1).trim() });
    if (headers.length > MAX_HEADERS) return { ok: false, reason: 'Too many headers' };
  }

  let message: SipMessage;
  const req = REQUEST_LINE.exec(startLine);
  const res = req ? null : STATUS_LINE.exec(startLine);
  if (req) {
    message = { kind: 'request', method: req[1]!.toUpperCase(), uri: req[2]!, headers, body: Buffer.alloc(0) };
  } else if (res) {
    message = { kind: 'response', status: Number(res[1]), reason: res[2] ?? '', headers, body: Buffer.alloc(0) };
  } else {
    return { ok: false, reason: `Malformed start line "${printable(startLine)}"` };
  }
  const fail = (reason: string): ParseResult =>
    message.kind === 'request' && getHeader(message, 'Via') !== undefined && parseVia(splitList(getHeader(message, 'Via')!)[0] ?? '')
      ? { ok: false, reason, partial: message }
      : { ok: false, reason };

  if (headerError !== undefined) return fail(headerError);
  const rawBody = data.subarray(bodyStart);
  const cl = getHeader(message, 'Content-Length');
  if (cl !== undefined) {
    if (!/^\d{1,9}$/.test(cl)) return fail('Bad Content-Length');
    const n = Number(cl);
    if (n > rawBody.length) return fail('Content-Length larger than the body');
    message.body = Buffer.from(rawBody.subarray(0, n));
  } else {
    message.body = Buffer.from(rawBody);
  }

  const vias = getHeaderValues(message, 'Via');
  if (vias.length === 0) return { ok: false, reason: 'Missing Via' };
  // Without a readable Via there is nowhere to send an answer: no partial request for a 400.
  if (vias.some((v) => parseVia(v) === undefined)) return { ok: false, reason: 'Malformed Via' };
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    if (getHeader(message, name) === undefined) return fail(`Missing ${name}`);
  }
  for (const name of ['From', 'To', 'Call-ID', 'CSeq', 'Max-Forwards', 'Content-Length']) {
    if (headers.filter((h) => h.name === name).length > 1) return fail(`Duplicate ${name}`);
  }
  if (parseNameAddr(getHeader(message, 'From')!) === undefined) return fail('Malformed From');
  if (parseNameAddr(getHeader(message, 'To')!) === undefined) return fail('Malformed To');
  const cseq = parseCSeq(getHeader(message, 'CSeq'));
  if (!cseq) return fail('Malformed CSeq');
  if (message.kind === 'request') {
    if (cseq.method.toUpperCase() !== message.method) return fail('CSeq method does not match the request');
    if (!/^(sips?|tel):/i.test(message.uri)) return fail('Unsupported Request-URI scheme');
    if (/^sips?:/i.test(message.uri) && parseUri(message.uri) === undefined) return fail('Malformed Request-URI');
    const mf = getHeader(message, 'Max-Forwards');
    if (mf !== undefined && !/^\d{1,3}$/.test(mf)) return fail('Bad Max-Forwards');
  }
  return { ok: true, message };
}

function printable(s: string): string {
  const cut = s.length > 60 ? s.slice(0, 60) + '…' : s;
  return cut.replace(/[^\x20-\x7e]/g, '?');
}

// ---- serializing

/** Start line, headers (Content-Length always recomputed), empty line, body. */
export function serialize(msg: SipMessage): Buffer {
  const start = msg.kind === 'request' ? `${msg.method} ${msg.uri} SIP/2.0` : `SIP/2.0 ${msg.status} ${msg.reason}`;
  const lines = [start];
  for (const h of msg.headers) if (h.name.toLowerCase() !== 'content-length') lines.push(`${h.name}: ${h.value}`);
  lines.push(`Content-Length: ${msg.body.length}`);
  return Buffer.concat([Buffer.from(lines.join('\r\n') + '\r\n\r\n', 'latin1'), msg.body]);
}

export function cloneMessage<T extends SipMessage>(msg: T): T {
  return { ...msg, headers: msg.headers.map((h) => ({ ...h })), body: Buffer.from(msg.body) };
}

const REASONS: Record<number, string> = {
  100: 'Trying', 180: 'Ringing', 200: 'OK', 202: 'Accepted', 400: 'Bad Request', 401: 'Unauthorized', 403: 'Forbidden',
  404: 'Not Found', 405: 'Method Not Allowed', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  412: 'Conditional Request Failed', 415: 'Unsupported Media Type', 420: 'Bad Extension', 423: 'Interval Too Brief',
  480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected', 483: 'Too Many Hops',
  487: 'Request Terminated', 489: 'Bad Event', 500: 'Server Internal Error', 501: 'Not Implemented',
  503: 'Service Unavailable', 513: 'Message Too Large',
};

export function reasonPhrase(status: number): string {
  return REASONS[status] ?? (status < 300 ? 'OK' : 'Error');
}

/**
 * A response to `req` (RFC 3261 8.2.6): Via, From, To, Call-ID and CSeq copied; a To tag added to a final
 * answer when the request had none and `toTag` is given.
 */
export function makeResponse(req: SipRequest, status: number, reason = reasonPhrase(status), toTag?: string): SipResponse {
  const res: SipResponse = { kind: 'response', status, reason, headers: [], body: Buffer.alloc(0) };
  for (const v of getHeaderValues(req, 'Via')) addHeader(res, 'Via', v);
  for (const name of ['From', 'To', 'Call-ID', 'CSeq']) {
    const v = getHeader(req, name);
    if (v !== undefined) addHeader(res, name, v);
  }
  const to = getHeader(res, 'To');
  if (to !== undefined && toTag !== undefined && status > 100 && tagOf(to) === undefined) setHeader(res, 'To', `${to};tag=${toTag}`);
  return res;
}
