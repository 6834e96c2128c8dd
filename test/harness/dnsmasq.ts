// A real DNS server for interop tests: dnsmasq (Debian package dnsmasq-base, /usr/sbin/dnsmasq) as a child process
// on 127.0.0.1 with a free port, serving only the NAPTR/SRV/A/AAAA records the test hands in.
//
//   const dns = await startDnsmasq({ workdir, records: { hosts: { 'pbx.sipdesk.test': ['127.0.0.1'] }, ... } });
//   new Resolver().setServers([dns.server]);   // "127.0.0.1:PORT"
//   await dns.queryLog();                      // ["NAPTR sipdesk.test", "SRV _sip._tcp.sipdesk.test", ...]
//   await dns.stop();
//
// Nothing is forwarded anywhere: --no-resolv and no --server, and names under the record's top-level domains are
// answered from local data only (--local), so an unknown name is a real NXDOMAIN instead of REFUSED.
import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer, isIP } from 'node:net';
import { Resolver } from 'node:dns/promises';
import { join } from 'node:path';
import { userInfo } from 'node:os';

export const DNSMASQ_BINARY = '/usr/sbin/dnsmasq';

export interface DnsmasqSrvRecord {
  /** Full owner name, e.g. "_sip._tcp.sipdesk.test". */
  name: string;
  /** Target host; omit for the RFC 2782 "." target (service decidedly not available). */
  target?: string;
  port?: number;
  priority?: number;
  weight?: number;
}

export interface DnsmasqNaptrRecord {
  name: string;
  order: number;
  preference: number;
  flags: string;
  service: string;
  regexp?: string;
  replacement: string;
}

export interface DnsmasqRecords {
  /** Name → IPv4/IPv6 addresses (A/AAAA), one --host-record per address. */
  hosts?: Record<string, string[]>;
  srv?: DnsmasqSrvRecord[];
  naptr?: DnsmasqNaptrRecord[];
  /**
   * Domains answered from local data only (NXDOMAIN for unknown names). Default: the top-level domain of every
   * record name (use RFC 2606 names such as *.test).
   */
  localDomains?: string[];
}

export interface StartDnsmasqOptions {
  /** Directory for the pid file and the query log (created if missing). */
  workdir: string;
  records: DnsmasqRecords;
  binary?: string;
  /** How long to wait for the first answer. */
  startTimeoutMs?: number;
}

export interface DnsmasqHandle {
  /** "127.0.0.1:PORT", ready for dns.Resolver#setServers or ResolverOptions.servers. */
  server: string;
  port: number;
  logFile: string;
  /**
   * Every query dnsmasq received so far as "TYPE name" (harness probes left out), in arrival order. Syncs first by
   * sending a marker query and waiting until it is logged, so earlier queries are all in the file.
   */
  queryLog(): Promise<string[]>;
  stop(): Promise<void>;
}

const NAME_RE = /^[A-Za-z0-9_.-]+$/;
// Names of the harness's own probe queries; "invalid" is reserved (RFC 2606) and never a test record.
const PROBE_SUFFIX = '.sipdesk-harness.invalid';

/** A port free on 127.0.0.1 for both TCP and UDP right now (DNS uses both). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const tcp = createServer();
    const port = await new Promise<number>((resolve, reject) => {
      tcp.once('error', reject);
      tcp.listen(0, '127.0.0.1', () => {
        const addr = tcp.address();
        resolve(typeof addr === 'object' && addr ? addr.port : 0);
      });
    });
    const udp = createSocket('udp4');
    const udpOk = await new Promise<boolean>((resolve) => {
      udp.once('error', () => resolve(false));
      udp.bind(port, '127.0.0.1', () => resolve(true));
    });
    await new Promise<void>((resolve) => tcp.close(() => resolve()));
    await new Promise<void>((resolve) => {
      try {
        udp.close(() => resolve());
      } catch {
        resolve(); // never bound
      }
    });
    if (udpOk && port > 0) return port;
  }
  throw new Error('no port free for both TCP and UDP on 127.0.0.1 after 20 attempts');
}

function buildArgs(port: number, workdir: string, records: DnsmasqRecords): string[] {
  const check = (what: string, value: string): string => {
    if (!NAME_RE.test(value)) throw new Error(`dnsmasq harness: bad ${what} "${value}" (letters, digits, _ . - only)`);
    return value;
  };
  const args = [
    '--keep-in-foreground',
    `--port=${port}`,
    '--listen-address=127.0.0.1',
    '--bind-interfaces',
    '--no-resolv',
    '--no-hosts',
    '--conf-file=/dev/null',
    `--pid-file=${join(workdir, 'dnsmasq.pid')}`,
    '--log-queries',
    `--log-facility=${join(workdir, 'dnsmasq.log')}`,
    // Negative answers must not be remembered between tests that reuse names.
    '--no-negcache',
  ];
  // As root dnsmasq drops to "nobody", which then cannot write our pid/log files; stay who we are instead.
  // Unprivileged, it does not change user at all.
  if (process.getuid?.() === 0) args.push(`--user=${userInfo().username}`);

  const names: string[] = [];
  for (const [name, addresses] of Object.entries(records.hosts ?? {})) {
    names.push(check('host name', name));
    for (const address of addresses) {
      if (isIP(address) === 0) throw new Error(`dnsmasq harness: "${address}" for ${name} is not an IP address`);
      args.push(`--host-record=${name},${address}`);
    }
  }
  for (const r of records.srv ?? []) {
    names.push(check('SRV name', r.name));
    if (r.target === undefined || r.target === '.') {
      args.push(`--srv-host=${r.name}`);
    } else {
      const fields = [r.name, check('SRV target', r.target), String(r.port ?? 5060), String(r.priority ?? 0), String(r.weight ?? 0)];
      args.push(`--srv-host=${fields.join(',')}`);
    }
  }
  for (const r of records.naptr ?? []) {
    names.push(check('NAPTR name', r.name));
    if (/[,]/.test(`${r.flags}${r.service}${r.regexp ?? ''}${r.replacement}`)) throw new Error('dnsmasq harness: commas are not allowed in NAPTR fields');
    args.push(`--naptr-record=${[r.name, r.order, r.preference, r.flags, r.service, r.regexp ?? '', r.replacement].join(',')}`);
  }
  const local = records.localDomains ?? [...new Set(names.map((n) => n.split('.').filter(Boolean).pop() ?? ''))].filter(Boolean);
  for (const d of local) args.push(`--local=/${check('local domain', d)}/`);
  return args;
}

/**
 * Starts dnsmasq and resolves once it answers a query. Retries with a new port if the chosen one was taken in the
 * meantime. The child is killed when the test process exits, even if the test never calls stop().
 */
export async function startDnsmasq(opts: StartDnsmasqOptions): Promise<DnsmasqHandle> {
  const binary = opts.binary ?? DNSMASQ_BINARY;
  if (!existsSync(binary)) {
    throw new Error(`${binary} not found: install the Debian package dnsmasq-base (apt-get install -y --no-install-recommends dnsmasq-base)`);
  }
  await mkdir(opts.workdir, { recursive: true });
  let lastError: Error | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    try {
      return await launch(binary, port, opts);
    } catch (err) {
      lastError = err instanceof Error ? err : new Error(String(err));
      if (!/in use/i.test(lastError.message)) throw lastError;
    }
  }
  throw lastError ?? new Error('dnsmasq did not start');
}

async function launch(binary: string, port: number, opts: StartDnsmasqOptions): Promise<DnsmasqHandle> {
  const logFile = join(opts.workdir, 'dnsmasq.log');
  const child: ChildProcess = spawn(binary, buildArgs(port, opts.workdir, opts.records), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const collect = (chunk: Buffer): void => {
    if (output.length < 8192) output += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`dnsmasq exited (code ${code ?? 'none'}, signal ${signal ?? 'none'})`));
    child.once('error', (err) => resolve(`dnsmasq failed to start: ${err.message}`));
  });
  const killOnExit = (): void => {
    child.kill('SIGKILL');
  };
  process.once('exit', killOnExit);

  const server = `127.0.0.1:${port}`;
  const probe = new Resolver({ timeout: 200, tries: 1 });
  probe.setServers([server]);
  let probes = 0;
  const ask = async (name: string): Promise<boolean> => {
    try {
      await probe.resolve4(name);
      return true;
    } catch (err) {
      // Any DNS answer (NXDOMAIN, REFUSED, ...) proves the server is up; no answer at all does not.
      const code = (err as NodeJS.ErrnoException).code;
      return code !== 'ECONNREFUSED' && code !== 'ETIMEOUT' && code !== 'ECANCELLED';
    }
  };

  const stop = async (): Promise<void> => {
    process.removeListener('exit', killOnExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };

  const deadline = Date.now() + (opts.startTimeoutMs ?? 5000);
  let dead: string | undefined;
  void exited.then((why) => {
    dead = why;
  });
  for (;;) {
    if (dead !== undefined) {
      process.removeListener('exit', killOnExit);
      throw new Error(`${dead}: ${output.trim()}`);
    }
    if (await ask(`ready-${probes++}${PROBE_SUFFIX}`)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dnsmasq on ${server} did not answer within ${opts.startTimeoutMs ?? 5000} ms: ${output.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  const queryLog = async (): Promise<string[]> => {
    const marker = `sync-${probes++}${PROBE_SUFFIX}`;
    await ask(marker);
    const until = Date.now() + 2000;
    for (;;) {
      const text = await readFile(logFile, 'utf8');
      if (text.includes(`] ${marker} from`)) {
        const out: string[] = [];
        for (const m of text.matchAll(/query\[(\w+)\] (\S+) from/g)) {
          if (!m[2]!.endsWith(PROBE_SUFFIX)) out.push(`${m[1]} ${m[2]}`);
        }
        return out;
      }
      if (Date.now() > until) throw new Error(`dnsmasq never logged the marker query ${marker}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  return { server, port, logFile, queryLog, stop };
}
