import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.js');

function run(...args: string[]) {
  return spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 10_000 });
}

test('CLI: usage, unknown command, and config errors that name the field (exit 2)', () => {
  assert.equal(run('--help').status, 0);
  const unknown = run('frobnicate');
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /unknown command: frobnicate/);
  assert.equal(run('run').status, 2, 'run without --config');

  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-cli-'));
  const bad = join(dir, 'bad.yaml');
  writeFileSync(bad, 'account:\n  aor: alice\napi:\n  port: 99999\n');
  const r = run('run', '--config', bad);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /account\.aor: must be a SIP URI/);
  assert.match(r.stderr, /account\.password:/);
  assert.match(r.stderr, /api\.port:/);

  const missing = run('run', '--config', join(dir, 'none.json'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /cannot read file: ENOENT/);
});
