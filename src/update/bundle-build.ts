/**
 * Builds a signed update bundle from a folder (on the build machine): walks the tree in a stable order,
 * hashes every file, signs the manifest, then writes header, manifest, signature and payload.
 */
import { createHash, sign, type KeyObject } from 'node:crypto';
import { lstat, open, readdir, readlink, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BundleError,
  DEFAULT_BUNDLE_LIMITS,
  MANIFEST_FORMAT,
  SIGNATURE_CONTEXT,
  checkManifestEntries,
  encodeHeader,
  isSymlinkEntry,
  type BundleLimits,
  type BundleManifest,
  type ManifestEntry,
} from './bundle-format.js';
import { isValidVersion } from './version.js';

const CHUNK = 1024 * 1024;

export interface BuildOptions {
  sourceDir: string;
  outFile: string;
  version: string;
  key: KeyObject;
  minVersion?: string;
  /** Architecture of the tree's native addons (process.arch names); default this machine's. */
  arch?: string;
  /** Defaults to now; fixed in tests for reproducible bundles. */
  created?: Date;
  limits?: BundleLimits;
}

async function hashFile(path: string): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  let size = 0;
  try {
    const buffer = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      hash.update(buffer.subarray(0, bytesRead));
      size += bytesRead;
    }
  } finally {
    await handle.close();
  }
  return { size, sha256: hash.digest('hex') };
}

/** Regular files and symlinks, sorted by path; anything else (fifo, socket, device) is an error. */
async function collectEntries(root: string, relative = ''): Promise<ManifestEntry[]> {
  const entries: ManifestEntry[] = [];
  const names = (await readdir(join(root, relative))).sort();
  for (const name of names) {
    const path = relative ? `${relative}/${name}` : name;
    const full = join(root, path);
    const info = await lstat(full);
    if (info.isDirectory()) entries.push(...(await collectEntries(root, path)));
    else if (info.isSymbolicLink()) entries.push({ type: 'symlink', path, target: await readlink(full) });
    else if (info.isFile()) {
      const { size, sha256 } = await hashFile(full);
      entries.push({ type: 'file', path, size, sha256, mode: info.mode & 0o111 ? 0o755 : 0o644 });
    } else throw new BundleError(`${full}: not a regular file, folder or symlink`);
  }
  return entries;
}

/** Writes the bundle (via a temporary file renamed into place) and returns its manifest. */
export async function buildBundle(options: BuildOptions): Promise<BundleManifest> {
  if (!isValidVersion(options.version)) throw new BundleError(`--version ${JSON.stringify(options.version)}: must be a version like 1.4.0`);
  if (options.minVersion !== undefined && !isValidVersion(options.minVersion)) throw new BundleError(`min version ${JSON.stringify(options.minVersion)}: must be a version like 1.4.0`);
  const limits = options.limits ?? DEFAULT_BUNDLE_LIMITS;
  const manifest: BundleManifest = {
    format: MANIFEST_FORMAT,
    name: 'sipdesk',
    version: options.version,
    created: (options.created ?? new Date()).toISOString(),
    ...(options.minVersion ? { minVersion: options.minVersion } : {}),
    arch: options.arch ?? process.arch,
    files: await collectEntries(options.sourceDir),
  };
  // The device applies exactly these rules: refuse here what it would refuse there.
  checkManifestEntries(manifest, limits);
  const manifestBytes = Buffer.from(JSON.stringify(manifest), 'utf8');
  if (manifestBytes.length > limits.maxManifestBytes) throw new BundleError(`manifest is ${manifestBytes.length} bytes, limit ${limits.maxManifestBytes}`);
  const signature = sign(null, Buffer.concat([SIGNATURE_CONTEXT, manifestBytes]), options.key);

  const temp = `${options.outFile}.partial`;
  const out = await open(temp, 'w', 0o644);
  try {
    await out.write(encodeHeader(manifestBytes.length, signature.length));
    await out.write(manifestBytes);
    await out.write(signature);
    for (const entry of manifest.files) {
      if (isSymlinkEntry(entry)) continue;
      await copyVerified(join(options.sourceDir, entry.path), entry.size, entry.sha256, out);
    }
    await out.sync();
  } catch (err) {
    await out.close();
    await rm(temp, { force: true });
    throw err;
  }
  await out.close();
  await rename(temp, options.outFile);
  return manifest;
}

/** Copies a file into the bundle, failing if it changed since it was hashed (a build racing a rebuild). */
async function copyVerified(path: string, size: number, sha256: string, out: Awaited<ReturnType<typeof open>>): Promise<void> {
  const hash = createHash('sha256');
  const handle = await open(path, 'r');
  let copied = 0;
  try {
    const buffer = Buffer.alloc(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buffer, 0, CHUNK, null);
      if (bytesRead === 0) break;
      copied += bytesRead;
      if (copied > size) break;
      hash.update(buffer.subarray(0, bytesRead));
      await out.write(buffer.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
  if (copied !== size || hash.digest('hex') !== sha256) throw new BundleError(`${path} changed while the bundle was being built`);
}
