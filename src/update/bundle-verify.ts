/**
 * Checks an update bundle completely before anything is written (length, signature, manifest rules, every
 * file's size and SHA-256), then extracts it into a fresh folder, hashing again while writing so that a
 * bundle changed on disk between the two passes is still caught.
 */
import { createHash, verify } from 'node:crypto';
import { chmod, mkdir, open, symlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  BundleError,
  DEFAULT_BUNDLE_LIMITS,
  HEADER_BYTES,
  SIGNATURE_CONTEXT,
  checkManifestEntries,
  decodeHeader,
  describeManifestProblems,
  isSymlinkEntry,
  manifestSchema,
  payloadBytes,
  type BundleLimits,
  type BundleManifest,
  type FileEntry,
} from './bundle-format.js';
import type { TrustedKey } from './keys.js';

const CHUNK = 1024 * 1024;

export interface VerifiedBundle {
  file: string;
  manifest: BundleManifest;
  /** Name of the trusted key whose signature matched. */
  signedBy: string;
  payloadOffset: number;
}

async function readExactly(handle: FileHandle, length: number, position: number, what: string): Promise<Buffer> {
  const buffer = Buffer.alloc(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await handle.read(buffer, done, length - done, position + done);
    if (bytesRead === 0) throw new BundleError(`bundle truncated while reading the ${what}`);
    done += bytesRead;
  }
  return buffer;
}

/** Streams `entry.size` bytes from `position` through SHA-256, handing each chunk to `sink` (if any). */
async function hashRange(handle: FileHandle, entry: FileEntry, position: number, sink?: (chunk: Buffer) => Promise<void>): Promise<void> {
  const hash = createHash('sha256');
  const buffer = Buffer.alloc(Math.min(CHUNK, Math.max(entry.size, 1)));
  let left = entry.size;
  let at = position;
  while (left > 0) {
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, left), at);
    if (bytesRead === 0) throw new BundleError(`bundle truncated inside ${entry.path}`);
    const chunk = buffer.subarray(0, bytesRead);
    hash.update(chunk);
    if (sink) await sink(chunk);
    left -= bytesRead;
    at += bytesRead;
  }
  if (hash.digest('hex') !== entry.sha256) throw new BundleError(`${entry.path}: SHA-256 does not match the manifest (bundle corrupted or tampered with)`);
}

/** Everything but extraction. Throws a BundleError saying what is wrong; the disk is not touched. */
export async function verifyBundle(file: string, keys: TrustedKey[], limits: BundleLimits = DEFAULT_BUNDLE_LIMITS): Promise<VerifiedBundle> {
  if (keys.length === 0) throw new BundleError('no trusted update key');
  let handle: FileHandle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new BundleError(`cannot open bundle ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const fileSize = (await handle.stat()).size;
    if (fileSize < HEADER_BYTES) throw new BundleError(`bundle truncated (${fileSize} bytes)`);
    const header = decodeHeader(await readExactly(handle, HEADER_BYTES, 0, 'header'), limits);
    const manifestBytes = await readExactly(handle, header.manifestLength, HEADER_BYTES, 'manifest');
    const signature = await readExactly(handle, header.signatureLength, HEADER_BYTES + header.manifestLength, 'signature');

    const signedData = Buffer.concat([SIGNATURE_CONTEXT, manifestBytes]);
    const signer = keys.find((k) => verify(null, signedData, k.key, signature));
    if (!signer) throw new BundleError('signature does not match any trusted update key');

    // Signed by us, but still parsed defensively: a key may leak, and a build tool may have a bug.
    let json: unknown;
    try {
      json = JSON.parse(manifestBytes.toString('utf8'));
    } catch (err) {
      throw new BundleError(`manifest is not JSON: ${(err as Error).message}`);
    }
    const parsed = manifestSchema.safeParse(json);
    if (!parsed.success) throw new BundleError(`manifest: ${describeManifestProblems(parsed.error)}`);
    const manifest = parsed.data;
    checkManifestEntries(manifest, limits);

    const payloadOffset = HEADER_BYTES + header.manifestLength + header.signatureLength;
    const expected = payloadOffset + payloadBytes(manifest);
    if (fileSize !== expected) {
      throw new BundleError(fileSize < expected ? `bundle truncated: ${fileSize} of ${expected} bytes` : `bundle has ${fileSize - expected} unexpected bytes after the payload`);
    }
    let position = payloadOffset;
    for (const entry of manifest.files) {
      if (isSymlinkEntry(entry)) continue;
      await hashRange(handle, entry, position);
      position += entry.size;
    }
    return { file, manifest, signedBy: signer.name, payloadOffset };
  } finally {
    await handle.close();
  }
}

/**
 * Writes a verified bundle's tree into `destDir`, which must not exist yet (it is created): files first,
 * each created exclusively and fsynced, symlinks last so nothing is ever written through one.
 * On error the partly written folder is left for the caller to remove.
 */
export async function extractBundle(bundle: VerifiedBundle, destDir: string): Promise<void> {
  await mkdir(destDir, { mode: 0o755 });
  const handle = await open(bundle.file, 'r');
  try {
    let position = bundle.payloadOffset;
    for (const entry of bundle.manifest.files) {
      if (isSymlinkEntry(entry)) continue;
      const target = join(destDir, entry.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      const out = await open(target, 'wx', entry.mode);
      try {
        await hashRange(handle, entry, position, async (chunk) => {
          await out.write(chunk);
        });
        await out.sync();
      } finally {
        await out.close();
      }
      // open()'s mode is filtered by the umask; the manifest's mode is what the file must have.
      await chmod(target, entry.mode);
      position += entry.size;
    }
    for (const entry of bundle.manifest.files) {
      if (!isSymlinkEntry(entry)) continue;
      const target = join(destDir, entry.path);
      await mkdir(dirname(target), { recursive: true, mode: 0o755 });
      await symlink(entry.target, target);
    }
  } finally {
    await handle.close();
  }
}
