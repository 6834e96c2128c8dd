// The shared rig of the SIPp call tests: one Kamailio and one real phone ("alice") per test file, SIPp peers
// started per test (UDP UAS listening before use, UAC calling alice through Kamailio), and the API calls
// every test makes. Call inside describe(): it registers the file's before/afterEach hooks.
import { after, afterEach, before } from 'node:test';
import assert from 'node:assert/strict';
import { startKamailio, type Kamailio } from './kamailio.js';
import { startPhone, type TestPhone } from './phone.js';
import { runSipp, type SippResult, type SippRun } from './sipp.js';
import { useWorkdir } from './workdir.js';
import { udpListening } from './sip-trace.js';

/** The parts of GET /api/v1/calls the SIPp tests read. */
export interface CallView {
  id: string;
  line: number;
  direction: string;
  state: string;
  remote: { uri: string; name?: string; number?: string; private?: boolean };
  forwardedFrom?: { uri: string; name?: string; reason?: string };
  held: boolean;
  muted: boolean;
  transfer?: { to: string; state: string; reason?: string };
}

export interface Snapshot {
  calls: CallView[];
  muted: boolean;
  sound?: string;
  notice?: { text: string };
}

export interface LogBody {
  entries: { direction: string; outcome: string; remoteUri: string; reason?: string }[];
}

export interface UasOptions {
  keys?: Record<string, string>;
  calls?: number;
  localPort?: number;
  service?: string;
  extraArgs?: readonly string[];
  /** SIPp's whole-run limit (default 30 s). */
  timeoutSec?: number;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function sippCallRig(name: string, phoneConfig: Record<string, unknown>) {
  const w = useWorkdir({ after }, name);
  let kamailio: Kamailio | undefined;
  let phone: TestPhone | undefined;

  before(async () => {
    kamailio = await startKamailio({ workdir: w.path });
    w.defer(() => kamailio!.stop());
    phone = await startPhone({
      workdir: w.path, name: 'alice', user: 'alice', domain: kamailio.domain,
      proxy: `sip:${kamailio.ip}:${kamailio.port};transport=tcp`, config: phoneConfig,
    });
    w.defer(() => phone!.stop());
    await phone.waitForState('registered');
  });

  const rig = {
    w,
    get k(): Kamailio {
      if (kamailio === undefined) throw new Error('the rig is not started (call it inside describe)');
      return kamailio;
    },
    get alice(): TestPhone {
      if (phone === undefined) throw new Error('the rig is not started (call it inside describe)');
      return phone;
    },
    calls: (check: (s: Snapshot) => boolean, ms = 8000): Promise<Snapshot> => rig.alice.waitForApi<Snapshot>('/api/v1/calls', check, ms),
    snapshot: async (): Promise<Snapshot> => (await rig.alice.api('GET', '/api/v1/calls')).body as Snapshot,
    idle: (): Promise<Snapshot> => rig.calls((s) => s.calls.length === 0),
    /** A SIPp UAS on UDP, listening before it is returned, stopped when the file ends. */
    uas: async (runName: string, scenarioFile: string, o: UasOptions = {}): Promise<SippRun> => {
      const run = await runSipp({ workdir: w.path, name: runName, scenarioFile, transport: 'udp', service: o.service ?? 'bob', timeoutSec: 30, ...o });
      w.defer(() => run.process.stop());
      await udpListening(run);
      return run;
    },
    /** A SIPp UAC that calls alice through Kamailio. */
    uac: async (runName: string, scenarioFile: string, keys: Record<string, string> = {}): Promise<SippRun> => {
      const run = await runSipp({ workdir: w.path, name: runName, scenarioFile, transport: 'udp', remote: `${rig.k.ip}:${rig.k.port}`, service: 'alice', timeoutSec: 30, keys });
      w.defer(() => run.process.stop());
      return run;
    },
    finished: async (run: SippRun): Promise<SippResult> => {
      const result = await run.result;
      assert.equal(result.exitCode, 0, `SIPp ${run.dir} did not run its scenario to the end:\n${result.log}\n--- phone (tail)\n${rig.alice.process.output().slice(-5000)}`);
      return result;
    },
    post: async (path: string, body?: unknown): Promise<void> => {
      const r = await rig.alice.api('POST', path, body);
      assert.equal(r.status, 200, `POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    },
    dial: async (to: string): Promise<string> => {
      const r = await rig.alice.api('POST', '/api/v1/calls', { to });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return (r.body as { id: string }).id;
    },
    hangup: async (id: string): Promise<void> => {
      await rig.post(`/api/v1/calls/${id}/hangup`);
      await rig.idle();
    },
  };

  // A test that failed half-way must not leave its call to the next one: hang up whatever is left.
  afterEach(async () => {
    const left = (await rig.snapshot()).calls;
    for (const c of left) await rig.alice.api('POST', `/api/v1/calls/${c.id}/hangup`);
    if (left.length > 0) await rig.idle().catch(() => undefined);
  });

  return rig;
}
