import { test } from 'node:test';
import assert from 'node:assert/strict';
import { digestResponse, installStrongDigest } from '../../src/sip/digest.js';
import { DigestAuthentication } from '../../src/sip/jssip-internals.js';

// RFC 7616 §3.9.1 example (the same computation RFC 8760 uses for SIP).
const example = {
  username: 'Mufasa',
  realm: 'http-auth@example.org',
  password: 'Circle of Life',
  method: 'GET',
  uri: '/dir/index.html',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  qop: 'auth' as const,
  nc: '00000001',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
};

test('RFC 7616 test vectors: MD5 and SHA-256', () => {
  assert.equal(digestResponse({ ...example, algorithm: 'MD5' }).response, '8ca523f5e9506fed4657c9700eebdbec');
  assert.equal(digestResponse({ ...example, algorithm: 'SHA-256' }).response, '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
});

test('JsSIP DigestAuthentication answers SHA-256 challenges once installed, MD5 still its own', () => {
  installStrongDigest();
  const auth = new DigestAuthentication({ username: 'Mufasa', password: 'Circle of Life', realm: null, ha1: null });
  const ok = auth.authenticate(
    { method: 'GET', ruri: '/dir/index.html', body: null },
    { algorithm: 'SHA-256', realm: example.realm, nonce: example.nonce, qop: ['auth'], opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS' },
    example.cnonce,
  );
  assert.equal(ok, true);
  const header = (auth as unknown as { toString(): string }).toString();
  assert.match(header, /algorithm=SHA-256/);
  assert.match(header, /response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"/);
  assert.match(header, /nc=00000001/);

  const md5 = new DigestAuthentication({ username: 'Mufasa', password: 'Circle of Life', realm: null, ha1: null });
  assert.equal(md5.authenticate({ method: 'GET', ruri: '/dir/index.html' }, { algorithm: 'MD5', realm: example.realm, nonce: example.nonce, qop: ['auth'] }, example.cnonce), true);
  assert.match((md5 as unknown as { toString(): string }).toString(), /response="8ca523f5e9506fed4657c9700eebdbec"/);

  const sess = new DigestAuthentication({ username: 'Mufasa', password: 'x', realm: null, ha1: null });
  assert.equal(sess.authenticate({ method: 'GET', ruri: '/' }, { algorithm: 'SHA-256-sess', realm: 'r', nonce: 'n' }), false, '-sess variants are refused');
});

test('the nonce count restarts at 1 for a new nonce (RFC 7616 §3.4), for MD5 and SHA-256 alike', () => {
  installStrongDigest();
  for (const algorithm of ['MD5', 'SHA-256']) {
    const auth = new DigestAuthentication({ username: 'alice', password: 'secret', realm: null, ha1: null });
    const header = () => (auth as unknown as { toString(): string }).toString();
    const challenge = (nonce: string) => ({ algorithm, realm: 'example.com', nonce, qop: ['auth'] });
    assert.equal(auth.authenticate({ method: 'REGISTER', ruri: 'sip:example.com' }, challenge('A')), true);
    assert.match(header(), /nc=00000001/);
    assert.equal(auth.authenticate({ method: 'REGISTER', ruri: 'sip:example.com' }, challenge('A')), true);
    assert.match(header(), /nc=00000002/, 'same nonce: the count goes on');
    assert.equal(auth.authenticate({ method: 'REGISTER', ruri: 'sip:example.com' }, { ...challenge('B'), stale: true }), true);
    assert.match(header(), /nc=00000001/, `${algorithm}: a fresh nonce starts again at 1`);
  }
});
