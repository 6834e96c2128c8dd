// RFC 3263 end to end: the phone finds its proxy through NAPTR → SRV → A records served by a real DNS
// server (dnsmasq), skips a dead target, and fails over to the next one when its flow's server dies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startKamailio } from '../harness/kamailio.js';
import { startPhone } from '../harness/phone.js';
import { startDnsmasq } from '../harness/dnsmasq.js';
import { freePort } from '../harness/ports.js';
import { useWorkdir } from '../harness/workdir.js';

test('proxy found by NAPTR/SRV: a dead first target is skipped, and a dying server fails over to the next', async (t) => {
  const w = useWorkdir(t, 'dns-failover');
  const deadPort = await freePort(); // nothing listens here
  const k1 = await startKamailio({ workdir: join(w.path, 'pbx1') });
  w.defer(() => k1.stop());
  const k2 = await startKamailio({ workdir: join(w.path, 'pbx2') });
  w.defer(() => k2.stop());
  const dns = await startDnsmasq({
    workdir: join(w.path, 'dns'),
    records: {
      hosts: { 'pbx0.sipdesk.test': ['127.0.0.1'], 'pbx1.sipdesk.test': ['127.0.0.1'], 'pbx2.sipdesk.test': ['127.0.0.1'] },
      naptr: [{ name: 'sipdesk.test', order: 10, preference: 10, flags: 's', service: 'SIP+D2T', replacement: '_sip._tcp.sipdesk.test' }],
      srv: [
        { name: '_sip._tcp.sipdesk.test', target: 'pbx0.sipdesk.test', port: deadPort, priority: 5, weight: 10 },
        { name: '_sip._tcp.sipdesk.test', target: 'pbx1.sipdesk.test', port: k1.port, priority: 10, weight: 10 },
        { name: '_sip._tcp.sipdesk.test', target: 'pbx2.sipdesk.test', port: k2.port, priority: 20, weight: 10 },
      ],
    },
  });
  w.defer(() => dns.stop());

  const phone = await startPhone({
    workdir: w.path,
    name: 'alice',
    user: 'alice',
    domain: '127.0.0.1',
    proxy: 'sip:sipdesk.test',
    config: { sip: { dnsServers: [dns.server], reconnectMax: 2 } },
  });
  w.defer(() => phone.stop());
  await phone.waitForState('registered', 10_000);
  const queries = await dns.queryLog();
  assert.ok(queries.includes('NAPTR sipdesk.test'), queries.join('\n'));
  assert.ok(queries.includes('SRV _sip._tcp.sipdesk.test'), queries.join('\n'));
  assert.match(phone.process.output(), new RegExp(`connect failed: tcp:127\\.0\\.0\\.1:${deadPort}`));
  assert.equal(k1.countRequests('REGISTER'), 2, 'registered at the first live target (challenge + answer)');
  assert.equal(k2.countRequests('REGISTER'), 0);

  // The server of the flow dies: the phone moves to the next target and registers there.
  await k1.kill9();
  await phone.waitForState('registered', 10_000, () => k2.countRequests('REGISTER') >= 2);
  w.pass();
});
