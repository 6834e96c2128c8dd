/**
 * The serial key/LED controller driver (board descriptor `{ driver: serial-controller, port, baud }` under
 * inputs, and `{ driver: serial-controller }` under leds for its lamps): one serial port, one session,
 * serving both an InputSource and a LedDriver. The protocol is in PROTOCOL.md.
 *
 * A port that does not exist → MissingHardwareError; one that exists but cannot be opened (permissions,
 * busy) → a plain Error saying so. A controller that does not answer is not an open error: the session
 * logs it and keeps asking (status().lastError says so), because controllers are often powered after
 * the board.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import type { Clock } from '../../phone/clock.js';
import { MissingHardwareError } from '../hal-types.js';
import {
  ControllerSession,
  errorText,
  type ByteLink,
  type ControllerStatus,
  type ControllerTimings,
  type ControllerVersion,
  type SerialLog,
} from './controller-session.js';
import { ControllerModel } from './controller-model.js';

/** The board descriptor's serial-controller input entry (minus `driver`), plus roots. */
export interface SerialControllerOptions {
  /** /dev/ttyAMA0, /dev/ttyUSB0, … */
  port: string;
  /** Default 115200. */
  baud?: number;
  /** With roots.dev, a port under /dev is looked up under that directory instead (tests). */
  roots?: { sysfs?: string; dev?: string };
}

export interface SerialControllerDeps {
  clock: Clock;
  log?: SerialLog;
  timings?: ControllerTimings;
}

export interface SerialController {
  readonly input: ControllerSession['input'];
  readonly leds: ControllerSession['leds'];
  /** Resolves with the controller's first VERSION reply (never rejects; the driver keeps asking). */
  readonly ready: Promise<ControllerVersion>;
  status(): ControllerStatus;
}

const DRIVER = 'serial-controller';

function portPath(opts: SerialControllerOptions): string {
  if (opts.roots?.dev && opts.port.startsWith('/dev/')) return join(opts.roots.dev, opts.port.slice('/dev/'.length));
  return opts.port;
}

function wrap(session: ControllerSession): SerialController {
  return { input: session.input, leds: session.leds, ready: session.ready, status: () => session.status() };
}

export async function openSerialController(opts: SerialControllerOptions, deps: SerialControllerDeps): Promise<SerialController> {
  const path = portPath(opts);
  const baudRate = opts.baud ?? 115200;
  if (!existsSync(path)) throw new MissingHardwareError(DRIVER, `no serial port ${path}`);
  const port = new SerialPort({ path, baudRate, autoOpen: false });
  try {
    await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  } catch (e) {
    const text = errorText(e);
    if (/ENOENT|No such file/i.test(text)) throw new MissingHardwareError(DRIVER, `no serial port ${path}`);
    const hint = /EACCES|Permission denied/i.test(text) ? ' (the phone user needs the dialout group)' : '';
    throw new Error(`${DRIVER} ${path}: cannot open at ${baudRate} baud: ${text}${hint}`);
  }
  const name = `${DRIVER} ${path}`;
  const log = deps.log;
  port.on('error', (e: Error) => log?.warn(`${name}: ${e.message}`));
  port.on('close', () => log?.debug(`${name}: port closed`));
  const link: ByteLink = {
    write: (bytes) => {
      port.write(Buffer.from(bytes));
    },
    onData: (listener) => port.on('data', (chunk: Buffer) => listener(new Uint8Array(chunk))),
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
  return wrap(new ControllerSession({ name, link, clock: deps.clock, log, timings: deps.timings }));
}

export interface SimSerialController extends SerialController {
  /** The simulated board: press keys with `controller.key('5', true)`, read `controller.leds`. */
  readonly controller: ControllerModel;
}

/**
 * The simulated controller: the same host session, talking in memory to a ControllerModel that starts
 * with HELLO like real firmware. Bytes cross asynchronously (a microtask) as they would over a wire.
 */
export function openSimSerialController(
  opts: { model?: string },
  deps: SerialControllerDeps,
): SimSerialController {
  let toHost: ((chunk: Uint8Array) => void) | undefined;
  let closed = false;
  const controller = new ControllerModel({
    model: opts.model ?? 'sipdesk-sim',
    send: (bytes) => queueMicrotask(() => !closed && toHost?.(bytes)),
  });
  const link: ByteLink = {
    write: (bytes) => {
      const copy = Uint8Array.from(bytes);
      queueMicrotask(() => !closed && controller.receive(copy));
    },
    onData: (listener) => {
      toHost = listener;
    },
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
  const session = new ControllerSession({ name: `${DRIVER} (simulated)`, link, clock: deps.clock, log: deps.log, timings: deps.timings });
  controller.restart(0);
  return { ...wrap(session), controller };
}
