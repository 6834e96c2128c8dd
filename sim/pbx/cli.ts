// Runs the dev PBX on its own: node dist/sim/pbx/cli.js [--host 127.0.0.1] [--port 5060]
//   [--users alice,bob,carol,dave] [--password secret] [--domain D] [--quiet]
// Every user gets the same password (a dev PBX); SIP messages are printed unless --quiet. Ctrl-C stops it.
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { startDevPbx } from './dev-pbx.js';

export interface CliOptions {
  host: string;
  port: number;
  domain?: string;
  users: string[];
  password: string;
  quiet: boolean;
}

/** Reads the command line; throws an Error naming the bad option. */
export function parseCli(argv: readonly string[]): CliOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      host: { type: 'string', default: '127.0.0.1' },
      port: { type: 'string', default: '5060' },
      domain: { type: 'string' },
      users: { type: 'string', default: 'alice,bob,carol,dave' },
      password: { type: 'string', default: 'secret' },
      quiet: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port: "${values.port}" is not a port number (0-65535)`);
  const users = values.users.split(',').map((u) => u.trim()).filter((u) => u.length > 0);
  if (users.length === 0) throw new Error('--users: give at least one user name');
  return { host: values.host, port, users, password: values.password, quiet: values.quiet, ...(values.domain !== undefined ? { domain: values.domain } : {}) };
}

async function main(): Promise<void> {
  const o = parseCli(process.argv.slice(2));
  const pbx = await startDevPbx({
    host: o.host,
    port: o.port,
    ...(o.domain !== undefined ? { domain: o.domain } : {}),
    users: o.users.map((user) => ({ user, password: o.password })),
    ...(o.quiet ? {} : { log: (line: string) => process.stdout.write(`${line}\n`) }),
  });
  process.stdout.write(`dev PBX on ${pbx.host}:${pbx.port} (TCP and UDP), domain ${pbx.domain}; users ${o.users.join(', ')}\n`);
  const stop = (): void => {
    void pbx.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

// Only when run as a program (the unit tests import parseCli).
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`dev PBX: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
