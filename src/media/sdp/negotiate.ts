/**
 * The offer/answer model (RFC 3264) for the phone's one audio stream: plain RTP/AVP or SDES RTP/SAVP
 * (RFC 4568), no ICE, no DTLS. Pure functions: the peer-connection adapter calls them from createOffer /
 * createAnswer / setRemoteDescription and diffs the {@link NegotiatedSession}s it gets.
 *
 * Results that depend on the peer are values, never exceptions: createAnswer and applyAnswer return a
 * {@link NegotiationError} (488 Not Acceptable Here, RFC 3261 §21.4.26) when there is no usable audio.
 * Only a malformed {@link LocalMediaConfig} — a programming error — throws a RangeError.
 */
import { randomBytes } from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import type { MediaDirection } from '../types.js';
import { SUITE_PREFERENCE, type SrtpSuite } from '../srtp/keys.js';
import {
  cryptoOf,
  decodeBase64,
  fmtpOf,
  hasRtcpMux,
  isSdpError,
  maxptimeOf,
  mediaConnection,
  mediaDirection,
  parseSdp,
  ptimeOf,
  rtcpOf,
  rtpmapOf,
  supportedProto,
} from './parse.js';
import type {
  AddrType,
  CryptoAttribute,
  MediaAttribute,
  MediaDescription,
  RtpmapAttribute,
  SdpConnection,
  SdpError,
  SdpOrigin,
  SessionDescription,
  SupportedProto,
} from './parse.js';

// ---------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------

// SDES suites (RFC 4568 §6.2.1, §6.2.2):
/** The SRTP engine's suites, in its preference order: one list for what we offer, accept and can run. */
export type { SrtpSuite };
export const SUPPORTED_SRTP_SUITES: readonly SrtpSuite[] = SUITE_PREFERENCE;
/** Master key (16 bytes) + master salt (14 bytes) of both supported suites (RFC 4568 §6.2.1). */
export const SRTP_KEY_SALT_BYTES = 30;

/**
 * A codec as SDP needs to know it. An {@link import('../types.js').AudioCodec} fits as is; `channels`
 * (default 1; opus is written opus/48000/2 per RFC 7587 §7) and `fmtp` are optional extras.
 */
export interface SdpCodec {
  readonly name: string;
  readonly clockRate: number;
  readonly staticPayloadType: number | undefined;
  readonly channels?: number;
  /** Our a=fmtp parameters for this codec (what we want to receive). */
  readonly fmtp?: string;
}

export interface LocalSrtpConfig {
  /**
   * 'required': offer RTP/SAVP (RFC 4568 §3.1.4) and refuse plain RTP. 'optional': offer RTP/AVP with
   * a=crypto ("best effort", as baresip and Asterisk do) and accept SRTP or plain RTP.
   */
  readonly policy: 'required' | 'optional';
  /** Fresh key material (master key ‖ master salt, 30 bytes) per suite, in preference order. */
  readonly keys: readonly { readonly suite: SrtpSuite; readonly key: Buffer }[];
}

export interface LocalMediaConfig {
  /** Our IPv4 or IPv6 literal for o= and c=. */
  readonly address: string;
  readonly rtpPort: number;
  /** RTCP port when it is not rtpPort + 1 (written as a=rtcp, RFC 3605). */
  readonly rtcpPort?: number;
  /** Offer / accept RTP and RTCP on one port (RFC 5761). Default false. */
  readonly rtcpMux?: boolean;
  /** Codecs in our preference order. */
  readonly codecs: readonly SdpCodec[];
  /** RFC 4733 events: default payload type 101, events "0-16"; false leaves telephone-event out. */
  readonly telephoneEvent?: { readonly payloadType?: number; readonly events?: string } | false;
  /** a=ptime we ask for (RFC 4566 §6). Default 20. */
  readonly ptime?: number;
  readonly maxptime?: number;
  /** Our wish (e.g. 'sendonly' when we hold the call). Default sendrecv. */
  readonly direction?: MediaDirection;
  /** Absent: plain RTP only (a=crypto in offers is ignored, RTP/SAVP offers are rejected). */
  readonly srtp?: LocalSrtpConfig;
  /** o= username. Default "-". */
  readonly username?: string;
  /** s= text. Default "-". */
  readonly sessionName?: string;
  /** o= session id (decimal digits) for a new session; random when absent. */
  readonly sessionId?: string;
}

/** A payload type and the codec it maps to. */
export interface NegotiatedCodec {
  payloadType: number;
  /** Encoding name as we write it (our config's spelling). */
  name: string;
  clockRate: number;
  channels: number;
  /** a=fmtp of the side that receives this payload type (the remote's for `send`, ours for `receive`). */
  fmtp?: string;
}

/** RFC 4733 telephone events negotiated at the send codec's clock rate. */
export interface TelephoneEventParams {
  sendPayloadType: number;
  receivePayloadType: number;
  clockRate: number;
  /** Events the remote said it can receive (its fmtp; "0-15" when absent, RFC 4733 §7.1.1). */
  sendEvents: string;
}

export interface SrtpParams {
  suite: SrtpSuite;
  /** a=crypto tag of the accepted line. */
  tag: number;
  /** Our master key ‖ salt: protects what we send. */
  localKey: Buffer;
  /** The remote's master key ‖ salt: unprotects what we receive. */
  remoteKey: Buffer;
  /** MKI bytes in the remote's packets, when its key carries one (RFC 4568 §6.1, RFC 3711 §3.1). */
  remoteMki?: Buffer;
}

export interface RemoteMediaAddress {
  addrType: AddrType;
  /** IP literal (or FQDN, if the peer wrote one). 0.0.0.0 means "do not send" (RFC 3264 §8.4). */
  address: string;
  rtpPort: number;
  /** Where RTCP goes: a=rtcp (RFC 3605), else the RTP address and port + 1, or the RTP port with rtcp-mux. */
  rtcpAddress: string;
  rtcpPort: number;
}

/** One m= line's shape, kept so that a later offer reuses every slot (RFC 3264 §8: m-lines never go away). */
export interface MediaLineLayout {
  type: string;
  proto: string;
  formats: readonly string[];
}

/** What an offer/answer exchange agreed on, for the RTP engine and for our next offer. */
export interface NegotiatedSession {
  proto: SupportedProto;
  remote: RemoteMediaAddress;
  rtcpMux: boolean;
  /** The codec and payload type we send with (the remote's numbering). */
  send: NegotiatedCodec;
  /** Payload types we accept (our numbering), the send codec among them. */
  receive: readonly NegotiatedCodec[];
  telephoneEvent: TelephoneEventParams | undefined;
  /** Packetization we send with: the remote's a=ptime, else ours, capped by its a=maxptime. */
  ptime: number;
  /** Ours: whether we send RTP and whether we expect to receive it. */
  direction: { send: boolean; receive: boolean };
  /** The remote asked us to stop sending: a=sendonly/inactive where we wanted to send, or c=0.0.0.0 (RFC 3264 §8.4). */
  remoteHold: boolean;
  srtp: SrtpParams | undefined;
  /** o= of the last SDP we sent; our next offer or answer increments its version (RFC 3264 §8). */
  localOrigin: SdpOrigin;
  remoteOrigin: SdpOrigin;
  /** Index of the audio m-line in use. */
  mediaIndex: number;
  mediaLines: readonly MediaLineLayout[];
}

export interface NegotiationError {
  kind: 'negotiation-error';
  /** The SIP status to answer an offer with (488 Not Acceptable Here). */
  code: 488;
  reason: string;
}

export interface AnswerResult {
  answer: SessionDescription;
  session: NegotiatedSession;
}

export function isNegotiationError(value: unknown): value is NegotiationError {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'negotiation-error';
}

function notAcceptable(reason: string): NegotiationError {
  return { kind: 'negotiation-error', code: 488, reason };
}

// ---------------------------------------------------------------------------------------------------------
// Directions (RFC 3264 §5.1, §6.1)
// ---------------------------------------------------------------------------------------------------------

/** Whether the side that wrote `d` sends. */
export function sends(d: MediaDirection): boolean {
  return d === 'sendrecv' || d === 'sendonly';
}

/** Whether the side that wrote `d` receives. */
export function receives(d: MediaDirection): boolean {
  return d === 'sendrecv' || d === 'recvonly';
}

export function directionFromFlags(send: boolean, receive: boolean): MediaDirection {
  if (send) return receive ? 'sendrecv' : 'sendonly';
  return receive ? 'recvonly' : 'inactive';
}

/**
 * The answer's direction (RFC 3264 §6.1): the reverse of the offer's, narrowed by our own wish — an offer
 * sendonly gets recvonly (or inactive if we hold too), recvonly gets sendonly/inactive, inactive gets inactive.
 */
export function answerDirection(offered: MediaDirection, wish: MediaDirection): MediaDirection {
  return directionFromFlags(sends(wish) && receives(offered), receives(wish) && sends(offered));
}

// ---------------------------------------------------------------------------------------------------------
// Codecs and payload types
// ---------------------------------------------------------------------------------------------------------

interface CodecIdentity {
  name: string;
  clockRate: number;
  channels: number;
}

/** RFC 3551 §6, Table 4: audio payload types that need no a=rtpmap. */
const STATIC_AUDIO: ReadonlyMap<number, CodecIdentity> = new Map([
  [0, { name: 'PCMU', clockRate: 8000, channels: 1 }],
  [3, { name: 'GSM', clockRate: 8000, channels: 1 }],
  [4, { name: 'G723', clockRate: 8000, channels: 1 }],
  [5, { name: 'DVI4', clockRate: 8000, channels: 1 }],
  [6, { name: 'DVI4', clockRate: 16000, channels: 1 }],
  [7, { name: 'LPC', clockRate: 8000, channels: 1 }],
  [8, { name: 'PCMA', clockRate: 8000, channels: 1 }],
  [9, { name: 'G722', clockRate: 8000, channels: 1 }],
  [10, { name: 'L16', clockRate: 44100, channels: 2 }],
  [11, { name: 'L16', clockRate: 44100, channels: 1 }],
  [12, { name: 'QCELP', clockRate: 8000, channels: 1 }],
  [13, { name: 'CN', clockRate: 8000, channels: 1 }],
  [14, { name: 'MPA', clockRate: 90000, channels: 1 }],
  [15, { name: 'G728', clockRate: 8000, channels: 1 }],
  [16, { name: 'DVI4', clockRate: 11025, channels: 1 }],
  [17, { name: 'DVI4', clockRate: 22050, channels: 1 }],
  [18, { name: 'G729', clockRate: 8000, channels: 1 }],
]);

const TELEPHONE_EVENT = 'telephone-event';
const DEFAULT_TE_PT = 101;
const DEFAULT_TE_EVENTS = '0-16';
/** RFC 4733 §7.1.1: no fmtp means events 0-15. */
const IMPLIED_TE_EVENTS = '0-15';
const DEFAULT_PTIME = 20;

/** The codec a payload type stands for in a media section: its a=rtpmap, else the static table. */
function identityOf(media: MediaDescription, payloadType: number): CodecIdentity | undefined {
  const map = rtpmapOf(media, payloadType);
  if (map !== undefined) return { name: map.encodingName, clockRate: map.clockRate, channels: map.channels ?? 1 };
  return STATIC_AUDIO.get(payloadType);
}

function sameCodec(a: CodecIdentity, b: CodecIdentity): boolean {
  // Encoding names are case-insensitive (RFC 4855 §3).
  return a.name.toLowerCase() === b.name.toLowerCase() && a.clockRate === b.clockRate && a.channels === b.channels;
}

function codecIdentity(c: SdpCodec): CodecIdentity {
  return { name: c.name, clockRate: c.clockRate, channels: c.channels ?? 1 };
}

function isTelephoneEvent(c: CodecIdentity): boolean {
  return c.name.toLowerCase() === TELEPHONE_EVENT;
}

/** Comfort noise (RFC 3389) is never a send codec. */
function isComfortNoise(c: CodecIdentity): boolean {
  return c.name.toLowerCase() === 'cn';
}

function payloadTypes(media: MediaDescription): number[] {
  return media.formats.map(Number);
}

/** RFC 4733 §7.1.1 event list "0-15,66,70" → sorted, merged ranges; undefined when malformed. */
function parseEvents(text: string): [number, number][] | undefined {
  const ranges: [number, number][] = [];
  for (const item of text.split(',')) {
    const m = /^\s*([0-9]{1,3})(?:-([0-9]{1,3}))?\s*$/.exec(item);
    if (m === null) return undefined;
    const lo = Number(m[1]);
    const hi = m[2] === undefined ? lo : Number(m[2]);
    if (lo > hi || hi > 255) return undefined;
    ranges.push([lo, hi]);
  }
  ranges.sort((a, b) => a[0] - b[0]);
  const merged: [number, number][] = [];
  for (const r of ranges) {
    const last = merged[merged.length - 1];
    if (last !== undefined && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else merged.push([r[0], r[1]]);
  }
  return merged;
}

function formatEvents(ranges: readonly [number, number][]): string {
  return ranges.map(([lo, hi]) => (lo === hi ? String(lo) : `${lo}-${hi}`)).join(',');
}

function intersectEvents(a: string, b: string): string | undefined {
  const ra = parseEvents(a);
  const rb = parseEvents(b);
  if (ra === undefined) return b;
  if (rb === undefined) return a;
  const out: [number, number][] = [];
  for (const [alo, ahi] of ra) {
    for (const [blo, bhi] of rb) {
      const lo = Math.max(alo, blo);
      const hi = Math.min(ahi, bhi);
      if (lo <= hi) out.push([lo, hi]);
    }
  }
  return out.length === 0 ? undefined : formatEvents(out);
}

// ---------------------------------------------------------------------------------------------------------
// Local configuration
// ---------------------------------------------------------------------------------------------------------

interface CheckedConfig {
  addrType: AddrType;
  ptime: number;
  direction: MediaDirection;
  te: { payloadType: number; events: string } | undefined;
}

function checkPort(port: number | undefined, what: string): void {
  if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) throw new RangeError(`${what} must be 1-65535, not ${port}`);
}

function checkConfig(local: LocalMediaConfig): CheckedConfig {
  const addrType: AddrType | undefined = isIPv4(local.address) ? 'IP4' : isIPv6(local.address) ? 'IP6' : undefined;
  if (addrType === undefined) throw new RangeError(`local address must be an IP literal, not "${local.address}"`);
  checkPort(local.rtpPort, 'rtpPort');
  checkPort(local.rtcpPort, 'rtcpPort');
  if (local.codecs.length === 0) throw new RangeError('no codecs configured');
  for (const c of local.codecs) {
    if (!/^[!#-'*+\-.0-9A-Z^-~]+$/.test(c.name) || c.name.includes('/')) throw new RangeError(`bad codec name "${c.name}"`);
    if (!Number.isInteger(c.clockRate) || c.clockRate < 1 || c.clockRate > 9999999) throw new RangeError(`bad clock rate for ${c.name}`);
    if (c.staticPayloadType !== undefined && (!Number.isInteger(c.staticPayloadType) || c.staticPayloadType < 0 || c.staticPayloadType > 95)) {
      throw new RangeError(`bad static payload type for ${c.name}`);
    }
    if (c.channels !== undefined && (!Number.isInteger(c.channels) || c.channels < 1 || c.channels > 255)) throw new RangeError(`bad channel count for ${c.name}`);
    if (c.fmtp !== undefined && (c.fmtp === '' || /[\r\n\0]/.test(c.fmtp))) throw new RangeError(`bad fmtp for ${c.name}`);
  }
  const ptime = local.ptime ?? DEFAULT_PTIME;
  if (!Number.isInteger(ptime) || ptime < 1 || ptime > 1000) throw new RangeError(`bad ptime ${ptime}`);
  if (local.maxptime !== undefined && (!Number.isInteger(local.maxptime) || local.maxptime < ptime || local.maxptime > 1000)) throw new RangeError(`bad maxptime ${local.maxptime}`);
  let te: CheckedConfig['te'];
  if (local.telephoneEvent !== false) {
    const payloadType = local.telephoneEvent?.payloadType ?? DEFAULT_TE_PT;
    const events = local.telephoneEvent?.events ?? DEFAULT_TE_EVENTS;
    if (!Number.isInteger(payloadType) || payloadType < 96 || payloadType > 127) throw new RangeError(`telephone-event payload type must be 96-127, not ${payloadType}`);
    if (parseEvents(events) === undefined) throw new RangeError(`bad telephone-event list "${events}"`);
    te = { payloadType, events };
  }
  if (local.srtp !== undefined) {
    if (local.srtp.keys.length === 0) throw new RangeError('SRTP configured without keys');
    for (const k of local.srtp.keys) {
      if (!SUPPORTED_SRTP_SUITES.includes(k.suite)) throw new RangeError(`unsupported SRTP suite ${String(k.suite)}`);
      if (k.key.length !== SRTP_KEY_SALT_BYTES) throw new RangeError(`${k.suite} needs ${SRTP_KEY_SALT_BYTES} bytes of key and salt, not ${k.key.length}`);
    }
  }
  if (local.username !== undefined && !/^[\x21-\x7e]+$/.test(local.username)) throw new RangeError('bad o= username');
  if (local.sessionName !== undefined && (local.sessionName === '' || /[\r\n\0]/.test(local.sessionName))) throw new RangeError('bad session name');
  if (local.sessionId !== undefined && !/^[0-9]{1,20}$/.test(local.sessionId)) throw new RangeError('session id must be 1-20 digits');
  return { addrType, ptime, direction: local.direction ?? 'sendrecv', te };
}

function newSessionId(): string {
  // RFC 4566 §5.2: any numeric string unique per host; 62 random bits leave room to increment the version.
  return (randomBytes(8).readBigUInt64BE() >> 2n).toString();
}

/**
 * o= for our next SDP. A new session gets a fresh id (version = id); later offers and answers of the same
 * session repeat o= with the version incremented (RFC 3264 §8). The version always increments — even for a
 * repeated, unchanged SDP — because JsSIP may edit the direction after setLocalDescription (_mangleOffer), so
 * the text actually sent can differ from the last one although what we generated did not.
 */
function nextOrigin(local: LocalMediaConfig, addrType: AddrType, previous: NegotiatedSession | undefined): SdpOrigin {
  if (previous !== undefined) {
    return { ...previous.localOrigin, sessionVersion: (BigInt(previous.localOrigin.sessionVersion) + 1n).toString() };
  }
  const sessionId = local.sessionId ?? newSessionId();
  return { username: local.username ?? '-', sessionId, sessionVersion: sessionId, addrType, address: local.address };
}

function baseSession(local: LocalMediaConfig, addrType: AddrType, origin: SdpOrigin): SessionDescription {
  return {
    version: 0,
    origin,
    sessionName: local.sessionName ?? '-',
    emails: [],
    phones: [],
    connection: { addrType, address: local.address },
    bandwidths: [],
    times: [{ start: '0', stop: '0', repeats: [] }],
    attributes: [],
    media: [],
  };
}

function rtpmapAttribute(payloadType: number, c: CodecIdentity, name: string): RtpmapAttribute {
  const attr: RtpmapAttribute = { kind: 'rtpmap', payloadType, encodingName: name, clockRate: c.clockRate };
  if (c.channels !== 1) attr.channels = c.channels;
  return attr;
}

/**
 * a=rtcp when RTCP is not on RTP port + 1 (RFC 3605 §2.1). An offer of rtcp-mux keeps it, as the fallback for
 * an answerer without mux (RFC 5761 §5.1.3); an answer that accepts mux needs none.
 */
function rtcpAttributes(local: LocalMediaConfig, mux: boolean, isOffer: boolean): MediaAttribute[] {
  const out: MediaAttribute[] = [];
  if ((isOffer || !mux) && local.rtcpPort !== undefined && local.rtcpPort !== local.rtpPort + 1) out.push({ kind: 'rtcp', port: local.rtcpPort });
  if (mux) out.push({ kind: 'rtcp-mux' });
  return out;
}

function ptimeAttributes(local: LocalMediaConfig, ptime: number): MediaAttribute[] {
  const out: MediaAttribute[] = [{ kind: 'ptime', milliseconds: ptime }];
  if (local.maxptime !== undefined) out.push({ kind: 'maxptime', milliseconds: local.maxptime });
  return out;
}

function cryptoAttribute(tag: number, suite: string, key: Buffer): CryptoAttribute {
  return { kind: 'crypto', tag, suite, keyParams: [{ keySalt: key.toString('base64') }], sessionParams: [] };
}

/** A disabled m-line (RFC 3264 §6 / §8.2): port 0, same type and proto, the formats kept, no attributes. */
function disabledLine(layout: MediaLineLayout): MediaDescription {
  return { type: layout.type, port: 0, proto: layout.proto, formats: [...layout.formats], bandwidths: [], attributes: [] };
}

function layoutOf(m: MediaDescription): MediaLineLayout {
  return { type: m.type, proto: m.proto, formats: [...m.formats] };
}

// ---------------------------------------------------------------------------------------------------------
// Offer
// ---------------------------------------------------------------------------------------------------------

/**
 * Payload types for our offer: static ones where the codec has one, dynamic ones (96-127) otherwise, keeping
 * the numbers of the previous exchange so that no payload type changes meaning within a session (RFC 3264 §8.3.2).
 */
function assignPayloadTypes(local: LocalMediaConfig, te: CheckedConfig['te'], previous: NegotiatedSession | undefined): { codecs: number[]; te: { pt: number; clockRate: number }[] } {
  const used = new Set<number>();
  const remembered: { pt: number; id: CodecIdentity }[] = [];
  if (previous !== undefined) {
    for (const r of previous.receive) remembered.push({ pt: r.payloadType, id: r });
    const t = previous.telephoneEvent;
    if (t !== undefined) remembered.push({ pt: t.receivePayloadType, id: { name: TELEPHONE_EVENT, clockRate: t.clockRate, channels: 1 } });
  }
  for (const c of local.codecs) if (c.staticPayloadType !== undefined) used.add(c.staticPayloadType);
  const taken = new Set<number>([...used, ...remembered.map((r) => r.pt)]);
  if (te !== undefined) taken.add(te.payloadType);
  const allocate = (id: CodecIdentity): number => {
    const old = remembered.find((r) => sameCodec(r.id, id) && !used.has(r.pt));
    if (old !== undefined) {
      used.add(old.pt);
      return old.pt;
    }
    for (let pt = 96; pt <= 127; pt += 1) {
      if (!taken.has(pt) && !used.has(pt)) {
        used.add(pt);
        taken.add(pt);
        return pt;
      }
    }
    throw new RangeError('more codecs than dynamic payload types');
  };
  const codecs: number[] = [];
  const seen: CodecIdentity[] = [];
  for (const c of local.codecs) {
    const id = codecIdentity(c);
    if (seen.some((s) => sameCodec(s, id))) throw new RangeError(`codec ${c.name}/${c.clockRate} configured twice`);
    seen.push(id);
    codecs.push(c.staticPayloadType ?? allocate(id));
  }
  const teOut: { pt: number; clockRate: number }[] = [];
  if (te !== undefined) {
    // RFC 4733 §2.1: telephone-event uses the clock rate of the audio it goes with; one entry per rate, the
    // configured payload type for 8000 Hz (or for the first rate if there is no 8 kHz codec).
    const rates = [...new Set(local.codecs.map((c) => c.clockRate))];
    const primary = rates.includes(8000) ? 8000 : (rates[0] as number);
    for (const rate of [primary, ...rates.filter((r) => r !== primary)]) {
      const id = { name: TELEPHONE_EVENT, clockRate: rate, channels: 1 };
      const remappedElsewhere = remembered.some((r) => r.pt === te.payloadType && !sameCodec(r.id, id));
      const known = remembered.some((r) => sameCodec(r.id, id));
      if (rate === primary && !known && !used.has(te.payloadType) && !remappedElsewhere) {
        used.add(te.payloadType);
        teOut.push({ pt: te.payloadType, clockRate: rate });
      } else {
        teOut.push({ pt: allocate(id), clockRate: rate });
      }
    }
  }
  return { codecs, te: teOut };
}

/**
 * Our offer (RFC 3264 §5). With `previous` (a re-offer, §8) o= keeps its id with the version incremented,
 * and every m-line of the previous exchange is kept: the audio line is refreshed, the others stay disabled.
 * Throws RangeError only for an invalid `local`.
 */
export function createOffer(local: LocalMediaConfig, previous?: NegotiatedSession): SessionDescription {
  const cfg = checkConfig(local);
  const sdp = baseSession(local, cfg.addrType, nextOrigin(local, cfg.addrType, previous));
  const pts = assignPayloadTypes(local, cfg.te, previous);
  const mux = local.rtcpMux === true;
  const attributes: MediaAttribute[] = [];
  local.codecs.forEach((c, i) => {
    const pt = pts.codecs[i] as number;
    attributes.push(rtpmapAttribute(pt, codecIdentity(c), c.name));
    if (c.fmtp !== undefined) attributes.push({ kind: 'fmtp', format: String(pt), parameters: c.fmtp });
  });
  for (const t of pts.te) {
    attributes.push(rtpmapAttribute(t.pt, { name: TELEPHONE_EVENT, clockRate: t.clockRate, channels: 1 }, TELEPHONE_EVENT));
    attributes.push({ kind: 'fmtp', format: String(t.pt), parameters: (cfg.te as { events: string }).events });
  }
  attributes.push(...rtcpAttributes(local, mux, true), ...ptimeAttributes(local, cfg.ptime));
  // RFC 4568 §5.1.1: one a=crypto per acceptable suite, tags 1…n, in preference order.
  local.srtp?.keys.forEach((k, i) => attributes.push(cryptoAttribute(i + 1, k.suite, k.key)));
  // Direction always written at media level (RFC 3264 §5.1), where JsSIP's _mangleOffer also puts it.
  attributes.push({ kind: 'direction', direction: cfg.direction });
  const audio: MediaDescription = {
    type: 'audio',
    port: local.rtpPort,
    proto: local.srtp?.policy === 'required' ? 'RTP/SAVP' : 'RTP/AVP',
    formats: [...pts.codecs, ...pts.te.map((t) => t.pt)].map(String),
    bandwidths: [],
    attributes,
  };
  const layout = previous?.mediaLines ?? [layoutOf(audio)];
  const index = previous?.mediaIndex ?? 0;
  sdp.media = layout.map((l, i) => (i === index ? audio : disabledLine(l)));
  return sdp;
}

// ---------------------------------------------------------------------------------------------------------
// Answer
// ---------------------------------------------------------------------------------------------------------

const ZERO_ADDRESSES = new Set(['0.0.0.0', '::']);

function isMulticast(c: SdpConnection): boolean {
  if (c.ttl !== undefined || c.count !== undefined) return true;
  if (c.addrType === 'IP4' && isIPv4(c.address)) {
    const first = Number(c.address.split('.')[0]);
    return first >= 224 && first <= 239;
  }
  return c.addrType === 'IP6' && /^ff/i.test(c.address);
}

function remoteAddress(session: SessionDescription, m: MediaDescription, mux: boolean): RemoteMediaAddress | string {
  const c = mediaConnection(session, m);
  if (c === undefined) return 'no c= for the audio stream';
  if (isMulticast(c)) return 'multicast is not supported';
  const rtcp = rtcpOf(m);
  return {
    addrType: c.addrType,
    address: c.address,
    rtpPort: m.port,
    rtcpAddress: mux ? c.address : rtcp?.connection?.address ?? c.address,
    rtcpPort: mux ? m.port : rtcp?.port ?? m.port + 1,
  };
}

function describeOffered(m: MediaDescription): string {
  const names = payloadTypes(m).map((pt) => {
    const id = identityOf(m, pt);
    return id === undefined ? `PT ${pt}` : `${id.name}/${id.clockRate}`;
  });
  return names.join(', ');
}

/**
 * The keying of one a=crypto line we can run, or a reason why not. Same rule as src/media/srtp/keys.ts
 * `isUsable`: a supported suite, exactly one key (several keys need MKI switching, RFC 4568 §6.1), and no
 * session parameter but WSH (RFC 4568 §6.3: KDR, UNENCRYPTED_*, UNAUTHENTICATED_SRTP, FEC_* change the
 * transform, and an attribute with parameters we do not implement is not used). A single key with an MKI is
 * fine: the MKI is returned as the bytes that precede the tag in the sender's packets (RFC 3711 §3.1).
 */
function readCrypto(a: CryptoAttribute): { suite: SrtpSuite; key: Buffer; mki: Buffer | undefined } | string {
  if (!(SUPPORTED_SRTP_SUITES as readonly string[]).includes(a.suite)) return `SRTP suite ${a.suite} is not supported`;
  const param = a.keyParams[0];
  if (param === undefined || a.keyParams.length !== 1) return 'a=crypto with several keys is not supported';
  const unsupported = a.sessionParams.find((p) => {
    const m = /^WSH=([0-9]{1,9})$/i.exec(p);
    return m === null || Number(m[1]) < 64;
  });
  if (unsupported !== undefined) return `a=crypto session parameter ${unsupported} is not supported`;
  const key = decodeBase64(param.keySalt);
  if (key === undefined || key.length !== SRTP_KEY_SALT_BYTES) return 'unreadable a=crypto key';
  let mki: Buffer | undefined;
  if (param.mki !== undefined) {
    const value = BigInt(param.mki.value);
    if (value >= 1n << BigInt(8 * param.mki.length)) return 'a=crypto MKI value does not fit its length';
    mki = Buffer.alloc(param.mki.length);
    let v = value;
    for (let i = param.mki.length - 1; i >= 0 && v > 0n; i -= 1) {
      mki[i] = Number(v & 0xffn);
      v >>= 8n;
    }
  }
  return { suite: a.suite as SrtpSuite, key, mki };
}

interface CryptoChoice {
  attr: CryptoAttribute;
  localKey: Buffer;
  remoteKey: Buffer;
  remoteMki: Buffer | undefined;
}

/**
 * The answerer's choice (RFC 4568 §7.1.2 leaves it to the answerer): the usable offered line whose suite
 * comes first in our key list; among equals, the offerer's order — the rule of src/media/srtp/keys.ts.
 */
function chooseCrypto(offered: readonly CryptoAttribute[], srtp: LocalSrtpConfig): CryptoChoice | undefined {
  let best: { choice: CryptoChoice; rank: number } | undefined;
  for (const attr of offered) {
    const read = readCrypto(attr);
    if (typeof read === 'string') continue;
    const rank = srtp.keys.findIndex((k) => k.suite === read.suite);
    const ours = srtp.keys[rank];
    if (ours === undefined || (best !== undefined && best.rank <= rank)) continue;
    best = { choice: { attr, localKey: ours.key, remoteKey: read.key, remoteMki: read.mki }, rank };
  }
  return best?.choice;
}

function srtpParams(c: CryptoChoice): SrtpParams {
  const params: SrtpParams = { suite: c.attr.suite as SrtpSuite, tag: c.attr.tag, localKey: c.localKey, remoteKey: c.remoteKey };
  if (c.remoteMki !== undefined) params.remoteMki = c.remoteMki;
  return params;
}

interface AcceptedAudio {
  media: MediaDescription;
  session: Omit<NegotiatedSession, 'localOrigin' | 'remoteOrigin' | 'mediaIndex' | 'mediaLines'>;
}

function acceptAudio(offer: SessionDescription, m: MediaDescription, local: LocalMediaConfig, cfg: CheckedConfig): AcceptedAudio | string {
  if (m.type !== 'audio') return `${m.type} streams are not supported`;
  if (m.port === 0) return 'the audio stream is disabled (port 0)';
  if (m.portCount !== undefined && m.portCount > 1) return 'layered (multi-port) audio is not supported';
  const proto = supportedProto(m);
  if (proto === undefined) return `transport ${m.proto} is not supported (only RTP/AVP and RTP/SAVP)`;

  // SRTP (RFC 4568 §7.1.2): RTP/SAVP needs an acceptable a=crypto; with RTP/AVP a=crypto is best effort.
  const offeredCrypto = cryptoOf(m);
  let crypto: CryptoChoice | undefined;
  if (proto === 'RTP/SAVP' || local.srtp?.policy === 'required') {
    if (local.srtp === undefined) return 'RTP/SAVP offered but SRTP is not enabled';
    if (proto !== 'RTP/SAVP' && offeredCrypto.length === 0) return 'SRTP is required but the offer has no a=crypto';
    crypto = chooseCrypto(offeredCrypto, local.srtp);
    if (crypto === undefined) return `no acceptable a=crypto (offered: ${offeredCrypto.map((a) => a.suite).join(', ') || 'none'})`;
  } else if (local.srtp !== undefined) {
    crypto = chooseCrypto(offeredCrypto, local.srtp);
  }

  // Codec: the first of OUR preferences that the offer has, matched by name/rate/channels, under the
  // offerer's payload type number (RFC 3264 §6.1).
  let chosen: { codec: SdpCodec; pt: number } | undefined;
  for (const codec of local.codecs) {
    const id = codecIdentity(codec);
    const pt = payloadTypes(m).find((p) => {
      const offered = identityOf(m, p);
      return offered !== undefined && sameCodec(offered, id);
    });
    if (pt !== undefined) {
      chosen = { codec, pt };
      break;
    }
  }
  if (chosen === undefined) return `no common codec (offered: ${describeOffered(m)})`;
  const chosenId = codecIdentity(chosen.codec);

  // telephone-event at the chosen codec's clock rate, under the offerer's payload type (RFC 4733 §7.1.1).
  let te: { pt: number; events: string; offeredEvents: string } | undefined;
  if (cfg.te !== undefined) {
    const tePt = payloadTypes(m).find((p) => {
      const id = identityOf(m, p);
      return id !== undefined && isTelephoneEvent(id) && id.clockRate === chosenId.clockRate;
    });
    if (tePt !== undefined) {
      const offeredEvents = fmtpOf(m, String(tePt)) ?? IMPLIED_TE_EVENTS;
      const events = intersectEvents(offeredEvents, cfg.te.events);
      if (events !== undefined) te = { pt: tePt, events, offeredEvents };
    }
  }

  const mux = hasRtcpMux(m) && local.rtcpMux === true;
  const remote = remoteAddress(offer, m, mux);
  if (typeof remote === 'string') return remote;
  if (remote.addrType !== cfg.addrType) return `the offer's ${remote.addrType} address is not reachable from our ${cfg.addrType} address`;
  const zero = ZERO_ADDRESSES.has(remote.address);

  const offered = mediaDirection(offer, m);
  const direction = answerDirection(offered, cfg.direction);

  const attributes: MediaAttribute[] = [rtpmapAttribute(chosen.pt, chosenId, chosen.codec.name)];
  if (chosen.codec.fmtp !== undefined) attributes.push({ kind: 'fmtp', format: String(chosen.pt), parameters: chosen.codec.fmtp });
  if (te !== undefined) {
    attributes.push(rtpmapAttribute(te.pt, { name: TELEPHONE_EVENT, clockRate: chosenId.clockRate, channels: 1 }, TELEPHONE_EVENT));
    attributes.push({ kind: 'fmtp', format: String(te.pt), parameters: te.events });
  }
  attributes.push(...rtcpAttributes(local, mux, false), ...ptimeAttributes(local, cfg.ptime));
  // RFC 4568 §7.1.2: the answer carries one a=crypto with the accepted tag and suite and the answerer's key.
  if (crypto !== undefined) attributes.push(cryptoAttribute(crypto.attr.tag, crypto.attr.suite, crypto.localKey));
  attributes.push({ kind: 'direction', direction });

  const media: MediaDescription = {
    type: 'audio',
    port: local.rtpPort,
    proto,
    formats: te === undefined ? [String(chosen.pt)] : [String(chosen.pt), String(te.pt)],
    bandwidths: [],
    attributes,
  };
  const sendFmtp = fmtpOf(m, String(chosen.pt));
  const send: NegotiatedCodec = { payloadType: chosen.pt, name: chosen.codec.name, clockRate: chosenId.clockRate, channels: chosenId.channels };
  if (sendFmtp !== undefined) send.fmtp = sendFmtp;
  const receiveCodec: NegotiatedCodec = { payloadType: chosen.pt, name: chosen.codec.name, clockRate: chosenId.clockRate, channels: chosenId.channels };
  if (chosen.codec.fmtp !== undefined) receiveCodec.fmtp = chosen.codec.fmtp;
  return {
    media,
    session: {
      proto,
      remote,
      rtcpMux: mux,
      send,
      receive: [receiveCodec],
      telephoneEvent: te === undefined ? undefined : { sendPayloadType: te.pt, receivePayloadType: te.pt, clockRate: chosenId.clockRate, sendEvents: te.offeredEvents },
      ptime: sendPtime(m, cfg.ptime),
      // RFC 3264 §8.4: c=0.0.0.0 means send neither RTP nor RTCP.
      direction: { send: sends(direction) && !zero, receive: receives(direction) },
      remoteHold: !receives(offered) || zero,
      srtp: crypto === undefined ? undefined : srtpParams(crypto),
    },
  };
}

/**
 * a=ptime is what the SDP's author wants to receive (RFC 4566 §6); a=maxptime caps it. Rounded to whole
 * milliseconds (the rare fractional ptime would give fractional frames at 8 kHz).
 */
function sendPtime(remote: MediaDescription, fallback: number): number {
  const wanted = ptimeOf(remote) ?? fallback;
  const max = maxptimeOf(remote);
  return Math.max(1, Math.round(max !== undefined && max < wanted ? max : wanted));
}

/**
 * Our answer to an offer (RFC 3264 §6): same number and order of m-lines; the first acceptable audio stream
 * is answered with one codec (plus telephone-event), every other stream gets port 0. No usable audio stream →
 * a 488 {@link NegotiationError} naming the reason. Throws RangeError only for an invalid `local`.
 */
export function createAnswer(offer: SessionDescription, local: LocalMediaConfig, previous?: NegotiatedSession): AnswerResult | NegotiationError {
  const cfg = checkConfig(local);
  let accepted: { index: number; audio: AcceptedAudio } | undefined;
  let firstReason: string | undefined;
  const media = offer.media.map((m, index) => {
    if (accepted === undefined) {
      const audio = acceptAudio(offer, m, local, cfg);
      if (typeof audio !== 'string') {
        accepted = { index, audio };
        return audio.media;
      }
      if (m.type === 'audio' && firstReason === undefined) firstReason = audio;
    }
    return disabledLine(layoutOf(m));
  });
  if (accepted === undefined) return notAcceptable(firstReason ?? 'no audio stream offered');
  const answer = baseSession(local, cfg.addrType, nextOrigin(local, cfg.addrType, previous));
  // RFC 3264 §6: the answer's t= equals the offer's.
  answer.times = offer.times.map((t) => ({ start: t.start, stop: t.stop, repeats: [...t.repeats] }));
  answer.media = media;
  return {
    answer,
    session: {
      ...accepted.audio.session,
      localOrigin: answer.origin,
      remoteOrigin: offer.origin,
      mediaIndex: accepted.index,
      mediaLines: media.map(layoutOf),
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Applying an answer (final or early, e.g. in a 183)
// ---------------------------------------------------------------------------------------------------------

/**
 * The session our offer and the remote's answer agree on (RFC 3264 §7). An answer that breaks the model —
 * different m-line count or types, a codec we did not offer, a crypto line we did not offer — is an error,
 * as is an answer that leaves no audio. An answer in a 183 is applied the same way as a final one.
 */
export function applyAnswer(offer: SessionDescription, answer: SessionDescription): NegotiatedSession | NegotiationError {
  // RFC 3264 §6: one answer m-line per offer m-line, same order and media type.
  if (answer.media.length !== offer.media.length) return notAcceptable(`the answer has ${answer.media.length} m-lines, the offer had ${offer.media.length}`);
  for (let i = 0; i < offer.media.length; i += 1) {
    const o = offer.media[i] as MediaDescription;
    const a = answer.media[i] as MediaDescription;
    if (a.type !== o.type) return notAcceptable(`m-line ${i + 1}: the answer has ${a.type}, the offer had ${o.type}`);
  }
  const index = offer.media.findIndex((m, i) => m.type === 'audio' && m.port !== 0 && supportedProto(m) !== undefined && (answer.media[i] as MediaDescription).port !== 0);
  if (index < 0) {
    return notAcceptable(offer.media.some((m) => m.type === 'audio' && m.port !== 0) ? 'the answer rejected the audio stream' : 'the offer had no audio stream');
  }
  const om = offer.media[index] as MediaDescription;
  const am = answer.media[index] as MediaDescription;
  const proto = supportedProto(om) as SupportedProto;
  if (am.proto !== om.proto) return notAcceptable(`the answer changed the transport from ${om.proto} to ${am.proto}`);

  // Formats: every answered payload type must name a codec of the offer (RFC 3264 §6.1).
  const answered: { pt: number; id: CodecIdentity; ours: number }[] = [];
  for (const pt of payloadTypes(am)) {
    const id = rtpmapOf(am, pt) !== undefined ? identityOf(am, pt) : identityOf(om, pt);
    if (id === undefined) return notAcceptable(`payload type ${pt} of the answer has no a=rtpmap`);
    const candidates = payloadTypes(om).filter((p) => {
      const offered = identityOf(om, p);
      return offered !== undefined && sameCodec(offered, id);
    });
    if (candidates.length === 0) {
      // Comfort noise slipped into an answer (Asterisk and some desk phones do) is ignored, not fatal.
      if (isComfortNoise(id)) continue;
      return notAcceptable(`codec ${id.name}/${id.clockRate} (payload type ${pt}) was not in the offer`);
    }
    answered.push({ pt, id, ours: candidates.includes(pt) ? pt : (candidates[0] as number) });
  }
  const audio = answered.filter((f) => !isTelephoneEvent(f.id) && !isComfortNoise(f.id));
  const first = audio[0];
  if (first === undefined) return notAcceptable('the answer has no audio codec');
  const ourName = (pt: number, id: CodecIdentity): string => rtpmapOf(om, pt)?.encodingName ?? id.name;

  const send: NegotiatedCodec = { payloadType: first.pt, name: ourName(first.ours, first.id), clockRate: first.id.clockRate, channels: first.id.channels };
  const sendFmtp = fmtpOf(am, String(first.pt));
  if (sendFmtp !== undefined) send.fmtp = sendFmtp;
  const receive = audio.map((f): NegotiatedCodec => {
    const codec: NegotiatedCodec = { payloadType: f.ours, name: ourName(f.ours, f.id), clockRate: f.id.clockRate, channels: f.id.channels };
    const fmtp = fmtpOf(om, String(f.ours));
    if (fmtp !== undefined) codec.fmtp = fmtp;
    return codec;
  });
  const te = answered.find((f) => isTelephoneEvent(f.id) && f.id.clockRate === send.clockRate);

  // SRTP (RFC 4568 §7.1.3 / §7.1.2): exactly one a=crypto, with a tag and suite we offered.
  let srtp: SrtpParams | undefined;
  const offeredCrypto = cryptoOf(om);
  const answeredCrypto = cryptoOf(am);
  if (answeredCrypto.length > 1) return notAcceptable('the answer has more than one a=crypto');
  const chosen = answeredCrypto[0];
  if (chosen === undefined) {
    if (proto === 'RTP/SAVP') return notAcceptable('RTP/SAVP answer without a=crypto');
  } else {
    const ours = offeredCrypto.find((c) => c.tag === chosen.tag);
    if (ours === undefined) return notAcceptable(`a=crypto tag ${chosen.tag} was not offered`);
    if (ours.suite !== chosen.suite) return notAcceptable(`a=crypto tag ${chosen.tag}: suite ${chosen.suite} differs from the offered ${ours.suite}`);
    const theirs = readCrypto(chosen);
    if (typeof theirs === 'string') return notAcceptable(theirs);
    const localKey = decodeBase64(ours.keyParams[0]?.keySalt ?? '');
    if (localKey === undefined) return notAcceptable('unreadable a=crypto key in our offer');
    srtp = srtpParams({ attr: chosen, localKey, remoteKey: theirs.key, remoteMki: theirs.mki });
  }

  const mux = hasRtcpMux(om) && hasRtcpMux(am);
  const remote = remoteAddress(answer, am, mux);
  if (typeof remote === 'string') return notAcceptable(remote);
  const ourConnection = mediaConnection(offer, om);
  if (ourConnection !== undefined && remote.addrType !== ourConnection.addrType) return notAcceptable(`the answer's ${remote.addrType} address does not match our ${ourConnection.addrType} address`);
  const zero = ZERO_ADDRESSES.has(remote.address);
  const ours = mediaDirection(offer, om);
  const theirs = mediaDirection(answer, am);
  // Lenient where peers are sloppy (a sendrecv answer to a sendonly offer): each flag needs both sides.
  const direction = { send: sends(ours) && receives(theirs) && !zero, receive: receives(ours) && sends(theirs) };
  return {
    proto,
    remote,
    rtcpMux: mux,
    send,
    receive,
    telephoneEvent: te === undefined
      ? undefined
      : { sendPayloadType: te.pt, receivePayloadType: te.ours, clockRate: te.id.clockRate, sendEvents: fmtpOf(am, String(te.pt)) ?? IMPLIED_TE_EVENTS },
    ptime: sendPtime(am, ptimeOf(om) ?? DEFAULT_PTIME),
    direction,
    remoteHold: sends(ours) && (!receives(theirs) || zero),
    srtp,
    localOrigin: offer.origin,
    remoteOrigin: answer.origin,
    mediaIndex: index,
    mediaLines: offer.media.map(layoutOf),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Direction in SDP text (JsSIP edits the text after setLocalDescription)
// ---------------------------------------------------------------------------------------------------------

const DIRECTION_LINE = /^a=(sendrecv|sendonly|recvonly|inactive)$/;

/**
 * Rewrites the direction of SDP text: every media section gets `a=<direction>` (RFC 3264 §5.1) and all other
 * direction lines, session-level ones included, are removed. Everything else — line ends, order, unknown
 * lines — stays as it was. Invalid SDP is returned as its {@link SdpError}.
 */
export function setDirection(sdpText: string, direction: MediaDirection): string | SdpError {
  const parsed = parseSdp(sdpText);
  if (isSdpError(parsed)) return parsed;
  const eol = sdpText.includes('\r\n') ? '\r\n' : '\n';
  const lines = sdpText.split(/\r?\n/);
  while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let inMedia = false;
  for (const line of lines) {
    if (DIRECTION_LINE.test(line)) continue;
    if (line.startsWith('m=')) {
      if (inMedia) out.push(`a=${direction}`);
      inMedia = true;
    }
    out.push(line);
  }
  out.push(`a=${direction}`); // closes the last media section, or is the session-level direction
  return out.join(eol) + eol;
}

/**
 * The direction of the SDP's audio stream: its media-level attribute, else the session-level one, else
 * sendrecv. The first enabled audio m-line counts; without audio, the first m-line; without media, the session.
 */
export function directionOf(sdp: string | SessionDescription): MediaDirection | SdpError {
  const session = typeof sdp === 'string' ? parseSdp(sdp) : sdp;
  if (isSdpError(session)) return session;
  const media = session.media.find((m) => m.type === 'audio' && m.port !== 0) ?? session.media.find((m) => m.type === 'audio') ?? session.media[0];
  if (media !== undefined) return mediaDirection(session, media);
  for (const a of session.attributes) if (a.kind === 'direction') return a.direction;
  return 'sendrecv';
}
