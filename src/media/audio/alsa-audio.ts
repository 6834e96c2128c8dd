/**
 * ALSA straight through Debian's libasound2 (`libasound.so.2`), called with koffi: the audio device for
 * arm64, armhf and x86-64 alike (naudiodon's bundled PortAudio is x86-64 only).
 *
 * No threads and no callbacks: both PCMs are opened non-blocking and the engine's 20 ms clock drives them.
 * Each readCapture() moves whatever ALSA has captured into a SampleRing (bounded by `latencyMs`, oldest
 * samples dropped and counted) and returns one frame from it, padded with silence (counted) when short.
 * Each writePlayback() hands one frame to ALSA; a frame ALSA has no room for is dropped (counted) rather
 * than queued, so playback latency stays within ALSA's buffer.
 *
 * koffi and libasound are loaded on first open(), so importing this module never fails on a machine
 * without them. libasound reports some errors on stderr through its own error handler ("ALSA lib ...");
 * that is left as is: it is diagnostic output, and every error also comes back to us as a return code.
 */
import { SampleRing, type AudioDevice, type AudioPort, type AudioPortOptions, type AudioPortStats } from './audio-port.js';
import type { PcmFrame } from '../types.js';
import { createLogger } from '../../util/log.js';

const log = createLogger('audio');

/** A `snd_pcm_t *` (koffi 3 passes pointers as BigInt). */
export type PcmHandle = bigint;
export type PcmStream = 'playback' | 'capture';

/**
 * The libasound calls the device uses, in C's own terms: negative return values are -errno. The real one
 * is bound with koffi (loadLibAsound); tests may pass a scripted one to reach xruns and full buffers that
 * ALSA's file plugins never produce.
 */
export interface LibAsound {
  /** snd_pcm_open: a handle, or the negative error. */
  open(name: string, stream: PcmStream, mode: number): { err: number; pcm: PcmHandle | null };
  /** snd_pcm_set_params: format, access, channels, rate, soft resample, latency in µs. */
  setParams(pcm: PcmHandle, format: number, access: number, channels: number, rate: number, softResample: boolean, latencyUs: number): number;
  /** snd_pcm_get_params: the ring buffer size in frames, or the negative error. */
  bufferSize(pcm: PcmHandle): number;
  start(pcm: PcmHandle): number;
  availUpdate(pcm: PcmHandle): number;
  readi(pcm: PcmHandle, buf: Int16Array, frames: number): number;
  writei(pcm: PcmHandle, buf: Int16Array, frames: number): number;
  recover(pcm: PcmHandle, err: number, silent: boolean): number;
  resume(pcm: PcmHandle): number;
  prepare(pcm: PcmHandle): number;
  drop(pcm: PcmHandle): number;
  close(pcm: PcmHandle): number;
  strerror(err: number): string;
}

// <alsa/pcm.h> constants (identical on every Linux architecture).
const SND_PCM_STREAM_PLAYBACK = 0;
const SND_PCM_STREAM_CAPTURE = 1;
const SND_PCM_NONBLOCK = 1;
const SND_PCM_FORMAT_S16_LE = 2; // our Int16Array frames are native-endian, and every target is little-endian
const SND_PCM_ACCESS_RW_INTERLEAVED = 3;

// Linux errno values (asm-generic: the same on x86-64, arm64 and armhf); node's os.constants lacks ESTRPIPE.
export const EAGAIN = 11;
export const EPIPE = 32;
export const ESTRPIPE = 86;

const bound = new Map<string, LibAsound>();
let pcmTypeDeclared = false;

/** Binds libasound with koffi (once per library path); a missing koffi or library is a clear error. */
export async function loadLibAsound(libraryPath = 'libasound.so.2'): Promise<LibAsound> {
  const cached = bound.get(libraryPath);
  if (cached) return cached;
  let koffi: typeof import('koffi').default;
  let lib: ReturnType<typeof koffi.load>;
  try {
    koffi = (await import('koffi')).default;
    lib = koffi.load(libraryPath);
  } catch (err) {
    throw new Error(`ALSA: cannot load ${libraryPath} (Debian package libasound2): ${(err as Error).message}`);
  }
  // Type names are process-wide in koffi: declared once even when a second library path is bound.
  if (!pcmTypeDeclared) koffi.opaque('snd_pcm_t');
  pcmTypeDeclared = true;
  // The whole C surface we use. snd_pcm_sframes_t is `long` and snd_pcm_uframes_t `unsigned long`, 32 bits
  // on armhf and 64 on arm64/x86-64: koffi sizes `long` per platform. The sample buffers are `void *`
  // so that an Int16Array (or a subarray of one) is passed as a pointer to its own memory, no copy.
  const c = {
    open: lib.func('int snd_pcm_open(_Out_ snd_pcm_t **pcm, const char *name, int stream, int mode)'),
    setParams: lib.func(
      'int snd_pcm_set_params(snd_pcm_t *pcm, int format, int access, unsigned int channels, unsigned int rate, int soft_resample, unsigned int latency)',
    ),
    getParams: lib.func('int snd_pcm_get_params(snd_pcm_t *pcm, _Out_ unsigned long *buffer_size, _Out_ unsigned long *period_size)'),
    start: lib.func('int snd_pcm_start(snd_pcm_t *pcm)'),
    availUpdate: lib.func('long snd_pcm_avail_update(snd_pcm_t *pcm)'),
    readi: lib.func('long snd_pcm_readi(snd_pcm_t *pcm, void *buffer, unsigned long size)'),
    writei: lib.func('long snd_pcm_writei(snd_pcm_t *pcm, const void *buffer, unsigned long size)'),
    recover: lib.func('int snd_pcm_recover(snd_pcm_t *pcm, int err, int silent)'),
    resume: lib.func('int snd_pcm_resume(snd_pcm_t *pcm)'),
    prepare: lib.func('int snd_pcm_prepare(snd_pcm_t *pcm)'),
    drop: lib.func('int snd_pcm_drop(snd_pcm_t *pcm)'),
    close: lib.func('int snd_pcm_close(snd_pcm_t *pcm)'),
    strerror: lib.func('const char *snd_strerror(int errnum)'),
  };
  const api: LibAsound = {
    open: (name, stream, mode) => {
      const out: [PcmHandle | null] = [null];
      const err = c.open(out, name, stream === 'capture' ? SND_PCM_STREAM_CAPTURE : SND_PCM_STREAM_PLAYBACK, mode) as number;
      return { err, pcm: out[0] };
    },
    setParams: (pcm, format, access, channels, rate, softResample, latencyUs) =>
      c.setParams(pcm, format, access, channels, rate, softResample ? 1 : 0, latencyUs) as number,
    bufferSize: (pcm) => {
      const buffer: [number | null] = [null];
      const period: [number | null] = [null];
      const err = c.getParams(pcm, buffer, period) as number;
      return err < 0 ? err : Number(buffer[0]);
    },
    start: (pcm) => c.start(pcm) as number,
    availUpdate: (pcm) => Number(c.availUpdate(pcm)),
    readi: (pcm, buf, frames) => Number(c.readi(pcm, buf, frames)),
    writei: (pcm, buf, frames) => Number(c.writei(pcm, buf, frames)),
    recover: (pcm, err, silent) => c.recover(pcm, err, silent ? 1 : 0) as number,
    resume: (pcm) => c.resume(pcm) as number,
    prepare: (pcm) => c.prepare(pcm) as number,
    drop: (pcm) => c.drop(pcm) as number,
    close: (pcm) => c.close(pcm) as number,
    strerror: (err) => (c.strerror(err) as string | null) ?? `error ${err}`,
  };
  bound.set(libraryPath, api);
  return api;
}

export interface AlsaDeviceOptions {
  /** ALSA PCM names (`default`, `plughw:1,0`, a name from asound.conf). */
  capture: string;
  playback: string;
  /** ALSA buffer asked for in each direction, and the bound of our capture ring (ms). Default 60. */
  latencyMs?: number;
  /** Where libasound is loaded from. Default `libasound.so.2`. */
  libraryPath?: string;
  /** Replaces the koffi binding (tests). */
  lib?: LibAsound;
}

export interface AlsaPortStats extends AudioPortStats {
  /** capture overruns (-EPIPE) and suspends (-ESTRPIPE) recovered from */
  captureXruns: number;
  /** playback underruns (-EPIPE) and suspends (-ESTRPIPE) recovered from */
  playbackXruns: number;
}

export function createAlsaAudioDevice(o: AlsaDeviceOptions): AudioDevice {
  const name = `alsa:${o.capture}/${o.playback}`;
  const latencyMs = o.latencyMs ?? 60;
  if (!Number.isFinite(latencyMs) || latencyMs < 10 || latencyMs > 2000) {
    throw new RangeError(`ALSA latencyMs must be between 10 and 2000, got ${latencyMs}`);
  }
  return {
    name,
    open: async (opts: AudioPortOptions): Promise<AudioPort> => {
      checkPortOptions(opts);
      const api = o.lib ?? (await loadLibAsound(o.libraryPath));
      const latencyUs = Math.round(latencyMs * 1000);
      const capture = openPcm(api, o.capture, 'capture', opts.sampleRate, latencyUs);
      let playback: OpenPcm | undefined;
      try {
        playback = openPcm(api, o.playback, 'playback', opts.sampleRate, latencyUs);
        // Capture runs from now on, so the first frame the engine asks for has had time to arrive.
        check(api, api.start(capture.pcm), o.capture, 'capture', 'cannot start');
      } catch (err) {
        api.close(capture.pcm);
        if (playback) api.close(playback.pcm);
        throw err;
      }
      const ringSamples = Math.max(2 * opts.frameSamples, Math.round((latencyMs * opts.sampleRate) / 1000));
      return new AlsaPort(name, opts, api, capture, playback, ringSamples);
    },
  };
}

function checkPortOptions(opts: AudioPortOptions): void {
  if (!Number.isInteger(opts.sampleRate) || opts.sampleRate < 4000 || opts.sampleRate > 192000) {
    throw new RangeError(`ALSA: sample rate must be an integer from 4000 to 192000 Hz, got ${opts.sampleRate}`);
  }
  if (!Number.isInteger(opts.frameSamples) || opts.frameSamples < 1 || opts.frameSamples > opts.sampleRate) {
    throw new RangeError(`ALSA: frameSamples must be an integer from 1 to one second of samples, got ${opts.frameSamples}`);
  }
}

interface OpenPcm {
  pcm: PcmHandle;
  /** ALSA's buffer in frames: the most one read may ask for (the file plugin refuses more) */
  bufferFrames: number;
}

function check(api: LibAsound, err: number, device: string, stream: PcmStream, what: string): void {
  if (err < 0) throw new Error(`ALSA ${stream} device "${device}": ${what}: ${api.strerror(err)}`);
}

/** Opens one PCM non-blocking as S16_LE mono at `rate`; closes it again when it cannot be configured. */
function openPcm(api: LibAsound, device: string, stream: PcmStream, rate: number, latencyUs: number): OpenPcm {
  const { err, pcm } = api.open(device, stream, SND_PCM_NONBLOCK);
  check(api, err, device, stream, 'cannot open');
  if (pcm === null) throw new Error(`ALSA ${stream} device "${device}": cannot open: no handle returned`);
  try {
    // Soft resampling on: a codec that only runs at 48 kHz still gives us 8 or 16 kHz through plug.
    check(
      api,
      api.setParams(pcm, SND_PCM_FORMAT_S16_LE, SND_PCM_ACCESS_RW_INTERLEAVED, 1, rate, true, latencyUs),
      device,
      stream,
      `cannot use 16-bit mono at ${rate} Hz`,
    );
    const bufferFrames = api.bufferSize(pcm);
    check(api, bufferFrames, device, stream, 'cannot read buffer size');
    return { pcm, bufferFrames };
  } catch (e) {
    api.close(pcm);
    throw e;
  }
}

class AlsaPort implements AudioPort {
  readonly sampleRate: number;
  readonly frameSamples: number;
  private readonly ring: SampleRing;
  private readonly scratch: Int16Array;
  private readonly counters = { captureUnderruns: 0, playbackOverruns: 0, captureXruns: 0, playbackXruns: 0 };
  /** Last unexpected error per direction, so a dead device (unplugged headset) logs once, not 50 times a second. */
  private readonly lastError: Record<PcmStream, number> = { capture: 0, playback: 0 };
  private closed = false;

  constructor(
    readonly name: string,
    opts: AudioPortOptions,
    private readonly api: LibAsound,
    private readonly capture: OpenPcm,
    private readonly playback: OpenPcm,
    ringSamples: number,
  ) {
    this.sampleRate = opts.sampleRate;
    this.frameSamples = opts.frameSamples;
    this.ring = new SampleRing(ringSamples);
    this.scratch = new Int16Array(capture.bufferFrames);
  }

  readCapture(): PcmFrame {
    const frame = new Int16Array(this.frameSamples);
    if (this.closed) return frame;
    this.pullCapture();
    if (this.ring.read(frame) < frame.length) this.counters.captureUnderruns++;
    return frame;
  }

  /** Moves everything ALSA holds (at most one ALSA buffer) into the ring. */
  private pullCapture(): void {
    const pcm = this.capture.pcm;
    const avail = this.api.availUpdate(pcm);
    if (avail < 0) {
      this.recover('capture', avail);
      return;
    }
    const want = Math.min(avail, this.scratch.length);
    if (want === 0) return;
    const got = this.api.readi(pcm, this.scratch, want);
    if (got > 0) this.ring.write(this.scratch.subarray(0, got));
    else if (got < 0) this.recover('capture', got);
  }

  writePlayback(frame: PcmFrame): void {
    if (this.closed || frame.length === 0) return;
    const pcm = this.playback.pcm;
    let written = this.api.writei(pcm, frame, frame.length);
    if (written < 0 && written !== -EAGAIN) {
      // An underrun after a stall (or a suspend): once recovered, this frame goes to the restarted stream.
      written = this.recover('playback', written) ? this.api.writei(pcm, frame, frame.length) : 0;
    }
    // -EAGAIN (buffer full), a short write or a stream that is not back yet: the rest of the frame is
    // dropped, never queued by us. A failed retry is left for the next frame to recover.
    if (written !== frame.length) this.counters.playbackOverruns++;
  }

  /** Handles a negative return code; true when the stream is usable again. */
  private recover(stream: PcmStream, err: number): boolean {
    if (err === -EAGAIN) return true;
    const pcm = stream === 'capture' ? this.capture.pcm : this.playback.pcm;
    let result: number;
    if (err === -EPIPE) {
      result = this.api.recover(pcm, err, true);
    } else if (err === -ESTRPIPE) {
      // snd_pcm_recover would wait for the driver's resume in a poll loop (a second per try) on our only
      // thread; try once per frame instead, and start afresh when the driver cannot resume at all.
      result = this.api.resume(pcm);
      if (result === -EAGAIN) return false;
      if (result < 0) result = this.api.prepare(pcm);
    } else {
      this.logOnce(stream, err);
      return false;
    }
    this.counters[stream === 'capture' ? 'captureXruns' : 'playbackXruns']++;
    // A recovered capture stream stays prepared until started; playback restarts when its buffer fills.
    if (result >= 0 && stream === 'capture') result = this.api.start(pcm);
    if (result < 0) {
      this.logOnce(stream, result);
      return false;
    }
    this.lastError[stream] = 0;
    return true;
  }

  private logOnce(stream: PcmStream, err: number): void {
    if (this.lastError[stream] === err) return;
    this.lastError[stream] = err;
    log.error(`${this.name}: ${stream}: ${this.api.strerror(err)}`);
  }

  stats(): AlsaPortStats {
    return { ...this.counters, captureOverrunSamples: this.ring.droppedSamples };
  }

  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true;
      // Drop, not drain: a hung-up call's last 60 ms are not worth blocking the main thread for.
      for (const { pcm } of [this.capture, this.playback]) {
        this.api.drop(pcm);
        this.api.close(pcm);
      }
    }
    return Promise.resolve();
  }
}
