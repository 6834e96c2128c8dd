// A sipdesk phone under test: the real CLI (`node dist/src/cli/main.js run --config FILE`) as a child
// process, with its config written into the test's workdir and its control API polled for state.
import { writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProcess, type ManagedProcess } from './process.js';
import { freePort } from './ports.js';
import type { StatusBody } from '../../src/api/routes.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'src', 'cli', 'main.js');

export type PhoneStatus = StatusBody;

export interface TestPhone {
  readonly process: ManagedProcess;
  readonly apiPort: number;
  readonly sipPort: number;
  readonly configFile: string;
  status(): Promise<PhoneStatus>;
  /** Polls the API until registration.state is `state` (and `check` agrees); returns that status. */
  waitForState(state: PhoneStatus['registration']['state'], timeoutMs?: number, check?: (s: PhoneStatus) => boolean): Promise<PhoneStatus>;
  /** Calls the control API: resolves with the HTTP status and the JSON body. */
  api(method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** Polls GET path until check(body) holds; returns that body. */
  waitForApi<T>(path: string, check: (body: T) => boolean, timeoutMs?: number): Promise<T>;
  /** Where the phone keeps its call log and settings. */
  readonly dataDir: string;
  stop(): Promise<void>;
}

/** Deep merge of plain objects: test overrides on top of the defaults below. */
function merge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object' && !Array.isArray(b)
        ? merge(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface PhoneOptions {
  workdir: string;
  name: string;
  user: string;
  domain: string;
  proxy: string;
  password?: string;
  instanceId?: string;
  /** Anything else of the config, merged over the defaults. */
  config?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export async function startPhone(o: PhoneOptions): Promise<TestPhone> {
  const apiPort = await freePort();
  const sipPort = await freePort();
  const config = merge(
    {
      account: { aor: `sip:${o.user}@${o.domain}`, password: o.password ?? 'secret', proxy: o.proxy },
      api: { port: apiPort },
      sip: { listenPort: sipPort, listenAddress: '127.0.0.1', contactHost: '127.0.0.1' },
      device: { instanceId: o.instanceId ?? '00000000-0000-4000-8000-' + String(sipPort).padStart(12, '0') },
      log: { level: 'info', sipTrace: true },
      // Never the developer's own ~/.local/state/sipdesk: each test phone keeps its data in the workdir.
      storage: { dataDir: join(o.workdir, `${o.name}-data`) },
    },
    o.config ?? {},
  );
  const configFile = join(o.workdir, `${o.name}.json`);
  writeFileSync(configFile, JSON.stringify(config, null, 2));
  const proc = startProcess({
    name: o.name,
    command: process.execPath,
    args: [CLI, 'run', '--config', configFile],
    cwd: o.workdir,
    env: { ...process.env, ...o.env },
    logFile: join(o.workdir, `${o.name}.log`),
  });
  const base = `http://127.0.0.1:${apiPort}`;
  const status = async (): Promise<PhoneStatus> => {
    const res = await fetch(`${base}/api/v1/status`);
    if (!res.ok) throw new Error(`status API answered ${res.status}`);
    return (await res.json()) as PhoneStatus;
  };
  const waitForState: TestPhone['waitForState'] = async (state, timeoutMs = 10_000, check) => {
    const end = Date.now() + timeoutMs;
    let last: PhoneStatus | string = 'no answer yet';
    while (Date.now() < end) {
      if (!proc.running) throw new Error(`${o.name} exited while waiting for ${state}:\n${proc.output().slice(-3000)}`);
      try {
        const s = await status();
        last = s;
        if (s.registration.state === state && (!check || check(s))) return s;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${o.name}: not ${state} within ${timeoutMs} ms; last status ${JSON.stringify(last)}\n${proc.output().slice(-3000)}`);
  };
  const api: TestPhone['api'] = async (method, path, body) => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body !== undefined ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}),
    });
    return { status: res.status, body: (await res.json()) };
  };
  const waitForApi = async <T>(path: string, check: (body: T) => boolean, timeoutMs = 10_000): Promise<T> => {
    const end = Date.now() + timeoutMs;
    let last: unknown = 'no answer yet';
    while (Date.now() < end) {
      if (!proc.running) throw new Error(`${o.name} exited while waiting on ${path}:\n${proc.output().slice(-3000)}`);
      try {
        const r = await api('GET', path);
        last = r.body;
        if (r.status === 200 && check(r.body as T)) return r.body as T;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${o.name}: ${path} not as expected within ${timeoutMs} ms; last ${JSON.stringify(last)}\n${proc.output().slice(-3000)}`);
  };
  return {
    process: proc,
    apiPort,
    sipPort,
    configFile,
    status,
    waitForState,
    api,
    waitForApi,
    dataDir: join(o.workdir, `${o.name}-data`),
    stop: async () => {
      await proc.stop(5000);
    },
  };
}

/** The usual test phone: alice@127.0.0.1 (password "secret") through `proxy`, stopped when the test ends. */
export async function startAliceVia(
  w: { path: string; defer(fn: () => unknown): void },
  proxy: string,
  o: Partial<Omit<PhoneOptions, 'workdir' | 'proxy'>> = {},
): Promise<TestPhone> {
  const phone = await startPhone({ workdir: w.path, name: 'alice', user: 'alice', domain: '127.0.0.1', proxy, ...o });
  w.defer(() => phone.stop());
  return phone;
}

/** `sip:IP:PORT;transport=tcp` of a PBX (Kamailio) or relay on 127.0.0.1. */
export const tcpProxy = (port: number): string => `sip:127.0.0.1:${port};transport=tcp`;
