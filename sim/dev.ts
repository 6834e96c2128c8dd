// The development setup behind `sh sim/start.sh`: a throw-away Kamailio (the dev PBX: registrar with
// users alice, bob, carol, dave / password "secret") and one headless phone registered as alice, in this
// process, until Ctrl-C. The PBX runner is the one the interop tests use (test/harness/kamailio.ts), so
// the simulator and the tests talk to the same PBX configuration.
import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { startKamailio } from '../test/harness/kamailio.js';
import { freePort } from '../test/harness/ports.js';
import { parseConfig } from '../src/config/load.js';
import { startPhone } from '../src/app/phone.js';

async function main(): Promise<void> {
  const workdir = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'sipdesk', 'dev-pbx');
  mkdirSync(workdir, { recursive: true });
  const pbxPort = Number(process.env.SIPDESK_PBX_PORT ?? 0) || (await freePort());
  const apiPort = Number(process.env.SIPDESK_API_PORT ?? 8081);
  const pbx = await startKamailio({ workdir, port: pbxPort });
  process.stdout.write(`dev PBX: Kamailio on ${pbx.ip}:${pbx.port} (TCP); users alice bob carol dave, password "secret"; log ${pbx.logFile}\n`);

  const config = parseConfig(
    {
      account: { aor: `sip:alice@${pbx.domain}`, password: 'secret', proxy: `sip:${pbx.ip}:${pbx.port};transport=tcp` },
      api: { port: apiPort },
      sip: { listenPort: 0, listenAddress: '127.0.0.1', contactHost: '127.0.0.1' },
      device: { instanceId: 'urn:uuid:6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01' },
    },
    'sim/dev.ts',
  );
  const phone = await startPhone(config);
  process.stdout.write(`phone alice: status at http://127.0.0.1:${phone.apiPort}/api/v1/status  (Ctrl-C stops both)\n`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await phone.stop(1500);
    await pbx.stop();
    process.exit(0);
  };
  // The PBX runner (shared with the tests) kills its children at once on a signal; here the phone must
  // unregister first, so our handler replaces those and stops both in order (its exit hook still sweeps up).
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(sig);
    process.on(sig, () => void stop());
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`sim: ${(err as Error).message}\n`);
  process.exit(1);
});
