import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildBundle } from '../../src/update/bundle-build.js';
import { BundleError, HEADER_BYTES, MANIFEST_FORMAT, SIGNATURE_CONTEXT, encodeHeader } from '../../src/update/bundle-format.js';
import { factoryReset } from '../../src/update/factory-reset.js';
import { armHealthGate } from '../../src/update/health-gate.js';
import type { UpdatePaths } from '../../src/update/paths.js';
import { bootCheck, confirmActiveSlot, installBundle, readActiveSlot, readUpdateStatus, rollbackPending } from '../../src/update/slots.js';
import { readUpdateState } from '../../src/update/update-state.js';
import { updateCommand, factoryResetCommand, EXIT_REFUSED, EXIT_USAGE, EXIT_OK } from '../../src/cli/update-commands.js';

interface Device {
  paths: UpdatePaths;
  key: KeyObject;
  base: string;
}

function device(): Device {
  const base = mkdtempSync(join(tmpdir(), 'sipdesk-slots-'));
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keysDir = join(base, 'etc/sipdesk/update-keys');
  mkdirSync(keysDir, { recursive: true });
  writeFileSync(join(keysDir, 'release.pem'), publicKey.export({ type: 'spki', format: 'pem' }));
  mkdirSync(join(base, 'var/lib/sipdesk'), { recursive: true });
  return { base, key: privateKey, paths: { root: join(base, 'opt/sipdesk'), stateFile: join(base, 'var/lib/sipdesk/update-state.json'), keysDir } };
}

async function bundle(dev: Device, version: string, key: KeyObject = dev.key): Promise<string> {
  const src = mkdtempSync(join(tmpdir(), 'sipdesk-app-'));
  mkdirSync(join(src, 'dist/src/cli'), { recursive: true });
  writeFileSync(join(src, 'dist/src/cli/main.js'), `// sipdesk ${version}\n`);
  writeFileSync(join(src, 'VERSION'), `${version}\n`);
  const out = join(src, '..', `${version}-${Math.random().toString(36).slice(2)}.sdu`);
  await buildBundle({ sourceDir: src, outFile: out, version, key });
  return out;
}

/** Every path below `dir` with its type and content hash or link target: "nothing changed" is equality. */
function snapshot(dir: string): Record<string, string> {
  const result: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const info = lstatSync(join(dir, path));
      if (info.isSymbolicLink()) result[path] = `link ${readlinkSync(join(dir, path))}`;
      else if (info.isDirectory()) {
        result[path] = 'dir';
        walk(path);
      } else result[path] = `file ${createHash('sha256').update(readFileSync(join(dir, path))).digest('hex')}`;
    }
  };
  walk('');
  return result;
}

const runningVersion = (dev: Device) => readFileSync(join(dev.paths.root, 'current/VERSION'), 'utf8').trim();

test('first install goes to slot a and is good; the next goes to slot b, pending, with previous -> a', async () => {
  const dev = device();
  const first = await installBundle(dev.paths, await bundle(dev, '1.0.0'));
  assert.deepEqual([first.slot, first.previous, first.first], ['a', null, true]);
  assert.equal(readlinkSync(join(dev.paths.root, 'current')), 'slots/a');
  assert.equal(runningVersion(dev), '1.0.0');
  assert.equal((await readUpdateState(dev.paths.stateFile)).pending, null);

  const second = await installBundle(dev.paths, await bundle(dev, '1.1.0'));
  assert.deepEqual([second.slot, second.previous, second.first], ['b', 'a', false]);
  assert.equal(runningVersion(dev), '1.1.0');
  assert.equal(readlinkSync(join(dev.paths.root, 'previous')), 'slots/a');
  const state = await readUpdateState(dev.paths.stateFile);
  assert.deepEqual(state.pending, { slot: 'b', previous: 'a', tries: 0 });
  assert.equal(state.slots.b?.health, 'pending');
  assert.equal(state.slots.a?.version, '1.0.0');
  assert.deepEqual(readdirSync(join(dev.paths.root, 'slots')).sort(), ['a', 'b'], 'no staging left behind');
});

test('tampered, wrongly signed, truncated and path-traversal bundles change nothing on the device', async () => {
  const dev = device();
  await installBundle(dev.paths, await bundle(dev, '1.0.0'));
  const good = readFileSync(await bundle(dev, '1.1.0'));
  const write = (bytes: Buffer) => {
    const path = join(mkdtempSync(join(tmpdir(), 'sipdesk-bad-')), 'x.sdu');
    writeFileSync(path, bytes);
    return path;
  };
  const tampered = Buffer.from(good);
  tampered[tampered.length - 1] = tampered[tampered.length - 1]! ^ 0x04;
  const otherKey = generateKeyPairSync('ed25519').privateKey;
  const data = Buffer.from('pwned');
  const manifest = Buffer.from(JSON.stringify({
    format: MANIFEST_FORMAT, name: 'sipdesk', version: '9.0.0', created: new Date().toISOString(),
    files: [{ type: 'file', path: '../../../etc/cron.d/evil', size: data.length, sha256: createHash('sha256').update(data).digest('hex'), mode: 0o644 }],
  }));
  const signature = sign(null, Buffer.concat([SIGNATURE_CONTEXT, manifest]), dev.key);
  const traversal = Buffer.concat([encodeHeader(manifest.length, signature.length), manifest, signature, data]);
  const bad: Array<[string, string, RegExp]> = [
    ['tampered payload', write(tampered), /SHA-256/],
    ['other key', await bundle(dev, '1.1.0', otherKey), /signature/],
    ['truncated download', write(good.subarray(0, Math.floor(good.length / 2))), /truncated/],
    ['header cut short', write(good.subarray(0, HEADER_BYTES - 4)), /truncated/],
    ['path traversal', write(traversal), /not allowed/],
  ];
  const before = snapshot(dev.base);
  for (const [name, file, reason] of bad) {
    await assert.rejects(installBundle(dev.paths, file), (e: Error) => e instanceof BundleError && reason.test(e.message), name);
    assert.deepEqual(snapshot(dev.base), before, `${name}: device changed`);
  }
  assert.equal(existsSync(join(dev.base, 'etc/cron.d')), false);
  // The intact bundle installs on the same device: the refusals were the bundles' fault.
  await installBundle(dev.paths, write(good));
  assert.notDeepEqual(snapshot(dev.base), before);
});

test('a pending slot that never confirms is rolled back by boot-check after N starts', async () => {
  const dev = device();
  await installBundle(dev.paths, await bundle(dev, '1.0.0'));
  await installBundle(dev.paths, await bundle(dev, '1.1.0'));
  for (let start = 1; start <= 3; start++) {
    const r = await bootCheck(dev.paths, 3);
    assert.deepEqual([r.action, r.tries], ['counted', start]);
    assert.equal(runningVersion(dev), '1.1.0');
  }
  const r = await bootCheck(dev.paths, 3);
  assert.deepEqual([r.action, r.active], ['rolled-back', 'a']);
  assert.equal(runningVersion(dev), '1.0.0');
  assert.equal(existsSync(join(dev.paths.root, 'previous')), false);
  const state = await readUpdateState(dev.paths.stateFile);
  assert.equal(state.pending, null);
  assert.equal(state.slots.b?.health, 'bad');
  assert.equal((await bootCheck(dev.paths, 3)).action, 'none', 'the good slot just runs');
});

test('confirm marks the running pending slot good; boot-check then leaves it alone', async () => {
  const dev = device();
  await installBundle(dev.paths, await bundle(dev, '1.0.0'));
  assert.equal((await confirmActiveSlot(dev.paths)).reason, 'nothing pending');
  await installBundle(dev.paths, await bundle(dev, '1.1.0'));
  await bootCheck(dev.paths, 3);
  const confirmed = await confirmActiveSlot(dev.paths);
  assert.deepEqual([confirmed.confirmed, confirmed.slot], [true, 'b']);
  const state = await readUpdateState(dev.paths.stateFile);
  assert.equal(state.slots.b?.health, 'good');
  assert.ok(state.slots.b?.confirmedAt);
  for (let i = 0; i < 5; i++) assert.equal((await bootCheck(dev.paths, 3)).action, 'none');
  assert.equal(await readActiveSlot(dev.paths), 'b');
  // A third version replaces the old slot a, with b (good) as the fallback.
  const third = await installBundle(dev.paths, await bundle(dev, '1.2.0'));
  assert.deepEqual([third.slot, third.previous], ['a', 'b']);
});

test('install rules: no downgrade without asking, no install over the fallback while pending, minVersion', async () => {
  const dev = device();
  await installBundle(dev.paths, await bundle(dev, '2.0.0'));
  const old = await bundle(dev, '1.9.0');
  await assert.rejects(installBundle(dev.paths, old), /older than the running 2\.0\.0/);
  await installBundle(dev.paths, old, { allowDowngrade: true });
  const next = await bundle(dev, '2.1.0');
  const before = snapshot(dev.base);
  await assert.rejects(installBundle(dev.paths, next), /still waiting for its health check/);
  assert.deepEqual(snapshot(dev.base), before);
  await installBundle(dev.paths, next, { force: true });

  const dev2 = device();
  await installBundle(dev2.paths, await bundle(dev2, '1.0.0'));
  const src = mkdtempSync(join(tmpdir(), 'sipdesk-app-'));
  writeFileSync(join(src, 'VERSION'), '3.0.0\n');
  const needs2 = join(src, '..', `needs2-${Date.now()}.sdu`);
  await buildBundle({ sourceDir: src, outFile: needs2, version: '3.0.0', minVersion: '2.0.0', key: dev2.key });
  await assert.rejects(installBundle(dev2.paths, needs2), /needs version 2\.0\.0 or newer/);
  await assert.rejects(installBundle(dev2.paths, await bundle(dev2, '1.1.0'), { arch: 'riscv64' }), /built for \w+, this device is riscv64/);
});

test('rollback (OnFailure helper) returns to the previous slot at once; a damaged state never blocks a start', async () => {
  const dev = device();
  await installBundle(dev.paths, await bundle(dev, '1.0.0'));
  assert.equal(await rollbackPending(dev.paths), null, 'nothing pending');
  await installBundle(dev.paths, await bundle(dev, '1.1.0'));
  assert.equal(await rollbackPending(dev.paths), 'a');
  assert.equal(runningVersion(dev), '1.0.0');

  writeFileSync(dev.paths.stateFile, '{"format":1,"slots":');
  const r = await bootCheck(dev.paths);
  assert.equal(r.action, 'none');
  assert.match(r.warning ?? '', /not JSON/);
  assert.equal(runningVersion(dev), '1.0.0');

  // A pending entry for a slot that never became current (power cut mid-install) is dropped.
  writeFileSync(dev.paths.stateFile, JSON.stringify({ format: 1, slots: {}, pending: { slot: 'b', previous: 'a', tries: 0 } }));
  assert.equal((await bootCheck(dev.paths)).action, 'cleared');
  assert.equal((await readUpdateStatus(dev.paths)).state.pending, null);
});

test('health gate: armed only for a pending slot; healthy() confirms; a missed deadline calls onDeadline', async () => {
  const dev = device();
  await installBundle(dev.paths, await bundle(dev, '1.0.0'));
  const idle = await armHealthGate({ paths: dev.paths, onDeadline: () => assert.fail('not armed') });
  assert.equal(idle.armed, false);

  await installBundle(dev.paths, await bundle(dev, '1.1.0'));
  const gate = await armHealthGate({ paths: dev.paths, deadlineMs: 60_000, onDeadline: () => assert.fail('healthy in time') });
  assert.equal(gate.armed, true);
  assert.equal((await gate.healthy())?.confirmed, true);
  assert.equal((await readUpdateState(dev.paths.stateFile)).slots.b?.health, 'good');

  await installBundle(dev.paths, await bundle(dev, '1.2.0'));
  let missed = 0;
  const late = await armHealthGate({ paths: dev.paths, deadlineMs: 5, onDeadline: () => missed++ });
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(missed, 1);
  assert.equal(await late.healthy(), null, 'too late to confirm');
  assert.equal((await readUpdateState(dev.paths.stateFile)).pending?.slot, 'a');
});

test('factory reset leaves nothing of the user\'s, and keeps slots, update keys and update state', async () => {
  const dev = device();
  await installBundle(dev.paths, await bundle(dev, '1.0.0'));
  const stateDir = join(dev.base, 'var/lib/sipdesk');
  const configDir = join(dev.base, 'etc/sipdesk');
  const elsewhere = join(dev.base, 'srv/phone-data');
  mkdirSync(elsewhere, { recursive: true });
  const secret = 'alice-secret-7731';
  writeFileSync(join(configDir, 'phone.yaml'), JSON.stringify({
    account: { aor: 'sip:alice@example.com', password: secret, proxy: 'sip:pbx.example.com' },
    api: { port: 8081 },
    storage: { dataDir: elsewhere },
    directory: { cacheFile: join(elsewhere, 'contacts.db') },
  }));
  mkdirSync(join(configDir, 'certs'));
  writeFileSync(join(configDir, 'certs/client.pem'), secret);
  for (const name of ['calllog.db', 'calllog.db-wal', 'settings.json', 'directory.db']) writeFileSync(join(stateDir, name), secret);
  mkdirSync(join(stateDir, 'cache/avatars'), { recursive: true });
  writeFileSync(join(stateDir, 'cache/avatars/bob.png'), secret);
  for (const name of ['settings.json', 'calllog.db', 'contacts.db', 'contacts.db-shm']) writeFileSync(join(elsewhere, name), secret);
  writeFileSync(join(elsewhere, 'not-ours.txt'), 'someone else\'s file');
  const slotsBefore = snapshot(dev.paths.root);

  const result = await factoryReset({ stateDir, configDir });
  assert.deepEqual(result.errors, []);
  assert.deepEqual(readdirSync(stateDir), ['update-state.json']);
  assert.deepEqual(readdirSync(configDir), ['update-keys']);
  assert.deepEqual(readdirSync(join(configDir, 'update-keys')), ['release.pem']);
  assert.deepEqual(readdirSync(elsewhere), ['not-ours.txt'], 'only the phone\'s own files go from a folder the config named');
  assert.deepEqual(snapshot(dev.paths.root), slotsBefore);
  for (const [path, what] of Object.entries(snapshot(dev.base))) {
    if (what.startsWith('file')) assert.ok(!readFileSync(join(dev.base, path), 'utf8').includes(secret), `${path} still holds user data`);
  }
  assert.equal(await readActiveSlot(dev.paths), 'a');
});

test('CLI: exit codes for install (refused = 3), rollback with nothing pending (3), usage (2), factory-reset needs --yes', async () => {
  const dev = device();
  const p = ['--root', dev.paths.root, '--state', dev.paths.stateFile, '--keys', dev.paths.keysDir];
  assert.equal(await updateCommand(['install', ...p, await bundle(dev, '1.0.0')]), EXIT_OK);
  const bad = await bundle(dev, '1.1.0', generateKeyPairSync('ed25519').privateKey);
  assert.equal(await updateCommand(['install', ...p, bad]), EXIT_REFUSED);
  assert.equal(await updateCommand(['rollback', ...p]), EXIT_REFUSED);
  assert.equal(await updateCommand(['frobnicate']), EXIT_USAGE);
  assert.equal(await updateCommand(['install', ...p]), EXIT_USAGE);
  assert.equal(await updateCommand(['boot-check', ...p, '--max-tries', 'x']), EXIT_USAGE);
  assert.equal(await updateCommand(['boot-check', ...p]), EXIT_OK);
  const stateDir = join(dev.base, 'var/lib/sipdesk');
  writeFileSync(join(stateDir, 'settings.json'), '{}');
  assert.equal(await factoryResetCommand(['--state-dir', stateDir, '--config-dir', join(dev.base, 'etc/sipdesk'), '--no-service']), EXIT_USAGE);
  assert.ok(existsSync(join(stateDir, 'settings.json')));
  assert.equal(await factoryResetCommand(['--yes', '--state-dir', stateDir, '--config-dir', join(dev.base, 'etc/sipdesk'), '--no-service']), EXIT_OK);
  assert.equal(existsSync(join(stateDir, 'settings.json')), false);
});
