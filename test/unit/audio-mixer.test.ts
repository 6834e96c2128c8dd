import { joinFrames } from '../harness/media-probe.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AudioDevice, AudioPort, AudioPortOptions, AudioPortStats } from '../../src/media/audio/audio-port.js';
import { HalfBandResampler, MixingAudioDevice } from '../../src/media/audio/mixer.js';
import { FrameClock, ManualFrameTime } from '../../src/media/frame-clock.js';
import { dominantFrequency, goertzelDbfs, longestGap, rmsDbfs } from '../../src/media/dsp/analysis.js';

/** The "real" device: records what is played, captures what `mic` supplies, counts opens and closes. */
class MemoryDevice implements AudioDevice {
  readonly name = 'memory';
  opens = 0;
  closes = 0;
  failNextOpen = false;
  lastOptions: AudioPortOptions | undefined;
  readonly played: Int16Array[] = [];
  /** Sample n of the microphone signal (n counts from the first capture read). */
  mic: (n: number) => number = () => 0;
  #micPos = 0;

  open(opts: AudioPortOptions): Promise<AudioPort> {
    if (this.failNextOpen) {
      this.failNextOpen = false;
      return Promise.reject(new Error('device busy'));
    }
    this.opens++;
    this.lastOptions = opts;
    const stats: AudioPortStats = { captureUnderruns: 0, captureOverrunSamples: 0, playbackOverruns: 0 };
    return Promise.resolve({
      name: 'memory',
      sampleRate: opts.sampleRate,
      frameSamples: opts.frameSamples,
      readCapture: () => Int16Array.from({ length: opts.frameSamples }, () => this.mic(this.#micPos++)),
      writePlayback: (frame) => void this.played.push(Int16Array.from(frame)),
      stats: () => stats,
      close: () => {
        this.closes++;
        return Promise.resolve();
      },
    });
  }

  get isOpen(): boolean {
    return this.opens > this.closes;
  }

  /** Everything played, frames [from, to) joined. */
  playedPcm(from = 0, to = this.played.length): Int16Array {
    return joinFrames(this.played.slice(from, to));
  }
}

const filled = (n: number, v: number): Int16Array => new Int16Array(n).fill(v);
const sineSample = (freq: number, rate: number, peak: number) => (n: number) => Math.round(peak * Math.sin((2 * Math.PI * freq * n) / rate));
const sineFrame = (freq: number, rate: number, peak: number, from: number, n: number): Int16Array =>
  Int16Array.from({ length: n }, (_, i) => sineSample(freq, rate, peak)(from + i));

function setup(): { dev: MemoryDevice; time: ManualFrameTime; mixer: MixingAudioDevice } {
  const dev = new MemoryDevice();
  const time = new ManualFrameTime();
  const mixer = new MixingAudioDevice(dev, { time });
  return { dev, time, mixer };
}

const WIDE = { sampleRate: 16000, frameSamples: 320 };
const NARROW = { sampleRate: 8000, frameSamples: 160 };

test('mixer: the playback of two ports is summed on the real device, saturating instead of wrapping', async () => {
  const { dev, time, mixer } = setup();
  const a = await mixer.open(WIDE);
  const b = await mixer.open(WIDE);
  a.writePlayback(Int16Array.from({ length: 320 }, (_, i) => i));
  b.writePlayback(filled(320, 1000));
  time.advance(20);
  assert.equal(dev.played.length, 1);
  assert.deepEqual([...dev.played[0]!], Array.from({ length: 320 }, (_, i) => i + 1000));

  a.writePlayback(filled(320, 30000));
  b.writePlayback(filled(320, 10000));
  time.advance(20);
  assert.ok(dev.played[1]!.every((s) => s === 32767), 'clipped at full scale');
  await Promise.all([a.close(), b.close()]);
});

test('mixer: a port that is not audible is not heard, by handle or by name, and audible again when set', async () => {
  const { dev, time, mixer } = setup();
  const a = await mixer.open(WIDE);
  mixer.setAudible('call-2', false); // before the port exists: applies when it opens
  const held = await mixer.deviceFor('call-2').open(WIDE);
  assert.equal(held.name, 'call-2');
  assert.equal(mixer.flags(held).audible, false);
  a.writePlayback(filled(320, 100));
  held.writePlayback(filled(320, 7));
  time.advance(20);
  assert.ok(dev.played[0]!.every((s) => s === 100), 'only the audible port');

  mixer.setAudible(held, true);
  a.writePlayback(filled(320, 100));
  held.writePlayback(filled(320, 7));
  time.advance(20);
  assert.ok(dev.played[1]!.every((s) => s === 107));
  mixer.setAudible(a, false);
  a.writePlayback(filled(320, 100));
  held.writePlayback(filled(320, 7));
  time.advance(20);
  assert.ok(dev.played[2]!.every((s) => s === 7));
  await Promise.all([a.close(), held.close()]);
});

test('mixer: capture reaches every port; a port with its microphone off gets silence', async () => {
  const { dev, time, mixer } = setup();
  dev.mic = (n) => (n % 1000) - 500;
  const a = await mixer.open(WIDE);
  const b = await mixer.open(WIDE);
  const c = await mixer.open(WIDE);
  mixer.setMicrophone(c, false);
  time.advance(20);
  const expected = Array.from({ length: 320 }, (_, i) => (i % 1000) - 500);
  assert.deepEqual([...a.readCapture()], expected);
  assert.deepEqual([...b.readCapture()], expected);
  assert.ok(c.readCapture().every((s) => s === 0));
  assert.equal(c.stats().captureUnderruns, 0, 'silence is delivered, not missing');
  await Promise.all([a.close(), b.close(), c.close()]);
});

test('mixer: conference members hear the mic and each other, never themselves; leaving stops it', async () => {
  const { dev, time, mixer } = setup();
  dev.mic = () => 1000;
  const a = await mixer.deviceFor('call-a').open(WIDE);
  const b = await mixer.deviceFor('call-b').open(WIDE);
  const tone = await mixer.deviceFor('local-sound').open(WIDE);
  mixer.setConferenceGroup(a, 'conf');
  mixer.setConferenceGroup('call-b', 'conf');
  const step = (): void => {
    a.writePlayback(filled(320, 100));
    b.writePlayback(filled(320, 20));
    tone.writePlayback(filled(320, 3));
    time.advance(20);
  };
  step();
  assert.ok(a.readCapture().every((s) => s === 1020), 'A gets mic + B');
  assert.ok(b.readCapture().every((s) => s === 1100), 'B gets mic + A');
  assert.ok(tone.readCapture().every((s) => s === 1000), 'not a member: mic only');
  assert.ok(dev.played[0]!.every((s) => s === 123), 'the user hears everyone');

  mixer.setAudible(b, false); // membership does not depend on being audible to the user
  step();
  assert.ok(a.readCapture().every((s) => s === 1020));
  assert.ok(b.readCapture().every((s) => s === 1100));
  assert.ok(dev.played[1]!.every((s) => s === 103));

  mixer.setConferenceGroup(b, undefined); // either leg may leave
  step();
  assert.ok(a.readCapture().every((s) => s === 1000), 'A alone in the group hears only the mic');
  assert.ok(b.readCapture().every((s) => s === 1000));
  assert.equal(mixer.flags('call-a').conferenceGroup, 'conf');
  assert.throws(() => mixer.setConferenceGroup(a, ''), RangeError);
  await Promise.all([a.close(), b.close(), tone.close()]);
});

test('mixer: an 8 kHz port on the 16 kHz device keeps a 1 kHz tone\'s frequency and level, without images or aliases', async () => {
  const { dev, time, mixer } = setup();
  const narrow = await mixer.open(NARROW);
  const peak = 10000;
  const frames = 50;
  for (let k = 0; k < frames; k++) {
    narrow.writePlayback(sineFrame(1000, 8000, peak, k * 160, 160));
    time.advance(20);
  }
  // Skip the first frames (filter start-up) and measure the steady state.
  const out = dev.playedPcm(2, frames);
  const input = sineFrame(1000, 8000, peak, 0, 8000);
  const freq = dominantFrequency(out, 16000);
  assert.ok(freq !== undefined && Math.abs(freq - 1000) < 0.5, `frequency ${freq}`);
  assert.ok(Math.abs(rmsDbfs(out) - rmsDbfs(input)) < 0.1, `level ${rmsDbfs(out)} vs ${rmsDbfs(input)}`);
  assert.ok(goertzelDbfs(out, 7000, 16000) < rmsDbfs(input) - 55, 'the 7 kHz image of upsampling is filtered');

  // Capture: a 1 kHz microphone tone arrives intact; a 6 kHz one must not fold down to 2 kHz.
  const captured: Int16Array[] = [];
  dev.mic = sineSample(1000, 16000, peak);
  for (let k = 0; k < frames; k++) {
    time.advance(20);
    captured.push(narrow.readCapture());
  }
  const cap = Int16Array.from(captured.slice(2).flatMap((f) => [...f]));
  const capFreq = dominantFrequency(cap, 8000);
  assert.ok(capFreq !== undefined && Math.abs(capFreq - 1000) < 0.5, `capture frequency ${capFreq}`);
  assert.ok(Math.abs(rmsDbfs(cap) - rmsDbfs(input)) < 0.1, `capture level ${rmsDbfs(cap)}`);

  dev.mic = sineSample(6000, 16000, peak);
  const aliased: Int16Array[] = [];
  for (let k = 0; k < 10; k++) {
    time.advance(20);
    aliased.push(narrow.readCapture());
  }
  const alias = Int16Array.from(aliased.slice(2).flatMap((f) => [...f]));
  assert.ok(rmsDbfs(alias) < rmsDbfs(input) - 55, `6 kHz leaks into the 8 kHz port at ${rmsDbfs(alias)} dBFS`);
  assert.equal(narrow.stats().captureUnderruns, 0);
  await narrow.close();
});

test('mixer: a port with 30 ms frames (ptime 30) settles against the 20 ms mixer: no recurring glitches', async () => {
  const { dev, time, mixer } = setup();
  dev.mic = sineSample(1000, 16000, 8000);
  const call = await mixer.open({ sampleRate: 16000, frameSamples: 480 });
  const captured: Int16Array[] = [];
  let written = 0;
  const callClock = new FrameClock({
    frameMs: 30,
    time,
    onTick: () => {
      call.writePlayback(sineFrame(1000, 16000, 8000, written, 480));
      written += 480;
      captured.push(call.readCapture());
    },
  });
  time.advance(5); // out of phase with the mixer
  callClock.start();
  time.advance(300);
  const settled = call.stats();
  time.advance(1200);
  callClock.stop();
  assert.deepEqual(call.stats(), settled, 'no underruns or overruns after the first frames');
  assert.ok(settled.playbackUnderruns <= 1 && settled.captureUnderruns <= 1, JSON.stringify(settled));
  const out = dev.playedPcm(dev.played.length - 50);
  assert.equal(longestGap(out, 16000, { windowMs: 1 }).durationMs, 0, 'continuous playback');
  assert.ok(Math.abs(rmsDbfs(out) - rmsDbfs(sineFrame(1000, 16000, 8000, 0, 16000))) < 0.05);
  const cap = Int16Array.from(captured.slice(-30).flatMap((f) => [...f]));
  assert.equal(longestGap(cap, 16000, { windowMs: 1 }).durationMs, 0, 'continuous capture');
  await call.close();
});

test('half-band resampler: frames join seamlessly (streaming equals one block) and odd 2:1 frames are refused', () => {
  const signal = sineFrame(700, 8000, 12000, 0, 480);
  const whole = new HalfBandResampler('up').process(signal);
  const streamed = new HalfBandResampler('up');
  const parts = [signal.subarray(0, 160), signal.subarray(160, 320), signal.subarray(320)].map((p) => [...streamed.process(p)]);
  assert.deepEqual(parts.flat(), [...whole]);
  assert.throws(() => new HalfBandResampler('down').process(new Int16Array(5)), RangeError);
});

test('mixer: the real port is opened once, at the device rate, and closed after the last virtual port', async () => {
  const { dev, time, mixer } = setup();
  const [a, b] = await Promise.all([mixer.open(WIDE), mixer.deviceFor('call-2').open(NARROW)]);
  assert.equal(dev.opens, 1);
  assert.deepEqual(dev.lastOptions, { sampleRate: 16000, frameSamples: 320 });
  time.advance(60);
  assert.equal(dev.played.length, 3);
  await a.close();
  assert.equal(dev.closes, 0, 'still in use');
  assert.equal(mixer.isOpen, true);
  await b.close();
  await b.close(); // idempotent
  assert.equal(dev.closes, 1);
  assert.equal(mixer.isOpen, false);
  assert.equal(time.pendingTimers, 0, 'the mixer clock stopped');
  time.advance(100);
  assert.equal(dev.played.length, 3, 'nothing plays on a closed device');
  assert.throws(() => mixer.setAudible(a, false), /not an open port/);
  a.writePlayback(filled(320, 1)); // harmless after close
  assert.equal(a.readCapture().length, 320);

  const again = await mixer.open(WIDE);
  assert.equal(dev.opens, 2);
  assert.equal(mixer.stats().realOpens, 2);
  await again.close();
  assert.equal(dev.isOpen, false);
});

test('mixer: a failing real device rejects the open, and a later open tries again', async () => {
  const { dev, mixer } = setup();
  dev.failNextOpen = true;
  await assert.rejects(mixer.open(WIDE), /device busy/);
  assert.equal(mixer.isOpen, false);
  const p = await mixer.open(WIDE);
  assert.equal(dev.opens, 1);
  await p.close();
  await assert.rejects(mixer.open({ sampleRate: 11025, frameSamples: 220 }), /11025 Hz is not supported/);
  await assert.rejects(mixer.open({ sampleRate: 8000, frameSamples: 0 }), /bad frame size/);
  assert.equal(dev.opens, 1, 'bad options never reach the device');
  assert.throws(() => new MixingAudioDevice(dev, { frameMs: 0 }), RangeError);
  assert.throws(() => mixer.deviceFor(''), RangeError);
});

test('mixer: rings are bounded (at most a port frame + a mixer frame) and overruns are counted', async () => {
  const { dev, time, mixer } = setup();
  dev.mic = (n) => n;
  const p = await mixer.deviceFor('call-1').open(WIDE);
  for (let i = 0; i < 10; i++) p.writePlayback(filled(320, i + 1));
  assert.equal(p.stats().playbackOverruns, 8, 'two frames fit');
  time.advance(20);
  assert.ok(dev.played[0]!.every((s) => s === 9), 'the oldest frames were dropped');
  time.advance(20);
  assert.ok(dev.played[1]!.every((s) => s === 10));
  time.advance(20);
  assert.equal(p.stats().playbackUnderruns, 1, 'nothing left to play on the third tick');

  // Not read for 10 ticks: only the newest two frames are kept (the capture does not lag behind).
  time.advance(200);
  const stats = mixer.stats().ports[0]!;
  assert.equal(stats.name, 'call-1');
  assert.equal(stats.captureOverrunSamples, 13 * 320 - 640);
  const f = p.readCapture();
  assert.equal(f[0], 11 * 320, 'the frame before the newest');
  p.readCapture();
  p.readCapture();
  assert.equal(p.stats().captureUnderruns, 1);
  await p.close();
});

test('mixer: a reopen (codec change) keeps the real port open and the flags of the name; release() forgets them', async () => {
  const { dev: real, mixer } = setup();
  const dev = mixer.deviceFor('call-1');
  const first = await dev.open(WIDE);
  mixer.setAudible(first, false);
  mixer.setMicrophone('call-1', false);
  // As CallMedia.update does it: close, and open at the new rate in the same turn.
  const closing = first.close();
  const reopening = dev.open(NARROW);
  await closing;
  const second = await reopening;
  assert.equal(real.opens, 1);
  assert.equal(real.closes, 0, 'the real device stayed open');
  assert.deepEqual(mixer.flags(second), { audible: false, microphone: false, conferenceGroup: undefined });
  mixer.release('call-1');
  assert.equal(mixer.flags(second).audible, false, 'an open port keeps its flags');
  await second.close();
  assert.deepEqual(mixer.flags('call-1'), { audible: true, microphone: true, conferenceGroup: undefined }, 'forgotten');
  mixer.release('call-1');
});

test('frame clock: drift-free schedule, catch-up of late ticks, re-anchor after a stall', () => {
  const time = new ManualFrameTime(1000);
  const at: number[] = [];
  const clock = new FrameClock({ frameMs: 20, time, onTick: () => at.push(time.now()) });
  clock.start();
  time.advance(60);
  assert.deepEqual(at, [1020, 1040, 1060]);
  // A callback that arrives 30 ms late does the missed tick at once, and the next is due on schedule.
  const late = new ManualFrameTime(0);
  const lateAt: number[] = [];
  let delay = 30;
  const lateTime = {
    now: () => late.now(),
    setTimeout: (fn: () => void, ms: number) => {
      const extra = delay;
      delay = 0;
      return late.setTimeout(fn, ms + extra);
    },
    clearTimeout: (h: unknown) => late.clearTimeout(h),
  };
  const c2 = new FrameClock({ frameMs: 20, time: lateTime, onTick: () => lateAt.push(late.now()) });
  c2.start();
  late.advance(100);
  assert.deepEqual(lateAt, [50, 50, 60, 80, 100]);
  assert.equal(c2.stats().lateTicks, 1);
  c2.stop();

  clock.stop();
  assert.equal(time.pendingTimers, 0);
  // Simulate a stall: a timer that could not run for a second.
  const stall = new ManualFrameTime(0);
  let n = 0;
  const stalled = new FrameClock({
    frameMs: 20,
    time: { now: () => stall.now(), setTimeout: (fn, ms) => stall.setTimeout(fn, n++ === 0 ? ms + 1000 : ms), clearTimeout: (h) => stall.clearTimeout(h) },
    onTick: () => undefined,
  });
  stalled.start();
  stall.advance(1020);
  assert.equal(stalled.stats().reanchors, 1);
  assert.equal(stalled.stats().ticks, 6, 'five caught up, then one more on the new schedule');
  stalled.stop();
  assert.throws(() => new FrameClock({ frameMs: 0, onTick: () => undefined }), RangeError);
});

test('mixer: runs on real timers by default', async () => {
  const dev = new MemoryDevice();
  const mixer = new MixingAudioDevice(dev);
  const p = await mixer.open(WIDE);
  await new Promise((r) => setTimeout(r, 130));
  await p.close();
  assert.ok(dev.played.length >= 4 && dev.played.length <= 10, `${dev.played.length} frames in 130 ms`);
});
