import { test } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { PortAllocator, PortsExhaustedError, type PortBinding } from '../../src/media/rtp/port-allocator.js';

/** A random even base in 20000–59998 so parallel runs rarely meet. */
function base(): number {
  return 20000 + 2 * Math.floor(Math.random() * 20000);
}

const v4 = { type: 'udp4', address: '127.0.0.1' } as const;

function occupy(port: number): Promise<dgram.Socket> {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.once('error', reject);
    s.bind({ port, address: '127.0.0.1', exclusive: true }, () => resolve(s));
  });
}

test('capacity: pairs of even RTP + odd RTCP within the range; the default is 16384–16482', () => {
  const d = new PortAllocator();
  assert.equal(d.min, 16384);
  assert.equal(d.max, 16482);
  assert.equal(d.capacity, 49); // 16384/5 … 16480/1
  const odd = new PortAllocator({ min: 30001, max: 30006 });
  assert.equal(odd.min, 30002);
  assert.equal(odd.capacity, 2);
  assert.throws(() => new PortAllocator({ min: 30001, max: 30002 }), RangeError);
  assert.throws(() => new PortAllocator({ min: 500, max: 400 }), RangeError);
  assert.throws(() => new PortAllocator({ min: 0, max: 10 }), RangeError);
  assert.throws(() => new PortAllocator({ min: 65534, max: 65536 }), RangeError);
});

test('bind: even RTP port, RTCP on the next, both really bound; close frees the pair', async () => {
  const b = base();
  const a = new PortAllocator({ min: b, max: b + 9 });
  const binding = await a.bind(v4);
  assert.equal(binding.rtpPort % 2, 0);
  assert.equal(binding.rtcpPort, binding.rtpPort + 1);
  assert.equal(binding.rtp.address().port, binding.rtpPort);
  assert.equal(binding.rtcp?.address().port, binding.rtcpPort);
  assert.equal(a.inUse, 1);
  assert.ok(a.isReserved(binding.rtpPort));
  await binding.close();
  await binding.close(); // idempotent
  assert.equal(a.inUse, 0);
  const again = await occupy(binding.rtpPort); // the OS has it back
  again.close();
});

test('exhaustion and reuse: every pair handed out → PortsExhaustedError; a released pair is handed out again', async () => {
  const b = base();
  const a = new PortAllocator({ min: b, max: b + 5 }); // 3 pairs
  const held: PortBinding[] = [];
  for (let i = 0; i < 3; i++) held.push(await a.bind(v4));
  assert.deepEqual(held.map((h) => h.rtpPort).sort(), [b, b + 2, b + 4]);
  await assert.rejects(a.bind(v4), (e: unknown) => e instanceof PortsExhaustedError && e.code === 'RTP_PORTS_EXHAUSTED');
  await held[1]!.close();
  const reused = await a.bind(v4);
  assert.equal(reused.rtpPort, b + 2);
  await Promise.all([...held, reused].map((h) => h.close()));
  assert.equal(a.inUse, 0);
});

test('a released pair is reused as late as possible (the search goes on after the last pair handed out)', async () => {
  const b = base();
  const a = new PortAllocator({ min: b, max: b + 7 }); // 4 pairs
  const first = await a.bind(v4);
  await first.close();
  const second = await a.bind(v4);
  assert.equal(second.rtpPort, first.rtpPort + 2);
  await second.close();
});

test('pairs busy in the OS (EADDRINUSE on the RTP or the RTCP port) are skipped', async () => {
  const b = base();
  const blockers = [await occupy(b), await occupy(b + 3)]; // pair 1 RTP busy, pair 2 RTCP busy
  try {
    const a = new PortAllocator({ min: b, max: b + 7 });
    const got = await a.bind(v4);
    assert.equal(got.rtpPort, b + 4);
    assert.equal(a.inUse, 1); // the busy pairs were given back
    const next = await a.bind(v4);
    assert.equal(next.rtpPort, b + 6);
    await assert.rejects(a.bind(v4), PortsExhaustedError); // all that is left is busy
    await Promise.all([got.close(), next.close()]);
    assert.equal(a.inUse, 0);
  } finally {
    for (const s of blockers) s.close();
  }
});

test('rtcpMux binds only the RTP port but keeps the pair', async () => {
  const b = base();
  const a = new PortAllocator({ min: b, max: b + 3 });
  const m = await a.bind({ ...v4, rtcpMux: true });
  assert.equal(m.rtcp, undefined);
  const odd = await occupy(m.rtcpPort); // not bound by us
  odd.close();
  const n = await a.bind(v4);
  assert.equal(n.rtpPort, m.rtpPort + 2);
  await Promise.all([m.close(), n.close()]);
});

test('concurrent binds get distinct pairs', async () => {
  const b = base();
  const a = new PortAllocator({ min: b, max: b + 19 });
  const all = await Promise.all(Array.from({ length: 10 }, () => a.bind(v4)));
  assert.equal(new Set(all.map((x) => x.rtpPort)).size, 10);
  await Promise.all(all.map((x) => x.close()));
  assert.equal(a.inUse, 0);
});

test('an error other than EADDRINUSE (address not local) is reported at once, nothing stays reserved', async () => {
  const b = base();
  const a = new PortAllocator({ min: b, max: b + 7 });
  await assert.rejects(a.bind({ type: 'udp4', address: '192.0.2.1' }), (e: unknown) => (e as { code?: string }).code === 'EADDRNOTAVAIL');
  assert.equal(a.inUse, 0);
});

test('IPv6 loopback', async (t) => {
  const b = base();
  const a = new PortAllocator({ min: b, max: b + 3 });
  let binding: PortBinding;
  try {
    binding = await a.bind({ type: 'udp6', address: '::1' });
  } catch (e) {
    t.skip(`no IPv6 loopback: ${(e as Error).message}`);
    return;
  }
  assert.equal(binding.rtp.address().family, 'IPv6');
  await binding.close();
});
