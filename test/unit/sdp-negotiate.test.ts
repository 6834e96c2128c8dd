// Offer/answer (src/media/sdp/negotiate.ts): RFC 3264 rules for our audio stream, hold in all its forms,
// SDES-SRTP, re-offers and early media, the direction helpers, JsSIP's own SDP mangling, and fast-check
// properties (both ends of an exchange agree; arbitrary peer SDP never makes negotiation throw).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { isSdpError, parseSdp } from '../../src/media/sdp/parse.js';
import type { MediaDescription, SessionDescription } from '../../src/media/sdp/parse.js';
import { writeSdp } from '../../src/media/sdp/write.js';
import {
  answerDirection,
  applyAnswer,
  createAnswer,
  createOffer,
  directionFromFlags,
  directionOf,
  isNegotiationError,
  setDirection,
} from '../../src/media/sdp/negotiate.js';
import type { AnswerResult, LocalMediaConfig, NegotiatedSession, NegotiationError, SdpCodec } from '../../src/media/sdp/negotiate.js';
import type { MediaDirection } from '../../src/media/types.js';

const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

const PCMU: SdpCodec = { name: 'PCMU', clockRate: 8000, staticPayloadType: 0 };
const PCMA: SdpCodec = { name: 'PCMA', clockRate: 8000, staticPayloadType: 8 };
const G722: SdpCodec = { name: 'G722', clockRate: 8000, staticPayloadType: 9 };
const OPUS: SdpCodec = { name: 'opus', clockRate: 48000, staticPayloadType: undefined, channels: 2, fmtp: 'useinbandfec=1' };

const KEY_A = Buffer.alloc(30, 0xa1);
const KEY_B = Buffer.alloc(30, 0xb2);
const KEY_C = Buffer.alloc(30, 0xc3);

const PHONE: LocalMediaConfig = { address: '192.0.2.10', rtpPort: 40000, codecs: [G722, PCMU, PCMA], sessionId: '3000' };

// Peer SDP modelled on what baresip, Asterisk and FreeSWITCH send.
const BARESIP_OFFER = crlf(
  'v=0', 'o=- 1862370396 2037457291 IN IP4 192.168.1.20', 's=-', 'c=IN IP4 192.168.1.20', 't=0 0',
  'm=audio 10004 RTP/AVP 0 8 101', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15', 'a=sendrecv', 'a=label:1', 'a=rtcp-rsize', 'a=ptime:20',
);
const ASTERISK_OFFER = crlf(
  'v=0', 'o=- 1699451234 1699451235 IN IP4 203.0.113.5', 's=Asterisk', 'c=IN IP4 203.0.113.5', 't=0 0',
  'm=audio 17234 RTP/AVP 9 0 8 3 18 111 101', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:3 GSM/8000', 'a=rtpmap:18 G729/8000', 'a=fmtp:18 annexb=no', 'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 useinbandfec=1', 'a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 0-16', 'a=ptime:20', 'a=maxptime:150', 'a=sendrecv',
);
const FS_KEY_1 = Buffer.alloc(30, 0x11).toString('base64');
const FS_KEY_2 = Buffer.alloc(30, 0x22).toString('base64');
const FREESWITCH_SRTP_OFFER = crlf(
  'v=0', 'o=FreeSWITCH 1700000000 1700000001 IN IP4 198.51.100.20', 's=FreeSWITCH', 'c=IN IP4 198.51.100.20', 't=0 0',
  'm=audio 24816 RTP/SAVP 0 8 101 13', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16', 'a=rtpmap:13 CN/8000', 'a=ptime:20', 'a=sendrecv', 'a=rtcp:24817 IN IP4 198.51.100.20',
  `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}`, `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${FS_KEY_2}`,
);

function sdp(text: string): SessionDescription {
  const r = parseSdp(text);
  if (isSdpError(r)) assert.fail(`fixture does not parse: ${r.message}`);
  return r;
}

/** A one-stream offer from a peer: `lines` after m=audio; head lines can be replaced. */
function peerOffer(mLine: string, lines: string[] = [], head: string[] = ['c=IN IP4 198.51.100.7']): SessionDescription {
  return sdp(crlf('v=0', 'o=peer 77 77 IN IP4 198.51.100.7', 's=-', ...head, 't=0 0', mLine, ...lines));
}

function answered(r: AnswerResult | NegotiationError): AnswerResult {
  if (isNegotiationError(r)) assert.fail(`unexpected 488: ${r.reason}`);
  return r;
}

function applied(r: NegotiatedSession | NegotiationError): NegotiatedSession {
  if (isNegotiationError(r)) assert.fail(`unexpected negotiation error: ${r.reason}`);
  return r;
}

function rejected(r: AnswerResult | NegotiatedSession | NegotiationError): NegotiationError {
  if (!isNegotiationError(r)) assert.fail('expected a negotiation error');
  assert.equal(r.code, 488);
  return r;
}

function line(m: MediaDescription | undefined): MediaDescription {
  assert.ok(m);
  return m;
}

const textOf = (s: SessionDescription): string[] => writeSdp(s).split('\r\n').filter((l) => l !== '');

// ---------------------------------------------------------------------------------------------------------
// createOffer
// ---------------------------------------------------------------------------------------------------------

test('offer: static payload types, telephone-event 101 0-16, ptime 20, sendrecv, RTP/AVP (RFC 3264 §5)', () => {
  assert.deepEqual(textOf(createOffer(PHONE)), [
    'v=0',
    'o=- 3000 3000 IN IP4 192.0.2.10',
    's=-',
    'c=IN IP4 192.0.2.10',
    't=0 0',
    'm=audio 40000 RTP/AVP 9 0 8 101',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:8 PCMA/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
  ]);
});

test('offer: a fresh session id when none is configured, version equal to it', () => {
  const a = createOffer({ ...PHONE, sessionId: undefined });
  const b = createOffer({ ...PHONE, sessionId: undefined });
  assert.match(a.origin.sessionId, /^[0-9]+$/);
  assert.notEqual(a.origin.sessionId, b.origin.sessionId);
  assert.equal(a.origin.sessionVersion, a.origin.sessionId);
});

test('offer: dynamic payload types for opus, telephone-event per clock rate, a=rtcp, rtcp-mux, maxptime, hold wish', () => {
  const offer = createOffer({ ...PHONE, codecs: [OPUS, PCMU], rtcpPort: 40010, rtcpMux: false, maxptime: 60, direction: 'sendonly', telephoneEvent: { payloadType: 100, events: '0-15' } });
  assert.deepEqual(textOf(offer).slice(5), [
    'm=audio 40000 RTP/AVP 96 0 100 97',
    'a=rtpmap:96 opus/48000/2',
    'a=fmtp:96 useinbandfec=1',
    'a=rtpmap:0 PCMU/8000',
    'a=rtpmap:100 telephone-event/8000',
    'a=fmtp:100 0-15',
    'a=rtpmap:97 telephone-event/48000',
    'a=fmtp:97 0-15',
    'a=rtcp:40010',
    'a=ptime:20',
    'a=maxptime:60',
    'a=sendonly',
  ]);
  const mux = createOffer({ ...PHONE, rtcpMux: true, rtcpPort: 40010, telephoneEvent: false });
  assert.deepEqual(textOf(mux).slice(5), ['m=audio 40000 RTP/AVP 9 0 8', 'a=rtpmap:9 G722/8000', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:8 PCMA/8000', 'a=rtcp:40010', 'a=rtcp-mux', 'a=ptime:20', 'a=sendrecv']);
  // RTCP on RTP port + 1 needs no a=rtcp (RFC 3605 §2.1).
  assert.ok(!textOf(createOffer({ ...PHONE, rtcpPort: 40001 })).some((l) => l.startsWith('a=rtcp')));
});

test('offer: SRTP required → RTP/SAVP with one a=crypto per suite; optional → RTP/AVP with a=crypto (RFC 4568 §5.1.1)', () => {
  const keys = [{ suite: 'AES_CM_128_HMAC_SHA1_80' as const, key: KEY_A }, { suite: 'AES_CM_128_HMAC_SHA1_32' as const, key: KEY_B }];
  const required = createOffer({ ...PHONE, srtp: { policy: 'required', keys } });
  const m = line(required.media[0]);
  assert.equal(m.proto, 'RTP/SAVP');
  assert.deepEqual(textOf(required).filter((l) => l.startsWith('a=crypto')), [
    `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${KEY_A.toString('base64')}`,
    `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${KEY_B.toString('base64')}`,
  ]);
  const optional = createOffer({ ...PHONE, srtp: { policy: 'optional', keys } });
  assert.equal(line(optional.media[0]).proto, 'RTP/AVP');
  assert.equal(textOf(optional).filter((l) => l.startsWith('a=crypto')).length, 2);
  assert.equal(line(createOffer(PHONE).media[0]).proto, 'RTP/AVP');
});

test('offer: an invalid local configuration is a RangeError (a programming error, not a peer problem)', () => {
  assert.throws(() => createOffer({ ...PHONE, address: 'phone.local' }), RangeError);
  assert.throws(() => createOffer({ ...PHONE, rtpPort: 0 }), RangeError);
  assert.throws(() => createOffer({ ...PHONE, codecs: [] }), RangeError);
  assert.throws(() => createOffer({ ...PHONE, codecs: [PCMU, PCMU] }), RangeError);
  assert.throws(() => createOffer({ ...PHONE, telephoneEvent: { payloadType: 8 } }), RangeError);
  assert.throws(() => createOffer({ ...PHONE, srtp: { policy: 'required', keys: [{ suite: 'AES_CM_128_HMAC_SHA1_80', key: Buffer.alloc(16) }] } }), RangeError);
  assert.throws(() => createOffer({ ...PHONE, srtp: { policy: 'required', keys: [] } }), RangeError);
  assert.throws(() => createOffer({ ...PHONE, sessionName: 'a\r\nb=1' }), RangeError);
});

test('offer: every re-offer repeats o= with the version incremented, even past 2^53 (RFC 3264 §8)', () => {
  const offer = createOffer(PHONE);
  const answer = answered(createAnswer(offer, { address: '198.51.100.7', rtpPort: 50000, codecs: [PCMU] }));
  const first = applied(applyAnswer(offer, answer.answer));
  // The address moved (new DHCP lease): o= stays the same except its version; c= and m= carry the new values.
  const reoffer = createOffer({ ...PHONE, address: '192.0.2.99', rtpPort: 40100 }, first);
  assert.deepEqual(reoffer.origin, { ...offer.origin, sessionVersion: '3001' });
  assert.deepEqual(reoffer.connection, { addrType: 'IP4', address: '192.0.2.99' });
  assert.equal(line(reoffer.media[0]).port, 40100);
  const second = applied(applyAnswer(reoffer, answer.answer));
  assert.equal(createOffer(PHONE, second).origin.sessionVersion, '3002');
  const huge = { ...second, localOrigin: { ...second.localOrigin, sessionVersion: '9007199254740993' } };
  assert.equal(createOffer(PHONE, huge).origin.sessionVersion, '9007199254740994');
});

test('offer: a re-offer keeps every m-line of the previous exchange (disabled ones stay port 0) and its payload types', () => {
  const peer = peerOffer('m=video 9000 RTP/AVP 96', ['a=rtpmap:96 VP8/90000', 'm=audio 9002 RTP/AVP 111 8 100', 'a=rtpmap:111 opus/48000/2', 'a=rtpmap:100 telephone-event/48000']);
  const { session } = answered(createAnswer(peer, { ...PHONE, codecs: [OPUS, PCMA] }));
  assert.equal(session.mediaIndex, 1);
  const reoffer = createOffer({ ...PHONE, codecs: [OPUS, PCMA] }, session);
  assert.equal(reoffer.media.length, 2);
  assert.deepEqual(line(reoffer.media[0]), { type: 'video', port: 0, proto: 'RTP/AVP', formats: ['96'], bandwidths: [], attributes: [] });
  const audio = line(reoffer.media[1]);
  assert.equal(audio.port, 40000);
  // opus keeps 111 and telephone-event/48000 keeps 100 (RFC 3264 §8.3.2: no payload type changes meaning).
  assert.deepEqual(audio.formats, ['111', '8', '101', '100']);
  assert.ok(textOf(reoffer).includes('a=rtpmap:100 telephone-event/48000'));
});

// ---------------------------------------------------------------------------------------------------------
// createAnswer
// ---------------------------------------------------------------------------------------------------------

test('answer: the first codec in OUR preference order that the offer has, with the offerer\'s payload types', () => {
  const r = answered(createAnswer(sdp(ASTERISK_OFFER), PHONE));
  assert.deepEqual(textOf(r.answer), [
    'v=0',
    'o=- 3000 3000 IN IP4 192.0.2.10',
    's=-',
    'c=IN IP4 192.0.2.10',
    't=0 0',
    'm=audio 40000 RTP/AVP 9 101',
    'a=rtpmap:9 G722/8000',
    'a=rtpmap:101 telephone-event/8000',
    'a=fmtp:101 0-16',
    'a=ptime:20',
    'a=sendrecv',
  ]);
  assert.deepEqual(r.session.send, { payloadType: 9, name: 'G722', clockRate: 8000, channels: 1 });
  assert.deepEqual(r.session.receive, [{ payloadType: 9, name: 'G722', clockRate: 8000, channels: 1 }]);
  assert.deepEqual(r.session.telephoneEvent, { sendPayloadType: 101, receivePayloadType: 101, clockRate: 8000, sendEvents: '0-16' });
  assert.deepEqual(r.session.remote, { addrType: 'IP4', address: '203.0.113.5', rtpPort: 17234, rtcpAddress: '203.0.113.5', rtcpPort: 17235 });
  assert.equal(r.session.ptime, 20);
  assert.deepEqual(r.session.direction, { send: true, receive: true });
  assert.equal(r.session.remoteHold, false);
  assert.equal(r.session.srtp, undefined);
  assert.equal(r.session.proto, 'RTP/AVP');
  assert.equal(r.session.rtcpMux, false);
  assert.deepEqual(r.session.remoteOrigin, sdp(ASTERISK_OFFER).origin);
  assert.deepEqual(r.session.localOrigin, r.answer.origin);
});

test('answer: baresip offer, PCMA preferred; telephone-event events are the intersection (0-15 ∩ 0-16)', () => {
  const r = answered(createAnswer(sdp(BARESIP_OFFER), { ...PHONE, codecs: [PCMA, PCMU] }));
  assert.deepEqual(line(r.answer.media[0]).formats, ['8', '101']);
  assert.ok(textOf(r.answer).includes('a=fmtp:101 0-15'));
  assert.equal(r.session.telephoneEvent?.sendEvents, '0-15');
});

test('answer: codecs match by name (any case) and clock rate, not by payload type number', () => {
  const offer = peerOffer('m=audio 5000 RTP/AVP 96 97 98 100', ['a=rtpmap:96 G722/16000', 'a=rtpmap:97 pcma/8000', 'a=rtpmap:98 PCMU/8000', 'a=rtpmap:100 telephone-event/8000']);
  const r = answered(createAnswer(offer, { ...PHONE, codecs: [G722, PCMA, PCMU] })); // G722/16000 is not our G722/8000
  assert.deepEqual(line(r.answer.media[0]).formats, ['97', '100']);
  assert.ok(textOf(r.answer).includes('a=rtpmap:97 PCMA/8000'));
  assert.deepEqual(r.session.send, { payloadType: 97, name: 'PCMA', clockRate: 8000, channels: 1 });
  // A static payload type without a=rtpmap stands for its RFC 3551 codec.
  const bare = answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 18 0'), PHONE));
  assert.deepEqual(line(bare.answer.media[0]).formats, ['0']);
  assert.equal(bare.session.telephoneEvent, undefined);
});

test('answer: opus keeps the offerer\'s payload type; telephone-event at the codec\'s clock rate', () => {
  const offer = peerOffer('m=audio 5000 RTP/AVP 111 0 110 126', ['a=rtpmap:111 opus/48000/2', 'a=fmtp:111 minptime=10;useinbandfec=1', 'a=rtpmap:110 telephone-event/48000', 'a=rtpmap:126 telephone-event/8000', 'a=fmtp:126 0-15']);
  const r = answered(createAnswer(offer, { ...PHONE, codecs: [OPUS, PCMU] }));
  assert.deepEqual(textOf(r.answer).slice(5), [
    'm=audio 40000 RTP/AVP 111 110',
    'a=rtpmap:111 opus/48000/2',
    'a=fmtp:111 useinbandfec=1',
    'a=rtpmap:110 telephone-event/48000',
    'a=fmtp:110 0-15',
    'a=ptime:20',
    'a=sendrecv',
  ]);
  assert.deepEqual(r.session.send, { payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'minptime=10;useinbandfec=1' });
  assert.deepEqual(r.session.receive, [{ payloadType: 111, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' }]);
  assert.deepEqual(r.session.telephoneEvent, { sendPayloadType: 110, receivePayloadType: 110, clockRate: 48000, sendEvents: '0-15' });
});

test('answer: telephone-event left out when we disable it or the event lists do not overlap', () => {
  const off = answered(createAnswer(sdp(BARESIP_OFFER), { ...PHONE, telephoneEvent: false }));
  assert.deepEqual(line(off.answer.media[0]).formats, ['0']);
  assert.equal(off.session.telephoneEvent, undefined);
  const disjoint = peerOffer('m=audio 5000 RTP/AVP 0 101', ['a=rtpmap:101 telephone-event/8000', 'a=fmtp:101 32-41']);
  assert.equal(answered(createAnswer(disjoint, PHONE)).session.telephoneEvent, undefined);
});

test('answer direction follows RFC 3264 §6.1, narrowed by our own wish', () => {
  const expected: Record<MediaDirection, Record<MediaDirection, MediaDirection>> = {
    // offer →   our wish: sendrecv     sendonly      recvonly      inactive
    sendrecv: { sendrecv: 'sendrecv', sendonly: 'sendonly', recvonly: 'recvonly', inactive: 'inactive' },
    sendonly: { sendrecv: 'recvonly', sendonly: 'inactive', recvonly: 'recvonly', inactive: 'inactive' },
    recvonly: { sendrecv: 'sendonly', sendonly: 'sendonly', recvonly: 'inactive', inactive: 'inactive' },
    inactive: { sendrecv: 'inactive', sendonly: 'inactive', recvonly: 'inactive', inactive: 'inactive' },
  };
  for (const [offered, row] of Object.entries(expected) as [MediaDirection, Record<MediaDirection, MediaDirection>][]) {
    for (const [wish, want] of Object.entries(row) as [MediaDirection, MediaDirection][]) {
      assert.equal(answerDirection(offered, wish), want, `${offered} / ${wish}`);
      const r = answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0', [`a=${offered}`]), { ...PHONE, direction: wish }));
      assert.equal(directionOf(r.answer), want, `${offered} / ${wish}`);
      assert.deepEqual(r.session.direction, { send: want === 'sendrecv' || want === 'sendonly', receive: want === 'sendrecv' || want === 'recvonly' });
    }
  }
  assert.equal(directionFromFlags(true, false), 'sendonly');
});

test('hold variants in an offer: sendonly, inactive, session-level, media-level override, legacy c=0.0.0.0 (RFC 3264 §8.4)', () => {
  const held = (head: string[], lines: string[]): NegotiatedSession => answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0', lines, head), PHONE)).session;
  const c = ['c=IN IP4 198.51.100.7'];
  assert.deepEqual(pick(held(c, ['a=sendonly'])), { remoteHold: true, send: false, receive: true });
  assert.deepEqual(pick(held(c, ['a=inactive'])), { remoteHold: true, send: false, receive: false });
  assert.deepEqual(pick(held([...c, 'a=sendonly'], [])), { remoteHold: true, send: false, receive: true });
  assert.deepEqual(pick(held([...c, 'a=sendonly'], ['a=sendrecv'])), { remoteHold: false, send: true, receive: true });
  assert.deepEqual(pick(held(c, ['a=recvonly'])), { remoteHold: false, send: true, receive: false });
  // c=0.0.0.0: send neither RTP nor RTCP; the answer itself stays sendrecv (the address may come later).
  const legacy = answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0', [], ['c=IN IP4 0.0.0.0']), PHONE));
  assert.deepEqual(pick(legacy.session), { remoteHold: true, send: false, receive: true });
  assert.equal(directionOf(legacy.answer), 'sendrecv');
  // The hold offer is answered recvonly, never with held SDP of our own (RFC 3264 §8.4).
  assert.equal(directionOf(answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0', ['a=sendonly']), PHONE)).answer), 'recvonly');
});

function pick(s: NegotiatedSession): { remoteHold: boolean; send: boolean; receive: boolean } {
  return { remoteHold: s.remoteHold, send: s.direction.send, receive: s.direction.receive };
}

test('answer: non-audio streams and extra audio streams get port 0; number and order of m-lines are kept', () => {
  const offer = peerOffer('m=video 6000 RTP/AVP 96', [
    'a=rtpmap:96 H264/90000',
    'm=audio 0 RTP/AVP 0',
    'm=audio 5000 RTP/AVP 8 0',
    'm=audio 5002 RTP/AVP 0',
    'm=image 5004 udptl t38',
  ]);
  const r = answered(createAnswer(offer, PHONE));
  assert.deepEqual(r.answer.media.map((m) => [m.type, m.port, m.proto, m.formats.join(' ')]), [
    ['video', 0, 'RTP/AVP', '96'],
    ['audio', 0, 'RTP/AVP', '0'],
    ['audio', 40000, 'RTP/AVP', '0'],
    ['audio', 0, 'RTP/AVP', '0'],
    ['image', 0, 'udptl', 't38'],
  ]);
  assert.equal(r.session.mediaIndex, 2);
  assert.equal(r.session.mediaLines.length, 5);
  assert.equal(r.session.remote.rtpPort, 5000);
});

test('answer: unsupported protocols are rejected; with no usable audio the result is a 488 naming the reason', () => {
  const savpf = peerOffer('m=audio 5000 RTP/SAVPF 0', ['m=audio 5002 RTP/AVP 0']);
  const r = answered(createAnswer(savpf, PHONE));
  assert.deepEqual(r.answer.media.map((m) => m.port), [0, 40000]);
  assert.match(rejected(createAnswer(peerOffer('m=audio 5000 UDP/TLS/RTP/SAVPF 0'), PHONE)).reason, /transport UDP\/TLS\/RTP\/SAVPF is not supported/);
  assert.match(rejected(createAnswer(peerOffer('m=video 5000 RTP/AVP 96', ['a=rtpmap:96 VP8/90000']), PHONE)).reason, /no audio stream offered/);
  assert.match(rejected(createAnswer(peerOffer('m=audio 0 RTP/AVP 0'), PHONE)).reason, /disabled \(port 0\)/);
  assert.match(rejected(createAnswer(peerOffer('m=audio 5000/2 RTP/AVP 0'), PHONE)).reason, /layered/);
  assert.match(rejected(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0', [], ['c=IN IP4 224.2.1.1/16']), PHONE)).reason, /multicast/);
});

test('answer: no common codec → 488 listing what was offered', () => {
  const e = rejected(createAnswer(peerOffer('m=audio 5000 RTP/AVP 18 3 96 101', ['a=rtpmap:96 AMR-WB/16000', 'a=rtpmap:101 telephone-event/8000']), PHONE));
  assert.equal(e.kind, 'negotiation-error');
  assert.equal(e.reason, 'no common codec (offered: G729/8000, GSM/8000, AMR-WB/16000, telephone-event/8000)');
});

test('answer: t= copied from the offer; o= versioned from the previous exchange', () => {
  const offer = peerOffer('m=audio 5000 RTP/AVP 0').times;
  assert.deepEqual(offer, [{ start: '0', stop: '0', repeats: [] }]);
  const timed = sdp(crlf('v=0', 'o=p 1 1 IN IP4 198.51.100.7', 's=-', 'c=IN IP4 198.51.100.7', 't=3034423619 3042462419', 'r=604800 3600 0 90000', 'm=audio 5000 RTP/AVP 0'));
  const r = answered(createAnswer(timed, PHONE));
  assert.deepEqual(r.answer.times, timed.times);
  const again = answered(createAnswer(timed, PHONE, r.session));
  assert.deepEqual(again.answer.origin, { ...r.answer.origin, sessionVersion: '3001' });
});

test('answer: RTCP address and port from a=rtcp (RFC 3605), else port + 1; rtcp-mux only when both want it (RFC 5761)', () => {
  const fs = answered(createAnswer(sdp(FREESWITCH_SRTP_OFFER), { ...PHONE, srtp: { policy: 'optional', keys: [{ suite: 'AES_CM_128_HMAC_SHA1_80', key: KEY_A }] } })).session;
  assert.deepEqual(fs.remote, { addrType: 'IP4', address: '198.51.100.20', rtpPort: 24816, rtcpAddress: '198.51.100.20', rtcpPort: 24817 });
  const other = answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0', ['a=rtcp:6001 IN IP4 198.51.100.99']), PHONE)).session;
  assert.deepEqual([other.remote.rtcpAddress, other.remote.rtcpPort], ['198.51.100.99', 6001]);
  const muxOffer = peerOffer('m=audio 5000 RTP/AVP 0', ['a=rtcp-mux']);
  const mux = answered(createAnswer(muxOffer, { ...PHONE, rtcpMux: true }));
  assert.equal(mux.session.rtcpMux, true);
  assert.equal(mux.session.remote.rtcpPort, 5000);
  assert.ok(textOf(mux.answer).includes('a=rtcp-mux'));
  const muxAnswer = answered(createAnswer(muxOffer, { ...PHONE, rtcpMux: true, rtcpPort: 40010 }));
  assert.ok(!textOf(muxAnswer.answer).some((l) => l.startsWith('a=rtcp:')), 'no a=rtcp once mux is agreed');
  assert.ok(textOf(answered(createAnswer(muxOffer, { ...PHONE, rtcpPort: 40010 })).answer).includes('a=rtcp:40010'));
  const noMux = answered(createAnswer(muxOffer, PHONE));
  assert.equal(noMux.session.rtcpMux, false);
  assert.equal(noMux.session.remote.rtcpPort, 5001);
  assert.ok(!textOf(noMux.answer).includes('a=rtcp-mux'));
});

test('answer: we send with the offerer\'s ptime, capped by its maxptime', () => {
  assert.equal(answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0', ['a=ptime:30']), PHONE)).session.ptime, 30);
  assert.equal(answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0', ['a=maxptime:20']), { ...PHONE, ptime: 40 })).session.ptime, 20);
  assert.equal(answered(createAnswer(peerOffer('m=audio 5000 RTP/AVP 0'), PHONE)).session.ptime, 20);
});

test('answer SRTP: first offered suite we have a key for; our key under the offered tag (RFC 4568 §7.1.2)', () => {
  const only32 = { ...PHONE, srtp: { policy: 'required' as const, keys: [{ suite: 'AES_CM_128_HMAC_SHA1_32' as const, key: KEY_C }] } };
  const r = answered(createAnswer(sdp(FREESWITCH_SRTP_OFFER), only32));
  assert.equal(line(r.answer.media[0]).proto, 'RTP/SAVP');
  assert.deepEqual(textOf(r.answer).filter((l) => l.startsWith('a=crypto')), [`a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${KEY_C.toString('base64')}`]);
  assert.deepEqual(r.session.srtp, { suite: 'AES_CM_128_HMAC_SHA1_32', tag: 2, localKey: KEY_C, remoteKey: Buffer.from(FS_KEY_2, 'base64') });
  const both = { ...PHONE, srtp: { policy: 'optional' as const, keys: [{ suite: 'AES_CM_128_HMAC_SHA1_32' as const, key: KEY_C }, { suite: 'AES_CM_128_HMAC_SHA1_80' as const, key: KEY_A }] } };
  assert.equal(answered(createAnswer(sdp(FREESWITCH_SRTP_OFFER), both)).session.srtp?.tag, 2); // our suite preference first
  const both80First = { ...PHONE, srtp: { policy: 'optional' as const, keys: [...both.srtp.keys].reverse() } };
  assert.equal(answered(createAnswer(sdp(FREESWITCH_SRTP_OFFER), both80First)).session.srtp?.tag, 1);
  // Among lines of the same suite, the offerer's order decides.
  const twice80 = peerOffer('m=audio 5000 RTP/SAVP 0', [`a=crypto:5 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}`, `a=crypto:6 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_2}`]);
  assert.equal(answered(createAnswer(twice80, both)).session.srtp?.tag, 5);
});

test('answer SRTP: refusals and best-effort SRTP over RTP/AVP', () => {
  const keys80 = [{ suite: 'AES_CM_128_HMAC_SHA1_80' as const, key: KEY_A }];
  assert.match(rejected(createAnswer(sdp(FREESWITCH_SRTP_OFFER), PHONE)).reason, /RTP\/SAVP offered but SRTP is not enabled/);
  const aes256 = peerOffer('m=audio 5000 RTP/SAVP 0', [`a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${Buffer.alloc(46, 1).toString('base64')}`]);
  assert.match(rejected(createAnswer(aes256, { ...PHONE, srtp: { policy: 'optional', keys: keys80 } })).reason, /no acceptable a=crypto \(offered: AES_256_CM_HMAC_SHA1_80\)/);
  // Session parameters that change the transform make a line unusable (RFC 4568 §6.3); WSH is only a hint.
  const kdr = peerOffer('m=audio 5000 RTP/SAVP 0', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1} KDR=1`]);
  assert.match(rejected(createAnswer(kdr, { ...PHONE, srtp: { policy: 'optional', keys: keys80 } })).reason, /no acceptable a=crypto/);
  const wsh = peerOffer('m=audio 5000 RTP/SAVP 0', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1} WSH=128`]);
  assert.equal(answered(createAnswer(wsh, { ...PHONE, srtp: { policy: 'optional', keys: keys80 } })).session.srtp?.tag, 1);
  // One key with an MKI is usable: the MKI bytes the remote's packets carry come with the keys.
  const withMki = peerOffer('m=audio 5000 RTP/SAVP 0', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}|2^20|258:4`]);
  assert.deepEqual(answered(createAnswer(withMki, { ...PHONE, srtp: { policy: 'optional', keys: keys80 } })).session.srtp, {
    suite: 'AES_CM_128_HMAC_SHA1_80', tag: 1, localKey: KEY_A, remoteKey: Buffer.from(FS_KEY_1, 'base64'), remoteMki: Buffer.from([0, 0, 1, 2]),
  });
  const twoKeys = peerOffer('m=audio 5000 RTP/SAVP 0', [`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}|1:1;inline:${FS_KEY_2}|2:1`]);
  assert.match(rejected(createAnswer(twoKeys, { ...PHONE, srtp: { policy: 'optional', keys: keys80 } })).reason, /no acceptable a=crypto/);
  const plain = peerOffer('m=audio 5000 RTP/AVP 0');
  assert.match(rejected(createAnswer(plain, { ...PHONE, srtp: { policy: 'required', keys: keys80 } })).reason, /SRTP is required but the offer has no a=crypto/);
  assert.equal(answered(createAnswer(plain, { ...PHONE, srtp: { policy: 'optional', keys: keys80 } })).session.srtp, undefined);
  // RTP/AVP with a=crypto (baresip "srtp", Asterisk best effort): keyed when we can, plain otherwise.
  const bestEffort = peerOffer('m=audio 5000 RTP/AVP 0', [`a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}`]);
  const keyed = answered(createAnswer(bestEffort, { ...PHONE, srtp: { policy: 'optional', keys: keys80 } }));
  assert.equal(line(keyed.answer.media[0]).proto, 'RTP/AVP');
  assert.equal(keyed.session.srtp?.tag, 3);
  const unkeyed = answered(createAnswer(bestEffort, PHONE));
  assert.equal(unkeyed.session.srtp, undefined);
  assert.ok(!textOf(unkeyed.answer).some((l) => l.startsWith('a=crypto')));
});

test('answer: address families must match; IPv6 works end to end', () => {
  const v6offer = peerOffer('m=audio 5000 RTP/AVP 0', [], ['c=IN IP6 2001:db8::7']);
  assert.match(rejected(createAnswer(v6offer, PHONE)).reason, /IP6 address is not reachable from our IP4 address/);
  const r = answered(createAnswer(v6offer, { ...PHONE, address: '2001:db8::10' }));
  assert.deepEqual(r.answer.connection, { addrType: 'IP6', address: '2001:db8::10' });
  assert.equal(r.session.remote.address, '2001:db8::7');
});

// ---------------------------------------------------------------------------------------------------------
// applyAnswer
// ---------------------------------------------------------------------------------------------------------

const PEER: LocalMediaConfig = { address: '198.51.100.7', rtpPort: 50000, codecs: [PCMU, G722], sessionId: '900' };

test('applyAnswer: the session both ends agree on, from our side', () => {
  const offer = createOffer(PHONE);
  const { answer, session: theirs } = answered(createAnswer(offer, PEER));
  const ours = applied(applyAnswer(offer, answer));
  assert.deepEqual(ours, {
    proto: 'RTP/AVP',
    remote: { addrType: 'IP4', address: '198.51.100.7', rtpPort: 50000, rtcpAddress: '198.51.100.7', rtcpPort: 50001 },
    rtcpMux: false,
    send: { payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 },
    receive: [{ payloadType: 0, name: 'PCMU', clockRate: 8000, channels: 1 }],
    telephoneEvent: { sendPayloadType: 101, receivePayloadType: 101, clockRate: 8000, sendEvents: '0-16' },
    ptime: 20,
    direction: { send: true, receive: true },
    remoteHold: false,
    srtp: undefined,
    localOrigin: offer.origin,
    remoteOrigin: answer.origin,
    mediaIndex: 0,
    mediaLines: [{ type: 'audio', proto: 'RTP/AVP', formats: ['9', '0', '8', '101'] }],
  });
  assert.deepEqual(theirs.send, ours.receive[0]);
});

test('applyAnswer: several answered codecs — send the first, accept all under our numbers', () => {
  const offer = createOffer({ ...PHONE, codecs: [OPUS, PCMU, PCMA] });
  const answer = sdp(crlf('v=0', 'o=x 1 1 IN IP4 198.51.100.7', 's=-', 'c=IN IP4 198.51.100.7', 't=0 0',
    'm=audio 5000 RTP/AVP 8 111 13 98', 'a=rtpmap:111 OPUS/48000/2', 'a=fmtp:111 stereo=0', 'a=rtpmap:13 CN/8000', 'a=rtpmap:98 telephone-event/8000', 'a=ptime:30'));
  const s = applied(applyAnswer(offer, answer)); // CN was not offered: ignored rather than fatal
  assert.deepEqual(s.send, { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 });
  assert.deepEqual(s.receive, [
    { payloadType: 8, name: 'PCMA', clockRate: 8000, channels: 1 },
    { payloadType: 96, name: 'opus', clockRate: 48000, channels: 2, fmtp: 'useinbandfec=1' },
  ]);
  // Their telephone-event number is what we send with; ours is what they send with.
  assert.deepEqual(s.telephoneEvent, { sendPayloadType: 98, receivePayloadType: 101, clockRate: 8000, sendEvents: '0-15' });
  assert.equal(s.ptime, 30);
});

test('applyAnswer: answers that break RFC 3264 §6 are errors', () => {
  const offer = createOffer(PHONE);
  const answer = (...m: string[]): SessionDescription => sdp(crlf('v=0', 'o=x 1 1 IN IP4 198.51.100.7', 's=-', 'c=IN IP4 198.51.100.7', 't=0 0', ...m));
  assert.match(rejected(applyAnswer(offer, answer('m=audio 5000 RTP/AVP 0', 'm=video 0 RTP/AVP 96'))).reason, /the answer has 2 m-lines, the offer had 1/);
  assert.match(rejected(applyAnswer(offer, answer())).reason, /the answer has 0 m-lines, the offer had 1/);
  assert.match(rejected(applyAnswer(offer, answer('m=video 5000 RTP/AVP 96', 'a=rtpmap:96 VP8/90000'))).reason, /m-line 1: the answer has video, the offer had audio/);
  assert.match(rejected(applyAnswer(offer, answer('m=audio 5000 RTP/AVP 18'))).reason, /codec G729\/8000 \(payload type 18\) was not in the offer/);
  assert.match(rejected(applyAnswer(offer, answer('m=audio 5000 RTP/AVP 96', 'a=rtpmap:96 opus/48000/2'))).reason, /codec opus\/48000 .* was not in the offer/);
  assert.match(rejected(applyAnswer(offer, answer('m=audio 5000 RTP/AVP 120'))).reason, /payload type 120 of the answer has no a=rtpmap/);
  assert.match(rejected(applyAnswer(offer, answer('m=audio 0 RTP/AVP 0'))).reason, /the answer rejected the audio stream/);
  assert.match(rejected(applyAnswer(offer, answer('m=audio 5000 RTP/SAVP 0'))).reason, /changed the transport/);
  assert.match(rejected(applyAnswer(offer, answer('m=audio 5000 RTP/AVP 101'))).reason, /no audio codec/);
  assert.match(rejected(applyAnswer(offer, answer('m=audio 5000 RTP/AVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}`))).reason, /tag 1 was not offered/);
});

test('applyAnswer: hold seen from the offerer — our own hold, their hold, both, and legacy c=0.0.0.0', () => {
  const exchange = (wish: MediaDirection, peerWish: MediaDirection, peerAddress = '198.51.100.7'): NegotiatedSession => {
    const offer = createOffer({ ...PHONE, direction: wish });
    const { answer } = answered(createAnswer(offer, { ...PEER, direction: peerWish }));
    answer.connection = { addrType: 'IP4', address: peerAddress };
    return applied(applyAnswer(offer, answer));
  };
  assert.deepEqual(pick(exchange('sendonly', 'sendrecv')), { remoteHold: false, send: true, receive: false }); // we hold them
  assert.deepEqual(pick(exchange('inactive', 'sendrecv')), { remoteHold: false, send: false, receive: false });
  assert.deepEqual(pick(exchange('sendrecv', 'sendonly')), { remoteHold: true, send: false, receive: true }); // they hold us in the answer
  assert.deepEqual(pick(exchange('sendrecv', 'sendrecv', '0.0.0.0')), { remoteHold: true, send: false, receive: true });
  // A sloppy sendrecv answer to our sendonly offer: each direction needs both ends.
  const offer = createOffer({ ...PHONE, direction: 'sendonly' });
  const sloppy = answered(createAnswer(createOffer(PHONE), PEER)).answer;
  assert.deepEqual(pick(applied(applyAnswer(offer, sloppy))), { remoteHold: false, send: true, receive: false });
});

test('applyAnswer SRTP: the accepted tag gives our key and theirs; mismatches are errors (RFC 4568 §7.1.3)', () => {
  const keys = [{ suite: 'AES_CM_128_HMAC_SHA1_80' as const, key: KEY_A }, { suite: 'AES_CM_128_HMAC_SHA1_32' as const, key: KEY_B }];
  const offer = createOffer({ ...PHONE, srtp: { policy: 'required', keys } });
  const { answer, session: theirs } = answered(createAnswer(offer, { ...PEER, srtp: { policy: 'required', keys: [{ suite: 'AES_CM_128_HMAC_SHA1_32', key: KEY_C }] } }));
  const ours = applied(applyAnswer(offer, answer));
  assert.deepEqual(ours.srtp, { suite: 'AES_CM_128_HMAC_SHA1_32', tag: 2, localKey: KEY_B, remoteKey: KEY_C });
  assert.deepEqual(theirs.srtp, { suite: 'AES_CM_128_HMAC_SHA1_32', tag: 2, localKey: KEY_C, remoteKey: KEY_B });
  assert.equal(ours.proto, 'RTP/SAVP');

  const edit = (from: RegExp, to: string): SessionDescription => sdp(writeSdp(answer).replace(from, to));
  assert.match(rejected(applyAnswer(offer, edit(/a=crypto:2 AES_CM_128_HMAC_SHA1_32/, 'a=crypto:2 AES_CM_128_HMAC_SHA1_80'))).reason, /suite AES_CM_128_HMAC_SHA1_80 differs/);
  assert.match(rejected(applyAnswer(offer, edit(/a=crypto:2/, 'a=crypto:9'))).reason, /tag 9 was not offered/);
  assert.match(rejected(applyAnswer(offer, edit(/a=crypto:.*\r\n/, ''))).reason, /RTP\/SAVP answer without a=crypto/);
  const twice = writeSdp(answer).replace(/(a=crypto:.*\r\n)/, `$1a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}\r\n`);
  assert.match(rejected(applyAnswer(offer, sdp(twice))).reason, /more than one a=crypto/);
  assert.match(rejected(applyAnswer(offer, edit(/(a=crypto:.*)\r\n/, '$1 UNENCRYPTED_SRTP\r\n'))).reason, /session parameter UNENCRYPTED_SRTP is not supported/);
  const mki = applied(applyAnswer(offer, edit(/(a=crypto:.*)\r\n/, '$1|7:2\r\n')));
  assert.deepEqual(mki.srtp?.remoteMki, Buffer.from([0, 7]));

  // Best effort (RTP/AVP + a=crypto): a plain answer means plain RTP.
  const optional = createOffer({ ...PHONE, srtp: { policy: 'optional', keys } });
  const plain = answered(createAnswer(optional, PEER)).answer;
  assert.equal(applied(applyAnswer(optional, plain)).srtp, undefined);
});

test('early media: an answer in a 183 applies like a final one; a different 200 answer gives a new session', () => {
  const offer = createOffer(PHONE);
  const early = answered(createAnswer(offer, { ...PEER, rtpPort: 50000 })).answer;
  const final = answered(createAnswer(offer, { ...PEER, rtpPort: 52000, codecs: [G722] })).answer;
  const s183 = applied(applyAnswer(offer, early));
  const s200 = applied(applyAnswer(offer, final));
  assert.equal(s183.remote.rtpPort, 50000);
  assert.equal(s200.remote.rtpPort, 52000);
  assert.equal(s183.send.name, 'PCMU');
  assert.equal(s200.send.name, 'G722');
  assert.notDeepEqual(s183, s200);
  assert.deepEqual(applied(applyAnswer(offer, early)), s183); // pure: the same answer gives the same session
});

test('a peer re-offer that changes address, port or codec yields a new session for the caller to diff', () => {
  const first = answered(createAnswer(sdp(ASTERISK_OFFER), PHONE));
  const moved = sdp(ASTERISK_OFFER.replace(/203\.0\.113\.5/g, '203.0.113.6').replace('17234', '18000').replace('RTP/AVP 9 0', 'RTP/AVP 0'));
  const second = answered(createAnswer(moved, PHONE, first.session));
  assert.deepEqual(second.session.remote, { addrType: 'IP4', address: '203.0.113.6', rtpPort: 18000, rtcpAddress: '203.0.113.6', rtcpPort: 18001 });
  assert.equal(second.session.send.name, 'PCMU');
  assert.equal(second.answer.origin.sessionVersion, String(Number(first.answer.origin.sessionVersion) + 1));
});

// ---------------------------------------------------------------------------------------------------------
// Direction in SDP text, and JsSIP's own mangling
// ---------------------------------------------------------------------------------------------------------

test('setDirection rewrites only the direction lines; directionOf reads them back', () => {
  const text = writeSdp(createOffer(PHONE));
  const held = setDirection(text, 'sendonly');
  assert.equal(typeof held, 'string');
  assert.equal(held, text.replace('a=sendrecv', 'a=sendonly'));
  assert.equal(directionOf(held), 'sendonly');
  // Session-level direction goes, every media section gets one, LF line ends stay LF.
  const multi = crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'a=recvonly', 'm=audio 4000 RTP/AVP 0', 'a=ptime:20', 'm=video 0 RTP/AVP 96', 'a=inactive').replace(/\r\n/g, '\n');
  assert.equal(setDirection(multi, 'inactive'), ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=ptime:20', 'a=inactive', 'm=video 0 RTP/AVP 96', 'a=inactive', ''].join('\n'));
  assert.equal(directionOf(multi), 'recvonly'); // inherited from the session level
  assert.equal(directionOf(crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0')), 'sendrecv');
  assert.equal(directionOf(sdp(BARESIP_OFFER)), 'sendrecv');
  const bad = setDirection('v=0\r\nm=audio\r\n', 'sendonly');
  assert.ok(isSdpError(bad));
  assert.ok(isSdpError(directionOf('nonsense')));
});

interface MangleSelf { _localHold: boolean; _remoteHold: boolean }
const require = createRequire(import.meta.url);
const RTCSession = require('jssip/lib/RTCSession.js') as { prototype: { _mangleOffer(this: MangleSelf, sdp: string): string } };
const mangle = (sdpText: string, self: MangleSelf): string => RTCSession.prototype._mangleOffer.call(self, sdpText);

test('JsSIP _mangleOffer (sdp-transform rewrite after setLocalDescription) yields SDP we parse, with the hold we expect', () => {
  const keys = [{ suite: 'AES_CM_128_HMAC_SHA1_80' as const, key: KEY_A }];
  const offer = writeSdp(createOffer({ ...PHONE, rtcpPort: 40010, srtp: { policy: 'optional', keys } }));
  const cases: [MangleSelf, MediaDirection][] = [
    [{ _localHold: true, _remoteHold: false }, 'sendonly'],
    [{ _localHold: false, _remoteHold: true }, 'recvonly'],
    [{ _localHold: true, _remoteHold: true }, 'inactive'],
    [{ _localHold: false, _remoteHold: false }, 'sendrecv'],
  ];
  for (const [self, want] of cases) {
    const mangled = mangle(offer, self);
    assert.equal(directionOf(mangled), want);
    assert.equal(directionOf(setDirection(offer, want) as string), want);
    // The rewritten offer is still our offer: an answer to it negotiates the same codec and keys.
    const parsed = sdp(mangled);
    const { answer } = answered(createAnswer(parsed, { ...PEER, srtp: { policy: 'optional', keys: [{ suite: 'AES_CM_128_HMAC_SHA1_80', key: KEY_C }] } }));
    const s = applied(applyAnswer(parsed, answer));
    assert.equal(s.srtp?.localKey.equals(KEY_A), true);
    assert.deepEqual(s.direction, { send: want === 'sendrecv' || want === 'sendonly', receive: want === 'sendrecv' || want === 'recvonly' });
  }
});

// ---------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------

const CODECS: readonly SdpCodec[] = [PCMU, PCMA, G722, OPUS, { name: 'L16', clockRate: 16000, staticPayloadType: undefined }];
const directionArb = fc.constantFrom<MediaDirection>('sendrecv', 'sendonly', 'recvonly', 'inactive');
const configArb = (address: string): fc.Arbitrary<LocalMediaConfig> => fc.record({
  codecs: fc.shuffledSubarray([...CODECS], { minLength: 1 }),
  rtpPort: fc.integer({ min: 1024, max: 65000 }).map((p) => p & ~1),
  rtcpMux: fc.boolean(),
  telephoneEvent: fc.oneof(fc.constant(false as const), fc.record({ payloadType: fc.integer({ min: 96, max: 127 }), events: fc.constantFrom('0-15', '0-16', '0-11,16') })),
  ptime: fc.constantFrom(10, 20, 30, 40),
  direction: directionArb,
  srtp: fc.option(fc.record({
    policy: fc.constantFrom('required' as const, 'optional' as const),
    keys: fc.shuffledSubarray(['AES_CM_128_HMAC_SHA1_80' as const, 'AES_CM_128_HMAC_SHA1_32' as const], { minLength: 1 }).chain((suites) =>
      fc.tuple(...suites.map(() => fc.uint8Array({ minLength: 30, maxLength: 30 }))).map((bytes) => suites.map((suite, i) => ({ suite, key: Buffer.from(bytes[i] ?? new Uint8Array(30)) })))),
  }), { nil: undefined }),
}).map((c) => ({ ...c, address }));

test('property: both ends of an exchange agree (codec, payload types, events, direction, keys)', () => {
  fc.assert(fc.property(configArb('192.0.2.10'), configArb('198.51.100.7'), (us, them) => {
    const offer = createOffer(us);
    const offerText = writeSdp(offer);
    const r = createAnswer(sdp(offerText), them);
    if (isNegotiationError(r)) {
      assert.match(r.reason, /no common codec|SRTP|a=crypto|telephone-event/);
      return;
    }
    const ours = applied(applyAnswer(sdp(offerText), sdp(writeSdp(r.answer))));
    const theirs = r.session;
    assert.deepEqual({ ...ours.send, fmtp: undefined }, { ...theirs.receive[0], fmtp: undefined });
    assert.deepEqual(ours.receive.map((c) => c.payloadType), [theirs.send.payloadType]);
    assert.equal(ours.telephoneEvent?.sendPayloadType, theirs.telephoneEvent?.receivePayloadType);
    assert.equal(ours.telephoneEvent?.receivePayloadType, theirs.telephoneEvent?.sendPayloadType);
    assert.equal(ours.direction.send, theirs.direction.receive);
    assert.equal(ours.direction.receive, theirs.direction.send);
    assert.equal(ours.rtcpMux, theirs.rtcpMux);
    assert.equal(ours.remote.rtpPort, them.rtpPort);
    assert.equal(theirs.remote.rtpPort, us.rtpPort);
    assert.deepEqual(ours.srtp?.localKey, theirs.srtp?.remoteKey);
    assert.deepEqual(ours.srtp?.remoteKey, theirs.srtp?.localKey);
    assert.equal(ours.srtp?.suite, theirs.srtp?.suite);
    // A re-offer from either side keeps o= and bumps the version by one.
    assert.equal(BigInt(createOffer(us, ours).origin.sessionVersion), BigInt(offer.origin.sessionVersion) + 1n);
    assert.equal(createOffer(them, theirs).origin.sessionId, r.answer.origin.sessionId);
  }), { numRuns: 400 });
});

test('property: negotiation never throws on arbitrary (parseable) peer SDP', () => {
  const base = [BARESIP_OFFER, ASTERISK_OFFER, FREESWITCH_SRTP_OFFER, writeSdp(createOffer(PHONE))];
  const edit = fc.record({ at: fc.nat(), cut: fc.integer({ min: 0, max: 6 }), add: fc.constantFrom('', '0', '1', ' 0', '\r\na=sendonly', '\r\na=rtcp-mux', '\r\nc=IN IP4 0.0.0.0', '\r\na=rtpmap:96 opus/48000/2', '\r\nm=audio 0 RTP/AVP 0', '\r\nm=audio 7000 RTP/SAVP 0', 'IP6 ::1', '\r\na=ptime:1') });
  const config = { ...PHONE, srtp: { policy: 'optional' as const, keys: [{ suite: 'AES_CM_128_HMAC_SHA1_80' as const, key: KEY_A }] } };
  const ourOffer = createOffer(config);
  let parsedCount = 0;
  fc.assert(fc.property(fc.constantFrom(...base), fc.array(edit, { minLength: 1, maxLength: 4 }), (text, edits) => {
    const mutated = edits.reduce((t, e) => {
      const at = e.at % (t.length + 1);
      return t.slice(0, at) + e.add + t.slice(at + e.cut);
    }, text);
    const peer = parseSdp(mutated);
    if (isSdpError(peer)) return;
    parsedCount += 1;
    const r = createAnswer(peer, config);
    if (!isNegotiationError(r)) assert.ok(!isSdpError(parseSdp(writeSdp(r.answer))), 'our answer parses');
    applyAnswer(ourOffer, peer);
    setDirection(mutated, 'inactive');
    directionOf(peer);
  }), { numRuns: 2000 });
  assert.ok(parsedCount > 100, `only ${parsedCount} mutants parsed`);
});
