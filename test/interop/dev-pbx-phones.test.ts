// Real sipdesk phones (the CLI, driven through its control API) on the simulator's dev PBX instead of
// Kamailio: three phones register over TCP with outbound and GRUU; alice sees bob's published presence and
// his busy lamp (the PBX's dialog event package, fed by the calls it proxies) while dave calls bob; alice and
// bob call each other; and alice picks up a call ringing at bob by Replaces, which only works if the PBX
// routes her INVITE to dave's GRUU over dave's own connection.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { startPhone, type TestPhone } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';
import { startDevPbx } from '../../sim/pbx/dev-pbx.js';
import type { ContactView } from '../../src/phone/colleagues.js';
import type { CallView } from '../../src/phone/call-control.js';

type Contacts = { contacts: ContactView[] };
type Calls = { calls: CallView[] };

test('sipdesk phones on the dev PBX: register with GRUU, presence and busy lamp of a colleague, calls both ways, pickup by Replaces', { timeout: 90_000 }, async (t) => {
  const w = useWorkdir(t, 'dev-pbx-phones');
  const logFile = join(w.path, 'dev-pbx.log');
  const sent: string[] = [];
  const pbx = await startDevPbx({
    users: ['alice', 'bob', 'dave'].map((user) => ({ user, password: 'secret' })),
    log: (line) => {
      appendFileSync(logFile, `${line}\n`);
      if (line.startsWith('>>> ')) sent.push(line);
    },
  });
  w.defer(() => pbx.stop());
  const proxy = `sip:${pbx.host}:${pbx.port};transport=tcp`;
  const BOB = `sip:bob@${pbx.domain}`;
  const base = { media: { codecs: ['PCMU'], mediaTimeout: 0 }, audio: { device: 'null' } };
  const start = async (user: string, extra: Record<string, unknown> = {}): Promise<TestPhone> => {
    const p = await startPhone({ workdir: w.path, name: user, user, domain: pbx.domain, proxy, config: { ...base, ...extra } });
    w.defer(() => p.stop());
    return p;
  };
  const [bob, dave] = await Promise.all([
    start('bob', { colleagues: { voicemail: { subscribe: false }, watchRegistrations: false } }),
    start('dave', { colleagues: { voicemail: { subscribe: false }, watchRegistrations: false } }),
  ]);
  // alice keeps the defaults for voicemail (message-summary subscription) and the reg event (refused: 489).
  const alice = await start('alice', { colleagues: { contacts: [{ name: 'Bob', uri: BOB, presence: true, blf: true }], pickup: { mode: 'replaces' } } });
  const regs = await Promise.all([alice, bob, dave].map((p) => p.waitForState('registered')));
  for (const s of regs) assert.match(s.registration.gruu ?? '', new RegExp(`^sip:\\w+@${pbx.domain.replace(/\./g, '\\.')};gr=urn:uuid:`), 'each phone got a public GRUU');
  const bindings = pbx.registrations();
  assert.deepEqual(bindings.map((r) => r.aor).sort(), ['alice', 'bob', 'dave'].map((u) => `sip:${u}@${pbx.domain}`));
  assert.ok(bindings.every((r) => r.contacts.length === 1 && r.contacts[0]!.instance?.startsWith('urn:uuid:')), JSON.stringify(bindings));

  const bobAsAliceSees = async (what: string, check: (c: ContactView) => boolean, ms = 10_000): Promise<ContactView> => {
    try {
      const body = await alice.waitForApi<Contacts>('/api/v1/contacts', (b) => b.contacts.some((c) => c.uri === BOB && check(c)), ms);
      return body.contacts.find((c) => c.uri === BOB)!;
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}`);
    }
  };
  const callsOf = (p: TestPhone, check: (b: Calls) => boolean, ms = 10_000): Promise<Calls> => p.waitForApi<Calls>('/api/v1/calls', check, ms);

  // Presence: bob's phone publishes, the PBX composes and notifies alice.
  const available = await bobAsAliceSees('bob available', (c) => c.presence?.state === 'available');
  assert.equal(available.presence?.canIm, false, "bob's phone publishes that it takes no IM");
  assert.equal(available.presenceWatch, 'active');
  assert.equal((await bob.api('PUT', '/api/v1/presence', { state: 'dnd' })).status, 200);
  await bobAsAliceSees('bob dnd', (c) => c.presence?.state === 'dnd');
  assert.equal((await bob.api('PUT', '/api/v1/presence', { state: null })).status, 200);
  await bobAsAliceSees('bob available again', (c) => c.presence?.state === 'available');
  const mwi = (await alice.api('GET', '/api/v1/voicemail')).body as { waiting: boolean };
  assert.equal(mwi.waiting, false, 'the dev PBX has no voicemail');

  // Busy lamp: dave calls bob — ringing (with the early dialog), busy when bob answers, idle after.
  const idle = await bobAsAliceSees('lamp idle', (c) => c.lampWatch === 'active');
  assert.equal(idle.lamp, 'idle');
  const first = (await dave.api('POST', '/api/v1/calls', { to: 'bob' })).body as { id: string };
  const ringing = await bobAsAliceSees('lamp ringing', (c) => c.lamp === 'ringing');
  assert.ok(ringing.ringing?.callId, 'the early dialog has its Call-ID');
  assert.match(ringing.ringing?.caller ?? '', /^sip:dave@/);
  const bobRinging = (await callsOf(bob, (b) => b.calls.some((c) => c.state === 'ringing'))).calls[0]!;
  assert.equal((await bob.api('POST', `/api/v1/calls/${bobRinging.id}/answer`)).status, 200);
  await callsOf(dave, (b) => b.calls[0]?.state === 'connected');
  await bobAsAliceSees('lamp busy', (c) => c.lamp === 'busy');
  await bobAsAliceSees('bob busy in a call', (c) => c.presence?.state === 'busy');
  await dave.api('POST', `/api/v1/calls/${first.id}/hangup`);
  await callsOf(bob, (b) => b.calls.length === 0);
  await bobAsAliceSees('lamp idle after the call', (c) => c.lamp === 'idle');

  // alice and bob call each other: in-dialog requests (ACK, BYE) cross the PBX over both phones' flows.
  const toBob = (await alice.api('POST', '/api/v1/calls', { to: 'bob' })).body as { id: string };
  const incoming = (await callsOf(bob, (b) => b.calls.some((c) => c.state === 'ringing'))).calls[0]!;
  assert.match(incoming.remote.uri, /^sip:alice@/);
  assert.equal((await bob.api('POST', `/api/v1/calls/${incoming.id}/answer`)).status, 200);
  await callsOf(alice, (b) => b.calls.some((c) => c.id === toBob.id && c.state === 'connected'));
  assert.equal((await bob.api('POST', `/api/v1/calls/${incoming.id}/hangup`)).status, 200, 'bob ends it: a BYE towards alice');
  await callsOf(alice, (b) => b.calls.length === 0);
  const toAlice = (await bob.api('POST', '/api/v1/calls', { to: 'alice' })).body as { id: string };
  const aliceRinging = (await callsOf(alice, (b) => b.calls.some((c) => c.state === 'ringing'))).calls[0]!;
  assert.equal((await alice.api('POST', `/api/v1/calls/${aliceRinging.id}/answer`)).status, 200);
  await callsOf(bob, (b) => b.calls.some((c) => c.id === toAlice.id && c.state === 'connected'));
  assert.equal((await alice.api('POST', `/api/v1/calls/${aliceRinging.id}/hangup`)).status, 200);
  await callsOf(bob, (b) => b.calls.length === 0);

  // Directed pickup by Replaces: dave calls bob; alice takes the ringing call from dave's GRUU.
  await dave.api('POST', '/api/v1/calls', { to: 'bob' });
  await bobAsAliceSees('ringing again', (c) => c.lamp === 'ringing' && c.ringing !== undefined);
  const pickup = await alice.api('POST', '/api/v1/contacts/pickup', { uri: BOB });
  assert.equal(pickup.status, 201, JSON.stringify(pickup.body));
  const picked = (pickup.body as { id: string }).id;
  await callsOf(alice, (b) => b.calls.some((c) => c.id === picked && c.state === 'connected'));
  const daveCalls = await callsOf(dave, (b) => b.calls.length === 1 && b.calls[0]!.state === 'connected');
  assert.match(daveCalls.calls[0]!.remote.uri, /alice/, 'dave now talks to alice');
  await callsOf(bob, (b) => b.calls.length === 0);

  // What the PBX said on the way (its own log of every message it sent).
  assert.ok(sent.some((m) => /^NOTIFY /m.test(m) && /\r\nEvent: message-summary/.test(m) && /Messages-Waiting: no/.test(m)), 'message-summary NOTIFY to alice');
  assert.ok(sent.some((m) => /^SIP\/2\.0 489 /m.test(m) && /CSeq: \d+ SUBSCRIBE/.test(m)), 'the reg event is refused with 489');
  const replacing = sent.find((m) => /^INVITE /m.test(m) && /\r\nReplaces: /i.test(m));
  assert.ok(replacing !== undefined, "alice's INVITE with Replaces was proxied");
  assert.match(replacing, /^>>> TCP to /, 'over TCP, to the connection dave registered on');
  assert.ok(sent.some((m) => /^NOTIFY /m.test(m) && /<state>early<\/state>/.test(m) && /direction="recipient"/.test(m)), 'dialog-info with an early dialog');
  w.pass();
});
