// Free ports on 127.0.0.1 for the real peers the interop tests start (Kamailio, SIPp, baresip).
// Why not port 0: SIP peers need their port before they start (it goes into configs and Contact
// headers), and one SIP port is used for both UDP and TCP. So we probe: a port is handed out only
// if a TCP server AND a UDP socket could bind it just now. Ports are picked below the kernel's
// ephemeral range (/proc/sys/net/ipv4/ip_local_port_range), so an outgoing connection's local port
// cannot grab one between our probe and the peer's bind, and a port is never handed out twice
// within one process.
import { readFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tail, type ManagedProcess } from './process.js';
import { createSocket } from 'node:dgram';

const HOST = '127.0.0.1';
const handedOut = new Set<number>();

/** The range we pick from: [10000, start of the ephemeral range), at most up to 32767. */
function pickRange(): { low: number; high: number } {
  let ephemeralStart = 32768;
  try {
    const first = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0];
    const n = Number(first);
    if (Number.isInteger(n) && n > 12000) ephemeralStart = n;
  } catch {
    // not Linux or no /proc: keep the default
  }
  return { low: 10000, high: Math.min(ephemeralStart, 32768) - 1 };
}

function canBindTcp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: HOST, port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

function canBindUdp(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    socket.once('error', () => {
      socket.close();
      resolve(false);
    });
    socket.bind({ address: HOST, port, exclusive: true }, () => {
      socket.close(() => resolve(true));
    });
  });
}

async function isFree(port: number): Promise<boolean> {
  if (handedOut.has(port)) return false;
  return (await canBindTcp(port)) && (await canBindUdp(port));
}

/**
 * `count` consecutive ports, all free for TCP and UDP on 127.0.0.1 (baresip wants SIP_PORT and
 * SIP_PORT+1, and an RTP range). The first one is returned; all are marked as handed out.
 */
export async function freeConsecutivePorts(count: number): Promise<number> {
  if (!Number.isInteger(count) || count < 1) throw new Error(`freeConsecutivePorts: bad count ${count}`);
  const { low, high } = pickRange();
  for (let attempt = 0; attempt < 200; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low - count));
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await isFree(p);
    if (ok) {
      for (let p = base; p < base + count; p++) handedOut.add(p);
      return base;
    }
  }
  throw new Error(`freeConsecutivePorts: no ${count} consecutive free ports found in ${low}-${high}`);
}

/** One port free for both TCP and UDP on 127.0.0.1, never the same twice in this process. */
export function freePort(): Promise<number> {
  return freeConsecutivePorts(1);
}

/** `n` distinct free ports (not necessarily consecutive). */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  return ports;
}

/** True when something accepts a TCP connection on host:port now. */
export function tcpAccepts(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/**
 * Resolves once `proc` accepts TCP connections on 127.0.0.1:port; rejects, quoting the tail of its log, when
 * it exits first or the time is up. How every peer's start is awaited: a port that accepts is what "ready" means.
 */
export async function waitUntilListening(port: number, proc: ManagedProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await tcpAccepts(port))) {
    if (!proc.running) throw new Error(`${proc.name} exited before listening on ${port} (log ${proc.logFile ?? '-'}):\n${tail(proc.output(), 40)}`);
    if (Date.now() > deadline) throw new Error(`${proc.name}: port ${port} not accepting connections after ${timeoutMs} ms:\n${tail(proc.output(), 40)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
