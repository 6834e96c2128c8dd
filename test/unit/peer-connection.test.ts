/**
 * Two media engines in one process on 127.0.0.1: PC A offers, PC B answers through the real SDP text, A
 * applies the answer; WAV tones (encodeWav) go both ways through RTP and are measured on the far side
 * (dominant frequency, level, longest gap). Hold/resume, RFC 4733 DTMF, bad SDP, SRTP.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { MediaEngine, type EngineDtmfEvent } from '../../src/media/media-engine.js';
import { SipdeskPeerConnection } from '../../src/media/peer-connection.js';
import { wavAudioDevice } from '../../src/media/audio/wav-audio.js';
import { dominantFrequency, longestGapMs, rmsDbfs } from '../../src/media/dsp/analysis.js';
import { setDirection } from '../../src/media/sdp/negotiate.js';
import { mediaSchema } from '../../src/config/schema.js';
import { mediaSide, TONE_DBFS, type MediaSide, type Recorder } from '../harness/media-probe.js';

const LO = '127.0.0.1';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));



interface Side extends MediaSide {
  dtmf: EngineDtmfEvent[];
}


function side(t: TestContext, dir: string, name: string, freq: number, media: Record<string, unknown>): Side {
  const end = mediaSide(t, dir, name, freq, media);
  const dtmf: EngineDtmfEvent[] = [];
  end.engine.on('dtmf', (e) => dtmf.push(e));
  return { ...end, dtmf };
}

/** A offers (optionally with the direction JsSIP would write into the sent text), B answers, A applies. */
async function exchange(a: SipdeskPeerConnection, b: SipdeskPeerConnection, sentDirection?: 'sendonly' | 'sendrecv' | 'inactive'): Promise<{ offer: string; answer: string }> {
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  let sent = offer.sdp;
  if (sentDirection !== undefined) {
    const mangled = setDirection(offer.sdp, sentDirection);
    assert.equal(typeof mangled, 'string');
    sent = mangled as string;
    a.noteSentSdp(sent); // what MediaEngine.attachSession does on JsSIP's 'sdp' event
  }
  assert.equal(a.signalingState, 'have-local-offer');
  await b.setRemoteDescription({ type: 'offer', sdp: sent });
  assert.equal(b.signalingState, 'have-remote-offer');
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  assert.equal(b.signalingState, 'stable');
  await a.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
  assert.equal(a.signalingState, 'stable');
  return { offer: sent, answer: answer.sdp };
}

function measure(rec: Recorder, from: number, to?: number): { freq: number | undefined; level: number; gapMs: number } {
  const pcm = rec.pcm(from, to);
  return { freq: dominantFrequency(pcm, rec.sampleRate), level: rmsDbfs(pcm), gapMs: longestGapMs(pcm, rec.sampleRate) };
}

function assertTone(what: string, m: { freq: number | undefined; level: number; gapMs: number }, freq: number): void {
  assert.ok(m.freq !== undefined && Math.abs(m.freq - freq) <= 0.02 * freq, `${what}: dominant ${m.freq} Hz, want ${freq} ± 2 %`);
  assert.ok(Math.abs(m.level - TONE_DBFS) <= 3, `${what}: level ${m.level.toFixed(1)} dBFS, source ${TONE_DBFS.toFixed(1)}`);
  assert.ok(m.gapMs < 40, `${what}: longest gap ${m.gapMs} ms`);
}

const FRAMES_200MS = 10;

function tmp(t: TestContext): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'sipdesk-pc-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function toneBothWays(t: TestContext, codec: string, extra: Record<string, unknown> = {}): Promise<void> {
  const dir = tmp(t);
  const a = side(t, dir, 'a', 1000, { codecs: [codec], ...extra });
  const b = side(t, dir, 'b', 440, { codecs: [codec], ...extra });
  const { answer } = await exchange(a.pc, b.pc);
  assert.match(answer, new RegExp(`a=rtpmap:\\d+ ${codec}/8000`));
  await sleep(1200);
  const ab = measure(b.rec, FRAMES_200MS);
  const ba = measure(a.rec, FRAMES_200MS);
  t.diagnostic(`${codec}${extra.srtp ? ' SRTP' : ''}: A→B ${ab.freq?.toFixed(1)} Hz ${ab.level.toFixed(2)} dBFS gap ${ab.gapMs} ms; B→A ${ba.freq?.toFixed(1)} Hz ${ba.level.toFixed(2)} dBFS gap ${ba.gapMs} ms`);
  assertTone(`${codec} A→B`, ab, 1000);
  assertTone(`${codec} B→A`, ba, 440);
  const stats = a.pc.stats();
  assert.ok(stats !== undefined && stats.rtp.packetsSent > 40);
  if (extra.srtp !== undefined) {
    assert.equal(stats.srtp, true);
    assert.equal(b.pc.stats()?.srtp, true);
  }
  t.diagnostic(`A stats: ticks ${stats.ticks} late ${stats.lateTicks} sent ${stats.framesSent} played ${stats.framesPlayed} jb delay ${stats.jitter.delayMs} ms`);
}

test('PCMU tone both ways', (t) => toneBothWays(t, 'PCMU'));
test('PCMA tone both ways', (t) => toneBothWays(t, 'PCMA'));
test('G722 tone both ways', (t) => toneBothWays(t, 'G722'));
test('SRTP required: PCMU tone both ways over RTP/SAVP', (t) => toneBothWays(t, 'PCMU', { srtp: 'required' }));

test('hold (re-offer sendonly) silences the held direction; resume brings it back', async (t) => {
  const dir = tmp(t);
  const a = side(t, dir, 'a', 1000, { codecs: ['PCMU'] });
  const b = side(t, dir, 'b', 440, { codecs: ['PCMU'] });
  await exchange(a.pc, b.pc);
  await sleep(600);
  assertTone('before hold B→A', measure(a.rec, FRAMES_200MS), 440);

  // A holds: JsSIP writes a=sendonly into the text it sends; B answers recvonly.
  const { answer } = await exchange(a.pc, b.pc, 'sendonly');
  assert.match(answer, /a=recvonly/);
  assert.equal(a.pc.media?.sending, true);
  assert.equal(b.pc.media?.sending, false);
  await sleep(300); // the jitter buffer drains
  const heldA = a.rec.mark();
  const heldB = b.rec.mark();
  await sleep(700);
  const heldToA = measure(a.rec, heldA);
  t.diagnostic(`held: B→A level ${heldToA.level.toFixed(1)} dBFS; A→B ${measure(b.rec, heldB).freq} Hz`);
  assert.ok(heldToA.level < -60, `B→A while held: ${heldToA.level} dBFS`);
  assertTone('while held A→B', measure(b.rec, heldB), 1000);

  // Resume.
  await exchange(a.pc, b.pc, 'sendrecv');
  assert.equal(b.pc.media?.sending, true);
  await sleep(300);
  const resumed = a.rec.mark();
  await sleep(700);
  assertTone('after resume B→A', measure(a.rec, resumed), 440);
});

test('RFC 4733 DTMF A→B is reported by B with the right digits', async (t) => {
  const dir = tmp(t);
  const a = side(t, dir, 'a', 1000, { codecs: ['G722', 'PCMU'] });
  const b = side(t, dir, 'b', 440, { codecs: ['G722', 'PCMU'] });
  await exchange(a.pc, b.pc);
  await sleep(200);
  const sender = a.pc.getSenders()[0];
  assert.ok(sender?.dtmf);
  sender.dtmf.insertDTMF('12#9*', 100, 70);
  assert.equal(sender.dtmf.toneBuffer, '12#9*');
  const end = Date.now() + 3000;
  while (b.dtmf.length < 5 && Date.now() < end) await sleep(20);
  t.diagnostic(`B got ${b.dtmf.map((e) => `${e.digit}/${e.durationMs}ms`).join(' ')}`);
  assert.equal(b.dtmf.map((e) => e.digit).join(''), '12#9*');
  for (const e of b.dtmf) assert.ok(e.durationMs >= 80 && e.durationMs <= 140, `duration ${e.durationMs}`);
  assert.equal(sender.dtmf.toneBuffer, '');
  // Audio is held while a digit plays, and comes back after the last one.
  await sleep(200);
  const after = b.rec.mark();
  await sleep(500);
  assertTone('A→B after DTMF', measure(b.rec, after), 1000);
});

test('setRemoteDescription rejects malformed SDP and offers without a common codec', async (t) => {
  const dir = tmp(t);
  const b = side(t, dir, 'b', 440, { codecs: ['PCMU'] });
  await assert.rejects(b.pc.setRemoteDescription({ type: 'offer', sdp: 'this is not SDP' }));
  assert.equal(b.pc.signalingState, 'stable');
  const g729 = ['v=0', 'o=- 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 4000 RTP/AVP 18', 'a=rtpmap:18 G729/8000', ''].join('\r\n');
  await assert.rejects(b.pc.setRemoteDescription({ type: 'offer', sdp: g729 }), /not acceptable/);
  assert.equal(b.pc.signalingState, 'stable');
  // An answer without an offer is a state error.
  await assert.rejects(b.pc.setRemoteDescription({ type: 'answer', sdp: g729 }), { name: 'InvalidStateError' });
});

test('MediaEngine.install sets RTCPeerConnection and RTCSessionDescription', () => {
  const engine = new MediaEngine({ media: mediaSchema.parse({}), audioDevice: wavAudioDevice({}), localAddress: LO });
  const target: Record<string, unknown> = { window: {} };
  const restore = engine.install(target);
  const Pc = target.RTCPeerConnection as new (a?: unknown, b?: unknown) => SipdeskPeerConnection;
  const pc = new Pc({ iceServers: [] }, {});
  assert.equal(pc.iceGatheringState, 'complete');
  assert.equal(pc.signalingState, 'stable');
  assert.equal((target.window as Record<string, unknown>).RTCPeerConnection, Pc);
  const Sd = target.RTCSessionDescription as new (i: { type: string; sdp: string }) => { type: string; sdp: string };
  assert.deepEqual({ ...new Sd({ type: 'offer', sdp: 'x' }) }, { type: 'offer', sdp: 'x' });
  pc.close();
  restore();
  assert.equal(target.RTCPeerConnection, undefined);
});

test('two engines in one process: the global RTCPeerConnection builds the engine named in pcConfig', () => {
  const a = new MediaEngine({ media: mediaSchema.parse({}), audioDevice: wavAudioDevice({}), localAddress: LO });
  const b = new MediaEngine({ media: mediaSchema.parse({}), audioDevice: wavAudioDevice({}), localAddress: '127.0.0.2' });
  const target: Record<string, unknown> = {};
  const undoA = a.install(target);
  const undoB = b.install(target);
  const Pc = target.RTCPeerConnection as new (c?: unknown) => SipdeskPeerConnection;
  const pcA = new Pc(a.pcConfig);
  const pcB = new Pc(b.pcConfig);
  assert.ok(pcA instanceof a.peerConnectionClass());
  assert.ok(pcB instanceof b.peerConnectionClass());
  assert.equal(pcA instanceof b.peerConnectionClass(), false);
  pcA.close();
  pcB.close();
  undoB();
  assert.ok(target.RTCPeerConnection !== undefined, 'engine a still installed');
  undoA();
  assert.equal(target.RTCPeerConnection, undefined);
});
