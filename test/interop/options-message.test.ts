// MESSAGE and OPTIONS from SIPp reach the phone through Kamailio: "no IM" said clearly, capabilities
// answered; with two registered devices of one user (MPOP) a request forks to both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startPhone } from '../harness/phone.js';
import { runSipp } from '../harness/sipp.js';
import { useWorkdir } from '../harness/workdir.js';

test('MESSAGE gets 405 without MESSAGE in Allow; OPTIONS gets 200 with capabilities; both devices of an MPOP user are asked', async (t) => {
  const w = useWorkdir(t, 'options-message');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const common = { workdir: w.path, user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp` };
  const a = await startPhone({ ...common, name: 'alice-a', instanceId: '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01' });
  w.defer(() => a.stop());
  await a.waitForState('registered');

  const message = await runSipp({ workdir: w.path, scenarioFile: 'uac-message.xml', remote: `${k.ip}:${k.port}`, transport: 'tcp', service: 'alice' });
  const mr = await message.result;
  assert.equal(mr.exitCode, 0, mr.log);
  assert.match(mr.messages, /SIP\/2\.0 405 Method Not Allowed[\s\S]*Allow: INVITE,ACK,CANCEL,BYE,OPTIONS,INFO,NOTIFY,REFER,UPDATE/);
  assert.match(a.process.output(), /MESSAGE sip:alice@/, 'the MESSAGE reached the phone (not refused by the proxy)');

  const options = await runSipp({ workdir: w.path, scenarioFile: 'uac-options.xml', remote: `${k.ip}:${k.port}`, transport: 'tcp', service: 'alice' });
  const or = await options.result;
  assert.equal(or.exitCode, 0, or.log);
  // Registered with a GRUU: the phone names itself by it (RFC 5627), with its capabilities.
  assert.match(or.messages, /SIP\/2\.0 200 OK[\s\S]*\nContact: <sip:alice@127\.0\.0\.1;gr=urn:uuid:6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01>;audio;methods="/);

  // A second device of the same user: one OPTIONS to the AOR now reaches both (parallel forking).
  const b = await startPhone({ ...common, name: 'alice-b', instanceId: '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e02' });
  w.defer(() => b.stop());
  await b.waitForState('registered');
  const before = [a.process.output().split('OPTIONS sip:alice@').length, b.process.output().split('OPTIONS sip:alice@').length];
  const forked = await runSipp({ workdir: w.path, name: 'options-forked', scenarioFile: 'uac-options.xml', remote: `${k.ip}:${k.port}`, transport: 'tcp', service: 'alice' });
  assert.equal((await forked.result).exitCode, 0);
  // SIPp is done at the first 200 OK; the other branch's OPTIONS may still be on its way to its phone's log.
  const count = (): number[] => [a.process.output().split('OPTIONS sip:alice@').length, b.process.output().split('OPTIONS sip:alice@').length];
  for (const end = Date.now() + 3000; Date.now() < end && count().some((n, i) => n === before[i]); ) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 200)); // a duplicate would show by now
  const after = count();
  assert.equal(after[0]! - before[0]!, 1, 'device A got the forked OPTIONS');
  assert.equal(after[1]! - before[1]!, 1, 'device B got the forked OPTIONS');
  w.pass();
});
