/**
 * `sipdesk sim`: several real phones in one process with simulated drivers (a FrameStream screen, a WAV
 * tone as microphone), a development PBX, and one web page that shows and drives them all. Run directly
 * with `node dist/sim/sim.js [options]` (sim/start.sh does) or through the CLI's `runSimulator(argv)`.
 * Ctrl-C / SIGTERM: the phones unregister, then the PBX stops.
 */
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setLogLevel } from '../src/util/log.js';
import { parseSimArgs, USAGE, type SimOptions } from './server/options.js';
import { startSimPbx, type SimPbx } from './server/pbx.js';
import { startSimPhone, type SimPhone } from './server/sim-phone.js';
import { startWebServer, type SimWebServer } from './server/web-server.js';

export { parseSimArgs, USAGE } from './server/options.js';

export interface Simulator {
  readonly pbx: SimPbx;
  readonly phones: readonly SimPhone[];
  readonly web: SimWebServer;
  /** Milliseconds from the start of startSimulator until every phone was registered (undefined: not yet). */
  registeredAfterMs(): number | undefined;
  /** Resolves when every phone is registered; rejects after timeoutMs naming the ones that are not. */
  allRegistered(timeoutMs: number): Promise<number>;
  /** The phones unregister (in parallel), then the web server and the PBX stop. */
  stop(): Promise<void>;
}

/** $XDG_CACHE_HOME/sipdesk/sim: the phones' call logs and settings survive a restart of the simulator. */
function defaultDataDir(): string {
  return join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sipdesk', 'sim');
}

export async function startSimulator(o: SimOptions, say: (line: string) => void = () => undefined): Promise<Simulator> {
  const t0 = performance.now();
  setLogLevel(o.logLevel);
  const dataDir = resolve(o.dataDir ?? defaultDataDir());
  mkdirSync(dataDir, { recursive: true });
  const pbx = await startSimPbx(o, dataDir, o.logLevel === 'debug' ? (line) => say(`pbx: ${line}`) : undefined);
  const phones: SimPhone[] = [];
  let web: SimWebServer | undefined;
  try {
    // In parallel: each phone's start is mostly waiting (sockets, the SQLite file, fonts).
    const started = await Promise.all(
      o.phones.map((name, index) =>
        startSimPhone({
          name,
          index,
          allNames: o.phones,
          password: o.password,
          proxy: pbx.proxy,
          domain: pbx.domain,
          dataDir: join(dataDir, name),
          audio: o.audio,
          ...(o.kiosks.has(name) ? { hotline: o.kiosks.get(name)! } : {}),
        }),
      ),
    );
    phones.push(...started);
    web = await startWebServer({ host: o.host, port: o.port, phones, pbxDescription: pbx.description });
  } catch (err) {
    await Promise.allSettled(phones.map((p) => p.stop()));
    await pbx.stop();
    throw err;
  }

  let registeredAt: number | undefined;
  const unregistered = (): SimPhone[] => phones.filter((p) => p.phone.sip.status().state !== 'registered');
  const waiters = new Set<() => void>();
  const check = (): void => {
    if (registeredAt === undefined && unregistered().length === 0) registeredAt = performance.now() - t0;
    if (registeredAt !== undefined) for (const w of waiters) w();
  };
  for (const p of phones) p.phone.sip.registration.on('state', check);
  check();

  const webServer = web;
  let stopping: Promise<void> | undefined;
  return {
    pbx,
    phones,
    web: webServer,
    registeredAfterMs: () => registeredAt,
    allRegistered: (timeoutMs) =>
      new Promise<number>((resolvePromise, reject) => {
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(done);
          resolvePromise(registeredAt!);
        };
        const timer = setTimeout(() => {
          waiters.delete(done);
          const missing = unregistered().map((p) => `${p.name} (${p.phone.sip.status().state}${p.phone.sip.status().reason ? `: ${p.phone.sip.status().reason}` : ''})`);
          reject(new Error(`not registered after ${timeoutMs} ms: ${missing.join(', ')}`));
        }, timeoutMs);
        waiters.add(done);
        check();
      }),
    stop() {
      stopping ??= (async () => {
        for (const p of phones) p.phone.sip.registration.off('state', check);
        await Promise.allSettled(phones.map((p) => p.stop()));
        await webServer.close();
        await pbx.stop();
      })();
      return stopping;
    },
  };
}

/** The CLI entry: parses argv (without node and script), runs until SIGINT/SIGTERM. Returns the exit code. */
export async function runSimulator(argv: readonly string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write(USAGE);
    return 0;
  }
  let options: SimOptions;
  try {
    options = parseSimArgs(argv);
  } catch (err) {
    process.stderr.write(`sipdesk sim: ${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const say = (line: string): void => void process.stdout.write(`${line}\n`);
  const sim = await startSimulator(options, say);
  say(`PBX: ${sim.pbx.description}`);
  for (const p of sim.phones) {
    say(`phone ${p.name} (${p.aor}, extension ${p.extension}${p.hotline !== undefined ? `, kiosk: off-hook calls ${p.hotline}` : ''}): control API ${p.apiUrl}/api/v1/status`);
  }
  say(`page: ${sim.web.url}`);

  const stopped = new Promise<number>((resolveExit) => {
    let signalled = false;
    const onSignal = (): void => {
      if (signalled) return;
      signalled = true;
      say('stopping: phones unregister, then the PBX stops');
      sim.stop().then(
        () => resolveExit(0),
        (err: unknown) => {
          process.stderr.write(`sipdesk sim: stop failed: ${(err as Error).message}\n`);
          resolveExit(1);
        },
      );
    };
    // The Kamailio runner (shared with the tests) kills its children at once on a signal; here the phones
    // must unregister first, so our handler replaces those (its exit hook still sweeps up).
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(sig);
      process.on(sig, onSignal);
    }
  });
  try {
    const ms = await sim.allRegistered(15_000);
    say(`all phones registered in ${Math.round(ms)} ms (process up ${Math.round(process.uptime() * 1000)} ms)`);
  } catch (err) {
    say(`warning: ${(err as Error).message}; the page shows each phone's state`);
  }
  return stopped;
}

// Run directly (node dist/sim/sim.js), not when imported by the CLI.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runSimulator(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`sipdesk sim: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}
