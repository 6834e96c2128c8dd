/**
 * Composition root of one phone: config in, running SIP stack and control API out. Everything is built
 * here and nowhere else, so the simulator can run several phones in one process the same way.
 */
import type { PhoneConfig } from '../config/schema.js';
import { createSipStack, type SipStack } from '../sip/sip-stack.js';
import { ApiServer } from '../api/http-server.js';
import { statusRoutes } from '../api/routes.js';
import { createLogger } from '../util/log.js';

const log = createLogger('phone');

export interface RunningPhone {
  readonly sip: SipStack;
  readonly apiPort: number;
  /** Unregisters (at most unregisterTimeoutMs) and releases every port. */
  stop(unregisterTimeoutMs?: number): Promise<void>;
}

export async function startPhone(config: PhoneConfig): Promise<RunningPhone> {
  const sip = await createSipStack(config);
  const api = new ApiServer(statusRoutes({ registration: () => sip.status(), calls: () => [] }));
  let apiPort: number;
  try {
    apiPort = await api.listen(config.api.port, config.api.host);
  } catch (err) {
    await sip.socket.close();
    throw new Error(`control API cannot listen on ${config.api.host}:${config.api.port}: ${(err as Error).message}`);
  }
  sip.registration.on('state', (s: { state: string; reason?: string }) =>
    log.info(`registration ${s.state}${s.reason ? ` (${s.reason})` : ''}`),
  );
  log.info(`${config.account.aor}: instance urn:uuid:${sip.instanceId}, contact ${sip.status().contact}, api http://${config.api.host}:${apiPort}`);
  sip.start();

  let stopping: Promise<void> | undefined;
  return {
    sip,
    apiPort,
    stop(unregisterTimeoutMs = 1500) {
      stopping ??= (async () => {
        await sip.stop(unregisterTimeoutMs);
        await api.close();
      })();
      return stopping;
    },
  };
}
