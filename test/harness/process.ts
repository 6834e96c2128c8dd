// Child processes for the real-peer tests (Kamailio, SIPp, baresip, openssl): started with stdin
// from /dev/null, output captured (ANSI codes stripped) and appended to a log file in the test's
// workdir, with "wait until the log says X" and a stop that always ends in SIGKILL.
//
// Each child runs in its own process group (detached), for two reasons: Kamailio's main process
// signals its whole process group on shutdown (which must not include the test runner), and a
// SIGKILL to the group also takes Kamailio's worker processes, which would otherwise keep the SIP
// ports bound. No child outlives the test process: on 'exit' (and on SIGINT/SIGTERM/SIGHUP) every
// group still alive is SIGKILLed.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, closeSync, fstatSync, openSync, readdirSync, readFileSync } from 'node:fs';

export interface ProcessOptions {
  /** Short name used in logs and error messages, e.g. 'kamailio'. */
  name: string;
  command: string;
  args?: readonly string[];
  cwd?: string;
  /** Full environment (default: the test process's own). */
  env?: NodeJS.ProcessEnv;
  /** Output (ANSI-stripped) is appended here, after a header line. */
  logFile?: string;
  /**
   * Let the child write stdout/stderr straight into logFile (no pipe through this process; output() reads the
   * file, and the file keeps any ANSI codes). Use it when a test must see a log line as soon as the peer has
   * acted on it: Kamailio logs a request before it answers it, so once the answer has arrived, the line is in
   * the file -- through a pipe it might still be on its way.
   */
  direct?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string | undefined;
  /** True until the main process has exited. */
  readonly running: boolean;
  /** All stdout + stderr so far, ANSI escape codes stripped. */
  output(): string;
  /** Length of output() now: pass it as `since` to waitFor() to only look at what comes later. */
  mark(): number;
  /**
   * Resolves with the first match of `re` in output().slice(since); rejects after timeoutMs, or when
   * the process exits without printing it, with an error that quotes the tail of the log.
   */
  waitFor(re: RegExp, timeoutMs?: number, since?: number): Promise<RegExpMatchArray>;
  /** Resolves when the main process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  /** SIGTERM, then SIGKILL to the whole group after timeoutMs; resolves when the group is gone. */
  stop(timeoutMs?: number): Promise<ExitInfo>;
  /** SIGKILL to the whole process group (a crash, as far as peers can tell). */
  kill9(): Promise<ExitInfo>;
}

const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[@-Z\\-_]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '');
}

/** The last `lines` lines of a log, for error messages. */
export function tail(text: string, lines = 30): string {
  const all = text.split('\n');
  return all.slice(Math.max(0, all.length - lines)).join('\n');
}

// ---- the registry of live process groups, killed when the test process ends

const liveGroups = new Set<number>();
let exitHooksInstalled = false;

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    // ESRCH: the group is already gone
  }
}

function killAllGroups(): void {
  for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  liveGroups.clear();
}

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', killAllGroups);
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      killAllGroups();
      process.removeListener(sig, onSignal);
      // Let the default action (termination) happen, unless someone else handles it too.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** SIGKILL every process group this module started that is still alive. */
export function killAllManaged(): void {
  killAllGroups();
}

const liveProcesses = new Set<ManagedProcess>();

/**
 * SIGKILLs the processes that still log into `dir` (a test's workdir) and waits until they are
 * gone; returns their names. The workdir's after-hook uses it as a safety net.
 */
export async function killProcessesLoggingUnder(dir: string): Promise<string[]> {
  const prefix = dir.endsWith('/') ? dir : `${dir}/`;
  const victims = [...liveProcesses].filter((p) => p.running && p.logFile?.startsWith(prefix) === true);
  await Promise.all(victims.map((p) => p.kill9()));
  return victims.map((p) => `${p.name} (pid ${p.pid})`);
}

/** Does any non-zombie process of group `pgid` remain? (Linux /proc; zombies hold no sockets.) */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
  } catch {
    return false;
  }
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return true;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue;
    }
    // "pid (comm) state ppid pgrp ..." -- comm may contain spaces and parentheses
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') return true;
  }
  return false;
}

async function waitGroupGone(pgid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pgid)) {
    if (Date.now() > deadline) {
      killGroup(pgid, 'SIGKILL');
      return;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- starting one process

export function startProcess(options: ProcessOptions): ManagedProcess {
  const { name, command, args = [], cwd, env, logFile } = options;
  const direct = options.direct === true;
  if (direct && logFile === undefined) throw new Error(`${name}: direct output needs a logFile`);
  installExitHooks();

  const log = (text: string): void => {
    if (logFile === undefined) return;
    try {
      appendFileSync(logFile, text);
    } catch {
      // the workdir may be gone already (test over); the output stays in memory
    }
  };
  log(`--- ${new Date().toISOString()} ${name}: ${command} ${args.join(' ')}\n`);

  let logFd: number | undefined;
  let startOffset = 0;
  if (direct && logFile !== undefined) {
    logFd = openSync(logFile, 'a');
    startOffset = fstatSync(logFd).size;
  }
  let child: ChildProcess;
  try {
    child = spawn(command, [...args], {
      cwd,
      env: env ?? process.env,
      stdio: logFd !== undefined ? ['ignore', logFd, logFd] : ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
  } finally {
    if (logFd !== undefined) closeSync(logFd); // the child has its own copy
  }
  if (child.pid === undefined) {
    child.on('error', () => undefined);
    throw new Error(`${name}: cannot start ${command} (not installed, or not executable?)`);
  }
  const pid = child.pid;
  liveGroups.add(pid);

  let raw = '';
  let clean = '';
  let cleanUpTo = 0;
  const listeners = new Set<() => void>();
  const readDirect = (): void => {
    if (logFile === undefined) return;
    try {
      raw = readFileSync(logFile).subarray(startOffset).toString('utf8');
    } catch {
      // workdir gone: keep what we read last
    }
  };
  const output = (): string => {
    if (direct) readDirect();
    if (cleanUpTo !== raw.length) {
      clean = stripAnsi(raw);
      cleanUpTo = raw.length;
    }
    return clean;
  };
  const onData = (chunk: Buffer): void => {
    const text = chunk.toString('utf8');
    raw += text;
    log(stripAnsi(text));
    for (const l of [...listeners]) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  let running = true; // false once exited and the output is drained
  let reaped = false; // the main process has exited (its pid may be reused: never signal it again)
  let exitInfo: ExitInfo | undefined;
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => {
      reaped = true;
      // Worker processes left behind by the main one (Kamailio) must not keep ports bound.
      killGroup(pid, 'SIGKILL');
      liveGroups.delete(pid);
      // Let the pipes drain so output() is complete (bounded: an escaped grandchild could hold them).
      const drained = new Promise<void>((r) => setTimeout(r, 500).unref());
      void Promise.race([closed, drained]).then(() => {
        running = false;
        exitInfo = { code, signal };
        log(`--- ${new Date().toISOString()} ${name} exited: code ${code} signal ${signal}\n`);
        for (const l of [...listeners]) l();
        resolve(exitInfo);
      });
    });
  });
  child.on('error', (err) => {
    log(`--- ${name}: ${String(err)}\n`);
  });

  const describe = (): string =>
    `${name} (pid ${pid}${logFile !== undefined ? `, log ${logFile}` : ''})`;

  const waitFor = (re: RegExp, timeoutMs = 5000, since = 0): Promise<RegExpMatchArray> =>
    new Promise((resolve, reject) => {
      const pattern = new RegExp(re.source, re.flags.replace('g', ''));
      const check = (): void => {
        const match = output().slice(since).match(pattern);
        if (match !== null) {
          finish(undefined, match);
        } else if (!running) {
          finish(new Error(
            `${describe()} exited (code ${exitInfo?.code ?? null}, signal ${exitInfo?.signal ?? null}) ` +
            `before its output matched ${String(re)}; last lines:\n${tail(output())}`));
        }
      };
      const timer = setTimeout(() => {
        finish(new Error(
          `${describe()}: no output matching ${String(re)} within ${timeoutMs} ms; last lines:\n${tail(output())}`));
      }, timeoutMs);
      // direct output arrives in the file, not as events: look again every few milliseconds
      const poll = direct ? setInterval(check, 10) : undefined;
      const finish = (err: Error | undefined, match?: RegExpMatchArray): void => {
        listeners.delete(check);
        clearTimeout(timer);
        if (poll !== undefined) clearInterval(poll);
        if (err !== undefined) reject(err);
        else if (match !== undefined) resolve(match);
      };
      listeners.add(check);
      check();
    });

  const stop = async (timeoutMs = 3000): Promise<ExitInfo> => {
    if (!reaped) {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => killGroup(pid, 'SIGKILL'), timeoutMs);
      try {
        await exited;
      } finally {
        clearTimeout(timer);
      }
    }
    await waitGroupGone(pid, 2000);
    return exited;
  };

  const kill9 = async (): Promise<ExitInfo> => {
    if (!reaped) killGroup(pid, 'SIGKILL');
    const info = await exited;
    await waitGroupGone(pid, 2000);
    return info;
  };

  const managed: ManagedProcess = {
    name,
    pid,
    logFile,
    get running() {
      return running;
    },
    output,
    mark: () => output().length,
    waitFor,
    exited,
    stop,
    kill9,
  };
  liveProcesses.add(managed);
  void exited.then(() => liveProcesses.delete(managed));
  return managed;
}

/** Run a short command to completion (openssl, sqlite3): resolves with its output, rejects on non-zero exit. */
export async function runCommand(
  options: ProcessOptions & { timeoutMs?: number },
): Promise<string> {
  const proc = startProcess(options);
  const timeoutMs = options.timeoutMs ?? 20000;
  const timer = setTimeout(() => killGroup(proc.pid, 'SIGKILL'), timeoutMs);
  const info = await proc.exited;
  clearTimeout(timer);
  if (info.code !== 0) {
    throw new Error(
      `${options.name}: ${options.command} ${(options.args ?? []).join(' ')} failed ` +
      `(code ${info.code}, signal ${info.signal}):\n${tail(proc.output())}`);
  }
  return proc.output();
}
