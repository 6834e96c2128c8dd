// Hostile input on the phone's own SIP port (a raw TCP client, as anyone on the LAN could be): every
// malformed message gets a clear answer where one is due, the connection is handled, and the phone stays
// alive and registered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { startKamailio } from '../harness/kamailio.js';
import { startAliceVia, tcpProxy } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';
import { rawConnect, sipRequest } from '../harness/rawsip.js';

test('bad input on the phone\'s SIP port: answered or dropped, never fatal', async (t) => {
  const w = useWorkdir(t, 'bad-input');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const phone = await startAliceVia(w, tcpProxy(k.port), { config: { sip: { incompleteMessageTimeoutMs: 1000 } } });
  await phone.waitForState('registered');
  const uri = `sip:alice@127.0.0.1:${phone.sipPort};transport=tcp`;

  await t.test('garbage bytes: connection closed, nothing answered', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(randomBytes(70_000));
    await c.closed;
    assert.doesNotMatch(c.received(), /SIP\/2\.0/);
  });

  await t.test('text garbage, then a valid OPTIONS on the same connection: resynced and answered', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send('GET / HTTP/1.0\r\nHost: phone\r\n\r\n');
    c.send(sipRequest({ method: 'OPTIONS', uri }));
    await c.waitFor(/SIP\/2\.0 200 OK/);
    c.destroy();
  });

  await t.test('Content-Length larger than the body: 400 Incomplete message after the peer stops sending', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'OPTIONS', uri, body: 'short', contentLength: 500 }));
    const m = await c.waitFor(/SIP\/2\.0 (\d{3}) ([^\r\n]*)/, 4000);
    assert.equal(m[1], '400');
    assert.match(m[2]!, /Incomplete message/);
    await c.closed;
  });

  await t.test('Content-Length larger than the body, then FIN: answered at once', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'OPTIONS', uri, body: 'short', contentLength: 500 }));
    c.end();
    const m = await c.waitFor(/SIP\/2\.0 (\d{3}) ([^\r\n]*)/, 900);
    assert.equal(m[1], '400');
  });

  await t.test('a 1 MB header: refused with 513 before it is all read, connection closed', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'OPTIONS', uri, headers: [`X-Big: ${'a'.repeat(1024 * 1024)}`] }));
    await c.closed;
    assert.match(c.received(), /^SIP\/2\.0 513 /);
  });

  await t.test('unknown method: 501 Not Implemented', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'FROBNICATE', uri }));
    await c.waitFor(/SIP\/2\.0 501 Not Implemented/);
    c.destroy();
  });

  await t.test('malformed From header: 400 naming the problem', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'OPTIONS', uri, omit: ['From'], headers: ['From: <<not a uri'] }));
    const m = await c.waitFor(/SIP\/2\.0 (\d{3}) ([^\r\n]*)/);
    assert.equal(m[1], '400');
    c.destroy();
  });

  await t.test('missing Call-ID / CSeq: nothing can be addressed, nothing sent, connection still usable', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'OPTIONS', uri, omit: ['Call-ID'] }));
    c.send(sipRequest({ method: 'OPTIONS', uri }));
    await c.waitFor(/SIP\/2\.0 200 OK/);
    assert.equal(c.received().match(/SIP\/2\.0 /g)?.length, 1);
    c.destroy();
  });

  await t.test('wrong SIP version: 505', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'OPTIONS', uri }).replace(' SIP/2.0\r\n', ' SIP/3.0\r\n'));
    await c.waitFor(/SIP\/2\.0 505 /);
    c.destroy();
  });

  await t.test('a response to nothing: ignored; several messages in one chunk all answered', async () => {
    const c = await rawConnect(phone.sipPort);
    const stray = 'SIP/2.0 200 OK\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKnothing\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>;tag=2\r\nCall-ID: nothing\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n';
    c.send(stray + sipRequest({ method: 'OPTIONS', uri }) + sipRequest({ method: 'OPTIONS', uri }));
    await c.waitFor(/SIP\/2\.0 200 OK[\s\S]*SIP\/2\.0 200 OK/);
    c.destroy();
  });

  await t.test('MESSAGE straight to the phone: 405 with an Allow that lacks MESSAGE', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'MESSAGE', uri, headers: ['Content-Type: text/plain'], body: 'hello' }));
    const m = await c.waitFor(/SIP\/2\.0 405 [^]*?\r\n\r\n/);
    assert.match(m[0], /\r\nAllow: INVITE,ACK,CANCEL,BYE,OPTIONS,INFO,NOTIFY,REFER,UPDATE\r\n/);
    assert.doesNotMatch(m[0], /MESSAGE,|,MESSAGE/);
    c.destroy();
  });

  await t.test('a request and FIN at once: the answer still comes (half-closed, RFC 3261 Timer J)', async () => {
    const c = await rawConnect(phone.sipPort);
    c.send(sipRequest({ method: 'OPTIONS', uri }));
    c.end();
    await c.waitFor(/SIP\/2\.0 200 OK/);
    c.destroy();
  });

  await t.test('a body trickled byte by byte is cut off at its deadline, not kept alive by each byte', async () => {
    const c = await rawConnect(phone.sipPort);
    const request = sipRequest({ method: 'OPTIONS', uri, body: 'x'.repeat(200) });
    const bodyStart = request.indexOf('\r\n\r\n') + 4;
    const started = Date.now();
    c.send(request.slice(0, bodyStart)); // the head at once: a 400 can be addressed
    let i = bodyStart;
    const trickle = setInterval(() => {
      if (i < request.length) c.send(request[i++]!);
    }, 50);
    try {
      await c.waitFor(/SIP\/2\.0 400 Incomplete message/, 4000);
    } finally {
      clearInterval(trickle);
    }
    const took = Date.now() - started;
    assert.ok(took >= 900 && took < 2500, `cut off after ${took} ms (deadline 1000 ms)`);
    c.destroy();
  });

  await t.test('a peer that sends requests and never reads the answers is cut off', async () => {
    const socket = net.connect({ port: phone.sipPort, host: '127.0.0.1' });
    await new Promise<void>((resolve) => socket.once('connect', resolve));
    socket.pause(); // never read
    const gone = new Promise<string>((resolve) => {
      socket.once('error', (e) => resolve(e.message));
      socket.once('close', () => resolve('closed'));
    });
    const burst = Array.from({ length: 500 }, () => sipRequest({ method: 'OPTIONS', uri })).join('');
    const writer = setInterval(() => socket.write(burst), 20);
    const outcome = await Promise.race([gone, new Promise<string>((r) => setTimeout(() => r('still open'), 30_000))]);
    clearInterval(writer);
    socket.destroy();
    assert.notEqual(outcome, 'still open');
    assert.match(phone.process.output(), /does not read what we send/);
  });

  // After all that: alive, registered, and a refresh-free status still answers.
  const s = await phone.status();
  assert.equal(s.registration.state, 'registered');
  assert.ok(phone.process.running);
  w.pass();
});
