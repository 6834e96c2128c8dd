// The naudiodon (PortAudio → ALSA) device with a real PortAudio stream and no sound card: ALSA's file
// plugin stands in for the codec (shared/notes/audio-without-soundcard.md). Playback must reach the file
// byte for byte; capture must deliver the file's 440 Hz tone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useWorkdir } from '../harness/workdir.js';

const CHILD = join(import.meta.dirname, '..', 'harness', 'alsa-child.js');

test('naudiodon through ALSA file plugins: playback written exactly, capture read at 440 Hz', (t) => {
  const w = useWorkdir(t, 'alsa');
  const inRaw = join(w.path, 'in.raw');
  const outRaw = join(w.path, 'out.raw');
  // 3 s of 440 Hz: longer than the 1 s read (at its end the file plugin repeats stale buffers).
  const tone = Buffer.alloc(8000 * 3 * 2);
  for (let i = 0; i < 8000 * 3; i++) tone.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), 2 * i);
  writeFileSync(inRaw, tone);
  // PortAudio hides PCMs named null, file, plug, … (shared notes): hence these names.
  writeFileSync(
    join(w.path, 'asound.conf'),
    [
      'pcm.nullsink { type null }',
      `pcm.phone_out { type file; slave.pcm "nullsink"; file "${outRaw}"; format "raw" }`,
      `pcm.phone_in { type file; slave.pcm "nullsink"; file "/dev/null"; infile "${inRaw}"; format "raw" }`,
      'pcm.!default { type asym; playback.pcm "phone_out"; capture.pcm "phone_in" }',
      '',
    ].join('\n'),
  );
  const run = spawnSync(process.execPath, [CHILD, 'phone_in', 'phone_out', '50'], {
    cwd: w.path, // naudiodon's segfault handler writes crash.log into the cwd
    env: { ...process.env, ALSA_CONFIG_PATH: join(w.path, 'asound.conf') },
    encoding: 'utf8',
    timeout: 30_000,
  });
  assert.equal(run.status, 0, `${run.stdout}\n${run.stderr}`);
  // naudiodon itself prints progress lines ("Finishing …") to stdout, sometimes after ours: take our JSON line.
  const line = run.stdout.split('\n').reverse().find((l) => l.trim().startsWith('{'));
  assert.ok(line, `the capture child printed its result:\n${run.stdout}`);
  const result = JSON.parse(line) as { on440: number; on1000: number; levelDbfs: number };
  t.diagnostic(`captured: ${(100 * result.on440).toFixed(1)} % of samples on a 440 Hz sinusoid (1 kHz: ${(100 * result.on1000).toFixed(1)} %), ${result.levelDbfs.toFixed(1)} dBFS`);
  assert.ok(result.on440 > 0.9, `only ${result.on440} of the capture is the file's 440 Hz tone`);
  assert.ok(result.on1000 < 0.1, 'the measure tells tones apart');
  assert.ok(result.levelDbfs > -20, `captured level ${result.levelDbfs} dBFS`);

  const out = readFileSync(outRaw);
  const frame = Buffer.alloc(320);
  for (let i = 0; i < 160; i++) frame.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000)), 2 * i);
  const expected = Buffer.concat(Array.from({ length: 50 }, () => frame));
  // PortAudio primes the device with some silence first; after it, our 50 frames byte for byte.
  const start = out.indexOf(frame);
  assert.ok(start >= 0 && out.subarray(0, start).every((b) => b === 0), 'only silence before our audio');
  assert.ok(out.subarray(start, start + expected.length).equals(expected), `playback differs (file ${out.length} bytes, audio from ${start})`);
  w.pass();
});
