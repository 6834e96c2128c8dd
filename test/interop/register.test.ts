// Registration against a real Kamailio (registrar with digest auth, usrloc in memory): TCP, TLS, MPOP,
// wrong password, Kamailio restart, and unregister on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startAliceVia, startPhone, tcpProxy } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';
import { startTcpRelay } from '../harness/tcp-relay.js';

const INSTANCE_A = '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01';
const INSTANCE_B = '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e02';

test('registers over TCP with digest auth, as an SPOP endpoint with GRUU and no IM/ICE claims', async (t) => {
  const w = useWorkdir(t, 'reg-tcp');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const phone = await startAliceVia(w, tcpProxy(k.port), { instanceId: INSTANCE_A });
  const s = await phone.waitForState('registered', 10_000);
  assert.equal(s.registration.aor, `sip:alice@${k.domain}`);
  assert.equal(s.registration.contact, `sip:alice@127.0.0.1:${phone.sipPort};transport=tcp`);
  assert.ok(s.registration.expires! > 0 && s.registration.expires! <= 600, `expires ${s.registration.expires}`);
  assert.match(s.registration.gruu ?? '', new RegExp(`^sip:alice@${k.domain.replace(/\./g, '\\.')}.*;gr=urn:uuid:${INSTANCE_A}`));
  assert.deepEqual(s.calls, []);
  const log = phone.process.output();
  const register = log.slice(log.indexOf('REGISTER sip:'));
  const contact = register.match(/\r?\nContact: ([^\r\n]*)/)![1]!;
  assert.match(contact, new RegExp(`\\+sip\\.instance="<urn:uuid:${INSTANCE_A}>"`));
  assert.match(contact, /;reg-id=1/);
  assert.match(contact, /;audio/);
  assert.match(contact, /;methods="INVITE,ACK,CANCEL,BYE,OPTIONS,INFO,NOTIFY,REFER,UPDATE"/);
  assert.doesNotMatch(contact, /sip\.ice|MESSAGE|;text|transport=ws/);
  assert.match(register, /\r?\nSupported: [^\r\n]*gruu/);
  assert.doesNotMatch(register.split('\n\n')[0]!, /Supported: [^\r\n]*\bice\b/);
  assert.match(register, /\r?\nUser-Agent: sipdesk\/\d+\.\d+\.\d+/);
  assert.match(register, /\r?\nVia: SIP\/2\.0\/TCP 127\.0\.0\.1:\d+;branch=/);
  w.pass();
});

test('registers over TLS with verification against the test CA; a wrong host name is refused with a reason', async (t) => {
  const w = useWorkdir(t, 'reg-tls');
  const k = await startKamailio({ workdir: w.path, tls: true });
  w.defer(() => k.stop());
  const phone = await startPhone({
    workdir: w.path,
    name: 'alice',
    user: 'alice',
    domain: k.domain,
    proxy: `sip:${k.ip}:${k.tlsPort!};transport=tls`,
    instanceId: INSTANCE_A,
    config: { tls: { caFile: k.caFile } },
  });
  w.defer(() => phone.stop());
  const s = await phone.waitForState('registered', 10_000);
  assert.match(s.registration.contact, /;transport=tls$/);
  assert.match(phone.process.output(), /\r?\nVia: SIP\/2\.0\/TLS 127\.0\.0\.1:\d+;branch=/);

  // Same server, but the phone insists on a name the certificate does not carry.
  const wrong = await startPhone({
    workdir: w.path,
    name: 'alice-wrong-name',
    user: 'alice',
    domain: k.domain,
    proxy: `sip:${k.ip}:${k.tlsPort!};transport=tls`,
    instanceId: INSTANCE_B,
    config: { tls: { caFile: k.caFile, serverName: 'wrong.example.org' } },
  });
  w.defer(() => wrong.stop());
  const bad = await wrong.waitForState('registering', 10_000, (x) => /TLS certificate rejected/.test(x.registration.reason ?? ''));
  assert.match(bad.registration.reason!, /ERR_TLS_CERT_ALTNAME_INVALID/);

  // And one without the CA: the self-made test CA is not trusted by default.
  const untrusted = await startPhone({
    workdir: w.path,
    name: 'alice-no-ca',
    user: 'alice',
    domain: k.domain,
    proxy: `sip:${k.ip}:${k.tlsPort!};transport=tls`,
    instanceId: INSTANCE_B,
  });
  w.defer(() => untrusted.stop());
  await untrusted.waitForState('registering', 10_000, (x) => /TLS certificate rejected/.test(x.registration.reason ?? ''));
  w.pass();
});

test('MPOP on the server: a second phone with another instance id adds a second contact; each keeps its own', async (t) => {
  const w = useWorkdir(t, 'reg-mpop');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const common = { workdir: w.path, user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp` };
  const a = await startPhone({ ...common, name: 'alice-a', instanceId: INSTANCE_A });
  w.defer(() => a.stop());
  const b = await startPhone({ ...common, name: 'alice-b', instanceId: INSTANCE_B });
  w.defer(() => b.stop());
  const sa = await a.waitForState('registered');
  const sb = await b.waitForState('registered');
  assert.notEqual(sa.registration.contact, sb.registration.contact);
  assert.match(sa.registration.gruu!, new RegExp(INSTANCE_A));
  assert.match(sb.registration.gruu!, new RegExp(INSTANCE_B));
  // Kamailio's 200 OK lists only the binding of the instance that registered (RFC 5627 §5.4 style), so
  // both bindings are proven by forking in options-message.test.ts (one OPTIONS reaches both phones).
  // After a refresh-free second, A still reports its own binding.
  assert.equal((await a.status()).registration.contact, sa.registration.contact);
  w.pass();
});

test('wrong password: failed with the reason, and no REGISTER storm', async (t) => {
  const w = useWorkdir(t, 'reg-badpw');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const phone = await startAliceVia(w, tcpProxy(k.port), { password: 'not-the-password' });
  const s = await phone.waitForState('failed', 10_000);
  assert.match(s.registration.reason!, /^401 Unauthorized: wrong user name or password/);
  await new Promise((r) => setTimeout(r, 5000));
  assert.equal((await phone.status()).registration.state, 'failed');
  // One challenge, one answer with wrong credentials, then silence.
  assert.equal(k.countRequests('REGISTER'), 2, k.log().split('\n').filter((l) => l.includes('REQ REGISTER')).join('\n'));
  w.pass();
});

test('Kamailio killed and restarted: registered again within 5 s of it being back', async (t) => {
  const w = useWorkdir(t, 'reg-restart');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const phone = await startAliceVia(w, tcpProxy(k.port));
  await phone.waitForState('registered');
  await k.kill9();
  await phone.waitForState('registering', 5000);
  await new Promise((r) => setTimeout(r, 6000)); // long enough for the backoff to grow to its cap
  const since = k.mark();
  await k.restart();
  const back = Date.now();
  await phone.waitForState('registered', 5000, () => k.countRequests('REGISTER', since) > 0);
  const took = Date.now() - back;
  t.diagnostic(`re-registered ${took} ms after Kamailio was back`);
  assert.ok(took < 5000);
  w.pass();
});

test('SIGTERM: Expires 0 sent and the process gone within 2 s', async (t) => {
  const w = useWorkdir(t, 'reg-sigterm');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const phone = await startPhone({ workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp` });
  await phone.waitForState('registered');
  const started = Date.now();
  process.kill(phone.process.pid, 'SIGTERM');
  const exit = await phone.process.exited;
  const took = Date.now() - started;
  t.diagnostic(`exited in ${took} ms with ${JSON.stringify(exit)}`);
  assert.ok(took < 2000, `took ${took} ms`);
  assert.equal(exit.code, 0);
  const out = phone.process.output();
  const unregister = out.slice(out.lastIndexOf('REGISTER sip:'));
  assert.match(unregister, /\r?\nExpires: 0\r?\n/);
  assert.match(unregister, /SIP\/2\.0 200 OK/, 'the registrar confirmed the removal');
  w.pass();
});

test('SHA-256 digest (RFC 8760) from Kamailio: registers, and again on a new flow (JsSIP would have dropped the password)', async (t) => {
  const w = useWorkdir(t, 'reg-sha256');
  const k = await startKamailio({ workdir: w.path, authAlgorithm: 'SHA-256' });
  w.defer(() => k.stop());
  const relay = await startTcpRelay(k.port);
  w.defer(() => relay.close());
  const phone = await startAliceVia(w, tcpProxy(relay.port));
  await phone.waitForState('registered');
  const out = phone.process.output();
  assert.match(out, /WWW-Authenticate: Digest [^\r\n]*algorithm=SHA-256/);
  assert.match(out, /Authorization: Digest algorithm=SHA-256, [^\r\n]*response="[0-9a-f]{64}"/);

  relay.dropAll();
  await phone.waitForState('registering', 5000);
  const since = k.mark();
  await phone.waitForState('registered', 10_000, () => k.countRequests('REGISTER', since) >= 2);
  // Count the REGISTERs' answers only (PUBLISH and SUBSCRIBE are challenged too, by the proxy).
  const registerAuths = phone.process.output().match(/Authorization: Digest algorithm=SHA-256, [^\r\n]*uri="sip:127\.0\.0\.1"[^\r\n]*response="[0-9a-f]{64}"/g);
  assert.equal(registerAuths?.length, 2, 'the second flow answered its REGISTER challenge with SHA-256 too');
  assert.doesNotMatch(phone.process.output(), /algorithm=MD5, [^\r\n]*response=/, 'no MD5 answer anywhere (PUBLISH and SUBSCRIBE included)');
  w.pass();
});
