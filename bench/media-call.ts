// A call's cost, sipdesk and baresip side by side in the same run: both ends of one call through Kamailio
// carry the same codec for the same time, so the CPU each process spends per second of call compares
// directly (the ratio is the figure; the target is ≤ 1.0× baresip). Also: resident memory in the
// call, and the receive-side buffering the phone adds (jitter buffer delay; capture → send is the same tick).
//   npm run bench:media            (BENCH_CALL_SECONDS=30 for a longer call)
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startKamailio } from '../test/harness/kamailio.js';
import { startBaresip, writeToneWav } from '../test/harness/baresip.js';
import { startMediaPhone } from '../test/harness/media-phone.js';
import { makeWorkdir, finishWorkdir } from '../test/harness/workdir.js';
import { encodeWav } from '../src/media/dsp/wav.js';

const SECONDS = Number(process.env.BENCH_CALL_SECONDS ?? 10);

/**
 * CPU time a process has run, in ms: the scheduler's figure (ns resolution, unlike /proc/PID/stat's ticks)
 * summed over ALL its threads — baresip moves audio in threads of its own, Node does I/O in the main thread.
 */
function cpuMs(pid: number): number {
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

function rssMiB(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+) kB/m);
  return m ? Number(m[1]) / 1024 : NaN;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
  const alice = await startMediaPhone({ pbx: k, codecs: [codec], source, sink: join(dir, 'alice-heard.wav') });
  try {
    // Idle baseline over the same duration: what each process spends registered and doing nothing.
    const idle0 = { us: cpuMs(process.pid), bob: cpuMs(bob.process.pid) };
    await sleep(SECONDS * 1000);
    const idle = { us: cpuMs(process.pid) - idle0.us, bob: cpuMs(bob.process.pid) - idle0.bob };

    const session = await alice.call(`sip:bob@${k.domain}`);
    await sleep(1000); // let both ends settle (jitter buffers, first RTCP)
    const call0 = { us: cpuMs(process.pid), bob: cpuMs(bob.process.pid) };
    await sleep(SECONDS * 1000);
    const call = { us: cpuMs(process.pid) - call0.us, bob: cpuMs(bob.process.pid) - call0.bob };
    const stats = alice.engine.stats()[0];
    const rss = { us: rssMiB(process.pid), bob: rssMiB(bob.process.pid) };
    await alice.hangUp(session);

    const usPerS = (call.us - idle.us) / SECONDS;
    const bobPerS = (call.bob - idle.bob) / SECONDS;
    const j = stats?.jitter;
    return [
      `${codec.padEnd(5)} CPU per call second: sipdesk ${usPerS.toFixed(2)} ms, baresip ${bobPerS.toFixed(2)} ms, ratio ${(usPerS / bobPerS).toFixed(2)}×`,
      `      (idle: sipdesk ${(idle.us / SECONDS).toFixed(2)} ms/s, baresip ${(idle.bob / SECONDS).toFixed(2)} ms/s, subtracted)`,
      `      RSS in the call: sipdesk ${rss.us.toFixed(1)} MiB (whole test process), baresip ${rss.bob.toFixed(1)} MiB`,
      `      receive buffering: jitter buffer ${j?.delayMs.toFixed(0) ?? '?'} ms (target ${j?.targetDelayMs.toFixed(0) ?? '?'} ms); send: capture → packet in the same ${stats?.ptime ?? '?'} ms tick; late ticks ${stats?.lateTicks ?? '?'} of ${stats?.ticks ?? '?'}`,
    ].join('\n');
  } finally {
    await alice.stop();
    await bob.stop();
    await k.stop();
    finishWorkdir(dir, true);
  }
}

async function main(): Promise<void> {
  console.log(`one call through Kamailio on 127.0.0.1, ${SECONDS} s measured per codec, sipdesk (this process) vs baresip 1.0`);
  for (const codec of ['PCMU', 'G722'] as const) console.log(await measure(codec));
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
