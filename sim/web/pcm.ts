/**
 * The page's side of the audio wire format (the browser twin of sim/server/browser-audio.ts, on
 * ArrayBuffer and Float32 samples instead of Buffer and Int16Array):
 *   "SDA1" | 320 × int16 little-endian — one 20 ms frame of mono 16 kHz PCM,
 * plus the streaming rate converter between 16 kHz and the AudioContext's rate, the cutter of captured
 * sound into 20 ms frames, and the level meter. No browser API here: the unit tests run it under Node.
 */

export const AUDIO_TAG = 'SDA1';
export const WIRE_RATE = 16000;
export const WIRE_FRAME_SAMPLES = 320;
const TAG_BYTES = 4;

/** Whether a binary message from the server is audio (screen frames start with "SDF1"). */
export function isAudioMessage(buffer: ArrayBuffer): boolean {
  if (buffer.byteLength < TAG_BYTES) return false;
  const b = new Uint8Array(buffer, 0, TAG_BYTES);
  return String.fromCharCode(b[0]!, b[1]!, b[2]!, b[3]!) === AUDIO_TAG;
}

/** The samples of an audio message, −1…1; throws an Error saying what is wrong with a malformed one. */
export function readAudioMessage(buffer: ArrayBuffer): Float32Array {
  if (!isAudioMessage(buffer)) throw new Error('not an audio message');
  const bytes = buffer.byteLength - TAG_BYTES;
  if (bytes !== WIRE_FRAME_SAMPLES * 2) throw new Error(`audio message of ${bytes} bytes, expected ${WIRE_FRAME_SAMPLES * 2}`);
  const view = new DataView(buffer, TAG_BYTES);
  const out = new Float32Array(WIRE_FRAME_SAMPLES);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(2 * i, true) / 32768;
  return out;
}

/** One 20 ms frame (−1…1, clipped) as a message to the server. */
export function audioMessage(frame: Float32Array): ArrayBuffer {
  if (frame.length !== WIRE_FRAME_SAMPLES) throw new RangeError(`audio frame of ${frame.length} samples, expected ${WIRE_FRAME_SAMPLES}`);
  const buffer = new ArrayBuffer(TAG_BYTES + 2 * WIRE_FRAME_SAMPLES);
  const view = new DataView(buffer);
  for (let i = 0; i < TAG_BYTES; i++) view.setUint8(i, AUDIO_TAG.charCodeAt(i));
  for (let i = 0; i < frame.length; i++) {
    const s = Math.round(frame[i]! * 32768);
    view.setInt16(TAG_BYTES + 2 * i, s > 32767 ? 32767 : s < -32768 ? -32768 : s, true);
  }
  return buffer;
}

/** Zero crossings of the interpolation kernel on each side (at the lower of the two rates). */
const KERNEL_ZEROS = 8;
/** Pass band as a share of the lower rate's Nyquist frequency: the rest is the filter's transition band. */
const PASS_BAND = 0.9;

/**
 * Streaming rate converter for any pair of rates (44.1 or 48 kHz ⇄ 16 kHz): Hann-windowed sinc
 * interpolation, low-passed at 90 % of the lower rate's Nyquist frequency so that decimating does not fold
 * the microphone's high frequencies into the voice band. Chunks of any size join seamlessly (the input's
 * tail is kept); the output lags the input by the kernel's half width (under 0.5 ms at 16 kHz). About 16
 * (up) to 45 (down) multiply-adds per output sample: nothing for a browser.
 */
export class StreamResampler {
  /** Input samples per output sample. */
  readonly #step: number;
  /** Kernel cut-off, cycles per input sample × 2 (1 = the input's Nyquist frequency). */
  readonly #cutoff: number;
  /** Kernel half width, in input samples. */
  readonly #radius: number;
  /** Input not yet fully used: the kernel's history plus what is still ahead. */
  #pending: Float32Array;
  /** Time of the next output sample, in input samples from #pending[0]. */
  #time: number;

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {
    if (!(fromRate >= 1000 && fromRate <= 384000 && toRate >= 1000 && toRate <= 384000)) throw new RangeError(`resampler: unsupported rates ${fromRate} → ${toRate} Hz`);
    this.#step = fromRate / toRate;
    this.#cutoff = Math.min(1, toRate / fromRate) * PASS_BAND;
    this.#radius = KERNEL_ZEROS / this.#cutoff;
    // Start with a kernel's width of silence behind the first sample, so it is output, not skipped.
    const history = Math.ceil(this.#radius);
    this.#pending = new Float32Array(history);
    this.#time = history;
  }

  process(input: Float32Array): Float32Array {
    const buf = new Float32Array(this.#pending.length + input.length);
    buf.set(this.#pending);
    buf.set(input, this.#pending.length);
    const out: number[] = [];
    const r = this.#radius;
    const fc = this.#cutoff;
    let t = this.#time;
    while (t + r < buf.length) {
      const first = Math.ceil(t - r);
      const last = Math.floor(t + r);
      let acc = 0;
      for (let k = Math.max(0, first); k <= last; k++) {
        const x = t - k;
        const arg = Math.PI * fc * x;
        const sinc = x === 0 ? 1 : Math.sin(arg) / arg;
        const window = 0.5 + 0.5 * Math.cos((Math.PI * x) / r);
        acc += buf[k]! * fc * sinc * window;
      }
      out.push(acc);
      t += this.#step;
    }
    // Keep what the next outputs still reach back to.
    const keepFrom = Math.max(0, Math.floor(t - r) - 1);
    this.#pending = buf.slice(keepFrom);
    this.#time = t - keepFrom;
    return Float32Array.from(out);
  }
}

/** Cuts a stream of samples into frames of a fixed length (the remainder waits for the next push). */
export class FrameCutter {
  readonly #frame: Float32Array;
  #filled = 0;

  constructor(readonly frameSamples: number) {
    this.#frame = new Float32Array(frameSamples);
  }

  push(samples: Float32Array, emit: (frame: Float32Array) => void): void {
    let i = 0;
    while (i < samples.length) {
      const n = Math.min(samples.length - i, this.frameSamples - this.#filled);
      this.#frame.set(samples.subarray(i, i + n), this.#filled);
      this.#filled += n;
      i += n;
      if (this.#filled === this.frameSamples) {
        emit(this.#frame.slice());
        this.#filled = 0;
      }
    }
  }
}

export interface Level {
  /** RMS of full scale (0…1). */
  readonly rms: number;
  /** Largest sample, of full scale. */
  readonly peak: number;
}

/** The level of the last `blocks` blocks of a signal (the page shows it and the tests read it). */
export class LevelMeter {
  readonly #meanSquares: Float64Array;
  readonly #peaks: Float64Array;
  #next = 0;

  constructor(blocks = 16) {
    this.#meanSquares = new Float64Array(blocks);
    this.#peaks = new Float64Array(blocks);
  }

  add(samples: Float32Array): void {
    let sum = 0;
    let peak = 0;
    for (const s of samples) {
      sum += s * s;
      peak = Math.max(peak, Math.abs(s));
    }
    this.#meanSquares[this.#next] = samples.length > 0 ? sum / samples.length : 0;
    this.#peaks[this.#next] = peak;
    this.#next = (this.#next + 1) % this.#peaks.length;
  }

  level(): Level {
    let sum = 0;
    let peak = 0;
    for (let i = 0; i < this.#peaks.length; i++) {
      sum += this.#meanSquares[i]!;
      peak = Math.max(peak, this.#peaks[i]!);
    }
    return { rms: Math.sqrt(sum / this.#peaks.length), peak };
  }

  reset(): void {
    this.#meanSquares.fill(0);
    this.#peaks.fill(0);
  }
}
