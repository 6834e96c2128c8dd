// Process start → registered, sipdesk and baresip side by side against the same Kamailio, N runs each
// (default 20), with the resident memory of each once registered. Prints figures; asserts nothing.
//   npm run bench            (BENCH_RUNS=50 npm run bench for more)
import { readFileSync } from 'node:fs';
import { startKamailio } from '../test/harness/kamailio.js';
import { startPhone } from '../test/harness/phone.js';
import { startBaresip } from '../test/harness/baresip.js';
import { makeWorkdir, finishWorkdir } from '../test/harness/workdir.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);

function rssKiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) : NaN;
}

function quantile(sorted: number[], q: number): number {
  const i = (sorted.length - 1) * q;
  const lo = Math.floor(i);
  const hi = Math.ceil(i);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (i - lo);
}

function summary(name: string, ms: number[], rss: number[]): string {
  const s = [...ms].sort((a, b) => a - b);
  const r = [...rss].sort((a, b) => a - b);
  const f = (x: number) => x.toFixed(0).padStart(6);
  return `${name.padEnd(10)} ${f(quantile(s, 0.5))} ${f(quantile(s, 0.1))} ${f(quantile(s, 0.9))} ${f(s[0]!)} ${f(s.at(-1)!)}   ${(quantile(r, 0.5) / 1024).toFixed(1).padStart(6)} MiB`;
}

async function main(): Promise<void> {
  const dir = makeWorkdir('bench-register');
  const k = await startKamailio({ workdir: dir });
  const results = { sipdesk: { ms: [] as number[], rss: [] as number[] }, baresip: { ms: [] as number[], rss: [] as number[] } };
  try {
    for (let i = 0; i < RUNS; i++) {
      // Alternate the order so neither always runs on a warmer machine.
      for (const who of i % 2 === 0 ? (['sipdesk', 'baresip'] as const) : (['baresip', 'sipdesk'] as const)) {
        const t0 = performance.now();
        if (who === 'sipdesk') {
          const phone = await startPhone({ workdir: dir, name: `sipdesk-${i}`, user: 'alice', domain: k.domain, proxy: `sip:${k.ip}:${k.port};transport=tcp`, config: { log: { sipTrace: false } } });
          await phone.process.waitFor(/registration registered/, 10_000);
          results.sipdesk.ms.push(performance.now() - t0);
          results.sipdesk.rss.push(rssKiB(phone.process.pid));
          await phone.stop();
        } else {
          const b = await startBaresip({ workdir: dir, user: 'bob', registrar: `${k.ip}:${k.port}` });
          results.baresip.ms.push(performance.now() - t0);
          results.baresip.rss.push(rssKiB(b.process.pid));
          await b.stop();
        }
      }
    }
  } finally {
    await k.stop();
    finishWorkdir(dir, true);
  }
  console.log(`process start -> registered over TCP with digest auth, Kamailio on 127.0.0.1, ${RUNS} runs each`);
  console.log('           median    p10    p90    min    max   (ms)   RSS median');
  console.log(summary('sipdesk', results.sipdesk.ms, results.sipdesk.rss));
  console.log(summary('baresip', results.baresip.ms, results.baresip.rss));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
