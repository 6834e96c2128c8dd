/**
 * Sounds the phone plays to its own user, not into a call: the ringer, dial tone, ringback before early
 * media, busy, the call-waiting beep, ringtones from WAV files. Normally played on the MixingAudioDevice
 * (audio/mixer.ts), so they sound over a running call on the same handset/speaker.
 *
 * One sound at a time per player: starting another replaces the current one (it ends 'replaced') without
 * reopening the port. The port is opened when a sound starts and closed when it is stopped or when a
 * finite sound (a clip played once, a tone plan that does not repeat) has played out. Its own frame clock
 * ({@link FrameClock}) writes one frame per tick; the mixer takes it on its next tick.
 *
 * A finite sound ends one tick after its last frame was written: closing the port at once would throw away
 * that frame, still queued in the port.
 */
import { EventEmitter } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import type { AudioDevice, AudioPort } from './audio/audio-port.js';
import { ClipPlayer, ToneGenerator, applyGain, validateTonePlan, type TonePlan } from './dsp/tones.js';
import { WavError, decodeWavToRate } from './dsp/wav.js';
import { FrameClock, type FrameTime } from './frame-clock.js';
import type { PcmFrame } from './types.js';
import { createLogger } from '../util/log.js';

const log = createLogger('local-sound');

/** Ringtone files larger than this are refused (30 s of 48 kHz stereo is 5.8 MB). */
export const MAX_RINGTONE_BYTES = 16 * 1024 * 1024;
/** Volume range accepted, dB relative to the tone plan's level or the clip as recorded. */
export const MIN_VOLUME_DB = -60;
export const MAX_VOLUME_DB = 20;

export type LocalSoundEndReason = 'finished' | 'stopped' | 'replaced';

/** A sound that started playing. */
export interface LocalSound {
  readonly kind: 'tone' | 'clip';
  /** The tone plan's name, or 'clip'. */
  readonly name: string;
  /** Resolves when the sound stops, with why. Never rejects. */
  readonly ended: Promise<LocalSoundEndReason>;
}

export interface LocalSoundEndedEvent {
  readonly sound: LocalSound;
  readonly reason: LocalSoundEndReason;
}

export interface LocalSoundPlayerEvents {
  ended: [LocalSoundEndedEvent];
}

export interface LocalSoundPlayerOptions {
  /** Normally the MixingAudioDevice (or `mixer.deviceFor('local-sound')`). */
  readonly device: AudioDevice;
  /** Rate of the player's port and of the clips it is given. Default 16000. */
  readonly sampleRate?: number;
  /** Frame length, ms. Default 20. */
  readonly frameMs?: number;
  /** Time source of the frame clock (tests step a ManualFrameTime). */
  readonly time?: FrameTime;
}

export interface ToneOptions {
  /** Gain in dB applied to the plan's level (user volume; 0 = as planned). */
  readonly volumeDb?: number;
}

export interface ClipOptions {
  /** Play the clip again and again (ringtones) or once. Default false: once. */
  readonly loop?: boolean;
  /** Gain in dB (0 = as recorded). */
  readonly volumeDb?: number;
  /** Silence between repetitions when looping, ms. Default 0. */
  readonly gapMs?: number;
}

interface FrameSource {
  next(samples: number): PcmFrame;
  readonly finished: boolean;
}

class ActiveSound implements LocalSound {
  readonly ended: Promise<LocalSoundEndReason>;
  #resolve!: (reason: LocalSoundEndReason) => void;
  #done = false;
  /** The last frame has been written; end at the next tick. */
  draining = false;

  constructor(
    readonly kind: 'tone' | 'clip',
    readonly name: string,
    readonly source: FrameSource,
    public volumeDb: number,
  ) {
    this.ended = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  get done(): boolean {
    return this.#done;
  }

  /** Returns false when it had already ended. */
  finish(reason: LocalSoundEndReason): boolean {
    if (this.#done) return false;
    this.#done = true;
    this.#resolve(reason);
    return true;
  }
}

function checkVolume(db: number): number {
  if (!(Number.isFinite(db) && db >= MIN_VOLUME_DB && db <= MAX_VOLUME_DB)) {
    throw new RangeError(`volume ${db} dB is outside ${MIN_VOLUME_DB}..${MAX_VOLUME_DB} dB`);
  }
  return db;
}

export class LocalSoundPlayer extends EventEmitter<LocalSoundPlayerEvents> {
  readonly sampleRate: number;
  readonly frameMs: number;
  readonly frameSamples: number;
  readonly #device: AudioDevice;
  readonly #clock: FrameClock;
  #port: AudioPort | undefined;
  #opening: Promise<AudioPort> | undefined;
  #closing: Promise<void> | undefined;
  #current: ActiveSound | undefined;

  constructor(o: LocalSoundPlayerOptions) {
    super();
    const rate = o.sampleRate ?? 16000;
    const frameMs = o.frameMs ?? 20;
    const frameSamples = (rate * frameMs) / 1000;
    if (!(Number.isInteger(rate) && rate >= 8000)) throw new RangeError(`local sound: bad sample rate ${rate} Hz`);
    if (!(Number.isInteger(frameSamples) && frameSamples > 0)) throw new RangeError(`local sound: ${frameMs} ms at ${rate} Hz is not a whole number of samples`);
    this.#device = o.device;
    this.sampleRate = rate;
    this.frameMs = frameMs;
    this.frameSamples = frameSamples;
    this.#clock = new FrameClock({ frameMs, onTick: () => this.#tick(), name: 'local-sound', ...(o.time ? { time: o.time } : {}) });
  }

  /** The sound playing now, if any. */
  get current(): LocalSound | undefined {
    return this.#current;
  }

  /** Whether the player holds an open port. */
  get portOpen(): boolean {
    return this.#port !== undefined;
  }

  /**
   * Plays a tone plan (tone-plans.ts). Resolves once it plays; rejects (RangeError) for a bad plan or volume
   * and with the device's error when the port cannot open.
   */
  playTone(plan: TonePlan, options: ToneOptions = {}): Promise<LocalSound> {
    return this.#guard(() => {
      const volumeDb = checkVolume(options.volumeDb ?? 0);
      validateTonePlan(plan, this.sampleRate);
      return new ActiveSound('tone', plan.name, new ToneGenerator(plan, { sampleRate: this.sampleRate }), volumeDb);
    });
  }

  /** Plays decoded PCM at the player's rate (see {@link loadRingtone}). Rejects like playTone. */
  playClip(pcm: PcmFrame, options: ClipOptions = {}): Promise<LocalSound> {
    return this.#guard(() => {
      if (!(pcm instanceof Int16Array)) throw new TypeError('clip must be 16-bit PCM (Int16Array)');
      const volumeDb = checkVolume(options.volumeDb ?? 0);
      const gapMs = options.gapMs ?? 0;
      if (!(Number.isFinite(gapMs) && gapMs >= 0)) throw new RangeError(`bad gap ${gapMs} ms`);
      const player = new ClipPlayer(pcm, { loop: options.loop ?? false, gapSamples: Math.round((gapMs * this.sampleRate) / 1000) });
      return new ActiveSound('clip', 'clip', player, volumeDb);
    });
  }

  /** Changes the volume of the sound playing now (volume keys while ringing). */
  setVolume(volumeDb: number): void {
    const db = checkVolume(volumeDb);
    if (this.#current) this.#current.volumeDb = db;
  }

  /** Stops the current sound (it ends 'stopped') and closes the port. */
  stop(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    if (current) this.#end(current, 'stopped');
    return this.#releasePort();
  }

  // -------------------------------------------------------------------------------------------------------

  async #guard(build: () => ActiveSound): Promise<LocalSound> {
    const sound = build();
    const previous = this.#current;
    this.#current = sound;
    if (previous) this.#end(previous, 'replaced');
    try {
      await this.#acquirePort();
    } catch (err) {
      if (this.#current === sound) this.#current = undefined;
      sound.finish('stopped');
      throw err;
    }
    // Stopped or replaced while the port was opening: the newer call decides what happens to the port.
    if (this.#current === sound) this.#clock.start();
    return sound;
  }

  async #acquirePort(): Promise<AudioPort> {
    while (this.#closing !== undefined) await this.#closing;
    if (this.#port !== undefined) return this.#port;
    this.#opening ??= this.#device
      .open({ sampleRate: this.sampleRate, frameSamples: this.frameSamples })
      .then((port) => {
        this.#port = port;
        return port;
      })
      .finally(() => {
        this.#opening = undefined;
      });
    const port = await this.#opening;
    // stop() ran while the port was opening and nothing new started: do not keep the device.
    if (this.#current === undefined) await this.#releasePort();
    return port;
  }

  #releasePort(): Promise<void> {
    this.#clock.stop();
    const port = this.#port;
    if (port === undefined) return this.#closing ?? Promise.resolve();
    this.#port = undefined;
    const closing = port
      .close()
      .catch((err: unknown) => log.warn(`closing ${port.name} failed: ${String(err)}`))
      .finally(() => {
        if (this.#closing === closing) this.#closing = undefined;
      });
    this.#closing = closing;
    return closing;
  }

  #end(sound: ActiveSound, reason: LocalSoundEndReason): void {
    if (sound.finish(reason)) this.emit('ended', { sound, reason });
  }

  #tick(): void {
    const sound = this.#current;
    const port = this.#port;
    if (sound === undefined || port === undefined) return;
    if (sound.draining) {
      this.#current = undefined;
      this.#end(sound, 'finished');
      void this.#releasePort();
      return;
    }
    const frame = sound.source.next(this.frameSamples);
    port.writePlayback(sound.volumeDb === 0 ? frame : applyGain(frame, sound.volumeDb, frame));
    if (sound.source.finished) sound.draining = true;
  }
}

/**
 * Reads a ringtone WAV file (16-bit PCM, any rate and channel count) as mono PCM at `sampleRate`. Rejects
 * with an Error naming the file and the problem: missing, unreadable, too large, not a usable WAV, silent
 * (no samples).
 */
export async function loadRingtone(path: string, sampleRate: number): Promise<PcmFrame> {
  if (!(Number.isInteger(sampleRate) && sampleRate >= 8000)) throw new RangeError(`bad sample rate ${sampleRate} Hz`);
  let bytes: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new Error('not a regular file');
    if (info.size > MAX_RINGTONE_BYTES) throw new Error(`${info.size} bytes is larger than the ${MAX_RINGTONE_BYTES} allowed`);
    bytes = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : err instanceof Error ? err.message : String(err);
    throw new Error(`ringtone ${path}: ${why}`, { cause: err });
  }
  let pcm: PcmFrame;
  try {
    pcm = decodeWavToRate(bytes, sampleRate);
  } catch (err) {
    if (err instanceof WavError) throw new Error(`ringtone ${path}: ${err.message}`, { cause: err });
    throw err;
  }
  if (pcm.length === 0) throw new Error(`ringtone ${path}: the file holds no audio`);
  return pcm;
}
