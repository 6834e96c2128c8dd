// Reading SIP as the tests see it: SIPp's message traces, the phone's own SIP log, and whether a SIPp UDP
// peer is listening yet. One copy for every SIPp test.
import { readFileSync } from 'node:fs';
import type { SippRun } from './sipp.js';
import type { TestPhone } from './phone.js';

export interface TraceEntry {
  /** SIPp's clock (ms; only differences matter). */
  at: number;
  dir: 'in' | 'out';
  firstLine: string;
  text: string;
}

function sippMs(date: string, time: string): number {
  const [whole, fraction = '0'] = time.split('.');
  return Date.parse(`${date}T${whole}Z`) + Number(`0.${fraction}`) * 1000;
}

/** SIPp's message trace (-trace_msg): one entry per message sent or received, with SIPp's timestamps. */
export function sippTrace(messages: string): TraceEntry[] {
  const out: TraceEntry[] = [];
  // The lookahead ends an entry at the next separator or at the very end of the text (not at a line end).
  const re = /^-{10,} (\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d\.\d+)\n(?:TCP|UDP) message (received|sent)[^\n]*\n\n([\s\S]*?)(?=\n-{10,} \d{4}-|(?![\s\S]))/gm;
  for (const m of messages.matchAll(re)) {
    const text = m[4]!.trim();
    out.push({ at: sippMs(m[1]!, m[2]!), dir: m[3] === 'received' ? 'in' : 'out', firstLine: text.split(/\r?\n/)[0]!, text });
  }
  return out;
}

/** A header's value in one SIP message (first occurrence, case-insensitive name). */
export function sipHeader(text: string, name: string): string | undefined {
  return new RegExp(`^${name}:[ \\t]*(.*?)\\r?$`, 'im').exec(text)?.[1];
}

/** The body of one SIP message (after the blank line). */
export function sipBody(text: string): string {
  const i = text.search(/\r?\n\r?\n/);
  return i < 0 ? '' : text.slice(i).trim();
}

/**
 * The SIP messages (with bodies) the phone sent, from its log output since `mark`: a `[sip-flow] >>> …` line
 * followed by the message, up to the next log line.
 */
export function phoneSentSince(phone: TestPhone, mark = 0): string[] {
  const re = /^\S+Z INFO\s+\[sip-flow\] >>> [^\n]*\n([\s\S]*?)(?=^\d{4}-\d\d-\d\dT\S+Z [A-Z]+\s|(?![\s\S]))/gm;
  return [...phone.process.output().slice(mark).matchAll(re)].map((m) => m[1]!.trim());
}

/** UDP ports bound on 127.0.0.1 right now (/proc/net/udp: local address is hex "0100007F:PORT"). */
export function boundUdpPorts(): Set<number> {
  const ports = new Set<number>();
  for (const line of readFileSync('/proc/net/udp', 'utf8').split('\n').slice(1)) {
    const m = /^\s*\d+:\s+([0-9A-F]{8}):([0-9A-F]{4})\s/.exec(line);
    if (m && (m[1] === '0100007F' || m[1] === '00000000')) ports.add(parseInt(m[2]!, 16));
  }
  return ports;
}

/** Waits until SIPp (a UDP UAS) has bound its port, so the first request to it is not lost. */
export async function udpListening(run: SippRun, timeoutMs = 5000): Promise<void> {
  for (const end = Date.now() + timeoutMs; Date.now() < end;) {
    if (!run.process.running) throw new Error(`SIPp exited before listening:\n${run.process.output()}`);
    if (boundUdpPorts().has(run.localPort)) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`SIPp did not bind UDP port ${run.localPort} within ${timeoutMs} ms`);
}
