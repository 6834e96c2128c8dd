import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadUserSettings, saveUserSettings, withUserSettings } from '../../src/store/settings-file.js';
import { callsSchema } from '../../src/config/calls-schema.js';

test('user settings: saved atomically, read back; a bad file is set aside and the config applies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-settings-'));
  const path = join(dir, 'sub', 'settings.json');
  assert.deepEqual(loadUserSettings(path), {}, 'no file yet');
  saveUserSettings(path, { dnd: true, forwarding: { always: 'sip:2009@example.com' } });
  assert.deepEqual(loadUserSettings(path), { dnd: true, forwarding: { always: 'sip:2009@example.com' } });
  assert.ok(!readdirSync(join(dir, 'sub')).some((f) => f.endsWith('.tmp')), 'no temp file left');
  writeFileSync(path, '{"dnd": "yes"');
  assert.deepEqual(loadUserSettings(path), {});
  assert.ok(readdirSync(join(dir, 'sub')).some((f) => f.startsWith('settings.json.bad-')), 'the bad file is kept aside');
  saveUserSettings(path, { dnd: false });
  assert.throws(() => saveUserSettings(path, { dnd: 'on' } as unknown as { dnd: boolean }));
  assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), { dnd: false }, 'a refused save leaves the file as it was');
  assert.ok(!readdirSync(join(dir, 'sub')).some((f) => f.endsWith('.tmp')), 'and no temp file');
});

test('user settings over the config: DND and forwarding win; a target the user cleared stays cleared', () => {
  const calls = callsSchema.parse({ dnd: { enabled: false }, forwarding: { always: '2001', noAnswer: '2002', noAnswerS: 7 } });
  assert.deepEqual(withUserSettings(calls, {}), calls, 'nothing saved: the config as it is');
  const merged = withUserSettings(calls, { dnd: true, forwarding: { busy: '2003' } });
  assert.equal(merged.dnd.enabled, true);
  assert.equal(merged.forwarding.always, undefined, 'cleared by the user, not brought back by the config');
  assert.equal(merged.forwarding.noAnswer, undefined);
  assert.equal(merged.forwarding.busy, '2003');
  assert.equal(merged.forwarding.noAnswerS, 7, 'the rest of the config stays');
});
