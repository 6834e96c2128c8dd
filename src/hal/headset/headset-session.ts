/**
 * One open headset, whatever carries its reports (node-hid, or the simulator's injected bytes): decodes
 * input reports into events for the InputSource side and keeps the LED reports in step for the LedDriver
 * side. Writes only reports whose bytes changed; blinks in software (Clock timers) except for LEDs the
 * device blinks by itself (Ring). Nothing here throws to its caller: bad reports are counted, write errors
 * and listener exceptions are logged.
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';
import type { HalInputEvent, InputSource, LedDriver, LedState } from '../hal-types.js';
import type { HidDescriptor } from './hid-descriptor.js';
import { HeadsetInputDecoder } from './hid-input.js';
import { HeadsetLedEncoder } from './hid-leds.js';
import { SELF_BLINKING_LEDS } from './hid-usages.js';

/** What the drivers log through (structurally compatible with src/util/log.ts's Logger). */
export interface HalLog {
  warn(msg: string): void;
  debug(msg: string): void;
}

export const silentLog: HalLog = { warn: () => {}, debug: () => {} };

export interface HeadsetSessionOptions {
  name: string;
  descriptor: HidDescriptor;
  /** Sends one output report (id byte first when the descriptor uses ids). May throw: we log it. */
  write: (report: Uint8Array) => void;
  /** Releases the device; called once by close(). */
  release?: () => Promise<void> | void;
  clock: Clock;
  log?: HalLog;
  duplicateWindowMs?: number;
}

/** Shortest blink phase we honour: a USB report per few milliseconds would flood the device. */
const MIN_BLINK_PHASE_MS = 50;

export class HeadsetSession {
  readonly input: InputSource;
  readonly leds: LedDriver;
  readonly decoder: HeadsetInputDecoder;
  readonly #encoder: HeadsetLedEncoder;
  readonly #opts: HeadsetSessionOptions;
  readonly #log: HalLog;
  readonly #listeners = new Set<(e: HalInputEvent) => void>();
  readonly #lit = new Set<string>();
  readonly #blinkTimers = new Map<string, TimerHandle>();
  readonly #written = new Map<number, Uint8Array>();
  #closed = false;

  constructor(opts: HeadsetSessionOptions) {
    this.#opts = opts;
    this.#log = opts.log ?? silentLog;
    this.decoder = new HeadsetInputDecoder(opts.descriptor, opts.clock, opts.duplicateWindowMs);
    this.#encoder = new HeadsetLedEncoder(opts.descriptor);
    const close = () => this.close();
    this.input = {
      name: opts.name,
      onEvent: (listener) => {
        this.#listeners.add(listener);
        return () => this.#listeners.delete(listener);
      },
      close,
    };
    this.leds = {
      name: opts.name,
      leds: this.#encoder.leds,
      set: (led, state) => this.#setLed(led, state),
      close,
    };
  }

  /** Feeds one input report; never throws. */
  handleReport(report: Uint8Array): void {
    if (this.#closed) return;
    for (const event of this.decoder.decode(report)) this.#emit(event);
  }

  /** Bytes last written per LED report id (for tests and diagnostics). */
  get lastWritten(): ReadonlyMap<number, Uint8Array> {
    return this.#written;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Dark LEDs first, so an unplugged phone leaves no "off hook" lamp lit on the headset.
    for (const led of [...this.#lit]) this.#setLed(led, 'off');
    this.#closed = true;
    for (const t of this.#blinkTimers.values()) this.#opts.clock.clearTimer(t);
    this.#blinkTimers.clear();
    this.#listeners.clear();
    try {
      await this.#opts.release?.();
    } catch (e) {
      this.#log.warn(`${this.#opts.name}: closing failed: ${errorText(e)}`);
    }
  }

  #emit(event: HalInputEvent): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(event);
      } catch (e) {
        this.#log.warn(`${this.#opts.name}: input listener threw: ${errorText(e)}`);
      }
    }
  }

  #setLed(led: string, state: LedState): boolean {
    if (!this.#encoder.leds.includes(led)) return false;
    if (this.#closed) return true;
    this.#opts.clock.clearTimer(this.#blinkTimers.get(led));
    this.#blinkTimers.delete(led);
    if (led === 'offHook') this.decoder.setHookState(state !== 'off');
    if (state === 'off' || state === 'on' || SELF_BLINKING_LEDS.has(led)) {
      this.#light(led, state !== 'off');
    } else {
      const onMs = Math.max(MIN_BLINK_PHASE_MS, state.blink.onMs);
      const offMs = Math.max(MIN_BLINK_PHASE_MS, state.blink.offMs ?? state.blink.onMs);
      const phase = (lit: boolean) => {
        this.#light(led, lit);
        this.#blinkTimers.set(led, this.#opts.clock.setTimer(lit ? onMs : offMs, () => phase(!lit)));
      };
      phase(true);
    }
    return true;
  }

  #light(led: string, on: boolean): void {
    if (on) this.#lit.add(led);
    else this.#lit.delete(led);
    for (const [id, report] of this.#encoder.buildAll(this.#lit)) {
      const before = this.#written.get(id);
      if (before && before.length === report.length && before.every((b, i) => b === report[i])) continue;
      try {
        this.#opts.write(report);
        this.#written.set(id, report);
      } catch (e) {
        // Not remembered as written: the next change retries the whole report.
        this.#log.warn(`${this.#opts.name}: LED report ${id} not written: ${errorText(e)}`);
      }
    }
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
