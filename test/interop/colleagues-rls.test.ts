// The buddy list through ONE subscription to a resource list (RFC 4662) on a real resource list server:
// Kamailio's rls module serves alice's list sip:alice-buddies@127.0.0.1 (bob and carol), subscribes to each of
// them at its own presence server and sends alice multipart/related NOTIFYs (RLMI + one PIDF per member).
// bob and carol are sipdesk phones publishing their presence; alice's contacts show both, then carol's DND,
// then bob busy in a call with carol -- all from that single list subscription.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startPhone, type TestPhone } from '../harness/phone.js';
import { phoneSentSince, sipBody, sipHeader } from '../harness/sip-trace.js';
import { subtests, useWorkdir } from '../harness/workdir.js';
import type { ContactView } from '../../src/phone/colleagues.js';

type Contacts = { contacts: ContactView[] };

/** The SIP messages the phone received, from its log: a `[sip-flow] <<< …` line followed by the message. */
function phoneReceived(phone: TestPhone): string[] {
  const re = /^\S+Z INFO\s+\[sip-flow\] <<< [^\n]*\n([\s\S]*?)(?=^\d{4}-\d\d-\d\dT\S+Z [A-Z]+\s|(?![\s\S]))/gm;
  return [...phone.process.output().matchAll(re)].map((m) => m[1]!.trim());
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const isRequest = (method: string) => (text: string): boolean => text.startsWith(`${method} `);

test('buddy list from one RFC 4662 subscription to a Kamailio rls resource list', async (t) => {
  const w = useWorkdir(t, 'colleagues-rls');
  const domain = '127.0.0.1';
  const LIST = `sip:alice-buddies@${domain}`;
  const BOB = `sip:bob@${domain}`;
  const CAROL = `sip:carol@${domain}`;
  const k = await startKamailio({ workdir: w.path, resourceLists: [{ owner: 'alice', uri: LIST, members: [BOB, CAROL] }] });
  w.defer(() => k.stop());
  const proxy = `sip:${k.ip}:${k.port};transport=tcp`;

  // bob and carol: sipdesk phones publishing their own presence; they watch nobody.
  const publisher = (user: string): Promise<TestPhone> => startPhone({
    workdir: w.path, name: user, user, domain: k.domain, proxy,
    config: { media: { codecs: ['PCMU'] }, audio: { device: 'null' }, colleagues: { voicemail: { subscribe: false }, watchRegistrations: false } },
  });
  const bob = await publisher('bob');
  w.defer(() => bob.stop());
  const carol = await publisher('carol');
  w.defer(() => carol.stop());
  await bob.waitForState('registered');
  await carol.waitForState('registered');

  const alice = await startPhone({
    workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy,
    config: {
      media: { codecs: ['PCMU'] },
      audio: { device: 'null' },
      presence: { publish: false },
      colleagues: {
        contacts: [{ name: 'Bob', uri: BOB }, { name: 'Carol', uri: CAROL }],
        presenceList: LIST,
        voicemail: { subscribe: false },
        watchRegistrations: false,
      },
    },
  });
  w.defer(() => alice.stop());
  await alice.waitForState('registered');

  const contacts = (check: (c: Contacts) => boolean, ms = 15000): Promise<Contacts> => alice.waitForApi<Contacts>('/api/v1/contacts', check, ms);
  const stateOf = (body: Contacts, uri: string): string | undefined => body.contacts.find((c) => c.uri === uri)?.presence?.state;

  // A failed step keeps the logs.
  const steps = subtests(t);
  const step = steps.step;

  await step('both members available, from the list subscription', async () => {
    const body = await contacts((b) => stateOf(b, BOB) === 'available' && stateOf(b, CAROL) === 'available');
    for (const uri of [BOB, CAROL]) {
      assert.equal(body.contacts.find((c) => c.uri === uri)?.presenceWatch, 'active', `${uri}: watched through the active list`);
    }
  });

  await step('carol sets DND: alice sees dnd, bob stays available', async () => {
    assert.equal((await carol.api('PUT', '/api/v1/presence', { state: 'dnd' })).status, 200);
    const body = await contacts((b) => stateOf(b, CAROL) === 'dnd');
    assert.equal(stateOf(body, BOB), 'available');
  });

  await step('bob calls carol: alice sees bob busy; after the call, available again', async () => {
    // carol is on DND: she must still take this call to make bob busy, so she lifts DND first.
    assert.equal((await carol.api('PUT', '/api/v1/presence', { state: null })).status, 200);
    await contacts((b) => stateOf(b, CAROL) === 'available');
    const call = await bob.api('POST', '/api/v1/calls', { to: 'carol' });
    assert.equal(call.status, 201, JSON.stringify(call.body));
    const callId = (call.body as { id: string }).id;
    const incoming = await carol.waitForApi<{ calls: { id: string; state: string }[] }>('/api/v1/calls', (b) => b.calls.some((c) => c.state === 'ringing'));
    const ringing = incoming.calls.find((c) => c.state === 'ringing')!;
    assert.equal((await carol.api('POST', `/api/v1/calls/${ringing.id}/answer`)).status, 200);
    await bob.waitForApi<{ calls: { state: string }[] }>('/api/v1/calls', (b) => b.calls.some((c) => c.state === 'connected'));
    await contacts((b) => stateOf(b, BOB) === 'busy');
    await bob.api('POST', `/api/v1/calls/${callId}/hangup`);
    await contacts((b) => stateOf(b, BOB) === 'available');
  });

  await step('all of it through one SUBSCRIBE with Supported: eventlist and multipart/related RLMI NOTIFYs', () => {
    const presenceSubscribes = phoneSentSince(alice).filter(isRequest('SUBSCRIBE')).filter((m) => /^presence\b/i.test(sipHeader(m, 'Event') ?? ''));
    // One subscription = one dialog: the 407-challenged first try and its retry with credentials share a
    // Call-ID (and a refresh would too).
    const dialogs = new Set(presenceSubscribes.map((m) => sipHeader(m, 'Call-ID')));
    assert.equal(dialogs.size, 1, `exactly one presence subscription:\n${presenceSubscribes.join('\n----\n')}`);
    const subscribe = presenceSubscribes.at(-1)!;
    assert.match(subscribe.split(/\r?\n/)[0]!, new RegExp(`^SUBSCRIBE ${escapeRegExp(LIST)}[;\\s]`));
    assert.match(sipHeader(subscribe, 'Supported') ?? '', /\beventlist\b/);
    assert.ok(presenceSubscribes.every((m) => !/^SUBSCRIBE sip:(bob|carol)@/.test(m)), 'no subscription to a member on its own');

    const notifies = phoneReceived(alice).filter(isRequest('NOTIFY')).filter((m) => /^presence\b/i.test(sipHeader(m, 'Event') ?? ''));
    assert.ok(notifies.length >= 4, `a NOTIFY per change (initial, DND, busy, available): got ${notifies.length}`);
    for (const n of notifies) {
      assert.match(sipHeader(n, 'Content-Type') ?? '', /^multipart\/related;.*type="?application\/rlmi\+xml"?/i);
    }
    // The first NOTIFY is rls's full state before its back-end subscriptions answered (resources without
    // instances); once they did, one NOTIFY carries an active instance and a PIDF part for each member.
    assert.match(sipBody(notifies[0]!), /<list [^>]*uri="sip:alice-buddies@127\.0\.0\.1"[^>]*fullState="true"/);
    const activeIn = (n: string, uri: string): boolean => new RegExp(`<resource uri="${escapeRegExp(uri)}"[^>]*>\\s*<instance [^>]*state="active"`).test(sipBody(n));
    const withBoth = notifies.find((n) => activeIn(n, BOB) && activeIn(n, CAROL));
    assert.ok(withBoth !== undefined, 'a NOTIFY with both members active in its RLMI');
    const body = sipBody(withBoth);
    assert.match(body, /<list [^>]*uri="sip:alice-buddies@127\.0\.0\.1"/);
    assert.equal(body.match(/^Content-Type: application\/pidf\+xml/gim)?.length, 2, 'one PIDF part per member');
    t.diagnostic(`RLMI NOTIFY from Kamailio rls:\n${withBoth}`);
    // rls took the subscription (RFC 4662 §5.1: its 2xx carries Require: eventlist) and subscribed to each
    // member itself, on alice's behalf, at the presence server.
    const accepted = phoneReceived(alice).find((m) => /^SIP\/2\.0 200/.test(m) && / SUBSCRIBE$/.test(sipHeader(m, 'CSeq') ?? '') && dialogs.has(sipHeader(m, 'Call-ID')));
    assert.ok(accepted !== undefined, 'the list SUBSCRIBE was answered 200');
    assert.match(sipHeader(accepted, 'Require') ?? '', /\beventlist\b/);
    for (const member of [BOB, CAROL]) {
      assert.match(k.log(), new RegExp(`REQ SUBSCRIBE ${escapeRegExp(member)} from sip:alice@127\\.0\\.0\\.1 `), `rls subscribed to ${member}`);
    }
  });
  if (steps.allPassed) w.pass();
});
