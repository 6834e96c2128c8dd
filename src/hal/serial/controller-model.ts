/**
 * The controller's side of the protocol, as a model: what a key/LED board's firmware does, in TypeScript.
 * It answers VERSION_QUERY, PING, RESET, ACKs LED_SET and keeps the LED states, sends KEY frames for
 * presses and HELLO when it (re)starts. The simulated driver talks to it in memory; the test harness runs it
 * on the far end of a pty (test/harness/serial-controller-emulator.ts). Firmware authors can read it as the
 * reference behaviour of PROTOCOL.md.
 */
import { encodeFrame, FrameDecoder, type Frame } from './framing.js';
import { HOOK_KEY_ID, KEY_ID_BY_CODE, LED_NAME_BY_ID } from './ids.js';
import { fromFrame, PROTOCOL_VERSION, toFrame, type LedMode, type Message } from './messages.js';

export interface LedSetting {
  mode: LedMode;
  onMs: number;
  offMs: number;
}

export interface ControllerModelOptions {
  /** Bytes towards the host. */
  send: (bytes: Uint8Array) => void;
  model?: string;
  firmware?: readonly [number, number, number];
  /** Ignore VERSION_QUERY (a controller that never answers, for tests of the retry path). */
  mute?: boolean;
}

export class ControllerModel {
  /** LED states by phone LED name (unknown ids are kept as `led0xNN`). */
  readonly leds = new Map<string, LedSetting>();
  /** Every valid message received from the host, in order. */
  readonly received: Message[] = [];
  readonly decoder = new FrameDecoder();
  mute: boolean;
  #offHook = false;
  readonly #opts: ControllerModelOptions;
  #seq = 0;

  constructor(opts: ControllerModelOptions) {
    this.#opts = opts;
    this.mute = opts.mute ?? false;
  }

  /** Bytes from the host. */
  receive(chunk: Uint8Array): void {
    for (const frame of this.decoder.push(chunk)) this.#handle(frame);
  }

  /** A key press or release, by phone key code ('5', 'soft1', 'line3', …) or protocol key id. */
  key(code: string | number, down: boolean): number {
    const keyId = typeof code === 'number' ? code : KEY_ID_BY_CODE.get(code);
    if (keyId === undefined) throw new Error(`no protocol key id for '${String(code)}'`);
    return this.send({ type: 'key', keyId, down });
  }

  hook(offHook: boolean): number {
    this.#offHook = offHook;
    return this.send({ type: 'key', keyId: HOOK_KEY_ID, down: offHook });
  }

  /** What the firmware does at power-on or after RESET: all LEDs dark, HELLO, then the hook state. */
  restart(reason = 0): void {
    this.leds.clear();
    this.send({ type: 'hello', protocol: PROTOCOL_VERSION, reason });
    this.hook(this.#offHook);
  }

  /** Sends a message; returns the sequence number used. */
  send(message: Message): number {
    const seq = this.#seq;
    this.#seq = (this.#seq + 1) & 0xff;
    this.sendFrame(toFrame(message, seq));
    return seq;
  }

  sendFrame(frame: Frame): void {
    this.#opts.send(encodeFrame(frame));
  }

  #handle(frame: Frame): void {
    const decoded = fromFrame(frame);
    if (!decoded.ok) {
      this.send({ type: 'nak', seq: frame.seq, reason: decoded.nak });
      return;
    }
    const m = decoded.message;
    this.received.push(m);
    switch (m.type) {
      case 'versionQuery':
        if (!this.mute) {
          this.send({
            type: 'version',
            protocol: PROTOCOL_VERSION,
            firmware: this.#opts.firmware ?? [1, 0, 0],
            keys: 48,
            leds: 17,
            model: this.#opts.model ?? 'sipdesk-kbd',
          });
        }
        return;
      case 'ledSet': {
        const name = LED_NAME_BY_ID.get(m.ledId) ?? `led0x${m.ledId.toString(16)}`;
        if (m.mode === 'off') this.leds.delete(name);
        else this.leds.set(name, { mode: m.mode, onMs: m.onMs, offMs: m.offMs });
        this.send({ type: 'ack', seq: frame.seq });
        return;
      }
      case 'ping':
        this.send({ type: 'pong', data: m.data });
        return;
      case 'reset':
        this.send({ type: 'ack', seq: frame.seq });
        this.restart(1);
        return;
      default:
        return; // ACK/NAK/PONG from the host need no answer
    }
  }
}
