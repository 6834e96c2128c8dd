// Call features end to end: the sipdesk phone (the real CLI, driven through its control API) against
// baresip phones through Kamailio — call waiting and swap, a three-way conference judged on what each
// remote party heard (one of them a second sipdesk phone, see that test), forwarding on no answer and when busy, do-not-disturb (reject and silent), hotline,
// auto-answer, and sipdesk as the transferee of a blind transfer that baresip starts.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKamailio, type Kamailio } from '../harness/kamailio.js';
import { startBaresip, writeToneWav, type Baresip } from '../harness/baresip.js';
import { startPhone, type TestPhone } from '../harness/phone.js';
import { stripAnsi } from '../harness/process.js';
import { useWorkdir } from '../harness/workdir.js';
import { parseWav } from '../../src/media/dsp/wav.js';
import { dominantFrequency, goertzelDbfs, rmsDbfs } from '../../src/media/dsp/analysis.js';

interface CallInfo {
  id: string;
  state: string;
  direction: string;
  held: boolean;
  remoteHold: boolean;
  conference: boolean;
  silent: boolean;
  remote: { uri: string };
  startedAt: number;
  answeredAt?: number;
}
interface Snapshot {
  calls: CallInfo[];
  sound?: string;
  dnd: boolean;
  offHook: boolean;
}
interface LogBody {
  entries: { direction: string; outcome: string; remoteUri: string }[];
}

const RATE = 8000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RigOptions {
  /** baresip users besides alice (default bob and carol). */
  peers?: readonly string[];
  /** Peers that send a tone of this frequency and record what they hear (sndfile.so). */
  tones?: Readonly<Record<string, number>>;
  /** Alice's config over the harness defaults (PCMU only). */
  config?: Record<string, unknown>;
}

interface Rig {
  k: Kamailio;
  workdir: string;
  /** Runs fn when the test ends (before Kamailio stops). */
  defer(fn: () => unknown): void;
  alice: TestPhone;
  peers: Record<string, Baresip>;
  /** Folder of a tone peer's sndfile recordings. */
  recordings: Record<string, string>;
  /** Stops alice and starts her again with `config` (over the rig's). */
  restartAlice(config: Record<string, unknown>): Promise<TestPhone>;
  pass(): void;
}

async function rig(t: TestContext, name: string, o: RigOptions = {}): Promise<Rig> {
  const w = useWorkdir(t, name);
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const recordings: Record<string, string> = {};
  const started = await Promise.all((o.peers ?? ['bob', 'carol']).map(async (user) => {
    const hz = o.tones?.[user];
    let media = {};
    if (hz !== undefined) {
      const rec = join(w.path, `${user}-heard`);
      mkdirSync(rec);
      recordings[user] = rec;
      const says = join(w.path, `${user}-says.wav`);
      writeToneWav(says, { seconds: 60, hz, rate: RATE });
      media = { modules: ['sndfile.so'], extraConfig: [`snd_path\t\t${rec}`], sourceWav: says, sampleRate: RATE };
    }
    const peer = await startBaresip({ workdir: w.path, user, registrar: `${k.ip}:${k.port}`, accountParams: ';answermode=auto;audio_codecs=PCMU', ...media });
    w.defer(() => peer.stop());
    return peer;
  }));
  const peers = Object.fromEntries(started.map((p) => [p.user, p]));
  const base = { media: { codecs: ['PCMU'] }, ...(o.config ?? {}) };
  const options = (config: Record<string, unknown>) => ({ workdir: w.path, name: 'alice', user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp`, config });
  let alice = await startPhone(options(base));
  w.defer(() => alice.stop());
  await alice.waitForState('registered');
  return {
    k, alice, peers, recordings,
    workdir: w.path,
    defer: (fn) => w.defer(fn),
    async restartAlice(config) {
      await alice.stop();
      alice = await startPhone(options({ ...base, ...config }));
      await alice.waitForState('registered');
      return alice;
    },
    pass: () => w.pass(),
  };
}

const calls = (p: TestPhone, check: (s: Snapshot) => boolean, ms = 8000): Promise<Snapshot> => p.waitForApi<Snapshot>('/api/v1/calls', check, ms);
const callTo = (s: Snapshot, user: string): CallInfo | undefined => s.calls.find((c) => c.remote.uri.includes(`${user}@`));

async function post(p: TestPhone, path: string, body?: unknown): Promise<unknown> {
  const r = await p.api('POST', path, body);
  assert.ok(r.status >= 200 && r.status < 300, `POST ${path} ${JSON.stringify(body ?? {})}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function put(p: TestPhone, path: string, body: unknown): Promise<void> {
  const r = await p.api('PUT', path, body);
  assert.equal(r.status, 200, `PUT ${path} ${JSON.stringify(body)}: ${JSON.stringify(r.body)}`);
}

/** A baresip peer dials alice (ctrl `dial`); returns its event index from before the dial. */
async function dialAlice(r: Rig, from: string): Promise<number> {
  const peer = r.peers[from]!;
  const since = peer.ctrl.history().length;
  const reply = await peer.ctrl.command('dial', `sip:alice@${r.k.domain}`);
  assert.equal(reply.ok, true, `${from} dial: ${reply.data}`);
  return since;
}

/**
 * SIP messages alice sent (her log's `>>> connection` trace blocks) from output offset `since` on. A block
 * runs up to the next log line (which starts with a timestamp or another trace marker).
 */
function sentMessages(alice: TestPhone, since = 0): string[] {
  const out = stripAnsi(alice.process.output()).slice(since);
  const blocks: string[] = [];
  for (const m of out.matchAll(/>>> [^\n]*\n/g)) {
    const rest = out.slice(m.index + m[0].length);
    const end = rest.search(/\n(?=\S*\d{2}:\d{2}:\d{2}|[^\n]*(?:>>>|<<<) )/);
    blocks.push(end < 0 ? rest : rest.slice(0, end));
  }
  return blocks;
}

test('call waiting: a second call rings with the call-waiting tone; answering it holds the first (sendonly re-INVITE); swap', async (t) => {
  const r = await rig(t, 'features-waiting');
  await dialAlice(r, 'bob');
  const ringing = await calls(r.alice, (s) => s.calls[0]?.state === 'ringing');
  assert.equal(ringing.sound, 'ring', 'the first call rings with the ringer');
  const bobCall = ringing.calls[0]!.id;
  await post(r.alice, `/api/v1/calls/${bobCall}/answer`);
  await r.peers.bob!.ctrl.waitForEvent('CALL_ESTABLISHED', 8000);
  await calls(r.alice, (s) => s.calls[0]?.state === 'connected');

  await dialAlice(r, 'carol');
  const waiting = await calls(r.alice, (s) => s.calls.length === 2 && callTo(s, 'carol')?.state === 'ringing');
  t.diagnostic(`second call: ${JSON.stringify(callTo(waiting, 'carol'))}, sound ${String(waiting.sound)}`);
  assert.equal(waiting.sound, 'callWaiting');
  assert.equal(callTo(waiting, 'bob')?.held, false, 'bob is still talking while carol rings');

  const mark = r.alice.process.output().length;
  const carolCall = callTo(waiting, 'carol')!.id;
  const carolSince = r.peers.carol!.ctrl.history().length;
  await post(r.alice, `/api/v1/calls/${carolCall}/answer`);
  await r.peers.carol!.ctrl.waitForEvent('CALL_ESTABLISHED', 8000, carolSince);
  const answered = await calls(r.alice, (s) => callTo(s, 'carol')?.state === 'connected' && callTo(s, 'bob')?.held === true);
  assert.equal(callTo(answered, 'carol')?.held, false);
  assert.equal(answered.sound, undefined, 'no tone once the waiting call is answered');
  // The hold went to bob as a re-INVITE in bob's dialog, offering sendonly.
  // (The Request-URI is bob's Contact, "sip:bob-0x…@…"; To with a tag marks a request inside the dialog.)
  const reinvites = sentMessages(r.alice, mark).filter((m) => /^INVITE sip:bob\b/.test(m) && /^To: <sip:bob@[^\n]*;tag=/m.test(m));
  t.diagnostic(`re-INVITEs to bob after answering carol: ${reinvites.length}, directions ${JSON.stringify(reinvites.map((m) => /^a=(sendrecv|sendonly|recvonly|inactive)/m.exec(m)?.[1]))}`);
  assert.ok(reinvites.some((m) => /^a=sendonly\r?$/m.test(m)), `no re-INVITE with a=sendonly to bob in alice's trace:\n${reinvites.join('\n---\n').slice(0, 3000)}`);
  assert.match(stripAnsi(r.peers.bob!.process.output()), /call: got re-INVITE/, 'bob\'s baresip got the re-INVITE');

  await post(r.alice, '/api/v1/calls/swap');
  const swapped = await calls(r.alice, (s) => callTo(s, 'bob')?.held === false && callTo(s, 'carol')?.held === true);
  assert.equal(swapped.calls.length, 2);
  await post(r.alice, '/api/v1/calls/swap');
  await calls(r.alice, (s) => callTo(s, 'bob')?.held === true && callTo(s, 'carol')?.held === false);
  r.pass();
});

/** Level and pitch of a stretch of a recording, and the level of the tone expected there (Goertzel). */
interface Heard {
  ms: number;
  levelDbfs: number;
  frequency: number | undefined;
  toneDbfs: number;
}

const round1 = (x: number): number => Math.round(Math.max(-120, x) * 10) / 10;

function measure(pcm: Int16Array, rate: number, expectHz: number): Heard {
  return {
    ms: Math.round((pcm.length * 1000) / rate),
    levelDbfs: round1(rmsDbfs(pcm)),
    frequency: dominantFrequency(pcm, rate),
    toneDbfs: round1(goertzelDbfs(pcm, expectHz, rate)),
  };
}

/** The newest sndfile `-dec.wav` (what a baresip peer heard) in `dir`. */
function baresipHeard(dir: string): { samples: Int16Array; sampleRate: number } {
  const file = readdirSync(dir).filter((f) => f.endsWith('-dec.wav')).sort().at(-1);
  assert.ok(file, `no recording in ${dir}: ${readdirSync(dir).join(', ')}`);
  return parseWav(readFileSync(join(dir, file)));
}

/** The window [end − fromEndMs, end − toEndMs) of a recording that ended when its call did. */
function windowBeforeEnd(wav: { samples: Int16Array; sampleRate: number }, fromEndMs: number, toEndMs: number): Int16Array {
  const n = wav.samples.length;
  const a = n - Math.round((fromEndMs * wav.sampleRate) / 1000);
  const b = n - Math.round((toEndMs * wav.sampleRate) / 1000);
  assert.ok(a >= 0 && b > a, `window ${fromEndMs}..${toEndMs} ms before the end of a ${Math.round((n * 1000) / wav.sampleRate)} ms recording`);
  return wav.samples.subarray(a, b);
}

/**
 * The longest run of 100 ms blocks in which `hz` stands out (Goertzel level above minDbfs and within 6 dB of
 * the block's whole level): for a recording whose timing against the wall clock is not known.
 */
function longestToneRun(wav: { samples: Int16Array; sampleRate: number }, hz: number, minDbfs: number): { ms: number; pcm: Int16Array } {
  const block = Math.round(wav.sampleRate / 10);
  let best = { from: 0, to: 0 };
  let runFrom = -1;
  for (let i = 0; i + block <= wav.samples.length; i += block) {
    const pcm = wav.samples.subarray(i, i + block);
    const tone = goertzelDbfs(pcm, hz, wav.sampleRate);
    const hit = tone > minDbfs && tone > rmsDbfs(pcm) - 6;
    if (hit && runFrom < 0) runFrom = i;
    if ((!hit || i + 2 * block > wav.samples.length) && runFrom >= 0) {
      const to = hit ? i + block : i;
      if (to - runFrom > best.to - best.from) best = { from: runFrom, to };
      runFrom = -1;
    }
  }
  return { ms: Math.round(((best.to - best.from) * 1000) / wav.sampleRate), pcm: wav.samples.subarray(best.from, best.to) };
}

// bob here is a second sipdesk phone (WAV device: sends 440 Hz, records its speaker), not baresip: alice
// holds the first call while she dials the second, and baresip 1.0 drops its decode filter chain (sndfile's
// recording) at any re-INVITE that is not sendrecv and never rebuilds it (src/audio.c audio_decoder_set:
// `reset |= sdp_media_dir(m) != SDP_SENDRECV` → list_flush(&rx->filtl); aufilt_setup then returns early
// because tx->filtl is not empty), so a held baresip records nothing after the hold. carol, the second call,
// is never held: baresip records her side.
test('three-way conference: bob (440 Hz) and carol (1 kHz) hear each other after the merge; one leaves, the other call goes on', async (t) => {
  const r = await rig(t, 'features-conference', { peers: ['carol'], tones: { carol: 1000 } });
  const carol = r.peers.carol!;
  const bobSays = join(r.workdir, 'bob-says.wav');
  writeToneWav(bobSays, { seconds: 10, hz: 440, rate: RATE });
  const bobHeardFile = join(r.workdir, 'bob-heard.wav');
  const bob = await startPhone({
    workdir: r.workdir, name: 'bob', user: 'bob', domain: r.k.domain, proxy: `sip:${r.k.ip}:${r.k.port};transport=tcp`,
    config: { media: { codecs: ['PCMU'] }, audio: { device: 'wav', wavSource: bobSays, wavSink: bobHeardFile }, calls: { autoAnswer: { enabled: true, delayS: 0 } } },
  });
  r.defer(() => bob.stop());
  await bob.waitForState('registered');

  const bobCall = ((await post(r.alice, '/api/v1/calls', { to: 'bob' })) as { id: string }).id;
  await calls(r.alice, (s) => callTo(s, 'bob')?.state === 'connected');
  const carolCall = ((await post(r.alice, '/api/v1/calls', { to: 'carol' })) as { id: string }).id;
  await calls(r.alice, (s) => callTo(s, 'carol')?.state === 'connected' && callTo(s, 'bob')?.held === true);
  await calls(bob, (s) => s.calls[0]?.remoteHold === true);
  await sleep(500); // a stretch in which neither hears the other: the tones below come from the merge

  await post(r.alice, `/api/v1/calls/${carolCall}/merge`, { callId: bobCall });
  const merged = await calls(r.alice, (s) => s.calls.length === 2 && s.calls.every((c) => c.conference && !c.held));
  const mergedAt = Date.now();
  t.diagnostic(`merged: ${JSON.stringify(merged.calls.map((c) => ({ id: c.id, conference: c.conference, held: c.held })))}`);
  await calls(bob, (s) => s.calls[0]?.remoteHold === false);
  await sleep(3000);

  // bob leaves first; carol's call goes on as a plain call until alice hangs up on her (her recording ends there).
  const bobLeftAt = Date.now();
  await post(bob, `/api/v1/calls/${(await calls(bob, (s) => s.calls.length === 1)).calls[0]!.id}/hangup`);
  const after = await calls(r.alice, (s) => s.calls.length === 1);
  const bobGoneAt = Date.now();
  assert.equal(after.calls[0]?.id, carolCall);
  assert.deepEqual([after.calls[0]?.state, after.calls[0]?.conference, after.calls[0]?.held], ['connected', false, false], 'the call left over is a plain call');
  await sleep(1500);
  const carolLeftAt = Date.now();
  const carolSince = carol.ctrl.history().length;
  await post(r.alice, `/api/v1/calls/${carolCall}/hangup`);
  await carol.ctrl.waitForEvent('CALL_CLOSED', 5000, carolSince);
  await bob.stop(); // writes the WAV header of bob's recording
  await sleep(300); // baresip closes its recording on BYE

  // carol: the merged time, counted back from her recording's end (alice's BYE), with margins of M.
  const M = 400;
  const carolHeard = measure(windowBeforeEnd(baresipHeard(r.recordings.carol!), carolLeftAt - mergedAt - M, carolLeftAt - bobLeftAt + M), RATE, 440);
  const carolAlone = measure(windowBeforeEnd(baresipHeard(r.recordings.carol!), carolLeftAt - bobGoneAt - M, M), RATE, 440);
  t.diagnostic(`carol heard while merged: ${JSON.stringify(carolHeard)}; after bob left: ${JSON.stringify(carolAlone)}`);
  // Both send at −9 dBFS (half scale); the mix passes each at about that level, neither lost nor clipped.
  const sensible = (h: Heard): boolean => h.toneDbfs > -20 && h.levelDbfs < -3;
  assert.ok(Math.abs(carolHeard.frequency! - 440) < 10 && sensible(carolHeard), `carol should hear bob's 440 Hz: ${JSON.stringify(carolHeard)}`);
  assert.ok(carolAlone.toneDbfs < -50, `bob's tone should stop for carol when he leaves: ${JSON.stringify(carolAlone)}`);
  // bob: where his recording has carol's 1 kHz (he heard nothing of her before the merge).
  const bobWav = parseWav(readFileSync(bobHeardFile));
  const run = longestToneRun(bobWav, 1000, -30);
  const bobHeard = measure(run.pcm, bobWav.sampleRate, 1000);
  t.diagnostic(`bob heard 1 kHz for ${run.ms} ms (merged ${bobLeftAt - mergedAt} ms): ${JSON.stringify(bobHeard)}`);
  assert.ok(run.ms >= bobLeftAt - mergedAt - 1000, `bob heard carol's 1 kHz for only ${run.ms} ms of ${bobLeftAt - mergedAt} ms merged`);
  assert.ok(Math.abs(bobHeard.frequency! - 1000) < 20 && sensible(bobHeard), `bob should hear carol's 1 kHz: ${JSON.stringify(bobHeard)}`);
  r.pass();
});

test('forwarding on no answer: after 5 s of ringing the call goes to carol (302), logged as forwarded', async (t) => {
  const r = await rig(t, 'features-noanswer', { config: { calls: { forwarding: { noAnswerS: 5 } } } });
  await put(r.alice, '/api/v1/forwarding', { noAnswer: 'carol' });
  const carolSince = r.peers.carol!.ctrl.history().length;
  await dialAlice(r, 'bob');
  const ringing = await calls(r.alice, (s) => s.calls[0]?.state === 'ringing');
  const arrivedAt = ringing.calls[0]!.startedAt; // alice's clock = this machine's: when the INVITE arrived
  await calls(r.alice, (s) => s.calls.length === 0, 10_000);
  const forwardedMs = Date.now() - arrivedAt;
  const est = await r.peers.carol!.ctrl.waitForEvent('CALL_ESTABLISHED', 5000, carolSince);
  const talkingMs = Date.now() - arrivedAt;
  t.diagnostic(`alice let the call go (302) ${forwardedMs} ms after it arrived; carol talked to bob after ${talkingMs} ms`);
  assert.match(String(est.peeruri), /bob@/, 'carol talks to bob');
  assert.ok(forwardedMs >= 4950 && forwardedMs < 6000, `forwarded after ${forwardedMs} ms, expected about 5000`);
  const log = await r.alice.waitForApi<LogBody>('/api/v1/calllog', (b) => b.entries.length === 1);
  assert.equal(log.entries[0]?.direction, 'incoming');
  assert.equal(log.entries[0]?.outcome, 'forwarded');
  assert.match(log.entries[0].remoteUri, /bob@/);
  r.pass();
});

test('forwarding when busy: with one line in use, carol\'s call goes to dave', async (t) => {
  const r = await rig(t, 'features-busy', { peers: ['bob', 'carol', 'dave'], config: { calls: { lines: 1 } } });
  await put(r.alice, '/api/v1/forwarding', { busy: 'dave' });
  await post(r.alice, '/api/v1/calls', { to: 'bob' });
  await calls(r.alice, (s) => s.calls[0]?.state === 'connected');
  const daveSince = r.peers.dave!.ctrl.history().length;
  await dialAlice(r, 'carol');
  const est = await r.peers.dave!.ctrl.waitForEvent('CALL_ESTABLISHED', 8000, daveSince);
  assert.match(String(est.peeruri), /carol@/, 'dave talks to carol');
  const still = await calls(r.alice, () => true);
  assert.deepEqual(still.calls.map((c) => [c.remote.uri.includes('bob@'), c.state, c.held]), [[true, 'connected', false]], 'alice goes on talking to bob');
  const log = await r.alice.waitForApi<LogBody>('/api/v1/calllog', (b) => b.entries.length === 1);
  assert.deepEqual([log.entries[0]?.direction, log.entries[0]?.outcome], ['incoming', 'forwarded']);
  r.pass();
});

test('do not disturb: reject mode answers 486; silent mode rings without sound and can be answered', async (t) => {
  const r = await rig(t, 'features-dnd');
  await put(r.alice, '/api/v1/dnd', { enabled: true });
  assert.equal((await calls(r.alice, () => true)).dnd, true);
  const mark = r.alice.process.output().length;
  const since = await dialAlice(r, 'bob');
  const closed = await r.peers.bob!.ctrl.waitForEvent('CALL_CLOSED', 8000, since);
  t.diagnostic(`bob's CALL_CLOSED: ${JSON.stringify(closed.param)}`);
  assert.equal(r.peers.bob!.ctrl.history().slice(since).some((e) => e.type === 'CALL_ESTABLISHED'), false);
  const final = sentMessages(r.alice, mark).find((m) => /^SIP\/2\.0 [3-6]\d\d/.test(m));
  assert.match(final ?? '', /^SIP\/2\.0 486 /, `alice's final answer to bob: ${final?.split('\n')[0]}`);
  const log = await r.alice.waitForApi<LogBody>('/api/v1/calllog', (b) => b.entries.length === 1);
  assert.equal(log.entries[0]?.outcome, 'rejected');

  // Silent mode (from config); DND stays on (kept in settings.json across the restart).
  const alice = await r.restartAlice({ calls: { dnd: { mode: 'silent' } } });
  const bobSince = await dialAlice(r, 'bob');
  const ringing = await calls(alice, (s) => s.calls[0]?.state === 'ringing');
  assert.equal(ringing.dnd, true);
  assert.equal(ringing.calls[0]?.silent, true);
  assert.equal(ringing.sound, undefined, 'a silent call plays no ringer');
  await post(alice, `/api/v1/calls/${ringing.calls[0].id}/answer`);
  await r.peers.bob!.ctrl.waitForEvent('CALL_ESTABLISHED', 8000, bobSince);
  await calls(alice, (s) => s.calls[0]?.state === 'connected');
  r.pass();
});

test('hotline: off hook dials bob at once; on hook hangs up', async (t) => {
  const r = await rig(t, 'features-hotline', { config: { calls: { hotline: 'bob' } } });
  const bob = r.peers.bob!;
  await post(r.alice, '/api/v1/input', { hook: 'off' });
  const est = await bob.ctrl.waitForEvent('CALL_ESTABLISHED', 8000);
  assert.match(String(est.peeruri), /alice@/);
  const up = await calls(r.alice, (s) => s.calls[0]?.state === 'connected');
  assert.equal(up.offHook, true);
  assert.match(up.calls[0]!.remote.uri, /^sip:bob@/);
  await post(r.alice, '/api/v1/input', { hook: 'on' });
  await bob.ctrl.waitForEvent('CALL_CLOSED', 5000);
  const down = await calls(r.alice, (s) => s.calls.length === 0);
  assert.equal(down.offHook, false);
  r.pass();
});

test('auto-answer after 1 s: bob\'s call is answered by itself', async (t) => {
  const r = await rig(t, 'features-autoanswer', { config: { calls: { autoAnswer: { enabled: true, delayS: 1 } } } });
  const since = await dialAlice(r, 'bob');
  const ringing = await calls(r.alice, (s) => s.calls[0]?.state === 'ringing');
  assert.equal(ringing.calls.length, 1);
  await r.peers.bob!.ctrl.waitForEvent('CALL_ESTABLISHED', 5000, since);
  const up = await calls(r.alice, (s) => s.calls[0]?.state === 'connected');
  const call = up.calls[0]!;
  const delayMs = call.answeredAt! - call.startedAt;
  t.diagnostic(`answered ${delayMs} ms after the INVITE arrived`);
  assert.ok(delayMs >= 950 && delayMs < 2000, `auto-answer after ${delayMs} ms, expected about 1000`);
  r.pass();
});

test('transferee: baresip bob transfers alice to carol (REFER); alice calls carol, bob\'s call ends', async (t) => {
  const r = await rig(t, 'features-transferee');
  const { bob, carol } = r.peers as { bob: Baresip; carol: Baresip };
  await dialAlice(r, 'bob');
  const ringing = await calls(r.alice, (s) => s.calls[0]?.state === 'ringing');
  const bobCall = ringing.calls[0]!.id;
  await post(r.alice, `/api/v1/calls/${bobCall}/answer`);
  await bob.ctrl.waitForEvent('CALL_ESTABLISHED', 8000);
  await calls(r.alice, (s) => s.calls[0]?.state === 'connected');

  const bobSince = bob.ctrl.history().length;
  const carolSince = carol.ctrl.history().length;
  const reply = await bob.ctrl.command('transfer', `sip:carol@${r.k.domain}`);
  t.diagnostic(`baresip transfer: ${JSON.stringify(reply)}`);
  assert.equal(reply.ok, true, reply.data);
  const est = await carol.ctrl.waitForEvent('CALL_ESTABLISHED', 10_000, carolSince);
  assert.match(String(est.peeruri), /alice@/, 'carol talks to alice');
  const after = await calls(r.alice, (s) => s.calls.length === 1 && callTo(s, 'carol')?.state === 'connected', 10_000);
  assert.equal(after.calls[0]?.direction, 'outgoing');
  assert.equal(after.calls[0]?.held, false);
  await bob.ctrl.waitForEvent('CALL_CLOSED', 5000, bobSince);
  // RFC 5589: the transferor ends the old call once the transfer worked; the trace says who sent the BYE.
  const aliceSentBye = sentMessages(r.alice).some((m) => /^BYE sip:bob\b/.test(m));
  t.diagnostic(`old call to bob ended by ${aliceSentBye ? 'alice (BYE sent)' : 'bob (BYE received)'}`);
  const log = await r.alice.waitForApi<LogBody>('/api/v1/calllog', (b) => b.entries.length === 1);
  assert.deepEqual([log.entries[0]?.direction, log.entries[0]?.outcome], ['incoming', 'answered']);
  r.pass();
});
