// The simulator's "use my microphone and speakers": the server's BrowserAudioDevice (wire format, capture
// jitter buffer, playback frames, who holds it), the SwitchableAudioDevice that moves a phone's open ports
// between the tone and the page, and the page's own converters (sim/web/pcm.ts, browser-free).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AUDIO_MESSAGE_BYTES,
  AudioFloor,
  BROWSER_FRAME_SAMPLES,
  BrowserAudioDevice,
  SwitchableAudioDevice,
  decodeAudioMessage,
  encodeAudioMessage,
  followPageAudio,
  type PageAudioLink,
} from '../../sim/server/browser-audio.js';
import type { AudioDevice, AudioPort, AudioPortOptions } from '../../src/media/audio/audio-port.js';
import { goertzelDbfs } from '../../src/media/dsp/analysis.js';
import { FrameCutter, LevelMeter, StreamResampler, audioMessage, isAudioMessage, readAudioMessage } from '../../sim/web/pcm.js';

const OPTS: AudioPortOptions = { sampleRate: 16000, frameSamples: BROWSER_FRAME_SAMPLES };

/** A page message whose every sample is `value` (frames told apart by their value). */
function pageFrame(value: number, samples = BROWSER_FRAME_SAMPLES): Buffer {
  const frame = new Int16Array(samples).fill(value);
  const out = Buffer.alloc(4 + samples * 2);
  out.write('SDA1', 0, 'latin1');
  for (let i = 0; i < samples; i++) out.writeInt16LE(frame[i]!, 4 + 2 * i);
  return out;
}

function recordingLink(accept = true): PageAudioLink & { sent: Buffer[]; released: string[] } {
  const sent: Buffer[] = [];
  const released: string[] = [];
  return { sent, released, send: (m) => (sent.push(m), accept), release: (r) => void released.push(r) };
}

/** What a whole frame holds when every sample is the same (NaN when they differ). */
function valueOf(frame: Int16Array): number {
  return frame.every((s) => s === frame[0]) ? frame[0]! : NaN;
}

describe('audio messages (server side)', () => {
  test('a frame survives encoding and decoding, little-endian after the "SDA1" tag', () => {
    const frame = Int16Array.from({ length: BROWSER_FRAME_SAMPLES }, (_, i) => (i * 211) % 65536 - 32768);
    const message = encodeAudioMessage(frame);
    assert.equal(message.length, AUDIO_MESSAGE_BYTES);
    assert.equal(message.subarray(0, 4).toString('latin1'), 'SDA1');
    assert.equal(message.readInt16LE(4 + 2 * 5), frame[5]);
    assert.deepEqual(decodeAudioMessage(message), frame);
  });

  test('malformed, odd-length, short and oversized messages are refused with a reason', () => {
    assert.throws(() => decodeAudioMessage(Buffer.from('SDF1xxxx')), /does not start with "SDA1"/);
    assert.throws(() => decodeAudioMessage(Buffer.from('SD')), /does not start with "SDA1"/);
    assert.throws(() => decodeAudioMessage(Buffer.concat([pageFrame(1), Buffer.from([0])])), /odd payload of 641 bytes/);
    assert.throws(() => decodeAudioMessage(pageFrame(1, 160)), /160 samples, expected 320/);
    assert.throws(() => decodeAudioMessage(pageFrame(1, 16000)), /16000 samples, expected 320/);
    assert.throws(() => decodeAudioMessage(Buffer.from('SDA1')), /0 samples/);
    assert.throws(() => encodeAudioMessage(new Int16Array(100)), /100 samples/);
  });
});

describe('BrowserAudioDevice', () => {
  test('opens only at the page\'s 16 kHz, 20 ms frames', async () => {
    const device = new BrowserAudioDevice('alice');
    await assert.rejects(device.open({ sampleRate: 8000, frameSamples: 160 }), /16 kHz/);
    const port = await device.open(OPTS);
    assert.equal(port.frameSamples, 320);
    await port.close();
  });

  test('capture: silence until two frames are queued, then the frames in order, then silence on underrun', async () => {
    const device = new BrowserAudioDevice('alice');
    const port = await device.open(OPTS);
    const hold = device.attach(recordingLink());
    assert.equal(valueOf(port.readCapture()), 0, 'nothing received yet');
    hold.receive(pageFrame(11));
    assert.equal(valueOf(port.readCapture()), 0, 'one frame is not enough to start');
    hold.receive(pageFrame(12));
    assert.equal(valueOf(port.readCapture()), 11);
    assert.equal(valueOf(port.readCapture()), 12);
    const before = port.stats().captureUnderruns;
    assert.equal(valueOf(port.readCapture()), 0, 'ran dry: silence');
    assert.equal(port.stats().captureUnderruns, before + 1);
    // After running dry it waits for two frames again instead of alternating sound and silence.
    hold.receive(pageFrame(13));
    assert.equal(valueOf(port.readCapture()), 0);
    hold.receive(pageFrame(14));
    assert.equal(valueOf(port.readCapture()), 13);
    assert.equal(valueOf(port.readCapture()), 14);
    await port.close();
  });

  test('capture keeps at most 200 ms: a page running ahead loses its oldest frames (counted)', async () => {
    const device = new BrowserAudioDevice('alice');
    const port = await device.open(OPTS);
    const hold = device.attach(recordingLink());
    for (let v = 1; v <= 25; v++) hold.receive(pageFrame(v));
    assert.equal(port.stats().captureOverrunSamples, 15 * BROWSER_FRAME_SAMPLES);
    const got: number[] = [];
    for (let i = 0; i < 11; i++) got.push(valueOf(port.readCapture()));
    assert.deepEqual(got, [16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 0]);
    await port.close();
  });

  test('a malformed message does not disturb what was queued', async () => {
    const device = new BrowserAudioDevice('alice');
    const port = await device.open(OPTS);
    const hold = device.attach(recordingLink());
    hold.receive(pageFrame(5));
    hold.receive(pageFrame(6));
    assert.throws(() => hold.receive(Buffer.concat([pageFrame(7), Buffer.from([1])])), /odd payload/);
    assert.throws(() => hold.receive(pageFrame(8, 321)), /321 samples/);
    assert.equal(valueOf(port.readCapture()), 5);
    assert.equal(valueOf(port.readCapture()), 6);
    assert.equal(valueOf(port.readCapture()), 0);
    await port.close();
  });

  test('playback: each frame goes to the page as one 644-byte message; dropped ones are counted', async () => {
    const device = new BrowserAudioDevice('alice');
    const port = await device.open(OPTS);
    port.writePlayback(new Int16Array(320).fill(3));
    assert.equal(port.stats().playbackOverruns, 1, 'no page: dropped');
    const link = recordingLink();
    device.attach(link);
    const frame = Int16Array.from({ length: 320 }, (_, i) => i - 160);
    port.writePlayback(frame);
    assert.equal(link.sent.length, 1);
    assert.equal(link.sent[0]!.length, 644);
    assert.deepEqual(decodeAudioMessage(link.sent[0]!), frame);
    const slow = recordingLink(false);
    device.attach(slow);
    port.writePlayback(frame);
    assert.equal(port.stats().playbackOverruns, 2, 'the page was behind');
    await port.close();
    port.writePlayback(frame);
    assert.equal(slow.sent.length, 1, 'nothing after close');
  });

  test('a second page takes the device: the first is released and its late frames are ignored', async () => {
    const device = new BrowserAudioDevice('alice');
    const changes: boolean[] = [];
    device.onHeldChange((held) => changes.push(held));
    const port = await device.open(OPTS);
    const first = recordingLink();
    const firstHold = device.attach(first);
    const second = recordingLink();
    const secondHold = device.attach(second);
    assert.equal(first.released.length, 1);
    assert.equal(second.released.length, 0);
    firstHold.receive(pageFrame(1));
    firstHold.receive(pageFrame(2));
    assert.equal(valueOf(port.readCapture()), 0, 'the released page is not heard');
    firstHold.detach(); // no effect: not the holder any more
    assert.equal(device.held, true);
    secondHold.receive(pageFrame(3));
    secondHold.receive(pageFrame(4));
    assert.equal(valueOf(port.readCapture()), 3);
    secondHold.detach();
    secondHold.detach();
    assert.equal(device.held, false);
    assert.deepEqual(changes, [true, false], 'held changes once on, once off');
    await port.close();
  });
});

describe('AudioFloor', () => {
  test('taking it releases the previous holder; giving it up after losing it changes nothing', () => {
    const floor = new AudioFloor();
    const released: string[] = [];
    const leaveA = floor.take(() => released.push('a'));
    floor.take(() => released.push('b'));
    assert.deepEqual(released, ['a']);
    leaveA();
    floor.take(() => released.push('c'));
    assert.deepEqual(released, ['a', 'b']);
  });
});

/** A device whose capture is a constant and whose playback is recorded; counts opens and closes. */
function constantDevice(name: string, value: number, failOpen = false, gate: Promise<void> = Promise.resolve()) {
  const played: number[] = [];
  let open = 0;
  let closes = 0;
  const device: AudioDevice = {
    name,
    async open(opts): Promise<AudioPort> {
      await gate;
      if (failOpen) throw new Error(`${name} cannot open`);
      open++;
      let underruns = 0;
      return {
        name,
        sampleRate: opts.sampleRate,
        frameSamples: opts.frameSamples,
        readCapture: () => (underruns++, new Int16Array(opts.frameSamples).fill(value)),
        writePlayback: (f: Int16Array) => void played.push(valueOf(f)),
        stats: () => ({ captureUnderruns: underruns, captureOverrunSamples: 0, playbackOverruns: 0 }),
        close: () => {
          open--;
          closes++;
          return Promise.resolve();
        },
      };
    },
  };
  return { device, played, openPorts: () => open, closes: () => closes };
}

describe('SwitchableAudioDevice', () => {
  test('an open port moves to the new device and back; the old port is closed each time', async () => {
    const tone = constantDevice('tone', 100);
    const page = constantDevice('page', 200);
    const audio = new SwitchableAudioDevice(tone.device);
    const port = await audio.open(OPTS);
    assert.equal(valueOf(port.readCapture()), 100);
    port.writePlayback(new Int16Array(320).fill(7));
    await audio.use(page.device);
    assert.equal(audio.current, page.device);
    assert.equal(valueOf(port.readCapture()), 200);
    port.writePlayback(new Int16Array(320).fill(8));
    assert.deepEqual([tone.openPorts(), page.openPorts()], [0, 1]);
    assert.equal(port.stats().captureUnderruns, 2, 'counters carry over the switch');
    await audio.use(tone.device);
    assert.equal(valueOf(port.readCapture()), 100);
    assert.deepEqual(tone.played, [7]);
    assert.deepEqual(page.played, [8]);
    await port.close();
    assert.deepEqual([tone.openPorts(), page.openPorts()], [0, 0]);
    const later = await audio.open(OPTS);
    assert.equal(valueOf(later.readCapture()), 100, 'later opens use the current device');
    await later.close();
  });

  test('a device that cannot open leaves the sound where it was', async () => {
    const tone = constantDevice('tone', 100);
    const broken = constantDevice('broken', 1, true);
    const audio = new SwitchableAudioDevice(tone.device);
    const port = await audio.open(OPTS);
    await assert.rejects(audio.use(broken.device), /broken cannot open/);
    assert.equal(audio.current, tone.device);
    assert.equal(valueOf(port.readCapture()), 100);
    await port.close();
  });

  test('switches queued back to back end on the last one', async () => {
    const tone = constantDevice('tone', 100);
    const page = constantDevice('page', 200);
    const audio = new SwitchableAudioDevice(tone.device);
    const port = await audio.open(OPTS);
    await Promise.all([audio.use(page.device), audio.use(tone.device), audio.use(page.device)]);
    assert.equal(audio.current, page.device);
    assert.equal(valueOf(port.readCapture()), 200);
    assert.deepEqual([tone.openPorts(), page.openPorts()], [0, 1]);
    await port.close();
  });

  test('a port closed while the new device is still opening leaks neither port', async () => {
    let openGate = (): void => undefined;
    const gate = new Promise<void>((r) => (openGate = r));
    const tone = constantDevice('tone', 100);
    const slow = constantDevice('slow', 200, false, gate);
    const audio = new SwitchableAudioDevice(tone.device);
    const port = await audio.open(OPTS);
    const switching = audio.use(slow.device);
    await new Promise((r) => setImmediate(r)); // the switch is now waiting in slow.open
    await port.close();
    openGate();
    await switching;
    assert.equal(slow.closes(), 1, 'the port opened for the closed one was closed');
    assert.deepEqual([tone.openPorts(), slow.openPorts()], [0, 0]);
  });

  test('levels: the microphone and the speaker are metered, and fall to zero when the last port closes', async () => {
    const audio = new SwitchableAudioDevice(constantDevice('tone', 16384).device);
    const port = await audio.open(OPTS);
    port.readCapture();
    port.writePlayback(new Int16Array(320).fill(-32768));
    const l = audio.levels();
    assert.equal(l.microphone.peak, 0.5);
    assert.equal(l.speaker.peak, 1);
    assert.ok(l.speaker.rms > 0.2 && l.speaker.rms < 0.3, `one loud frame in 16: rms ${l.speaker.rms}`);
    await port.close();
    assert.deepEqual(audio.levels(), { microphone: { rms: 0, peak: 0 }, speaker: { rms: 0, peak: 0 } });
  });

  test('followPageAudio: the phone is on the page while a page holds it, on the tone otherwise', async () => {
    const tone = constantDevice('tone', 100);
    const page = new BrowserAudioDevice('alice');
    const audio = new SwitchableAudioDevice(tone.device);
    const errors: string[] = [];
    const unfollow = followPageAudio(audio, page, tone.device, (err) => errors.push(err.message));
    const port = await audio.open(OPTS);
    const link = recordingLink();
    const hold = page.attach(link);
    await audio.settled(); // the switch is queued behind the open
    assert.equal(audio.current, page);
    hold.receive(pageFrame(42));
    hold.receive(pageFrame(43));
    assert.equal(valueOf(port.readCapture()), 42, 'the page\'s microphone');
    port.writePlayback(new Int16Array(320).fill(9));
    assert.equal(link.sent.length, 1, 'the speaker goes to the page');
    hold.detach();
    await audio.settled();
    assert.equal(audio.current, tone.device);
    assert.equal(valueOf(port.readCapture()), 100, 'the tone again');
    unfollow();
    page.attach(recordingLink());
    await audio.settled();
    assert.equal(audio.current, tone.device, 'no longer followed');
    assert.deepEqual(errors, []);
    await port.close();
  });
});

describe('the page\'s audio helpers (sim/web/pcm.ts)', () => {
  const sine = (rate: number, freq: number, n: number, amplitude = 0.5): Float32Array => Float32Array.from({ length: n }, (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / rate));
  const toInt16 = (f: Float32Array): Int16Array => Int16Array.from(f, (s) => Math.round(s * 32767));
  /** Resamples in uneven chunks (as the worklet and the socket deliver them). */
  const resampleInChunks = (r: StreamResampler, input: Float32Array): Float32Array => {
    const parts: Float32Array[] = [];
    for (let i = 0, k = 0; i < input.length; k++) {
      const n = [128, 441, 7, 1000][k % 4]!;
      parts.push(r.process(input.subarray(i, i + n)));
      i += n;
    }
    const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  };

  test('44.1 kHz → 16 kHz keeps a 1 kHz tone\'s level and removes what 16 kHz cannot carry', () => {
    const n = 44100;
    const out = resampleInChunks(new StreamResampler(44100, 16000), sine(44100, 1000, n));
    assert.ok(Math.abs(out.length - 16000) <= 20, `${out.length} samples for one second`);
    const steady = toInt16(out.subarray(800, 15200));
    const level = goertzelDbfs(steady, 1000, 16000);
    assert.ok(Math.abs(level - -9.03) < 0.5, `1 kHz at ${level.toFixed(2)} dBFS, expected −9.03`);
    // 12 kHz would fold to 4 kHz without the low-pass.
    const folded = toInt16(resampleInChunks(new StreamResampler(44100, 16000), sine(44100, 12000, n)).subarray(800, 15200));
    assert.ok(goertzelDbfs(folded, 4000, 16000) < -50, `alias at ${goertzelDbfs(folded, 4000, 16000).toFixed(1)} dBFS`);
  });

  test('16 kHz → 48 kHz keeps a tone\'s frequency and level', () => {
    const out = resampleInChunks(new StreamResampler(16000, 48000), sine(16000, 440, 16000));
    assert.ok(Math.abs(out.length - 48000) <= 30, `${out.length} samples`);
    const steady = toInt16(out.subarray(2400, 45600));
    assert.ok(Math.abs(goertzelDbfs(steady, 440, 48000) - -9.03) < 0.5);
    assert.ok(goertzelDbfs(steady, 1000, 48000) < -50, 'no stray tone');
  });

  test('the page\'s audio messages: 20 ms frames, clipped, refused when malformed', () => {
    const frame = Float32Array.from({ length: 320 }, (_, i) => (i % 3) - 1.2);
    const message = audioMessage(frame);
    assert.equal(message.byteLength, 644);
    assert.ok(isAudioMessage(message));
    const back = readAudioMessage(message);
    assert.equal(back[0], -32768 / 32768, 'clipped at full scale');
    assert.ok(Math.abs(back[1]! - -0.2) < 1e-4);
    // The server reads what the page writes.
    assert.equal(decodeAudioMessage(Buffer.from(message)).length, 320);
    assert.throws(() => readAudioMessage(new ArrayBuffer(10)), /not an audio message/);
    assert.throws(() => readAudioMessage(message.slice(0, 643)), /643|639/);
    assert.equal(isAudioMessage(new TextEncoder().encode('SDF1....').buffer), false);
    assert.throws(() => audioMessage(new Float32Array(321)), /321/);
  });

  test('FrameCutter gives whole 320-sample frames from chunks of any size; LevelMeter measures them', () => {
    const cutter = new FrameCutter(320);
    const frames: Float32Array[] = [];
    const input = Float32Array.from({ length: 1000 }, (_, i) => i);
    cutter.push(input.subarray(0, 100), (f) => frames.push(f));
    cutter.push(input.subarray(100, 1000), (f) => frames.push(f));
    assert.equal(frames.length, 3);
    assert.equal(frames[2]![0], 640);
    assert.equal(frames[2]![319], 959);
    const meter = new LevelMeter(4);
    meter.add(new Float32Array(10).fill(0.5));
    assert.deepEqual(meter.level(), { rms: 0.25, peak: 0.5 });
    meter.reset();
    assert.deepEqual(meter.level(), { rms: 0, peak: 0 });
  });
});
