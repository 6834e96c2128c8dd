// Call control end to end: the sipdesk phone (the real CLI, driven through its control API) against
// baresip phones through Kamailio — outgoing and incoming calls, hold/resume, blind transfer, phone-side
// forwarding, and the call log and settings surviving a restart.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio, type Kamailio } from '../harness/kamailio.js';
import { startBaresip, type Baresip } from '../harness/baresip.js';
import { startPhone, type TestPhone } from '../harness/phone.js';
import { useWorkdir } from '../harness/workdir.js';
import { decodePng } from '../../src/ui/index.js';

interface Snapshot {
  calls: { id: string; state: string; direction: string; held: boolean; remoteHold: boolean; remote: { uri: string; name?: string }; dtmfReceived: string }[];
  forwarding: Record<string, string>;
  dnd: boolean;
}
interface LogBody {
  entries: { direction: string; outcome: string; remoteUri: string; durationS: number }[];
}

interface Rig {
  k: Kamailio;
  alice: TestPhone;
  bob: Baresip;
  carol: Baresip;
  restartAlice(): Promise<TestPhone>;
}

async function rig(t: TestContext, name: string, config: Record<string, unknown> = {}): Promise<Rig & { pass(): void }> {
  const w = useWorkdir(t, name);
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const [bob, carol] = await Promise.all(
    ['bob', 'carol'].map((user) => startBaresip({ workdir: w.path, user, registrar: `${k.ip}:${k.port}`, accountParams: ';answermode=auto;audio_codecs=PCMU' })),
  );
  w.defer(() => bob!.stop());
  w.defer(() => carol!.stop());
  const aliceOptions = { workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp`, config: { media: { codecs: ['PCMU'] }, ...config } };
  let alice = await startPhone(aliceOptions);
  w.defer(() => alice.stop());
  await alice.waitForState('registered');
  return {
    k, alice, bob: bob!, carol: carol!,
    async restartAlice() {
      await alice.stop();
      alice = await startPhone(aliceOptions);
      await alice.waitForState('registered');
      return alice;
    },
    pass: () => w.pass(),
  };
}

const calls = (p: TestPhone, check: (s: Snapshot) => boolean, ms = 8000): Promise<Snapshot> => p.waitForApi<Snapshot>('/api/v1/calls', check, ms);

test('sipdesk calls baresip: connected, hold, resume, hang up; the call log has it', async (t) => {
  const r = await rig(t, 'calls-outgoing');
  const dial = await r.alice.api('POST', '/api/v1/calls', { to: 'bob' });
  assert.equal(dial.status, 201, JSON.stringify(dial.body));
  const { id } = dial.body as { id: string };
  await r.bob.ctrl.waitForEvent('CALL_ESTABLISHED', 8000);
  await calls(r.alice, (s) => s.calls[0]?.state === 'connected');

  assert.equal((await r.alice.api('POST', `/api/v1/calls/${id}/hold`)).status, 200);
  await calls(r.alice, (s) => s.calls[0]?.held === true);
  assert.equal((await r.alice.api('POST', `/api/v1/calls/${id}/resume`)).status, 200);
  await calls(r.alice, (s) => s.calls[0]?.held === false);
  // The other direction: bob holds alice; the phone shows it (remote hold), and shows the resume.
  assert.equal((await r.bob.ctrl.command('hold')).ok, true);
  await calls(r.alice, (s) => s.calls[0]?.remoteHold === true);
  assert.equal((await r.bob.ctrl.command('resume')).ok, true);
  await calls(r.alice, (s) => s.calls[0]?.remoteHold === false);
  // An intent the state does not allow is a clear 409, an unknown call 404, a bad body 400.
  assert.equal((await r.alice.api('POST', `/api/v1/calls/${id}/answer`)).status, 409);
  assert.equal((await r.alice.api('POST', '/api/v1/calls/nope/hold')).status, 404);
  assert.equal((await r.alice.api('POST', '/api/v1/calls', { to: 5 })).status, 400);

  // DTMF both ways through the API: RFC 4733 events out (baresip reports them), and in (the call shows them).
  const since = r.bob.ctrl.history().length;
  assert.equal((await r.alice.api('POST', `/api/v1/calls/${id}/dtmf`, { digits: '4#' })).status, 200);
  await r.bob.ctrl.waitForEvent('CALL_DTMF_START', 5000, since, (e) => e.param === '4');
  await r.bob.ctrl.waitForEvent('CALL_DTMF_START', 5000, since, (e) => e.param === '#');
  assert.equal((await r.bob.ctrl.command('sndcode', '27')).ok, true);
  await calls(r.alice, (s) => s.calls[0]?.dtmfReceived === '27');

  await new Promise((res) => setTimeout(res, 1100));
  assert.equal((await r.alice.api('POST', `/api/v1/calls/${id}/hangup`)).status, 200);
  await r.bob.ctrl.waitForEvent('CALL_CLOSED', 5000);
  await calls(r.alice, (s) => s.calls.length === 0);
  const log = await r.alice.waitForApi<LogBody>('/api/v1/calllog?category=dialed', (b) => b.entries.length === 1);
  assert.equal(log.entries[0]?.outcome, 'answered');
  assert.match(log.entries[0].remoteUri, /^sip:bob@/);
  assert.ok(log.entries[0].durationS >= 1, `duration ${log.entries[0].durationS}`);
  r.pass();
});

test('baresip calls sipdesk: it rings, is answered through the API, the caller hangs up; logged as received; an unanswered call as missed', async (t) => {
  const r = await rig(t, 'calls-incoming');
  assert.equal((await r.bob.ctrl.command('dial', `sip:alice@${r.k.domain}`)).ok, true);
  const ringing = await calls(r.alice, (s) => s.calls[0]?.state === 'ringing');
  assert.match(ringing.calls[0]!.remote.uri, /bob@/);
  assert.equal((await r.alice.api('POST', `/api/v1/calls/${ringing.calls[0]!.id}/answer`)).status, 200);
  await r.bob.ctrl.waitForEvent('CALL_ESTABLISHED', 8000);
  await calls(r.alice, (s) => s.calls[0]?.state === 'connected');
  assert.equal((await r.bob.ctrl.command('hangup')).ok, true);
  await calls(r.alice, (s) => s.calls.length === 0);

  const since = r.carol.ctrl.history().length;
  assert.equal((await r.carol.ctrl.command('dial', `sip:alice@${r.k.domain}`)).ok, true);
  await calls(r.alice, (s) => s.calls[0]?.state === 'ringing');
  assert.equal((await r.carol.ctrl.command('hangup')).ok, true);
  await r.carol.ctrl.waitForEvent('CALL_CLOSED', 5000, since);
  const log = await r.alice.waitForApi<LogBody & { unseenMissed: number }>('/api/v1/calllog', (b) => b.entries.length === 2);
  assert.deepEqual(log.entries.map((e) => [e.direction, e.outcome]), [['incoming', 'missed'], ['incoming', 'answered']]);
  assert.equal(log.unseenMissed, 1);
  r.pass();
});

test('blind transfer: sipdesk sends bob to carol (REFER); bob and carol talk, sipdesk is out of the call', async (t) => {
  const r = await rig(t, 'calls-transfer');
  const { id } = (await r.alice.api('POST', '/api/v1/calls', { to: 'bob' })).body as { id: string };
  await calls(r.alice, (s) => s.calls[0]?.state === 'connected');
  const carolSince = r.carol.ctrl.history().length;
  const tr = await r.alice.api('POST', `/api/v1/calls/${id}/transfer`, { to: 'carol' });
  assert.equal(tr.status, 200, JSON.stringify(tr.body));
  const est = await r.carol.ctrl.waitForEvent('CALL_ESTABLISHED', 10_000, carolSince);
  assert.match(String(est.peeruri), /bob@/, 'carol talks to bob');
  await calls(r.alice, (s) => s.calls.length === 0, 10_000);
  r.pass();
});

test('forwarding by the phone (always → carol) answers 302; settings and the call log survive a restart', async (t) => {
  const r = await rig(t, 'calls-forward');
  const put = await r.alice.api('PUT', '/api/v1/forwarding', { always: 'carol' });
  assert.equal(put.status, 200, JSON.stringify(put.body));
  assert.equal((await r.alice.api('PUT', '/api/v1/forwarding', { always: 'alice' })).status, 400, 'forwarding to itself is refused');
  const bobSince = r.bob.ctrl.history().length;
  assert.equal((await r.bob.ctrl.command('dial', `sip:alice@${r.k.domain}`)).ok, true);
  // baresip follows the 302 to carol; either way alice's part ends with the redirect.
  const carolSince = r.carol.ctrl.history().length;
  await Promise.any([r.bob.ctrl.waitForEvent('CALL_CLOSED', 8000, bobSince), r.carol.ctrl.waitForEvent('CALL_ESTABLISHED', 8000, carolSince)]);
  const log = await r.alice.waitForApi<LogBody>('/api/v1/calllog', (b) => b.entries.length === 1);
  assert.equal(log.entries[0]?.outcome, 'forwarded');
  await r.bob.ctrl.command('hangup').catch(() => undefined);

  const again = await r.restartAlice();
  const snap = await calls(again, () => true);
  assert.match(snap.forwarding.always ?? '', /^sip:carol@/);
  const kept = await again.waitForApi<LogBody>('/api/v1/calllog', (b) => b.entries.length === 1);
  assert.equal(kept.entries[0]?.outcome, 'forwarded');
  r.pass();
});

test('attended transfer: sipdesk consults carol while bob holds, then connects bob to carol (REFER with Replaces) and leaves', async (t) => {
  const r = await rig(t, 'calls-attended');
  const first = (await r.alice.api('POST', '/api/v1/calls', { to: 'bob' })).body as { id: string };
  await calls(r.alice, (s) => s.calls[0]?.state === 'connected');
  const consult = (await r.alice.api('POST', '/api/v1/calls', { to: 'carol' })).body as { id: string };
  const both = await calls(r.alice, (s) => s.calls.length === 2 && s.calls.every((c) => c.state === 'connected'));
  assert.equal(both.calls.find((c) => c.id === first.id)?.held, true, 'the first call is held while consulting');
  const bobSince = r.bob.ctrl.history().length;
  const tr = await r.alice.api('POST', `/api/v1/calls/${first.id}/transfer`, { callId: consult.id });
  assert.equal(tr.status, 200, JSON.stringify(tr.body));
  // bob places the new call to carol, carrying Replaces of alice↔carol (baresip acts on the REFER).
  const est = await r.bob.ctrl.waitForEvent('CALL_ESTABLISHED', 10_000, bobSince);
  assert.match(String(est.peeruri), /carol@/);
  // REFER's Refer-To carried the consultation dialog's tags as carol sees them (to-tag = carol's own).
  const log = r.alice.process.output();
  const referTo = /Refer-To: <sip:carol@[^>]*\?Replaces=([^>]+)>/.exec(log);
  assert.ok(referTo, 'REFER with Replaces sent');
  assert.match(decodeURIComponent(referTo[1]!), /;to-tag=[^;]+;from-tag=[^;]+/);
  await calls(r.alice, (s) => s.calls.length === 0, 12_000);
  r.pass();
});

test('the dial keys: digits through the dial plan dial on # and after the inter-digit pause; in a call they send DTMF', async (t) => {
  const r = await rig(t, 'calls-keypad', {
    dialPlan: { rules: [{ pattern: '^200$', replace: `sip:bob@127.0.0.1` }, { pattern: '^201$', replace: `sip:carol@127.0.0.1` }], interDigitTimeoutS: 1 },
  });
  const press = async (keys: string[]): Promise<void> => {
    for (const key of keys) assert.equal((await r.alice.api('POST', '/api/v1/input', { key })).status, 200);
  };
  await press(['2', '0', '0']);
  assert.deepEqual(((await r.alice.api('GET', '/api/v1/dialer')).body as { digits: string }).digits, '200');
  await press(['#']);
  await r.bob.ctrl.waitForEvent('CALL_ESTABLISHED', 8000);
  const snap = await calls(r.alice, (s) => s.calls[0]?.state === 'connected');
  // Now the same keys are DTMF to bob.
  const since = r.bob.ctrl.history().length;
  await press(['7']);
  await r.bob.ctrl.waitForEvent('CALL_DTMF_START', 5000, since, (e) => e.param === '7');
  await r.alice.api('POST', `/api/v1/calls/${snap.calls[0]!.id}/hangup`);
  await calls(r.alice, (s) => s.calls.length === 0);

  // No send key: the number dials itself after the 1 s pause.
  const carolSince = r.carol.ctrl.history().length;
  const typedAt = Date.now();
  await press(['2', '0', '1']);
  await r.carol.ctrl.waitForEvent('CALL_ESTABLISHED', 8000, carolSince);
  t.diagnostic(`dialed by the inter-digit timeout: established ${Date.now() - typedAt} ms after the last key`);
  assert.equal((await r.alice.api('POST', '/api/v1/input', { key: 'F13' })).status, 400);
  r.pass();
});

test('the screen over the API: idle, then the dialer as keys are typed, then the call; a PNG of the real screen each time', async (t) => {
  const r = await rig(t, 'calls-screen', { ui: { locale: 'ko' }, dialPlan: { rules: [{ pattern: '^200$', replace: 'sip:bob@127.0.0.1' }] } });
  const shot = async (): Promise<{ width: number; height: number; data: Uint8Array | Uint8ClampedArray }> => {
    const res = await fetch(`http://127.0.0.1:${r.alice.apiPort}/api/v1/screen.png`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'image/png');
    return decodePng(Buffer.from(await res.arrayBuffer()));
  };
  const changed = (a: { data: Uint8Array | Uint8ClampedArray }, b: { data: Uint8Array | Uint8ClampedArray }): number => {
    let n = 0;
    for (let i = 0; i < a.data.length; i += 4) if (a.data[i] !== b.data[i] || a.data[i + 1] !== b.data[i + 1] || a.data[i + 2] !== b.data[i + 2]) n++;
    return n / (a.data.length / 4);
  };
  const idle = await shot();
  assert.deepEqual([idle.width, idle.height], [800, 480]);
  for (const key of ['2', '0']) await r.alice.api('POST', '/api/v1/input', { key });
  const dialer = await shot();
  assert.ok(changed(idle, dialer) > 0.05, `the dialer replaced the idle screen (${(changed(idle, dialer) * 100).toFixed(1)} % of pixels)`);
  await r.alice.api('POST', '/api/v1/input', { key: '0' });
  await r.alice.api('POST', '/api/v1/input', { key: '#' });
  await calls(r.alice, (s) => s.calls[0]?.state === 'connected');
  const inCall = await shot();
  assert.ok(changed(dialer, inCall) > 0.05, 'the call screen replaced the dialer');
  t.diagnostic(`screen changes: idle→dialer ${(changed(idle, dialer) * 100).toFixed(1)} %, dialer→in-call ${(changed(dialer, inCall) * 100).toFixed(1)} %`);
  r.pass();
});
