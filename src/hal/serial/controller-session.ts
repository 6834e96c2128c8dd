/**
 * The host side of the serial key/LED controller protocol over any byte link (a serial port, or the
 * simulator's in-memory controller): asks the controller's VERSION at start and keeps asking until it
 * answers, turns KEY frames into input events, sends LED_SET frames for the LedDriver (retransmitted until
 * ACKed), re-sends every lit LED after the controller reports a (re)start with HELLO, and pings it to know
 * whether it is still there. Timers come from the injected Clock. Nothing here throws to its caller.
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';
import type { HalInputEvent, InputSource, LedDriver, LedState } from '../hal-types.js';
import { encodeFrame, FrameDecoder, type DecoderStats } from './framing.js';
import { HOOK_KEY_ID, KEY_CODE_BY_ID, LED_ID_BY_NAME } from './ids.js';
import { fromFrame, HELLO_REASONS, PROTOCOL_VERSION, toFrame, type Message } from './messages.js';

/** What the drivers log through (structurally compatible with src/util/log.ts's Logger). */
export interface SerialLog {
  info(msg: string): void;
  warn(msg: string): void;
  debug(msg: string): void;
}

const silent: SerialLog = { info: () => {}, warn: () => {}, debug: () => {} };

/** A bidirectional byte stream to the controller. */
export interface ByteLink {
  /** May throw (port gone): logged, and the LED retransmission covers the loss. */
  write(bytes: Uint8Array): void;
  onData(listener: (chunk: Uint8Array) => void): void;
  close(): Promise<void>;
}

export interface ControllerVersion {
  protocol: number;
  firmware: string;
  model: string;
  keys: number;
  leds: number;
}

export interface ControllerStatus {
  /** From the last VERSION reply; undefined until the controller has answered. */
  version: ControllerVersion | undefined;
  /** False when nothing valid arrived for two ping intervals (or VERSION never came). */
  responsive: boolean;
  /** The most recent problem, worded for a status page. */
  lastError: string | undefined;
  /** HELLOs seen: controller restarts. */
  restarts: number;
  /** Frames refused: by the framing layer (CRC, truncated, oversized, escape) and by payload checks. */
  decoder: Readonly<DecoderStats>;
  badPayloads: number;
  /** NAKs the controller sent us. */
  naks: number;
  /** LED_SET frames given up on after all retransmissions. */
  ledFailures: number;
}

export interface ControllerTimings {
  /** Wait for a VERSION reply (default 1000 ms). */
  versionTimeoutMs?: number;
  /** Pause before asking again after a timeout (default 5000 ms). */
  versionRetryMs?: number;
  /** Wait for an ACK before retransmitting an LED_SET (default 250 ms). */
  ackTimeoutMs?: number;
  /** Retransmissions of one LED_SET (default 3). */
  maxRetries?: number;
  /** Keep-alive PING period (default 5000 ms; 0 = none). */
  pingIntervalMs?: number;
}

interface PendingLed {
  seq: number;
  tries: number;
  timer: TimerHandle;
}

export class ControllerSession {
  readonly input: InputSource;
  readonly leds: LedDriver;
  /** Resolves with the first VERSION reply; never rejects (the session keeps asking). */
  readonly ready: Promise<ControllerVersion>;
  readonly #name: string;
  readonly #link: ByteLink;
  readonly #clock: Clock;
  readonly #log: SerialLog;
  readonly #t: Required<ControllerTimings>;
  readonly #decoder = new FrameDecoder();
  readonly #listeners = new Set<(e: HalInputEvent) => void>();
  readonly #ledStates = new Map<string, LedState>();
  readonly #pendingLeds = new Map<string, PendingLed>();
  readonly #keysDown = new Set<number>();
  #resolveReady!: (v: ControllerVersion) => void;
  #seq = 0;
  #lastKeyFrame: { seq: number; keyId: number; down: boolean } | undefined;
  #offHook = false;
  #version: ControllerVersion | undefined;
  #versionTimer: TimerHandle | undefined;
  #pingTimer: TimerHandle | undefined;
  #lastHeard: number;
  #responsive = false;
  #lastError: string | undefined;
  #restarts = 0;
  #badPayloads = 0;
  #naks = 0;
  #ledFailures = 0;
  #closed = false;

  constructor(opts: { name: string; link: ByteLink; clock: Clock; log?: SerialLog; timings?: ControllerTimings }) {
    this.#name = opts.name;
    this.#link = opts.link;
    this.#clock = opts.clock;
    this.#log = opts.log ?? silent;
    this.#t = {
      versionTimeoutMs: 1000,
      versionRetryMs: 5000,
      ackTimeoutMs: 250,
      maxRetries: 3,
      pingIntervalMs: 5000,
      ...opts.timings,
    };
    this.#lastHeard = this.#clock.now();
    this.ready = new Promise((resolve) => (this.#resolveReady = resolve));
    const close = () => this.close();
    this.input = {
      name: this.#name,
      onEvent: (listener) => {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
      },
      close,
    };
    this.leds = { name: this.#name, leds: [...LED_ID_BY_NAME.keys()], set: (led, state) => this.#setLed(led, state), close };
    this.#link.onData((chunk) => this.#receive(chunk));
    this.#queryVersion();
    this.#schedulePing();
  }

  status(): ControllerStatus {
    return {
      version: this.#version,
      responsive: this.#responsive,
      lastError: this.#lastError,
      restarts: this.#restarts,
      decoder: { ...this.#decoder.stats },
      badPayloads: this.#badPayloads,
      naks: this.#naks,
      ledFailures: this.#ledFailures,
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#clock.clearTimer(this.#versionTimer);
    this.#clock.clearTimer(this.#pingTimer);
    for (const p of this.#pendingLeds.values()) this.#clock.clearTimer(p.timer);
    this.#pendingLeds.clear();
    this.#listeners.clear();
    try {
      await this.#link.close();
    } catch (e) {
      this.#log.warn(`${this.#name}: closing failed: ${errorText(e)}`);
    }
  }

  // ---- sending

  #send(message: Message): number {
    const seq = this.#seq;
    this.#seq = (this.#seq + 1) & 0xff;
    if (this.#closed) return seq;
    try {
      this.#link.write(encodeFrame(toFrame(message, seq)));
    } catch (e) {
      this.#problem(`cannot write to the controller: ${errorText(e)}`);
    }
    return seq;
  }

  #problem(text: string): void {
    const changed = text !== this.#lastError;
    this.#lastError = text;
    // Repeats (every retry) go to debug so a missing controller does not flood the journal.
    if (changed) this.#log.warn(`${this.#name}: ${text}`);
    else this.#log.debug(`${this.#name}: ${text}`);
  }

  #queryVersion(): void {
    if (this.#closed) return;
    this.#send({ type: 'versionQuery' });
    this.#clock.clearTimer(this.#versionTimer);
    this.#versionTimer = this.#clock.setTimer(this.#t.versionTimeoutMs, () => {
      this.#problem(
        `no VERSION reply within ${this.#t.versionTimeoutMs} ms (controller powered, wired to this port, same baud rate?); ` +
          `asking again every ${this.#t.versionRetryMs} ms`,
      );
      this.#versionTimer = this.#clock.setTimer(this.#t.versionRetryMs, () => this.#queryVersion());
    });
  }

  #schedulePing(): void {
    if (this.#t.pingIntervalMs <= 0 || this.#closed) return;
    this.#pingTimer = this.#clock.setTimer(this.#t.pingIntervalMs, () => {
      if (this.#responsive && this.#clock.now() - this.#lastHeard > 2 * this.#t.pingIntervalMs) {
        this.#responsive = false;
        this.#problem(`controller silent for ${this.#clock.now() - this.#lastHeard} ms`);
      }
      const n = (this.#clock.now() / 1000) & 0xffff;
      this.#send({ type: 'ping', data: Uint8Array.of(n >> 8, n & 0xff) });
      this.#schedulePing();
    });
  }

  // ---- LEDs

  #setLed(led: string, state: LedState): boolean {
    const ledId = LED_ID_BY_NAME.get(led);
    if (ledId === undefined) return false;
    const before = this.#ledStates.get(led);
    this.#ledStates.set(led, state);
    if (before === undefined || !sameLedState(before, state)) this.#transmitLed(led, 0);
    return true;
  }

  #transmitLed(led: string, tries: number): void {
    const state = this.#ledStates.get(led);
    const ledId = LED_ID_BY_NAME.get(led);
    if (state === undefined || ledId === undefined || this.#closed) return;
    const old = this.#pendingLeds.get(led);
    if (old) this.#clock.clearTimer(old.timer);
    const message: Message =
      state === 'off' || state === 'on'
        ? { type: 'ledSet', ledId, mode: state, onMs: 0, offMs: 0 }
        : { type: 'ledSet', ledId, mode: 'blink', onMs: state.blink.onMs, offMs: state.blink.offMs ?? state.blink.onMs };
    const seq = this.#send(message);
    const timer = this.#clock.setTimer(this.#t.ackTimeoutMs, () => this.#ledUnacknowledged(led, seq));
    this.#pendingLeds.set(led, { seq, tries, timer });
  }

  #ledUnacknowledged(led: string, seq: number): void {
    const pending = this.#pendingLeds.get(led);
    if (!pending || pending.seq !== seq) return;
    if (pending.tries < this.#t.maxRetries) {
      this.#transmitLed(led, pending.tries + 1);
      return;
    }
    this.#pendingLeds.delete(led);
    this.#ledFailures++;
    this.#problem(`LED ${led} not acknowledged after ${pending.tries + 1} tries`);
  }

  #resendLitLeds(): void {
    for (const [led, state] of this.#ledStates) if (state !== 'off') this.#transmitLed(led, 0);
  }

  // ---- receiving

  #receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    for (const frame of this.#decoder.push(chunk)) {
      const decoded = fromFrame(frame);
      this.#heard();
      if (!decoded.ok) {
        this.#badPayloads++;
        this.#log.debug(`${this.#name}: refused frame: ${decoded.problem}`);
        this.#send({ type: 'nak', seq: frame.seq, reason: decoded.nak });
        continue;
      }
      this.#handle(decoded.message, frame.seq);
    }
  }

  #heard(): void {
    this.#lastHeard = this.#clock.now();
    if (!this.#responsive && this.#version !== undefined) {
      this.#responsive = true;
      this.#log.info(`${this.#name}: controller answering again`);
    }
  }

  #handle(message: Message, seq: number): void {
    switch (message.type) {
      case 'version':
        this.#onVersion(message);
        return;
      case 'key':
        this.#send({ type: 'ack', seq });
        this.#onKey(message.keyId, message.down, seq);
        return;
      case 'hello':
        this.#send({ type: 'ack', seq });
        this.#onHello(message.protocol, message.reason);
        return;
      case 'ack':
      case 'nak':
        this.#onAnswer(message.seq, message.type === 'nak');
        return;
      case 'ping':
        this.#send({ type: 'pong', data: message.data });
        return;
      case 'pong':
        return;
      case 'versionQuery':
      case 'ledSet':
      case 'reset':
        this.#log.debug(`${this.#name}: ignoring ${message.type} (a host-to-controller message)`);
        return;
    }
  }

  #onVersion(m: Extract<Message, { type: 'version' }>): void {
    this.#clock.clearTimer(this.#versionTimer);
    this.#versionTimer = undefined;
    const first = this.#version === undefined;
    this.#version = {
      protocol: m.protocol,
      firmware: m.firmware.join('.'),
      model: m.model,
      keys: m.keys,
      leds: m.leds,
    };
    this.#responsive = true;
    if (m.protocol !== PROTOCOL_VERSION) {
      this.#problem(`controller speaks protocol ${m.protocol}, this driver ${PROTOCOL_VERSION}: expect surprises`);
    } else if (this.#lastError?.startsWith('no VERSION reply')) {
      this.#lastError = undefined;
    }
    if (first) this.#log.info(`${this.#name}: controller "${m.model}" firmware ${this.#version.firmware}, protocol ${m.protocol}`);
    this.#resolveReady(this.#version);
  }

  #onKey(keyId: number, down: boolean, seq: number): void {
    // A controller retransmits a KEY whose ACK it missed, with the same seq: act on it once.
    const last = this.#lastKeyFrame;
    if (last && last.seq === seq && last.keyId === keyId && last.down === down) return;
    this.#lastKeyFrame = { seq, keyId, down };
    if (keyId === HOOK_KEY_ID) {
      // The controller restates the hook after every restart: only a change is news.
      if (this.#offHook === down) return;
      this.#offHook = down;
      this.#emit({ type: 'hook', offHook: down });
      return;
    }
    if (down) this.#keysDown.add(keyId);
    else this.#keysDown.delete(keyId);
    const code = KEY_CODE_BY_ID.get(keyId);
    if (code === undefined) {
      this.#log.debug(`${this.#name}: unknown key id 0x${keyId.toString(16)}`);
      return;
    }
    this.#emit({ type: 'key', code, down });
  }

  #onHello(protocol: number, reason: number): void {
    this.#restarts++;
    this.#lastKeyFrame = undefined;
    this.#log.info(`${this.#name}: controller (re)started (${HELLO_REASONS[reason] ?? `reason ${reason}`}, protocol ${protocol})`);
    // Keys held across the restart are released (the controller reports again what is still held); the hook
    // is not, so that a controller restart during a call does not hang it up.
    for (const keyId of [...this.#keysDown]) this.#onKey(keyId, false, -1);
    this.#lastKeyFrame = undefined;
    this.#resendLitLeds();
    this.#queryVersion();
  }

  #onAnswer(seq: number, negative: boolean): void {
    if (negative) this.#naks++;
    for (const [led, pending] of this.#pendingLeds) {
      if (pending.seq !== seq) continue;
      this.#clock.clearTimer(pending.timer);
      this.#pendingLeds.delete(led);
      if (negative) {
        if (pending.tries < this.#t.maxRetries) this.#transmitLed(led, pending.tries + 1);
        else this.#ledFailures++;
      }
      return;
    }
  }

  #emit(event: HalInputEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (e) {
        this.#log.warn(`${this.#name}: input listener threw: ${errorText(e)}`);
      }
    }
  }
}

function sameLedState(a: LedState, b: LedState): boolean {
  if (typeof a === 'string' || typeof b === 'string') return a === b;
  return a.blink.onMs === b.blink.onMs && (a.blink.offMs ?? a.blink.onMs) === (b.blink.offMs ?? b.blink.onMs);
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
