// The phone as a presence source, end to end: the real CLI phone publishes through Kamailio's presence
// server and a colleague's watcher reads each state — capabilities (audio yes, IM no) on the GRUU tuple with
// the phone's device id, busy in a call, DND set by hand (and call DND with it), back to available, and the
// publication removed at sign-out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startBaresip } from '../harness/baresip.js';
import { startPhone } from '../harness/phone.js';
import { startSipClient, waitNoPublication, watchPresence } from '../harness/sip-client.js';
import { useWorkdir } from '../harness/workdir.js';
import { parsePidf, summarizePresence, type PresenceSummary } from '../../src/sip/bodies/pidf.js';

const ALICE_INSTANCE = '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e21';

function summary(body: string): PresenceSummary | undefined {
  const doc = parsePidf(body);
  return doc.ok ? summarizePresence(doc.value) : undefined;
}

test('the phone publishes its presence with its capabilities and follows calls, DND and idleness; a watcher sees each state', async (t) => {
  const w = useWorkdir(t, 'presence-phone');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const carol = await startBaresip({ workdir: w.path, user: 'carol', registrar: `${k.ip}:${k.port}`, accountParams: ';answermode=auto;audio_codecs=PCMU' });
  w.defer(() => carol.stop());
  const alice = await startPhone({
    workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp`,
    instanceId: ALICE_INSTANCE, config: { media: { codecs: ['PCMU'] }, presence: { note: 'At my desk', awayAfterMin: 1 } },
  });
  w.defer(() => alice.stop());
  const reg = await alice.waitForState('registered');
  const bob = await startSipClient('bob', k, '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e22');
  w.defer(() => bob.stop(1000));
  const watch = watchPresence(bob, `sip:alice@${k.domain}`);
  w.defer(() => watch.close());

  // Available, with the device's capabilities: a colleague's client sees it can call but not IM.
  const first = await watch.waitFor('available', (b) => summary(b)?.state === 'available');
  const s1 = summary(first)!;
  assert.equal(s1.canIm, false, 'IM capability published as false');
  assert.equal(s1.canAudio, true);
  assert.equal(s1.note, 'At my desk');
  const doc = parsePidf(first);
  assert.ok(doc.ok);
  const tuple = doc.value.tuples.find((tu) => tu.deviceId !== undefined);
  assert.equal(tuple?.deviceId?.toLowerCase(), `urn:uuid:${ALICE_INSTANCE}`);
  assert.equal(tuple?.contact, reg.registration.gruu, 'the tuple names the GRUU');
  assert.deepEqual(tuple?.caps, { audio: true, video: false, text: false, message: false });
  // For the record (the issue asks for one of each in the closing note): what went out and what came back.
  const published = /^PUBLISH sip:[\s\S]*?\r?\n\r?\n(<\?xml[\s\S]*?<\/presence>)/m.exec(alice.process.output())?.[1];
  assert.ok(published, 'the PUBLISH is in the phone trace');
  t.diagnostic(`PUBLISH body sent by the phone:\n${published}`);
  t.diagnostic(`NOTIFY body the watcher received:\n${first}`);

  // In a call → busy (on-the-phone); after it → available again.
  const { id } = (await alice.api('POST', '/api/v1/calls', { to: 'carol' })).body as { id: string };
  await watch.waitFor('busy in a call', (b) => summary(b)?.state === 'busy' && b.includes('on-the-phone'));
  await alice.api('POST', `/api/v1/calls/${id}/hangup`);
  const countBefore = watch.bodies.length;
  await watch.waitFor('available after the call', (b) => watch.bodies.indexOf(b) >= countBefore && summary(b)?.state === 'available');

  // DND by hand: published as DND, and the phone's call DND is on with it.
  assert.equal((await alice.api('PUT', '/api/v1/presence', { state: 'dnd' })).status, 200);
  await watch.waitFor('dnd', (b) => summary(b)?.state === 'dnd');
  assert.equal(((await alice.api('GET', '/api/v1/calls')).body as { dnd: boolean }).dnd, true);
  // Cleared through the calls API: presence follows.
  assert.equal((await alice.api('PUT', '/api/v1/dnd', { enabled: false })).status, 200);
  const p = (await alice.api('GET', '/api/v1/presence')).body as { presence: { state: string; source: string }; publication: string };
  assert.equal(p.presence.state, 'available');
  assert.equal(p.publication, 'published');
  assert.equal((await alice.api('PUT', '/api/v1/presence', { state: 'sleepy' })).status, 400);

  // Nobody at the phone (no key, touch, hook or intent since the call ended) for the idle time → Away.
  const idleSince = Date.now();
  await watch.waitFor('away after the idle time', (b) => summary(b)?.state === 'away', 80_000);
  t.diagnostic(`away ${Date.now() - idleSince} ms after the last presence check (idle time 1 min from the call's end)`);

  // Sign-out removes the publication before the registration goes.
  await alice.stop();
  await waitNoPublication(k.dir, 'alice');
  w.pass();
});
