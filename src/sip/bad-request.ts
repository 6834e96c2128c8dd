/**
 * Stateless error responses for requests that never reach the SIP stack (RFC 3261 §8.2, §8.2.7, §21.4):
 * a malformed head (400), a body too large (413), another SIP version (505), a head too large (513), or a
 * request refused by local policy.
 *
 * What is copied (§8.2.6.2): every Via value in order, From, To, Call-ID and CSeq exactly as received; a To
 * without a tag gets one. A stateless UAS must produce the same tag for every retransmission of a request
 * (§8.2.7), so the tag is a hash of the fields that identify the request, not a random number.
 *
 * The detail goes into the reason phrase, as §21.4.1 recommends for 400 ("Missing Call-ID header field");
 * a `Warning: 399` (miscellaneous, §20.43) carrying the same text is added only when the caller names a
 * warn-agent, since the Warning grammar requires one. Text from the wire ends up in the phrase (the framer's
 * reasons quote offending input), so it is reduced to one bounded line of printable ASCII.
 *
 * Nothing is produced (undefined) for a response, for an ACK (never answered, §17.2.1), or for a request
 * lacking what a response is addressed by — Via, From, To, Call-ID and a well-formed CSeq: such a response
 * could not be matched to anything by the client, so silence is the only correct answer.
 */
import { createHash } from 'node:crypto';
import { canonicalName, get, getAll, isToken, parseCSeq, type ParsedHead } from './message-head.js';

export interface ErrorResponseOptions {
  /** value of a `Server:` header (e.g. product/version) */
  serverHeader?: string;
  /**
   * complete `Name: value` lines (e.g. `Allow: INVITE, ACK`, `Unsupported: foo`, `Accept: application/sdp`);
   * lines that are not one valid header line, or that would replace Via, From, To, Call-ID, CSeq or
   * Content-Length, are left out
   */
  extraHeaders?: readonly string[];
  /** host[:port] or pseudonym of this phone: when set, a `Warning: 399 <agent> "<reason>"` is added */
  warningAgent?: string;
}

/** Standard phrases (RFC 3261 §21), used when the caller's reason is empty after cleaning. */
const PHRASES: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  413: 'Request Entity Too Large',
  414: 'Request-URI Too Long',
  415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme',
  420: 'Bad Extension',
  481: 'Call/Transaction Does Not Exist',
  482: 'Loop Detected',
  483: 'Too Many Hops',
  488: 'Not Acceptable Here',
  500: 'Server Internal Error',
  501: 'Not Implemented',
  503: 'Service Unavailable',
  505: 'Version Not Supported',
  513: 'Message Too Large',
};

export const MAX_REASON_LENGTH = 120;

/** Headers the response builds itself: an extra header must not add a second one. */
const OWN_HEADERS = new Set(['via', 'from', 'to', 'call-id', 'cseq', 'content-length']);

/**
 * One line of printable ASCII, at most `max` characters: runs of controls/white space (CR, LF, TAB, …)
 * become one space, other non-ASCII characters become '?', and a cut is marked with "...".
 */
export function sanitizeReason(text: string, max: number = MAX_REASON_LENGTH): string {
  let out = '';
  let space = false;
  for (const ch of text) {
    const c = ch.codePointAt(0) ?? 0;
    if (c <= 0x20 || c === 0x7f || (c >= 0x80 && c < 0xa0) || c === 0x2028 || c === 0x2029) {
      space = out.length > 0;
      continue;
    }
    const printable = c < 0x80 ? ch : '?';
    if (out.length + (space ? 1 : 0) + printable.length > max) return `${out.slice(0, Math.max(0, max - 3))}...`;
    out += (space ? ' ' : '') + printable;
    space = false;
  }
  return out;
}

/** quoted-string content (RFC 3261 §25.1): backslash and double quote escaped. */
function quoted(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * The header-parameter part of a From/To value (`;tag=...;...`), '' when it has none. In name-addr form
 * the parameters follow the '>' (those inside <> belong to the URI); in addr-spec form they start at the
 * first ';' (RFC 3261 §20.10: a URI with ';' must be in angle brackets).
 */
function headerParams(value: string): string {
  let inQuotes = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (inQuotes) {
      if (c === '\\') i++;
      else if (c === '"') inQuotes = false;
    } else if (c === '"') {
      inQuotes = true;
    } else if (c === '<') {
      const close = value.indexOf('>', i);
      return close < 0 ? '' : value.slice(close + 1);
    } else if (c === ';') {
      return value.slice(i);
    }
  }
  return '';
}

/** Whether a From/To value carries a `tag` header parameter. */
export function hasTag(value: string): boolean {
  return headerParams(value)
    .split(';')
    .some((p) => p.split('=', 1)[0]?.trim().toLowerCase() === 'tag');
}

/** Same request (and its retransmissions) → same tag: RFC 3261 §8.2.7 for stateless UASs. */
export function statelessTag(parts: readonly string[]): string {
  return createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 16);
}

/** A single `Name: value` line whose name is a token and which contains no control character but TAB. */
function isSafeHeaderLine(line: string): boolean {
  const colon = line.indexOf(':');
  if (colon <= 0) return false;
  const name = line.slice(0, colon).trimEnd();
  if (!isToken(name) || OWN_HEADERS.has(canonicalName(name))) return false;
  return !/[\x00-\x08\x0a-\x1f\x7f]/.test(line);
}

/**
 * The text of a stateless error response to `head`, ready to write on the connection it came from, or
 * undefined when it must not or cannot be answered (see the module comment). `status` must be 400-699.
 */
export function buildErrorResponse(
  head: ParsedHead,
  status: number,
  reason: string,
  opts: ErrorResponseOptions = {},
): string | undefined {
  if (head.kind !== 'request' || head.method === 'ACK') return undefined;
  if (!Number.isInteger(status) || status < 400 || status > 699) return undefined;
  const vias = getAll(head, 'via').filter((v) => v.length > 0);
  const from = get(head, 'from');
  const to = get(head, 'to');
  const callId = get(head, 'call-id');
  const cseq = get(head, 'cseq');
  if (vias.length === 0 || !from || !to || !callId || !cseq || !parseCSeq(cseq)) return undefined;

  const detail = sanitizeReason(reason);
  const phrase = detail || PHRASES[status] || 'Error';
  const tag = hasTag(to) ? '' : `;tag=${statelessTag([vias[0] ?? '', from, to, callId, cseq])}`;
  const lines = [`SIP/2.0 ${status} ${phrase}`];
  for (const via of vias) lines.push(`Via: ${via}`);
  lines.push(`From: ${from}`, `To: ${to}${tag}`, `Call-ID: ${callId}`, `CSeq: ${cseq}`);
  const agent = opts.warningAgent === undefined ? '' : sanitizeReason(opts.warningAgent, 100).replace(/ /g, '');
  if (agent && detail) lines.push(`Warning: 399 ${agent} ${quoted(detail)}`);
  const server = opts.serverHeader === undefined ? '' : sanitizeReason(opts.serverHeader, 200);
  if (server) lines.push(`Server: ${server}`);
  for (const extra of opts.extraHeaders ?? []) if (isSafeHeaderLine(extra)) lines.push(extra.trim());
  lines.push('Content-Length: 0');
  return `${lines.join('\r\n')}\r\n\r\n`;
}
