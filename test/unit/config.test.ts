import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseConfig, parseConfigText, ConfigError } from '../../src/config/load.js';

const examples = join(import.meta.dirname, '..', '..', '..', 'examples');

test('the smallest valid config from the issue parses, with documented defaults', () => {
  const c = parseConfig({ account: { aor: 'sip:alice@example.com', password: 'x', proxy: 'sip:pbx.example.com:5060;transport=tcp' }, api: { port: 8081 } });
  assert.equal(c.account.expires, 600);
  assert.equal(c.api.host, '127.0.0.1');
  assert.equal(c.sip.transport, 'tcp');
  assert.equal(c.sip.keepAliveInterval, 30);
  assert.equal(c.tls.verify, true);
  assert.equal(c.account.username, undefined, 'user name is derived later from the AOR, not stored');
});

test('every example config is valid', () => {
  const files = readdirSync(examples).filter((f) => /\.(json|ya?ml)$/.test(f));
  assert.ok(files.length >= 3);
  for (const f of files) parseConfigText(readFileSync(join(examples, f), 'utf8'), f);
});

function problems(value: unknown): string[] {
  try {
    parseConfig(value);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('config was accepted');
}

test('errors name the field and the problem', () => {
  assert.deepEqual(problems({ account: { aor: 'alice', password: 'x' }, api: { port: 1 } }), [
    'account.aor: must be a SIP URI naming a user, like sip:alice@example.com',
  ]);
  const p = problems({ account: { aor: 'sip:alice@example.com', password: '' }, api: { port: 70000 }, sip: { transport: 'udp' } });
  assert.ok(p.some((x) => x.startsWith('account.password:')), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith('api.port:')), p.join('\n'));
  assert.ok(p.some((x) => x.startsWith('sip.transport:')), p.join('\n'));
  assert.ok(problems({ api: { port: 1 } }).some((x) => x.startsWith('account:')));
  assert.ok(problems({ account: { aor: 'sip:a@b', password: 'x', pasword: 'typo' }, api: { port: 1 } }).some((x) => x.includes('pasword')));
  assert.ok(problems({ account: { aor: 'sip:example.com', password: 'x' }, api: { port: 1 } })[0]!.startsWith('account.aor:'));
});

test('unparseable files give one clear problem', () => {
  assert.throws(() => parseConfigText('{"account":', 'phone.json'), (e: unknown) => e instanceof ConfigError && /not valid JSON/.test(e.problems[0]!));
  assert.throws(() => parseConfigText('a: [1,', 'phone.yaml'), (e: unknown) => e instanceof ConfigError && /not valid YAML/.test(e.problems[0]!));
});
