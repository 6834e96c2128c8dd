/**
 * An evdev input device (/dev/input/eventN) as an InputSource: gpio-keys buttons and hook switch, a USB
 * keypad, a touch panel. Found by name under the configurable sysfs root, then read in a loop.
 *
 * Reads are blocking reads on Node's thread pool (Node has no readiness polling for character devices), so
 * each open device occupies one pool thread while idle: the app should raise UV_THREADPOOL_SIZE by the
 * number of evdev devices. A read error or end of file (device unplugged) is reported through `onError`
 * and ends that source; it never throws out of the process.
 */
import { close, open, read } from 'node:fs';
import { promisify } from 'node:util';
import { MissingHardwareError, type HalInputEvent, type InputSource } from '../hal-types.js';
import { EvdevDecoder, type EvdevDecoderOptions } from './evdev-decoder.js';
import { findInputDevice } from './evdev-discovery.js';
import { InputEventParser, defaultInputEventSize, type InputEventSize } from './input-event.js';
import { ListenerSet } from './listeners.js';
import { resolveRoots, type HalRoots } from './sysfs-roots.js';
import type { DisplaySize } from './touch-scaler.js';

const openFd = promisify(open);
const readFd = promisify(read);

/** The descriptor's evdev input (minus `driver`). */
export interface EvdevInputOptions extends Omit<EvdevDecoderOptions, 'display'> {
  /** The device's name as /sys/class/input/eventN/device/name gives it. */
  readonly device: string;
  /** sizeof(struct input_event); default from process.arch (16 on armhf, 24 elsewhere). */
  readonly eventSize?: InputEventSize;
  readonly roots?: Partial<HalRoots>;
}

export interface EvdevInputDeps {
  /** Needed by touch devices: raw coordinates are scaled to it. */
  readonly display?: DisplaySize;
  /** Read errors, end of file and listener exceptions; default writes to stderr. */
  readonly onError?: (error: Error) => void;
}

const defaultOnError = (error: Error) => process.stderr.write(`sipdesk hal: ${error.message}\n`);
const asError = (e: unknown) => (e instanceof Error ? e : new Error(String(e)));

/** Finds the device by name (MissingHardwareError when absent) and starts reading it. */
export async function openEvdevInput(options: EvdevInputOptions, deps: EvdevInputDeps = {}): Promise<InputSource> {
  const roots = resolveRoots(options.roots);
  const devicePath = await findInputDevice(options.device, roots);
  return openEvdevDevice(devicePath, options, deps);
}

/** Reads an already known device node (or a FIFO carrying input_event records). */
export async function openEvdevDevice(devicePath: string, options: EvdevInputOptions, deps: EvdevInputDeps = {}): Promise<InputSource> {
  const name = `evdev '${options.device}'`;
  // Built first: a bad keymap or touch range fails before the device is opened.
  const decoder = new EvdevDecoder({ ...options, display: deps.display });
  const parser = new InputEventParser(options.eventSize ?? defaultInputEventSize());
  let fd: number;
  try {
    fd = await openFd(devicePath, 'r');
  } catch (e) {
    const err = asError(e) as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new MissingHardwareError(name, `${devicePath} does not exist`);
    const hint = err.code === 'EACCES' ? ' (is the user in the "input" group?)' : '';
    throw new Error(`${name}: cannot open ${devicePath}: ${err.message}${hint}`);
  }
  return new EvdevInputSource(name, fd, decoder, parser, deps.onError ?? defaultOnError);
}

class EvdevInputSource implements InputSource {
  readonly #listeners: ListenerSet<HalInputEvent>;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly fd: number,
    private readonly decoder: EvdevDecoder,
    private readonly parser: InputEventParser,
    private readonly onError: (error: Error) => void,
  ) {
    this.#listeners = new ListenerSet((e) => onError(new Error(`${name}: listener failed: ${asError(e).message}`)));
    void this.#readLoop();
  }

  onEvent(listener: (event: HalInputEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  async #readLoop(): Promise<void> {
    // Whole events per read on a real device; the parser copes with anything else.
    const buf = Buffer.alloc(this.parser.eventSize * 64);
    for (;;) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await readFd(this.fd, buf, 0, buf.length, null));
      } catch (e) {
        if (!this.#closed) this.onError(new Error(`${this.name}: read failed: ${asError(e).message}`));
        break;
      }
      if (this.#closed) break;
      if (bytesRead === 0) {
        this.onError(new Error(`${this.name}: device closed (end of file)`));
        break;
      }
      for (const raw of this.parser.push(buf.subarray(0, bytesRead))) {
        for (const event of this.decoder.push(raw)) this.#listeners.emit(event);
      }
    }
    // Gone mid-press: release what is held so no key stays down in the UI.
    if (!this.#closed) for (const event of this.decoder.releaseAll()) this.#listeners.emit(event);
  }

  /** Stops reading. Resolves at once: a read blocked in the kernel finishes (and is dropped) on the next event. */
  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#listeners.clear();
    return new Promise((resolve) => {
      close(this.fd, () => resolve());
    });
  }
}
