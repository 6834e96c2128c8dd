/**
 * One real audio device shared by several calls and the local sound player. A desk phone has one
 * handset/speaker/headset but can hold two or three calls (call waiting, a three-way conference) and plays
 * local sounds (ringer, dial tone, busy) on the same device, while a real ALSA device cannot be opened twice.
 *
 * {@link MixingAudioDevice} opens the real port once (lazily, at a fixed device rate and frame, 16 kHz /
 * 20 ms by default) and hands out virtual AudioPorts at the rate each asks (the device rate, half or double
 * it: 8 kHz narrowband calls on a 16 kHz device). It closes the real port when the last virtual port closes.
 *
 * Every mixer tick (a drift-free {@link FrameClock} of one device frame) does:
 *   - reads one frame of real capture (the microphone);
 *   - takes one mixer frame of playback from every virtual port's ring, brought to the device rate;
 *   - plays the clipped sum of the *audible* ports' playback on the real device;
 *   - gives every port one frame of capture: the microphone (unless the port's microphone is off) plus,
 *     for a member of a conference group, the playback of the other members of its group — the classic
 *     three-way bridge: each far end hears us and the other far end, never itself.
 *
 * Per-port flags, set on the mixer by port handle or by name (settings belong to the name, so a call whose
 * CallMedia reopens its port for a codec of another rate keeps them; flags set by name before the port opens
 * apply when it does):
 *   - audible (default true): its playback reaches the speaker. A held call is not audible.
 *   - microphone (default true): its capture carries the microphone. A held call should not (the held party
 *     must not overhear the other call): hold = setAudible(false) + setMicrophone(false).
 *   - conference group (default none): members hear each other's playback in their capture. Independent of
 *     the two flags above; either leg leaves by setting its group to undefined.
 *
 * Latency and memory. The rings between a virtual port and the mixer hold at most one port frame plus one
 * mixer frame (SampleRing: the oldest samples are dropped, counted, when a port does not keep up), so the
 * mixer adds at most one frame of buffering per direction, and a port that is never read cannot grow memory.
 *
 * Rate conversion ({@link HalfBandResampler}): 2:1 and 1:2 with a 47-tap Kaiser-windowed (β = 6) half-band
 * FIR low-pass at a quarter of the high rate, streamed with state across frames. Linear interpolation was
 * rejected: it droops 5.5 dB at 3.4 kHz when upsampling 8 → 16 kHz and, used to decimate a 16 kHz
 * microphone for an 8 kHz call, folds 4–8 kHz straight into the voice band. This filter (measured at
 * 16 kHz) is flat within ±0.05 dB up to 3.4 kHz (−0.6 dB at 3.6 kHz, −6 dB at 4 kHz as every half-band),
 * stops ≥ 62 dB from 4.7 kHz up, and delays by 23 samples at the high rate (1.4 ms). Cost: 47 multiply-adds
 * per high-rate sample, about 15 000 per 20 ms frame and direction — nothing on a Pi.
 */
import { createLogger } from '../../util/log.js';
import { FrameClock, type FrameClockStats, type FrameTime } from '../frame-clock.js';
import type { PcmFrame } from '../types.js';
import { SampleRing, type AudioDevice, type AudioPort, type AudioPortOptions, type AudioPortStats } from './audio-port.js';

const log = createLogger('mixer');

// ---------------------------------------------------------------------------------------------------------
// 2:1 / 1:2 resampler
// ---------------------------------------------------------------------------------------------------------

const HALF_BAND_TAPS = 47; // 4k + 3: the outermost taps fall on odd offsets, where a half-band is non-zero
const KAISER_BETA = 6;

/** Modified Bessel function of the first kind, order 0 (power series; converges fast for β ≤ 10). */
function besselI0(x: number): number {
  let sum = 1;
  let term = 1;
  for (let k = 1; k < 50; k++) {
    term *= (x / (2 * k)) ** 2;
    sum += term;
    if (term < sum * 1e-12) break;
  }
  return sum;
}

let halfBand: Float64Array | undefined;
/** Low-pass at a quarter of the sample rate; every even offset from the centre except 0 is exactly 0. */
function halfBandTaps(): Float64Array {
  if (halfBand !== undefined) return halfBand;
  const n = HALF_BAND_TAPS;
  const mid = (n - 1) / 2;
  const taps = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = i - mid;
    const sinc = d === 0 ? 0.5 : d % 2 === 0 ? 0 : Math.sin((Math.PI * d) / 2) / (Math.PI * d);
    const r = d / mid;
    const w = besselI0(KAISER_BETA * Math.sqrt(1 - r * r)) / besselI0(KAISER_BETA);
    taps[i] = sinc * w;
    sum += taps[i]!;
  }
  for (let i = 0; i < n; i++) taps[i] = taps[i]! / sum; // unity gain at DC
  halfBand = taps;
  return taps;
}

function clip16(x: number): number {
  const v = Math.round(x);
  return v > 32767 ? 32767 : v < -32768 ? -32768 : v;
}

/**
 * Streaming 2:1 ('down') or 1:2 ('up') rate converter for one continuous signal; see the file header for the
 * filter. Frames join seamlessly because the filter's history is kept between calls.
 */
export class HalfBandResampler {
  readonly #taps = halfBandTaps();
  /** The last taps−1 samples of the high-rate stream. */
  readonly #history = new Float64Array(HALF_BAND_TAPS - 1);

  constructor(readonly direction: 'up' | 'down') {}

  /** 'up': n samples in, 2n out. 'down': n (even) samples in, n/2 out. */
  process(input: PcmFrame): PcmFrame {
    if (this.direction === 'down' && input.length % 2 !== 0) throw new RangeError(`2:1 resampler needs an even frame, got ${input.length} samples`);
    const highLength = this.direction === 'up' ? input.length * 2 : input.length;
    const hist = this.#history.length;
    const stream = new Float64Array(hist + highLength);
    stream.set(this.#history);
    if (this.direction === 'up') {
      // Zero-stuffing halves the level of the wanted band; ×2 restores it.
      for (let i = 0; i < input.length; i++) stream[hist + 2 * i] = 2 * input[i]!;
    } else {
      for (let i = 0; i < input.length; i++) stream[hist + i] = input[i]!;
    }
    this.#history.set(stream.subarray(stream.length - hist));
    const step = this.direction === 'up' ? 1 : 2;
    const out = new Int16Array(highLength / step);
    const taps = this.#taps;
    for (let o = 0; o < out.length; o++) {
      const end = o * step + hist; // newest sample under the filter
      let acc = 0;
      for (let k = 0; k < taps.length; k++) acc += taps[k]! * stream[end - k]!;
      out[o] = clip16(acc);
    }
    return out;
  }
}

type Converter = (pcm: PcmFrame) => PcmFrame;

function converter(fromRate: number, toRate: number): Converter {
  if (fromRate === toRate) return (pcm) => pcm;
  const r = new HalfBandResampler(toRate > fromRate ? 'up' : 'down');
  return (pcm) => r.process(pcm);
}

// ---------------------------------------------------------------------------------------------------------
// Virtual ports
// ---------------------------------------------------------------------------------------------------------

/** A virtual port (by its handle) or a port name (settings by name). */
export type MixerPortRef = AudioPort | string;

export interface MixerPortFlags {
  readonly audible: boolean;
  readonly microphone: boolean;
  readonly conferenceGroup: string | undefined;
}

export interface MixerPortStats extends AudioPortStats {
  readonly name: string;
  readonly sampleRate: number;
  readonly frameSamples: number;
  readonly audible: boolean;
  readonly microphone: boolean;
  readonly conferenceGroup: string | undefined;
  /** Mixer ticks at which the port (once it had started writing) had less than one frame queued to play. */
  readonly playbackUnderruns: number;
}

/** A virtual port: an AudioPort whose stats also say what the mixer does with it. */
export interface MixerPort extends AudioPort {
  stats(): MixerPortStats;
}

/** The mixer as one user sees it: ports opened through it are MixerPorts. */
export interface MixerDevice extends AudioDevice {
  open(opts: AudioPortOptions): Promise<MixerPort>;
}

export interface MixerStats {
  readonly name: string;
  readonly sampleRate: number;
  readonly frameSamples: number;
  /** Whether the real port is open now. */
  readonly open: boolean;
  /** How many times the real port has been opened. */
  readonly realOpens: number;
  readonly clock: FrameClockStats;
  /** The real port's own counters, while it is open. */
  readonly device: AudioPortStats | undefined;
  readonly ports: MixerPortStats[];
}

/** The flags of one name, shared by every port opened under it. */
class PortSettings {
  audible = true;
  microphone = true;
  conferenceGroup: string | undefined = undefined;
  /** Open ports using these settings. */
  users = 0;

  constructor(
    readonly name: string,
    /** Kept after the last port closes (named on purpose), until MixingAudioDevice.release(name). */
    public retained: boolean,
  ) {}
}

/**
 * Fills `out` from the ring only when a whole frame is there; otherwise leaves it silent and the samples
 * queued. A late writer thus costs one clean frame of silence instead of a torn frame (a fragment followed
 * by zeros: a click), and the samples kept become slack that absorbs the next hiccup. A port whose frame
 * differs from the mixer's (ptime 30 against 20 ms) settles after its first underrun.
 */
function takeWhole(ring: SampleRing, out: Int16Array): boolean {
  if (ring.size < out.length) return false;
  ring.read(out);
  return true;
}

class VirtualPort implements MixerPort {
  readonly sampleRate: number;
  readonly frameSamples: number;
  /** Samples at the port's rate per mixer tick. */
  readonly #chunk: number;
  readonly #capture: SampleRing;
  readonly #playback: SampleRing;
  readonly #toDevice: Converter;
  readonly #fromDevice: Converter;
  #counts = { captureUnderruns: 0, playbackOverruns: 0, playbackUnderruns: 0 };
  #written = false;
  #closing: Promise<void> | undefined;

  constructor(
    readonly settings: PortSettings,
    opts: AudioPortOptions,
    deviceRate: number,
    deviceFrameMs: number,
    private readonly release: (port: VirtualPort) => Promise<void>,
  ) {
    this.sampleRate = opts.sampleRate;
    this.frameSamples = opts.frameSamples;
    this.#chunk = (opts.sampleRate * deviceFrameMs) / 1000;
    const capacity = opts.frameSamples + this.#chunk;
    this.#capture = new SampleRing(capacity);
    this.#playback = new SampleRing(capacity);
    this.#toDevice = converter(opts.sampleRate, deviceRate);
    this.#fromDevice = converter(deviceRate, opts.sampleRate);
  }

  get name(): string {
    return this.settings.name;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  readCapture(): PcmFrame {
    const frame = new Int16Array(this.frameSamples);
    if (this.closed) return frame;
    if (!takeWhole(this.#capture, frame)) this.#counts.captureUnderruns++;
    return frame;
  }

  writePlayback(frame: PcmFrame): void {
    if (this.closed) return;
    const dropped = this.#playback.droppedSamples;
    this.#playback.write(frame);
    if (this.#playback.droppedSamples > dropped) this.#counts.playbackOverruns++;
    this.#written = true;
  }

  stats(): MixerPortStats {
    const s = this.settings;
    return {
      name: s.name,
      sampleRate: this.sampleRate,
      frameSamples: this.frameSamples,
      audible: s.audible,
      microphone: s.microphone,
      conferenceGroup: s.conferenceGroup,
      captureUnderruns: this.#counts.captureUnderruns,
      captureOverrunSamples: this.#capture.droppedSamples,
      playbackOverruns: this.#counts.playbackOverruns,
      playbackUnderruns: this.#counts.playbackUnderruns,
    };
  }

  /** Resolves once the mixer let go of it (and closed the real port, when this was the last one). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.release(this);
    return this.#closing;
  }

  // ---- mixer side

  /** One mixer frame of what the port wants played, at the device rate. */
  takePlayback(): PcmFrame {
    const chunk = new Int16Array(this.#chunk);
    if (!takeWhole(this.#playback, chunk) && this.#written) this.#counts.playbackUnderruns++;
    // Silence goes through the resampler too, so its filter history stays continuous.
    return this.#toDevice(chunk);
  }

  /** One mixer frame of capture, at the device rate. */
  putCapture(deviceFrame: PcmFrame): void {
    this.#capture.write(this.#fromDevice(deviceFrame));
  }
}

// ---------------------------------------------------------------------------------------------------------
// The mixing device
// ---------------------------------------------------------------------------------------------------------

export interface MixingAudioDeviceOptions {
  /** Rate the real port is opened at. Default 16000. */
  readonly sampleRate?: number;
  /** Real port frame and mixer tick, ms. Default 20. */
  readonly frameMs?: number;
  /** Time source of the mixer clock (tests step a ManualFrameTime). */
  readonly time?: FrameTime;
  readonly name?: string;
}

export class MixingAudioDevice implements MixerDevice {
  readonly name: string;
  readonly sampleRate: number;
  readonly frameMs: number;
  /** Samples per real frame. */
  readonly frameSamples: number;
  readonly #inner: AudioDevice;
  readonly #clock: FrameClock;
  readonly #ports = new Set<VirtualPort>();
  readonly #settings = new Map<string, PortSettings>();
  #real: AudioPort | undefined;
  #openingReal: Promise<void> | undefined;
  #closingReal: Promise<void> | undefined;
  #pendingOpens = 0;
  #realOpens = 0;
  #autoNames = 0;

  constructor(inner: AudioDevice, options: MixingAudioDeviceOptions = {}) {
    const rate = options.sampleRate ?? 16000;
    const frameMs = options.frameMs ?? 20;
    if (!(Number.isInteger(rate) && rate >= 8000 && rate <= 48000)) throw new RangeError(`mixer: bad device rate ${rate} Hz`);
    if (!(Number.isInteger(frameMs) && frameMs >= 5 && frameMs <= 100)) throw new RangeError(`mixer: bad frame length ${frameMs} ms (5..100)`);
    const frameSamples = (rate * frameMs) / 1000;
    if (!Number.isInteger(frameSamples) || frameSamples % 2 !== 0) throw new RangeError(`mixer: ${frameMs} ms at ${rate} Hz is not an even number of samples`);
    this.#inner = inner;
    this.name = options.name ?? `mix:${inner.name}`;
    this.sampleRate = rate;
    this.frameMs = frameMs;
    this.frameSamples = frameSamples;
    this.#clock = new FrameClock({ frameMs, onTick: () => this.#tick(), name: this.name, ...(options.time ? { time: options.time } : {}) });
  }

  /** A virtual port with a name of its own (`<mixer>#<n>`); its settings go when it closes. */
  open(opts: AudioPortOptions): Promise<MixerPort> {
    const name = `${this.name}#${++this.#autoNames}`;
    return this.#open(opts, name, false);
  }

  /**
   * The mixer as seen by one user (a call, the local sound player): every port opened through it is called
   * `name` and shares `name`'s flags, which stay remembered until {@link release}(name).
   */
  deviceFor(name: string): MixerDevice {
    checkName(name);
    return { name, open: (opts) => this.#open(opts, name, true) };
  }

  setAudible(ref: MixerPortRef, audible: boolean): void {
    this.#settingsOf(ref).audible = audible;
  }

  setMicrophone(ref: MixerPortRef, on: boolean): void {
    this.#settingsOf(ref).microphone = on;
  }

  /** Joins a conference group (any non-empty string), or leaves it with undefined. */
  setConferenceGroup(ref: MixerPortRef, group: string | undefined): void {
    if (group !== undefined && (typeof group !== 'string' || group === '')) throw new RangeError('conference group must be a non-empty string or undefined');
    this.#settingsOf(ref).conferenceGroup = group;
  }

  flags(ref: MixerPortRef): MixerPortFlags {
    const s = this.#settingsOf(ref);
    return { audible: s.audible, microphone: s.microphone, conferenceGroup: s.conferenceGroup };
  }

  /** Forgets the flags remembered for `name` (at call end); ports still open under it keep them until closed. */
  release(name: string): void {
    const s = this.#settings.get(name);
    if (s === undefined) return;
    s.retained = false;
    if (s.users === 0) this.#settings.delete(name);
  }

  /** Whether the real port is open. */
  get isOpen(): boolean {
    return this.#real !== undefined;
  }

  stats(): MixerStats {
    return {
      name: this.name,
      sampleRate: this.sampleRate,
      frameSamples: this.frameSamples,
      open: this.#real !== undefined,
      realOpens: this.#realOpens,
      clock: this.#clock.stats(),
      device: this.#real?.stats(),
      ports: [...this.#ports].map((p) => p.stats()),
    };
  }

  // -------------------------------------------------------------------------------------------------------

  #settingsOf(ref: MixerPortRef): PortSettings {
    if (typeof ref === 'string') {
      checkName(ref);
      return this.#settingsFor(ref, true);
    }
    if (ref instanceof VirtualPort && this.#ports.has(ref)) return ref.settings;
    throw new RangeError(`${ref.name} is not an open port of ${this.name}`);
  }

  #settingsFor(name: string, retain: boolean): PortSettings {
    let s = this.#settings.get(name);
    if (s === undefined) {
      s = new PortSettings(name, retain);
      this.#settings.set(name, s);
    } else if (retain) {
      s.retained = true;
    }
    return s;
  }

  async #open(opts: AudioPortOptions, name: string, retain: boolean): Promise<MixerPort> {
    this.#checkPortOptions(opts);
    this.#pendingOpens++;
    try {
      await this.#acquireReal();
    } finally {
      this.#pendingOpens--;
    }
    const settings = this.#settingsFor(name, retain);
    settings.users++;
    const port = new VirtualPort(settings, opts, this.sampleRate, this.frameMs, (p) => this.#releasePort(p));
    this.#ports.add(port);
    log.debug(`${this.name}: ${name} opened at ${opts.sampleRate} Hz (${this.#ports.size} ports)`);
    return port;
  }

  #checkPortOptions(opts: AudioPortOptions): void {
    const rate = opts.sampleRate;
    if (rate !== this.sampleRate && rate * 2 !== this.sampleRate && rate !== this.sampleRate * 2) {
      throw new RangeError(`${this.name}: a port at ${rate} Hz is not supported on a ${this.sampleRate} Hz device (same, half or double rate only)`);
    }
    if (!(Number.isInteger(opts.frameSamples) && opts.frameSamples > 0 && opts.frameSamples <= rate)) {
      throw new RangeError(`${this.name}: bad frame size ${opts.frameSamples} samples`);
    }
  }

  async #acquireReal(): Promise<void> {
    // A real port still closing (the last call just ended) must be gone before ALSA is asked again.
    while (this.#closingReal !== undefined) await this.#closingReal;
    if (this.#real !== undefined) return;
    this.#openingReal ??= this.#inner
      .open({ sampleRate: this.sampleRate, frameSamples: this.frameSamples })
      .then((real) => {
        this.#real = real;
        this.#realOpens++;
        this.#clock.start();
        log.debug(`${this.name}: real port ${real.name} open`);
      })
      .finally(() => {
        this.#openingReal = undefined;
      });
    await this.#openingReal;
  }

  #releasePort(port: VirtualPort): Promise<void> {
    if (!this.#ports.delete(port)) return Promise.resolve();
    const s = port.settings;
    s.users--;
    if (s.users === 0 && !s.retained && this.#settings.get(s.name) === s) this.#settings.delete(s.name);
    // Decided a microtask later: CallMedia closes its port and opens one at the new rate in the same turn
    // (a codec change); that open is already pending by then and keeps the real device open, no ALSA glitch.
    return Promise.resolve().then(() => this.#closeRealIfIdle());
  }

  #closeRealIfIdle(): Promise<void> {
    const real = this.#real;
    if (this.#ports.size > 0 || this.#pendingOpens > 0 || real === undefined) return this.#closingReal ?? Promise.resolve();
    this.#real = undefined;
    this.#clock.stop();
    const closing = real
      .close()
      .catch((err: unknown) => log.warn(`${this.name}: closing ${real.name} failed: ${String(err)}`))
      .finally(() => {
        if (this.#closingReal === closing) this.#closingReal = undefined;
      });
    this.#closingReal = closing;
    return closing;
  }

  #tick(): void {
    const real = this.#real;
    if (real === undefined) return;
    const mic = real.readCapture();
    const ports = [...this.#ports];
    const played = ports.map((p) => p.takePlayback());

    const speaker = new Int32Array(this.frameSamples);
    ports.forEach((p, i) => {
      if (p.settings.audible) addInto(speaker, played[i]!);
    });
    real.writePlayback(saturate(speaker));

    ports.forEach((p, i) => {
      const s = p.settings;
      const acc = new Int32Array(this.frameSamples);
      if (s.microphone) addInto(acc, mic);
      if (s.conferenceGroup !== undefined) {
        ports.forEach((q, j) => {
          if (j !== i && q.settings.conferenceGroup === s.conferenceGroup) addInto(acc, played[j]!);
        });
      }
      p.putCapture(saturate(acc));
    });
  }
}

function checkName(name: string): void {
  if (typeof name !== 'string' || name === '') throw new RangeError('mixer port name must be a non-empty string');
}

/** Sums in 32 bits (order-independent), saturated once at the end. */
function addInto(acc: Int32Array, pcm: PcmFrame): void {
  const n = Math.min(acc.length, pcm.length);
  for (let i = 0; i < n; i++) acc[i] = acc[i]! + pcm[i]!;
}

function saturate(acc: Int32Array): Int16Array {
  const out = new Int16Array(acc.length);
  for (let i = 0; i < acc.length; i++) {
    const v = acc[i]!;
    out[i] = v > 32767 ? 32767 : v < -32768 ? -32768 : v;
  }
  return out;
}
