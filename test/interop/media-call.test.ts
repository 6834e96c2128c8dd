// Real calls through Kamailio between sipdesk (JsSIP + our media engine, in this process) and baresip:
// sipdesk sends 1 kHz from a WAV file, baresip sends its 440 Hz tone; what each side heard is recorded
// (baresip's sndfile module, our WAV device) and measured: frequency, level, longest gap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKamailio } from '../harness/kamailio.js';
import { startBaresip, writeToneWav } from '../harness/baresip.js';
import { useWorkdir } from '../harness/workdir.js';
import { startMediaPhone } from '../harness/media-phone.js';
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
  const alice = await startMediaPhone({ pbx: k, codecs: [v.codec], srtp: v.srtp, source, sink });
  w.defer(() => alice.stop());
  const session = await alice.call(`sip:bob@${k.domain}`);
  await new Promise((r) => setTimeout(r, 3000));
  await alice.hangUp(session);
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
