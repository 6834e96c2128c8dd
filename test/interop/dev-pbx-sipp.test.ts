// The simulator's dev PBX (sim/pbx) against SIPp: registration with digest auth, 423 and GRUU; a call
// between two SIPp UAs through the PBX (caller over TCP and challenged with 407, callee over UDP, Record-Route
// for ACK and BYE); a forked call where the second device is CANCELed when the first answers; and presence
// (PUBLISH, SUBSCRIBE, NOTIFY with the published tuple, removal, unsubscribe). Each scenario's exit code says
// whether every message it expected came, with what it checks (test/scenarios/dev-pbx-*.xml).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { runSipp, type SippResult, type SippRun } from '../harness/sipp.js';
import { useWorkdir, type TestWorkdir } from '../harness/workdir.js';
import { sippTrace } from '../harness/sip-trace.js';
import { startDevPbx, type DevPbx } from '../../sim/pbx/dev-pbx.js';

const USERS = ['alice', 'bob', 'carol'].map((user) => ({ user, password: 'secret' }));

async function pbxIn(w: TestWorkdir): Promise<DevPbx> {
  const logFile = join(w.path, 'dev-pbx.log');
  const pbx = await startDevPbx({ users: USERS, log: (line) => appendFileSync(logFile, `${line}\n`) });
  w.defer(() => pbx.stop());
  return pbx;
}

async function succeeded(run: SippRun, what: string): Promise<SippResult> {
  const result = await run.result;
  assert.equal(result.exitCode, 0, `${what}: SIPp did not run its scenario to the end:\n${result.log}`);
  return result;
}

const remote = (pbx: DevPbx): string => `${pbx.host}:${pbx.port}`;

void test('REGISTER: 401 challenge, 423 with Min-Expires, 200 with pub-gruu/temp-gruu, then Expires 0 removes the binding', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'dev-pbx-register');
  const pbx = await pbxIn(w);
  const run = await runSipp({
    workdir: w.path, scenarioFile: 'dev-pbx-register.xml', remote: remote(pbx), transport: 'tcp', service: 'alice',
    auth: { user: 'alice', password: 'secret' }, keys: { instance: '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01' },
  });
  const result = await succeeded(run, 'register');
  const statuses = sippTrace(result.messages).filter((e) => e.dir === 'in').map((e) => e.firstLine);
  assert.deepEqual(statuses, ['SIP/2.0 401 Unauthorized', 'SIP/2.0 423 Interval Too Brief', 'SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  assert.deepEqual(pbx.registrations(), [], 'the binding is gone after Expires: 0');
  w.pass();
});

void test('wrong password: the REGISTER is challenged again and nothing is registered', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'dev-pbx-register-wrong');
  const pbx = await pbxIn(w);
  const calleePort = 5999; // never contacted: the registration must fail
  const run = await runSipp({
    workdir: w.path, scenarioFile: 'dev-pbx-register-contact.xml', remote: remote(pbx), transport: 'udp', service: 'bob',
    auth: { user: 'bob', password: 'not-the-password' }, keys: { contact_port: calleePort }, timeoutSec: 5,
  });
  const result = await run.result;
  assert.notEqual(result.exitCode, 0, 'the scenario expects a 200 that must not come');
  const answers = sippTrace(result.messages).filter((e) => e.dir === 'in').map((e) => e.firstLine);
  assert.deepEqual(answers.slice(0, 2), ['SIP/2.0 401 Unauthorized', 'SIP/2.0 401 Unauthorized'], result.messages);
  assert.deepEqual(pbx.registrations(), []);
  w.pass();
});

/** A SIPp UAS on UDP that takes bob's calls, registered for bob by a second SIPp run. */
async function callee(w: TestWorkdir, pbx: DevPbx, scenarioFile: string, name: string): Promise<SippRun> {
  const uas = await runSipp({ workdir: w.path, name, scenarioFile, transport: 'udp', timeoutSec: 20 });
  w.defer(() => uas.process.stop());
  const reg = await runSipp({
    workdir: w.path, name: `${name}-register`, scenarioFile: 'dev-pbx-register-contact.xml', remote: remote(pbx), transport: 'udp',
    service: 'bob', auth: { user: 'bob', password: 'secret' }, keys: { contact_port: uas.localPort },
  });
  await succeeded(reg, `${name} registration`);
  return uas;
}

void test('a call between two SIPp UAs: 407 then INVITE with credentials, 100/180/200 relayed, ACK and BYE through the Record-Route', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'dev-pbx-call');
  const pbx = await pbxIn(w);
  const uas = await callee(w, pbx, 'dev-pbx-call-uas-answer.xml', 'bob');
  assert.equal(pbx.registrations().find((r) => r.aor === `sip:bob@${pbx.domain}`)?.contacts[0]?.uri, `sip:bob@127.0.0.1:${uas.localPort}`);

  const uac = await runSipp({
    workdir: w.path, name: 'alice', scenarioFile: 'dev-pbx-call-uac.xml', remote: remote(pbx), transport: 'tcp', service: 'alice',
    auth: { user: 'alice', password: 'secret' }, keys: { callee: 'bob' },
  });
  const caller = await succeeded(uac, 'caller');
  await succeeded(uas, 'callee');
  const got = sippTrace(caller.messages).filter((e) => e.dir === 'in').map((e) => e.firstLine);
  assert.deepEqual(got, ['SIP/2.0 407 Proxy Authentication Required', 'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'SIP/2.0 200 OK']);
  // The callee saw exactly one INVITE (the challenged one never left the PBX) and the BYE.
  const calleeGot = sippTrace((await uas.result).messages).filter((e) => e.dir === 'in').map((e) => e.firstLine.split(' ')[0]);
  assert.deepEqual(calleeGot, ['INVITE', 'ACK', 'BYE']);
  w.pass();
});

void test('forking: two devices of bob ring, the first 2xx wins and the other branch is CANCELed (487, ACKed by the PBX)', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'dev-pbx-fork');
  const pbx = await pbxIn(w);
  const answering = await callee(w, pbx, 'dev-pbx-call-uas-answer.xml', 'bob-desk');
  const ringing = await callee(w, pbx, 'dev-pbx-call-uas-cancelled.xml', 'bob-mobile');
  assert.equal(pbx.registrations().find((r) => r.aor === `sip:bob@${pbx.domain}`)?.contacts.length, 2);

  const uac = await runSipp({
    workdir: w.path, name: 'alice', scenarioFile: 'dev-pbx-call-uac.xml', remote: remote(pbx), transport: 'tcp', service: 'alice',
    auth: { user: 'alice', password: 'secret' }, keys: { callee: 'bob' },
  });
  const caller = await succeeded(uac, 'caller');
  await succeeded(answering, 'answering device');
  const cancelled = await succeeded(ringing, 'cancelled device');
  const finals = sippTrace(caller.messages).filter((e) => e.dir === 'in' && !/^SIP\/2\.0 1/.test(e.firstLine)).map((e) => e.firstLine);
  assert.deepEqual(finals, ['SIP/2.0 407 Proxy Authentication Required', 'SIP/2.0 200 OK', 'SIP/2.0 200 OK'], 'the caller never sees the 487');
  const ringingGot = sippTrace(cancelled.messages).filter((e) => e.dir === 'in').map((e) => e.firstLine.split(' ')[0]);
  assert.deepEqual(ringingGot, ['INVITE', 'CANCEL', 'ACK']);
  w.pass();
});

void test('the caller CANCELs a ringing call: 200 for the CANCEL, the callee is CANCELed too, its 487 reaches the caller', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'dev-pbx-cancel');
  const pbx = await pbxIn(w);
  const ringing = await callee(w, pbx, 'dev-pbx-call-uas-cancelled.xml', 'bob');
  const uac = await runSipp({
    workdir: w.path, name: 'alice', scenarioFile: 'dev-pbx-call-uac-cancel.xml', remote: remote(pbx), transport: 'tcp', service: 'alice',
    auth: { user: 'alice', password: 'secret' }, keys: { callee: 'bob' },
  });
  const caller = await succeeded(uac, 'caller');
  const bob = await succeeded(ringing, 'callee');
  const got = sippTrace(caller.messages).filter((e) => e.dir === 'in').map((e) => e.firstLine);
  assert.deepEqual(got, ['SIP/2.0 407 Proxy Authentication Required', 'SIP/2.0 100 Trying', 'SIP/2.0 180 Ringing', 'SIP/2.0 200 OK', 'SIP/2.0 487 Request Terminated']);
  const cancel = sippTrace(bob.messages).find((e) => e.dir === 'in' && e.firstLine.startsWith('CANCEL '));
  assert.ok(cancel !== undefined);
  assert.match(cancel.text, /\r\nCSeq: 2 CANCEL\r\n/i, 'the CANCEL keeps the INVITE\'s CSeq number');
  w.pass();
});

void test('presence: PUBLISH (407, then 200 with SIP-ETag), SUBSCRIBE and NOTIFY with the tuple, removal → closed, unsubscribe → terminated', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'dev-pbx-presence');
  const pbx = await pbxIn(w);
  const run = await runSipp({
    workdir: w.path, scenarioFile: 'dev-pbx-presence.xml', remote: remote(pbx), transport: 'tcp', service: 'carol',
    auth: { user: 'carol', password: 'secret' },
  });
  const result = await succeeded(run, 'presence');
  const notifies = sippTrace(result.messages).filter((e) => e.dir === 'in' && e.firstLine.startsWith('NOTIFY '));
  assert.equal(notifies.length, 3);
  w.pass();
});
