/**
 * The AudioWorklet of the page's "use my microphone and speakers" (loaded by audio.ts with
 * audioWorklet.addModule('audio-worklet.js'); runs on the browser's audio thread, at the AudioContext's
 * rate). It only moves samples, the rate conversion is done by the page:
 *   - its input (the microphone) goes to the page in chunks of about 20 ms (`Float32Array` messages);
 *   - its output plays what the page posts (`Float32Array` at the context's rate) through a small
 *     buffer: playing starts once PREFILL_MS are queued (and again after running dry: one clean gap,
 *     not a stutter), and at most MAX_MS are kept (the oldest are dropped), so the far end's clock running
 *     faster than the sound card's cannot build up delay.
 */

// The worklet scope's globals, typed by hand like dom.ts (the project compiles without the DOM lib).
interface WorkletPort {
  onmessage: ((ev: { data: unknown }) => void) | null;
  postMessage(data: unknown, transfer?: ArrayBuffer[]): void;
}
declare const AudioWorkletProcessor: new () => { readonly port: WorkletPort };
declare function registerProcessor(name: string, processor: new () => object): void;
/** The AudioContext's rate. */
declare const sampleRate: number;

/** The name audio.ts creates its AudioWorkletNode with (not imported there: this file only runs in the worklet). */
const BRIDGE_PROCESSOR = 'sipdesk-audio-bridge';
const CHUNK_MS = 20;
const PREFILL_MS = 60;
const MAX_MS = 200;

class AudioBridge extends AudioWorkletProcessor {
  readonly #chunk = new Float32Array(Math.round((sampleRate * CHUNK_MS) / 1000));
  #chunkFilled = 0;
  /** Playback ring. */
  readonly #ring = new Float32Array(Math.round((sampleRate * MAX_MS) / 1000));
  #start = 0;
  #length = 0;
  #playing = false;

  constructor() {
    super();
    this.port.onmessage = (ev) => {
      if (ev.data instanceof Float32Array) this.#enqueue(ev.data);
    };
  }

  #enqueue(samples: Float32Array): void {
    const cap = this.#ring.length;
    for (const s of samples) {
      if (this.#length === cap) {
        // Full: the oldest sample goes.
        this.#start = (this.#start + 1) % cap;
        this.#length--;
      }
      this.#ring[(this.#start + this.#length) % cap] = s;
      this.#length++;
    }
  }

  process(inputs: Float32Array[][], outputs: Float32Array[][]): boolean {
    this.#capture(inputs[0] ?? []);
    const channels = outputs[0] ?? [];
    const first = channels[0];
    if (first !== undefined) {
      this.#play(first);
      for (let c = 1; c < channels.length; c++) channels[c]!.set(first);
    }
    return true;
  }

  /** Mixes the input's channels down to mono and posts them in CHUNK_MS pieces. */
  #capture(channels: Float32Array[]): void {
    const first = channels[0];
    if (first === undefined) return;
    for (let i = 0; i < first.length; i++) {
      let sum = 0;
      for (const ch of channels) sum += ch[i] ?? 0;
      this.#chunk[this.#chunkFilled++] = sum / channels.length;
      if (this.#chunkFilled === this.#chunk.length) {
        const chunk = this.#chunk.slice();
        this.port.postMessage(chunk, [chunk.buffer]);
        this.#chunkFilled = 0;
      }
    }
  }

  #play(out: Float32Array): void {
    if (!this.#playing && this.#length >= (sampleRate * PREFILL_MS) / 1000) this.#playing = true;
    if (!this.#playing || this.#length < out.length) {
      // Not started, or ran dry: silence, and wait for PREFILL_MS again.
      out.fill(0);
      this.#playing = false;
      return;
    }
    const cap = this.#ring.length;
    for (let i = 0; i < out.length; i++) {
      out[i] = this.#ring[this.#start]!;
      this.#start = (this.#start + 1) % cap;
    }
    this.#length -= out.length;
  }
}

registerProcessor(BRIDGE_PROCESSOR, AudioBridge);

// A module (worklets load modules), so the globals declared above stay local to this file.
export {};
