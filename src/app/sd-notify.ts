/**
 * systemd's notify protocol for the phone service (firmware/sipdesk.service, Type=notify, WatchdogSec=30):
 * READY=1 once the phone is up, WATCHDOG=1 at half the watchdog interval, STATUS=… for `systemctl status`,
 * STOPPING=1 on shutdown.
 *
 * Node has no unix datagram sockets, so the message goes through libsystemd's own sd_notify() (Debian
 * libsystemd0, present wherever systemd is), called with koffi. Outside systemd (no NOTIFY_SOCKET) every
 * call is a no-op and libsystemd is never loaded, so development machines and tests need nothing.
 */
import { createRequire } from 'node:module';
import { createLogger } from '../util/log.js';

const log = createLogger('sd-notify');

/** Sends one notify message ("READY=1\nSTATUS=…"); true when systemd got it. */
export type NotifySend = (state: string) => boolean;

export interface SdNotifier {
  /** NOTIFY_SOCKET is set: we run under systemd with Type=notify. */
  readonly enabled: boolean;
  /** How often to ping the watchdog (half of WATCHDOG_USEC), or null when no watchdog is set for us. */
  readonly watchdogIntervalMs: number | null;
  ready(status?: string): void;
  status(text: string): void;
  watchdog(): void;
  stopping(status?: string): void;
  /** Pings the watchdog every watchdogIntervalMs until stopWatchdog(); no-op without a watchdog. */
  startWatchdog(): void;
  stopWatchdog(): void;
}

export interface SdNotifierOptions {
  /** Environment to read NOTIFY_SOCKET / WATCHDOG_USEC / WATCHDOG_PID from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** The transport; default libsystemd's sd_notify() (which reads NOTIFY_SOCKET from the process environment). */
  send?: NotifySend;
  /** For tests of the watchdog decision; default process.pid. */
  pid?: number;
}

/** Half of WATCHDOG_USEC in ms, as sd_watchdog_enabled(3) advises; null when unset, invalid, or meant for another pid. */
export function watchdogPingIntervalMs(env: NodeJS.ProcessEnv, pid = process.pid): number | null {
  const usecText = env.WATCHDOG_USEC;
  if (!usecText || !/^\d{1,15}$/.test(usecText)) return null;
  const usec = Number(usecText);
  if (usec === 0) return null;
  const forPid = env.WATCHDOG_PID;
  if (forPid !== undefined && forPid !== '' && Number(forPid) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2000));
}

/** STATUS= text is one line: newlines would start a new (unintended) assignment. */
function statusLine(text: string): string {
  return `STATUS=${text.replace(/[\r\n]+/g, ' ').slice(0, 512)}`;
}

type SdNotifyFn = (unsetEnvironment: number, state: string) => number;
let libsystemdNotify: SdNotifyFn | null | undefined;

function loadSdNotify(): SdNotifyFn | null {
  if (libsystemdNotify !== undefined) return libsystemdNotify;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi').default;
    const lib = koffi.load('libsystemd.so.0');
    libsystemdNotify = lib.func('int sd_notify(int unset_environment, const char *state)') as SdNotifyFn;
  } catch (err) {
    // Logged once: without it systemd never hears READY=1 and stops the service after TimeoutStartSec.
    log.error(`cannot load libsystemd.so.0 (Debian package libsystemd0) for sd_notify: ${(err as Error).message}`);
    libsystemdNotify = null;
  }
  return libsystemdNotify;
}

/** libsystemd's sd_notify(): >0 sent, 0 no NOTIFY_SOCKET, <0 -errno. */
export const libsystemdSend: NotifySend = (state) => {
  const fn = loadSdNotify();
  if (!fn) return false;
  const rc = fn(0, state);
  if (rc < 0) log.warn(`sd_notify failed: errno ${-rc}`);
  return rc > 0;
};

export function createSdNotifier(options: SdNotifierOptions = {}): SdNotifier {
  const env = options.env ?? process.env;
  const send = options.send ?? libsystemdSend;
  const enabled = Boolean(env.NOTIFY_SOCKET);
  const watchdogIntervalMs = enabled ? watchdogPingIntervalMs(env, options.pid ?? process.pid) : null;
  let timer: NodeJS.Timeout | null = null;
  const notify = (state: string) => {
    if (enabled) send(state);
  };
  return {
    enabled,
    watchdogIntervalMs,
    ready: (status) => notify(status === undefined ? 'READY=1' : `READY=1\n${statusLine(status)}`),
    status: (text) => notify(statusLine(text)),
    watchdog: () => notify('WATCHDOG=1'),
    stopping: (status) => notify(status === undefined ? 'STOPPING=1' : `STOPPING=1\n${statusLine(status)}`),
    startWatchdog() {
      if (watchdogIntervalMs === null || timer) return;
      timer = setInterval(() => notify('WATCHDOG=1'), watchdogIntervalMs);
      // The ping proves the event loop turns; it must not be what keeps the process alive.
      timer.unref();
    },
    stopWatchdog() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}
