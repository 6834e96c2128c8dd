// SIPp runs for interop tests: a scripted SIP peer (UAC that sends to `remote`, or UAS that listens) whose
// exit code says whether every call of its scenario succeeded. Always without stdin, with a global timeout
// (so a test can never hang on it) and with message/error traces in the test's workdir.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, waitUntilListening } from './ports.js';
import { startProcess, type ManagedProcess } from './process.js';

export type SippTransport = 'udp' | 'tcp' | 'tls';

export interface SippOptions {
  /** The test's workdir; traces go to `<workdir>/sipp-<name>/`. */
  workdir: string;
  /** Distinguishes several SIPp runs in one workdir (default: the scenario's base name). */
  name?: string;
  /** Path of the XML scenario, a name in test/scenarios/ (e.g. 'register-auth.xml'), or 'builtin:uac' (-sn uac). */
  scenarioFile: string;
  /** 'host:port' to send to (UAC). Leave out for a UAS that waits for requests on localPort. */
  remote?: string;
  /**
   * 'udp' (-t u1), 'tcp' (-t t1: one connection) or 'tls' (-t l1: one connection). Note: Debian's sip-tester
   * 3.6.1 is built without OpenSSL, so 'tls' fails there at once ("To use a TLS transport you must compile
   * SIPp with OpenSSL"); test TLS with the phone, rawsip.ts or baresip instead.
   */
  transport: SippTransport;
  /** Local port (-p); default: a free one. */
  localPort?: number;
  /** [service] (-s), e.g. the user to register. */
  service?: string;
  /** Digest credentials for [authentication] (-au / -ap). */
  auth?: { user: string; password: string };
  /** Number of calls before SIPp exits (-m), default 1. */
  calls?: number;
  /** Global timeout in seconds (-timeout, with -timeout_error), default 15. */
  timeoutSec?: number;
  /** Scenario keywords: -key NAME VALUE, usable as [NAME] in the scenario. */
  keys?: Record<string, string | number>;
  /** Certificate and key SIPp presents with TLS (SIPp loads one even as a client). */
  tlsCert?: string;
  tlsKey?: string;
  extraArgs?: readonly string[];
}

export interface SippResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** SIPp's output followed by its error trace (unexpected messages, failed checks). */
  log: string;
  /** The message trace (every SIP message sent and received). */
  messages: string;
}

export interface SippRun {
  readonly process: ManagedProcess;
  readonly localPort: number;
  readonly dir: string;
  readonly messageFile: string;
  readonly errorFile: string;
  /** Resolves when SIPp has exited (it always does: -timeout). */
  readonly result: Promise<SippResult>;
  /** The message trace so far. */
  messages(): string;
  /** For a UAS over TCP: resolves once SIPp accepts connections on localPort (rejects if it exits first). */
  waitListening(timeoutMs?: number): Promise<void>;
}

/** test/scenarios/ in the source tree (also when running from dist/). */
export function scenarioPath(nameOrPath: string): string {
  if (nameOrPath.includes('/')) return resolve(nameOrPath);
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [resolve(here, '../scenarios', nameOrPath), resolve(here, '../../../test/scenarios', nameOrPath)];
  const found = candidates.find((p) => existsSync(p));
  if (found === undefined) throw new Error(`SIPp scenario ${nameOrPath} not found in ${candidates.join(', ')}`);
  return found;
}

function readIfExists(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

const TRANSPORT_FLAG: Record<SippTransport, string> = { udp: 'u1', tcp: 't1', tls: 'l1' };

export async function runSipp(options: SippOptions): Promise<SippRun> {
  const builtin = /^builtin:(\w+)$/.exec(options.scenarioFile)?.[1];
  const scenario = builtin ?? scenarioPath(options.scenarioFile);
  const name = options.name ?? (builtin ?? basename(scenario, '.xml'));
  const dir = join(options.workdir, `sipp-${name}`);
  mkdirSync(dir, { recursive: true });
  const localPort = options.localPort ?? await freePort();
  const timeoutSec = options.timeoutSec ?? 15;
  const messageFile = join(dir, 'messages.log');
  const errorFile = join(dir, 'errors.log');

  const args: string[] = [];
  if (options.remote !== undefined) args.push(options.remote);
  args.push(
    ...(builtin !== undefined ? ['-sn', builtin] : ['-sf', scenario]),
    '-t', TRANSPORT_FLAG[options.transport],
    '-i', '127.0.0.1',
    '-p', String(localPort),
    '-m', String(options.calls ?? 1),
    '-nostdin',
    '-timeout', String(timeoutSec), '-timeout_error',
    '-trace_msg', '-message_file', messageFile,
    '-trace_err', '-error_file', errorFile,
  );
  if (options.service !== undefined) args.push('-s', options.service);
  if (options.auth !== undefined) args.push('-au', options.auth.user, '-ap', options.auth.password);
  for (const [key, value] of Object.entries(options.keys ?? {})) args.push('-key', key, String(value));
  if (options.transport === 'tls') {
    if (options.tlsCert === undefined || options.tlsKey === undefined) {
      throw new Error('runSipp: transport tls needs tlsCert and tlsKey');
    }
    args.push('-tls_cert', options.tlsCert, '-tls_key', options.tlsKey);
  }
  args.push(...(options.extraArgs ?? []));

  const proc = startProcess({ name: `sipp-${name}`, command: 'sipp', args, cwd: dir, logFile: join(dir, 'sipp.log') });
  // Belt and braces: SIPp's own -timeout should end it; this ends it if SIPp itself hangs.
  const guard = setTimeout(() => void proc.kill9(), (timeoutSec + 10) * 1000);
  const result = proc.exited.then((info): SippResult => {
    clearTimeout(guard);
    const errors = readIfExists(errorFile);
    return {
      exitCode: info.code,
      signal: info.signal,
      log: proc.output() + (errors !== '' ? `\n--- ${errorFile}\n${errors}` : ''),
      messages: readIfExists(messageFile),
    };
  });
  return {
    process: proc,
    localPort,
    dir,
    messageFile,
    errorFile,
    result,
    messages: () => readIfExists(messageFile),
    waitListening: (timeoutMs = 5000) => waitUntilListening(localPort, proc, timeoutMs),
  };
}
