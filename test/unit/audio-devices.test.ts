import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SampleRing } from '../../src/media/audio/audio-port.js';
import { wavAudioDevice } from '../../src/media/audio/wav-audio.js';
import { nullAudioDevice } from '../../src/media/audio/null-audio.js';
import { findDeviceId } from '../../src/media/audio/naudiodon-audio.js';
import { encodeWav, parseWav } from '../../src/media/dsp/wav.js';

test('SampleRing: FIFO order, shortfall reported, oldest dropped when full', () => {
  const ring = new SampleRing(8);
  ring.write(Int16Array.from([1, 2, 3]));
  const out = new Int16Array(5);
  assert.equal(ring.read(out), 3);
  assert.deepEqual([...out], [1, 2, 3, 0, 0]);
  ring.write(Int16Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
  assert.equal(ring.droppedSamples, 2);
  const all = new Int16Array(8);
  assert.equal(ring.read(all), 8);
  assert.deepEqual([...all], [3, 4, 5, 6, 7, 8, 9, 10]);
  ring.write(Int16Array.from([11, 12, 13, 14, 15, 16]));
  ring.write(Int16Array.from([17, 18, 19, 20])); // wraps and drops 11, 12
  assert.equal(ring.read(all), 8);
  assert.deepEqual([...all], [13, 14, 15, 16, 17, 18, 19, 20]);
});

test('WAV device: the source loops as capture (resampled), playback is recorded as a valid WAV', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-wav-'));
  const source = join(dir, 'in.wav');
  const sink = join(dir, 'out.wav');
  // 250 samples at 8 kHz (not a multiple of a frame): the loop must wrap mid-frame.
  writeFileSync(source, encodeWav(Int16Array.from({ length: 250 }, (_, i) => i), 8000));
  const port = await wavAudioDevice({ source, sink }).open({ sampleRate: 8000, frameSamples: 160 });
  const a = port.readCapture();
  const b = port.readCapture();
  assert.equal(a[0], 0);
  assert.equal(a[159], 159);
  assert.equal(b[0], 160);
  assert.equal(b[89], 249);
  assert.equal(b[90], 0, 'looped');
  port.writePlayback(a);
  port.writePlayback(b);
  await port.close();
  const recorded = parseWav(readFileSync(sink));
  assert.equal(recorded.sampleRate, 8000);
  assert.deepEqual([...recorded.samples], [...a, ...b]);

  const wide = await wavAudioDevice({ source }).open({ sampleRate: 16000, frameSamples: 320 });
  assert.equal(wide.readCapture().length, 320, '8 kHz source resampled for a 16 kHz call');
  await wide.close();
  await assert.rejects(wavAudioDevice({ source: join(dir, 'missing.wav') }).open({ sampleRate: 8000, frameSamples: 160 }), /ENOENT/);
  writeFileSync(join(dir, 'bad.wav'), 'not a wav');
  await assert.rejects(wavAudioDevice({ source: join(dir, 'bad.wav') }).open({ sampleRate: 8000, frameSamples: 160 }), /WAV/);
});

test('null device: silence in, nothing out', async () => {
  const port = await nullAudioDevice.open({ sampleRate: 16000, frameSamples: 320 });
  const f = port.readCapture();
  assert.equal(f.length, 320);
  assert.ok(f.every((x) => x === 0));
  port.writePlayback(f);
  await port.close();
});

test('PortAudio device names: exact, unique substring, default, and clear errors', () => {
  const devices = [
    { id: 0, name: 'sysdefault', maxInputChannels: 2, maxOutputChannels: 2, hostAPIName: 'ALSA' },
    { id: 1, name: 'USB Headset: Audio (hw:1,0)', maxInputChannels: 1, maxOutputChannels: 2, hostAPIName: 'ALSA' },
    { id: 2, name: 'bcm2835 Headphones: - (hw:0,0)', maxInputChannels: 0, maxOutputChannels: 8, hostAPIName: 'ALSA' },
  ];
  assert.equal(findDeviceId(devices, 'default', 'capture'), -1);
  assert.equal(findDeviceId(devices, 'sysdefault', 'playback'), 0);
  assert.equal(findDeviceId(devices, 'USB Headset', 'capture'), 1);
  assert.throws(() => findDeviceId(devices, 'bcm2835', 'capture'), /no capture device named "bcm2835"; available: "sysdefault", "USB Headset/);
  assert.throws(() => findDeviceId(devices, 'hw:', 'playback'), /ambiguous/);
});
