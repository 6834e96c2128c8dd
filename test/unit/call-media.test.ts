/**
 * CallMedia through two peer connections on 127.0.0.1: the drift-free clock's tick count, mute (setMuted and
 * track.enabled), a codec change by re-offer (audio port reopened at the new rate), and the media timeout
 * ('timeout' on CallMedia, iceConnectionState 'failed' + 'iceconnectionstatechange' on the pc).
 */
import { joinFrames } from '../harness/media-probe.js';
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { MediaEngine } from '../../src/media/media-engine.js';
import type { SipdeskPeerConnection } from '../../src/media/peer-connection.js';
import { PhoneMediaStream, type PhoneAudioTrack } from '../../src/media/media-stream.js';
import { PortAllocator } from '../../src/media/rtp/port-allocator.js';
import type { AudioDevice, AudioPort } from '../../src/media/audio/audio-port.js';
import { dominantFrequency, rmsDbfs } from '../../src/media/dsp/analysis.js';
import { mediaSchema } from '../../src/config/schema.js';

const LO = '127.0.0.1';
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Capture: a sine; playback: kept in memory. */
class ToneDevice implements AudioDevice {
  readonly name = 'tone';
  played: Int16Array[] = [];
  rates: number[] = [];
  constructor(private readonly freq: number) {}
  open(opts: { sampleRate: number; frameSamples: number }): Promise<AudioPort> {
    let n = 0;
    this.rates.push(opts.sampleRate);
    const port: AudioPort = {
      name: 'tone',
      sampleRate: opts.sampleRate,
      frameSamples: opts.frameSamples,
      readCapture: () => {
        const f = new Int16Array(opts.frameSamples);
        for (let i = 0; i < f.length; i++, n++) f[i] = Math.round(8000 * Math.sin((2 * Math.PI * this.freq * n) / opts.sampleRate));
        return f;
      },
      writePlayback: (f) => void this.played.push(Int16Array.from(f)),
      stats: () => ({ captureUnderruns: 0, captureOverrunSamples: 0, playbackOverruns: 0 }),
      close: () => Promise.resolve(),
    };
    return Promise.resolve(port);
  }
  pcm(from: number): Int16Array {
    return joinFrames(this.played.slice(from));
  }
}

function pcFor(t: TestContext, dev: AudioDevice, media: Record<string, unknown>): { pc: SipdeskPeerConnection; track: PhoneAudioTrack } {
  const b = 20000 + 2 * Math.floor(Math.random() * 20000);
  const engine = new MediaEngine({ media: mediaSchema.parse(media), audioDevice: dev, localAddress: LO, bindAddress: LO, allocator: new PortAllocator({ min: b, max: b + 99 }) });
  const pc = new (engine.peerConnectionClass())();
  const stream = new PhoneMediaStream();
  const track = stream.getAudioTracks()[0] as PhoneAudioTrack;
  pc.addTrack(track, stream);
  t.after(async () => {
    pc.close();
    await pc.whenClosed();
  });
  return { pc, track };
}

async function exchange(a: SipdeskPeerConnection, b: SipdeskPeerConnection): Promise<void> {
  const offer = await a.createOffer();
  await a.setLocalDescription(offer);
  await b.setRemoteDescription(offer);
  const answer = await b.createAnswer();
  await b.setLocalDescription(answer);
  await a.setRemoteDescription(answer);
}

test('the clock ticks once per ptime without drift', async (t) => {
  const da = new ToneDevice(1000);
  const db = new ToneDevice(440);
  const a = pcFor(t, da, { codecs: ['PCMU'] });
  const b = pcFor(t, db, { codecs: ['PCMU'] });
  await exchange(a.pc, b.pc);
  const media = a.pc.media;
  assert.ok(media);
  const t0 = performance.now();
  const ticks0 = media.stats().ticks;
  await sleep(2000);
  const elapsed = performance.now() - t0;
  const ticks = media.stats().ticks - ticks0;
  t.diagnostic(`${ticks} ticks in ${elapsed.toFixed(1)} ms (expected ${(elapsed / 20).toFixed(1)}), late ${media.stats().lateTicks}`);
  assert.ok(Math.abs(ticks - elapsed / 20) <= 2, `${ticks} ticks in ${elapsed} ms`);
});

test('mute: setMuted and track.enabled = false send silence; unmute restores', async (t) => {
  const da = new ToneDevice(1000);
  const db = new ToneDevice(440);
  const a = pcFor(t, da, { codecs: ['PCMA'] });
  const b = pcFor(t, db, { codecs: ['PCMA'] });
  await exchange(a.pc, b.pc);
  await sleep(400);
  assert.ok(rmsDbfs(db.pcm(10)) > -20);

  a.track.enabled = false; // JsSIP's mute()
  await sleep(200);
  let mark = db.played.length;
  await sleep(400);
  assert.ok(rmsDbfs(db.pcm(mark)) < -50, `muted by track: ${rmsDbfs(db.pcm(mark))}`);
  assert.equal(a.pc.media?.muted, true);
  a.track.enabled = true;

  a.pc.media?.setMuted(true);
  await sleep(200);
  mark = db.played.length;
  await sleep(400);
  assert.ok(rmsDbfs(db.pcm(mark)) < -50);
  a.pc.media?.setMuted(false);
  await sleep(200);
  mark = db.played.length;
  await sleep(400);
  const f = dominantFrequency(db.pcm(mark), 8000);
  assert.ok(f !== undefined && Math.abs(f - 1000) < 20, `after unmute: ${f}`);
});

test('a re-offer that changes the codec reopens the audio port at the new rate', async (t) => {
  const da = new ToneDevice(1000);
  const db = new ToneDevice(440);
  const a = pcFor(t, da, { codecs: ['PCMU', 'G722'] });
  const b = pcFor(t, db, { codecs: ['PCMU', 'G722'] });
  await exchange(a.pc, b.pc);
  assert.equal(b.pc.media?.session.send.name, 'PCMU');
  // A re-INVITE offering only G722 (from a new peer C, as after a transfer) moves B to G722 at 16 kHz.
  const c = pcFor(t, new ToneDevice(700), { codecs: ['G722'] });
  const offer = await c.pc.createOffer();
  await c.pc.setLocalDescription(offer);
  await b.pc.setRemoteDescription(offer);
  const answer = await b.pc.createAnswer();
  await b.pc.setLocalDescription(answer);
  await c.pc.setRemoteDescription(answer);
  assert.equal(b.pc.media?.session.send.name, 'G722');
  await sleep(800);
  assert.deepEqual(db.rates, [8000, 16000]);
  const mark = db.played.length - 20;
  const f = dominantFrequency(db.pcm(mark), 16000);
  assert.ok(f !== undefined && Math.abs(f - 700) < 14, `G722 from C: ${f}`);
});

test('media timeout: CallMedia emits timeout, the pc goes iceConnectionState failed', async (t) => {
  const a = pcFor(t, new ToneDevice(1000), { codecs: ['PCMU'], mediaTimeout: 1 });
  const b = pcFor(t, new ToneDevice(440), { codecs: ['PCMU'] });
  await exchange(a.pc, b.pc);
  const states: string[] = [];
  a.pc.addEventListener('iceconnectionstatechange', () => states.push(a.pc.iceConnectionState));
  let timedOut = false;
  a.pc.media?.on('timeout', () => (timedOut = true));
  await sleep(300);
  b.pc.close(); // the peer stops sending
  await b.pc.whenClosed();
  const end = Date.now() + 3000;
  while (!timedOut && Date.now() < end) await sleep(20);
  assert.equal(timedOut, true);
  assert.equal(a.pc.iceConnectionState, 'failed');
  assert.deepEqual(states, ['failed']);
});
