/**
 * RtpSession over real UDP sockets on the loopback interface: two sessions talking, a relay that drops
 * packets, raw peers that send crafted, foreign, malformed and switching streams; a fake clock where
 * timing matters (media timeout, RTCP schedule, LSR/DLSR/RTT).
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import dgram from 'node:dgram';
import { RtpSession, type RtpClock, type RtpPacketEvent, type RtpSessionOptions, type RtpSourceEvent, type RemoteReport, type RtpTimeoutEvent } from '../../src/media/rtp/session.js';
import { PortAllocator } from '../../src/media/rtp/port-allocator.js';
import { classifyPacket, parseRtp, serializeRtp } from '../../src/media/rtp/packet.js';
import { ntpMiddle32, parseRtcp, serializeRtcp, SDES_CNAME, type RtcpPacket } from '../../src/media/rtp/rtcp.js';

const PCMU = [{ payloadType: 0, clockRate: 8000 }];
const LO = '127.0.0.1';
/** Another loopback address: a source on another host as far as the session can tell. */
const OTHER_HOST = '127.0.0.2';

function allocator(): PortAllocator {
  const b = 20000 + 2 * Math.floor(Math.random() * 20000);
  return new PortAllocator({ min: b, max: b + 199 });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await sleep(3);
  }
}

/** A raw UDP endpoint that records what it receives. */
class Peer {
  readonly got: { msg: Buffer; address: string; port: number }[] = [];
  private constructor(
    readonly socket: dgram.Socket,
    readonly address: string,
    readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => this.got.push({ msg, address: rinfo.address, port: rinfo.port }));
  }

  static open(t: TestContext, address = LO, type: 'udp4' | 'udp6' = 'udp4'): Promise<Peer> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket(type);
      s.once('error', reject);
      s.bind(0, address, () => {
        const p = new Peer(s, address, s.address().port);
        t.after(() => s.close());
        resolve(p);
      });
    });
  }

  send(buf: Buffer, port: number, address = LO): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(buf, port, address, (e) => (e ? reject(e) : resolve())));
  }

  rtp(port: number, ssrc: number, sequence: number, o: { pt?: number; ts?: number; payload?: Buffer } = {}): Promise<void> {
    return this.send(serializeRtp({ payloadType: o.pt ?? 0, sequence: sequence & 0xffff, timestamp: o.ts ?? (sequence * 160) >>> 0, ssrc, payload: o.payload ?? Buffer.alloc(160, 0xff) }), port);
  }

  rtcp(): RtcpPacket[][] {
    return this.got.flatMap((g) => {
      if (classifyPacket(g.msg) !== 'rtcp') return [];
      const r = parseRtcp(g.msg);
      return 'error' in r ? [] : [[...r.packets]];
    });
  }
}

class FakeClock implements RtpClock {
  t = 1_700_000_000_000;
  #timers: { at: number; fn: () => void; live: boolean }[] = [];
  now = (): number => this.t;
  setTimer = (fn: () => void, ms: number): (() => void) => {
    const e = { at: this.t + ms, fn, live: true };
    this.#timers.push(e);
    return () => {
      e.live = false;
    };
  };
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      let next: { at: number; fn: () => void; live: boolean } | undefined;
      for (const e of this.#timers) if (e.live && e.at <= end && (next === undefined || e.at < next.at)) next = e;
      if (next === undefined) break;
      next.live = false;
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = end;
    this.#timers = this.#timers.filter((e) => e.live);
  }
}

async function open(t: TestContext, o: Partial<RtpSessionOptions> & { allocator: PortAllocator }): Promise<RtpSession> {
  const s = await RtpSession.open({ localAddress: LO, payloadTypes: PCMU, ...o });
  t.after(() => s.close());
  return s;
}

function collect(s: RtpSession): { packets: RtpPacketEvent[]; sources: RtpSourceEvent[]; reports: RemoteReport[]; timeouts: RtpTimeoutEvent[] } {
  const c = { packets: [] as RtpPacketEvent[], sources: [] as RtpSourceEvent[], reports: [] as RemoteReport[], timeouts: [] as RtpTimeoutEvent[] };
  s.on('packet', (e) => c.packets.push(e));
  s.on('source', (e) => c.sources.push(e));
  s.on('report', (e) => c.reports.push(e));
  s.on('timeout', (e) => c.timeouts.push(e));
  return c;
}

const fastRtcp = { rtcpMinIntervalMs: 40, rtcpBandwidth: 1e6 };
const zeroDrops = { malformed: 0, notRtp: 0, foreignSource: 0, payloadType: 0, probation: 0, sequence: 0, rtcpMalformed: 0, rtcpForeignSource: 0 };

test('two sessions exchange 100 packets each on 127.0.0.1 (RTCP on port + 1): stats agree, reports cross with RTT', async (t) => {
  const alloc = allocator();
  const a = await open(t, { allocator: alloc, ...fastRtcp });
  const b = await open(t, { allocator: alloc, ...fastRtcp });
  assert.equal(a.localRtcpPort, a.localRtpPort + 1);
  a.setRemote({ address: LO, rtpPort: b.localRtpPort });
  b.setRemote({ address: LO, rtpPort: a.localRtpPort });
  const ca = collect(a);
  const cb = collect(b);
  for (let i = 0; i < 100; i++) {
    assert.equal(a.send(0, Buffer.alloc(160, i), i * 160, i === 0), true);
    assert.equal(b.send(0, Buffer.alloc(80, i), i * 160), true);
    await sleep(4);
  }
  await until(() => ca.packets.length === 100 && cb.packets.length === 100, '100 packets each way');

  cb.packets.forEach((p, i) => {
    assert.equal(p.ssrc, a.ssrc);
    assert.equal(p.payloadType, 0);
    assert.equal(p.sequence, (cb.packets[0]!.sequence + i) & 0xffff);
    assert.equal(p.timestamp, (cb.packets[0]!.timestamp + i * 160) >>> 0);
    assert.equal(p.marker, i === 0);
    assert.deepEqual(p.payload, Buffer.alloc(160, i));
  });
  assert.deepEqual(cb.sources, [{ ssrc: a.ssrc, address: LO, port: a.localRtpPort, previousSsrc: undefined, latched: false }]);

  const sa = a.stats();
  const sb = b.stats();
  assert.equal(sa.packetsSent, 100);
  assert.equal(sa.octetsSent, 16000);
  assert.equal(sb.receive?.ssrc, a.ssrc);
  assert.equal(sb.receive?.received, 100);
  assert.equal(sb.receive?.expected, 100);
  assert.equal(sb.receive?.lost, 0);
  assert.equal(sa.receive?.received, 100);
  assert.deepEqual(sb.counters.dropped, zeroDrops);
  assert.deepEqual(sa.counters.dropped, zeroDrops);

  await until(() => a.remoteReport?.rtt !== undefined && b.remoteReport?.rtt !== undefined, 'RTT both ways');
  const ra = a.remoteReport!;
  assert.equal(ra.reporterSsrc, b.ssrc);
  assert.equal(ra.cumulativeLost, 0);
  assert.ok(ra.rtt! >= 0 && ra.rtt! < 1, `rtt ${ra.rtt}`);
  assert.ok(ra.jitterMs !== undefined && ra.jitterMs >= 0);
  assert.ok(a.counters.rtcpReceived > 0 && b.counters.rtcpSent > 0);
  await until(() => a.remoteReport!.extendedHighestSeq % 0x10000 === cb.packets[99]!.sequence, 'final report');
});

test('loss through a relay (rtcp-mux): the receiver counts it and the sender learns it from RTCP', async (t) => {
  const alloc = allocator();
  const a = await open(t, { allocator: alloc, rtcpMux: true, ...fastRtcp });
  const b = await open(t, { allocator: alloc, rtcpMux: true, ...fastRtcp });
  assert.equal(a.localRtcpPort, a.localRtpPort);
  const ra = await Peer.open(t); // faces a
  const rb = await Peer.open(t); // faces b
  const dropIndex = new Set([10, 20, 21, 22, 23, 24, 50]);
  let first: number | undefined;
  let rtcpRelayed = 0;
  ra.socket.on('message', (m) => {
    const kind = classifyPacket(m);
    if (kind === 'rtp') {
      const p = parseRtp(m);
      if ('error' in p) return;
      first ??= p.sequence;
      if (dropIndex.has((p.sequence - first) & 0xffff)) return;
    } else rtcpRelayed++;
    void rb.send(m, b.localRtpPort);
  });
  rb.socket.on('message', (m) => {
    if (classifyPacket(m) === 'rtcp') rtcpRelayed++;
    void ra.send(m, a.localRtpPort);
  });
  a.setRemote({ address: LO, rtpPort: ra.port, rtcpMux: true });
  b.setRemote({ address: LO, rtpPort: rb.port, rtcpMux: true });
  const ca = collect(a);
  const cb = collect(b);
  for (let i = 0; i < 100; i++) {
    a.send(0, Buffer.alloc(160, i), i * 160);
    b.send(0, Buffer.alloc(160, i), i * 160);
    await sleep(3);
  }
  await until(() => cb.packets.length === 93 && ca.packets.length === 100, 'packets through the relay');
  const rx = b.stats().receive!;
  assert.deepEqual([rx.expected, rx.received, rx.lost], [100, 93, 7]);
  await until(() => a.remoteReport?.cumulativeLost === 7, 'a report showing 7 lost');
  assert.ok(Math.max(...ca.reports.map((r) => r.fractionLost)) > 0, 'some interval shows loss');
  assert.equal(a.remoteReport?.reporterSsrc, b.ssrc);
  await until(() => b.remoteReport !== undefined && b.remoteReport.extendedHighestSeq % 0x10000 === ca.packets[99]!.sequence, 'b final report');
  assert.equal(b.remoteReport?.cumulativeLost, 0);
  assert.ok(rtcpRelayed > 0, 'RTCP shared the RTP port');
});

test('malformed, non-RTP, wrong payload type, and foreign packets are counted and ignored; the stream goes on', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc });
  const p = await Peer.open(t);
  const f = await Peer.open(t, OTHER_HOST);
  s.setRemote({ address: LO, rtpPort: p.port, rtcpPort: p.port });
  const c = collect(s);
  for (let q = 0; q < 3; q++) await p.rtp(s.localRtpPort, 0xaaaa, q);
  await until(() => c.packets.length === 3, 'lock');

  for (let q = 0; q < 5; q++) await f.rtp(s.localRtpPort, 0xbbbb, q); // foreign host, valid RTP
  await f.send(serializeRtcp([{ type: 'rr', ssrc: 0xbbbb, reports: [] }]), s.localRtcpPort);
  await p.send(Buffer.from('hello'), s.localRtpPort); // not RTP/RTCP
  await p.send(Buffer.from([0, 1, 0, 0]), s.localRtpPort); // STUN-like
  await p.send(Buffer.from([0x80, 0x00, 0x00]), s.localRtpPort); // too short
  await p.send(Buffer.from('a00000030000000000aaaa00', 'hex'), s.localRtpPort); // padding count 0
  await p.rtp(s.localRtpPort, 0xaaaa, 3, { pt: 8 }); // PCMA not negotiated
  await p.send(Buffer.from('80c9000500000001', 'hex'), s.localRtpPort); // RTCP, length past the end
  await p.send(Buffer.from('80c9000500000001', 'hex'), s.localRtcpPort);
  await p.send(serializeRtcp([{ type: 'rr', ssrc: 0xaaaa, reports: [] }]), s.localRtpPort); // fine RTCP on the RTP port
  await p.rtp(s.localRtpPort, 0xaaaa, 4);
  await until(() => c.packets.length === 4 && s.counters.rtcpReceived === 1, 'stream goes on');
  await sleep(20);
  assert.deepEqual(s.counters.dropped, { ...zeroDrops, foreignSource: 5, rtcpForeignSource: 1, notRtp: 2, malformed: 2, payloadType: 1, rtcpMalformed: 2 });
  assert.deepEqual(c.packets.map((x) => x.sequence), [0, 1, 2, 4]);
  assert.equal(s.stats().receive?.lost, 1); // sequence 3 had the wrong payload type
});

test('strict mode (latch: false): only the negotiated address; nothing at all before setRemote', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc, latch: false });
  const p = await Peer.open(t);
  const l = await Peer.open(t);
  const c = collect(s);
  for (let q = 0; q < 3; q++) await p.rtp(s.localRtpPort, 1, q);
  await until(() => s.counters.dropped.foreignSource === 3, 'dropped before setRemote');
  s.setRemote({ address: LO, rtpPort: p.port });
  for (let q = 0; q < 3; q++) await l.rtp(s.localRtpPort, 2, q);
  for (let q = 3; q < 6; q++) await p.rtp(s.localRtpPort, 1, q);
  await until(() => c.packets.length === 3, 'negotiated stream');
  assert.equal(s.counters.dropped.foreignSource, 6);
  assert.deepEqual(c.sources.map((x) => x.latched), [false]);
  await l.send(serializeRtcp([{ type: 'rr', ssrc: 2, reports: [] }]), s.localRtcpPort); // RTCP from an unknown port
  await until(() => s.counters.dropped.rtcpForeignSource === 1, 'RTCP from another port refused');
});

test('latching: the first validated source becomes the remote (symmetric RTP), the negotiated address may take over', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc });
  const n = await Peer.open(t); // negotiated, silent at first
  const l = await Peer.open(t, OTHER_HOST); // where the peer's packets really come from (NAT)
  const m = await Peer.open(t, OTHER_HOST);
  s.setRemote({ address: LO, rtpPort: n.port, rtcpPort: n.port + 1 });
  const c = collect(s);
  await l.rtp(s.localRtpPort, 0x1111, 10);
  await l.rtp(s.localRtpPort, 0x1111, 11);
  await until(() => c.packets.length === 2, 'latched stream (probation packet held, then delivered)');
  assert.deepEqual(c.sources, [{ ssrc: 0x1111, address: OTHER_HOST, port: l.port, previousSsrc: undefined, latched: true }]);
  assert.deepEqual(s.rtpTarget, { address: OTHER_HOST, port: l.port });
  assert.deepEqual(s.rtcpTarget, { address: OTHER_HOST, port: l.port + 1 }); // same offset as negotiated
  s.send(0, Buffer.from('x'), 0);
  await until(() => l.got.length === 1, 'our RTP at the latched source');
  assert.equal(l.got[0]!.port, s.localRtpPort); // symmetric: sent from the port we receive on
  assert.equal(n.got.length, 0);

  for (let q = 0; q < 4; q++) await m.rtp(s.localRtpPort, 0x2222, q); // the latch is closed now
  await until(() => s.counters.dropped.foreignSource === 4, 'second foreign source refused');

  for (let q = 0; q < 3; q++) await n.rtp(s.localRtpPort, 0x3333, 500 + q); // the SDP address speaks up
  await until(() => c.sources.length === 2, 'negotiated address takes over');
  assert.deepEqual(c.sources[1], { ssrc: 0x3333, address: LO, port: n.port, previousSsrc: 0x1111, latched: false });
  assert.deepEqual(s.rtpTarget, { address: LO, port: n.port });
  s.send(0, Buffer.from('y'), 160);
  await until(() => n.got.length === 1, 'our RTP at the negotiated address');

  // RTCP of the peer from an unexpected port of its IP: latched as the RTCP destination
  const r = await Peer.open(t);
  await r.send(serializeRtcp([{ type: 'rr', ssrc: 0x3333, reports: [] }]), s.localRtcpPort);
  await until(() => s.rtcpTarget?.port === r.port, 'RTCP latched');
  assert.equal(s.counters.dropped.rtcpForeignSource, 0);
});

test('comedia: latch on and no remote yet: the session learns the remote from the first source', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc });
  const p = await Peer.open(t);
  const c = collect(s);
  assert.equal(s.send(0, Buffer.from('x'), 0), false); // nowhere to send yet
  await p.rtp(s.localRtpPort, 5, 1);
  await p.rtp(s.localRtpPort, 5, 2);
  await until(() => c.packets.length === 2, 'learned');
  assert.deepEqual(s.rtpTarget, { address: LO, port: p.port });
  assert.equal(s.send(0, Buffer.from('x'), 0), true);
  await until(() => p.got.length === 1, 'answer');
});

test('SSRC change: a new source replaces the locked one only after 3 consecutive packets with none of the old between', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc });
  const p = await Peer.open(t);
  s.setRemote({ address: LO, rtpPort: p.port });
  const c = collect(s);
  for (let q = 100; q < 105; q++) await p.rtp(s.localRtpPort, 0xaaaa, q);
  await until(() => c.packets.length === 5, 'first source');
  // interleaved: the locked source keeps going, the newcomer never wins
  for (let i = 0; i < 6; i++) {
    await p.rtp(s.localRtpPort, 0xaaaa, 105 + i);
    await p.rtp(s.localRtpPort, 0xbbbb, 7000 + i);
  }
  await until(() => c.packets.length === 11, 'old source delivered');
  await sleep(20);
  assert.equal(c.sources.length, 1);
  assert.ok(c.packets.every((x) => x.ssrc === 0xaaaa));
  assert.equal(s.counters.dropped.probation, 5); // each newcomer packet abandoned when the old one spoke again (the last is still held)
  // the old source stops, the new one goes on: 7005 (held), 7006, 7007 → switch
  await p.rtp(s.localRtpPort, 0xbbbb, 7006);
  await sleep(20);
  assert.equal(c.sources.length, 1, 'two packets are not enough');
  await p.rtp(s.localRtpPort, 0xbbbb, 7007);
  await until(() => c.sources.length === 2, 'switch');
  assert.deepEqual(c.sources[1], { ssrc: 0xbbbb, address: LO, port: p.port, previousSsrc: 0xaaaa, latched: false });
  assert.deepEqual(c.packets.slice(11).map((x) => [x.ssrc, x.sequence]), [[0xbbbb, 7005], [0xbbbb, 7006], [0xbbbb, 7007]]);
  const rx = s.stats().receive!;
  assert.deepEqual([rx.ssrc, rx.received, rx.expected, rx.lost], [0xbbbb, 3, 3, 0]);
  await p.rtp(s.localRtpPort, 0xaaaa, 111); // the old one is now a candidate itself
  await sleep(20);
  assert.equal(c.packets.length, 14);
});

test('A.1 on the locked source: a jump is dropped unless confirmed; an SSRC collision makes us pick a new SSRC', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc });
  const p = await Peer.open(t);
  s.setRemote({ address: LO, rtpPort: p.port });
  const c = collect(s);
  const mine = s.ssrc;
  s.send(0, Buffer.from('x'), 0);
  for (let q = 1; q <= 5; q++) await p.rtp(s.localRtpPort, mine, q); // the peer uses our SSRC (§8.2)
  await until(() => c.packets.length === 5, 'locked');
  assert.notEqual(s.ssrc, mine);
  assert.equal(s.stats().packetsSent, 0); // sender counts restart with the new SSRC
  await p.rtp(s.localRtpPort, mine, 30000);
  await p.rtp(s.localRtpPort, mine, 6);
  await until(() => c.packets.length === 6, 'stream goes on');
  assert.equal(s.counters.dropped.sequence, 1);
  await p.rtp(s.localRtpPort, mine, 40000);
  await p.rtp(s.localRtpPort, mine, 40001); // confirmed: the sender restarted
  await until(() => c.packets.length === 7, 'resync');
  assert.equal(s.counters.dropped.sequence, 2);
  assert.deepEqual([s.stats().receive?.received, s.stats().receive?.expected], [1, 1]);
});

test('send(): our SSRC, consecutive sequence from a random start, constant timestamp offset, marker, direction rules', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc });
  const p = await Peer.open(t);
  assert.equal(s.send(0, Buffer.from('a'), 0), false, 'no remote');
  s.setRemote({ address: LO, rtpPort: p.port });
  assert.equal(s.send(0, Buffer.from('a'), 0, true), true);
  assert.equal(s.send(0, Buffer.from('b'), 160), true);
  assert.equal(s.send(0, Buffer.from('c'), 2 ** 32 + 320), true); // timestamps wrap modulo 2^32
  await until(() => p.got.length === 3, 'three packets');
  const got = p.got.map((g) => parseRtp(g.msg));
  const [x, y, z] = got.map((r) => {
    if ('error' in r) assert.fail(r.error);
    return r;
  });
  assert.ok(x && y && z);
  assert.equal(x.ssrc, s.ssrc);
  assert.equal(y.sequence, (x.sequence + 1) & 0xffff);
  assert.equal(z.sequence, (x.sequence + 2) & 0xffff);
  assert.equal((y.timestamp - x.timestamp) >>> 0, 160);
  assert.equal((z.timestamp - x.timestamp) >>> 0, 320);
  assert.deepEqual([x.marker, y.marker], [true, false]);
  assert.equal(x.payload.toString(), 'a');
  assert.ok(p.got.every((g) => g.port === s.localRtpPort), 'symmetric RTP');
  s.setDirection('recvonly');
  assert.equal(s.send(0, Buffer.from('d'), 480), false);
  s.setDirection('inactive');
  assert.equal(s.send(0, Buffer.from('d'), 480), false);
  s.setDirection('sendonly');
  assert.equal(s.send(0, Buffer.from('d'), 480), true);
  assert.throws(() => s.send(128, Buffer.alloc(0), 0), RangeError);
  await s.close();
  assert.equal(s.send(0, Buffer.from('e'), 640), false);
});

test('setRemote validates: IP literals only, family, ports; IPv4-mapped IPv6 is IPv4', async (t) => {
  const s = await open(t, { allocator: allocator() });
  assert.throws(() => s.setRemote({ address: 'pbx.example.com', rtpPort: 4000 }), TypeError);
  assert.throws(() => s.setRemote({ address: '2001:db8::1', rtpPort: 4000 }), RangeError);
  assert.throws(() => s.setRemote({ address: LO, rtpPort: 0 }), RangeError);
  assert.throws(() => s.setRemote({ address: LO, rtpPort: 65535 }), RangeError); // RTCP would be 65536
  s.setRemote({ address: '::ffff:127.0.0.1', rtpPort: 4000, rtcpPort: 4005 });
  assert.deepEqual(s.remote, { address: LO, rtpPort: 4000, rtcpPort: 4005, rtcpMux: false });
  s.setRemote({ address: LO, rtpPort: 4000, rtcpMux: true });
  assert.deepEqual(s.rtcpTarget, { address: LO, port: 4000 });
  assert.throws(() => s.setPayloadTypes([{ payloadType: 128, clockRate: 8000 }]), RangeError);
});

test('open() rejects bad options without leaking ports; a remote given to open() is set', async (t) => {
  const alloc = allocator();
  await assert.rejects(RtpSession.open({ allocator: alloc, localAddress: LO, payloadTypes: PCMU, remote: { address: 'pbx', rtpPort: 4000 } }), TypeError);
  await assert.rejects(RtpSession.open({ allocator: alloc, localAddress: LO, payloadTypes: [{ payloadType: 0, clockRate: 0 }] }), RangeError);
  await assert.rejects(RtpSession.open({ allocator: alloc, localAddress: '::1', family: 4, payloadTypes: PCMU }), RangeError);
  await assert.rejects(RtpSession.open({ allocator: alloc, localAddress: LO, payloadTypes: PCMU, cname: '' }), RangeError);
  assert.equal(alloc.inUse, 0);
  const s = await open(t, { allocator: alloc, remote: { address: LO, rtpPort: 4000 } });
  assert.deepEqual(s.rtpTarget, { address: LO, port: 4000 });
  assert.deepEqual(s.rtcpTarget, { address: LO, port: 4001 }); // RFC 3605 default: port + 1
  assert.equal(alloc.inUse, 1);
});

test('payload types can be renegotiated: a type no longer in the set is dropped', async (t) => {
  const s = await open(t, { allocator: allocator(), payloadTypes: [...PCMU, { payloadType: 101, clockRate: 8000, excludeFromJitter: true }] });
  const p = await Peer.open(t);
  s.setRemote({ address: LO, rtpPort: p.port });
  const c = collect(s);
  await p.rtp(s.localRtpPort, 9, 1);
  await p.rtp(s.localRtpPort, 9, 2, { pt: 101 });
  await until(() => c.packets.length === 2, 'both types');
  s.setPayloadTypes([{ payloadType: 8, clockRate: 8000 }]);
  await p.rtp(s.localRtpPort, 9, 3);
  await p.rtp(s.localRtpPort, 9, 4, { pt: 8 });
  await until(() => c.packets.length === 3, 'new type');
  assert.equal(s.counters.dropped.payloadType, 1);
});

test('close(): RR/SR + SDES CNAME + BYE from the RTCP port to the remote RTCP port; ports freed; idempotent', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc, cname: 'alice@desk' });
  const rtp = await Peer.open(t);
  const rtcp = await Peer.open(t);
  s.setRemote({ address: LO, rtpPort: rtp.port, rtcpPort: rtcp.port });
  s.send(0, Buffer.alloc(160), 0);
  await Promise.all([s.close('hang up'), s.close()]);
  assert.equal(alloc.inUse, 0);
  await until(() => rtcp.got.length === 1, 'BYE');
  assert.equal(rtcp.got[0]!.port, s.localRtcpPort);
  const [compound] = rtcp.rtcp();
  assert.ok(compound);
  assert.equal(compound[0]!.type, 'sr');
  assert.deepEqual(compound[1], { type: 'sdes', chunks: [{ ssrc: s.ssrc, items: [{ type: SDES_CNAME, value: 'alice@desk' }] }] });
  assert.deepEqual(compound[2], { type: 'bye', ssrcs: [s.ssrc], reason: 'hang up' });
  assert.equal(s.closed, true);
});

test('close() sends no BYE when we never sent RTP or RTCP (§6.3.7)', async (t) => {
  const alloc = allocator();
  const s = await open(t, { allocator: alloc });
  const rtcp = await Peer.open(t);
  s.setRemote({ address: LO, rtpPort: rtcp.port, rtcpPort: rtcp.port });
  await s.close();
  await sleep(50);
  assert.equal(rtcp.got.length, 0);
  assert.equal(alloc.inUse, 0);
});

test('received SR, RR and BYE: "rtcp"/"bye"/"report" events; LSR/DLSR echoed in our block; RTT from the peer\'s block', async (t) => {
  const clock = new FakeClock();
  const t0 = clock.t;
  const firstReportAt = 2500 / (Math.E - 1.5); // initial interval with random() = 0.5 (§6.3.1)
  const s = await open(t, { allocator: allocator(), clock, random: () => 0.5 });
  const p = await Peer.open(t);
  const pr = await Peer.open(t);
  s.setRemote({ address: LO, rtpPort: p.port, rtcpPort: pr.port });
  const byes: unknown[] = [];
  const compounds: unknown[] = [];
  s.on('bye', (e) => byes.push(e));
  s.on('rtcp', (e) => compounds.push(e));
  const c = collect(s);
  for (let q = 1; q <= 3; q++) await p.rtp(s.localRtpPort, 0x5050, q);
  await until(() => c.packets.length === 3, 'stream');
  s.send(0, Buffer.alloc(160), 0); // so our report is an SR

  // the peer's SR at t0
  const sr: RtcpPacket = { type: 'sr', ssrc: 0x5050, ntpSeconds: 0xe1234567, ntpFraction: 0x89abcdef, rtpTimestamp: 480, packetCount: 3, octetCount: 480, reports: [] };
  await pr.send(serializeRtcp([sr, { type: 'sdes', chunks: [{ ssrc: 0x5050, items: [{ type: SDES_CNAME, value: 'bob' }] }] }]), s.localRtcpPort);
  await until(() => compounds.length === 1, 'SR in');
  clock.advance(1000);
  await p.rtp(s.localRtpPort, 0x5050, 4);
  await until(() => c.packets.length === 4, 'packet');
  clock.advance(1500); // our first report goes out at t0 + 2052 ms
  await until(() => pr.rtcp().length === 1, 'our report');
  const ours = pr.rtcp()[0]!;
  const mine = ours[0]!;
  assert.ok(mine.type === 'sr');
  assert.equal(mine.ssrc, s.ssrc);
  assert.equal(mine.packetCount, 1);
  assert.equal(mine.octetCount, 160);
  assert.equal(mine.reports.length, 1);
  const block = mine.reports[0]!;
  assert.equal(block.ssrc, 0x5050);
  assert.equal(block.lsr, ntpMiddle32(sr.ntpSeconds, sr.ntpFraction)); // LSR: the middle of the SR's NTP timestamp
  assert.ok(Math.abs(block.dlsr - firstReportAt * 65.536) <= 1, `DLSR ${block.dlsr}`); // DLSR: 2.052 s in 1/65536 s
  assert.deepEqual([block.cumulativeLost, block.fractionLost, block.extendedHighestSeq], [0, 0, 4]);

  // The peer answers (arriving at t0 + 2500 ms) with a block about us: LSR = our SR, DLSR = 0.25 s.
  const ourLsr = ntpMiddle32(mine.ntpSeconds, mine.ntpFraction);
  await pr.send(
    serializeRtcp([
      { type: 'rr', ssrc: 0x5050, reports: [{ ssrc: s.ssrc, fractionLost: 64, cumulativeLost: 3, extendedHighestSeq: 77, jitter: 80, lsr: ourLsr, dlsr: 0x4000 }] },
      { type: 'sdes', chunks: [{ ssrc: 0x5050, items: [{ type: SDES_CNAME, value: 'bob' }] }] },
      { type: 'bye', ssrcs: [0x5050], reason: 'done' },
    ]),
    s.localRtcpPort,
  );
  await until(() => byes.length === 1, 'BYE in');
  assert.deepEqual(byes[0], { ssrcs: [0x5050], reason: 'done' });
  assert.equal(compounds.length, 2);
  assert.equal(c.reports.length, 1);
  const r = c.reports[0]!;
  assert.deepEqual({ ...r, rtt: undefined }, { reporterSsrc: 0x5050, fractionLost: 0.25, cumulativeLost: 3, extendedHighestSeq: 77, jitter: 80, jitterMs: 10, rtt: undefined, receivedAt: t0 + 2500 });
  const expected = (2500 - firstReportAt) / 1000 - 0.25; // A − LSR − DLSR
  assert.ok(r.rtt !== undefined && Math.abs(r.rtt - expected) < 0.001, `rtt ${r.rtt}, expected ${expected}`);
  assert.deepEqual(s.remoteReport, r);
});

test('RTCP schedule (§6.3, A.7): first report at half the minimum, reconsideration, then every ~5 s; SR only while sending', async (t) => {
  const clock = new FakeClock();
  const t0 = clock.t;
  const s = await open(t, { allocator: allocator(), clock, random: () => 0.5 });
  const pr = await Peer.open(t);
  s.setRemote({ address: LO, rtpPort: pr.port, rtcpPort: pr.port });
  const at = async (ms: number, expect: number): Promise<void> => {
    clock.advance(t0 + ms - clock.t);
    await until(() => pr.rtcp().length === expect, `${expect} reports at ${ms} ms`);
  };
  // random() = 0.5: T = Td / (e − 3/2); Td = 5 s, 2.5 s for the first (§6.2)
  const first = 2500 / (Math.E - 1.5); // ≈ 2052 ms
  const regular = 5000 / (Math.E - 1.5); // ≈ 4104 ms
  await at(Math.floor(first) - 1, 0);
  await at(Math.ceil(first), 1);
  // A.7 schedules the next at first + 2052 ms (drawn while still "initial"), but on expiry reconsiders with
  // the regular interval: tp + T = first + 4104 ms is later, so it waits until then.
  await at(Math.floor(first + regular) - 1, 1);
  await at(Math.ceil(first + regular), 2);
  s.send(0, Buffer.alloc(160), 0);
  await at(Math.floor(first + 2 * regular) - 1, 2);
  await at(Math.ceil(first + 2 * regular), 3);
  await at(Math.ceil(first + 3 * regular), 4);
  await at(Math.ceil(first + 4 * regular), 5); // no RTP since the report before last: RR again (§6.4)
  const kinds = pr.rtcp().map((cp) => cp[0]!.type);
  assert.deepEqual(kinds, ['rr', 'rr', 'sr', 'sr', 'rr']);
  assert.ok(pr.rtcp().every((cp) => cp[1]?.type === 'sdes'));
  // a minute: one report per ~4.1 s with this fixed draw (mean ≈ 5 s with real randomness and reconsideration)
  clock.advance(60_000);
  await sleep(30);
  const n = pr.rtcp().length - 5;
  assert.ok(n >= 14 && n <= 15, `${n} reports in 60 s`);
});

test('media timeout: once after N s without RTP while receiving is expected; re-armed by media; off in sendonly', async (t) => {
  const clock = new FakeClock();
  const s = await open(t, { allocator: allocator(), clock, mediaTimeoutMs: 1000 });
  const p = await Peer.open(t);
  const c = collect(s);
  clock.advance(5000);
  assert.equal(c.timeouts.length, 0, 'no remote: nothing expected');
  s.setRemote({ address: LO, rtpPort: p.port });
  clock.advance(999);
  assert.equal(c.timeouts.length, 0);
  clock.advance(1);
  assert.deepEqual(c.timeouts, [{ silentForMs: 1000, lastPacketAt: undefined }]);
  clock.advance(10_000);
  assert.equal(c.timeouts.length, 1, 'once');

  await p.rtp(s.localRtpPort, 1, 1);
  await p.rtp(s.localRtpPort, 1, 2);
  await until(() => c.packets.length === 2, 'media');
  const at = clock.t;
  clock.advance(999);
  assert.equal(c.timeouts.length, 1);
  clock.advance(1);
  assert.deepEqual(c.timeouts[1], { silentForMs: 1000, lastPacketAt: at });

  s.setDirection('sendonly');
  await p.rtp(s.localRtpPort, 1, 3);
  await until(() => c.packets.length === 3, 'media');
  clock.advance(10_000);
  assert.equal(c.timeouts.length, 2, 'not while we only send');
  s.setDirection('recvonly');
  clock.advance(999);
  assert.equal(c.timeouts.length, 2);
  clock.advance(1);
  assert.equal(c.timeouts.length, 3, 'counted from when receiving became expected');

  const off = await open(t, { allocator: allocator(), clock, mediaTimeoutMs: 0 });
  off.on('timeout', () => assert.fail('timeout with mediaTimeoutMs 0'));
  off.setRemote({ address: LO, rtpPort: p.port });
  clock.advance(100_000);
});

test('a listener that throws is caught and counted; the session keeps receiving', async (t) => {
  const s = await open(t, { allocator: allocator() });
  const p = await Peer.open(t);
  s.setRemote({ address: LO, rtpPort: p.port });
  let n = 0;
  s.on('packet', () => {
    n++;
    throw new Error('listener bug');
  });
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = () => true; // keep the expected error log out of the test output
  try {
    for (let q = 1; q <= 4; q++) await p.rtp(s.localRtpPort, 1, q);
    await until(() => n === 4, 'all packets despite the throwing listener');
  } finally {
    process.stderr.write = write;
  }
  assert.equal(s.counters.handlerErrors, 4); // each emit guarded: the held probation packet's throw does not cost the next
  assert.equal(s.counters.rtpReceived, 4);
});

test('IPv6: two sessions on ::1; a dual-stack session on :: talks to an IPv4 peer', async (t) => {
  let a: RtpSession;
  try {
    a = await open(t, { allocator: allocator(), localAddress: '::1' });
  } catch (e) {
    t.skip(`no IPv6 loopback: ${(e as Error).message}`);
    return;
  }
  assert.equal(a.family, 6);
  const b = await open(t, { allocator: allocator(), localAddress: '::1' });
  a.setRemote({ address: '::1', rtpPort: b.localRtpPort });
  b.setRemote({ address: '0:0:0:0:0:0:0:1', rtpPort: a.localRtpPort }); // non-canonical spelling
  const cb = collect(b);
  for (let i = 0; i < 10; i++) a.send(0, Buffer.alloc(160), i * 160);
  await until(() => cb.packets.length === 10, 'IPv6 packets');
  assert.equal(cb.sources[0]?.latched, false);

  const d = await open(t, { allocator: allocator(), localAddress: '::', family: 6 });
  const p = await Peer.open(t);
  d.setRemote({ address: LO, rtpPort: p.port });
  const cd = collect(d);
  await p.rtp(d.localRtpPort, 3, 1);
  await p.rtp(d.localRtpPort, 3, 2);
  try {
    await until(() => cd.packets.length === 2, 'IPv4 into dual stack', 500);
  } catch {
    t.skip('no dual-stack sockets here (bindv6only)');
    return;
  }
  assert.deepEqual(cd.sources[0], { ssrc: 3, address: LO, port: p.port, previousSsrc: undefined, latched: false });
  d.send(0, Buffer.from('v4'), 0);
  await until(() => p.got.length === 1, 'answer over IPv4');
});
