// The JsSIP internals our adapter depends on (see src/sip/jssip-internals.ts). If an upgrade moves any of
// them this fails first, with a message saying what to re-check, instead of a registration failing later.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { DigestAuthentication, JSSIP_VERSION } from '../../src/sip/jssip-internals.js';

const require = createRequire(import.meta.url);

test('JsSIP is the exact pinned version', () => {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(pkg.dependencies.jssip, '3.13.8', 'pin JsSIP exactly: the adapter relies on its internals');
  assert.equal(JSSIP_VERSION, '3.13.8');
});

test('the internals we wrap or rely on are where we expect them', () => {
  assert.equal(typeof DigestAuthentication.prototype.authenticate, 'function');
  const Parser = require('jssip/lib/Parser.js') as { parseMessage?: unknown };
  assert.equal(typeof Parser.parseMessage, 'function');
  const Constants = require('jssip/lib/Constants.js') as { ALLOWED_METHODS: string };
  // outgoing-policy.ts replaces this list; if JsSIP stops listing MESSAGE the policy is still right,
  // but if the header name or format changes the rewrite must be checked.
  assert.match(Constants.ALLOWED_METHODS, /^[A-Z,]+$/);
  const ua = readFileSync(require.resolve('jssip/lib/UA.js'), 'utf8');
  assert.match(ua, /case 'ha1': \{[^}]*this\._configuration\.password = null;/, 'UA.set(ha1) still drops the password (sip-stack.ts ignores it)');
  assert.match(ua, /window\.RTCPeerConnection/, 'incoming INVITE still reads window.RTCPeerConnection (node-env.ts)');
  const registrator = readFileSync(require.resolve('jssip/lib/Registrator.js'), 'utf8');
  assert.match(registrator, /this\._contact \+= ';\+sip\.ice';/, 'the +sip.ice tag outgoing-policy.ts strips');
});
