// SDES key parameters and a=crypto attributes (RFC 4568), suite choice, and a context built from SDES.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  SUITE_PREFERENCE,
  answerCrypto,
  createCryptoOffer,
  decodeKeyParam,
  encodeKeyParam,
  formatCryptoAttribute,
  generateKeyParam,
  isUsable,
  matchAnswer,
  mkiBytes,
  parseCryptoAttribute,
  selectCrypto,
  windowSizeHint,
  type CryptoAttribute,
} from '../../src/media/srtp/keys.js';
import { SrtpContext, isSrtpError } from '../../src/media/srtp/srtp.js';

// RFC 4568 §4 / §9.2 example key ("inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4").
const RFC_KEY = 'PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR';

test('generateKeyParam: 16-byte key, 14-byte salt, random', () => {
  const a = generateKeyParam();
  const b = generateKeyParam('AES_CM_128_HMAC_SHA1_32');
  assert.equal(a.masterKey.length, 16);
  assert.equal(a.masterSalt.length, 14);
  assert.notDeepEqual(Buffer.concat([a.masterKey, a.masterSalt]), Buffer.concat([b.masterKey, b.masterSalt]));
  assert.equal(a.lifetime, undefined);
  assert.equal(a.mki, undefined);
});

test('inline: key parameter, with and without lifetime and MKI (RFC 4568 §6.1, §9.2)', () => {
  const plain = decodeKeyParam(`inline:${RFC_KEY}`);
  assert.ok(plain);
  assert.deepEqual(Buffer.concat([plain.masterKey, plain.masterSalt]), Buffer.from(RFC_KEY, 'base64'));
  assert.equal(plain.lifetime, undefined);
  assert.equal(plain.mki, undefined);
  assert.equal(encodeKeyParam(plain), `inline:${RFC_KEY}`);

  const full = decodeKeyParam(`inline:${RFC_KEY}|2^20|1:4`);
  assert.equal(full?.lifetime, 2 ** 20);
  assert.deepEqual(full?.mki, { value: 1, length: 4 });
  assert.ok(full);
  assert.equal(encodeKeyParam(full), `inline:${RFC_KEY}|2^20|1:4`);

  assert.equal(decodeKeyParam(`inline:${RFC_KEY}|2^31`)?.lifetime, 2 ** 31);
  assert.equal(decodeKeyParam(`inline:${RFC_KEY}|2^48`)?.lifetime, 2 ** 48); // baresip's srtp_keylifetime
  assert.equal(decodeKeyParam(`inline:${RFC_KEY}|1048576`)?.lifetime, 1048576);
  assert.deepEqual(decodeKeyParam(`inline:${RFC_KEY}|1:4`)?.mki, { value: 1, length: 4 });
  assert.deepEqual(decodeKeyParam(`INLINE:${RFC_KEY}|255:1`)?.mki, { value: 255, length: 1 });
  assert.deepEqual(mkiBytes({ value: 0x0102, length: 4 }), Buffer.from([0, 0, 1, 2]));

  for (const bad of [
    RFC_KEY, // no method
    `uri:${RFC_KEY}`,
    `inline:${RFC_KEY.slice(4)}`, // 27 bytes
    `inline:${RFC_KEY}AAAA`, // 33 bytes
    `inline:${RFC_KEY.slice(0, -1)}!`,
    `inline:${RFC_KEY}|2^49`, // beyond the suite's 2^48
    `inline:${RFC_KEY}|0`,
    `inline:${RFC_KEY}|256:1`, // does not fit one byte
    `inline:${RFC_KEY}|1:0`,
    `inline:${RFC_KEY}|1:129`,
    `inline:${RFC_KEY}|1:4|2^20`, // MKI before lifetime
    `inline:${RFC_KEY}|2^20|2^20`,
    `inline:${RFC_KEY}|`,
    `inline:${RFC_KEY}|2^20|1:4|x`,
  ]) {
    assert.equal(decodeKeyParam(bad), undefined, bad);
  }
});

test('encode/decode round trip for any key, lifetime and MKI', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ minLength: 30, maxLength: 30 }),
      fc.option(fc.oneof(fc.integer({ min: 0, max: 48 }).map((e) => 2 ** e), fc.integer({ min: 1, max: 2 ** 40 }))),
      fc.option(fc.record({ length: fc.integer({ min: 1, max: 4 }), value: fc.nat() })),
      (bytes, lifetime, mki) => {
        const b = Buffer.from(bytes);
        const param = {
          masterKey: b.subarray(0, 16),
          masterSalt: b.subarray(16),
          ...(lifetime !== null ? { lifetime } : {}),
          ...(mki !== null ? { mki: { length: mki.length, value: mki.value % 256 ** mki.length } } : {}),
        };
        assert.deepEqual(decodeKeyParam(encodeKeyParam(param)), param);
      },
    ),
  );
});

test('a=crypto: parse and format (RFC 4568 §9.1), baresip-style and with session parameters', () => {
  const baresip = parseCryptoAttribute(`a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`);
  assert.ok(baresip);
  assert.equal(baresip.tag, 1);
  assert.equal(baresip.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.equal(baresip.keyParams.length, 1);
  assert.deepEqual(baresip.sessionParams, []);
  assert.equal(formatCryptoAttribute(baresip), `1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`);
  assert.ok(isUsable(baresip));

  const lower = parseCryptoAttribute(`2 aes_cm_128_hmac_sha1_32 inline:${RFC_KEY}|2^48`);
  assert.equal(lower?.suite, 'AES_CM_128_HMAC_SHA1_32');

  const wsh = parseCryptoAttribute(`crypto:3 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY} WSH=256`);
  assert.ok(wsh);
  assert.equal(windowSizeHint(wsh), 256);
  assert.ok(isUsable(wsh));

  const kdr = parseCryptoAttribute(`4 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY} KDR=23`);
  assert.ok(kdr);
  assert.equal(isUsable(kdr), false, 'a non-zero key derivation rate is not implemented');
  const unenc = parseCryptoAttribute(`5 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY} UNENCRYPTED_SRTCP`);
  assert.equal(unenc && isUsable(unenc), false);

  const twoKeys = parseCryptoAttribute(`6 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}|2^20|1:4;inline:${RFC_KEY}|2^20|2:4`);
  assert.equal(twoKeys?.keyParams.length, 2);
  assert.equal(twoKeys && isUsable(twoKeys), false, 'several MKI-selected keys are not supported');

  for (const bad of [
    '',
    'a=crypto:1 AES_CM_128_HMAC_SHA1_80',
    `a=crypto:x AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`,
    `a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`,
    `a=crypto:1 AEAD_AES_128_GCM inline:${RFC_KEY}`, // not implemented
    `a=crypto:1 F8_128_HMAC_SHA1_80 inline:${RFC_KEY}`,
    `a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY};inline:${RFC_KEY}`, // several keys without MKI
  ]) {
    assert.equal(parseCryptoAttribute(bad), undefined, bad);
  }
});

test('offer: our suites in preference order, one fresh key each, no MKI', () => {
  const offer = createCryptoOffer();
  assert.deepEqual(offer.map((a) => [a.tag, a.suite]), [[1, 'AES_CM_128_HMAC_SHA1_80'], [2, 'AES_CM_128_HMAC_SHA1_32']]);
  assert.deepEqual(SUITE_PREFERENCE, ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32']);
  const [a, b] = offer;
  assert.ok(a && b);
  assert.notDeepEqual(a.keyParams[0]?.masterKey, b.keyParams[0]?.masterKey);
  for (const attr of offer) {
    const line = formatCryptoAttribute(attr);
    assert.match(line, /^\d (AES_CM_128_HMAC_SHA1_(80|32)) inline:[A-Za-z0-9+/]{40}$/);
    assert.deepEqual(parseCryptoAttribute(line), attr);
  }
});

test('answer: our preference decides, the offered tag is kept, our own key is used', () => {
  const offered = [
    `1 AES_CM_128_HMAC_SHA1_32 inline:${RFC_KEY}`,
    `2 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY} KDR=1`, // unusable
    `3 AEAD_AES_256_GCM inline:${RFC_KEY}`, // unknown, dropped by the parser
    `4 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`,
  ]
    .map(parseCryptoAttribute)
    .filter((a): a is CryptoAttribute => a !== undefined);
  assert.equal(offered.length, 3);
  const answer = answerCrypto(offered);
  assert.ok(answer);
  assert.equal(answer.remote.tag, 4);
  assert.equal(answer.local.tag, 4);
  assert.equal(answer.local.suite, 'AES_CM_128_HMAC_SHA1_80');
  assert.notDeepEqual(answer.local.keyParams[0]?.masterKey, answer.remote.keyParams[0]?.masterKey);
  // With _32 preferred, or _80 missing, tag 1 wins.
  assert.equal(selectCrypto(offered, ['AES_CM_128_HMAC_SHA1_32', 'AES_CM_128_HMAC_SHA1_80'])?.tag, 1);
  assert.equal(selectCrypto(offered.filter((a) => a.tag !== 4))?.tag, 1);
  assert.equal(selectCrypto([]), undefined);
  assert.equal(answerCrypto(offered.filter((a) => a.tag === 2)), undefined);
});

test('offerer matches the answer by tag and suite', () => {
  const offer = createCryptoOffer();
  const answer = parseCryptoAttribute(`2 AES_CM_128_HMAC_SHA1_32 inline:${RFC_KEY}`);
  assert.ok(answer);
  assert.equal(matchAnswer(offer, answer)?.tag, 2);
  const wrongSuite = parseCryptoAttribute(`1 AES_CM_128_HMAC_SHA1_32 inline:${RFC_KEY}`);
  assert.ok(wrongSuite);
  assert.equal(matchAnswer(offer, wrongSuite), undefined);
  const unknownTag = parseCryptoAttribute(`7 AES_CM_128_HMAC_SHA1_80 inline:${RFC_KEY}`);
  assert.ok(unknownTag);
  assert.equal(matchAnswer(offer, unknownTag), undefined);
});

test('end to end over SDES: offer/answer lines build matching contexts both ways', () => {
  const offer = createCryptoOffer();
  // The answerer (think baresip) sees our lines as text.
  const offeredByText = offer.map((a) => parseCryptoAttribute(`a=crypto:${formatCryptoAttribute(a)}`)).filter((a): a is CryptoAttribute => a !== undefined);
  const answer = answerCrypto(offeredByText);
  assert.ok(answer);
  const answerLine = parseCryptoAttribute(formatCryptoAttribute(answer.local));
  assert.ok(answerLine);
  const ours = matchAnswer(offer, answerLine);
  assert.ok(ours);

  const key = (a: CryptoAttribute) => a.keyParams[0] ?? assert.fail('no key');
  const offererTx = SrtpContext.fromSdes(ours.suite, key(ours));
  const offererRx = SrtpContext.fromSdes(answerLine.suite, key(answerLine));
  const answererTx = SrtpContext.fromSdes(answer.local.suite, key(answer.local));
  const answererRx = SrtpContext.fromSdes(answer.remote.suite, key(answer.remote), { replayWindow: windowSizeHint(answer.remote) ?? 128 });

  const pkt = Buffer.concat([Buffer.from('80000001000000a0cafebabe', 'hex'), Buffer.alloc(160, 0x55)]);
  assert.deepEqual(answererRx.unprotectRtp(offererTx.protectRtp(pkt)), pkt);
  assert.deepEqual(offererRx.unprotectRtp(answererTx.protectRtp(pkt)), pkt);
  const pkt2 = Buffer.from(pkt);
  pkt2.writeUInt16BE(2, 2);
  assert.ok(isSrtpError(offererRx.unprotectRtp(offererTx.protectRtp(pkt2))), 'each direction has its own key');

  // A peer key with an MKI: its packets carry the MKI, fromSdes expects it.
  const withMki = decodeKeyParam(`inline:${RFC_KEY}|2^20|1:4`);
  assert.ok(withMki);
  const peer = SrtpContext.fromSdes('AES_CM_128_HMAC_SHA1_80', withMki);
  const sent = peer.protectRtp(pkt);
  assert.deepEqual(sent.subarray(pkt.length, pkt.length + 4), Buffer.from([0, 0, 0, 1]));
  assert.deepEqual(SrtpContext.fromSdes('AES_CM_128_HMAC_SHA1_80', withMki).unprotectRtp(sent), pkt);
});
