// The koffi → libasound device with real ALSA streams and no sound card: ALSA's file plugin stands in for
// the codec (shared/notes/audio-without-soundcard.md). Played audio must land in the plugin's raw file as
// the same 1 kHz tone (frequency, level, every sample); capture must return the plugin's infile samples.
//
// Runs in this test file's own process (node --test gives each file one): libasound reads ALSA_CONFIG_PATH
// at its first snd_pcm_open, not when it is loaded, and the device opens it only in open(), so setting the
// variable before the first open is enough and no child process is needed.
//
// The second suite drives the port with a scripted libasound, for what the file plugin never does: full
// buffers, xruns, suspends, short captures, failures half-way through open().
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useWorkdir } from '../harness/workdir.js';
import {
  EAGAIN,
  EPIPE,
  ESTRPIPE,
  createAlsaAudioDevice,
  loadLibAsound,
  type AlsaPortStats,
  type LibAsound,
  type PcmHandle,
  type PcmStream,
} from '../../src/media/audio/alsa-audio.js';
import { dominantFrequency, goertzelDbfs, rmsDbfs } from '../../src/media/dsp/analysis.js';

const TONE_HZ = 1000;
const TONE_AMPLITUDE = 8000;
/** RMS level of a sine of TONE_AMPLITUDE, by definition (analysis.ts: RMS relative to 32768). */
const TONE_DBFS = 20 * Math.log10(TONE_AMPLITUDE / Math.SQRT2 / 32768);
/** The infile is a ramp: every sample value occurs once, so where each captured sample came from is known. */
const RAMP_SAMPLES = 65536;

function toneFrame(rate: number, frameSamples: number, frameIndex: number): Int16Array {
  const first = frameIndex * frameSamples;
  return Int16Array.from({ length: frameSamples }, (_, i) => Math.round(TONE_AMPLITUDE * Math.sin((2 * Math.PI * TONE_HZ * (first + i)) / rate)));
}

function readPcm(path: string): Int16Array {
  const bytes = readFileSync(path);
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + (bytes.length & ~1)));
}

/** Position of each captured sample in the ramp infile. */
const rampIndex = (sample: number): number => sample + 32768;

describe('ALSA through koffi, file plugins instead of a sound card', () => {
  const w = useWorkdir({ after }, 'alsa-koffi');
  const inRaw = join(w.path, 'in.raw');
  const outRaw = (rate: number) => join(w.path, `out-${rate}.raw`);
  writeFileSync(inRaw, Buffer.from(Int16Array.from({ length: RAMP_SAMPLES }, (_, i) => i - 32768).buffer));
  // Each PCM is a plug with a fixed S16_LE mono slave, as `default` is on a board: a wrong sample format or
  // channel count from us would be converted (and fail the comparison) instead of passing through as bytes.
  const fixed = (pcm: string, rate?: number) => `type plug; slave { pcm "${pcm}"; format S16_LE; channels 1${rate ? `; rate ${rate}` : ''} }`;
  writeFileSync(
    join(w.path, 'asound.conf'),
    [
      'pcm.nullsink { type null }',
      `pcm.file_in { type file; slave.pcm "nullsink"; file "/dev/null"; infile "${inRaw}"; format "raw" }`,
      `pcm.phone_in { ${fixed('file_in')} }`,
      ...[8000, 16000, 48000].flatMap((rate) => [
        `pcm.file_out_${rate} { type file; slave.pcm "nullsink"; file "${outRaw(rate)}"; format "raw" }`,
        `pcm.phone_out_${rate} { ${fixed(`file_out_${rate}`, rate)} }`,
      ]),
      '',
    ].join('\n'),
  );
  process.env.ALSA_CONFIG_PATH = join(w.path, 'asound.conf');

  for (const rate of [8000, 16000]) {
    test(
      `${rate} Hz: 1 s of 1 kHz played frame by frame reaches the file; capture returns the infile's samples`,
      w.guard(async (t) => {
        const frameSamples = rate / 50;
        const frames = 50;
        const port = await createAlsaAudioDevice({ capture: 'phone_in', playback: `phone_out_${rate}` }).open({ sampleRate: rate, frameSamples });
        const captured: Int16Array[] = [];
        // The engine's 20 ms tick, without waiting: the file plugin is not real time, so pacing changes nothing.
        for (let f = 0; f < frames; f++) {
          port.writePlayback(toneFrame(rate, frameSamples, f));
          captured.push(port.readCapture());
        }
        const stats = port.stats() as AlsaPortStats;
        await port.close();

        const played = new Int16Array(frames * frameSamples);
        for (let f = 0; f < frames; f++) played.set(toneFrame(rate, frameSamples, f), f * frameSamples);
        const out = readPcm(outRaw(rate));
        const hz = dominantFrequency(out, rate);
        const level = rmsDbfs(out);
        const atTone = goertzelDbfs(out, TONE_HZ, rate);
        t.diagnostic(
          `playback: ${out.length} samples in the file, ${hz?.toFixed(2)} Hz, ${level.toFixed(2)} dBFS RMS (Goertzel at 1 kHz ${atTone.toFixed(2)}, sent ${TONE_DBFS.toFixed(2)})`,
        );
        const starts = captured.map((frame) => rampIndex(frame[0]!));
        t.diagnostic(`capture: frames start at infile samples ${starts.slice(0, 4).join(', ')}, …; stats ${JSON.stringify(stats)}`);

        assert.equal(out.length, played.length, 'every played sample reaches the file');
        assert.ok(hz !== undefined && Math.abs(hz - TONE_HZ) < 1, `dominant frequency ${hz} Hz`);
        assert.ok(Math.abs(level - TONE_DBFS) < 0.1, `level ${level} dBFS, sent ${TONE_DBFS}`);
        assert.ok(Math.abs(atTone - TONE_DBFS) < 0.5, `1 kHz component ${atTone} dBFS`);
        assert.deepEqual(out, played, 'the file holds exactly the samples played');
        assert.equal(stats.playbackOverruns, 0);

        // The first frame is the start of the infile; each frame is an unbroken run of it, later than the one
        // before (the plugin delivers faster than real time, so the ring drops the oldest samples in between).
        assert.deepEqual(captured[0], Int16Array.from({ length: frameSamples }, (_, i) => i - 32768));
        for (const [f, frame] of captured.entries()) {
          for (let i = 1; i < frame.length; i++) assert.equal(frame[i], frame[i - 1]! + 1, `frame ${f} is not a run of the infile at sample ${i}`);
          if (f > 0) assert.ok(starts[f]! >= starts[f - 1]! + frameSamples, `frame ${f} repeats or goes back in the infile`);
        }
        assert.equal(stats.captureUnderruns, 0, 'the file plugin always has data');
      }),
    );
  }

  test(
    '8 kHz into a device that only runs at 48 kHz: ALSA resamples, the tone keeps its frequency and level',
    w.guard(async (t) => {
      const port = await createAlsaAudioDevice({ capture: 'phone_in', playback: 'phone_out_48000' }).open({ sampleRate: 8000, frameSamples: 160 });
      for (let f = 0; f < 50; f++) port.writePlayback(toneFrame(8000, 160, f));
      await port.close();
      const out = readPcm(outRaw(48000));
      // Judge the middle: the converter's first and last few samples are its own start-up and tail.
      const middle = out.subarray(4800, out.length - 4800);
      const hz = dominantFrequency(middle, 48000);
      const atTone = goertzelDbfs(middle, TONE_HZ, 48000);
      t.diagnostic(`48 kHz file: ${out.length} samples (sent 8000 at 8 kHz), ${hz?.toFixed(2)} Hz, 1 kHz at ${atTone.toFixed(2)} dBFS (sent ${TONE_DBFS.toFixed(2)})`);
      // close() drops rather than drains, so what the converter still held (up to a period) may be missing.
      assert.ok(out.length <= 48000 && out.length >= 48000 - 960, `${out.length} samples for 1 s at 48 kHz`);
      assert.ok(hz !== undefined && Math.abs(hz - TONE_HZ) < 1, `dominant frequency ${hz} Hz`);
      assert.ok(Math.abs(atTone - TONE_DBFS) < 1.5, `1 kHz component ${atTone} dBFS, sent ${TONE_DBFS}`);
    }),
  );

  test(
    'a PCM name that does not exist rejects, naming it, with libasound\'s reason',
    w.guard(async () => {
      const reason = (await loadLibAsound()).strerror(-2);
      await assert.rejects(
        createAlsaAudioDevice({ capture: 'no_such_pcm', playback: 'phone_out_8000' }).open({ sampleRate: 8000, frameSamples: 160 }),
        (err: Error) => err.message === `ALSA capture device "no_such_pcm": cannot open: ${reason}`,
      );
      await assert.rejects(
        createAlsaAudioDevice({ capture: 'phone_in', playback: 'no_such_out' }).open({ sampleRate: 8000, frameSamples: 160 }),
        /ALSA playback device "no_such_out": cannot open: /,
      );
    }),
  );

  test(
    'close twice is fine; a closed port gives silence and ignores playback',
    w.guard(async () => {
      const port = await createAlsaAudioDevice({ capture: 'phone_in', playback: 'phone_out_8000' }).open({ sampleRate: 8000, frameSamples: 160 });
      assert.notDeepEqual(port.readCapture(), new Int16Array(160), 'the open port captures the ramp');
      await port.close();
      await port.close();
      assert.deepEqual(port.readCapture(), new Int16Array(160));
      port.writePlayback(toneFrame(8000, 160, 0));
    }),
  );

  test(
    'a missing libasound is a clear error at open(), not at import',
    w.guard(async () => {
      await assert.rejects(
        createAlsaAudioDevice({ capture: 'default', playback: 'default', libraryPath: 'libasound-absent.so.2' }).open({ sampleRate: 8000, frameSamples: 160 }),
        /ALSA: cannot load libasound-absent\.so\.2 \(Debian package libasound2\)/,
      );
    }),
  );
});

/**
 * A libasound whose capture/playback results are scripted per call; everything it is asked is recorded.
 * Unscripted calls succeed: avail 0, whole frames written.
 */
class ScriptedLibAsound implements LibAsound {
  readonly calls: string[] = [];
  readonly openErrors = new Map<string, number>();
  setParamsError = 0;
  avail: number[] = [];
  writes: number[] = [];
  resumeResult = 0;
  private nextSample = 1;
  private readonly handles = new Map<PcmHandle, string>();

  private record(call: string, pcm: PcmHandle): void {
    this.calls.push(`${call} ${this.handles.get(pcm)}`);
  }
  open(name: string, stream: PcmStream) {
    const err = this.openErrors.get(name) ?? 0;
    if (err < 0) return { err, pcm: null };
    const pcm = BigInt(this.handles.size + 1);
    this.handles.set(pcm, stream);
    return { err: 0, pcm };
  }
  setParams(pcm: PcmHandle) {
    this.record('setParams', pcm);
    return this.setParamsError;
  }
  bufferSize() {
    return 480;
  }
  start(pcm: PcmHandle) {
    this.record('start', pcm);
    return 0;
  }
  availUpdate() {
    return this.avail.shift() ?? 0;
  }
  readi(_pcm: PcmHandle, buf: Int16Array, frames: number) {
    for (let i = 0; i < frames; i++) buf[i] = this.nextSample++;
    return frames;
  }
  writei(pcm: PcmHandle, _buf: Int16Array, frames: number) {
    this.record('writei', pcm);
    return this.writes.shift() ?? frames;
  }
  recover(pcm: PcmHandle, err: number) {
    this.record(`recover(${err})`, pcm);
    return 0;
  }
  resume(pcm: PcmHandle) {
    this.record('resume', pcm);
    return this.resumeResult;
  }
  prepare(pcm: PcmHandle) {
    this.record('prepare', pcm);
    return 0;
  }
  drop(pcm: PcmHandle) {
    this.record('drop', pcm);
    return 0;
  }
  close(pcm: PcmHandle) {
    this.record('close', pcm);
    return 0;
  }
  strerror(err: number) {
    return `reason ${err}`;
  }
}

async function scriptedPort(lib: ScriptedLibAsound) {
  const port = await createAlsaAudioDevice({ capture: 'mic', playback: 'speaker', lib }).open({ sampleRate: 8000, frameSamples: 160 });
  lib.calls.length = 0;
  return { port, stats: () => port.stats() as AlsaPortStats };
}

describe('ALSA port with a scripted libasound', () => {
  test('playback: a full buffer (-EAGAIN) or a short write drops the frame and counts it', async () => {
    const lib = new ScriptedLibAsound();
    const { port, stats } = await scriptedPort(lib);
    lib.writes = [-EAGAIN, 100, 160];
    for (let i = 0; i < 3; i++) port.writePlayback(new Int16Array(160));
    assert.deepEqual(stats(), { captureUnderruns: 0, captureOverrunSamples: 0, playbackOverruns: 2, captureXruns: 0, playbackXruns: 0 });
    assert.deepEqual(lib.calls, ['writei playback', 'writei playback', 'writei playback'], 'no retry of a dropped frame');
  });

  test('playback: an underrun (-EPIPE) is recovered and the frame written again', async () => {
    const lib = new ScriptedLibAsound();
    const { port, stats } = await scriptedPort(lib);
    lib.writes = [-EPIPE];
    port.writePlayback(new Int16Array(160));
    assert.deepEqual(lib.calls, ['writei playback', `recover(${-EPIPE}) playback`, 'writei playback']);
    assert.equal(stats().playbackXruns, 1);
    assert.equal(stats().playbackOverruns, 0);
  });

  test('playback: a suspend is resumed without waiting; a driver that cannot resume is prepared', async () => {
    const lib = new ScriptedLibAsound();
    const { port, stats } = await scriptedPort(lib);
    lib.resumeResult = -EAGAIN;
    lib.writes = [-ESTRPIPE];
    port.writePlayback(new Int16Array(160));
    assert.deepEqual(lib.calls, ['writei playback', 'resume playback'], 'still resuming: the frame is dropped, nothing blocks');
    assert.equal(stats().playbackOverruns, 1);
    lib.calls.length = 0;
    lib.resumeResult = -38; // ENOSYS: the driver has no resume
    lib.writes = [-ESTRPIPE];
    port.writePlayback(new Int16Array(160));
    assert.deepEqual(lib.calls, ['writei playback', 'resume playback', 'prepare playback', 'writei playback']);
    assert.equal(stats().playbackXruns, 1);
  });

  test('playback: an unexpected error (device gone) drops frames without throwing', async () => {
    const lib = new ScriptedLibAsound();
    const { port, stats } = await scriptedPort(lib);
    lib.writes = [-19, -19];
    port.writePlayback(new Int16Array(160));
    port.writePlayback(new Int16Array(160));
    assert.equal(stats().playbackOverruns, 2);
    assert.equal(stats().playbackXruns, 0);
  });

  test('capture: what is there is returned, the rest padded with silence and counted', async () => {
    const lib = new ScriptedLibAsound();
    const { port, stats } = await scriptedPort(lib);
    lib.avail = [100, 0];
    const first = port.readCapture();
    assert.deepEqual(first.subarray(0, 100), Int16Array.from({ length: 100 }, (_, i) => i + 1));
    assert.deepEqual(first.subarray(100), new Int16Array(60));
    assert.deepEqual(port.readCapture(), new Int16Array(160));
    assert.equal(stats().captureUnderruns, 2);
  });

  test('capture: more than the ring holds keeps the newest samples and counts the dropped ones', async () => {
    const lib = new ScriptedLibAsound();
    const { port, stats } = await scriptedPort(lib);
    // 60 ms ring = 480 samples.
    lib.avail = [480, 480];
    port.readCapture(); // 1..480 in, 1..160 out
    const second = port.readCapture(); // 481..960 in: 161..480 dropped to make room
    assert.equal(second[0], 481);
    assert.equal(stats().captureOverrunSamples, 320);
    assert.equal(stats().captureUnderruns, 0);
  });

  test('capture: an overrun (-EPIPE) is recovered and the stream started again', async () => {
    const lib = new ScriptedLibAsound();
    const { port, stats } = await scriptedPort(lib);
    lib.avail = [-EPIPE];
    assert.deepEqual(port.readCapture(), new Int16Array(160));
    assert.deepEqual(lib.calls, [`recover(${-EPIPE}) capture`, 'start capture']);
    assert.equal(stats().captureXruns, 1);
    assert.equal(stats().captureUnderruns, 1);
  });

  test('open: a failure half-way closes what was opened and names the device', async () => {
    const lib = new ScriptedLibAsound();
    lib.openErrors.set('speaker', -16);
    await assert.rejects(
      createAlsaAudioDevice({ capture: 'mic', playback: 'speaker', lib }).open({ sampleRate: 8000, frameSamples: 160 }),
      /^Error: ALSA playback device "speaker": cannot open: reason -16$/,
    );
    assert.deepEqual(lib.calls, ['setParams capture', 'close capture']);

    const badParams = new ScriptedLibAsound();
    badParams.setParamsError = -22;
    await assert.rejects(
      createAlsaAudioDevice({ capture: 'mic', playback: 'speaker', lib: badParams }).open({ sampleRate: 16000, frameSamples: 320 }),
      /ALSA capture device "mic": cannot use 16-bit mono at 16000 Hz: reason -22/,
    );
    assert.deepEqual(badParams.calls, ['setParams capture', 'close capture']);
  });

  test('bad options are rejected before anything is opened', async () => {
    assert.throws(() => createAlsaAudioDevice({ capture: 'mic', playback: 'speaker', latencyMs: 0 }), /latencyMs/);
    const lib = new ScriptedLibAsound();
    const device = createAlsaAudioDevice({ capture: 'mic', playback: 'speaker', lib });
    await assert.rejects(device.open({ sampleRate: 8000.5, frameSamples: 160 }), /sample rate/);
    await assert.rejects(device.open({ sampleRate: 8000, frameSamples: 0 }), /frameSamples/);
    assert.deepEqual(lib.calls, []);
  });

  test('close drops and closes both PCMs once', async () => {
    const lib = new ScriptedLibAsound();
    const { port } = await scriptedPort(lib);
    await port.close();
    await port.close();
    assert.deepEqual(lib.calls, ['drop capture', 'close capture', 'drop playback', 'close playback']);
  });
});
