// HTTP Digest for SIP (RFC 3261 22.4 with RFC 2617 / RFC 7616 MD5, qop=auth). Nonces are stateless: a
// timestamp plus an HMAC of it under a per-process secret, so the PBX needs no nonce table; an expired nonce
// with a correct response is answered with stale=true (the client retries with the new nonce, no password
// prompt). Not done: nonce-count replay tracking, auth-int, SHA-256 (the phone also speaks MD5).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

const md5 = (s: string): string => createHash('md5').update(s, 'utf8').digest('hex');

export interface DigestInput {
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  /** With qop=auth (RFC 2617 3.2.2.1); leave out for the RFC 2069 form. */
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
  algorithm?: 'MD5' | 'MD5-sess';
}

/** request-digest: KD(H(A1), nonce[:nc:cnonce:qop]:H(A2)). */
export function digestResponse(d: DigestInput): string {
  let ha1 = md5(`${d.username}:${d.realm}:${d.password}`);
  if (d.algorithm === 'MD5-sess') ha1 = md5(`${ha1}:${d.nonce}:${d.cnonce ?? ''}`);
  const ha2 = md5(`${d.method}:${d.uri}`);
  return d.qop === 'auth'
    ? md5(`${ha1}:${d.nonce}:${d.nc ?? ''}:${d.cnonce ?? ''}:auth:${ha2}`)
    : md5(`${ha1}:${d.nonce}:${ha2}`);
}

/** `Digest username="a", realm="b", nc=00000001, ...` → parameters (names lowercased, values unquoted). */
export function parseDigestParams(value: string): Map<string, string> | undefined {
  const m = /^\s*Digest\s+([\s\S]*)$/i.exec(value);
  if (!m) return undefined;
  const params = new Map<string, string>();
  // Each match consumes a whole quoted value, so a "k=v" inside quotes is never taken for a parameter.
  for (const match of m[1]!.matchAll(/([A-Za-z0-9_-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^\s,]*)/g)) {
    const raw = match[2]!;
    params.set(match[1]!.toLowerCase(), raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
  }
  return params.size > 0 ? params : undefined;
}

export type NonceCheck = 'valid' | 'stale' | 'invalid';

export class NonceManager {
  private readonly secret: Buffer;

  constructor(
    private readonly lifetimeMs = 300_000,
    private readonly now: () => number = Date.now,
    secret?: Buffer,
  ) {
    this.secret = secret ?? randomBytes(32);
  }

  issue(): string {
    const stamp = Buffer.alloc(8);
    stamp.writeBigUInt64BE(BigInt(Math.floor(this.now())));
    return Buffer.concat([stamp, this.mac(stamp)]).toString('base64url');
  }

  check(nonce: string): NonceCheck {
    const raw = Buffer.from(nonce, 'base64url');
    if (raw.length !== 24 || raw.toString('base64url') !== nonce) return 'invalid';
    const stamp = raw.subarray(0, 8);
    if (!timingSafeEqual(raw.subarray(8), this.mac(stamp))) return 'invalid';
    const issued = Number(stamp.readBigUInt64BE());
    const age = this.now() - issued;
    return age >= 0 && age <= this.lifetimeMs ? 'valid' : 'stale';
  }

  private mac(stamp: Buffer): Buffer {
    return createHmac('sha256', this.secret).update(stamp).digest().subarray(0, 16);
  }
}

export function challenge(realm: string, nonce: string, stale = false): string {
  return `Digest realm="${realm}", nonce="${nonce}", qop="auth", algorithm=MD5${stale ? ', stale=true' : ''}`;
}

export type VerifyResult =
  | { ok: true; username: string }
  | { ok: false; stale: boolean; reason: string };

/**
 * Checks credentials from an Authorization / Proxy-Authorization header value. `passwordOf` returns the
 * password of a user, undefined for unknown users. A correct response to an expired nonce is "stale" (a new
 * challenge with stale=true), anything wrong is plain failure.
 */
export function verifyCredentials(
  header: string,
  method: string,
  realm: string,
  nonces: NonceManager,
  passwordOf: (user: string) => string | undefined,
): VerifyResult {
  const p = parseDigestParams(header);
  if (!p) return { ok: false, stale: false, reason: 'not Digest credentials' };
  const username = p.get('username');
  const nonce = p.get('nonce');
  const uri = p.get('uri');
  const response = p.get('response');
  if (username === undefined || nonce === undefined || uri === undefined || response === undefined) {
    return { ok: false, stale: false, reason: 'incomplete credentials' };
  }
  if (p.get('realm') !== realm) return { ok: false, stale: false, reason: 'wrong realm' };
  const algorithm = (p.get('algorithm') ?? 'MD5').toUpperCase();
  if (algorithm !== 'MD5' && algorithm !== 'MD5-SESS') return { ok: false, stale: false, reason: `unsupported algorithm ${algorithm}` };
  const qop = p.get('qop');
  if (qop !== undefined && qop !== 'auth') return { ok: false, stale: false, reason: `unsupported qop ${qop}` };
  const password = passwordOf(username);
  if (password === undefined) return { ok: false, stale: false, reason: 'unknown user' };
  const nonceState = nonces.check(nonce);
  if (nonceState === 'invalid') return { ok: false, stale: false, reason: 'nonce not ours' };
  const expected = digestResponse({
    username, realm, password, method, uri, nonce,
    algorithm: algorithm === 'MD5-SESS' ? 'MD5-sess' : 'MD5',
    ...(qop === 'auth' ? { qop: 'auth' as const, nc: p.get('nc') ?? '', cnonce: p.get('cnonce') ?? '' } : {}),
  });
  if (expected !== response.toLowerCase()) return { ok: false, stale: false, reason: 'wrong response' };
  if (nonceState === 'stale') return { ok: false, stale: true, reason: 'nonce expired' };
  return { ok: true, username };
}
