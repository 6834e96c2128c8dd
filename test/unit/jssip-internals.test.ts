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

test('the internals calls, publication and subscriptions rely on are where we expect them', () => {
  // call-signaling.ts #reoffer: hold/resume without JsSIP's "any failure ends the call".
  const RTCSession = require('jssip/lib/RTCSession.js') as { prototype: Record<string, unknown> };
  for (const m of ['_sendReinvite', 'isReadyToReOffer', '_onhold', '_onunhold']) assert.equal(typeof RTCSession.prototype[m], 'function', `RTCSession.${m}`);
  const session = readFileSync(require.resolve('jssip/lib/RTCSession.js'), 'utf8');
  assert.match(session, /this\._localHold = true;\s*this\._onhold\('local'\);/, 'hold() still sets _localHold then calls _onhold');
  // call-signaling.ts: pickup of our early outgoing dialog raises 'replaces' like a confirmed one.
  assert.equal(typeof RTCSession.prototype.receiveRequest, 'function');
  assert.equal((RTCSession as unknown as { C: { STATUS_1XX_RECEIVED: unknown } }).C.STATUS_1XX_RECEIVED, 2);
  assert.match(session, /this\._direction = 'outgoing';/, "outgoing sessions still set _direction = 'outgoing'");
  assert.match(session, /new RTCSession\(this\._ua\)/, 'sessions are still built from the UA held in _ua');
  // call-signaling.ts: a 491 to our re-INVITE goes to our handler, not JsSIP's same-CSeq resend.
  const DialogSender = require('jssip/lib/Dialog/RequestSender.js') as { prototype: Record<string, unknown> };
  assert.equal(typeof DialogSender.prototype._receiveResponse, 'function');
  const dialogSender = readFileSync(require.resolve('jssip/lib/Dialog/RequestSender.js'), 'utf8');
  assert.match(dialogSender, /status_code === 491/, 'Dialog/RequestSender still special-cases 491');
  assert.match(dialogSender, /_reattempt/, 'Dialog/RequestSender still keys the retry on _reattempt');
  // publisher.ts: PUBLISH on JsSIP's own request and transaction layer.
  const SIPMessage = require('jssip/lib/SIPMessage.js') as { OutgoingRequest?: unknown };
  assert.equal(typeof SIPMessage.OutgoingRequest, 'function');
  assert.equal(typeof require('jssip/lib/RequestSender.js'), 'function');
  // watcher.ts: bodies are checked before Subscriber.receiveRequest answers 200.
  const Subscriber = require('jssip/lib/Subscriber.js') as { prototype: Record<string, unknown> };
  assert.equal(typeof Subscriber.prototype.receiveRequest, 'function');
  const subscriber = readFileSync(require.resolve('jssip/lib/Subscriber.js'), 'utf8');
  assert.match(subscriber, /request\.reply\(200\);[\s\S]*this\.emit\('notify'/, 'Subscriber still answers 200 before it emits notify');
});
