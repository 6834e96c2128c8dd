// The phone's registration policy against SIPp as the registrar (UAS over one TCP connection, -t t1):
// 423 Min-Expires, a stale nonce (and the non-stale contrast), 503 Retry-After, no answer at all (Timer F, then
// failover to the next RFC 3263 target, a Kamailio),
// 403 and 404. Each scenario is one SIPp "call" (all REGISTERs of the phone share one Call-ID) that walks
// through every REGISTER the phone sends and checks what matters in them (test/scenarios/registrar-*.xml);
// its exit code says whether the phone sent exactly those REGISTERs, with what the scenario demands.
// Timing is measured on SIPp's side, from the timestamps of its message trace, and cross-checked with
// the phone's own log (it logs every SIP message it sends and receives, and every registration state).
//
// Order of events in the scenarios that end registered: the test stops the phone (SIGTERM), the phone
// unregisters (Expires: 0), the scenario answers that and ends, SIPp exits 0. In the rejection scenarios
// SIPp's last step is a 5 s watch for an unwanted REGISTER, after which it exits by itself.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { runSipp, type SippResult, type SippRun } from '../harness/sipp.js';
import { startPhone, type PhoneStatus, type TestPhone } from '../harness/phone.js';
import { startKamailio } from '../harness/kamailio.js';
import { startDnsmasq } from '../harness/dnsmasq.js';
import { useWorkdir, type TestWorkdir } from '../harness/workdir.js';
import { sippTrace } from '../harness/sip-trace.js';

// ---- helpers (local to this file)

interface Registrar {
  readonly sipp: SippRun;
  /** SIPp's `<log>` lines (-trace_logs): what the scenario saw in each REGISTER. */
  logs(): string;
}

async function startRegistrar(w: TestWorkdir, scenarioFile: string, timeoutSec: number): Promise<Registrar> {
  const name = basename(scenarioFile, '.xml');
  const logFile = join(w.path, `sipp-${name}`, 'scenario.log'); // runSipp creates that folder before SIPp starts
  const sipp = await runSipp({
    workdir: w.path,
    scenarioFile,
    transport: 'tcp',
    timeoutSec,
    extraArgs: ['-trace_logs', '-log_file', logFile],
  });
  w.defer(() => sipp.process.stop());
  await sipp.waitListening();
  return {
    sipp,
    logs: () => {
      try {
        return readFileSync(logFile, 'utf8');
      } catch {
        return '';
      }
    },
  };
}

/** alice@127.0.0.1 with SIPp as proxy and registrar. Keep-alives are pushed out of the way: SIPp never pongs. */
async function startAlice(w: TestWorkdir, r: Registrar, registration: Record<string, number> = {}): Promise<TestPhone> {
  const phone = await startPhone({
    workdir: w.path,
    name: 'alice',
    user: 'alice',
    domain: '127.0.0.1',
    proxy: `sip:127.0.0.1:${r.sipp.localPort};transport=tcp`,
    password: 'secret',
    config: {
      account: { expires: 60 },
      registration: { retryMin: 1, retryMax: 4, ...registration },
      sip: { keepAliveInterval: 3600 },
      // The registrar scenarios answer REGISTER only: no presence publication or subscriptions here.
      presence: { publish: false },
      colleagues: { voicemail: { subscribe: false }, watchRegistrations: false },
    },
  });
  // Registered after SIPp's stop: cleanups run in reverse, so the phone is stopped first.
  w.defer(() => phone.stop());
  return phone;
}

function explain(r: Registrar, result: SippResult, phone: TestPhone): string {
  return `--- SIPp\n${result.log}\n--- scenario log\n${r.logs()}\n--- phone (tail)\n${phone.process.output().slice(-4000)}`;
}

async function sippFinished(r: Registrar, phone: TestPhone): Promise<SippResult> {
  const result = await r.sipp.result;
  assert.equal(result.exitCode, 0, `SIPp did not run its scenario to the end:\n${explain(r, result, phone)}`);
  return result;
}

/** Log timestamps: the phone writes ISO UTC; SIPp writes local "YYYY-MM-DD HH:MM:SS.micro" (only differences matter). */
function isoMs(stamp: string): number {
  return Date.parse(stamp);
}



interface PhoneEvent {
  at: number;
  text: string;
}

/** SIP messages the phone sent (`>>>`) or received (`<<<`), from its log. */
function phoneSip(phone: TestPhone, dir: '>>>' | '<<<'): PhoneEvent[] {
  const re = new RegExp(`^(\\S+Z) INFO\\s+\\[sip-flow\\] ${dir} [^\\n]*\\n([\\s\\S]*?)\\r?\\n\\r?\\n`, 'gm');
  return [...phone.process.output().matchAll(re)].map((m) => ({ at: isoMs(m[1]!), text: m[2]! }));
}

const registersSent = (phone: TestPhone): PhoneEvent[] => phoneSip(phone, '>>>').filter((e) => e.text.startsWith('REGISTER '));

interface StateChange {
  at: number;
  state: string;
  reason: string | undefined;
}

/** Every registration state the phone went through, from its log ("registration <state> (<reason>)"). */
function stateChanges(phone: TestPhone): StateChange[] {
  const re = /^(\S+Z) INFO\s+\[phone\] registration (\w+)(?: \((.*)\))?$/gm;
  return [...phone.process.output().matchAll(re)].map((m) => ({ at: isoMs(m[1]!), state: m[2]!, reason: m[3] }));
}

const describeStates = (changes: StateChange[]): string =>
  changes.map((c) => `${c.state}${c.reason !== undefined ? ` (${c.reason})` : ''}`).join(' -> ');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * After a rejection the phone must stay `failed` (reason unchanged) and send nothing more: the scenario's last
 * step is a 5 s pause after its final answer, in which any REGISTER is an unexpected message (SIPp exits 1).
 * Then, SIPp gone, the phone is stopped and its complete log must show just `registers` REGISTERs.
 */
async function assertGaveUp(t: { diagnostic(msg: string): void }, r: Registrar, phone: TestPhone, failed: PhoneStatus, registers: number): Promise<void> {
  const result = await sippFinished(r, phone);
  const trace = sippTrace(result.messages);
  const rejection = trace.filter((e) => e.dir === 'out').at(-1);
  assert.ok(rejection !== undefined, result.messages);
  t.diagnostic(`SIPp watched 5 s after its "${rejection.firstLine}": no REGISTER came`);
  assert.equal(trace.filter((e) => e.dir === 'in' && e.firstLine.startsWith('REGISTER ')).length, registers, result.messages);
  // Its flow is gone with SIPp: still failed, with the same reason (not "no connection to the proxy").
  const now = await phone.status();
  assert.equal(now.registration.state, 'failed');
  assert.equal(now.registration.reason, failed.registration.reason);
  await phone.stop();
  assert.equal(registersSent(phone).length, registers, 'REGISTERs in the phone log');
  const states = stateChanges(phone);
  assert.deepEqual(states.map((c) => c.state), ['registering', 'failed', 'unregistered'], describeStates(states));
}

// ---- the tests

const REGISTER_LINE = 'REGISTER sip:127.0.0.1 SIP/2.0';

void test('423 Interval Too Brief with Min-Expires 120: the phone asks again for 120 and is registered for 120 s', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'registrar-423');
  const r = await startRegistrar(w, 'registrar-423.xml', 20);
  const phone = await startAlice(w, r);
  const s = await phone.waitForState('registered', 10_000);
  assert.equal(s.registration.expires, 120);
  assert.equal(s.registration.reason, undefined);

  await phone.stop(); // un-REGISTER (Expires: 0): the scenario's last step
  const result = await sippFinished(r, phone);
  assert.deepEqual(sippTrace(result.messages).filter((e) => e.dir === 'in').map((e) => e.firstLine), [REGISTER_LINE, REGISTER_LINE, REGISTER_LINE]);
  const sent = registersSent(phone);
  assert.equal(sent.length, 3, sent.map((e) => e.text).join('\n\n'));
  assert.match(sent[0]!.text, /\r\nExpires: 60\r\n/);
  assert.match(sent[0]!.text, /\r\nContact: [^\r\n]*;expires=60[;\r]/);
  assert.match(sent[1]!.text, /\r\nExpires: 120\r\n/);
  assert.match(sent[1]!.text, /\r\nContact: [^\r\n]*;expires=120[;\r]/);
  assert.match(sent[2]!.text, /\r\nExpires: 0\r\n/);
  // The 423 is handled inside the stack: the user never sees a failure or a retry.
  const states = stateChanges(phone);
  assert.deepEqual(states.map((c) => c.state), ['registering', 'registered', 'unregistered'], describeStates(states));
  w.pass();
});

void test('401 with stale=true and a new nonce: the phone answers the new nonce and is registered', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'registrar-401-stale');
  const r = await startRegistrar(w, 'registrar-401-stale.xml', 20);
  const phone = await startAlice(w, r);
  const s = await phone.waitForState('registered', 10_000);
  assert.equal(s.registration.expires, 60);

  await phone.stop();
  await sippFinished(r, phone); // the scenario checked both digests (verifyauth against alice / secret)
  assert.match(r.logs(), /REGISTER 3: nonce="nonceB-91e2aa" digest valid: true/);
  const sent = registersSent(phone);
  assert.equal(sent.length, 4, sent.map((e) => e.text).join('\n\n'));
  assert.doesNotMatch(sent[0]!.text, /\r\nAuthorization:/);
  assert.match(sent[1]!.text, /\r\nAuthorization: Digest [^\r\n]*nonce="nonceA-7d3f0c"/);
  assert.match(sent[2]!.text, /\r\nAuthorization: Digest [^\r\n]*nonce="nonceB-91e2aa"/);
  assert.match(sent[2]!.text, /\r\nAuthorization: Digest [^\r\n]*nc=00000001/, 'a fresh nonce starts the nonce count again (RFC 7616 3.4)');
  const states = stateChanges(phone);
  assert.deepEqual(states.map((c) => c.state), ['registering', 'registered', 'unregistered'], describeStates(states));
  w.pass();
});

void test('401 again WITHOUT stale after our credentials: failed with reason 401, and no further REGISTER', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'registrar-401-nostale');
  const r = await startRegistrar(w, 'registrar-401-nostale.xml', 20);
  const phone = await startAlice(w, r);
  const s = await phone.waitForState('failed', 10_000);
  assert.match(s.registration.reason ?? '', /^401 Unauthorized/);

  await assertGaveUp(t, r, phone, s, 2);
  assert.match(r.logs(), /REGISTER 2: nonce="nonceA-5c01d9" digest valid: true/);
  assert.match(registersSent(phone)[1]!.text, /\r\nAuthorization: Digest [^\r\n]*nonce="nonceA-5c01d9"/);
  w.pass();
});

void test('503 with Retry-After: 3: registering with the reason, the next REGISTER 3 s later, then registered', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'registrar-503');
  const r = await startRegistrar(w, 'registrar-503.xml', 20);
  const phone = await startAlice(w, r);
  const waiting = await phone.waitForState('registering', 10_000, (x) => /503/.test(x.registration.reason ?? ''));
  assert.match(waiting.registration.reason!, /^503 Service Unavailable\b/);
  assert.match(waiting.registration.reason!, /retrying in 3 s/);
  await phone.waitForState('registered', 10_000);

  await phone.stop();
  const result = await sippFinished(r, phone);
  // SIPp's clock: from the 503 it sent to the next REGISTER it received.
  const trace = sippTrace(result.messages);
  const sent503 = trace.find((e) => e.dir === 'out' && e.firstLine.startsWith('SIP/2.0 503'));
  const registers = trace.filter((e) => e.dir === 'in' && e.firstLine.startsWith('REGISTER '));
  assert.ok(sent503 !== undefined && registers.length === 3, result.messages);
  const gap = (registers[1]!.at - sent503.at) / 1000;
  // The phone's clock: from the 503 it received to the REGISTER it sent next.
  const got503 = phoneSip(phone, '<<<').find((e) => e.text.startsWith('SIP/2.0 503'));
  assert.ok(got503 !== undefined);
  const phoneGap = (registersSent(phone)[1]!.at - got503.at) / 1000;
  t.diagnostic(`retry after the 503: ${gap.toFixed(3)} s (SIPp), ${phoneGap.toFixed(3)} s (phone log)`);
  // Never before the server's 3 s (slack only for timestamp rounding: SIPp logs its send just after the
  // phone may have read it), at most 0.5 s late.
  assert.ok(gap >= 2.95 && gap <= 3.5, `retry ${gap.toFixed(3)} s after the 503, want 3 s (+0.5)`);
  assert.ok(phoneGap >= 2.99 && phoneGap <= 3.5, `phone log: retry ${phoneGap.toFixed(3)} s after the 503, want 3 s (+0.5)`);

  const states = stateChanges(phone);
  assert.deepEqual(states.map((c) => c.state), ['registering', 'registering', 'registering', 'registered', 'unregistered'], describeStates(states));
  assert.equal(states[1]!.reason, waiting.registration.reason);
  w.pass();
});

void test('no answer at all: after Timer F (32 s) the server counts as failed and the next RFC 3263 target gets the REGISTER', { timeout: 90_000 }, async (t) => {
  const w = useWorkdir(t, 'registrar-silence');
  const r = await startRegistrar(w, 'registrar-silence.xml', 70);
  const k = await startKamailio({ workdir: join(w.path, 'pbx') });
  w.defer(() => k.stop());
  const dns = await startDnsmasq({
    workdir: join(w.path, 'dns'),
    records: {
      hosts: { 'silent.sipdesk.test': ['127.0.0.1'], 'pbx.sipdesk.test': ['127.0.0.1'] },
      srv: [
        { name: '_sip._tcp.sipdesk.test', target: 'silent.sipdesk.test', port: r.sipp.localPort, priority: 10, weight: 10 },
        { name: '_sip._tcp.sipdesk.test', target: 'pbx.sipdesk.test', port: k.port, priority: 20, weight: 10 },
      ],
    },
  });
  w.defer(() => dns.stop());
  const phone = await startPhone({
    workdir: w.path,
    name: 'alice',
    user: 'alice',
    domain: '127.0.0.1',
    proxy: 'sip:sipdesk.test;transport=tcp',
    config: { account: { expires: 60 }, sip: { keepAliveInterval: 3600, dnsServers: [dns.server] } },
  });
  w.defer(() => phone.stop());
  await phone.waitForState('registering', 10_000);
  await sleep(5000);
  const meanwhile = await phone.status();
  assert.equal(meanwhile.registration.state, 'registering', 'still trying while the REGISTER is unanswered');
  assert.equal(registersSent(phone).length, 1, 'no second REGISTER while the first is pending');
  assert.equal(k.countRequests('REGISTER'), 0);

  await phone.waitForState('registered', 45_000);
  assert.equal(k.countRequests('REGISTER'), 2, 'registered at the second target (challenge + answer)');
  const states = stateChanges(phone);
  const timeout = states.find((c) => /Request Timeout/.test(c.reason ?? ''));
  assert.ok(timeout !== undefined, describeStates(states));
  const registered = states.find((c) => c.state === 'registered')!;
  // JsSIP starts Timer F just before the REGISTER is written (and logged): the log can show a few ms less.
  const timerF = (timeout.at - registersSent(phone)[0]!.at) / 1000;
  const failover = (registered.at - timeout.at) / 1000;
  t.diagnostic(`Timer F fired ${timerF.toFixed(3)} s after the REGISTER; registered at the next target ${failover.toFixed(3)} s later`);
  assert.ok(timerF >= 31.5 && timerF <= 34, `Timer F after ${timerF.toFixed(3)} s, want 32 s`);
  assert.ok(failover < 5, `failover took ${failover.toFixed(3)} s`);
  assert.match(phone.process.output(), /flow down: REGISTER timed out/);
  const trace = sippTrace(r.sipp.messages());
  assert.equal(trace.filter((e) => e.dir === 'in' && e.firstLine.startsWith('REGISTER ')).length, 1, 'the silent server got one REGISTER');
  assert.equal(trace.filter((e) => e.dir === 'out').length, 0, 'and said nothing');
  w.pass();
});

for (const [code, phrase] of [[403, 'Forbidden'], [404, 'Not Found']] as const) {
  void test(`${code} ${phrase}: failed, the reason names ${code}, and no retry within 5 s`, { timeout: 60_000 }, async (t) => {
    const w = useWorkdir(t, `registrar-${code}`);
    const r = await startRegistrar(w, `registrar-${code}.xml`, 20);
    const phone = await startAlice(w, r);
    const s = await phone.waitForState('failed', 10_000);
    assert.match(s.registration.reason ?? '', new RegExp(`^${code} ${phrase}`));
    await assertGaveUp(t, r, phone, s, 1);
    w.pass();
  });
}

void test('a short grant (12 s) is refreshed before it runs out, with the same Contact', { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, 'registrar-refresh');
  const r = await startRegistrar(w, 'registrar-refresh.xml', 30);
  const phone = await startAlice(w, r);
  const s = await phone.waitForState('registered', 10_000);
  assert.equal(s.registration.expires, 12);
  // JsSIP refreshes 5 s before a short binding ends; wait for the refresh and its answer.
  await phone.process.waitFor(/CSeq: 2 REGISTER[\s\S]*?SIP\/2\.0 200 OK[\s\S]*?CSeq: 2 REGISTER/, 12_000);
  await phone.stop();
  const result = await sippFinished(r, phone);
  const trace = sippTrace(result.messages);
  const grant = trace.find((e) => e.dir === 'out' && e.firstLine.startsWith('SIP/2.0 200'))!;
  const refresh = trace.filter((e) => e.dir === 'in' && e.firstLine.startsWith('REGISTER '))[1]!;
  const after = (refresh.at - grant.at) / 1000;
  t.diagnostic(`refresh ${after.toFixed(2)} s after the 12 s grant`);
  assert.ok(after > 5 && after < 11, `refresh ${after} s after the grant: must come before the 12 s run out, not at once`);
  const states = stateChanges(phone);
  assert.deepEqual(states.map((c) => c.state), ['registering', 'registered', 'unregistered'], 'a refresh is invisible to the user');
  w.pass();
});
