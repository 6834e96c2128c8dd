// The busy-lamp field from a real PBX's view of a line: Kamailio tracks the calls it proxies (dialog module)
// and publishes their state as dialog-info (pua_dialoginfo) to its presence server, which notifies alice's
// phone (a watcher of bob's line). The lamp follows a real call to bob — idle, ringing (with the early
// dialog to pick up), busy once answered, idle after — and alice picks up a ringing call by Replaces: an
// INVITE to the caller that replaces the caller's early dialog (RFC 3891), so the caller talks to alice and
// bob's phone stops ringing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startPhone, type TestPhone } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';
import type { ContactView } from '../../src/phone/colleagues.js';
import type { CallView } from '../../src/phone/call-control.js';

type Contacts = { contacts: ContactView[] };
type Calls = { calls: CallView[] };

test('busy lamp from Kamailio dialog state follows a real call; directed pickup by Replaces takes a ringing call', async (t) => {
  const w = useWorkdir(t, 'blf-pbx');
  const k = await startKamailio({ workdir: w.path, dialogInfo: true });
  w.defer(() => k.stop());
  const proxy = `sip:${k.ip}:${k.port};transport=tcp`;
  const quiet = { media: { codecs: ['PCMU'], mediaTimeout: 0 }, audio: { device: 'null' }, colleagues: { voicemail: { subscribe: false }, watchRegistrations: false } };
  const start = async (user: string, extra: Record<string, unknown> = {}): Promise<TestPhone> => {
    const p = await startPhone({ workdir: w.path, name: user, user, domain: k.domain, proxy, config: { ...quiet, ...extra } });
    w.defer(() => p.stop());
    await p.waitForState('registered');
    return p;
  };
  const bob = await start('bob');
  const dave = await start('dave');
  const BOB = `sip:bob@${k.domain}`;
  const alice = await start('alice', {
    colleagues: { ...quiet.colleagues, contacts: [{ name: 'Bob', uri: BOB, blf: true, presence: false }], pickup: { mode: 'replaces' } },
  });
  const lamp = async (what: string, check: (c: ContactView) => boolean, ms = 8000): Promise<ContactView> => {
    try {
      const body = await alice.waitForApi<Contacts>('/api/v1/contacts', (b) => b.contacts.some((c) => c.uri === BOB && check(c)), ms);
      return body.contacts.find((c) => c.uri === BOB)!;
    } catch (err) {
      throw new Error(`${what}: ${(err as Error).message}\n--- alice (tail)\n${alice.process.output().slice(-4000)}`);
    }
  };
  const calls = async (p: TestPhone): Promise<CallView[]> => ((await p.api('GET', '/api/v1/calls')).body as Calls).calls;

  const idle = await lamp('idle at first', (c) => c.lampWatch === 'active');
  assert.equal(idle.lamp, 'idle');

  // A real call to bob: ringing, then busy when he answers, idle when it ends.
  const first = (await dave.api('POST', '/api/v1/calls', { to: 'bob' })).body as { id: string };
  const ringing = await lamp('ringing', (c) => c.lamp === 'ringing');
  t.diagnostic(`ringing dialog as the PBX reported it: ${JSON.stringify(ringing.ringing)}`);
  assert.ok(ringing.ringing?.callId, 'the early dialog has its Call-ID');
  const bobCall = (await bob.waitForApi<Calls>('/api/v1/calls', (b) => b.calls.some((c) => c.state === 'ringing'))).calls[0]!;
  assert.equal((await bob.api('POST', `/api/v1/calls/${bobCall.id}/answer`)).status, 200);
  await lamp('busy once answered', (c) => c.lamp === 'busy');
  await dave.api('POST', `/api/v1/calls/${first.id}/hangup`);
  await lamp('idle after the call', (c) => c.lamp === 'idle');

  // Directed pickup: dave calls bob again; alice picks the ringing call up.
  await dave.api('POST', '/api/v1/calls', { to: 'bob' });
  const again = await lamp('ringing again', (c) => c.lamp === 'ringing' && c.ringing !== undefined);
  const pickup = await alice.api('POST', '/api/v1/contacts/pickup', { uri: BOB });
  assert.equal(pickup.status, 201, JSON.stringify(pickup.body));
  const pickedId = (pickup.body as { id: string }).id;
  await alice.waitForApi<Calls>('/api/v1/calls', (b) => b.calls.some((c) => c.id === pickedId && c.state === 'connected'), 8000);
  const daveCalls = await dave.waitForApi<Calls>('/api/v1/calls', (b) => b.calls.length === 1 && b.calls[0]!.state === 'connected', 8000);
  assert.match(daveCalls.calls[0]!.remote.uri, /alice/, 'dave now talks to alice');
  await bob.waitForApi<Calls>('/api/v1/calls', (b) => b.calls.length === 0, 8000);
  t.diagnostic(`picked up ${again.ringing?.callId} from ${again.ringing?.caller}`);
  assert.deepEqual((await calls(bob)).length, 0, 'bob no longer rings');
  w.pass();
});
