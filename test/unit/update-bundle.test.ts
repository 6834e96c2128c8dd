import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, createHash, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync, truncateSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from '../../src/update/bundle-build.js';
import { extractBundle, verifyBundle } from '../../src/update/bundle-verify.js';
import {
  BundleError,
  DEFAULT_BUNDLE_LIMITS,
  HEADER_BYTES,
  MANIFEST_FORMAT,
  SIGNATURE_CONTEXT,
  encodeHeader,
  entryPathProblem,
  symlinkTargetProblem,
} from '../../src/update/bundle-format.js';
import { loadTrustedKeys, type TrustedKey } from '../../src/update/keys.js';
import { compareVersions } from '../../src/update/version.js';

function keyPair(): { privateKey: KeyObject; trusted: TrustedKey[] } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, trusted: [{ name: 'test.pem', key: publicKey }] };
}

function sampleTree(): string {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-bundle-src-'));
  mkdirSync(join(dir, 'dist/src/cli'), { recursive: true });
  writeFileSync(join(dir, 'dist/src/cli/main.js'), 'console.log("v1")\n');
  writeFileSync(join(dir, 'package.json'), '{"name":"sipdesk"}\n');
  writeFileSync(join(dir, 'empty.txt'), '');
  mkdirSync(join(dir, 'node_modules/x/bin'), { recursive: true });
  writeFileSync(join(dir, 'node_modules/x/bin/x.js'), '#!/usr/bin/env node\n');
  chmodSync(join(dir, 'node_modules/x/bin/x.js'), 0o755);
  mkdirSync(join(dir, 'node_modules/.bin'));
  symlinkSync('../x/bin/x.js', join(dir, 'node_modules/.bin/x'));
  return dir;
}

async function built(key: KeyObject): Promise<string> {
  const out = join(mkdtempSync(join(tmpdir(), 'sipdesk-bundle-')), 'b.sdu');
  await buildBundle({ sourceDir: sampleTree(), outFile: out, version: '1.2.0', key });
  return out;
}

/** A bundle assembled by hand, signed with a trusted key: what a leaked key or a buggy build tool could produce. */
function handmade(key: KeyObject, files: unknown[], payload: Buffer): string {
  const manifest = Buffer.from(JSON.stringify({ format: MANIFEST_FORMAT, name: 'sipdesk', version: '1.0.0', created: new Date().toISOString(), files }));
  const signature = sign(null, Buffer.concat([SIGNATURE_CONTEXT, manifest]), key);
  const out = join(mkdtempSync(join(tmpdir(), 'sipdesk-bundle-')), 'h.sdu');
  writeFileSync(out, Buffer.concat([encodeHeader(manifest.length, signature.length), manifest, signature, payload]));
  return out;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

test('a built bundle verifies and extracts to the same tree (contents, modes, internal symlink)', async () => {
  const { privateKey, trusted } = keyPair();
  const file = await built(privateKey);
  const bundle = await verifyBundle(file, trusted);
  assert.equal(bundle.manifest.version, '1.2.0');
  assert.equal(bundle.signedBy, 'test.pem');
  assert.deepEqual(bundle.manifest.files.map((f) => f.path), ['dist/src/cli/main.js', 'empty.txt', 'node_modules/.bin/x', 'node_modules/x/bin/x.js', 'package.json']);
  const dest = join(mkdtempSync(join(tmpdir(), 'sipdesk-extract-')), 'tree');
  await extractBundle(bundle, dest);
  assert.equal(readFileSync(join(dest, 'dist/src/cli/main.js'), 'utf8'), 'console.log("v1")\n');
  assert.equal(readFileSync(join(dest, 'empty.txt'), 'utf8'), '');
  assert.equal(statSync(join(dest, 'node_modules/x/bin/x.js')).mode & 0o777, 0o755);
  assert.equal(statSync(join(dest, 'package.json')).mode & 0o777, 0o644);
  assert.equal(readlinkSync(join(dest, 'node_modules/.bin/x')), '../x/bin/x.js');
});

test('a changed payload byte, a changed manifest byte, another key, truncation and trailing bytes are refused', async () => {
  const { privateKey, trusted } = keyPair();
  const good = await built(privateKey);
  const bytes = readFileSync(good);
  const variant = (mutate: (b: Buffer) => Buffer) => {
    const path = join(mkdtempSync(join(tmpdir(), 'sipdesk-bad-')), 'x.sdu');
    writeFileSync(path, mutate(Buffer.from(bytes)));
    return path;
  };
  const lastByte = variant((b) => {
    b[b.length - 1] = b[b.length - 1]! ^ 0x01;
    return b;
  });
  await assert.rejects(verifyBundle(lastByte, trusted), (e: Error) => e instanceof BundleError && /SHA-256 does not match/.test(e.message));
  const manifestByte = variant((b) => {
    b[HEADER_BYTES + 5] = b[HEADER_BYTES + 5]! ^ 0x20;
    return b;
  });
  await assert.rejects(verifyBundle(manifestByte, trusted), /signature does not match/);
  await assert.rejects(verifyBundle(good, keyPair().trusted), /signature does not match any trusted update key/);
  const truncated = variant((b) => b.subarray(0, b.length - 3));
  await assert.rejects(verifyBundle(truncated, trusted), /truncated/);
  const headerOnly = variant((b) => b.subarray(0, 10));
  await assert.rejects(verifyBundle(headerOnly, trusted), /truncated/);
  const padded = variant((b) => Buffer.concat([b, Buffer.from('xx')]));
  await assert.rejects(verifyBundle(padded, trusted), /unexpected bytes/);
  const notABundle = variant(() => Buffer.from('PK\u0003\u0004 a zip file, not ours........'));
  await assert.rejects(verifyBundle(notABundle, trusted), /bad magic/);
  // And the untouched one still passes: the refusals above are about the changes.
  await verifyBundle(good, trusted);
});

test('a bundle changed on disk between verification and extraction is caught while extracting', async () => {
  const { privateKey, trusted } = keyPair();
  const file = await built(privateKey);
  const bundle = await verifyBundle(file, trusted);
  const bytes = readFileSync(file);
  bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0x01;
  writeFileSync(file, bytes);
  await assert.rejects(extractBundle(bundle, join(mkdtempSync(join(tmpdir(), 'sipdesk-x-')), 'tree')), /SHA-256 does not match/);
});

test('entries that could escape the slot are refused even with a valid signature', async () => {
  const { privateKey, trusted } = keyPair();
  const data = Buffer.from('evil');
  const file = (path: string, extra: object = {}) => ({ type: 'file', path, size: 4, sha256: sha(data), mode: 0o644, ...extra });
  const cases: Array<[string, unknown[], Buffer, RegExp]> = [
    ['dot-dot', [file('../evil')], data, /not allowed/],
    ['inner dot-dot', [file('a/../../evil')], data, /not allowed/],
    ['absolute', [file('/etc/evil')], data, /absolute path/],
    ['backslash', [file('a\\..\\evil')], data, /backslash/],
    ['symlink out', [{ type: 'symlink', path: 'lib', target: '../../etc' }], Buffer.alloc(0), /outside the bundle/],
    ['absolute symlink', [{ type: 'symlink', path: 'lib', target: '/etc' }], Buffer.alloc(0), /absolute/],
    ['write through a symlink', [{ type: 'symlink', path: 'lib', target: 'sub' }, file('lib/evil')], data, /is a symlink but other entries lie below it/],
    ['duplicate', [file('a'), file('a')], Buffer.concat([data, data]), /listed twice/],
    ['setuid mode', [file('a', { mode: 0o4755 })], data, /mode/],
    ['unknown entry type', [{ type: 'device', path: 'dev' }], Buffer.alloc(0), /files\.0\.type/],
    ['file used as folder', [file('a'), file('a/b')], Buffer.concat([data, data]), /is a file but other entries lie below it/],
  ];
  for (const [name, files, payload, expected] of cases) {
    const bundle = handmade(privateKey, files, payload);
    await assert.rejects(verifyBundle(bundle, trusted), (e: Error) => e instanceof BundleError && expected.test(e.message), name);
  }
  // The same machinery accepts a well-formed hand-made bundle, so the refusals above are the entries' fault.
  const ok = await verifyBundle(handmade(privateKey, [file('lib/ok')], data), trusted);
  assert.equal(ok.manifest.files.length, 1);
});

test('size limits: a payload over the total limit is refused before hashing', async () => {
  const { privateKey, trusted } = keyPair();
  const file = await built(privateKey);
  await assert.rejects(verifyBundle(file, trusted, { ...DEFAULT_BUNDLE_LIMITS, maxTotalBytes: 10 }), /exceeds the 10-byte limit/);
  await assert.rejects(verifyBundle(file, trusted, { ...DEFAULT_BUNDLE_LIMITS, maxManifestBytes: 100 }), /manifest length \d+ out of range/);
  await assert.rejects(verifyBundle(file, trusted, { ...DEFAULT_BUNDLE_LIMITS, maxEntries: 2 }), /5 entries, limit 2/);
});

test('build refuses a tree with a symlink pointing outside it, and writes no bundle', async () => {
  const { privateKey } = keyPair();
  const dir = sampleTree();
  symlinkSync('/etc/passwd', join(dir, 'passwd'));
  const out = join(mkdtempSync(join(tmpdir(), 'sipdesk-bundle-')), 'b.sdu');
  await assert.rejects(buildBundle({ sourceDir: dir, outFile: out, version: '1.0.0', key: privateKey }), /passwd.*absolute/);
  assert.equal(existsSync(out), false);
  await assert.rejects(buildBundle({ sourceDir: sampleTree(), outFile: out, version: 'latest', key: privateKey }), /must be a version/);
});

test('trusted keys load from a folder of PEM files; a non-ed25519 key or an empty folder is an error', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-keys-'));
  await assert.rejects(loadTrustedKeys(dir), /no \*\.pem public key/);
  const { publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'release.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  writeFileSync(join(dir, 'README'), 'not a key, not *.pem');
  const keys = await loadTrustedKeys(dir);
  assert.deepEqual(keys.map((k) => k.name), ['release.pem']);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  writeFileSync(join(dir, 'rsa.pem'), rsa.export({ type: 'spki', format: 'pem' }));
  await assert.rejects(loadTrustedKeys(dir), /rsa key, expected ed25519/);
  truncateSync(join(dir, 'rsa.pem'), 20);
  await assert.rejects(loadTrustedKeys(dir), /not a PEM public key/);
});

test('path and symlink rules, and version order', () => {
  assert.equal(entryPathProblem('dist/src/a.js'), null);
  assert.match(entryPathProblem('a//b') ?? '', /not allowed/);
  assert.match(entryPathProblem('./a') ?? '', /not allowed/);
  assert.match(entryPathProblem('a\u0000b') ?? '', /control/);
  assert.equal(symlinkTargetProblem('node_modules/.bin/x', '../x/bin/x.js'), null);
  assert.match(symlinkTargetProblem('node_modules/.bin/x', '../../../x') ?? '', /outside/);
  assert.match(symlinkTargetProblem('top', '..') ?? '', /outside/);
  assert.ok(compareVersions('1.10.0', '1.9.9') > 0);
  assert.ok(compareVersions('1.4.0-rc.1', '1.4.0') < 0);
  assert.equal(compareVersions('1.4', '1.4.0'), 0);
  assert.throws(() => compareVersions('v1', '1.0'), /not a version/);
});
