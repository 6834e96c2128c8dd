// FlowSocket against local TCP servers written for the purpose: keep-alive rules and target failover.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { FlowSocket } from '../../src/sip/flow-socket.js';
import type { SipTarget } from '../../src/sip/resolver.js';

const limits = { maxHeadBytes: 65536, maxBodyBytes: 1 << 20, incompleteTimeoutMs: 1000, serverHeader: 'sipdesk/test' };

async function server(onData: (socket: net.Socket, data: string) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((s) => {
    sockets.add(s);
    s.on('data', (d: Buffer) => onData(s, d.toString('latin1')));
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((r) => srv.close(() => r()));
    },
  };
}

function flow(targets: SipTarget[], intervalMs = 100): FlowSocket {
  return new FlowSocket({
    proxyUri: 'sip:pbx.test;transport=tcp',
    transport: 'tcp',
    resolve: () => Promise.resolve(targets),
    tls: { verify: true },
    keepAliveIntervalMs: intervalMs,
    keepAliveTimeoutMs: intervalMs,
    connectTimeoutMs: 1000,
    limits,
  });
}

const target = (port: number): SipTarget => ({ address: '127.0.0.1', port, transport: 'tcp', host: '127.0.0.1', dnsName: '127.0.0.1', via: 'literal' });

function connected(f: FlowSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    f.onconnect = resolve;
    f.ondisconnect = (_e, _c, reason) => reject(new Error(reason));
    f.connect();
  });
}

test('a server that never answers pings still gets them (NAT keep-alive) and the flow stays', async (t) => {
  let pings = 0;
  const srv = await server((_s, d) => (pings += d.split('\r\n\r\n').length - 1));
  const f = flow([target(srv.port)]);
  t.after(async () => {
    await f.close();
    await srv.close();
  });
  await connected(f);
  let dropped = false;
  f.ondisconnect = () => (dropped = true);
  await new Promise((r) => setTimeout(r, 650));
  assert.ok(pings >= 4, `pings sent: ${pings}`);
  assert.equal(dropped, false);
  assert.equal(f.isConnected(), true);
});

test('a server that answered pings and then falls silent: the flow is declared dead', async (t) => {
  let answered = 0;
  const srv = await server((s, d) => {
    if (d.includes('\r\n\r\n') && answered < 2) {
      answered++;
      s.write('\r\n');
    }
  });
  const f = flow([target(srv.port)]);
  t.after(async () => {
    await f.close();
    await srv.close();
  });
  await connected(f);
  const reason = await new Promise<string | undefined>((resolve) => (f.ondisconnect = (_e, _c, r) => resolve(r)));
  assert.equal(answered, 2);
  assert.match(reason ?? '', /keep-alive timeout: flow is dead/);
});

test('connect skips a refusing target and uses the next; a dying flow moves the next connect on', async (t) => {
  const dead = await server(() => undefined);
  const deadPort = dead.port;
  await dead.close(); // nothing listens there any more
  const a = await server(() => undefined);
  const b = await server(() => undefined);
  const f = flow([target(deadPort), target(a.port), target(b.port)], 60_000);
  t.after(async () => {
    await f.close();
    await a.close();
    await b.close();
  });
  await connected(f);
  assert.equal(f.currentTarget?.port, a.port);
  const down = new Promise<void>((r) => (f.ondisconnect = () => r()));
  await a.close();
  await down;
  await connected(f);
  assert.equal(f.currentTarget?.port, b.port, 'failover to the next target');
});
