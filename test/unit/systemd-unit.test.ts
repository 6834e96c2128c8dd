import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UPDATE_USAGE } from '../../src/cli/update-commands.js';

const REPO = join(import.meta.dirname, '..', '..', '..');
const FIRMWARE = join(REPO, 'firmware');
const UNITS = ['sipdesk.service', 'sipdesk-rollback.service'];
const hasAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

/**
 * systemd-analyze verify on copies of the units, with /usr/bin/node pointed at this node (verify insists
 * that ExecStart binaries exist). verify exits 0 even for unknown keys or values it ignores, so any line it
 * prints about our units counts as a failure too.
 */
function verifyUnits(edit: (name: string, text: string) => string = (_n, t) => t): { ok: boolean; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-unit-'));
  for (const name of UNITS) {
    const text = readFileSync(join(FIRMWARE, name), 'utf8').replaceAll('/usr/bin/node', process.execPath);
    writeFileSync(join(dir, name), edit(name, text));
  }
  const problems: string[] = [];
  for (const name of UNITS) {
    const r = spawnSync('systemd-analyze', ['verify', '--man=no', '--generators=no', join(dir, name)], { encoding: 'utf8', timeout: 30_000 });
    const lines = `${r.stdout}${r.stderr}`.split('\n').filter((l) => /sipdesk/.test(l));
    if (r.status !== 0 || lines.length > 0) problems.push(`${name}: exit ${r.status}\n${lines.join('\n')}`);
  }
  return { ok: problems.length === 0, output: problems.join('\n') };
}

const unit = () => readFileSync(join(FIRMWARE, 'sipdesk.service'), 'utf8');
const directive = (text: string, key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

test('systemd-analyze verify accepts both units', { skip: !hasAnalyze && 'systemd-analyze not installed' }, () => {
  const r = verifyUnits();
  assert.ok(r.ok, r.output);
});

test('systemd-analyze verify rejects broken copies (so the check above can fail)', { skip: !hasAnalyze && 'systemd-analyze not installed' }, () => {
  const broken: Array<[string, (name: string, text: string) => string]> = [
    ['bad Type', (n, t) => (n === 'sipdesk.service' ? t.replace('Type=notify', 'Type=notifyish') : t)],
    ['misspelt key', (n, t) => (n === 'sipdesk.service' ? t.replace('WatchdogSec=30', 'WatchdogSecs=30') : t)],
    ['missing binary', (n, t) => (n === 'sipdesk.service' ? t.replace(`ExecStart=${process.execPath}`, 'ExecStart=/nonexistent/node') : t)],
    ['bad address family', (n, t) => (n === 'sipdesk.service' ? t.replace('AF_NETLINK', 'AF_NOPE') : t)],
    ['rollback helper broken', (n, t) => (n === 'sipdesk-rollback.service' ? t.replace('Type=oneshot', 'Type=oneshoot') : t)],
  ];
  for (const [name, edit] of broken) assert.equal(verifyUnits(edit).ok, false, name);
});

test('the unit: notify + watchdog, restart policy, boot-check as root, sandbox, and what it runs exists', () => {
  const text = unit();
  assert.deepEqual(directive(text, 'Type'), ['notify']);
  assert.deepEqual(directive(text, 'NotifyAccess'), ['main']);
  assert.deepEqual(directive(text, 'WatchdogSec'), ['30']);
  assert.deepEqual(directive(text, 'Restart'), ['on-failure']);
  assert.deepEqual(directive(text, 'RestartPreventExitStatus'), ['2']);
  assert.deepEqual(directive(text, 'User'), ['sipdesk']);
  assert.deepEqual(directive(text, 'OnFailure'), ['sipdesk-rollback.service']);
  for (const key of ['NoNewPrivileges', 'ProtectHome', 'PrivateTmp', 'ProtectKernelTunables', 'ProtectControlGroups']) assert.deepEqual(directive(text, key), ['yes'], key);
  assert.deepEqual(directive(text, 'ProtectSystem'), ['strict']);
  assert.deepEqual(directive(text, 'DevicePolicy'), ['closed']);
  assert.ok(directive(text, 'DeviceAllow').some((d) => d.startsWith('char-alsa')), 'audio devices allowed');

  const [pre] = directive(text, 'ExecStartPre');
  assert.match(pre ?? '', /^\+\/usr\/bin\/node \/opt\/sipdesk\/current\/dist\/src\/cli\/main\.js update boot-check$/);
  const [start] = directive(text, 'ExecStart');
  assert.match(start ?? '', /^\/usr\/bin\/node \/opt\/sipdesk\/current\/(dist\/src\/cli\/main\.js) run --config \/etc\/sipdesk\/phone\.yaml$/);
  // The slot holds the built tree: the script the unit starts is where the build puts it.
  assert.ok(existsSync(join(REPO, 'dist/src/cli/main.js')));
  assert.match(UPDATE_USAGE, /sipdesk update boot-check/);
  assert.match(readFileSync(join(FIRMWARE, 'sipdesk-rollback.service'), 'utf8'), /main\.js update rollback;/);
  assert.match(UPDATE_USAGE, /sipdesk update rollback/);
});

test('install.sh passes sh -n and creates every group the unit asks for', () => {
  const script = join(FIRMWARE, 'install.sh');
  const r = spawnSync('sh', ['-n', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const broken = join(mkdtempSync(join(tmpdir(), 'sipdesk-sh-')), 'install.sh');
  writeFileSync(broken, readFileSync(script, 'utf8').replace(/\bfi\n/, '\n'));
  assert.notEqual(spawnSync('sh', ['-n', broken]).status, 0, 'sh -n catches a syntax error');

  const groups = (directive(unit(), 'SupplementaryGroups')[0] ?? '').split(/\s+/);
  assert.ok(groups.includes('gpio'));
  const loop = /for g in ([a-z ]+); do\n\s+getent group "\$g" >\/dev\/null \|\| groupadd --system "\$g"/.exec(readFileSync(script, 'utf8'));
  assert.ok(loop, 'install.sh creates missing groups');
  assert.deepEqual(loop[1]!.trim().split(/\s+/).sort(), [...groups].sort());
});
