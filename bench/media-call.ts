// A call's cost, sipdesk and baresip side by side in the same run: both ends of one call through Kamailio
// carry the same codec for the same time, so the CPU each process spends per second of call compares
// directly (the ratio is the figure; the target is ≤ 1.0× baresip). sipdesk runs in a process of its
// own (bench/call-child.ts); CPU is counted over all threads of each process. Also: resident memory in the
// call, and the receive-side buffering the phone adds (jitter buffer delay; capture → send is the same tick).
//   npm run bench:media            (BENCH_CALL_SECONDS=30 for a longer call)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startKamailio } from '../test/harness/kamailio.js';
import { startBaresip, writeToneWav } from '../test/harness/baresip.js';
import { makeWorkdir, finishWorkdir } from '../test/harness/workdir.js';
import { encodeWav } from '../src/media/dsp/wav.js';
import { processCpuMs, rssMiB } from './call-child.js';

const SECONDS = Number(process.env.BENCH_CALL_SECONDS ?? 10);
const CHILD = join(import.meta.dirname, 'call-child.js');
// e.g. BENCH_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the phone's end of the call
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);

interface ChildResult {
  cpuPerS: number;
  rss: number;
  jitterMs?: number;
  targetMs?: number;
  lateTicks?: number;
  ticks?: number;
  ptime?: number;
}

async function measure(codec: 'PCMU' | 'G722'): Promise<string> {
  const dir = makeWorkdir(`bench-media-${codec}`);
  const rate = codec === 'G722' ? 16000 : 8000;
  const k = await startKamailio({ workdir: dir });
  const bobSays = join(dir, 'bob-says.wav');
  writeToneWav(bobSays, { seconds: SECONDS + 30, hz: 440, rate });
  const bob = await startBaresip({
    workdir: dir,
    user: 'bob',
    registrar: `${k.ip}:${k.port}`,
    modules: codec === 'G722' ? ['g722.so'] : [],
    accountParams: `;answermode=auto;audio_codecs=${codec === 'G722' ? 'G722/16000/1' : 'PCMU'}`,
    sourceWav: bobSays,
    sampleRate: rate,
  });
  const source = join(dir, 'alice-says.wav');
  writeFileSync(source, encodeWav(Int16Array.from({ length: rate * 2 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / rate))), rate));
  try {
    const child = spawn(process.execPath, [...NODE_ARGS, CHILD, String(k.port), codec, String(SECONDS), source], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, SIPDESK_LOG: 'warn' },
    });
    let bob0 = 0;
    let bobPerS = NaN;
    let result: ChildResult | undefined;
    for await (const line of createInterface({ input: child.stdout })) {
      if (line === 'MEASURING') {
        bob0 = processCpuMs(bob.process.pid);
      }
      else if (line.startsWith('{')) {
        bobPerS = (processCpuMs(bob.process.pid) - bob0) / SECONDS;

        result = JSON.parse(line) as ChildResult;
      }
    }
    if (!result) throw new Error(`the sipdesk call process reported nothing (exit ${child.exitCode ?? '?'})`);
    return [
      `${codec.padEnd(5)} CPU per call second: sipdesk ${result.cpuPerS.toFixed(2)} ms, baresip ${bobPerS.toFixed(2)} ms, ratio ${(result.cpuPerS / bobPerS).toFixed(2)}×`,
      `      RSS in the call: sipdesk ${result.rss.toFixed(1)} MiB, baresip ${rssMiB(bob.process.pid).toFixed(1)} MiB`,
      `      receive buffering: jitter buffer ${result.jitterMs?.toFixed(0) ?? '?'} ms (target ${result.targetMs?.toFixed(0) ?? '?'} ms); send: capture → packet in the same ${result.ptime ?? '?'} ms tick; late ticks ${result.lateTicks ?? '?'} of ${result.ticks ?? '?'}`,
    ].join('\n');
  } finally {
    await bob.stop();
    await k.stop();
    finishWorkdir(dir, true);
  }
}

async function main(): Promise<void> {
  console.log(`one call through Kamailio on 127.0.0.1, ${SECONDS} s measured per codec, sipdesk vs baresip 1.0 (each its own process)`);
  for (const codec of ['PCMU', 'G722'] as const) console.log(await measure(codec));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
