// Registration against a real Kamailio (registrar with digest auth, usrloc in memory): TCP, TLS, MPOP,
// wrong password, Kamailio restart, and unregister on SIGTERM.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startPhone } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';

const INSTANCE_A = '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01';
const INSTANCE_B = '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e02';

test('registers over TCP with digest auth, as an SPOP endpoint with GRUU and no IM/ICE claims', async (t) => {
  const w = useWorkdir(t, 'reg-tcp');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const phone = await startPhone({ workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp`, instanceId: INSTANCE_A });
  w.defer(() => phone.stop());
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
