// Real PCMU calls through Kamailio between sipdesk (JsSIP + our media engine, in this process) and baresip
// (auto-answers): (1) hold/resume by re-INVITE, judged on what each side recorded (baresip's sndfile
// module, our WAV device) in the windows before, during and after the hold; (2) RFC 4733 DTMF both ways:
// JsSIP's sendDTMF → baresip's CALL_DTMF_START events, baresip's `sndcode` command → our engine's 'dtmf'.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKamailio } from '../harness/kamailio.js';
import { startBaresip, writeToneWav, type Baresip } from '../harness/baresip.js';
import { stripAnsi } from '../harness/process.js';
import { useWorkdir } from '../harness/workdir.js';
import { startMediaPhone, within, type CallSession } from '../harness/media-phone.js';
import type { MediaEngine, EngineDtmfEvent } from '../../src/media/media-engine.js';
import { encodeWav, parseWav } from '../../src/media/dsp/wav.js';
import { dominantFrequency, rmsDbfs } from '../../src/media/dsp/analysis.js';

const RATE = 8000;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function tone(hz: number, seconds: number, rate: number): Int16Array {
  return Int16Array.from({ length: seconds * rate }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)));
}

type Session = CallSession;

interface SdpEvent {
  originator: string;
  type: string;
  sdp: string;
  at: number;
}

interface Call {
  bob: Baresip;
  engine: MediaEngine;
  session: Session;
  /** Directory of baresip's sndfile recordings. */
  rec: string;
  /** What sipdesk heard. */
  sink: string;
  /** Wall clock (Date.now()) of 'confirmed'. */
  confirmedAt: number;
  sdps: SdpEvent[];
  hangUp(): Promise<void>;
  /** The test passed: its workdir can go (otherwise it is kept, with the logs and recordings). */
  pass(): void;
}

/** Kamailio, baresip "bob" (auto-answer, PCMU, sends 440 Hz, records what it hears), sipdesk "alice" (sends 1 kHz) calls bob. */
async function setUpCall(t: TestContext, name: string): Promise<Call> {
  const w = useWorkdir(t, name);
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const rec = join(w.path, 'bob-heard');
  mkdirSync(rec);
  const bobSays = join(w.path, 'bob-says.wav');
  writeToneWav(bobSays, { seconds: 60, hz: 440, rate: RATE });
  const bob = await startBaresip({
    workdir: w.path,
    user: 'bob',
    registrar: `${k.ip}:${k.port}`,
    modules: ['sndfile.so'],
    extraConfig: [`snd_path\t\t${rec}`],
    accountParams: ';answermode=auto;audio_codecs=PCMU',
    sourceWav: bobSays,
    sampleRate: RATE,
  });
  w.defer(() => bob.stop());

  const source = join(w.path, 'alice-says.wav');
  writeFileSync(source, encodeWav(tone(1000, 2, RATE), RATE));
  const sink = join(w.path, 'alice-heard.wav');
  const sdps: SdpEvent[] = [];
  const alice = await startMediaPhone({
    pbx: k,
    codecs: ['PCMU'],
    source,
    sink,
    onSession: (session) => session.on('sdp', (e: Omit<SdpEvent, 'at'>) => sdps.push({ originator: e.originator, type: e.type, sdp: e.sdp, at: Date.now() })),
  });
  w.defer(() => alice.stop());
  const session = await alice.call(`sip:bob@${k.domain}`);
  const confirmedAt = Date.now();
  return {
    bob, engine: alice.engine, session, rec, sink, confirmedAt, sdps,
    hangUp: async () => {
      await alice.hangUp(session);
      await sleep(500); // baresip closes its recording on BYE
    },
    pass: () => w.pass(),
  };
}

/** A recording, and the sample where the first sound is (media start: both recordings begin with it). */
interface Recording {
  samples: Int16Array;
  rate: number;
  firstSound: number;
}

function loadRecording(file: string): Recording {
  const wav = parseWav(readFileSync(file));
  const samples = wav.samples;
  let firstSound = samples.findIndex((s) => Math.abs(s) > 1000);
  if (firstSound < 0) firstSound = 0;
  return { samples, rate: wav.sampleRate, firstSound };
}

interface Window {
  from: number;
  to: number;
  levelDbfs: number;
  frequency: number | undefined;
}

/** Measures [fromMs, toMs) after the first sound of a recording. */
function windowOf(r: Recording, fromMs: number, toMs: number): Window {
  const a = r.firstSound + Math.round((fromMs * r.rate) / 1000);
  const b = r.firstSound + Math.round((toMs * r.rate) / 1000);
  assert.ok(b > a && b <= r.samples.length, `window ${fromMs}..${toMs} ms outside the recording (${Math.round((r.samples.length - r.firstSound) * 1000 / r.rate)} ms after the first sound)`);
  const pcm = r.samples.subarray(a, b);
  return { from: Math.round(fromMs), to: Math.round(toMs), levelDbfs: Math.max(-120, Math.round(rmsDbfs(pcm) * 10) / 10), frequency: dominantFrequency(pcm, r.rate) };
}

/** a= direction of the (only) audio m= section; sendrecv when absent. */
function directionOf(sdp: string): string {
  const m = /^a=(sendrecv|sendonly|recvonly|inactive)\s*$/m.exec(sdp.slice(sdp.indexOf('m=audio')));
  return m?.[1] ?? 'sendrecv';
}

/** What our engine says it is doing, sampled at one moment of the call. */
interface Snapshot {
  at: number;
  direction: string;
  muted: boolean;
  packetsSent: number;
}

function snapshot(engine: MediaEngine, at: number): Snapshot {
  const [s] = engine.stats();
  assert.ok(s, 'no live call in the engine');
  return { at, direction: s.direction, muted: s.muted, packetsSent: s.rtp.packetsSent };
}

test('PCMU call sipdesk → baresip: hold and resume by re-INVITE, audio stops while held and comes back', { timeout: 30_000 }, async (t) => {
  const call = await setUpCall(t, 'media-hold');
  const { session, engine } = call;
  const rel = (at: number): number => at - call.confirmedAt;
  const held = new Promise<string>((resolve) => session.once('hold', (e: { originator: string }) => resolve(e.originator)));
  const unheld = new Promise<string>((resolve) => session.once('unhold', (e: { originator: string }) => resolve(e.originator)));
  const snaps: Record<string, Snapshot> = {};

  await sleep(1500);
  snaps.before = snapshot(engine, rel(Date.now()));
  const holdAt = Date.now();
  let holdDone!: () => void;
  const holdAnswered = new Promise<void>((r) => (holdDone = r));
  assert.equal(session.hold({}, () => holdDone()), true, 'hold() refused');
  assert.equal(await within(2000, "'hold' event", held), 'local');
  await within(5000, 'hold re-INVITE answered', holdAnswered);
  const holdAnsweredAt = Date.now();
  await sleep(750 - (holdAnsweredAt - holdAt));
  snaps.during = snapshot(engine, rel(Date.now()));
  await sleep(holdAt + 1500 - Date.now());
  const unholdAt = Date.now();
  let unholdDone!: () => void;
  const unholdAnswered = new Promise<void>((r) => (unholdDone = r));
  assert.equal(session.unhold({}, () => unholdDone()), true, 'unhold() refused');
  assert.equal(await within(2000, "'unhold' event", unheld), 'local');
  await within(5000, 'unhold re-INVITE answered', unholdAnswered);
  const unholdAnsweredAt = Date.now();
  await sleep(750 - (unholdAnsweredAt - unholdAt));
  snaps.after = snapshot(engine, rel(Date.now()));
  await sleep(unholdAt + 1500 - Date.now());
  const hangUpAt = Date.now();
  snaps.end = snapshot(engine, rel(hangUpAt));
  await call.hangUp();

  // Times relative to 'confirmed' (≈ media start; both recordings begin with the first sound).
  const M = 200;
  t.diagnostic(`hold at ${rel(holdAt)} ms (answered ${rel(holdAnsweredAt)}), unhold at ${rel(unholdAt)} ms (answered ${rel(unholdAnsweredAt)}), hang up at ${rel(hangUpAt)} ms`);
  t.diagnostic(`sipdesk engine: ${JSON.stringify(snaps)}`);

  // Re-INVITE directions as our phone sent and received them.
  // JsSIP emits 'sdp' twice per local re-offer: the pc's localDescription, then the text really sent
  // (hold directions written in); keep the last of each run.
  const later = call.sdps.filter((s) => s.at >= holdAt);
  t.diagnostic(`SDP after the call was up: ${JSON.stringify(later.map((s) => `${s.originator} ${s.type} ${directionOf(s.sdp)}`))}`);
  const reinvites = later
    .filter((s, i) => !(s.originator === 'local' && later[i + 1]?.originator === 'local' && later[i + 1]?.type === s.type))
    .map((s) => `${s.originator} ${s.type} ${directionOf(s.sdp)}`);
  assert.deepEqual(reinvites, ['local offer sendonly', 'remote answer recvonly', 'local offer sendrecv', 'remote answer sendrecv']);

  // Our engine: sendonly + muted (JsSIP disables the track on hold: encoded silence keeps flowing), then
  // sendrecv and unmuted again; RTP keeps going throughout (50 packets/s).
  assert.deepEqual([snaps.before, snaps.during, snaps.after].map((s) => [s.direction, s.muted]), [['sendrecv', false], ['sendonly', true], ['sendrecv', false]]);
  const rate = (a: Snapshot, b: Snapshot): number => ((b.packetsSent - a.packetsSent) * 1000) / (b.at - a.at);
  for (const [a, b] of [['before', 'during'], ['during', 'after'], ['after', 'end']] as const) {
    const r = rate(snaps[a]!, snaps[b]!);
    assert.ok(r > 40 && r < 60, `RTP packets/s sent between ${a} and ${b}: ${r}`);
  }

  const windows = {
    before: [300, rel(holdAt) - M],
    // The middle of the hold: from the answer to the hold re-INVITE to the unhold.
    during: [rel(holdAnsweredAt) + M, rel(unholdAt) - M],
    after: [rel(unholdAnsweredAt) + M, rel(hangUpAt) - M],
  } as const;

  // What sipdesk heard: baresip's 440 Hz, nothing while held (baresip answered recvonly), 440 Hz again.
  const alice = loadRecording(call.sink);
  t.diagnostic(`sipdesk recording: ${alice.samples.length / alice.rate} s (first sound at ${alice.firstSound / alice.rate} s)`);
  const aliceHeard = Object.fromEntries(Object.entries(windows).map(([name, [from, to]]) => [name, windowOf(alice, from, to)]));
  t.diagnostic(`sipdesk heard ${JSON.stringify(aliceHeard)}`);
  for (const name of ['before', 'after']) {
    const h = aliceHeard[name]!;
    assert.ok(Math.abs(h.frequency! - 440) < 10 && h.levelDbfs > -30, `${name} hold sipdesk heard ${JSON.stringify(h)}`);
  }
  assert.ok(aliceHeard.during!.levelDbfs < -50, `while held sipdesk heard ${JSON.stringify(aliceHeard.during)}`);

  // What baresip heard. baresip 1.0 drops its decode filter chain (sndfile's rx recording among them) at a
  // re-INVITE whose direction is not sendrecv and does not rebuild it (audio_decoder_set: reset → list_flush
  // (&rx->filtl); audio_start → aufilt_setup returns early because tx->filtl is not empty): its -dec.wav ends
  // at the hold. Windows it does not cover are judged by its RTP receive count (rtcpsummary) instead.
  const heardByBob = readdirSync(call.rec).find((f) => f.endsWith('-dec.wav'));
  assert.ok(heardByBob, `baresip recorded nothing: ${readdirSync(call.rec).join(', ')}`);
  const bob = loadRecording(join(call.rec, heardByBob));
  const bobMs = ((bob.samples.length - bob.firstSound) * 1000) / bob.rate;
  t.diagnostic(`baresip recording: ${bob.samples.length / bob.rate} s (first sound at ${bob.firstSound / bob.rate} s)`);
  for (const [name, [from, to]] of Object.entries(windows)) {
    if (to > bobMs) {
      t.diagnostic(`baresip heard (${name}): not recorded (its recording ends ${Math.round(bobMs)} ms after the first sound)`);
      continue;
    }
    const h = windowOf(bob, from, to);
    t.diagnostic(`baresip heard (${name}): ${JSON.stringify(h)}`);
    if (name === 'during') assert.ok(h.levelDbfs < -50, `while held baresip heard ${JSON.stringify(h)}`);
    else assert.ok(Math.abs(h.frequency! - 1000) < 20 && h.levelDbfs > -20, `${name} hold baresip heard ${JSON.stringify(h)}`);
  }
  assert.ok(bobMs > windows.before[1], `baresip's recording (${bobMs} ms) does not even cover the time before the hold`);
  // baresip's call summary (printed when the call ends):
  //   audio           Transmit:     Receive:
  //   packets:            153          225
  //   lost:                 0            0
  // (The EX=… line and pkt.report count only what RTCP reports covered: they vary with RTCP timing.)
  const out = stripAnsi(call.bob.process.output());
  const packets = /^packets:\s+(\d+)\s+(\d+)\s*$/m.exec(out);
  const lostLine = /^lost:\s+(\d+)\s+(\d+)\s*$/m.exec(out);
  assert.ok(packets && lostLine, "no call summary in baresip's output");
  const [sent, received, lost] = [Number(packets[1]), Number(packets[2]), Number(lostLine[2])];
  const callMs = rel(hangUpAt);
  t.diagnostic(`baresip RTP: received ${received}, sent ${sent}, lost ${lost} in a ${callMs} ms call`);
  assert.ok(received >= (callMs / 20) * 0.9 && lost === 0, `baresip received ${received} packets (lost ${lost}) in ${callMs} ms`);
  // baresip sent nothing while held (recvonly): about (call - hold) / 20 ms packets.
  const expectedSent = (callMs - (unholdAnsweredAt - holdAt)) / 20;
  assert.ok(Math.abs(sent - expectedSent) < 15, `baresip sent ${sent} packets, expected about ${Math.round(expectedSent)}`);
  call.pass();
});

test('PCMU call sipdesk ↔ baresip: RFC 4733 DTMF both ways', { timeout: 30_000 }, async (t) => {
  const call = await setUpCall(t, 'media-dtmf');
  const { bob, session, engine } = call;
  await sleep(500);

  // sipdesk → baresip: JsSIP sendDTMF over RFC 4733 (our insertDTMF); baresip reports CALL_DTMF_START/END.
  const DIGITS = '1234#*';
  const since = bob.ctrl.history().length;
  session.sendDTMF(DIGITS, { duration: 120, interToneGap: 80, transportType: 'RFC2833' });
  const starts: string[] = [];
  await within(5000, `baresip hears ${DIGITS}`, new Promise<void>((resolve) => {
    const check = (): boolean => {
      starts.splice(0, starts.length, ...bob.ctrl.history().slice(since).filter((e) => e.type === 'CALL_DTMF_START').map((e) => String(e.param)));
      return starts.length >= DIGITS.length;
    };
    if (check()) return resolve();
    const onEvent = (): void => {
      if (check()) {
        bob.ctrl.events.off('event', onEvent);
        resolve();
      }
    };
    bob.ctrl.events.on('event', onEvent);
  })).catch((err: Error) => {
    throw new Error(`${err.message}; baresip reported ${JSON.stringify(starts)}; events ${JSON.stringify(bob.ctrl.history().slice(since))}`);
  });
  await sleep(400); // a further (duplicate) digit would show here
  const bobEvents = bob.ctrl.history().slice(since).filter((e) => e.type.startsWith('CALL_DTMF'));
  t.diagnostic(`baresip DTMF events: ${JSON.stringify(bobEvents.map((e) => `${e.type} ${String(e.param)}`))}`);
  assert.deepEqual(bobEvents.filter((e) => e.type === 'CALL_DTMF_START').map((e) => e.param), [...DIGITS]);
  assert.deepEqual(bobEvents.map((e) => e.type), DIGITS.split('').flatMap(() => ['CALL_DTMF_START', 'CALL_DTMF_END']));
  // baresip 1.0 also logs "received event: '1' (end=0)" … "(end=1)" per digit.
  const logged = [...bob.process.output().matchAll(/received event: '(.)' \(end=0\)/g)].map((m) => m[1]);
  t.diagnostic(`baresip log 'received event … (end=0)': ${JSON.stringify(logged)}`);
  assert.deepEqual(logged, [...DIGITS]);

  // baresip → sipdesk: the menu's `sndcode` command sends the digits as RFC 4733 events.
  const BACK = '9876*#';
  const got: EngineDtmfEvent[] = [];
  const allIn = new Promise<void>((resolve) => engine.on('dtmf', (e) => {
    got.push(e);
    if (got.length >= BACK.length) resolve();
  }));
  const reply = await bob.ctrl.command('sndcode', BACK);
  t.diagnostic(`sndcode reply: ${JSON.stringify(reply)}`);
  assert.equal(reply.ok, true, `sndcode: ${reply.data}`);
  await within(5000, `sipdesk hears ${BACK}`, allIn).catch((err: Error) => {
    throw new Error(`${err.message}; got ${JSON.stringify(got.map((e) => [e.digit, e.durationMs]))}`);
  });
  await sleep(400);
  t.diagnostic(`sipdesk DTMF events: ${JSON.stringify(got.map((e) => [e.digit, e.durationMs]))}`);
  assert.deepEqual(got.map((e) => e.digit), [...BACK]);
  assert.ok(got.every((e) => e.durationMs >= 40 && e.durationMs <= 1000), 'durations of the received digits');
  await call.hangUp();
  call.pass();
});
