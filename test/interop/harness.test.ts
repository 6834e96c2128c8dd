// Proves the real-peer test harness itself works, before any phone test relies on it: Kamailio (TCP, TLS,
// digest auth MD5 and SHA-256, GRUU, delivery over the phone's own connection, CRLF keep-alive, restart),
// SIPp (UAC with digest auth, pass and fail) and baresip (registers, answers ctrl_tcp commands).
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { describe, test } from 'node:test';
import { startBaresip } from '../harness/baresip.js';
import { makeTestPki } from '../harness/certs.js';
import { startKamailio, type Kamailio } from '../harness/kamailio.js';
import { freePort, tcpAccepts } from '../harness/ports.js';
import { openSipStream, registerOverStream, wrapSocket, type SipStream } from '../harness/rawsip.js';
import { runSipp } from '../harness/sipp.js';
import { withWorkdir, type TestWorkdir } from '../harness/workdir.js';

async function kamailio(w: TestWorkdir, options: Partial<Parameters<typeof startKamailio>[0]> = {}): Promise<Kamailio> {
  const k = await startKamailio({ workdir: w.path, ...options });
  w.defer(() => k.stop());
  return k;
}

async function stream(w: TestWorkdir, port: number, ca?: string): Promise<SipStream> {
  const s = await openSipStream({ port, tls: ca !== undefined ? { ca: readFileSync(ca) } : undefined });
  w.defer(() => s.close());
  return s;
}


function tlsHandshake(port: number, ca: Buffer, servername?: string): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ host: '127.0.0.1', port, ca, servername });
    s.once('secureConnect', () => resolve(s));
    s.once('error', reject);
  });
}

/** A MESSAGE from outside the PBX's domain (so Kamailio asks no credentials) to a local user. */
function messageTo(user: string, k: Kamailio, s: SipStream): string {
  const id = Math.random().toString(36).slice(2);
  return [
    `MESSAGE sip:${user}@${k.domain} SIP/2.0`,
    `Via: SIP/2.0/TCP 127.0.0.1:${s.localPort};branch=z9hG4bK${id}`,
    'Max-Forwards: 70',
    `From: <sip:tester@example.org>;tag=${id}`,
    `To: <sip:${user}@${k.domain}>`,
    `Call-ID: ${id}@sipdesk.test`,
    'CSeq: 1 MESSAGE',
    'Content-Type: text/plain',
    'Content-Length: 2',
    '',
    'hi',
  ].join('\r\n');
}

function okFor(request: string): string {
  const keep = request.split('\r\n').filter((l) => /^(Via|From|To|Call-ID|CSeq):/i.test(l));
  return ['SIP/2.0 200 OK', ...keep.map((l) => (/^To:/i.test(l) ? `${l};tag=uas` : l)), 'Content-Length: 0', '', ''].join('\r\n');
}

void describe('harness: Kamailio', () => {
  void test('test PKI: CA-signed server cert with the right names, wrong-host cert, self-signed cert', withWorkdir('pki', async (w) => {
    const pki = await makeTestPki(w.path);
    const ca = new X509Certificate(readFileSync(pki.caCert));
    const server = new X509Certificate(readFileSync(pki.serverCert));
    const wrong = new X509Certificate(readFileSync(pki.wrongHostCert));
    const self = new X509Certificate(readFileSync(pki.selfSignedCert));
    assert.ok(server.verify(ca.publicKey), 'server cert signed by the CA');
    assert.equal(server.checkIP('127.0.0.1'), '127.0.0.1');
    assert.equal(server.checkHost('localhost'), 'localhost');
    assert.equal(server.checkHost('pbx.sipdesk.test'), 'pbx.sipdesk.test');
    assert.ok(wrong.verify(ca.publicKey), 'wrong-host cert signed by the CA');
    assert.equal(wrong.checkHost('pbx.sipdesk.test'), undefined);
    assert.equal(wrong.checkIP('127.0.0.1'), undefined);
    assert.equal(wrong.checkHost('wrong.example.org'), 'wrong.example.org');
    assert.ok(!self.verify(ca.publicKey), 'self-signed cert not from the CA');
    assert.equal(self.checkHost('pbx.sipdesk.test'), 'pbx.sipdesk.test');
  }));

  void test('starts with TCP + TLS (handshake verified against the test CA) and stops completely', withWorkdir('kam-tls', async (w) => {
    const k = await kamailio(w, { tls: true });
    assert.ok(k.tlsPort !== undefined && k.caFile !== undefined);
    assert.ok(await tcpAccepts(k.port));
    const ca = readFileSync(k.caFile);
    for (const servername of [undefined, 'pbx.sipdesk.test']) {
      const s = await tlsHandshake(k.tlsPort, ca, servername);
      assert.equal(s.authorized, true, `TLS verified (servername ${servername ?? '-'})`);
      s.destroy();
    }
    // the name check is on: the server certificate is not valid for another name
    await assert.rejects(tlsHandshake(k.tlsPort, ca, 'wrong.example.org'), /altnames|Hostname/i);

    // negative set-ups for the phone's TLS tests: a CA-signed cert for another name, a self-signed one
    for (const [tlsCertificate, error] of [['wrong-host', /altnames/i], ['self-signed', /self[- ]signed/i]] as const) {
      const bad = await kamailio(w, { tlsCertificate, pki: k.pki });
      assert.ok(bad.tlsPort !== undefined);
      await assert.rejects(tlsHandshake(bad.tlsPort, ca), error, tlsCertificate);
      await bad.stop();
    }

    const exit = await k.stop();
    assert.equal(k.process.running, false);
    assert.equal(exit.signal === null ? exit.code : 0, 0, `exit ${JSON.stringify(exit)}`);
    assert.equal(await tcpAccepts(k.port), false, 'TCP port closed after stop');
    assert.equal(await tcpAccepts(k.tlsPort), false, 'TLS port closed after stop');
  }));

  void test('SIPp registers alice with digest auth over TCP; a wrong password fails', withWorkdir('sipp-reg', async (w) => {
    const k = await kamailio(w);
    const ok = await runSipp({
      workdir: w.path, name: 'ok', scenarioFile: 'register-auth.xml', remote: `${k.ip}:${k.port}`, transport: 'tcp',
      service: 'alice', auth: { user: 'alice', password: k.password }, calls: 3,
    });
    const okResult = await ok.result;
    assert.equal(okResult.exitCode, 0, okResult.log);
    assert.equal(k.countRequests('REGISTER'), 6, 'three REGISTERs, each challenged once');

    const bad = await runSipp({
      workdir: w.path, name: 'bad', scenarioFile: 'register-auth.xml', remote: `${k.ip}:${k.port}`, transport: 'tcp',
      service: 'alice', auth: { user: 'alice', password: 'wrong' }, timeoutSec: 5,
    });
    const badResult = await bad.result;
    assert.notEqual(badResult.exitCode, 0, badResult.log);
  }));

  void test('SIPp as a UAS (server mode, no remote) answers a MESSAGE', withWorkdir('sipp-uas', async (w) => {
    const uas = await runSipp({ workdir: w.path, scenarioFile: 'uas-message.xml', transport: 'tcp', timeoutSec: 5 });
    w.defer(() => uas.process.stop());
    await uas.waitListening();
    const s = await stream(w, uas.localPort);
    s.send([
      'MESSAGE sip:uas@127.0.0.1 SIP/2.0', `Via: SIP/2.0/TCP 127.0.0.1:${s.localPort};branch=z9hG4bKuas1`, 'Max-Forwards: 70',
      'From: <sip:tester@example.org>;tag=1', 'To: <sip:uas@127.0.0.1>', 'Call-ID: uas1@sipdesk.test', 'CSeq: 1 MESSAGE',
      'Content-Length: 0', '', ''].join('\r\n'));
    assert.equal((await s.nextMessage()).status, 200);
    const result = await uas.result;
    assert.equal(result.exitCode, 0, result.log);
  }));

  void test('the 200 OK to a REGISTER with Supported: gruu and +sip.instance carries pub-gruu and temp-gruu', withWorkdir('gruu', async (w) => {
    const k = await kamailio(w);
    const instance = '6f1d1c8e-3f4a-4c2b-9d3e-0a1b2c3d4e5f';
    const run = await runSipp({
      workdir: w.path, scenarioFile: 'register-gruu.xml', remote: `${k.ip}:${k.port}`, transport: 'tcp',
      service: 'bob', auth: { user: 'bob', password: k.password }, keys: { instance },
    });
    const result = await run.result;
    assert.equal(result.exitCode, 0, result.log);
    assert.match(result.messages, new RegExp(`pub-gruu="sip:bob@127\\.0\\.0\\.1;gr=urn:uuid:${instance}"`));
    assert.match(result.messages, /temp-gruu="sip:[^"]+;gr"/);
  }));

  void test('requests to a registered user come over its own connection, not to its Contact port', withWorkdir('flow', async (w) => {
    const k = await kamailio(w);
    const deadPort = await freePort(); // nothing listens here: Kamailio cannot connect to the Contact
    const run = await runSipp({
      workdir: w.path, scenarioFile: 'register-then-message.xml', remote: `${k.ip}:${k.port}`, transport: 'tcp',
      service: 'carol', auth: { user: 'carol', password: k.password },
      keys: { contact_port: deadPort, instance: '0b6c3d2e-1111-4222-8333-444455556666' }, timeoutSec: 8,
    });
    const result = await run.result;
    assert.equal(result.exitCode, 0, `${result.log}\n--- kamailio\n${k.log()}`);
    assert.match(result.messages, new RegExp(`MESSAGE sip:carol@127\\.0\\.0\\.1:${deadPort};transport=TCP SIP/2\\.0`));
    assert.match(k.log(), /FLOW sip:carol@\S+ via open connection/);
  }));

  void test('when that connection is gone, requests go to the Contact address (where the phone listens)', withWorkdir('flow-gone', async (w) => {
    const k = await kamailio(w);
    const listener = createServer();
    const accepted = new Promise<SipStream>((resolve) => {
      listener.once('connection', (socket) => resolve(wrapSocket(socket)));
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    w.defer(() => new Promise((resolve) => listener.close(resolve)));
    const address = listener.address();
    assert.ok(address !== null && typeof address === 'object');

    const phone = await stream(w, k.port);
    const reg = await registerOverStream({
      stream: phone, transport: 'tcp', domain: k.domain, registrar: `${k.ip}:${k.port}`, user: 'bob', password: k.password,
      contactPort: address.port,
    });
    assert.equal(reg.final.status, 200, reg.final.raw);
    phone.close();
    await new Promise((r) => setTimeout(r, 200)); // let Kamailio notice the close

    const sender = await stream(w, k.port);
    sender.send(messageTo('bob', k, sender));
    const inbound = await accepted;
    w.defer(() => inbound.close());
    const delivered = await inbound.nextMessage();
    assert.match(delivered.startLine, new RegExp(`^MESSAGE sip:bob@127\\.0\\.0\\.1:${address.port};transport=tcp SIP/2\\.0$`));
    inbound.send(okFor(delivered.raw));
    assert.equal((await sender.nextMessage()).status, 200);
    assert.match(k.log(), /FLOW sip:bob@\S+: connection to \S+ is gone, using the Contact address/);
  }));

  void test('restart() keeps the ports and forgets registrations; a raw client gets its MESSAGE over its connection', withWorkdir('restart', async (w) => {
    const k = await kamailio(w);
    const phone = await stream(w, k.port);
    const reg = await registerOverStream({
      stream: phone, transport: 'tcp', domain: k.domain, registrar: `${k.ip}:${k.port}`, user: 'alice', password: k.password,
    });
    assert.equal(reg.final.status, 200, reg.final.raw);

    const sender = await stream(w, k.port);
    const message = messageTo('alice', k, sender);
    sender.send(message);
    const delivered = await phone.nextMessage();
    assert.match(delivered.startLine, /^MESSAGE sip:alice@127\.0\.0\.1:\d+;transport=tcp SIP\/2\.0$/);
    phone.send(okFor(delivered.raw));
    assert.equal((await sender.nextMessage()).status, 200);

    const { port } = k;
    const pid = k.process.pid;
    await k.kill9(); // a crash: every Kamailio process is gone at once
    assert.equal(await tcpAccepts(port), false);
    await k.restart();
    assert.equal(k.port, port);
    assert.notEqual(k.process.pid, pid);
    assert.ok(await tcpAccepts(port));
    const after = await stream(w, k.port);
    after.send(messageTo('alice', k, after));
    assert.equal((await after.nextMessage()).status, 404, 'registration lost on restart');
    assert.equal(k.countRequests('MESSAGE'), 2, 'countRequests spans restarts');
  }));

  void test('a CRLFCRLF ping on TCP and on TLS gets a CRLF pong', withWorkdir('crlf', async (w) => {
    const k = await kamailio(w, { tls: true });
    assert.ok(k.tlsPort !== undefined && k.caFile !== undefined);
    for (const s of [await stream(w, k.port), await stream(w, k.tlsPort, k.caFile)]) {
      await s.ping();
      await s.ping(); // and the connection stays usable
    }
  }));

  void test('a message without Content-Length on TCP is a framing error (tcp_accept_no_cl=no)', withWorkdir('no-cl', async (w) => {
    const k = await kamailio(w);
    const options = (cl: boolean, s: SipStream): string => [
      'OPTIONS sip:127.0.0.1 SIP/2.0', `Via: SIP/2.0/TCP 127.0.0.1:${s.localPort};branch=z9hG4bKnocl${cl ? 1 : 0}`,
      'Max-Forwards: 70', 'From: <sip:x@example.org>;tag=1', 'To: <sip:127.0.0.1>', `Call-ID: nocl${cl ? 1 : 0}`,
      'CSeq: 1 OPTIONS', ...(cl ? ['Content-Length: 0'] : []), '', ''].join('\r\n');
    const good = await stream(w, k.port);
    good.send(options(true, good));
    assert.equal((await good.nextMessage()).status, 200);
    const bad = await stream(w, k.port);
    bad.send(options(false, bad));
    await assert.rejects(bad.nextMessage(2000), /connection closed/);
  }));

  void test('authAlgorithm SHA-256: the challenge says algorithm=SHA-256 and an RFC 8760 login works', withWorkdir('sha256', async (w) => {
    const k = await kamailio(w, { authAlgorithm: 'SHA-256' });
    const login = async (algorithm: 'MD5' | 'SHA-256', password: string) =>
      registerOverStream({
        stream: await stream(w, k.port), transport: 'tcp', domain: k.domain, registrar: `${k.ip}:${k.port}`,
        user: 'dave', password, algorithm,
      });
    const good = await login('SHA-256', k.password);
    assert.match(good.challenge.header('www-authenticate') ?? '', /^Digest realm="127\.0\.0\.1", nonce="[^"]+", algorithm=SHA-256$/);
    assert.equal(good.final.status, 200, good.final.raw);
    assert.equal((await login('SHA-256', 'wrong')).final.status, 401);
    assert.equal((await login('MD5', k.password)).final.status, 401, 'an MD5 answer to a SHA-256 challenge fails');
  }));
});

void describe('harness: baresip', () => {
  void test('registers as bob through Kamailio and answers ctrl_tcp commands', withWorkdir('baresip', async (w) => {
    const k = await kamailio(w); // deferred first, so stopped last: baresip unregisters before Kamailio goes
    const since = k.mark();
    const bob = await startBaresip({ workdir: w.path, user: 'bob', registrar: `${k.ip}:${k.port}` });
    w.defer(() => bob.stop());
    const line = await k.waitForRequest('REGISTER', 3000, since);
    assert.match(line, /from sip:bob@127\.0\.0\.1 \(tcp:/);

    const reginfo = await bob.ctrl.command('reginfo');
    assert.equal(reginfo.ok, true);
    assert.match(reginfo.data, /sip:bob@127\.0\.0\.1\s+OK/);
    const calls = await bob.ctrl.command('listcalls');
    assert.equal(calls.ok, true);
    assert.match(calls.data, /Active calls \(0\)/);

    const before = k.countRequests('REGISTER');
    await bob.stop();
    assert.ok(k.countRequests('REGISTER') > before, 'baresip unregistered on SIGTERM');
  }));

  void test('alice calls bob through Kamailio: answered, then hung up (in-dialog ACK and BYE arrive)', withWorkdir('call', async (w) => {
    const k = await kamailio(w);
    const registrar = `${k.ip}:${k.port}`;
    const bob = await startBaresip({ workdir: w.path, user: 'bob', registrar });
    w.defer(() => bob.stop());
    const alice = await startBaresip({ workdir: w.path, user: 'alice', registrar });
    w.defer(() => alice.stop());

    assert.equal((await alice.ctrl.command('dial', 'sip:bob@127.0.0.1')).ok, true);
    const established = await alice.ctrl.waitForEvent('CALL_ESTABLISHED', 8000);
    assert.match(established.peeruri ?? '', /^sip:bob@127\.0\.0\.1/);
    await bob.ctrl.waitForEvent('CALL_ESTABLISHED', 3000);
    await alice.ctrl.waitForEvent('CALL_RTPESTAB', 3000); // RTP from bob arrived

    assert.equal((await alice.ctrl.command('hangup')).ok, true);
    await bob.ctrl.waitForEvent('CALL_CLOSED', 3000);
    assert.match(k.log(), /RPL 200 OK for BYE/);
    assert.equal(k.countRequests('BYE'), 1);
  }));
});
