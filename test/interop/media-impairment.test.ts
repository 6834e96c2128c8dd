/**
 * Media under network impairment: two media engines on 127.0.0.1 (as in test/unit/peer-connection.test.ts),
 * with a UDP relay (test/harness/udp-impairer.ts) inserted between them by rewriting the m= port (and
 * a=rtcp) in the SDP text each side hands to the other. The relay drops 5 % of the RTP packets and
 * delays each by a uniform 0–60 ms (which reorders them) in both directions. RTCP goes through a second,
 * unimpaired relay (the engines do not negotiate rtcp-mux here), announced with a=rtcp (RFC 3605); with
 * rtcp-mux it would share the RTP relay, which passes RTCP unimpaired.
 * A sends 1 kHz, B sends 440 Hz for ~4 s. The requirement: what each side played keeps the sent frequency
 * (± 2 %), roughly its level, and has no gap longer than 60 ms (measured after the first 300 ms).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CallMediaStats } from '../../src/media/call-media.js';
import { dominantFrequency, longestGap, rmsDbfs } from '../../src/media/dsp/analysis.js';
import { formatCounters, startUdpImpairer, type UdpImpairer } from '../harness/udp-impairer.js';
import { mediaSide, TONE_DBFS, type Recorder } from '../harness/media-probe.js';

const RUN_MS = Number(process.env.IMPAIR_RUN_MS ?? 4000);
const SKIP_MS = 300;
const LOSS = Number(process.env.IMPAIR_LOSS ?? 0.05);
const JITTER_MS = Number(process.env.IMPAIR_JITTER_MS ?? 60);
const SEED = Number(process.env.IMPAIR_SEED ?? 0x5eed);
const MAX_GAP_MS = 60;
const LEVEL_TOLERANCE_DB = 3;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));




/** The audio m= line's port and the c= address (session or media level) of an SDP text. */
function audioTransport(sdp: string): { address: string; port: number } {
  const m = /^m=audio (\d+) /m.exec(sdp);
  const c = /^c=IN IP4 (\S+)/m.exec(sdp);
  assert.ok(m?.[1] !== undefined && c?.[1] !== undefined, `no audio transport in SDP:\n${sdp}`);
  return { address: c[1], port: Number(m[1]) };
}

/** Where the SDP's RTCP goes (a=rtcp, else RTP port + 1; the RTP port with rtcp-mux). */
function rtcpTransport(sdp: string): { address: string; port: number } {
  const rtp = audioTransport(sdp);
  if (/^a=rtcp-mux/m.test(sdp)) return rtp;
  const r = /^a=rtcp:(\d+)(?: IN IP4 (\S+))?/m.exec(sdp);
  return r?.[1] === undefined ? { address: rtp.address, port: rtp.port + 1 } : { address: r[2] ?? rtp.address, port: Number(r[1]) };
}

/**
 * Points the SDP at the relay: c= address(es), the audio m= port, and a=rtcp (replaced, or added after the
 * m= line) at the RTCP relay's port, unless rtcp-mux is offered (then RTCP shares the RTP relay).
 */
function viaRelay(sdp: string, address: string, port: number, rtcpPort: number): string {
  let out = sdp.replace(/^c=IN IP4 \S+/gm, `c=IN IP4 ${address}`).replace(/^(m=audio )\d+(.*)$/m, `$1${port}$2`);
  const mux = /^a=rtcp-mux/m.test(sdp);
  out = out.replace(/^a=rtcp:.*\r?\n/m, '');
  if (!mux) out = out.replace(/^(m=audio .*\r?\n)/m, `$1a=rtcp:${rtcpPort}\r\n`);
  return out;
}

function measure(rec: Recorder): { freq: number | undefined; level: number; gapMs: number; gapAtMs: number } {
  const pcm = rec.pcmAfterMs(SKIP_MS);
  const gap = longestGap(pcm, rec.sampleRate);
  return { freq: dominantFrequency(pcm, rec.sampleRate), level: rmsDbfs(pcm), gapMs: gap.durationMs, gapAtMs: gap.startMs + SKIP_MS };
}

function jbLine(s: CallMediaStats | undefined): string {
  if (s === undefined) return 'no stats';
  const j = s.jitter;
  return (
    `jb delay ${j.delayMs.toFixed(0)} ms target ${j.targetDelayMs.toFixed(0)} ms jitter ${j.jitterMs.toFixed(1)} ms; ` +
    `received ${j.received} played ${j.played} lost ${j.lost} late ${j.late} concealed(stretch) ${j.concealed} dropped ${j.dropped} ` +
    `skipped ${j.skipped} dup ${j.duplicates} resyncs ${j.resyncs} outliers ${j.outliers}; ` +
    `plc erasures ${s.plc.erasures} concealedSamples ${s.plc.concealedSamples}; ticks ${s.ticks} lateTicks ${s.lateTicks} framesPlayed ${s.framesPlayed}`
  );
}

async function impairedCall(t: TestContext, codec: string): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'sipdesk-impair-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const a = mediaSide(t, dir, 'a', 1000, { codecs: [codec] });
  const b = mediaSide(t, dir, 'b', 440, { codecs: [codec] });

  const offer = await a.pc.createOffer();
  await a.pc.setLocalDescription(offer);
  const relay: UdpImpairer = await startUdpImpairer({
    a: audioTransport(offer.sdp),
    impairment: { dropProbability: LOSS, minDelayMs: 0, maxDelayMs: JITTER_MS },
    seed: SEED,
  });
  t.after(() => relay.close());
  const rtcpRelay = await startUdpImpairer({ a: rtcpTransport(offer.sdp), seed: SEED + 1 });
  t.after(() => rtcpRelay.close());
  await b.pc.setRemoteDescription({ type: 'offer', sdp: viaRelay(offer.sdp, relay.address, relay.portForB, rtcpRelay.portForB) });
  const answer = await b.pc.createAnswer();
  await b.pc.setLocalDescription(answer);
  assert.match(answer.sdp, new RegExp(`a=rtpmap:\\d+ ${codec}/8000`));
  const mux = /^a=rtcp-mux/m.test(answer.sdp);
  await a.pc.setRemoteDescription({ type: 'answer', sdp: viaRelay(answer.sdp, relay.address, relay.portForA, rtcpRelay.portForA) });
  t.diagnostic(`${codec}: rtcp-mux ${mux}; A ${JSON.stringify(audioTransport(offer.sdp))} B ${JSON.stringify(audioTransport(answer.sdp))} relay A-side ${relay.portForA} B-side ${relay.portForB}`);

  await sleep(RUN_MS);
  const sa = a.engine.stats()[0];
  const sb = b.engine.stats()[0];
  const ab = measure(b.rec);
  const ba = measure(a.rec);
  t.diagnostic(`${codec} relay A→B: ${formatCounters(relay.aToB)}`);
  t.diagnostic(`${codec} relay B→A: ${formatCounters(relay.bToA)}`);
  t.diagnostic(`${codec} RTCP relay (unimpaired): A→B ${formatCounters(rtcpRelay.aToB)}; B→A ${formatCounters(rtcpRelay.bToA)}`);
  const rtcpRtt = sa?.rtp.remote;
  t.diagnostic(`${codec} A's view from B's RTCP: ${JSON.stringify(rtcpRtt)}`);
  t.diagnostic(`${codec} A→B heard by B: ${ab.freq?.toFixed(1)} Hz ${ab.level.toFixed(2)} dBFS longest gap ${ab.gapMs} ms at ${ab.gapAtMs} ms`);
  t.diagnostic(`${codec} B→A heard by A: ${ba.freq?.toFixed(1)} Hz ${ba.level.toFixed(2)} dBFS longest gap ${ba.gapMs} ms at ${ba.gapAtMs} ms`);
  t.diagnostic(`${codec} B ${jbLine(sb)}`);
  t.diagnostic(`${codec} A ${jbLine(sa)}`);

  // The relay really impaired both directions.
  for (const c of [relay.aToB, relay.bToA]) {
    assert.ok(c.received > (RUN_MS / 20) * 0.8, `relay saw ${c.received} datagrams`);
    if (LOSS > 0) assert.ok(c.dropped > 0, 'relay dropped nothing');
    if (JITTER_MS >= 40) assert.ok(c.reordered > 0, 'relay reordered nothing');
  }
  const problems: string[] = [];
  const check = (what: string, m: ReturnType<typeof measure>, freq: number): void => {
    if (!(m.freq !== undefined && Math.abs(m.freq - freq) <= 0.02 * freq)) problems.push(`${what}: dominant ${m.freq} Hz, want ${freq} ± 2 %`);
    if (!(Math.abs(m.level - TONE_DBFS) <= LEVEL_TOLERANCE_DB)) problems.push(`${what}: level ${m.level.toFixed(1)} dBFS, source ${TONE_DBFS.toFixed(1)} ± ${LEVEL_TOLERANCE_DB}`);
    if (!(m.gapMs <= MAX_GAP_MS)) problems.push(`${what}: longest gap ${m.gapMs} ms at ${m.gapAtMs} ms, want ≤ ${MAX_GAP_MS}`);
  };
  check(`${codec} A→B`, ab, 1000);
  check(`${codec} B→A`, ba, 440);
  assert.deepEqual(problems, []);
}

test('PCMU both ways through 5 % loss and 0–60 ms jitter', (t) => impairedCall(t, 'PCMU'));
test('G722 both ways through 5 % loss and 0–60 ms jitter', (t) => impairedCall(t, 'G722'));
