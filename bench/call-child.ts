// The sipdesk end of the media benchmark, in a process of its own so that its CPU figure is the phone's
// alone (measured in the harness process it also pays for the harness: ~13 ms per call second).
// argv: PBX_PORT CODEC SECONDS SOURCE_WAV. Prints "MEASURING" when the measured window starts, then one
// JSON line with its CPU per call second (all threads), RSS and media stats when the window ends (before hanging up).
import { readdirSync, readFileSync } from 'node:fs';
import { startMediaPhone } from '../test/harness/media-phone.js';

export function processCpuMs(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended between the listing and the read
    }
  }
  return ns / 1e6;
}

export function rssMiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : NaN;
}

async function main(): Promise<void> {
  const [port, codec, seconds, source] = process.argv.slice(2);
  const phone = await startMediaPhone({ pbx: { ip: '127.0.0.1', port: Number(port), domain: '127.0.0.1' }, codecs: [codec as 'PCMU' | 'G722'], source });
  const session = await phone.call('sip:bob@127.0.0.1');
  await new Promise((r) => setTimeout(r, 1000)); // settle: jitter buffer, first RTCP
  process.stdout.write('MEASURING\n');
  const cpu0 = processCpuMs(process.pid);
  await new Promise((r) => setTimeout(r, Number(seconds) * 1000));
  const cpuPerS = (processCpuMs(process.pid) - cpu0) / Number(seconds);
  const stats = phone.engine.stats()[0];
  const rss = rssMiB(process.pid);
  // Reported before hanging up: the parent reads the far end's CPU at this line, while its call threads live.
  process.stdout.write(`${JSON.stringify({ cpuPerS, rss, jitterMs: stats?.jitter.delayMs, targetMs: stats?.jitter.targetDelayMs, lateTicks: stats?.lateTicks, ticks: stats?.ticks, ptime: stats?.ptime })}\n`);
  await phone.hangUp(session);
  await phone.stop();
}

if (process.argv[1]?.endsWith('call-child.js')) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${String(err)}\n`);
      process.exit(1);
    },
  );
}
