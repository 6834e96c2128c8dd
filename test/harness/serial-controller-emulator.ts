// A serial key/LED controller emulator for tests: a pseudo-terminal pair made by socat
// (`socat -d -d pty,raw,echo=0 pty,raw,echo=0`), with the controller model of src/hal/serial speaking
// the protocol on one end through a real SerialPort, so the driver under test opens the other end exactly
// as it opens /dev/ttyAMA0 on a board. Tests can also push raw bytes (garbage, cut frames, bad CRCs).
import { spawn, type ChildProcess } from 'node:child_process';
import { SerialPort } from 'serialport';
import { ControllerModel, type ControllerModelOptions } from '../../src/hal/serial/controller-model.js';
import type { Message } from '../../src/hal/serial/messages.js';

export interface PtyPair {
  /** The two /dev/pts paths socat created, in the order it printed them. */
  readonly a: string;
  readonly b: string;
  close(): Promise<void>;
}

/** Starts socat and resolves with the two pty paths from its stderr ("PTY is /dev/pts/N"). */
export function openPtyPair(timeoutMs = 5000): Promise<PtyPair> {
  const child: ChildProcess = spawn('socat', ['-d', '-d', 'pty,raw,echo=0', 'pty,raw,echo=0'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let stderr = '';
    const timer = setTimeout(() => {
      void close();
      reject(new Error(`socat printed no pty pair within ${timeoutMs} ms:\n${stderr}`));
    }, timeoutMs);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start socat (apt-get install socat): ${e.message}`));
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const paths = [...stderr.matchAll(/PTY is (\/dev\/\S+)/g)].map((m) => m[1]!);
      if (paths.length >= 2) {
        clearTimeout(timer);
        resolve({ a: paths[0]!, b: paths[1]!, close });
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`socat exited (${code}) before printing a pty pair:\n${stderr}`));
    });
  });
}

export interface ControllerEmulator {
  readonly model: ControllerModel;
  /** Port errors seen (EIO once the other end has gone). */
  readonly errors: readonly Error[];
  /** Bytes straight onto the wire, bypassing the protocol (garbage, broken frames). */
  sendRaw(bytes: Uint8Array | readonly number[]): Promise<void>;
  /** Resolves with the first received message matching, waiting up to timeoutMs. */
  waitForMessage<T extends Message['type']>(
    type: T,
    match?: (m: Extract<Message, { type: T }>) => boolean,
    timeoutMs?: number,
  ): Promise<Extract<Message, { type: T }>>;
  close(): Promise<void>;
}

export async function startControllerEmulator(
  path: string,
  opts: Omit<ControllerModelOptions, 'send'> & { baud?: number } = {},
): Promise<ControllerEmulator> {
  const port = new SerialPort({ path, baudRate: opts.baud ?? 115200, autoOpen: false });
  await new Promise<void>((resolve, reject) => port.open((err) => (err ? reject(err) : resolve())));
  const model = new ControllerModel({ ...opts, send: (bytes) => port.write(Buffer.from(bytes)) });
  port.on('data', (chunk: Buffer) => model.receive(new Uint8Array(chunk)));
  // A write racing the pty's teardown fails with EIO; that is the end of the test, not a failure in it.
  const errors: Error[] = [];
  port.on('error', (e: Error) => errors.push(e));
  const drain = () => new Promise<void>((resolve) => port.drain(() => resolve()));
  return {
    model,
    errors,
    async sendRaw(bytes) {
      port.write(Buffer.from(Uint8Array.from(bytes)));
      await drain();
    },
    waitForMessage(type, match, timeoutMs = 3000) {
      return waitUntil(
        () => model.received.find((m) => m.type === type && (!match || match(m as never))) as never,
        timeoutMs,
        `a ${type} message at the emulator`,
      );
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!port.isOpen) return resolve();
        port.close(() => resolve());
      }),
  };
}

/** Polls check() every 5 ms until it returns something other than undefined. */
export async function waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}
