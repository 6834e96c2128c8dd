// Another vendor's phone as the watcher: baresip subscribes to alice's presence through Kamailio (its
// presence module, a contact with presence=p2p… routed via the registrar) and shows what the sipdesk phone
// publishes — online, busy in a call, away or DND set by hand, and back.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio } from '../harness/kamailio.js';
import { startBaresip, type Baresip } from '../harness/baresip.js';
import { startPhone } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** baresip's `contacts` listing for one contact, e.g. "Online" or "Busy" (its presence status words). */
async function statusSeenBy(watcher: Baresip, user: string): Promise<string> {
  const reply = await watcher.ctrl.command('contacts');
  const line = reply.data.split('\n').find((l) => l.includes(`sip:${user}@`));
  return line?.trim() ?? '';
}

async function waitStatus(watcher: Baresip, user: string, word: RegExp, what: string, ms = 15_000): Promise<string> {
  let last = '';
  for (const end = Date.now() + ms; Date.now() < end; await sleep(200)) {
    last = await statusSeenBy(watcher, user);
    if (word.test(last)) return last;
  }
  throw new Error(`baresip never showed ${what} for ${user}; last listing line: ${JSON.stringify(last)}`);
}

test('baresip as a watcher sees the sipdesk phone available, busy in a call, DND and back', async (t) => {
  const w = useWorkdir(t, 'presence-baresip');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const alice = await startPhone({
    workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp`,
    config: { media: { codecs: ['PCMU'] }, audio: { device: 'null' } },
  });
  w.defer(() => alice.stop());
  await alice.waitForState('registered');
  const carol = await startBaresip({
    workdir: w.path, user: 'carol', registrar: `${k.ip}:${k.port}`, accountParams: ';answermode=auto;audio_codecs=PCMU',
    contacts: [`"Alice" <sip:alice@${k.domain}>;presence=p2p`],
  });
  w.defer(() => carol.stop());

  const online = await waitStatus(carol, 'alice', /online/i, 'online');
  t.diagnostic(`baresip: ${online}`);

  const { id } = (await alice.api('POST', '/api/v1/calls', { to: 'carol' })).body as { id: string };
  const busy = await waitStatus(carol, 'alice', /busy/i, 'busy during the call');
  t.diagnostic(`baresip in the call: ${busy}`);
  await alice.api('POST', `/api/v1/calls/${id}/hangup`);
  await waitStatus(carol, 'alice', /online/i, 'online after the call');

  assert.equal((await alice.api('PUT', '/api/v1/presence', { state: 'dnd' })).status, 200);
  const dnd = await waitStatus(carol, 'alice', /busy/i, 'DND (busy to baresip, which has no DND state)');
  t.diagnostic(`baresip with DND: ${dnd}`);
  assert.equal((await alice.api('PUT', '/api/v1/presence', { state: 'available' })).status, 200);
  await waitStatus(carol, 'alice', /online/i, 'online after DND');

  await alice.stop();
  await waitStatus(carol, 'alice', /offline|closed|unknown/i, 'offline after sign-out');
  w.pass();
});
