/**
 * Trusted update keys: every *.pem in the keys folder holds one ed25519 public key (SPKI PEM, as written by
 * `openssl pkey -pubout`). Several keys may be trusted at once, which is how a signing key is rotated.
 */
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface TrustedKey {
  /** File name, for messages ("signed by release-2026.pem"). */
  name: string;
  key: KeyObject;
}

export async function loadTrustedKeys(keysDir: string): Promise<TrustedKey[]> {
  let names: string[];
  try {
    names = (await readdir(keysDir)).filter((n) => n.endsWith('.pem')).sort();
  } catch (err) {
    throw new Error(`update keys: cannot read ${keysDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  const keys: TrustedKey[] = [];
  for (const name of names) {
    const path = join(keysDir, name);
    let key: KeyObject;
    try {
      key = createPublicKey(await readFile(path));
    } catch (err) {
      throw new Error(`update keys: ${path} is not a PEM public key: ${(err as Error).message}`);
    }
    if (key.asymmetricKeyType !== 'ed25519') throw new Error(`update keys: ${path} is a ${key.asymmetricKeyType ?? 'unknown'} key, expected ed25519`);
    keys.push({ name, key });
  }
  if (keys.length === 0) throw new Error(`update keys: no *.pem public key in ${keysDir}`);
  return keys;
}

export async function loadSigningKey(path: string): Promise<KeyObject> {
  let key: KeyObject;
  try {
    key = createPrivateKey(await readFile(path));
  } catch (err) {
    throw new Error(`signing key ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`signing key ${path} is a ${key.asymmetricKeyType ?? 'unknown'} key, expected ed25519`);
  return key;
}
