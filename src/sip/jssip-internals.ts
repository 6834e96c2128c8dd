/**
 * The few JsSIP modules we reach below its public API, in one place. JsSIP is pinned to an exact version
 * in package.json (3.13.8) because these shapes are not part of its contract; test/unit/jssip-internals.test.ts
 * fails loudly if an upgrade moves them.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** JsSIP's DigestAuthentication instance fields that its toString() reads. */
export interface JsSipDigest {
  _credentials: { username: string; password: string | null; realm: string | null; ha1: string | null };
  _cnonce: string | null;
  _nc: number;
  _ncHex: string;
  _algorithm: string | null;
  _realm: string | null;
  _nonce: string | null;
  _opaque: string | null;
  _stale: boolean | null;
  _qop: string | null;
  _method: string | null;
  _uri: unknown;
  _ha1: string | null;
  _response: string | null;
  authenticate: (this: JsSipDigest, request: { method: string; ruri: unknown; body?: string | null }, challenge: JsSipChallenge, cnonce?: string | null) => boolean;
}

export interface JsSipChallenge {
  algorithm?: string;
  realm?: string;
  nonce?: string;
  opaque?: string;
  stale?: boolean;
  qop?: string[];
}

export interface DigestClass {
  prototype: JsSipDigest;
  new (credentials: JsSipDigest['_credentials']): JsSipDigest;
}

export const DigestAuthentication = require('jssip/lib/DigestAuthentication.js') as DigestClass;

export const JSSIP_VERSION = (require('jssip/package.json') as { version: string }).version;
