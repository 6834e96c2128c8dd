/**
 * A tiny leveled logger writing one line per event to stderr (journald picks it up on the device).
 * No dependency: the phone logs little, and what it logs must never throw.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export type LogLevel = 'error' | 'warn' | 'info' | 'debug';
const rank: Record<LogLevel, number> = { error: 0, warn: 1, info: 2, debug: 3 };

let threshold: LogLevel = (process.env.SIPDESK_LOG as LogLevel | undefined) ?? 'info';
if (!(threshold in rank)) threshold = 'info';

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export interface Logger {
  error(msg: string, ...extra: unknown[]): void;
  warn(msg: string, ...extra: unknown[]): void;
  info(msg: string, ...extra: unknown[]): void;
  debug(msg: string, ...extra: unknown[]): void;
  enabled(level: LogLevel): boolean;
}

function format(extra: unknown[]): string {
  return extra
    .map((x) => (x instanceof Error ? x.message : typeof x === 'string' ? x : JSON.stringify(x)))
    .join(' ');
}

/** The phone a log line is about, where several share a process (the simulator); unset on a device. */
const phoneTag = new AsyncLocalStorage<string>();

/**
 * Runs `fn` so that every line it logs — and everything it starts: sockets, timers, callbacks — carries
 * `tag` ("(bob) [sip-flow] …"). Node only turns its async-context tracking on once this is used, so a
 * device (one phone, never tagged) pays nothing for it.
 */
export function withLogTag<T>(tag: string, fn: () => T): T {
  return phoneTag.run(tag, fn);
}

export function createLogger(scope: string): Logger {
  const write = (level: LogLevel, msg: string, extra: unknown[]) => {
    if (rank[level] > rank[threshold]) return;
    const tail = extra.length ? ` ${format(extra)}` : '';
    const tag = phoneTag.getStore();
    process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${tag === undefined ? '' : `(${tag}) `}[${scope}] ${msg}${tail}\n`);
  };
  return {
    error: (m, ...x) => write('error', m, x),
    warn: (m, ...x) => write('warn', m, x),
    info: (m, ...x) => write('info', m, x),
    debug: (m, ...x) => write('debug', m, x),
    enabled: (level) => rank[level] <= rank[threshold],
  };
}
