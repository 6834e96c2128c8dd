/**
 * Digest authentication with SHA-256 and SHA-512-256 (RFC 8760) for JsSIP, which only computes MD5
 * (its DigestAuthentication.authenticate() refuses any other algorithm). We do not fork JsSIP: we wrap
 * that one method so that MD5 challenges still go through JsSIP's own code, and the RFC 8760 algorithms
 * are computed here and stored in the same fields JsSIP's toString() turns into the Authorization header.
 *
 * RFC 8760 §2: the response is computed exactly as in RFC 7616/2617, with the hash function named by the
 * algorithm. The "-sess" variants are refused (no SIP server in the field uses them for SIP).
 */
import { createHash, randomBytes } from 'node:crypto';
import { DigestAuthentication, type JsSipChallenge, type JsSipDigest } from './jssip-internals.js';
import { createLogger } from '../util/log.js';

const log = createLogger('digest');

const HASHES: Record<string, string> = { 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

export function digestHash(algorithm: string, text: string): string {
  const name = HASHES[algorithm.toUpperCase()] ?? (algorithm.toUpperCase() === 'MD5' ? 'md5' : undefined);
  if (!name) throw new Error(`unsupported digest algorithm ${algorithm}`);
  return createHash(name).update(text, 'utf8').digest('hex');
}

/** RFC 8760 response for one challenge; pure so it can be checked against the RFC 7616 §3.9.1 example. */
export function digestResponse(p: {
  algorithm: string;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  qop: 'auth' | 'auth-int' | null;
  nc: string;
  cnonce: string;
  body?: string;
}): { ha1: string; response: string } {
  const H = (s: string) => digestHash(p.algorithm, s);
  const ha1 = H(`${p.username}:${p.realm}:${p.password}`);
  const a2 = p.qop === 'auth-int' ? `${p.method}:${p.uri}:${H(p.body ?? '')}` : `${p.method}:${p.uri}`;
  const ha2 = H(a2);
  const response = p.qop ? H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : H(`${ha1}:${p.nonce}:${ha2}`);
  return { ha1, response };
}

let installed = false;

/** Idempotent; called once by the SIP layer before the first UA is created. */
export function installStrongDigest(): void {
  if (installed) return;
  installed = true;
  const original = DigestAuthentication.prototype.authenticate;
  DigestAuthentication.prototype.authenticate = function authenticate(
    this: JsSipDigest,
    request: { method: string; ruri: unknown; body?: string | null },
    challenge: JsSipChallenge,
    cnonce?: string | null,
  ): boolean {
    // RFC 7616 §3.4: the nonce count starts at 1 for every new nonce. JsSIP keeps counting across nonces
    // (after a stale=true challenge it sends nc=00000002 with the fresh nonce), which strict servers refuse.
    if (challenge.nonce !== this._nonce) this._nc = 0;
    const algorithm = challenge.algorithm?.toUpperCase();
    if (!algorithm || !(algorithm in HASHES)) return original.call(this, request, challenge, cnonce);
    return authenticateStrong(this, request, challenge, algorithm, cnonce ?? null);
  };
}

function authenticateStrong(
  self: JsSipDigest,
  request: { method: string; ruri: unknown; body?: string | null },
  challenge: JsSipChallenge,
  algorithm: string,
  cnonce: string | null,
): boolean {
  const password = self._credentials.password;
  if (!challenge.nonce || !challenge.realm || !password) {
    log.warn(`cannot answer ${algorithm} challenge: ${!password ? 'no plain password (ha1 is MD5-only)' : 'nonce or realm missing'}`);
    return false;
  }
  let qop: 'auth' | 'auth-int' | null = null;
  if (challenge.qop) {
    if (challenge.qop.includes('auth')) qop = 'auth';
    else if (challenge.qop.includes('auth-int')) qop = 'auth-int';
    else return false;
  }
  self._algorithm = algorithm;
  self._realm = challenge.realm;
  self._nonce = challenge.nonce;
  self._opaque = challenge.opaque ?? null;
  self._stale = challenge.stale ?? null;
  self._qop = qop;
  self._method = request.method;
  self._uri = request.ruri;
  self._cnonce = cnonce ?? randomBytes(8).toString('hex');
  self._nc = self._nc >= 0xffffffff ? 1 : self._nc + 1;
  self._ncHex = self._nc.toString(16).padStart(8, '0');
  const { ha1, response } = digestResponse({
    algorithm,
    username: self._credentials.username,
    realm: challenge.realm,
    password,
    method: request.method,
    uri: String(request.ruri),
    nonce: challenge.nonce,
    qop,
    nc: self._ncHex,
    cnonce: self._cnonce,
    body: request.body ?? '',
  });
  // JsSIP copies ha1 into the UA for later MD5 use without a password; ours is not MD5, so it must not be
  // reused as one: the password stays configured, so JsSIP always recomputes.
  self._ha1 = ha1;
  self._response = response;
  return true;
}
