import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AudioDevice, AudioPort, AudioPortOptions, AudioPortStats } from '../../src/media/audio/audio-port.js';
import { MixingAudioDevice } from '../../src/media/audio/mixer.js';
import { LocalSoundPlayer, loadRingtone, type LocalSoundEndedEvent } from '../../src/media/local-sound.js';
import { ManualFrameTime } from '../../src/media/frame-clock.js';
import { TONE_PLANS } from '../../src/media/dsp/tone-plans.js';
import { goertzelDbfs, longestGap, rmsDbfs } from '../../src/media/dsp/analysis.js';
import { encodeWav } from '../../src/media/dsp/wav.js';

/** Records every frame written; counts opens and closes. */
class MemoryDevice implements AudioDevice {
  readonly name = 'memory';
  opens = 0;
  closes = 0;
  failOpen = false;
  readonly played: Int16Array[] = [];

  open(opts: AudioPortOptions): Promise<AudioPort> {
    if (this.failOpen) return Promise.reject(new Error('no such device'));
    this.opens++;
    const stats: AudioPortStats = { captureUnderruns: 0, captureOverrunSamples: 0, playbackOverruns: 0 };
    let closed = false;
    return Promise.resolve({
      name: 'memory',
      sampleRate: opts.sampleRate,
      frameSamples: opts.frameSamples,
      readCapture: () => new Int16Array(opts.frameSamples),
      writePlayback: (frame) => {
        assert.equal(closed, false, 'written after close');
        this.played.push(Int16Array.from(frame));
      },
      stats: () => stats,
      close: () => {
        closed = true;
        this.closes++;
        return Promise.resolve();
      },
    });
  }

  get isOpen(): boolean {
    return this.opens > this.closes;
  }

  pcm(): Int16Array {
    return Int16Array.from(this.played.flatMap((f) => [...f]));
  }
}

const RATE = 16000;
const msToSamples = (ms: number): number => (ms * RATE) / 1000;
const DBFS_TO_DBM0 = 3.17 + 20 * Math.log10(Math.SQRT2);

function setup(): { dev: MemoryDevice; time: ManualFrameTime; player: LocalSoundPlayer } {
  const dev = new MemoryDevice();
  const time = new ManualFrameTime();
  return { dev, time, player: new LocalSoundPlayer({ device: dev, time }) };
}

test('tone: US busy plays 480 + 620 Hz at −24 dBm0 each, 0.5 s on / 0.5 s off', async () => {
  const { dev, time, player } = setup();
  const sound = await player.playTone(TONE_PLANS.us.busy);
  assert.equal(sound.name, 'busy');
  assert.equal(dev.opens, 1);
  time.advance(2000);
  const pcm = dev.pcm();
  assert.equal(pcm.length, msToSamples(2000));
  for (let k = 0; k < 2; k++) {
    const on = pcm.subarray(msToSamples(k * 1000 + 20), msToSamples(k * 1000 + 480));
    const off = pcm.subarray(msToSamples(k * 1000 + 505), msToSamples(k * 1000 + 995));
    for (const f of [480, 620]) {
      const level = goertzelDbfs(on, f, RATE) + DBFS_TO_DBM0;
      assert.ok(Math.abs(level - -24) < 0.3, `${f} Hz at ${level.toFixed(2)} dBm0 in period ${k}`);
    }
    assert.ok(goertzelDbfs(on, 1000, RATE) < -70, 'nothing but the two tones');
    assert.equal(rmsDbfs(off), -Infinity, `silent off phase ${k}`);
  }
  // The cadence edges: the first off phase starts at 500 ms and lasts 500 ms (2 ms ramp tolerance).
  const gap = longestGap(pcm.subarray(0, msToSamples(1000)), RATE, { windowMs: 1 });
  assert.ok(Math.abs(gap.startMs - 500) <= 2 && Math.abs(gap.durationMs - 500) <= 2, JSON.stringify(gap));
  await player.stop();
  assert.equal(await sound.ended, 'stopped');
  assert.equal(dev.isOpen, false);
  assert.equal(time.pendingTimers, 0, 'the clock stopped');
});

test('tone: volume changes the level by the dB asked, also while playing', async () => {
  const { dev, time, player } = setup();
  await player.playTone(TONE_PLANS.us.dial);
  time.advance(200);
  const loud = rmsDbfs(dev.pcm(), msToSamples(20));
  await player.playTone(TONE_PLANS.us.dial, { volumeDb: -9 });
  time.advance(200);
  const quiet = rmsDbfs(dev.pcm(), msToSamples(220));
  assert.ok(Math.abs(quiet - loud - -9) < 0.05, `${(quiet - loud).toFixed(3)} dB`);
  player.setVolume(6);
  time.advance(200);
  const louder = rmsDbfs(dev.pcm(), msToSamples(400));
  assert.ok(Math.abs(louder - loud - 6) < 0.05, `${(louder - loud).toFixed(3)} dB`);
  assert.equal(dev.opens, 1, 'a new sound reuses the open port');
  await assert.rejects(player.playTone(TONE_PLANS.us.dial, { volumeDb: Number.NaN }), RangeError);
  assert.throws(() => player.setVolume(99), /outside/);
  await player.stop();
});

test('clip: plays once, then ends (event and promise) and closes the port', async () => {
  const { dev, time, player } = setup();
  const ended: LocalSoundEndedEvent[] = [];
  player.on('ended', (e) => ended.push(e));
  // 250 ms: not a whole number of frames, so the last frame is part clip, part silence.
  const clip = Int16Array.from({ length: msToSamples(250) }, (_, i) => (i % 200) - 100);
  const sound = await player.playClip(clip);
  time.advance(240);
  assert.equal(ended.length, 0);
  assert.equal(player.portOpen, true);
  time.advance(40); // the last frame at 260 ms, the end one tick later
  assert.equal(await sound.ended, 'finished');
  assert.deepEqual(ended.map((e) => e.reason), ['finished']);
  assert.equal(ended[0]!.sound, sound);
  assert.equal(dev.isOpen, false);
  assert.equal(player.current, undefined);
  const pcm = dev.pcm();
  assert.equal(pcm.length, msToSamples(260));
  assert.deepEqual([...pcm.subarray(0, clip.length)], [...clip]);
  assert.ok(pcm.subarray(clip.length).every((s) => s === 0));
  time.advance(200);
  assert.equal(dev.played.length, 13, 'nothing after the end');
});

test('clip: looping plays until stopped; a new sound replaces the old one', async () => {
  const { dev, time, player } = setup();
  const clip = new Int16Array(msToSamples(30)).fill(500);
  const ring = await player.playClip(clip, { loop: true, gapMs: 10, volumeDb: -6 });
  time.advance(400);
  assert.equal(dev.played.length, 20);
  const pcm = dev.pcm();
  // 30 ms at 500 × −6 dB (251), 10 ms of silence, repeated.
  assert.equal(pcm[0], 251);
  assert.equal(pcm[msToSamples(35)], 0);
  assert.equal(pcm[msToSamples(385)], 251);
  const beep = await player.playTone(TONE_PLANS.us.confirm);
  assert.equal(await ring.ended, 'replaced');
  time.advance(600);
  assert.equal(await beep.ended, 'finished', 'a plan that does not repeat ends by itself');
  assert.equal(dev.isOpen, false);
  assert.equal(dev.opens, 1);
});

test('stop while the port is opening leaves nothing open; a failing device rejects', async () => {
  const { dev, time, player } = setup();
  const starting = player.playTone(TONE_PLANS.us.ringback);
  const stopped = player.stop();
  const sound = await starting;
  await stopped;
  assert.equal(await sound.ended, 'stopped');
  time.advance(100);
  assert.equal(dev.isOpen, false);
  assert.equal(dev.played.length, 0);

  dev.failOpen = true;
  await assert.rejects(player.playTone(TONE_PLANS.us.busy), /no such device/);
  assert.equal(player.current, undefined);
  assert.equal(time.pendingTimers, 0);
  await assert.rejects(player.playTone({ name: 'bad', levelDbm0: -13, repeat: true, segments: [] }), /no segments/);
});

test('on the mixer: a local tone sounds over a call, and its port goes when the tone stops', async () => {
  const dev = new MemoryDevice();
  const time = new ManualFrameTime();
  const mixer = new MixingAudioDevice(dev, { time });
  const call = await mixer.deviceFor('call-1').open({ sampleRate: 8000, frameSamples: 160 });
  const player = new LocalSoundPlayer({ device: mixer.deviceFor('local-sound'), time });
  await player.playTone(TONE_PLANS.us.callWaiting);
  for (let i = 0; i < 15; i++) {
    call.writePlayback(new Int16Array(160).fill(2000));
    time.advance(20);
  }
  const pcm = dev.pcm().subarray(msToSamples(100), msToSamples(280));
  assert.ok(goertzelDbfs(pcm, 440, RATE) > -30, 'the call-waiting beep is heard');
  assert.ok(Math.abs(pcm.reduce((a, s) => a + s, 0) / pcm.length - 2000) < 50, 'over the call audio (its DC level)');
  await player.stop();
  assert.equal(mixer.stats().ports.length, 1);
  assert.equal(dev.isOpen, true, 'the call still holds the device');
  await call.close();
  assert.equal(dev.isOpen, false);
});

test('loadRingtone: decodes to the rate asked; clear errors for a missing, corrupt or empty file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-ring-'));
  const good = join(dir, 'ring.wav');
  writeFileSync(good, encodeWav(Int16Array.from({ length: 800 }, (_, i) => Math.round(8000 * Math.sin(i / 3))), 8000));
  const pcm = await loadRingtone(good, 16000);
  assert.equal(pcm.length, 1600);

  await assert.rejects(loadRingtone(join(dir, 'none.wav'), 16000), /ringtone .*none\.wav: no such file/);
  writeFileSync(join(dir, 'bad.wav'), 'RIFF....not a wave at all');
  await assert.rejects(loadRingtone(join(dir, 'bad.wav'), 16000), /ringtone .*bad\.wav: WAV:/);
  writeFileSync(join(dir, 'empty.wav'), encodeWav(new Int16Array(0), 16000));
  await assert.rejects(loadRingtone(join(dir, 'empty.wav'), 16000), /no audio/);
  await assert.rejects(loadRingtone(dir, 16000), /not a regular file/);
  await assert.rejects(loadRingtone(good, 0), RangeError);
});
