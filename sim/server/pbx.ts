/**
 * The PBX the simulated phones register with: the in-process dev PBX (sim/pbx), a throw-away Kamailio
 * (the interop tests' runner, so both talk to the same configuration), or any external PBX by address.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { SimOptions } from './options.js';
import { startDevPbx } from '../pbx/dev-pbx.js';

export interface SimPbx {
  /** Outbound proxy for the phones, e.g. `sip:127.0.0.1:5070;transport=tcp`. */
  readonly proxy: string;
  /** SIP domain of the users' AORs. */
  readonly domain: string;
  /** One line for the console: what runs where. */
  readonly description: string;
  stop(): Promise<void>;
}

/**
 * `workdir` holds the PBX's files (Kamailio's config and log); `log`, when given, receives the dev PBX's
 * trace (every SIP message it handles).
 */
export async function startSimPbx(o: SimOptions, workdir: string, log?: (line: string) => void): Promise<SimPbx> {
  switch (o.pbx) {
    case 'external':
      return { proxy: o.proxy!, domain: o.domain!, description: `external PBX via ${o.proxy}, domain ${o.domain}`, stop: () => Promise.resolve() };
    case 'kamailio': {
      // Imported only when used: the harness pulls in test-only helpers (certificates, process groups).
      const { startKamailio, DEFAULT_USERS } = await import('../../test/harness/kamailio.js');
      const dir = join(workdir, 'kamailio-run');
      mkdirSync(dir, { recursive: true });
      const extra = o.phones.filter((p) => !(DEFAULT_USERS as readonly string[]).includes(p));
      if (o.password !== 'secret') throw new Error('--password: the Kamailio dev PBX knows only the password "secret"');
      const k = await startKamailio({ workdir: dir, users: extra });
      return {
        proxy: `sip:${k.ip}:${k.port};transport=tcp`,
        domain: k.domain,
        description: `Kamailio on ${k.ip}:${k.port} (TCP), log ${k.logFile}`,
        stop: async () => {
          await k.stop();
        },
      };
    }
    case 'dev': {
      const pbx = await startDevPbx({
        host: '127.0.0.1',
        port: 0,
        users: o.phones.map((user) => ({ user, password: o.password })),
        ...(log ? { log } : {}),
      });
      return {
        proxy: `sip:${pbx.host}:${pbx.port};transport=tcp`,
        domain: pbx.domain,
        description: `dev PBX on ${pbx.host}:${pbx.port} (TCP), domain ${pbx.domain}`,
        stop: () => pbx.stop(),
      };
    }
  }
}
