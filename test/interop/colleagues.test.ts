// Colleagues end to end, with the real CLI phone alice: the buddy list shows another sipdesk phone's
// published presence (available without IM, DND, busy in a call) through Kamailio's presence server; a busy
// lamp follows a SIPp dialog-event notifier (idle, ringing with the call to pick up, busy, a malformed NOTIFY
// refused with 400 and ignored, idle again) and a pickup dials the PBX's code; message waiting comes from a
// SIPp message-summary notifier and from an unsolicited NOTIFY, and the voicemail key dials its number; a
// reg-event notifier tells a phone about its user's other devices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startBaresip } from '../harness/baresip.js';
import { startPhone, type TestPhone } from '../harness/phone.js';
import { runSipp, type SippRun } from '../harness/sipp.js';
import { freePort } from '../harness/ports.js';
import { subtests, useWorkdir } from '../harness/workdir.js';
import { boundUdpPorts } from '../harness/sip-trace.js';
import type { ContactView, MessageWaiting, OtherDeviceView } from '../../src/phone/colleagues.js';

const ALICE_INSTANCE = '3c1d9e0a-5b7f-4e21-8a6d-0f2b4c6e8a01';
const ERIN_INSTANCE = '3c1d9e0a-5b7f-4e21-8a6d-0f2b4c6e8a05';
const ERIN_OTHER_DEVICE = '9f8e7d6c-5b4a-4321-8fed-cba987654321';

type Contacts = { contacts: ContactView[] };
type Voicemail = MessageWaiting & { number?: string };


const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A SIPp notifier (UAS on UDP) that has bound its port, so the phone's SUBSCRIBE is not lost. */
async function notifier(w: ReturnType<typeof useWorkdir>, name: string, scenarioFile: string, localPort: number, service: string, keys: Record<string, string> = {}): Promise<SippRun> {
  const run = await runSipp({ workdir: w.path, name, scenarioFile, transport: 'udp', localPort, service, timeoutSec: 40, keys });
  w.defer(() => run.process.stop());
  for (const end = Date.now() + 5000; !boundUdpPorts().has(localPort);) {
    if (!run.process.running || Date.now() > end) throw new Error(`SIPp ${name} is not listening on ${localPort}:\n${run.process.output()}`);
    await sleep(20);
  }
  return run;
}

async function finished(run: SippRun, phone: TestPhone): Promise<void> {
  const result = await run.result;
  assert.equal(result.exitCode, 0, `SIPp ${run.dir} did not run its scenario to the end:\n${result.log}\n--- phone (tail)\n${phone.process.output().slice(-4000)}`);
}

/** Waits until `check` holds for what SIPp has received (its message trace). */
async function sippSaw(run: SippRun, what: string, check: RegExp, ms = 8000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(30)) {
    if (check.test(run.messages())) return;
  }
  throw new Error(`SIPp ${run.dir} never saw ${what}:\n${run.messages().slice(-3000)}`);
}

/** The Request-URIs of the INVITEs the phone sent (its SIP trace). */
function sentInvites(phone: TestPhone): string[] {
  return [...phone.process.output().matchAll(/\[sip-flow\] >>> [^\n]*\n\s*INVITE (\S+) SIP\/2\.0/g)].map((m) => m[1]!);
}

async function waitForInvite(phone: TestPhone, uriPrefix: string, ms = 5000): Promise<string> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(30)) {
    const found = sentInvites(phone).find((u) => u.startsWith(uriPrefix));
    if (found !== undefined) return found;
  }
  throw new Error(`${uriPrefix}… never dialed; INVITEs sent: ${JSON.stringify(sentInvites(phone))}\n${phone.process.output().slice(-3000)}`);
}

test('buddy list presence, busy lamp with pickup, message waiting and other devices against Kamailio and SIPp', async (t) => {
  const w = useWorkdir(t, 'colleagues');
  const k = await startKamailio({ workdir: w.path, users: ['erin'] });
  w.defer(() => k.stop());
  const proxy = `sip:${k.ip}:${k.port};transport=tcp`;
  const carol = await startBaresip({ workdir: w.path, user: 'carol', registrar: `${k.ip}:${k.port}`, accountParams: ';answermode=auto;audio_codecs=PCMU' });
  w.defer(() => carol.stop());

  // bob: another sipdesk phone, publishing its own presence; it watches nobody.
  const bob = await startPhone({
    workdir: w.path, name: 'bob', user: 'bob', domain: k.domain, proxy,
    config: { media: { codecs: ['PCMU'] }, audio: { device: 'null' }, colleagues: { voicemail: { subscribe: false }, watchRegistrations: false } },
  });
  w.defer(() => bob.stop());
  await bob.waitForState('registered');

  // The notifiers are listening before alice registers: she subscribes as soon as she is.
  const blfPort = await freePort();
  const mwiPort = await freePort();
  const blf = await notifier(w, 'blf', 'colleague-blf-notifier.xml', blfPort, 'dave');
  const mwi = await notifier(w, 'mwi', 'colleague-mwi-notifier.xml', mwiPort, 'vm');
  const BOB = `sip:bob@${k.domain}`;
  // Not one of Kamailio's own addresses: the proxy routes the SUBSCRIBE by host:port to the SIPp notifier.
  const DAVE = `sip:dave@127.0.0.1:${blfPort}`;
  const alice = await startPhone({
    workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy, instanceId: ALICE_INSTANCE,
    config: {
      media: { codecs: ['PCMU'], mediaTimeout: 0 },
      audio: { device: 'null' },
      colleagues: {
        contacts: [
          { name: 'Bob', uri: BOB },
          { name: 'Dave', uri: DAVE, blf: true, presence: false },
        ],
        voicemail: { number: '*97', uri: `sip:vm@127.0.0.1:${mwiPort}` },
        pickup: { mode: 'code', code: '**' },
        // Her own AOR would route back to alice herself: the reg event is tested with erin below.
        watchRegistrations: false,
      },
    },
  });
  w.defer(() => alice.stop());
  await alice.waitForState('registered');

  const contact = async (uri: string, check: (c: ContactView) => boolean, ms = 8000): Promise<ContactView> => {
    const body = await alice.waitForApi<Contacts>('/api/v1/contacts', (b) => b.contacts.some((c) => c.uri === uri && check(c)), ms);
    return body.contacts.find((c) => c.uri === uri)!;
  };
  // A failed step keeps the logs.
  const steps = subtests(t);
  const step = steps.step;
  const now = async (uri: string): Promise<ContactView> => ((await alice.api('GET', '/api/v1/contacts')).body as Contacts).contacts.find((c) => c.uri === uri)!;

  // The scenario's clock started with alice's SUBSCRIBE: the lamp comes first.
  await step('busy lamp: idle, ringing with the call to pick up, busy, a malformed NOTIFY refused, idle', async () => {
    const idle = await contact(DAVE, (c) => c.lampWatch === 'active');
    assert.equal(idle.lamp, 'idle');
    assert.equal(idle.presence, undefined, 'presence not watched for dave');
    assert.equal((await alice.api('POST', '/api/v1/contacts/pickup', { uri: DAVE })).status, 409, 'nothing rings yet');

    const ringing = await contact(DAVE, (c) => c.lamp === 'ringing');
    assert.deepEqual(ringing.ringing, {
      callId: 'ring-1@pbx.example.net', localTag: 'dave-tag-1', remoteTag: 'erin-tag-1', caller: 'sip:erin@example.net', callerTarget: 'sip:erin@192.0.2.9:5060',
    });
    // Directed pickup by code: alice dials **dave (the PBX here has no such code and refuses the call).
    const pickup = await alice.api('POST', '/api/v1/contacts/pickup', { uri: DAVE });
    assert.equal(pickup.status, 201, JSON.stringify(pickup.body));
    assert.equal(typeof (pickup.body as { id: unknown }).id, 'string');
    assert.match(await waitForInvite(alice, 'sip:**dave@'), /^sip:\*\*dave@127\.0\.0\.1(;|$)/);
    assert.equal((await alice.api('POST', '/api/v1/contacts/pickup', { uri: 'sip:nobody@127.0.0.1' })).status, 404);
    assert.equal((await alice.api('POST', '/api/v1/contacts/pickup', { uri: 42 })).status, 400);

    const busy = await contact(DAVE, (c) => c.lamp === 'busy');
    assert.equal(busy.ringing, undefined, 'an answered call offers no pickup');
    const status = (await alice.api('GET', '/api/v1/status')).body as { lamps?: { uri: string; lamp: string }[] };
    assert.equal(status.lamps?.find((l) => l.uri === DAVE)?.lamp, 'busy', 'the status shows the lamp too');
    assert.equal((await alice.api('POST', '/api/v1/contacts/pickup', { uri: DAVE })).status, 409, 'nothing to pick up while busy');
    const bobBefore = (await now(BOB)).presence;

    // The malformed document is refused (SIPp's scenario expects the 400) and changes nothing, anywhere.
    await sippSaw(blf, 'the 400 for the malformed NOTIFY', /SIP\/2\.0 400 Bad Body/);
    const after = await now(DAVE);
    assert.equal(after.lamp, 'busy', 'the lamp is as it was');
    assert.equal(after.lampWatch, 'active', 'the subscription lives on');
    assert.deepEqual((await now(BOB)).presence, bobBefore, "bob's presence is not disturbed");

    // The call ends: version 3 again, which only works if the refused document did not count as version 3.
    const ended = await contact(DAVE, (c) => c.lamp === 'idle');
    assert.equal(ended.lampWatch, 'active');
    await finished(blf, alice);
  });

  await step('buddy list: bob available without IM, then DND, then busy in a call', async () => {
    const available = await contact(BOB, (c) => c.presence?.state === 'available');
    assert.equal(available.presence?.canIm, false, "bob's phone publishes that it takes no IM");
    assert.equal(available.presenceWatch, 'active');
    assert.equal(available.lamp, undefined, 'no lamp for a contact without blf');

    assert.equal((await bob.api('PUT', '/api/v1/presence', { state: 'dnd' })).status, 200);
    await contact(BOB, (c) => c.presence?.state === 'dnd');
    assert.equal((await bob.api('PUT', '/api/v1/presence', { state: null })).status, 200);
    await contact(BOB, (c) => c.presence?.state === 'available');

    const call = await bob.api('POST', '/api/v1/calls', { to: 'carol' });
    assert.equal(call.status, 201, JSON.stringify(call.body));
    await bob.waitForApi<{ calls: { state: string }[] }>('/api/v1/calls', (b) => b.calls.some((c) => c.state === 'connected'));
    await contact(BOB, (c) => c.presence?.state === 'busy');
    await bob.api('POST', `/api/v1/calls/${(call.body as { id: string }).id}/hangup`);
    await contact(BOB, (c) => c.presence?.state === 'available');
  });

  await step('message waiting from a subscription and from an unsolicited NOTIFY; the voicemail key dials its number', async () => {
    const subscribed = await alice.waitForApi<Voicemail>('/api/v1/voicemail', (b) => b.waiting);
    assert.deepEqual(subscribed, { waiting: true, newMessages: 2, oldMessages: 5, urgentNew: 1, number: '*97' });
    const status = (await alice.api('GET', '/api/v1/status')).body as { messages?: unknown };
    assert.deepEqual(status.messages, { waiting: true, newMessages: 2, oldMessages: 5, urgentNew: 1 }, 'and so does the status');
    await finished(mwi, alice);

    const unsolicited = await runSipp({ workdir: w.path, name: 'mwi-unsolicited', scenarioFile: 'colleague-mwi-unsolicited.xml', transport: 'udp', remote: `${k.ip}:${k.port}`, service: 'alice', timeoutSec: 15 });
    w.defer(() => unsolicited.process.stop());
    await finished(unsolicited, alice);
    await alice.waitForApi<Voicemail>('/api/v1/voicemail', (b) => b.newMessages === 3 && b.oldMessages === 6 && b.urgentNew === 0 && b.waiting);

    const call = await alice.api('POST', '/api/v1/voicemail/call');
    assert.equal(call.status, 201, JSON.stringify(call.body));
    assert.match(await waitForInvite(alice, 'sip:*97@'), /^sip:\*97@127\.0\.0\.1(;|$)/);
  });

  await step('other devices from the reg event of the own AOR, without this phone itself', async () => {
    // The reg event is asked of the phone's own AOR. Kamailio would route sip:alice@127.0.0.1 to alice
    // herself, so erin's AOR names the notifier's host:port (as a real AOR names the registrar's domain),
    // while she registers through Kamailio.
    const regPort = await freePort();
    const reg = await notifier(w, 'reg', 'colleague-reg-notifier.xml', regPort, 'erin', { own_instance: ERIN_INSTANCE, other_instance: ERIN_OTHER_DEVICE });
    const erin = await startPhone({
      workdir: w.path, name: 'erin', user: 'erin', domain: `127.0.0.1:${regPort}`, proxy, instanceId: ERIN_INSTANCE,
      config: {
        account: { registrar: `sip:${k.ip}:${k.port}` },
        audio: { device: 'null' },
        presence: { publish: false },
        colleagues: { voicemail: { subscribe: false } },
      },
    });
    w.defer(() => erin.stop());
    await erin.waitForState('registered');
    const devices = await erin.waitForApi<{ otherDevices: OtherDeviceView[] }>('/api/v1/devices', (b) => b.otherDevices.length > 0);
    assert.deepEqual(devices.otherDevices, [{ uri: 'sip:erin@192.0.2.7:5060', instance: `urn:uuid:${ERIN_OTHER_DEVICE}`, expires: 1800 }]);
    await finished(reg, erin);
    // alice watches no registrations: she has nothing to show.
    assert.deepEqual((await alice.api('GET', '/api/v1/devices')).body, { otherDevices: [] });
  });
  if (steps.allPassed) w.pass();
});
