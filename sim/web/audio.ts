/**
 * "Use my microphone and speakers" for one phone panel: the browser's microphone (getUserMedia) through an
 * AudioWorklet (audio-worklet.ts), converted to 16 kHz mono and sent as 20 ms "SDA1" frames on the
 * phone's WebSocket; the phone's playback frames from the server converted to the AudioContext's rate and
 * played by the same worklet. The wire format and the converters are in pcm.ts; the server side is
 * sim/server/browser-audio.ts.
 */
import { browser, type AudioContextLike, type AudioNodeLike, type MediaStreamLike, type WorkletNodeLike } from './dom.js';
import { FrameCutter, LevelMeter, StreamResampler, WIRE_FRAME_SAMPLES, WIRE_RATE, audioMessage, readAudioMessage, type Level } from './pcm.js';

const BRIDGE_PROCESSOR = 'sipdesk-audio-bridge';

/** Why this page cannot use the microphone, or undefined when it can. */
export function audioUnavailable(): string | undefined {
  if (!browser.isSecureContext) return 'the browser offers the microphone only to https pages or http://localhost (127.0.0.1)';
  if (browser.navigator.mediaDevices === undefined) return 'this browser has no microphone access (navigator.mediaDevices)';
  if (browser.AudioContext === undefined || browser.AudioWorkletNode === undefined) return 'this browser has no AudioWorklet';
  return undefined;
}

export interface PageAudioLevels {
  /** What the page sends: the microphone. */
  readonly microphone: Level;
  /** What the page plays: the phone's speaker. */
  readonly playback: Level;
}

export class PageAudio {
  readonly #context: AudioContextLike;
  readonly #stream: MediaStreamLike;
  readonly #source: AudioNodeLike;
  readonly #node: WorkletNodeLike;
  readonly #toWire: StreamResampler;
  readonly #fromWire: StreamResampler;
  readonly #cutter = new FrameCutter(WIRE_FRAME_SAMPLES);
  readonly #micLevel = new LevelMeter();
  readonly #playLevel = new LevelMeter();
  #stopped = false;

  private constructor(context: AudioContextLike, stream: MediaStreamLike, source: AudioNodeLike, node: WorkletNodeLike, send: (frame: ArrayBuffer) => void) {
    this.#context = context;
    this.#stream = stream;
    this.#source = source;
    this.#node = node;
    this.#toWire = new StreamResampler(context.sampleRate, WIRE_RATE);
    this.#fromWire = new StreamResampler(WIRE_RATE, context.sampleRate);
    node.port.onmessage = (ev) => {
      if (this.#stopped || !(ev.data instanceof Float32Array)) return;
      this.#cutter.push(this.#toWire.process(ev.data), (frame) => {
        this.#micLevel.add(frame);
        send(audioMessage(frame));
      });
    };
  }

  /**
   * Asks for the microphone (the browser may prompt), starts the audio graph and sends the microphone's
   * frames to `send` until stop(). Throws an Error saying why when the browser refuses.
   */
  static async start(send: (frame: ArrayBuffer) => void): Promise<PageAudio> {
    const why = audioUnavailable();
    if (why !== undefined) throw new Error(why);
    // Echo cancellation on: the far end must not hear itself when the page plays through loudspeakers.
    const stream = await browser.navigator.mediaDevices!.getUserMedia({ audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true, channelCount: 1 } });
    let context: AudioContextLike | undefined;
    try {
      context = new browser.AudioContext!({ latencyHint: 'interactive' });
      await context.audioWorklet.addModule('audio-worklet.js');
      const node = new browser.AudioWorkletNode!(context, BRIDGE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] });
      const source = context.createMediaStreamSource(stream);
      source.connect(node);
      node.connect(context.destination);
      // Started from a click, so allowed to play; resume() covers a context created suspended anyway.
      if (context.state !== 'running') await context.resume();
      return new PageAudio(context, stream, source, node, send);
    } catch (err) {
      for (const t of stream.getTracks()) t.stop();
      await context?.close().catch(() => undefined);
      throw err;
    }
  }

  /** One "SDA1" playback message from the server; throws on a malformed one. */
  play(message: ArrayBuffer): void {
    const frame = readAudioMessage(message);
    if (this.#stopped) return;
    this.#playLevel.add(frame);
    const samples = this.#fromWire.process(frame);
    this.#node.port.postMessage(samples, [samples.buffer as ArrayBuffer]);
  }

  levels(): PageAudioLevels {
    return { microphone: this.#micLevel.level(), playback: this.#playLevel.level() };
  }

  /** Lets go of the microphone (the browser's recording indicator goes off) and of the sound card. */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#stream.getTracks()) t.stop();
    this.#source.disconnect();
    this.#node.disconnect();
    this.#node.port.onmessage = null;
    this.#context.close().catch(() => undefined);
  }
}
