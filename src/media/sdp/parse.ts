/**
 * A strict, bounded SDP parser (RFC 4566) for the phone's audio offer/answer (RFC 3264).
 *
 * `parseSdp` never throws: it returns a {@link SessionDescription} or an {@link SdpError} whose message names
 * the offending line ("line 7: m= without port"). It understands the lines and attributes a plain-RTP or
 * SDES-SRTP audio phone needs (RFC 3264, 3605, 4568, 4733, 5761) and keeps everything else verbatim, so that
 * `writeSdp(parseSdp(text))` reproduces a well-formed CRLF description byte for byte.
 *
 * Attributes are kept as one ordered list per level (a tagged union) rather than as separate fields: that
 * keeps the original order (round trips) and lets the parser reject duplicates that would be ambiguous.
 * Use the accessors at the end of this file (`mediaDirection`, `rtpmapOf`, `fmtpOf`, …) to read them.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { MediaDirection } from '../types.js';

// ---------------------------------------------------------------------------------------------------------
// Model
// ---------------------------------------------------------------------------------------------------------

export type AddrType = 'IP4' | 'IP6';

/** c= (RFC 4566 §5.7); also the address part of a=rtcp (RFC 3605). Network type is always IN. */
export interface SdpConnection {
  addrType: AddrType;
  /** IPv4/IPv6 literal or FQDN, without the multicast suffixes. */
  address: string;
  /** IPv4 multicast TTL (`224.2.1.1/127`). */
  ttl?: number;
  /** Number of multicast addresses (`/3`). */
  count?: number;
}

/** o= (RFC 4566 §5.2). Session id and version are decimal digit strings (they may exceed 2^53). */
export interface SdpOrigin {
  username: string;
  sessionId: string;
  sessionVersion: string;
  addrType: AddrType;
  /** Kept as written: the origin address is an identifier, never used to send media. */
  address: string;
}

/** b= (RFC 4566 §5.8). */
export interface SdpBandwidth {
  type: string;
  /** kilobits per second for CT/AS, bits per second for TIAS; kept as the integer written. */
  value: number;
}

/** t= with its r= lines (RFC 4566 §5.9, §5.10). Times are decimal digit strings (NTP seconds). */
export interface SdpTime {
  start: string;
  stop: string;
  repeats: string[];
}

/** One key-param of a=crypto for SRTP (RFC 4568 §6.1, §9.2): `inline:<key||salt>[|lifetime][|MKI:length]`. */
export interface CryptoKeyParam {
  /** Base64 of the concatenated master key and master salt, as written. */
  keySalt: string;
  /** `2^20` or a decimal count of packets, as written. */
  lifetime?: string;
  mki?: { value: string; length: number };
}

/** a=crypto (RFC 4568 §9.1). */
export interface CryptoAttribute {
  kind: 'crypto';
  tag: number;
  suite: string;
  keyParams: CryptoKeyParam[];
  sessionParams: string[];
}

export interface RtpmapAttribute {
  kind: 'rtpmap';
  payloadType: number;
  encodingName: string;
  clockRate: number;
  /** Encoding parameters: number of audio channels. Absent means 1 (RFC 4566 §6). */
  channels?: number;
}

/** a=fmtp; `format` is the m= format token (a payload type number for RTP). */
export interface FmtpAttribute {
  kind: 'fmtp';
  format: string;
  parameters: string;
}

export interface DirectionAttribute {
  kind: 'direction';
  direction: MediaDirection;
}

/** Any attribute the phone does not interpret, kept verbatim; `value` is absent for property attributes. */
export interface OtherAttribute {
  kind: 'other';
  name: string;
  value?: string;
}

export type MediaAttribute =
  | RtpmapAttribute
  | FmtpAttribute
  | { kind: 'ptime'; milliseconds: number }
  | { kind: 'maxptime'; milliseconds: number }
  | DirectionAttribute
  /** RFC 3605. */
  | { kind: 'rtcp'; port: number; connection?: SdpConnection }
  /** RFC 5761 §5.1.1. */
  | { kind: 'rtcp-mux' }
  | CryptoAttribute
  | OtherAttribute;

/**
 * Session-level attributes. Only the direction attributes mean something at session level (RFC 4566 §6,
 * RFC 3264 §5.1); media-level names written at session level are kept as 'other' and ignored.
 */
export type SessionAttribute = DirectionAttribute | OtherAttribute;

/** One m= section (RFC 4566 §5.14). */
export interface MediaDescription {
  /** audio, video, image, application, … */
  type: string;
  /** 0 rejects or disables the stream (RFC 3264 §6). */
  port: number;
  /** `m=audio 49170/2 …` (layered encodings); absent when not written. */
  portCount?: number;
  /** Transport protocol as written; the phone supports RTP/AVP and RTP/SAVP (see {@link supportedProto}). */
  proto: string;
  /** Format tokens: payload type numbers (0-127) for RTP protocols. */
  formats: string[];
  information?: string;
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  /** k= (obsolete, RFC 4566 §5.12), kept verbatim. */
  encryptionKey?: string;
  attributes: MediaAttribute[];
}

export interface SessionDescription {
  /** v= is always 0 (RFC 4566 §5.1). */
  version: 0;
  origin: SdpOrigin;
  /** s= text; may be "-" or " " (RFC 4566 §5.3). */
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: SdpConnection;
  bandwidths: SdpBandwidth[];
  times: SdpTime[];
  zoneAdjustments?: string;
  encryptionKey?: string;
  attributes: SessionAttribute[];
  media: MediaDescription[];
}

/** Why a description was refused. `message` is "line N: reason"; `line` is 1-based and always ≥ 1. */
export interface SdpError {
  kind: 'sdp-error';
  line: number;
  reason: string;
  message: string;
}

/** Hard bounds: an SDP body above them is refused rather than partly read. */
export const SDP_LIMITS = {
  /** Whole text, in UTF-8 bytes. */
  maxBytes: 16 * 1024,
  maxLines: 1024,
  maxLineLength: 2048,
  maxMedia: 8,
  maxAttributesPerMedia: 64,
  maxSessionAttributes: 64,
  maxFormats: 64,
  /** b=, t=, r=, e=, p= lines, each per level. */
  maxRepeatedLines: 8,
  maxCryptoKeys: 8,
} as const;

/** Master key + salt lengths in bytes of the SDES suites (RFC 4568 §6.2, RFC 6188 §7.1, RFC 7714 §12). */
export const SRTP_KEY_SALT_LENGTH: Readonly<Record<string, number>> = {
  AES_CM_128_HMAC_SHA1_80: 30,
  AES_CM_128_HMAC_SHA1_32: 30,
  F8_128_HMAC_SHA1_80: 30,
  AES_192_CM_HMAC_SHA1_80: 38,
  AES_192_CM_HMAC_SHA1_32: 38,
  AES_256_CM_HMAC_SHA1_80: 46,
  AES_256_CM_HMAC_SHA1_32: 46,
  AEAD_AES_128_GCM: 28,
  AEAD_AES_256_GCM: 44,
};

export function isSdpError(value: unknown): value is SdpError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'sdp-error';
}

export function sdpError(line: number, reason: string): SdpError {
  const n = Math.max(1, Math.trunc(line));
  return { kind: 'sdp-error', line: n, reason, message: `line ${n}: ${reason}` };
}

// ---------------------------------------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------------------------------------

/** Internal control flow only: every throw of this class is caught in parseSdp. */
class Failure extends Error {
  constructor(readonly line: number, readonly reason: string) {
    super(reason);
  }
}

function fail(line: number, reason: string): never {
  throw new Failure(line, reason);
}

/** RFC 4566 §9 token-char: %x21 / %x23-27 / %x2A-2B / %x2D-2E / %x30-39 / %x41-5A / %x5E-7E. */
const TOKEN = /^[!#-'*+\-.0-9A-Z^-~]+$/;
/** A run of visible characters (no spaces). */
const NON_WS = /^[\x21-\x7e\u0080-\uffff]+$/;
const DIGITS = /^[0-9]+$/;
const DIRECTIONS: readonly string[] = ['sendrecv', 'sendonly', 'recvonly', 'inactive'];
const MEDIA_LINE_TYPES = new Set(['i', 'c', 'b', 'k', 'a']);
const KNOWN_LINE_TYPES = new Set(['v', 'o', 's', 'i', 'u', 'e', 'p', 'c', 'b', 't', 'r', 'z', 'k', 'a', 'm']);

function isRtpProto(proto: string): boolean {
  return proto.split('/').includes('RTP');
}

function parseIntIn(text: string, min: number, max: number, line: number, what: string): number {
  if (!DIGITS.test(text) || text.length > 10) fail(line, `${what} is not a number: "${clip(text)}"`);
  const n = Number(text);
  if (n < min || n > max) fail(line, `${what} ${n} out of range ${min}-${max}`);
  return n;
}

function clip(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function isHostname(text: string): boolean {
  if (text.length > 253) return false;
  const labels = text.split('.');
  if (labels.every((l) => DIGITS.test(l))) return false; // looks like a broken IPv4 literal
  return labels.every((l) => /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(l));
}

function parseAddrType(text: string | undefined, line: number): AddrType {
  if (text === 'IP4' || text === 'IP6') return text;
  return fail(line, `address type must be IP4 or IP6, not "${clip(text ?? '')}"`);
}

/** `IN IP4 <addr>[/ttl[/count]]` / `IN IP6 <addr>[/count]` (RFC 4566 §5.7). */
function parseConnectionFields(fields: readonly string[], line: number, what: string): SdpConnection {
  if (fields.length !== 3) fail(line, `${what} needs "IN <IP4|IP6> <address>"`);
  const [netType, addrTypeText, addressText] = fields as [string, string, string];
  if (netType !== 'IN') fail(line, `${what}: network type must be IN, not "${clip(netType)}"`);
  const addrType = parseAddrType(addrTypeText, line);
  const [address = '', ...suffix] = addressText.split('/');
  const literalOk = addrType === 'IP4' ? isIPv4(address) : isIPv6(address);
  if (!literalOk && !isHostname(address)) fail(line, `${what}: bad ${addrType} address "${clip(address)}"`);
  const connection: SdpConnection = { addrType, address };
  if (addrType === 'IP4') {
    if (suffix.length > 2) fail(line, `${what}: too many "/" in address`);
    if (suffix[0] !== undefined) connection.ttl = parseIntIn(suffix[0], 0, 255, line, 'multicast TTL');
    if (suffix[1] !== undefined) connection.count = parseIntIn(suffix[1], 1, 65535, line, 'address count');
  } else {
    if (suffix.length > 1) fail(line, `${what}: too many "/" in address`);
    if (suffix[0] !== undefined) connection.count = parseIntIn(suffix[0], 1, 65535, line, 'address count');
  }
  return connection;
}

function parseOrigin(value: string, line: number): SdpOrigin {
  const f = value.split(' ');
  if (f.length !== 6 || f.some((x) => x === '')) fail(line, 'o= needs 6 fields separated by single spaces');
  const [username, sessionId, sessionVersion, netType, addrType, address] = f as [string, string, string, string, string, string];
  if (!NON_WS.test(username)) fail(line, 'o= username has invalid characters');
  if (!DIGITS.test(sessionId) || sessionId.length > 32) fail(line, 'o= session id must be 1-32 digits');
  if (!DIGITS.test(sessionVersion) || sessionVersion.length > 32) fail(line, 'o= session version must be 1-32 digits');
  if (netType !== 'IN') fail(line, `o= network type must be IN, not "${clip(netType)}"`);
  if (!NON_WS.test(address)) fail(line, 'o= address has invalid characters');
  return { username, sessionId, sessionVersion, addrType: parseAddrType(addrType, line), address };
}

function parseBandwidth(value: string, line: number): SdpBandwidth {
  const colon = value.indexOf(':');
  if (colon <= 0) fail(line, 'b= needs <type>:<value>');
  const type = value.slice(0, colon);
  if (!TOKEN.test(type)) fail(line, 'b= type is not a token');
  return { type, value: parseIntIn(value.slice(colon + 1), 0, 4294967295, line, 'bandwidth') };
}

function parseTime(value: string, line: number): SdpTime {
  const f = value.split(' ');
  if (f.length !== 2 || !f.every((x) => DIGITS.test(x) && x.length <= 20)) fail(line, 't= needs "<start> <stop>" in decimal');
  return { start: f[0] as string, stop: f[1] as string, repeats: [] };
}

function parseMediaLine(value: string, line: number): MediaDescription {
  const f = value.split(' ');
  const type = f[0] ?? '';
  if (type === '' || !TOKEN.test(type)) fail(line, 'm= without media type');
  const portText = f[1];
  if (portText === undefined || portText === '') fail(line, 'm= without port');
  const [p, countText, ...more] = portText.split('/');
  if (more.length > 0) fail(line, `m= bad port "${clip(portText)}"`);
  const port = parseIntIn(p ?? '', 0, 65535, line, 'm= port');
  const proto = f[2];
  if (proto === undefined || proto === '') fail(line, 'm= without transport protocol');
  if (!/^[A-Za-z0-9][A-Za-z0-9/_.+-]*$/.test(proto)) fail(line, `m= bad transport protocol "${clip(proto)}"`);
  const formats = f.slice(3);
  if (formats.length === 0) fail(line, 'm= without formats');
  if (formats.length > SDP_LIMITS.maxFormats) fail(line, `m= has more than ${SDP_LIMITS.maxFormats} formats`);
  for (const fmt of formats) {
    if (fmt === '') fail(line, 'm= fields must be separated by single spaces');
    if (isRtpProto(proto)) parseIntIn(fmt, 0, 127, line, 'RTP payload type');
    else if (!TOKEN.test(fmt)) fail(line, `m= bad format "${clip(fmt)}"`);
  }
  const media: MediaDescription = { type, port, proto, formats, bandwidths: [], attributes: [] };
  if (countText !== undefined) media.portCount = parseIntIn(countText, 1, 65535, line, 'm= port count');
  return media;
}

function parseMilliseconds(value: string | undefined, line: number, name: string): number {
  if (value === undefined || !/^[0-9]{1,5}(\.[0-9]{1,3})?$/.test(value)) fail(line, `a=${name} needs a number of milliseconds`);
  const ms = Number(value);
  if (ms <= 0 || ms > 10000) fail(line, `a=${name} ${value} out of range`);
  return ms;
}

function parseRtpmap(value: string | undefined, line: number): RtpmapAttribute {
  const m = value === undefined ? null : /^([0-9]{1,3}) ([^ /]+)\/([0-9]{1,7})(?:\/([0-9]{1,3}))?$/.exec(value);
  if (m === null) fail(line, 'a=rtpmap needs "<payload type> <encoding>/<clock rate>[/<channels>]"');
  const attr: RtpmapAttribute = {
    kind: 'rtpmap',
    payloadType: parseIntIn(m[1] as string, 0, 127, line, 'a=rtpmap payload type'),
    encodingName: m[2] as string,
    clockRate: parseIntIn(m[3] as string, 1, 9999999, line, 'a=rtpmap clock rate'),
  };
  if (!TOKEN.test(attr.encodingName)) fail(line, 'a=rtpmap encoding name is not a token');
  if (m[4] !== undefined) attr.channels = parseIntIn(m[4], 1, 255, line, 'a=rtpmap channels');
  return attr;
}

function parseFmtp(value: string | undefined, line: number): FmtpAttribute {
  const space = value === undefined ? -1 : value.indexOf(' ');
  if (value === undefined || space <= 0 || space === value.length - 1) fail(line, 'a=fmtp needs "<format> <parameters>"');
  const format = value.slice(0, space);
  if (!TOKEN.test(format)) fail(line, 'a=fmtp format is not a token');
  return { kind: 'fmtp', format, parameters: value.slice(space + 1) };
}

/** RFC 3605: `a=rtcp:<port> [IN <IP4|IP6> <address>]`. */
function parseRtcp(value: string | undefined, line: number): MediaAttribute {
  if (value === undefined) fail(line, 'a=rtcp needs a port');
  const f = value.split(' ');
  const port = parseIntIn(f[0] ?? '', 0, 65535, line, 'a=rtcp port');
  if (f.length === 1) return { kind: 'rtcp', port };
  return { kind: 'rtcp', port, connection: parseConnectionFields(f.slice(1), line, 'a=rtcp') };
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Decodes strict base64 (padding optional); undefined when the text is not canonical base64. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text) || text.replace(/=+$/, '').length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64').replace(/=+$/, '') !== text.replace(/=+$/, '')) return undefined;
  return bytes;
}

/** RFC 4568 §9.1/§9.2: `a=crypto:<tag> <suite> inline:<key||salt>[|<lifetime>][|<MKI>:<len>][;inline:…] [<session-param>…]`. */
function parseCrypto(value: string | undefined, line: number): CryptoAttribute {
  if (value === undefined) fail(line, 'a=crypto needs "<tag> <suite> <key-params>"');
  const f = value.split(' ');
  if (f.length < 3 || f.some((x) => x === '')) fail(line, 'a=crypto needs "<tag> <suite> <key-params>"');
  const [tagText, suite, keyText, ...sessionParams] = f as [string, string, string, ...string[]];
  if (!/^[0-9]{1,9}$/.test(tagText)) fail(line, 'a=crypto tag must be 1-9 digits');
  if (!/^[A-Za-z0-9_]+$/.test(suite)) fail(line, 'a=crypto suite has invalid characters');
  const expected = SRTP_KEY_SALT_LENGTH[suite];
  const parts = keyText.split(';');
  if (parts.length > SDP_LIMITS.maxCryptoKeys) fail(line, 'a=crypto has too many keys');
  const keyParams = parts.map((part): CryptoKeyParam => {
    if (!part.startsWith('inline:')) fail(line, 'a=crypto key method must be "inline"');
    const [keySalt = '', ...rest] = part.slice('inline:'.length).split('|');
    const bytes = decodeBase64(keySalt);
    if (bytes === undefined) fail(line, 'a=crypto key is not valid base64');
    if (expected !== undefined && bytes.length !== expected) {
      fail(line, `a=crypto key+salt for ${suite} must be ${expected} bytes, not ${bytes.length}`);
    }
    const param: CryptoKeyParam = { keySalt };
    if (rest.length > 2) fail(line, 'a=crypto key has too many "|" fields');
    let i = 0;
    const first = rest[0];
    if (first !== undefined && !first.includes(':')) {
      if (!/^([0-9]{1,20}|2\^[0-9]{1,2})$/.test(first)) fail(line, `a=crypto bad lifetime "${clip(first)}"`);
      param.lifetime = first;
      i = 1;
    }
    const mkiText = rest[i];
    if (mkiText !== undefined) {
      const m = /^([0-9]{1,20}):([0-9]{1,3})$/.exec(mkiText);
      if (m === null) fail(line, `a=crypto bad MKI "${clip(mkiText)}"`);
      param.mki = { value: m[1] as string, length: parseIntIn(m[2] as string, 1, 128, line, 'a=crypto MKI length') };
      i += 1;
    }
    if (i !== rest.length) fail(line, 'a=crypto key fields out of order');
    return param;
  });
  for (const p of sessionParams) if (!NON_WS.test(p)) fail(line, 'a=crypto session parameter has invalid characters');
  return { kind: 'crypto', tag: Number(tagText), suite, keyParams, sessionParams };
}

function splitAttribute(value: string, line: number): { name: string; value: string | undefined } {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (name === '' || !TOKEN.test(name)) fail(line, 'a= attribute name is not a token');
  return { name, value: colon < 0 ? undefined : value.slice(colon + 1) };
}

function parseMediaAttribute(raw: string, line: number): MediaAttribute {
  const { name, value } = splitAttribute(raw, line);
  if (DIRECTIONS.includes(name)) {
    if (value !== undefined) fail(line, `a=${name} takes no value`);
    return { kind: 'direction', direction: name as MediaDirection };
  }
  switch (name) {
    case 'rtpmap': return parseRtpmap(value, line);
    case 'fmtp': return parseFmtp(value, line);
    case 'ptime': return { kind: 'ptime', milliseconds: parseMilliseconds(value, line, name) };
    case 'maxptime': return { kind: 'maxptime', milliseconds: parseMilliseconds(value, line, name) };
    case 'rtcp': return parseRtcp(value, line);
    case 'rtcp-mux':
      if (value !== undefined) fail(line, 'a=rtcp-mux takes no value');
      return { kind: 'rtcp-mux' };
    case 'crypto': return parseCrypto(value, line);
    default: return value === undefined ? { kind: 'other', name } : { kind: 'other', name, value };
  }
}

function parseSessionAttribute(raw: string, line: number): SessionAttribute {
  const { name, value } = splitAttribute(raw, line);
  if (DIRECTIONS.includes(name)) {
    if (value !== undefined) fail(line, `a=${name} takes no value`);
    return { kind: 'direction', direction: name as MediaDirection };
  }
  return value === undefined ? { kind: 'other', name } : { kind: 'other', name, value };
}

/** Rejects attribute combinations that would make the section ambiguous. */
function checkMediaAttribute(media: MediaDescription, attr: MediaAttribute, line: number): void {
  const same = media.attributes.filter((a) => a.kind === attr.kind);
  switch (attr.kind) {
    case 'rtpmap':
      if (same.some((a) => a.kind === 'rtpmap' && a.payloadType === attr.payloadType)) fail(line, `duplicate a=rtpmap for payload type ${attr.payloadType}`);
      break;
    case 'fmtp':
      if (same.some((a) => a.kind === 'fmtp' && a.format === attr.format)) fail(line, `duplicate a=fmtp for format ${attr.format}`);
      break;
    case 'crypto':
      // RFC 4568 §9.1: the tag is unique within the media section.
      if (same.some((a) => a.kind === 'crypto' && a.tag === attr.tag)) fail(line, `duplicate a=crypto tag ${attr.tag}`);
      break;
    case 'direction':
      if (same.length > 0) fail(line, 'more than one direction attribute');
      break;
    case 'ptime': case 'maxptime': case 'rtcp':
      if (same.length > 0) fail(line, `duplicate a=${attr.kind}`);
      break;
    default:
      break;
  }
}

function parseLines(text: string): SessionDescription {
  if (text.length > SDP_LIMITS.maxBytes || Buffer.byteLength(text, 'utf8') > SDP_LIMITS.maxBytes) {
    // Name the line that crosses the limit; it starts within the first maxBytes characters (≥ 1 byte each).
    let bytes = 0;
    let line = 1;
    for (const l of text.slice(0, SDP_LIMITS.maxBytes + 1).split('\n')) {
      bytes += Buffer.byteLength(l, 'utf8') + 1;
      if (bytes > SDP_LIMITS.maxBytes) break;
      line += 1;
    }
    fail(line, `description larger than ${SDP_LIMITS.maxBytes} bytes`);
  }
  // RFC 4566 §5: lines end with CRLF; parsers SHOULD also accept a bare LF. Trailing line ends are allowed.
  const lines = text.split('\n');
  while (lines.length > 0 && (lines[lines.length - 1] === '' || lines[lines.length - 1] === '\r')) lines.pop();
  if (lines.length === 0) fail(1, 'empty description');
  if (lines.length > SDP_LIMITS.maxLines) fail(SDP_LIMITS.maxLines + 1, `more than ${SDP_LIMITS.maxLines} lines`);

  let session: SessionDescription | undefined;
  let origin: SdpOrigin | undefined;
  let media: MediaDescription | undefined;
  const seen = new Set<string>(); // once-only line types at the current level
  let lastTime: SdpTime | undefined;
  let sessionAttributes = 0;
  let mediaAttributes = 0;

  for (let i = 0; i < lines.length; i += 1) {
    const n = i + 1;
    let l = lines[i] as string;
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (l.length > SDP_LIMITS.maxLineLength) fail(n, `line longer than ${SDP_LIMITS.maxLineLength} characters`);
    if (l === '') fail(n, 'empty line');
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(l)) fail(n, 'control character in line');
    if (l.length < 2 || l[1] !== '=') fail(n, 'expected "<type>=<value>"');
    const type = l[0] as string;
    const value = l.slice(2);
    if (!KNOWN_LINE_TYPES.has(type)) fail(n, `unknown line type "${clip(type)}="`); // RFC 4566 §5: ignore the whole description

    // v=, o=, s= open the description, in that order (RFC 4566 §5).
    if (i === 0) {
      if (type !== 'v' || value !== '0') fail(n, 'description must start with v=0');
      continue;
    }
    if (i === 1) {
      if (type !== 'o') fail(n, 'expected o= after v=');
      origin = parseOrigin(value, n);
      continue;
    }
    if (i === 2) {
      if (type !== 's') fail(n, 'expected s= after o=');
      session = {
        version: 0,
        origin: origin as SdpOrigin,
        sessionName: value,
        emails: [],
        phones: [],
        bandwidths: [],
        times: [],
        attributes: [],
        media: [],
      };
      continue;
    }
    const s = session as SessionDescription;

    if (type === 'm') {
      if (s.times.length === 0) fail(n, 'm= before any t= line');
      if (s.media.length >= SDP_LIMITS.maxMedia) fail(n, `more than ${SDP_LIMITS.maxMedia} media sections`);
      media = parseMediaLine(value, n);
      s.media.push(media);
      seen.clear();
      mediaAttributes = 0;
      continue;
    }

    if (media !== undefined) {
      if (!MEDIA_LINE_TYPES.has(type)) fail(n, `${type}= not allowed in a media section`);
      switch (type) {
        case 'i':
        case 'c':
        case 'k':
          if (seen.has(type)) fail(n, `more than one ${type}= in a media section`);
          seen.add(type);
          if (type === 'i') media.information = value;
          else if (type === 'k') media.encryptionKey = value;
          else media.connection = parseConnectionFields(value.split(' '), n, 'c=');
          break;
        case 'b':
          if (media.bandwidths.length >= SDP_LIMITS.maxRepeatedLines) fail(n, 'too many b= lines');
          media.bandwidths.push(parseBandwidth(value, n));
          break;
        default: {
          mediaAttributes += 1;
          if (mediaAttributes > SDP_LIMITS.maxAttributesPerMedia) fail(n, `more than ${SDP_LIMITS.maxAttributesPerMedia} attributes in a media section`);
          const attr = parseMediaAttribute(value, n);
          checkMediaAttribute(media, attr, n);
          media.attributes.push(attr);
        }
      }
      continue;
    }

    // Session level. The RFC 4566 §5 order is not enforced (peers vary), except that r= follows its t=.
    switch (type) {
      case 'v': case 'o': case 's':
        fail(n, `duplicate ${type}=`);
        break;
      case 'i': case 'u': case 'c': case 'z': case 'k':
        if (seen.has(type)) fail(n, `duplicate ${type}=`);
        seen.add(type);
        if (type === 'i') s.information = value;
        else if (type === 'u') s.uri = value;
        else if (type === 'z') s.zoneAdjustments = value;
        else if (type === 'k') s.encryptionKey = value;
        else s.connection = parseConnectionFields(value.split(' '), n, 'c=');
        break;
      case 'e': case 'p': {
        const list = type === 'e' ? s.emails : s.phones;
        if (list.length >= SDP_LIMITS.maxRepeatedLines) fail(n, `too many ${type}= lines`);
        list.push(value);
        break;
      }
      case 'b':
        if (s.bandwidths.length >= SDP_LIMITS.maxRepeatedLines) fail(n, 'too many b= lines');
        s.bandwidths.push(parseBandwidth(value, n));
        break;
      case 't':
        if (s.times.length >= SDP_LIMITS.maxRepeatedLines) fail(n, 'too many t= lines');
        lastTime = parseTime(value, n);
        s.times.push(lastTime);
        break;
      case 'r':
        if (lastTime === undefined) fail(n, 'r= before t=');
        if (lastTime.repeats.length >= SDP_LIMITS.maxRepeatedLines) fail(n, 'too many r= lines');
        if (value === '') fail(n, 'empty r=');
        lastTime.repeats.push(value);
        break;
      default: {
        sessionAttributes += 1;
        if (sessionAttributes > SDP_LIMITS.maxSessionAttributes) fail(n, `more than ${SDP_LIMITS.maxSessionAttributes} session attributes`);
        const attr = parseSessionAttribute(value, n);
        if (attr.kind === 'direction' && s.attributes.some((a) => a.kind === 'direction')) fail(n, 'more than one direction attribute');
        s.attributes.push(attr);
      }
    }
  }

  if (session === undefined) fail(lines.length + 1, lines.length < 2 ? 'missing o=' : 'missing s=');
  if (session.times.length === 0) fail(lines.length + 1, 'missing t=');
  // RFC 4566 §5.7: every media section needs a c= of its own or a session-level one (not checked for
  // disabled streams, which many peers send without c=).
  let mediaLine = 0;
  for (let i = 0; i < lines.length; i += 1) {
    if (!(lines[i] as string).startsWith('m=')) continue;
    const m = session.media[mediaLine] as MediaDescription;
    mediaLine += 1;
    if (m.port !== 0 && m.connection === undefined && session.connection === undefined) fail(i + 1, 'media section without c= (and no session-level c=)');
  }
  return session;
}

/** Parses SDP text (RFC 4566). Never throws. */
export function parseSdp(text: string): SessionDescription | SdpError {
  if (typeof text !== 'string') return sdpError(1, 'description is not text');
  try {
    return parseLines(text);
  } catch (error) {
    if (error instanceof Failure) return sdpError(error.line, error.reason);
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Accessors
// ---------------------------------------------------------------------------------------------------------

/** The protocols the phone's media engine speaks (no AVPF, no DTLS, no ICE). */
export type SupportedProto = 'RTP/AVP' | 'RTP/SAVP';

export function supportedProto(media: MediaDescription): SupportedProto | undefined {
  return media.proto === 'RTP/AVP' || media.proto === 'RTP/SAVP' ? media.proto : undefined;
}

/** Direction of a media section: its own attribute, else the session-level one, else sendrecv (RFC 3264 §5.1). */
export function mediaDirection(session: SessionDescription, media: MediaDescription): MediaDirection {
  for (const a of media.attributes) if (a.kind === 'direction') return a.direction;
  for (const a of session.attributes) if (a.kind === 'direction') return a.direction;
  return 'sendrecv';
}

/** Media-level c= overrides the session-level one (RFC 4566 §5.7). */
export function mediaConnection(session: SessionDescription, media: MediaDescription): SdpConnection | undefined {
  return media.connection ?? session.connection;
}

export function rtpmapOf(media: MediaDescription, payloadType: number): RtpmapAttribute | undefined {
  for (const a of media.attributes) if (a.kind === 'rtpmap' && a.payloadType === payloadType) return a;
  return undefined;
}

export function fmtpOf(media: MediaDescription, format: string): string | undefined {
  for (const a of media.attributes) if (a.kind === 'fmtp' && a.format === format) return a.parameters;
  return undefined;
}

export function ptimeOf(media: MediaDescription): number | undefined {
  for (const a of media.attributes) if (a.kind === 'ptime') return a.milliseconds;
  return undefined;
}

export function maxptimeOf(media: MediaDescription): number | undefined {
  for (const a of media.attributes) if (a.kind === 'maxptime') return a.milliseconds;
  return undefined;
}

export function rtcpOf(media: MediaDescription): { port: number; connection?: SdpConnection } | undefined {
  for (const a of media.attributes) if (a.kind === 'rtcp') return a;
  return undefined;
}

export function hasRtcpMux(media: MediaDescription): boolean {
  return media.attributes.some((a) => a.kind === 'rtcp-mux');
}

export function cryptoOf(media: MediaDescription): CryptoAttribute[] {
  return media.attributes.filter((a): a is CryptoAttribute => a.kind === 'crypto');
}
