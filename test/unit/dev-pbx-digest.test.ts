// Digest authentication of the dev PBX (sim/pbx/digest.ts): the RFC 2617 and RFC 7616 MD5 test vectors,
// stateless nonces (valid, stale after their lifetime, forged), and checking credentials end to end.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { NonceManager, challenge, digestResponse, parseDigestParams, verifyCredentials } from '../../sim/pbx/digest.js';

test('RFC 2617 section 3.5 example (MD5, qop=auth)', () => {
  assert.equal(digestResponse({
    username: 'Mufasa', realm: 'testrealm@host.com', password: 'Circle Of Life', method: 'GET', uri: '/dir/index.html',
    nonce: 'dcd98b7102dd2f0e8b11d0f600bfb0c093', qop: 'auth', nc: '00000001', cnonce: '0a4f113b',
  }), '6629fae49393a05397450978507c4ef1');
});

test('RFC 7616 section 3.9.1 example (MD5, qop=auth)', () => {
  assert.equal(digestResponse({
    username: 'Mufasa', realm: 'http-auth@example.org', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v', qop: 'auth', nc: '00000001',
    cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  }), '8ca523f5e9506fed4657c9700eebdbec');
});

test('parseDigestParams: quoted values with commas and escapes, tokens, case-insensitive names', () => {
  const p = parseDigestParams('Digest username="a\\"b", realm="x, y",NC=00000001, qop=auth ,uri="sip:x@y"')!;
  assert.equal(p.get('username'), 'a"b');
  assert.equal(p.get('realm'), 'x, y');
  assert.equal(p.get('nc'), '00000001');
  assert.equal(p.get('qop'), 'auth');
  assert.equal(p.get('uri'), 'sip:x@y');
  assert.equal(parseDigestParams('Basic dXNlcjpwYXNz'), undefined);
});

test('nonces: valid within their lifetime, stale after it, invalid when forged or from another PBX', () => {
  let now = 1_000_000;
  const nonces = new NonceManager(60_000, () => now);
  const n = nonces.issue();
  assert.equal(nonces.check(n), 'valid');
  now += 59_000;
  assert.equal(nonces.check(n), 'valid');
  now += 2_000;
  assert.equal(nonces.check(n), 'stale');
  assert.equal(nonces.check(n.slice(0, -2) + (n.endsWith('AA') ? 'BB' : 'AA')), 'invalid');
  assert.equal(nonces.check('not-a-nonce'), 'invalid');
  assert.equal(new NonceManager(60_000, () => now).check(nonces.issue()), 'invalid', 'another secret');
  assert.match(challenge('example.com', n, true), /^Digest realm="example\.com", nonce="[^"]+", qop="auth", algorithm=MD5, stale=true$/);
});

test('verifyCredentials: right password ok, wrong one refused, expired nonce stale only with the right password', () => {
  let now = 5_000_000;
  const nonces = new NonceManager(30_000, () => now);
  const passwords = new Map([['alice', 'secret']]);
  const header = (password: string, nonce: string, extra = ''): string => {
    const response = digestResponse({ username: 'alice', realm: 'pbx', password, method: 'REGISTER', uri: 'sip:pbx', nonce, qop: 'auth', nc: '00000001', cnonce: 'c1' });
    return `Digest username="alice", realm="pbx", nonce="${nonce}", uri="sip:pbx", response="${response}", qop=auth, nc=00000001, cnonce="c1", algorithm=MD5${extra}`;
  };
  const verify = (h: string, method = 'REGISTER') => verifyCredentials(h, method, 'pbx', nonces, (u) => passwords.get(u));
  const nonce = nonces.issue();
  assert.deepEqual(verify(header('secret', nonce)), { ok: true, username: 'alice' });
  assert.deepEqual(verify(header('wrong', nonce)), { ok: false, stale: false, reason: 'wrong response' });
  assert.equal(verify(header('secret', nonce), 'INVITE').ok, false, 'the method is part of the digest');
  assert.match(JSON.stringify(verify(header('secret', nonce).replace('realm="pbx"', 'realm="other"'))), /wrong realm/);
  assert.match(JSON.stringify(verify(header('secret', nonce).replace('username="alice"', 'username="eve"'))), /unknown user|wrong response/);
  now += 31_000;
  assert.deepEqual(verify(header('secret', nonce)), { ok: false, stale: true, reason: 'nonce expired' });
  assert.equal((verify(header('wrong', nonce)) as { stale: boolean }).stale, false, 'a wrong password never looks stale');
  assert.match(JSON.stringify(verify('Digest username="alice"')), /incomplete/);
});
