/**
 * The update bundle (.sdu): one file whose signed table of contents comes first, so that the whole bundle
 * is checked (signature, every path, every size, every hash) before a single byte is written to disk.
 *
 *   offset  size  field
 *   0       8     magic "SDUPDATE"
 *   8       4     container format, u32 big-endian (1)
 *   12      4     manifest length M, u32 big-endian
 *   16      4     signature length S, u32 big-endian (64: ed25519)
 *   20      M     manifest, UTF-8 JSON (see ManifestSchema)
 *   20+M    S     ed25519 signature over SIGNATURE_CONTEXT + manifest bytes
 *   20+M+S  ...   payload: the contents of the manifest's files, back to back, in manifest order
 *
 * The file's length must be exactly 20+M+S+(sum of file sizes): a truncated or padded download is refused
 * before the signature is even checked. The header's lengths are not signed themselves, but any change to
 * them changes which bytes are read as the manifest, and so breaks the signature.
 */
import { z } from 'zod';
import { isValidVersion } from './version.js';

export const BUNDLE_MAGIC = Buffer.from('SDUPDATE', 'ascii');
export const BUNDLE_CONTAINER_FORMAT = 1;
export const HEADER_BYTES = 20;
export const ED25519_SIGNATURE_BYTES = 64;
export const MANIFEST_FORMAT = 'sipdesk-update/1';
/** Domain separation: a signature made for something else with the same key never verifies as a bundle. */
export const SIGNATURE_CONTEXT = Buffer.from('sipdesk-update-manifest/1\0', 'ascii');

export interface BundleLimits {
  maxManifestBytes: number;
  maxEntries: number;
  maxTotalBytes: number;
}

/** Generous for a Node application with its node_modules, small enough that a hostile file cannot fill the card. */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = {
  maxManifestBytes: 8 * 1024 * 1024,
  maxEntries: 100_000,
  maxTotalBytes: 1024 * 1024 * 1024,
};

const MAX_PATH_CHARS = 1024;
const MAX_PATH_DEPTH = 64;

const fileEntrySchema = z.strictObject({
  type: z.literal('file'),
  path: z.string(),
  size: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lower-case hex digits'),
  // Only these two: no setuid/setgid/sticky bits and nothing world-writable can come in through an update.
  mode: z.union([z.literal(0o644), z.literal(0o755)]),
});
const symlinkEntrySchema = z.strictObject({ type: z.literal('symlink'), path: z.string(), target: z.string() });

export const manifestSchema = z.strictObject({
  format: z.literal(MANIFEST_FORMAT),
  name: z.literal('sipdesk'),
  version: z.string().refine(isValidVersion, 'must be a version like 1.4.0'),
  created: z.iso.datetime(),
  /** The oldest installed version this bundle may be installed over (e.g. a data migration needs a step). */
  minVersion: z.string().refine(isValidVersion, 'must be a version like 1.4.0').optional(),
  /** process.arch the tree was built for (native addons in node_modules are per architecture). */
  arch: z.string().regex(/^[a-z0-9_]{1,32}$/).optional(),
  files: z.array(z.discriminatedUnion('type', [fileEntrySchema, symlinkEntrySchema])),
});

export type BundleManifest = z.infer<typeof manifestSchema>;
export type FileEntry = z.infer<typeof fileEntrySchema>;
export type SymlinkEntry = z.infer<typeof symlinkEntrySchema>;
export type ManifestEntry = FileEntry | SymlinkEntry;

export function isSymlinkEntry(entry: ManifestEntry): entry is SymlinkEntry {
  return entry.type === 'symlink';
}

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/**
 * A path inside the slot: relative, '/'-separated, no empty, '.' or '..' segments, no control characters
 * or backslashes. Returns the problem, or null when the path is acceptable.
 */
export function entryPathProblem(path: string): string | null {
  if (path.length === 0 || path.length > MAX_PATH_CHARS) return `path length must be 1..${MAX_PATH_CHARS}`;
  if (/[\u0000-\u001f\u007f\\]/.test(path)) return 'path contains a control character or a backslash';
  if (path.startsWith('/')) return 'absolute path';
  const segments = path.split('/');
  if (segments.length > MAX_PATH_DEPTH) return `path deeper than ${MAX_PATH_DEPTH} folders`;
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..') return `path segment ${JSON.stringify(segment)} not allowed`;
  }
  return null;
}

/**
 * A symlink may only point inside the slot: relative target which, resolved from the link's own folder,
 * stays below the slot root. Because no entry may live below a symlink (see checkManifestEntries), every
 * link's folder is a real folder, so checking each link on its own bounds any chain of links too.
 */
export function symlinkTargetProblem(linkPath: string, target: string): string | null {
  if (target.length === 0 || target.length > MAX_PATH_CHARS) return `symlink target length must be 1..${MAX_PATH_CHARS}`;
  if (/[\u0000-\u001f\u007f\\]/.test(target)) return 'symlink target contains a control character or a backslash';
  if (target.startsWith('/')) return 'symlink target is absolute';
  const resolved = linkPath.split('/').slice(0, -1);
  for (const segment of target.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') {
      if (resolved.length === 0) return 'symlink target points outside the bundle';
      resolved.pop();
    } else resolved.push(segment);
  }
  return null;
}

/** Every structural rule of the entry list; throws a BundleError naming the first offending entry. */
export function checkManifestEntries(manifest: BundleManifest, limits: BundleLimits): void {
  if (manifest.files.length > limits.maxEntries) throw new BundleError(`bundle has ${manifest.files.length} entries, limit ${limits.maxEntries}`);
  const seen = new Set<string>();
  const folders = new Set<string>();
  const links = new Set<string>();
  let total = 0;
  for (const entry of manifest.files) {
    const problem = entryPathProblem(entry.path);
    if (problem) throw new BundleError(`entry ${JSON.stringify(entry.path)}: ${problem}`);
    if (seen.has(entry.path)) throw new BundleError(`entry ${JSON.stringify(entry.path)}: listed twice`);
    seen.add(entry.path);
    if (isSymlinkEntry(entry)) {
      const linkProblem = symlinkTargetProblem(entry.path, entry.target);
      if (linkProblem) throw new BundleError(`entry ${JSON.stringify(entry.path)}: ${linkProblem}`);
      links.add(entry.path);
    } else {
      total += entry.size;
      if (total > limits.maxTotalBytes) throw new BundleError(`bundle payload exceeds the ${limits.maxTotalBytes}-byte limit`);
    }
    const segments = entry.path.split('/');
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  }
  // A name that is both a file (or link) and a folder would make extraction depend on order; a link used as
  // a folder would let a later entry be written through it.
  for (const folder of folders) {
    if (seen.has(folder)) {
      const what = links.has(folder) ? 'a symlink' : 'a file';
      throw new BundleError(`entry ${JSON.stringify(folder)}: is ${what} but other entries lie below it`);
    }
  }
}

export function payloadBytes(manifest: BundleManifest): number {
  let total = 0;
  for (const entry of manifest.files) if (!isSymlinkEntry(entry)) total += entry.size;
  return total;
}

export function encodeHeader(manifestLength: number, signatureLength: number): Buffer {
  const header = Buffer.alloc(HEADER_BYTES);
  BUNDLE_MAGIC.copy(header, 0);
  header.writeUInt32BE(BUNDLE_CONTAINER_FORMAT, 8);
  header.writeUInt32BE(manifestLength, 12);
  header.writeUInt32BE(signatureLength, 16);
  return header;
}

export interface BundleHeader {
  manifestLength: number;
  signatureLength: number;
}

export function decodeHeader(header: Buffer, limits: BundleLimits): BundleHeader {
  if (header.length < HEADER_BYTES || !header.subarray(0, 8).equals(BUNDLE_MAGIC)) throw new BundleError('not a sipdesk update bundle (bad magic)');
  const format = header.readUInt32BE(8);
  if (format !== BUNDLE_CONTAINER_FORMAT) throw new BundleError(`unsupported bundle container format ${format}`);
  const manifestLength = header.readUInt32BE(12);
  const signatureLength = header.readUInt32BE(16);
  if (manifestLength === 0 || manifestLength > limits.maxManifestBytes) throw new BundleError(`manifest length ${manifestLength} out of range (1..${limits.maxManifestBytes})`);
  if (signatureLength !== ED25519_SIGNATURE_BYTES) throw new BundleError(`signature length ${signatureLength}, expected ${ED25519_SIGNATURE_BYTES} (ed25519)`);
  return { manifestLength, signatureLength };
}

export function describeManifestProblems(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.map(String).join('.') || '(top level)'}: ${issue.message}`)
    .join('; ');
}
