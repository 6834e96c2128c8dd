// Real calls through Kamailio between sipdesk (JsSIP + our media engine, in this process) and baresip:
// sipdesk sends 1 kHz from a WAV file, baresip sends its 440 Hz tone; what each side heard is recorded
// (baresip's sndfile module, our WAV device) and measured: frequency, level, longest gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKamailio } from '../harness/kamailio.js';
import { startBaresip, writeToneWav } from '../harness/baresip.js';
import { freePort } from '../harness/ports.js';
import { useWorkdir } from '../harness/workdir.js';
import { parseConfig } from '../../src/config/load.js';
import { createSipStack } from '../../src/sip/sip-stack.js';
import { MediaEngine } from '../../src/media/media-engine.js';
import { createPhoneMediaStream } from '../../src/media/media-stream.js';
import { wavAudioDevice } from '../../src/media/audio/wav-audio.js';
import { encodeWav, parseWav } from '../../src/media/dsp/wav.js';
import { dominantFrequency, longestGapMs, rmsDbfs } from '../../src/media/dsp/analysis.js';

interface Heard {
  frequency: number | undefined;
  levelDbfs: number;
  gapMs: number;
  seconds: number;
}

/** Measures the middle of a recording: the first and last 300 ms hold call setup and teardown. */
function measure(file: string): Heard {
  const wav = parseWav(readFileSync(file));
  const trim = Math.round(0.3 * wav.sampleRate);
  const mid = wav.samples.subarray(trim, Math.max(trim, wav.samples.length - trim));
  return {
    frequency: dominantFrequency(mid, wav.sampleRate),
    levelDbfs: rmsDbfs(mid),
    gapMs: longestGapMs(mid, wav.sampleRate),
    seconds: wav.samples.length / wav.sampleRate,
  };
}

function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

function tone(hz: number, seconds: number, rate: number): Int16Array {
  return Int16Array.from({ length: seconds * rate }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)));
}

interface Variant {
  name: string;
  codec: 'PCMU' | 'PCMA' | 'G722';
  /** baresip account parameters: its codec (and media encryption) */
  baresipParams: string;
  baresipModules: string[];
  rate: number;
  srtp: 'off' | 'optional' | 'required';
}

const VARIANTS: Variant[] = [
  { name: 'PCMU', codec: 'PCMU', baresipParams: ';answermode=auto;audio_codecs=PCMU', baresipModules: [], rate: 8000, srtp: 'off' },
  { name: 'PCMA', codec: 'PCMA', baresipParams: ';answermode=auto;audio_codecs=PCMA', baresipModules: [], rate: 8000, srtp: 'off' },
  { name: 'G722', codec: 'G722', baresipParams: ';answermode=auto;audio_codecs=G722/16000/1', baresipModules: ['g722.so'], rate: 16000, srtp: 'off' },
  { name: 'PCMU+SRTP (SDES, RTP/SAVP)', codec: 'PCMU', baresipParams: ';answermode=auto;audio_codecs=PCMU;mediaenc=srtp-mand', baresipModules: ['srtp.so'], rate: 8000, srtp: 'required' },
];

for (const v of VARIANTS) test(`${v.name} call sipdesk → baresip through Kamailio: 1 kHz heard by baresip, 440 Hz heard by sipdesk`, { timeout: 60_000 }, async (t) => {
  const w = useWorkdir(t, `media-call-${v.codec}-${v.srtp}`);
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const rec = join(w.path, 'bob-heard');
  mkdirSync(rec);
  // baresip's aufile source must be at the codec's rate (16 kHz for G.722); 60 s outlasts the call.
  const bobSays = join(w.path, 'bob-says.wav');
  writeToneWav(bobSays, { seconds: 60, hz: 440, rate: v.rate });
  const bob = await startBaresip({
    workdir: w.path,
    user: 'bob',
    registrar: `${k.ip}:${k.port}`,
    modules: ['sndfile.so', ...v.baresipModules],
    extraConfig: [`snd_path\t\t${rec}`],
    accountParams: v.baresipParams,
    sourceWav: bobSays,
    sampleRate: v.rate,
  });
  w.defer(() => bob.stop());

  const source = join(w.path, 'alice-says.wav');
  writeFileSync(source, encodeWav(tone(1000, 2, v.rate), v.rate));
  const sink = join(w.path, 'alice-heard.wav');
  const config = parseConfig({
    account: { aor: `sip:alice@${k.domain}`, password: 'secret', proxy: `sip:${k.ip}:${k.port};transport=tcp` },
    api: { port: 0 },
    sip: { listenPort: await freePort(), listenAddress: '127.0.0.1', contactHost: '127.0.0.1' },
    device: { instanceId: '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01' },
    media: { codecs: [v.codec], srtp: v.srtp },
  });
  const engine = new MediaEngine({ media: config.media, audioDevice: wavAudioDevice({ source, sink }), localAddress: '127.0.0.1' });
  w.defer(engine.install(globalThis));
  const sip = await createSipStack(config);
  w.defer(() => sip.stop(1000));
  const ua = sip.ua as unknown as import('node:events').EventEmitter & {
    call(target: string, options: Record<string, unknown>): import('node:events').EventEmitter & { terminate(): void };
  };
  ua.on('newRTCSession', (e: { session: Parameters<MediaEngine['attachSession']>[0] }) => engine.attachSession(e.session));
  sip.start();
  await within(10_000, 'registration', new Promise<void>((resolve) => sip.registration.once('state', function wait(s: { state: string }) {
    if (s.state === 'registered') resolve();
    else sip.registration.once('state', wait);
  })));

  const session = ua.call(`sip:bob@${k.domain}`, { mediaStream: createPhoneMediaStream(), mediaConstraints: { audio: true, video: false } });
  const confirmed = new Promise<void>((resolve, reject) => {
    session.once('confirmed', () => resolve());
    session.once('failed', (e: { cause: string }) => reject(new Error(`call failed: ${e.cause}`)));
  });
  await within(10_000, 'call confirmed', confirmed);
  await new Promise((r) => setTimeout(r, 3000));
  const ended = new Promise<void>((resolve) => session.once('ended', () => resolve()));
  session.terminate();
  await within(5000, 'call ended', ended);
  await new Promise((r) => setTimeout(r, 500)); // baresip closes its recording on BYE

  const heardByBob = readdirSync(rec).find((f) => f.endsWith('-dec.wav'));
  assert.ok(heardByBob, `baresip recorded nothing: ${readdirSync(rec).join(', ')}`);
  const bobHeard = measure(join(rec, heardByBob));
  const aliceHeard = measure(sink);
  t.diagnostic(`baresip heard ${JSON.stringify(bobHeard)}`);
  t.diagnostic(`sipdesk heard ${JSON.stringify(aliceHeard)}`);
  assert.ok(Math.abs(bobHeard.frequency! - 1000) < 20, `baresip heard ${bobHeard.frequency} Hz`);
  assert.ok(Math.abs(aliceHeard.frequency! - 440) < 10, `sipdesk heard ${aliceHeard.frequency} Hz`);
  assert.ok(bobHeard.levelDbfs > -20 && aliceHeard.levelDbfs > -30, 'audible levels');
  assert.ok(bobHeard.gapMs < 40, `gap in what baresip heard: ${bobHeard.gapMs} ms`);
  assert.ok(aliceHeard.gapMs < 40, `gap in what sipdesk heard: ${aliceHeard.gapMs} ms`);
  w.pass();
});
