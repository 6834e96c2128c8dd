/**
 * MIME multipart bodies (RFC 2046 §5.1) as SIP carries them, chiefly RFC 4662 resource-list NOTIFYs
 * (multipart/related: an RLMI document plus one part per resource).
 *
 * Bounded like every network body: total size and part count are limited, and the scan is linear (each
 * delimiter search starts where the previous one ended). Line breaks may be CRLF, as the RFC says, or bare
 * LF, as some servers write.
 */
import type { Parsed } from './safe-xml.js';

export interface ContentType {
  /** `type/subtype`, lower case */
  mediaType: string;
  /** parameter names in lower case; quoted values unquoted */
  params: Readonly<Record<string, string>>;
}

export interface MimePart {
  /** header names in lower case; a repeated header keeps its first value */
  headers: Readonly<Record<string, string>>;
  /** text/plain when the part has no Content-Type (RFC 2046 §5.1) */
  contentType: ContentType;
  /** Content-ID without its angle brackets */
  contentId?: string;
  body: string;
}

export interface Multipart {
  contentType: ContentType;
  parts: MimePart[];
}

export interface MultipartLimits {
  maxBytes?: number;
  maxParts?: number;
}

export const DEFAULT_MULTIPART_LIMITS: Readonly<Required<MultipartLimits>> = { maxBytes: 512 * 1024, maxParts: 256 };

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/**
 * Unquoted parameter values: RFC 2045 wants a token, but servers write `type=application/rlmi+xml` and
 * `start=<cid@host>` without quotes; any printable run without space, quote or semicolon is taken.
 */
const UNQUOTED_VALUE = /^[!#-:<-~]+$/;

/** `type/subtype; name=value; name="quoted value"` (RFC 2045 §5.1), or why it is not one. */
export function parseContentType(value: string): Parsed<ContentType> {
  if (typeof value !== 'string' || value.length > 1024) return { ok: false, error: 'Content-Type missing or too long' };
  const semi = value.indexOf(';');
  const mediaType = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  const [type, subtype, extra] = mediaType.split('/');
  if (!type || !subtype || extra !== undefined || !TOKEN.test(type) || !TOKEN.test(subtype)) {
    return { ok: false, error: `Content-Type ${JSON.stringify(value.slice(0, 60))} is not type/subtype` };
  }
  const params = Object.create(null) as Record<string, string>;
  let i = semi < 0 ? value.length : semi + 1;
  while (i < value.length) {
    const eq = value.indexOf('=', i);
    if (eq < 0) {
      if (value.slice(i).trim() === '') break; // a trailing ';'
      return { ok: false, error: `Content-Type parameter without a value: ${JSON.stringify(value.slice(i, i + 40))}` };
    }
    const name = value.slice(i, eq).trim().toLowerCase();
    if (!TOKEN.test(name)) return { ok: false, error: `Content-Type parameter name ${JSON.stringify(name.slice(0, 40))} is not a token` };
    let j = eq + 1;
    while (value[j] === ' ' || value[j] === '\t') j++;
    let paramValue: string;
    if (value[j] === '"') {
      paramValue = '';
      j++;
      for (; j < value.length && value[j] !== '"'; j++) {
        if (value[j] === '\\' && j + 1 < value.length) j++;
        paramValue += value[j];
      }
      if (j >= value.length) return { ok: false, error: `Content-Type parameter ${name}: unterminated quoted string` };
      j++;
      const next = value.indexOf(';', j);
      if (value.slice(j, next < 0 ? value.length : next).trim() !== '') return { ok: false, error: `Content-Type parameter ${name}: text after the quoted value` };
      i = next < 0 ? value.length : next + 1;
    } else {
      const next = value.indexOf(';', j);
      paramValue = value.slice(j, next < 0 ? value.length : next).trim();
      if (!UNQUOTED_VALUE.test(paramValue)) return { ok: false, error: `Content-Type parameter ${name}: value is not a token or quoted string` };
      i = next < 0 ? value.length : next + 1;
    }
    if (!(name in params)) params[name] = paramValue;
  }
  return { ok: true, value: { mediaType, params } };
}

/** A boundary as RFC 2046 §5.1.1 allows it: 1–70 characters of a restricted set, not ending in a space. */
const BOUNDARY = /^[0-9A-Za-z'()+_,./:=? -]{0,69}[0-9A-Za-z'()+_,./:=?-]$/;

/** Splits a multipart body into its parts, given the message's Content-Type (which names the boundary). */
export function parseMultipart(contentTypeHeader: string, body: string, limits: MultipartLimits = {}): Parsed<Multipart> {
  const { maxBytes, maxParts } = { ...DEFAULT_MULTIPART_LIMITS, ...limits };
  const ct = parseContentType(contentTypeHeader);
  if (!ct.ok) return ct;
  if (!ct.value.mediaType.startsWith('multipart/')) return { ok: false, error: `not multipart: ${ct.value.mediaType}` };
  const boundary = ct.value.params.boundary;
  if (boundary === undefined || !BOUNDARY.test(boundary)) return { ok: false, error: 'multipart Content-Type lacks a valid boundary parameter' };
  if (typeof body !== 'string') return { ok: false, error: 'multipart body is not text' };
  if (body.length > maxBytes || Buffer.byteLength(body, 'utf8') > maxBytes) return { ok: false, error: `multipart body larger than ${maxBytes} bytes` };

  const marker = `--${boundary}`;
  let delimiter = findDelimiter(body, marker, 0);
  if (!delimiter) return { ok: false, error: 'multipart body has no boundary line' };
  const parts: MimePart[] = [];
  while (!delimiter.close) {
    if (parts.length >= maxParts) return { ok: false, error: `multipart has more than ${maxParts} parts` };
    const next = findDelimiter(body, marker, delimiter.contentStart);
    if (!next) return { ok: false, error: 'multipart body ends without its closing boundary' };
    // The line break before a delimiter belongs to the delimiter, not to the part (RFC 2046 §5.1.1).
    let end = next.start;
    if (end > delimiter.contentStart && body[end - 1] === '\n') end--;
    if (end > delimiter.contentStart && body[end - 1] === '\r') end--;
    const part = parsePart(body.slice(delimiter.contentStart, end));
    if (!part.ok) return { ok: false, error: `multipart part ${parts.length + 1}: ${part.error}` };
    parts.push(part.value);
    delimiter = next;
  }
  return { ok: true, value: { contentType: ct.value, parts } };
}

interface Delimiter {
  start: number;
  /** first character of the part after this delimiter line */
  contentStart: number;
  close: boolean;
}

/**
 * The next delimiter line at or after `from`: `--boundary` at the start of a line, followed by `--` (the
 * close delimiter) or by nothing but white space up to the line break. A line that merely begins with the
 * boundary text is content.
 */
function findDelimiter(body: string, marker: string, from: number): Delimiter | undefined {
  for (let at = body.indexOf(marker, from); at >= 0; at = body.indexOf(marker, at + 1)) {
    if (at !== 0 && body[at - 1] !== '\n') continue;
    const after = at + marker.length;
    if (body.startsWith('--', after)) return { start: at, contentStart: body.length, close: true };
    const eol = body.indexOf('\n', after);
    const rest = body.slice(after, eol < 0 ? body.length : eol);
    if (/^[ \t]*\r?$/.test(rest)) return { start: at, contentStart: eol < 0 ? body.length : eol + 1, close: false };
  }
  return undefined;
}

function parsePart(raw: string): Parsed<MimePart> {
  const headerEnd = /\r?\n\r?\n/.exec(raw);
  // A part that starts with its blank line has no headers; one without any blank line is all headers.
  let headerText: string;
  let body: string;
  if (/^\r?\n/.test(raw)) {
    headerText = '';
    body = raw.replace(/^\r?\n/, '');
  } else if (headerEnd) {
    headerText = raw.slice(0, headerEnd.index);
    body = raw.slice(headerEnd.index + headerEnd[0].length);
  } else {
    headerText = raw;
    body = '';
  }
  const headers = Object.create(null) as Record<string, string>;
  let last: string | undefined;
  for (const line of headerText.split(/\r?\n/)) {
    if (line === '') continue;
    if ((line.startsWith(' ') || line.startsWith('\t')) && last !== undefined) {
      headers[last] += ` ${line.trim()}`; // folded continuation of the previous header
      continue;
    }
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : '';
    if (!TOKEN.test(name)) return { ok: false, error: `malformed part header ${JSON.stringify(line.slice(0, 40))}` };
    if (name in headers) {
      last = undefined;
      continue;
    }
    headers[name] = line.slice(colon + 1).trim();
    last = name;
  }
  const ct = headers['content-type'] === undefined
    ? { ok: true as const, value: { mediaType: 'text/plain', params: { charset: 'us-ascii' } } }
    : parseContentType(headers['content-type']);
  if (!ct.ok) return ct;
  const decoded = decodeTransfer(headers['content-transfer-encoding'], body);
  if (!decoded.ok) return decoded;
  const part: MimePart = { headers, contentType: ct.value, body: decoded.value };
  const cid = headers['content-id'] === undefined ? undefined : normalizeContentId(headers['content-id']);
  if (cid) part.contentId = cid;
  return { ok: true, value: part };
}

function decodeTransfer(encoding: string | undefined, body: string): Parsed<string> {
  const name = (encoding ?? '8bit').trim().toLowerCase();
  if (name === '7bit' || name === '8bit' || name === 'binary') return { ok: true, value: body };
  if (name === 'base64') {
    const compact = body.replace(/\s+/g, '');
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact)) return { ok: false, error: 'base64 part is not base64' };
    return { ok: true, value: Buffer.from(compact, 'base64').toString('utf8') };
  }
  return { ok: false, error: `unsupported Content-Transfer-Encoding ${JSON.stringify(name.slice(0, 30))}` };
}

/** `<abc@host>` and `abc@host` name the same part (RLMI's cid attribute has no brackets, RFC 2392). */
export function normalizeContentId(value: string): string | undefined {
  const bare = value.trim().replace(/^<(.*)>$/s, '$1').trim();
  return bare === '' ? undefined : bare;
}
