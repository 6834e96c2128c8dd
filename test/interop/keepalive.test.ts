// RFC 5626 keep-alives against Kamailio: CRLF pings get pongs (the flow stays up), and a flow that goes
// silent is declared dead, replaced, and the phone registers again over the new one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startAliceVia, tcpProxy } from '../harness/phone.js';
import { startTcpRelay } from '../harness/tcp-relay.js';
import { useWorkdir } from '../harness/workdir.js';

test('keep-alive: pongs keep the flow; a silent flow is declared dead and replaced', async (t) => {
  const w = useWorkdir(t, 'keepalive');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const relay = await startTcpRelay(k.port);
  w.defer(() => relay.close());
  const phone = await startAliceVia(w, tcpProxy(relay.port), { config: { sip: { keepAliveInterval: 1, keepAliveTimeout: 1 } } });
  await phone.waitForState('registered');

  // Five ping intervals with Kamailio answering: still the first connection, still registered.
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal(relay.connections(), 1, 'pongs arrived: no reconnect');
  assert.equal((await phone.status()).registration.state, 'registered');
  assert.doesNotMatch(phone.process.output(), /flow is dead/);

  // The path goes silent: within interval + timeout (+ scheduling slack) the flow is declared dead.
  relay.freeze();
  const frozeAt = Date.now();
  const down = await phone.waitForState('registering', 6000);
  t.diagnostic(`flow declared dead after ${Date.now() - frozeAt} ms: ${down.registration.reason ?? ''}`);
  assert.match(phone.process.output(), /keep-alive timeout: flow is dead/);

  relay.thaw();
  await phone.waitForState('registered', 10_000);
  assert.ok(relay.connections() >= 2, 'a new flow was opened');
  w.pass();
});
