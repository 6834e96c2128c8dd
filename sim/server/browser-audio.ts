/**
 * The browser's microphone and speakers as a simulated phone's sound device.
 *
 * Design: a phone's device is chosen once, at startPhone, but the page's "use my microphone and speakers"
 * toggle comes and goes while the phone runs. So every simulated phone is given a
 * {@link SwitchableAudioDevice} that starts on its tone (the WAV "microphone", or silence with
 * `--audio null`) and is switched to the phone's {@link BrowserAudioDevice} while a page holds it, and
 * back when the page lets go or disconnects (sim-phone.ts wires the two). Ports the phone's mixer has open
 * are re-opened on the new device and swapped under it, so a call in progress changes sound source
 * without noticing. At most one page connection holds "my microphone" in the whole simulator
 * ({@link AudioFloor}): one person, one headset.
 *
 * Wire format (binary WebSocket messages, beside the screen frames that start with "SDF1"):
 *   "SDA1" | 320 × int16 little-endian — one 20 ms frame of mono 16 kHz PCM,
 * page → server: the microphone; server → page: what the phone plays. The 4-byte tag keeps the samples
 * 2-byte aligned, so the page can read them in place. The page does the rate conversion to and from its
 * AudioContext's rate; the server side only sees 16 kHz frames.
 *
 * Capture jitter buffer: frames arrive at the browser's audio clock in bursts (WebSocket, event loop),
 * and the mixer reads them at its own 20 ms clock. At most 200 ms are queued (the oldest samples are
 * dropped past that: a page that runs fast must not build up delay); after running dry, reading waits
 * until two frames are queued again, giving silence meanwhile, so a bursty page costs one clean gap
 * instead of alternating sound and silence frame by frame.
 */
import { SampleRing, type AudioDevice, type AudioPort, type AudioPortOptions, type AudioPortStats } from '../../src/media/audio/audio-port.js';
import type { PcmFrame } from '../../src/media/types.js';
import { createLogger } from '../../src/util/log.js';

const log = createLogger('sim-audio');

/** First bytes of an audio message ("SDA1"); screen frames start with "SDF1". */
export const AUDIO_TAG = Buffer.from('SDA1', 'latin1');
export const BROWSER_AUDIO_RATE = 16000;
/** Samples of one 20 ms frame at 16 kHz: the only size either side sends. */
export const BROWSER_FRAME_SAMPLES = 320;
export const AUDIO_MESSAGE_BYTES = AUDIO_TAG.length + BROWSER_FRAME_SAMPLES * 2;
/** Capture queued beyond this is dropped (oldest first). */
export const CAPTURE_MAX_MS = 200;
/** Frames queued before capture resumes after running dry. */
export const CAPTURE_PREFILL_FRAMES = 2;

/** Whether a binary message from the page claims to be audio (by its tag; its contents are checked by decodeAudioMessage). */
export function isAudioMessage(data: Buffer): boolean {
  return data.length >= AUDIO_TAG.length && data.subarray(0, AUDIO_TAG.length).equals(AUDIO_TAG);
}

/** One frame as a message to the page. */
export function encodeAudioMessage(frame: PcmFrame): Buffer {
  if (frame.length !== BROWSER_FRAME_SAMPLES) throw new RangeError(`audio message: ${frame.length} samples, expected ${BROWSER_FRAME_SAMPLES}`);
  const out = Buffer.alloc(AUDIO_MESSAGE_BYTES);
  AUDIO_TAG.copy(out, 0);
  for (let i = 0; i < frame.length; i++) out.writeInt16LE(frame[i]!, AUDIO_TAG.length + 2 * i);
  return out;
}

/** The samples of a message from the page; throws an Error saying what is wrong with a malformed one. */
export function decodeAudioMessage(data: Buffer): PcmFrame {
  if (!isAudioMessage(data)) throw new Error('audio message: does not start with "SDA1"');
  const bytes = data.length - AUDIO_TAG.length;
  if (bytes % 2 !== 0) throw new Error(`audio message: odd payload of ${bytes} bytes (16-bit samples)`);
  if (bytes !== BROWSER_FRAME_SAMPLES * 2) throw new Error(`audio message: ${bytes / 2} samples, expected ${BROWSER_FRAME_SAMPLES} (20 ms at 16 kHz)`);
  const frame = new Int16Array(BROWSER_FRAME_SAMPLES);
  for (let i = 0; i < frame.length; i++) frame[i] = data.readInt16LE(AUDIO_TAG.length + 2 * i);
  return frame;
}

// ---------------------------------------------------------------------------------------------------------
// The browser device
// ---------------------------------------------------------------------------------------------------------

/** The page connection that holds a phone's audio. */
export interface PageAudioLink {
  /** Sends one message to the page; false when it was dropped (the page is not keeping up). */
  send(message: Buffer): boolean;
  /** Another connection took the audio: this one no longer holds it (and should tell its page). */
  release(reason: string): void;
}

/** What the holder of a phone's audio gets: its microphone input, and the way to let go. */
export interface BrowserAudioHold {
  /** One message from the page; throws on a malformed one. Ignored once this hold was released. */
  receive(data: Buffer): void;
  /** Lets go (idempotent; a no-op when another connection took over meanwhile). */
  detach(): void;
}

export class BrowserAudioDevice implements AudioDevice {
  readonly name: string;
  #link: PageAudioLink | undefined;
  readonly #ports = new Set<BrowserAudioPort>();
  readonly #listeners = new Set<(held: boolean) => void>();

  constructor(phone: string) {
    this.name = `browser (${phone})`;
  }

  /** Whether a page holds the device now. */
  get held(): boolean {
    return this.#link !== undefined;
  }

  /** Every change of {@link held}; returns the unsubscribe function. */
  onHeldChange(listener: (held: boolean) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Makes `link` the page of this device; a page holding it before is released. */
  attach(link: PageAudioLink): BrowserAudioHold {
    const previous = this.#link;
    this.#link = link;
    if (previous !== undefined && previous !== link) previous.release('another page took this phone\'s audio');
    if (previous === undefined) this.#notify(true);
    return {
      receive: (data) => {
        const frame = decodeAudioMessage(data);
        if (this.#link !== link) return; // in flight when another page took over
        for (const port of this.#ports) port.putCapture(frame);
      },
      detach: () => {
        if (this.#link !== link) return;
        this.#link = undefined;
        this.#notify(false);
      },
    };
  }

  open(opts: AudioPortOptions): Promise<AudioPort> {
    if (opts.sampleRate !== BROWSER_AUDIO_RATE || opts.frameSamples !== BROWSER_FRAME_SAMPLES) {
      return Promise.reject(new Error(`${this.name}: opened at ${opts.sampleRate} Hz × ${opts.frameSamples} samples; the page exchanges 20 ms frames at 16 kHz (${BROWSER_FRAME_SAMPLES} samples)`));
    }
    const port = new BrowserAudioPort(this.name, (frame) => this.#sendPlayback(frame), (p) => this.#ports.delete(p));
    this.#ports.add(port);
    return Promise.resolve(port);
  }

  /** False when the frame was not delivered (no page, or the page is behind). */
  #sendPlayback(frame: PcmFrame): boolean {
    return this.#link?.send(encodeAudioMessage(frame)) ?? false;
  }

  #notify(held: boolean): void {
    for (const l of this.#listeners) l(held);
  }
}

class BrowserAudioPort implements AudioPort {
  readonly sampleRate = BROWSER_AUDIO_RATE;
  readonly frameSamples = BROWSER_FRAME_SAMPLES;
  readonly #capture = new SampleRing((BROWSER_AUDIO_RATE * CAPTURE_MAX_MS) / 1000);
  /** Waiting for CAPTURE_PREFILL_FRAMES before reading (at first and after running dry). */
  #priming = true;
  #captureUnderruns = 0;
  #playbackOverruns = 0;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly sendPlayback: (frame: PcmFrame) => boolean,
    private readonly onClose: (port: BrowserAudioPort) => void,
  ) {}

  putCapture(frame: PcmFrame): void {
    if (!this.#closed) this.#capture.write(frame);
  }

  readCapture(): PcmFrame {
    const frame = new Int16Array(this.frameSamples);
    if (this.#priming && this.#capture.size < CAPTURE_PREFILL_FRAMES * this.frameSamples) {
      this.#captureUnderruns++;
      return frame;
    }
    this.#priming = false;
    if (this.#capture.size < this.frameSamples) {
      // Whole frames only: a fragment followed by zeros would click.
      this.#captureUnderruns++;
      this.#priming = true;
      return frame;
    }
    this.#capture.read(frame);
    return frame;
  }

  writePlayback(frame: PcmFrame): void {
    if (this.#closed) return;
    if (!this.sendPlayback(frame)) this.#playbackOverruns++;
  }

  stats(): AudioPortStats {
    return { captureUnderruns: this.#captureUnderruns, captureOverrunSamples: this.#capture.droppedSamples, playbackOverruns: this.#playbackOverruns };
  }

  close(): Promise<void> {
    this.#closed = true;
    this.onClose(this);
    return Promise.resolve();
  }
}

/**
 * Which page connection holds "my microphone and speakers" across all phones of a simulator: taking it
 * releases the previous holder (whose page then turns its toggle off).
 */
export class AudioFloor {
  #release: (() => void) | undefined;

  /** `release` is called when someone else takes the floor; the returned function gives it up. */
  take(release: () => void): () => void {
    const previous = this.#release;
    this.#release = release;
    if (previous !== undefined && previous !== release) previous();
    return () => {
      if (this.#release === release) this.#release = undefined;
    };
  }
}

// ---------------------------------------------------------------------------------------------------------
// Level meter
// ---------------------------------------------------------------------------------------------------------

export interface AudioLevel {
  /** RMS over the last few frames, of full scale (0…1). */
  readonly rms: number;
  /** Largest sample over the last few frames, of full scale (0…1). */
  readonly peak: number;
}

/** Frames a level covers (about a third of a second at 20 ms): long enough to catch a short beep. */
const METER_FRAMES = 16;

/** The level of the last METER_FRAMES frames of one signal (the page shows it beside the phone). */
export class LevelMeter {
  readonly #meanSquares = new Float64Array(METER_FRAMES);
  readonly #peaks = new Float64Array(METER_FRAMES);
  #next = 0;

  add(frame: PcmFrame): void {
    let sum = 0;
    let peak = 0;
    for (const s of frame) {
      sum += s * s;
      const a = s < 0 ? -s : s;
      if (a > peak) peak = a;
    }
    this.#meanSquares[this.#next] = frame.length > 0 ? sum / frame.length / (32768 * 32768) : 0;
    this.#peaks[this.#next] = peak / 32768;
    this.#next = (this.#next + 1) % METER_FRAMES;
  }

  level(): AudioLevel {
    let sum = 0;
    let peak = 0;
    for (let i = 0; i < METER_FRAMES; i++) {
      sum += this.#meanSquares[i]!;
      peak = Math.max(peak, this.#peaks[i]!);
    }
    return { rms: Math.sqrt(sum / METER_FRAMES), peak };
  }

  reset(): void {
    this.#meanSquares.fill(0);
    this.#peaks.fill(0);
  }
}

// ---------------------------------------------------------------------------------------------------------
// The switch
// ---------------------------------------------------------------------------------------------------------

export interface PhoneAudioLevels {
  /** What the phone's microphone gives (the tone, or the page's microphone). */
  readonly microphone: AudioLevel;
  /** What the phone's speaker plays (the far end, ring and call-progress tones). */
  readonly speaker: AudioLevel;
}

/**
 * An AudioDevice whose ports can move to another device while open: {@link use} re-opens every open port
 * on the new device, swaps it in and closes the old one. Opens and switches run one at a time, so a port
 * never ends up on a device that was switched away from. Also meters what passes through.
 */
export class SwitchableAudioDevice implements AudioDevice {
  readonly name: string;
  #device: AudioDevice;
  readonly #ports = new Set<SwitchablePort>();
  #queue: Promise<unknown> = Promise.resolve();
  readonly #microphone = new LevelMeter();
  readonly #speaker = new LevelMeter();

  constructor(initial: AudioDevice, name = 'switchable') {
    this.#device = initial;
    this.name = name;
  }

  /** The device ports open on now. */
  get current(): AudioDevice {
    return this.#device;
  }

  levels(): PhoneAudioLevels {
    return { microphone: this.#microphone.level(), speaker: this.#speaker.level() };
  }

  open(opts: AudioPortOptions): Promise<AudioPort> {
    return this.#serially(async () => {
      const port = new SwitchablePort(this.name, opts, await this.#device.open(opts), {
        microphone: this.#microphone,
        speaker: this.#speaker,
        closed: (p) => this.#closed(p),
      });
      this.#ports.add(port);
      return port;
    });
  }

  /**
   * Moves every open port (and later opens) to `device`. When the new device cannot open a port, nothing
   * moves and the error is thrown: the phone keeps the sound it had.
   */
  use(device: AudioDevice): Promise<void> {
    return this.#serially(async () => {
      if (device === this.#device) return;
      const moves: [SwitchablePort, AudioPort][] = [];
      try {
        for (const port of this.#ports) moves.push([port, await device.open(port.options)]);
      } catch (err) {
        await Promise.allSettled(moves.map(([, inner]) => inner.close()));
        throw err;
      }
      this.#device = device;
      for (const [port, inner] of moves) {
        const old = port.swap(inner);
        await old.close().catch((err: unknown) => log.warn(`${this.name}: closing the ${old.name} port: ${(err as Error).message}`));
      }
    });
  }

  /** Resolves once the opens and switches asked for so far are done (whether or not they succeeded). */
  settled(): Promise<void> {
    return this.#queue.then(() => undefined);
  }

  #serially<T>(step: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(step);
    this.#queue = run.catch(() => undefined);
    return run;
  }

  #closed(port: SwitchablePort): void {
    this.#ports.delete(port);
    // No port, no sound: the meters fall to zero instead of showing the last call's level forever.
    if (this.#ports.size === 0) {
      this.#microphone.reset();
      this.#speaker.reset();
    }
  }
}

interface SwitchablePortHooks {
  readonly microphone: LevelMeter;
  readonly speaker: LevelMeter;
  readonly closed: (port: SwitchablePort) => void;
}

class SwitchablePort implements AudioPort {
  readonly sampleRate: number;
  readonly frameSamples: number;
  #inner: AudioPort;
  /** Counters of the ports swapped out, so stats() does not go backwards at a switch. */
  #retired: AudioPortStats = { captureUnderruns: 0, captureOverrunSamples: 0, playbackOverruns: 0 };
  #closing: Promise<void> | undefined;

  constructor(
    readonly deviceName: string,
    readonly options: AudioPortOptions,
    inner: AudioPort,
    private readonly hooks: SwitchablePortHooks,
  ) {
    this.sampleRate = options.sampleRate;
    this.frameSamples = options.frameSamples;
    this.#inner = inner;
  }

  get name(): string {
    return `${this.deviceName}:${this.#inner.name}`;
  }

  readCapture(): PcmFrame {
    const frame = this.#inner.readCapture();
    this.hooks.microphone.add(frame);
    return frame;
  }

  writePlayback(frame: PcmFrame): void {
    this.hooks.speaker.add(frame);
    this.#inner.writePlayback(frame);
  }

  stats(): AudioPortStats {
    const now = this.#inner.stats();
    const r = this.#retired;
    return {
      captureUnderruns: r.captureUnderruns + now.captureUnderruns,
      captureOverrunSamples: r.captureOverrunSamples + now.captureOverrunSamples,
      playbackOverruns: r.playbackOverruns + now.playbackOverruns,
    };
  }

  /** Puts `inner` in place; returns the port to close (the old one, or `inner` itself when this port closed meanwhile). */
  swap(inner: AudioPort): AudioPort {
    if (this.#closing !== undefined) return inner;
    const old = this.#inner;
    const s = old.stats();
    this.#retired = {
      captureUnderruns: this.#retired.captureUnderruns + s.captureUnderruns,
      captureOverrunSamples: this.#retired.captureOverrunSamples + s.captureOverrunSamples,
      playbackOverruns: this.#retired.playbackOverruns + s.playbackOverruns,
    };
    this.#inner = inner;
    return old;
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.hooks.closed(this);
      await this.#inner.close();
    })();
    return this.#closing;
  }
}

/**
 * Keeps `audio` on `page` while a page holds it and on `fallback` otherwise (the simulated phone's tone).
 * A switch that fails is reported to `onError` and leaves the sound where it was. Returns the unsubscribe
 * function.
 */
export function followPageAudio(audio: SwitchableAudioDevice, page: BrowserAudioDevice, fallback: AudioDevice, onError: (err: Error, held: boolean) => void): () => void {
  return page.onHeldChange((held) => {
    audio.use(held ? page : fallback).catch((err: unknown) => onError(err as Error, held));
  });
}
