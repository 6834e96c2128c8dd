// SDP parser and writer (src/media/sdp/parse.ts, write.ts): real-world fixtures round-trip byte for byte,
// every error names its line, the limits hold, and fast-check shows that random or mutated text never throws
// and that parse(write(x)) equals x for generated descriptions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SDP_LIMITS,
  cryptoOf,
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
} from '../../src/media/sdp/parse.js';
import type { MediaAttribute, MediaDescription, SdpConnection, SdpError, SessionAttribute, SessionDescription } from '../../src/media/sdp/parse.js';
import { writeSdp } from '../../src/media/sdp/write.js';

// ---------------------------------------------------------------------------------------------------------
// Fixtures (written for these tests, modelled on what the named implementations send)
// ---------------------------------------------------------------------------------------------------------

const crlf = (...lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

/** baresip 1.0 offer: PCMU/PCMA, telephone-event 0-15, label, rtcp-rsize, ssrc, ptime after direction. */
const BARESIP_OFFER = crlf(
  'v=0',
  'o=- 1862370396 2037457291 IN IP4 192.168.1.20',
  's=-',
  'c=IN IP4 192.168.1.20',
  't=0 0',
  'm=audio 10004 RTP/AVP 0 8 101',
  'b=AS:64',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:1423652541 cname:sip:alice@192.168.1.20',
  'a=ptime:20',
);

/** Asterisk-style offer with many codecs, static PTs without rtpmap duplicates, maxptime, session name. */
const ASTERISK_OFFER = crlf(
  'v=0',
  'o=- 1699451234 1699451235 IN IP4 203.0.113.5',
  's=Asterisk',
  'c=IN IP4 203.0.113.5',
  't=0 0',
  'm=audio 17234 RTP/AVP 9 0 8 3 18 111 101',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:3 GSM/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 useinbandfec=1; maxplaybackrate=16000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=ptime:20',
  'a=maxptime:150',
  'a=sendrecv',
);

const FS_KEY_1 = 'ZnJlZXN3aXRjaC1vZmZlci1rZXktbWF0ZXJpYWwt';
const FS_KEY_2 = 'c2lwZGVzay1zcnRwLWtleS0wMDAxLXNhbHQhIQAA';

/** FreeSWITCH-style SDES offer: RTP/SAVP, two suites, lifetime + MKI on the first, CN, a=rtcp with address. */
const FREESWITCH_SRTP_OFFER = crlf(
  'v=0',
  'o=FreeSWITCH 1700000000 1700000001 IN IP4 198.51.100.20',
  's=FreeSWITCH',
  'c=IN IP4 198.51.100.20',
  't=0 0',
  'm=audio 24816 RTP/SAVP 0 8 101 13',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-16',
  'a=rtpmap:13 CN/8000',
  'a=ptime:20',
  'a=sendrecv',
  'a=rtcp:24817 IN IP4 198.51.100.20',
  `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}|2^31|1:4`,
  `a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:${FS_KEY_2}`,
);

/** Linphone-style IPv6 offer with audio and video, session-level direction and a rejected T.38 line. */
const LINPHONE_V6_OFFER = crlf(
  'v=0',
  'o=bob 3201 1217 IN IP6 2001:db8::7',
  's=Talk',
  'c=IN IP6 2001:db8::7',
  't=0 0',
  'a=sendrecv',
  'a=ice-options:trickle',
  'm=audio 7078 RTP/AVP 96 97 0 8 101',
  'a=rtpmap:96 opus/48000/2',
  'a=fmtp:96 useinbandfec=1',
  'a=rtpmap:97 speex/16000',
  'a=rtpmap:101 telephone-event/48000',
  'a=rtcp-mux',
  'a=rtcp-fb:* trr-int 1000',
  'm=video 9078 RTP/AVP 96',
  'a=rtpmap:96 VP8/90000',
  'a=recvonly',
  'm=image 0 udptl t38',
);

const FIXTURES: readonly string[] = [BARESIP_OFFER, ASTERISK_OFFER, FREESWITCH_SRTP_OFFER, LINPHONE_V6_OFFER];

function ok(text: string): SessionDescription {
  const r = parseSdp(text);
  if (isSdpError(r)) assert.fail(`unexpected SDP error: ${r.message}`);
  return r;
}

function err(text: string): SdpError {
  const r = parseSdp(text);
  if (!isSdpError(r)) assert.fail('expected an SDP error');
  return r;
}

function audio(sdp: SessionDescription, index = 0): MediaDescription {
  const m = sdp.media[index];
  assert.ok(m, `media section ${index}`);
  return m;
}

const HEAD = ['v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1', 't=0 0'];
const withHead = (...lines: string[]): string => crlf(...HEAD, ...lines);

// ---------------------------------------------------------------------------------------------------------
// Round trips of real-world SDP
// ---------------------------------------------------------------------------------------------------------

test('real-world SDPs round-trip byte for byte through parse and write', () => {
  for (const text of FIXTURES) assert.equal(writeSdp(ok(text)), text);
});

test('baresip offer: codecs, telephone-event range, ptime, direction and unknown attributes', () => {
  const sdp = ok(BARESIP_OFFER);
  assert.deepEqual(sdp.origin, { username: '-', sessionId: '1862370396', sessionVersion: '2037457291', addrType: 'IP4', address: '192.168.1.20' });
  assert.equal(sdp.sessionName, '-');
  assert.deepEqual(sdp.connection, { addrType: 'IP4', address: '192.168.1.20' });
  assert.deepEqual(sdp.times, [{ start: '0', stop: '0', repeats: [] }]);
  const m = audio(sdp);
  assert.equal(m.type, 'audio');
  assert.equal(m.port, 10004);
  assert.equal(m.proto, 'RTP/AVP');
  assert.equal(supportedProto(m), 'RTP/AVP');
  assert.deepEqual(m.formats, ['0', '8', '101']);
  assert.deepEqual(m.bandwidths, [{ type: 'AS', value: 64 }]);
  assert.deepEqual(rtpmapOf(m, 0), { kind: 'rtpmap', payloadType: 0, encodingName: 'PCMU', clockRate: 8000 });
  assert.deepEqual(rtpmapOf(m, 101), { kind: 'rtpmap', payloadType: 101, encodingName: 'telephone-event', clockRate: 8000 });
  assert.equal(fmtpOf(m, '101'), '0-15');
  assert.equal(ptimeOf(m), 20);
  assert.equal(maxptimeOf(m), undefined);
  assert.equal(mediaDirection(sdp, m), 'sendrecv');
  assert.deepEqual(m.attributes.filter((a) => a.kind === 'other'), [
    { kind: 'other', name: 'label', value: '1' },
    { kind: 'other', name: 'rtcp-rsize' },
    { kind: 'other', name: 'ssrc', value: '1423652541 cname:sip:alice@192.168.1.20' },
  ]);
});

test('Asterisk offer: many codecs, opus with channels, fmtp with spaces, maxptime', () => {
  const m = audio(ok(ASTERISK_OFFER));
  assert.deepEqual(m.formats, ['9', '0', '8', '3', '18', '111', '101']);
  assert.deepEqual(rtpmapOf(m, 111), { kind: 'rtpmap', payloadType: 111, encodingName: 'opus', clockRate: 48000, channels: 2 });
  assert.equal(fmtpOf(m, '111'), 'useinbandfec=1; maxplaybackrate=16000');
  assert.equal(fmtpOf(m, '18'), 'annexb=no');
  assert.equal(maxptimeOf(m), 150);
});

test('FreeSWITCH SRTP offer: a=crypto with lifetime and MKI, a=rtcp with address (RFC 3605, RFC 4568)', () => {
  const m = audio(ok(FREESWITCH_SRTP_OFFER));
  assert.equal(supportedProto(m), 'RTP/SAVP');
  assert.deepEqual(cryptoOf(m), [
    { kind: 'crypto', tag: 1, suite: 'AES_CM_128_HMAC_SHA1_80', keyParams: [{ keySalt: FS_KEY_1, lifetime: '2^31', mki: { value: '1', length: 4 } }], sessionParams: [] },
    { kind: 'crypto', tag: 2, suite: 'AES_CM_128_HMAC_SHA1_32', keyParams: [{ keySalt: FS_KEY_2 }], sessionParams: [] },
  ]);
  assert.deepEqual(rtcpOf(m), { kind: 'rtcp', port: 24817, connection: { addrType: 'IP4', address: '198.51.100.20' } });
  assert.equal(hasRtcpMux(m), false);
});

test('Linphone IPv6 offer: session-level direction, media-level override, rtcp-mux, non-RTP rejected line', () => {
  const sdp = ok(LINPHONE_V6_OFFER);
  assert.deepEqual(sdp.connection, { addrType: 'IP6', address: '2001:db8::7' });
  assert.deepEqual(sdp.attributes, [{ kind: 'direction', direction: 'sendrecv' }, { kind: 'other', name: 'ice-options', value: 'trickle' }]);
  assert.equal(mediaDirection(sdp, audio(sdp, 0)), 'sendrecv'); // inherited from session level
  assert.equal(mediaDirection(sdp, audio(sdp, 1)), 'recvonly'); // media level overrides
  assert.equal(hasRtcpMux(audio(sdp, 0)), true);
  const image = audio(sdp, 2);
  assert.deepEqual([image.type, image.port, image.proto, image.formats], ['image', 0, 'udptl', ['t38']]);
  assert.equal(supportedProto(image), undefined);
});

test('bare LF line ends are accepted (RFC 4566 §5) and written back with CRLF', () => {
  const lf = BARESIP_OFFER.replace(/\r\n/g, '\n');
  assert.equal(writeSdp(ok(lf)), BARESIP_OFFER);
  assert.deepEqual(ok(lf), ok(BARESIP_OFFER));
});

test('the rarely used session lines (i u e p b r z k) are kept in order', () => {
  const text = crlf(
    'v=0', 'o=jdoe 2890844526 2890842807 IN IP4 10.47.16.5', 's=SDP Seminar', 'i=A Seminar on the session description protocol',
    'u=http://www.example.com/seminars/sdp.pdf', 'e=j.doe@example.com (Jane Doe)', 'p=+1 617 555-6011', 'c=IN IP4 224.2.17.12/127',
    'b=CT:128', 't=2873397496 2873404696', 'r=7d 1h 0 25h', 'z=2882844526 -1h 2898848070 0', 'k=prompt', 'a=recvonly',
    'm=audio 49170 RTP/AVP 0', 'i=voice', 'b=AS:64', 'k=clear:secret', 'm=video 51372/2 RTP/AVP 99', 'c=IN IP6 ff15::101/3',
    'a=rtpmap:99 h263-1998/90000',
  );
  const sdp = ok(text);
  assert.equal(writeSdp(sdp), text);
  assert.deepEqual(sdp.connection, { addrType: 'IP4', address: '224.2.17.12', ttl: 127 });
  assert.deepEqual(audio(sdp, 1).connection, { addrType: 'IP6', address: 'ff15::101', count: 3 });
  assert.equal(audio(sdp, 1).portCount, 2);
  assert.deepEqual(sdp.times, [{ start: '2873397496', stop: '2873404696', repeats: ['7d 1h 0 25h'] }]);
});

// ---------------------------------------------------------------------------------------------------------
// Hold variants, port 0, media-level c=
// ---------------------------------------------------------------------------------------------------------

test('hold variants: a=sendonly, a=inactive, session-level direction, legacy c=0.0.0.0 (RFC 3264 §8.4)', () => {
  const sendonly = ok(withHead('m=audio 4000 RTP/AVP 0', 'a=sendonly'));
  assert.equal(mediaDirection(sendonly, audio(sendonly)), 'sendonly');
  const inactive = ok(withHead('m=audio 4000 RTP/AVP 0', 'a=inactive'));
  assert.equal(mediaDirection(inactive, audio(inactive)), 'inactive');
  const session = ok(crlf(...HEAD, 'a=sendonly', 'm=audio 4000 RTP/AVP 0'));
  assert.equal(mediaDirection(session, audio(session)), 'sendonly');
  const legacy = ok(crlf('v=0', 'o=- 1 2 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 0.0.0.0', 't=0 0', 'm=audio 4000 RTP/AVP 0'));
  assert.deepEqual(mediaConnection(legacy, audio(legacy)), { addrType: 'IP4', address: '0.0.0.0' });
  assert.equal(mediaDirection(legacy, audio(legacy)), 'sendrecv');
});

test('media-level c= overrides the session one; port 0 sections need no c=', () => {
  const sdp = ok(crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=video 0 RTP/AVP 31', 'm=audio 4000 RTP/AVP 0', 'c=IN IP4 192.0.2.9'));
  assert.equal(audio(sdp, 0).port, 0);
  assert.equal(mediaConnection(sdp, audio(sdp, 0)), undefined);
  assert.deepEqual(mediaConnection(sdp, audio(sdp, 1)), { addrType: 'IP4', address: '192.0.2.9' });
});

test('crypto: unknown suites are kept without a length check; AES-256 needs 46 bytes', () => {
  const odd = ok(withHead('m=audio 4000 RTP/SAVP 0', 'a=crypto:7 FUTURE_SUITE inline:AAAA KDR=1 UNENCRYPTED_SRTP'));
  assert.deepEqual(cryptoOf(audio(odd)), [{ kind: 'crypto', tag: 7, suite: 'FUTURE_SUITE', keyParams: [{ keySalt: 'AAAA' }], sessionParams: ['KDR=1', 'UNENCRYPTED_SRTP'] }]);
  const key46 = Buffer.alloc(46, 7).toString('base64');
  ok(withHead('m=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:${key46}|2^20`));
  assert.match(err(withHead('m=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key46}`)).message, /^line 7: a=crypto key\+salt for AES_CM_128_HMAC_SHA1_80 must be 30 bytes, not 46$/);
});

// ---------------------------------------------------------------------------------------------------------
// Errors name the line
// ---------------------------------------------------------------------------------------------------------

test('errors name the offending line and the problem', () => {
  const key29 = Buffer.alloc(29, 1).toString('base64');
  const cases: [text: string, line: number, reason: RegExp][] = [
    ['', 1, /empty description/],
    ['\r\n\r\n', 1, /empty description/],
    [crlf('v=1'), 1, /must start with v=0/],
    [crlf('o=- 1 1 IN IP4 192.0.2.1'), 1, /must start with v=0/],
    [crlf('v=0', 's=-'), 2, /expected o= after v=/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1'), 3, /missing s=/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 'c=IN IP4 192.0.2.1'), 3, /expected s= after o=/],
    [crlf('v=0', 'o=- 1 IN IP4 192.0.2.1', 's=-'), 2, /o= needs 6 fields/],
    [crlf('v=0', 'o=- x 1 IN IP4 192.0.2.1', 's=-'), 2, /session id/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 192.0.2.1'), 5, /missing t=/],
    [withHead('m=audio'), 6, /^m= without port$/],
    [withHead('m=audio  RTP/AVP 0'), 6, /^m= without port$/],
    [withHead('m=audio x RTP/AVP 0'), 6, /m= port is not a number/],
    [withHead('m=audio 70000 RTP/AVP 0'), 6, /m= port 70000 out of range/],
    [withHead('m=audio 4000'), 6, /without transport protocol/],
    [withHead('m=audio 4000 RTP/AVP'), 6, /without formats/],
    [withHead('m=audio 4000 RTP/AVP 0  8'), 6, /single spaces/],
    [withHead('m=audio 4000 RTP/AVP 128'), 6, /RTP payload type 128 out of range/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP4 999.1.2.3', 't=0 0'), 4, /bad IP4 address "999.1.2.3"/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP5 192.0.2.1', 't=0 0'), 4, /address type must be IP4 or IP6/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=ATM NSAP 47.0091', 't=0 0'), 4, /network type must be IN/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'c=IN IP6 192.0.2.1', 't=0 0'), 4, /bad IP6 address/],
    [withHead('x=unknown'), 6, /unknown line type "x="/],
    [withHead('b=64'), 6, /b= needs <type>:<value>/],
    [withHead('garbage'), 6, /expected "<type>=<value>"/],
    [withHead('', 'm=audio 4000 RTP/AVP 0'), 6, /empty line/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=rtpmap:0 PCMA/8000'), 8, /duplicate a=rtpmap for payload type 0/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=sendonly', 'a=recvonly'), 8, /more than one direction attribute/],
    [crlf(...HEAD, 'a=sendonly', 'a=inactive'), 7, /more than one direction attribute/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=sendrecv:x'), 7, /a=sendrecv takes no value/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU'), 7, /a=rtpmap needs/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=rtpmap:200 PCMU/8000'), 7, /payload type 200 out of range/],
    [withHead('m=audio 4000 RTP/AVP 101', 'a=fmtp:101'), 7, /a=fmtp needs/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=ptime:abc'), 7, /a=ptime needs a number/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=ptime:0'), 7, /a=ptime 0 out of range/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=ptime:20', 'a=ptime:30'), 8, /duplicate a=ptime/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=rtcp:x'), 7, /a=rtcp port is not a number/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=rtcp-mux:1'), 7, /takes no value/],
    [withHead('m=audio 4000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80'), 7, /a=crypto needs/],
    [withHead('m=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${key29}`), 7, /must be 30 bytes, not 29/],
    [withHead('m=audio 4000 RTP/SAVP 0', 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:not*base64'), 7, /not valid base64/],
    [withHead('m=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 uri:${FS_KEY_1}`), 7, /key method must be "inline"/],
    [withHead('m=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}|2^x`), 7, /bad lifetime/],
    [withHead('m=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}|1:200`), 7, /MKI length 200 out of range/],
    [withHead('m=audio 4000 RTP/SAVP 0', `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}`, `a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:${FS_KEY_2}`), 8, /duplicate a=crypto tag 1/],
    [withHead('m=audio 4000 RTP/SAVP 0', `a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:${FS_KEY_1}`), 7, /tag must be 1-9 digits/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'm=audio 4000 RTP/AVP 0', 't=0 0'), 4, /m= before any t= line/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 't=0 0', 'm=audio 4000 RTP/AVP 0'), 5, /media section without c=/],
    [withHead('m=audio 4000 RTP/AVP 0', 't=0 0'), 7, /t= not allowed in a media section/],
    [withHead('m=audio 4000 RTP/AVP 0', 'o=- 1 1 IN IP4 192.0.2.1'), 7, /o= not allowed in a media section/],
    [withHead('m=audio 4000 RTP/AVP 0', 'c=IN IP4 192.0.2.2', 'c=IN IP4 192.0.2.3'), 8, /more than one c= in a media section/],
    [withHead('s=again'), 6, /duplicate s=/],
    [crlf('v=0', 'o=- 1 1 IN IP4 192.0.2.1', 's=-', 'r=1d 1h 0', 't=0 0'), 4, /r= before t=/],
    [withHead('m=audio 4000 RTP/AVP 0', 'a=x\u0000y'), 7, /control character/],
    [`${crlf(...HEAD)}a=tool:x\ry\r\n`, 6, /control character/],
  ];
  for (const [text, line, reason] of cases) {
    const e = err(text);
    assert.equal(e.line, line, `${JSON.stringify(text)} → ${e.message}`);
    assert.match(e.reason, reason, `${JSON.stringify(text)} → ${e.message}`);
    assert.equal(e.message, `line ${line}: ${e.reason}`);
  }
});

test('limits: 16 KiB, 8 media sections, 64 attributes per media, line count and length', () => {
  assert.equal(SDP_LIMITS.maxBytes, 16384);
  const big = withHead('m=audio 4000 RTP/AVP 0', ...Array.from({ length: 60 }, (_, i) => `a=x-pad${i}:${'y'.repeat(300)}`));
  assert.ok(Buffer.byteLength(big) > 16384);
  const e = err(big);
  assert.match(e.message, /^line \d+: description larger than 16384 bytes$/);
  assert.ok(e.line > 50 && e.line < 67, `line ${e.line} is where the limit is crossed`);

  const huge = 'v=0\r\n' + 'a'.repeat(10_000_000);
  const started = process.hrtime.bigint();
  assert.equal(err(huge).message, 'line 2: description larger than 16384 bytes');
  assert.ok(process.hrtime.bigint() - started < 500_000_000n, 'a huge body is refused without reading it all');

  const nine = withHead(...Array.from({ length: 9 }, () => 'm=audio 0 RTP/AVP 0'));
  assert.equal(err(nine).message, 'line 14: more than 8 media sections');
  ok(withHead(...Array.from({ length: 8 }, () => 'm=audio 0 RTP/AVP 0')));

  const attrs = (n: number): string => withHead('m=audio 4000 RTP/AVP 0', ...Array.from({ length: n }, (_, i) => `a=x${i}`));
  ok(attrs(64));
  assert.equal(err(attrs(65)).message, 'line 71: more than 64 attributes in a media section');
  const sessionAttrs = crlf(...HEAD, ...Array.from({ length: 65 }, (_, i) => `a=x${i}`));
  assert.equal(err(sessionAttrs).message, 'line 70: more than 64 session attributes');
  assert.match(err(withHead(`a=x:${'y'.repeat(SDP_LIMITS.maxLineLength)}`)).message, /^line 6: line longer than/);
  const manyLines = crlf(...HEAD, ...Array.from({ length: SDP_LIMITS.maxLines }, () => 'b=AS:1'));
  assert.match(err(manyLines).message, /^line 1025: more than 1024 lines$/);
});

test('parseSdp never throws, even for non-string input', () => {
  assert.equal(isSdpError(parseSdp(undefined as unknown as string)), true);
  assert.equal(isSdpError(parseSdp(42 as unknown as string)), true);
});

// ---------------------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------------------

function lineCount(text: string): number {
  return text.split('\n').length;
}

/** parseSdp's contract: never throws; an error names a line of the text (or the one after it). */
function checkContract(text: string): SessionDescription | undefined {
  const r = parseSdp(text);
  if (isSdpError(r)) {
    assert.ok(Number.isInteger(r.line) && r.line >= 1 && r.line <= lineCount(text) + 1, `line ${r.line} of ${lineCount(text)}`);
    assert.equal(r.message, `line ${r.line}: ${r.reason}`);
    return undefined;
  }
  return r;
}

test('property: random text never throws and errors carry a line number', () => {
  const line = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.tuple(fc.constantFrom('v', 'o', 's', 'c', 't', 'm', 'a', 'b', 'i', 'r', 'z', 'k', 'x', 'M'), fc.string({ maxLength: 30 })).map(([t, v]) => `${t}=${v}`),
  );
  fc.assert(fc.property(fc.array(line, { maxLength: 12 }), fc.constantFrom('\r\n', '\n', '\r'), (lines, eol) => {
    checkContract(lines.join(eol));
    checkContract(withHead(...lines).replace(/\r\n/g, eol));
  }), { numRuns: 500 });
});

const mutation = fc.oneof(
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), s: fc.constantFrom('\r', '\n', '\r\n', ' ', '  ', '=', ':', '/', '|', ';', '0', '-1', '99999999999', 'a=', 'm=audio 0 RTP/AVP 0\r\n', 'a=rtpmap:0 PCMU/8000\r\n', 'a=sendonly\r\n', '\u0000', '\t', 'ä', '\uffff', 'inline:', '2^') }),
  fc.record({ op: fc.constant('dupLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('dropLine' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('swapLines' as const), at: fc.nat(), to: fc.nat() }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer T> ? T : never;

function mutate(text: string, m: Mutation): string {
  const at = text.length === 0 ? 0 : m.at % (text.length + 1);
  const lines = text.split('\r\n');
  const li = lines.length === 0 ? 0 : m.at % lines.length;
  switch (m.op) {
    case 'delete': return text.slice(0, at) + text.slice(at + m.n);
    case 'insert': return text.slice(0, at) + m.s + text.slice(at);
    case 'truncate': return text.slice(0, at);
    case 'dupLine': lines.splice(li, 0, lines[li] ?? ''); return lines.join('\r\n');
    case 'dropLine': lines.splice(li, 1); return lines.join('\r\n');
    case 'swapLines': {
      const lj = m.to % Math.max(1, lines.length);
      const a = lines[li] ?? '';
      lines[li] = lines[lj] ?? '';
      lines[lj] = a;
      return lines.join('\r\n');
    }
  }
}

test('property: mutated real-world SDP never throws; what parses re-parses to the same description', () => {
  fc.assert(fc.property(fc.constantFrom(...FIXTURES), fc.array(mutation, { minLength: 1, maxLength: 6 }), (fixture, mutations) => {
    const text = mutations.reduce(mutate, fixture);
    const sdp = checkContract(text);
    if (sdp !== undefined) assert.deepEqual(parseSdp(writeSdp(sdp)), sdp);
  }), { numRuns: 2000 });
});

// Generators of valid descriptions: every value is one the parser accepts, and optional fields are absent
// rather than undefined, so parse(write(x)) must deep-equal x.
const printable = (maxLength: number): fc.Arbitrary<string> => fc.string({ unit: 'grapheme-ascii', maxLength });
const token = fc.stringMatching(/^[a-zA-Z0-9!#$%&'*+.^_`{|}~-]{1,12}$/);
const digits = fc.stringMatching(/^[0-9]{1,20}$/);
const KNOWN = new Set(['rtpmap', 'fmtp', 'ptime', 'maxptime', 'rtcp', 'rtcp-mux', 'crypto', 'sendrecv', 'sendonly', 'recvonly', 'inactive']);
const otherName = token.filter((t) => !KNOWN.has(t));
const ipv4 = fc.ipV4();
const ipv6 = fc.ipV6().filter((a) => !a.includes('.')); // keep the generator to pure hex forms
const hostname = fc.domain().filter((d) => d.length <= 60);

const connection: fc.Arbitrary<SdpConnection> = fc.oneof(
  fc.tuple(fc.oneof(ipv4, hostname), fc.option(fc.tuple(fc.integer({ min: 0, max: 255 }), fc.option(fc.integer({ min: 1, max: 10 })))))
    .map(([address, multicast]): SdpConnection => {
      if (multicast === null) return { addrType: 'IP4', address };
      const [ttl, count] = multicast;
      return count === null ? { addrType: 'IP4', address, ttl } : { addrType: 'IP4', address, ttl, count };
    }),
  fc.tuple(fc.oneof(ipv6, hostname), fc.option(fc.integer({ min: 1, max: 10 })))
    .map(([address, count]): SdpConnection => (count === null ? { addrType: 'IP6', address } : { addrType: 'IP6', address, count })),
);
const bandwidth = fc.record({ type: token, value: fc.integer({ min: 0, max: 4294967295 }) });
const direction = fc.constantFrom('sendrecv', 'sendonly', 'recvonly', 'inactive').map((d) => ({ kind: 'direction' as const, direction: d }));
const other = fc.record({ kind: fc.constant('other' as const), name: otherName, value: printable(30) }, { requiredKeys: ['kind', 'name'] });

const cryptoAttr = fc.record({
  tag: fc.integer({ min: 0, max: 999999999 }),
  suite: fc.constantFrom('AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32', 'AEAD_AES_256_GCM', 'X_SUITE_1'),
  keys: fc.array(fc.record({
    lifetime: fc.oneof(fc.constant('2^31'), fc.integer({ min: 1, max: 2 ** 31 }).map(String)),
    mki: fc.record({ value: fc.integer({ min: 0, max: 1000 }).map(String), length: fc.integer({ min: 1, max: 128 }) }),
    seed: fc.integer({ min: 1, max: 255 }),
  }, { requiredKeys: ['seed'] }), { minLength: 1, maxLength: 3 }),
  sessionParams: fc.array(fc.stringMatching(/^[A-Z_=0-9]{1,10}$/), { maxLength: 2 }),
}).map(({ tag, suite, keys, sessionParams }): MediaAttribute => {
  const length = ({ AES_CM_128_HMAC_SHA1_80: 30, AES_CM_128_HMAC_SHA1_32: 30, AEAD_AES_256_GCM: 44 } as Record<string, number>)[suite] ?? 17;
  return {
    kind: 'crypto', tag, suite, sessionParams,
    keyParams: keys.map(({ seed, lifetime, mki }) => ({ keySalt: Buffer.alloc(length, seed).toString('base64'), ...(lifetime === undefined ? {} : { lifetime }), ...(mki === undefined ? {} : { mki }) })),
  };
});

const mediaAttribute: fc.Arbitrary<MediaAttribute> = fc.oneof(
  fc.record({ kind: fc.constant('rtpmap' as const), payloadType: fc.integer({ min: 0, max: 127 }), encodingName: token.filter((t) => !t.includes('/')), clockRate: fc.integer({ min: 1, max: 9999999 }), channels: fc.integer({ min: 1, max: 255 }) }, { requiredKeys: ['kind', 'payloadType', 'encodingName', 'clockRate'] }),
  fc.record({ kind: fc.constant('fmtp' as const), format: fc.oneof(fc.integer({ min: 0, max: 127 }).map(String), token), parameters: printable(40).filter((p) => p !== '') }),
  fc.record({ kind: fc.constant('ptime' as const), milliseconds: fc.integer({ min: 1, max: 10000 }) }),
  fc.record({ kind: fc.constant('maxptime' as const), milliseconds: fc.integer({ min: 1, max: 10000 }) }),
  direction,
  fc.record({ kind: fc.constant('rtcp' as const), port: fc.integer({ min: 0, max: 65535 }), connection }, { requiredKeys: ['kind', 'port'] }),
  fc.constant({ kind: 'rtcp-mux' as const }),
  cryptoAttr,
  other,
);

/** Drops attributes the parser would refuse as duplicates (same rtpmap PT, fmtp format, crypto tag, …). */
function dedupe<T extends MediaAttribute | SessionAttribute>(attrs: readonly T[]): T[] {
  const seen = new Set<string>();
  return attrs.filter((a) => {
    let key: string | undefined;
    switch (a.kind) {
      case 'rtpmap': key = `rtpmap ${a.payloadType}`; break;
      case 'fmtp': key = `fmtp ${a.format}`; break;
      case 'crypto': key = `crypto ${a.tag}`; break;
      case 'direction': case 'ptime': case 'maxptime': case 'rtcp': key = a.kind; break;
      default: key = undefined;
    }
    if (key === undefined) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const PROTOS = ['RTP/AVP', 'RTP/SAVP', 'RTP/SAVPF', 'UDP/TLS/RTP/SAVPF', 'udptl', 'TCP/MSRP'];
const media: fc.Arbitrary<MediaDescription> = fc.record({
  type: fc.constantFrom('audio', 'video', 'image', 'application', 'text'),
  port: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 65535 })),
  portCount: fc.integer({ min: 1, max: 4 }),
  proto: fc.constantFrom(...PROTOS),
  rtpFormats: fc.array(fc.integer({ min: 0, max: 127 }).map(String), { minLength: 1, maxLength: 8 }),
  tokenFormats: fc.array(token, { minLength: 1, maxLength: 3 }),
  information: printable(20),
  connection,
  bandwidths: fc.array(bandwidth, { maxLength: 2 }),
  encryptionKey: printable(20),
  attributes: fc.array(mediaAttribute, { maxLength: 10 }).map(dedupe),
}, { requiredKeys: ['type', 'port', 'proto', 'rtpFormats', 'tokenFormats', 'bandwidths', 'attributes'] }).map(({ rtpFormats, tokenFormats, ...m }) => ({
  ...m,
  formats: m.proto.includes('RTP') ? rtpFormats : tokenFormats,
}));

const sessionArb: fc.Arbitrary<SessionDescription> = fc.record({
  origin: fc.record({ username: fc.stringMatching(/^[!-~]{1,10}$/), sessionId: digits, sessionVersion: digits, addrType: fc.constantFrom('IP4' as const, 'IP6' as const), address: fc.oneof(ipv4, ipv6, hostname) }),
  sessionName: printable(20),
  information: printable(20),
  uri: printable(20),
  emails: fc.array(printable(20), { maxLength: 2 }),
  phones: fc.array(printable(20), { maxLength: 2 }),
  connection,
  bandwidths: fc.array(bandwidth, { maxLength: 2 }),
  times: fc.array(fc.record({ start: digits, stop: digits, repeats: fc.array(printable(15).filter((r) => r !== ''), { maxLength: 2 }) }), { minLength: 1, maxLength: 2 }),
  zoneAdjustments: printable(20),
  encryptionKey: printable(20),
  attributes: fc.array(fc.oneof(direction, other), { maxLength: 5 }).map(dedupe),
  media: fc.array(media, { maxLength: 4 }),
}, { requiredKeys: ['origin', 'sessionName', 'emails', 'phones', 'bandwidths', 'times', 'attributes', 'media'] }).map((s) => ({
  version: 0 as const,
  ...s,
  // RFC 4566 §5.7: an enabled stream needs a c= somewhere.
  media: s.media.map((m) => (m.port !== 0 && m.connection === undefined && s.connection === undefined ? { ...m, connection: { addrType: 'IP4' as const, address: '192.0.2.1' } } : m)),
})).map((s) => JSON.parse(JSON.stringify(s)) as SessionDescription); // plain objects (fc.record builds null-prototype ones)

test('property: parse(write(x)) equals x for generated descriptions', () => {
  fc.assert(fc.property(sessionArb, (sdp) => {
    const text = writeSdp(sdp);
    const parsed = parseSdp(text);
    if (isSdpError(parsed)) assert.fail(`${parsed.message}\n${text}`);
    assert.deepEqual(parsed, sdp);
    assert.equal(writeSdp(parsed), text);
  }), { numRuns: 1000 });
});
