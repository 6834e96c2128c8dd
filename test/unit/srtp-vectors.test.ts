// Known-answer tests for src/media/srtp:
//  - RFC 3711 Appendix B.2 (AES-CM keystream) and B.3 (key derivation), exactly as printed in the RFC;
//  - libsrtp's reference packets from srtp_validate() in test/srtp_driver.c of github.com/cisco/libsrtp
//    (default policy = AES_CM_128_HMAC_SHA1_80 for SRTP and SRTCP, SSRC 0xcafebabe, key `test_key`);
//  - the AES_CM_128_HMAC_SHA1_32 packet: libsrtp's _80 packet with the tag cut to 4 bytes, as the
//    libSRTP v2.8.0 known answer quoted by rvoip's libsrtp interop helper (srtp_sha1_32_ciphertext).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SrtpContext,
  aesCmKeystream,
  deriveSessionKey,
  deriveSessionKeys,
  estimateIndex,
  isSrtpError,
} from '../../src/media/srtp/srtp.js';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

function ok(value: Buffer | { toString(): string }): Buffer {
  if (!Buffer.isBuffer(value)) assert.fail(`expected a packet, got ${value.toString()}`);
  return value;
}

test('RFC 3711 B.2: AES-CM keystream blocks', () => {
  // Session key 2B7E…4F3C, salt F0F1…FCFD, ROC 0, SEQ 0, SSRC 0: the counter blocks are
  // F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000 + n.
  const key = hex('2B7E151628AED2A6ABF7158809CF4F3C');
  const salt = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD');
  const ks = aesCmKeystream(key, salt, 0, 0, 0xff02 * 16);
  const block = (n: number): string => ks.subarray(n * 16, n * 16 + 16).toString('hex').toUpperCase();
  assert.equal(block(0x0000), 'E03EAD0935C95E80E166B16DD92B4EB4');
  assert.equal(block(0x0001), 'D23513162B02D0F72A43A2FE4A5F97AB');
  assert.equal(block(0x0002), '41E95B3BB0A2E8DD477901E4FCA894C0');
  assert.equal(block(0xfeff), 'EC8CDF7398607CB0F2D21675EA9EA1E4');
  assert.equal(block(0xff00), '362B7C3C6773516318A077D7FC5073AE');
  assert.equal(block(0xff01), '6A2CC3787889374FBEB4C81B17BA6C44');
});

test('RFC 3711 B.3: key derivation (cipher key, cipher salt, 94-octet auth key)', () => {
  const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
  const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');
  assert.equal(deriveSessionKey(masterKey, masterSalt, 0, 16).toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(deriveSessionKey(masterKey, masterSalt, 2, 14).toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
  assert.equal(
    deriveSessionKey(masterKey, masterSalt, 1, 94).toString('hex').toUpperCase(),
    'CEBE321F6FF7716B6FD4AB49AF256A15' +
      '6D38BAA48F0A0ACF3C34E2359E6CDBCE' +
      'E049646C43D9327AD175578EF7227098' +
      '6371C10C9A369AC2F94A8C5FBCDDDC25' +
      '6D6E919A48B610EF17C2041E47403576' +
      '6B68642C59BBFC2F34DB60DBDFB2',
  );
  const srtp = deriveSessionKeys(masterKey, masterSalt, 'srtp');
  assert.equal(srtp.encryptionKey.toString('hex').toUpperCase(), 'C61E7A93744F39EE10734AFE3FF7A087');
  assert.equal(srtp.salt.toString('hex').toUpperCase(), '30CBBC08863D8C85D49DB34A9AE1');
  // HMAC-SHA1 uses the first 160 bits (RFC 3711 §4.2.1, §8.2 n_a = 160).
  assert.equal(srtp.authKey.toString('hex').toUpperCase(), 'CEBE321F6FF7716B6FD4AB49AF256A156D38BAA4');
  // SRTCP labels 3, 4, 5 give different keys (checked end to end by the libsrtp SRTCP packet below).
  const srtcp = deriveSessionKeys(masterKey, masterSalt, 'srtcp');
  assert.notDeepEqual(srtcp.encryptionKey, srtp.encryptionKey);
  assert.equal(srtcp.authKey.length, 20);
  assert.equal(srtcp.salt.length, 14);
});

// libsrtp test/srtp_driver.c: test_key (first 30 bytes = 16-byte key || 14-byte salt).
const libsrtpKey = hex('e1f97a0d3e018be0d64fa32c06de4139 0ec675ad498afeebb6960b3aabe6');
const libsrtpCtx = (suite: 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32'): SrtpContext =>
  new SrtpContext({ suite, masterKey: libsrtpKey.subarray(0, 16), masterSalt: libsrtpKey.subarray(16) });

// srtp_validate(): srtp_plaintext_ref, srtp_ciphertext, rtcp_plaintext_ref, srtcp_ciphertext.
const rtpPlain = hex('800f1234decafbadcafebabe abababababababababababababababab');
const srtpCipher = hex('800f1234decafbadcafebabe 4e55dc4ce79978d88ca4d215949d2402 b78d6acc99ea179b8dbb');
const rtcpPlain = hex('81c8000bcafebabe abababababababababababababababab');
const srtcpCipher = hex('81c8000bcafebabe 7128035be487b9bdbef89041f977a5a8 80000001 993e08cd54d6c1230798');

test('libsrtp srtp_validate: SRTP AES_CM_128_HMAC_SHA1_80 protect and unprotect', () => {
  assert.equal(libsrtpCtx('AES_CM_128_HMAC_SHA1_80').protectRtp(rtpPlain).toString('hex'), srtpCipher.toString('hex'));
  assert.deepEqual(ok(libsrtpCtx('AES_CM_128_HMAC_SHA1_80').unprotectRtp(srtpCipher)), rtpPlain);
});

test('libsrtp srtp_validate: SRTCP (80-bit tag, E=1, index 1) protect and unprotect', () => {
  // libsrtp numbers its first SRTCP packet 1; RFC 3711 §3.4 (and we) start at 0, so our second packet
  // is the one libsrtp sent first. The SRTCP index is explicit, so the receiver does not care.
  for (const suite of ['AES_CM_128_HMAC_SHA1_80', 'AES_CM_128_HMAC_SHA1_32'] as const) {
    const tx = libsrtpCtx(suite);
    const first = tx.protectRtcp(rtcpPlain);
    assert.equal(first.readUInt32BE(rtcpPlain.length), 0x80000000, 'E=1, index 0');
    assert.equal(tx.protectRtcp(rtcpPlain).toString('hex'), srtcpCipher.toString('hex'), suite);
    assert.deepEqual(ok(libsrtpCtx(suite).unprotectRtcp(srtcpCipher)), rtcpPlain);
  }
});

test('fromKeySalt: the 30 SDES bytes give the same context as key + salt', () => {
  assert.equal(SrtpContext.fromKeySalt('AES_CM_128_HMAC_SHA1_80', libsrtpKey).protectRtp(rtpPlain).toString('hex'), srtpCipher.toString('hex'));
  assert.throws(() => SrtpContext.fromKeySalt('AES_CM_128_HMAC_SHA1_80', libsrtpKey.subarray(1)), RangeError);
});

test('AES_CM_128_HMAC_SHA1_32: same encryption, tag truncated to 32 bits', () => {
  const srtp32 = srtpCipher.subarray(0, srtpCipher.length - 6);
  assert.equal(libsrtpCtx('AES_CM_128_HMAC_SHA1_32').protectRtp(rtpPlain).toString('hex'), srtp32.toString('hex'));
  assert.deepEqual(ok(libsrtpCtx('AES_CM_128_HMAC_SHA1_32').unprotectRtp(srtp32)), rtpPlain);
  // An 80-bit packet is not a valid 32-bit one (the tag position differs).
  assert.ok(isSrtpError(libsrtpCtx('AES_CM_128_HMAC_SHA1_32').unprotectRtp(srtpCipher)));
});

test('RFC 3711 Appendix A: index guess around the wrap', () => {
  assert.equal(estimateIndex(-1, 1234), 1234); // first packet: ROC 0
  assert.equal(estimateIndex(100, 101), 101);
  assert.equal(estimateIndex(65535, 0), 65536); // s_l ≥ 2^15, SEQ far below: ROC + 1
  assert.equal(estimateIndex(65536 + 2, 65534), 65534); // s_l < 2^15, SEQ far above: ROC − 1
  assert.equal(estimateIndex(3 * 65536 + 40000, 7000), 4 * 65536 + 7000); // 40000 − 32768 > 7000
  assert.equal(estimateIndex(3 * 65536 + 40000, 7232), 3 * 65536 + 7232); // boundary: 7232 is not > 7232, same ROC
  assert.equal(estimateIndex(5, 65000), -65536 + 65000); // before ROC 0: negative, refused by callers
});
