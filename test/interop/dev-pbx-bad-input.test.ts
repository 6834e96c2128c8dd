// Hostile and broken input against the dev PBX over real sockets: garbage and unframeable streams on TCP get
// the connection closed (with a 400/513 first when the request was readable), broken requests on UDP get a 400
// naming what is wrong, routing errors get their RFC 3261 codes — and after each, the PBX still serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { rawConnect, sipRequest, openSipStream } from '../harness/rawsip.js';
import { startDevPbx, type DevPbx } from '../../sim/pbx/dev-pbx.js';

async function withPbx(fn: (pbx: DevPbx) => Promise<void>): Promise<void> {
  const pbx = await startDevPbx({ users: [{ user: 'alice', password: 'secret' }, { user: 'bob', password: 'secret' }] });
  try {
    await fn(pbx);
  } finally {
    await pbx.stop();
  }
}

/** The PBX still answers a well-formed OPTIONS over a fresh TCP connection. */
async function stillServes(pbx: DevPbx): Promise<void> {
  const c = await rawConnect(pbx.port);
  try {
    c.send(sipRequest({ method: 'OPTIONS', uri: `sip:${pbx.host}:${pbx.port}` }));
    await c.waitFor(/^SIP\/2\.0 200 OK\r\n[\s\S]*\r\nAllow: [^\r]*SUBSCRIBE/m);
  } finally {
    c.destroy();
  }
}

interface Udp {
  socket: Socket;
  send(data: string | Buffer): void;
  next(timeoutMs?: number): Promise<string | undefined>;
}

async function udpClient(pbx: DevPbx): Promise<Udp> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const inbox: string[] = [];
  const waiters: ((m: string) => void)[] = [];
  socket.on('message', (m) => {
    const w = waiters.shift();
    if (w) w(m.toString('latin1'));
    else inbox.push(m.toString('latin1'));
  });
  return {
    socket,
    send: (data) => socket.send(typeof data === 'string' ? Buffer.from(data, 'latin1') : data, pbx.port, pbx.host),
    next: (timeoutMs = 2000) => {
      const queued = inbox.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(done), 1);
          resolve(undefined);
        }, timeoutMs);
        const done = (m: string): void => {
          clearTimeout(timer);
          resolve(m);
        };
        waiters.push(done);
      });
    },
  };
}

const udpRequest = (o: Parameters<typeof sipRequest>[0]): string => sipRequest(o).replace('SIP/2.0/TCP', 'SIP/2.0/UDP');

test('TCP: random bytes, a request without Content-Length, a huge Content-Length: 400/513 or a closed connection; the PBX keeps serving', async () => {
  await withPbx(async (pbx) => {
    const garbage = await rawConnect(pbx.port);
    garbage.send(Buffer.concat([randomBytes(2000), Buffer.from('\r\n\r\n')]));
    await garbage.closed;
    await stillServes(pbx);

    const noLength = await rawConnect(pbx.port);
    noLength.send(sipRequest({ method: 'OPTIONS', uri: `sip:bob@${pbx.host}`, omit: ['Content-Length'] }));
    await noLength.waitFor(/^SIP\/2\.0 400 Missing Content-Length\r\n/m);
    await noLength.closed;

    const huge = await rawConnect(pbx.port);
    huge.send(sipRequest({ method: 'MESSAGE', uri: `sip:bob@${pbx.host}`, contentLength: 50_000_000 }));
    await huge.waitFor(/^SIP\/2\.0 513 Message Too Large\r\n/m);
    await huge.closed;

    const endless = await rawConnect(pbx.port);
    endless.send(`OPTIONS sip:${pbx.host} SIP/2.0\r\n` + 'X-Filler: y\r\n'.repeat(3000));
    await endless.closed; // headers without end: dropped at the size limit, not buffered forever

    await stillServes(pbx);
  });
});

test('TCP: CRLFCRLF keep-alive is answered with CRLF, and a request after it on the same connection is served', async () => {
  await withPbx(async (pbx) => {
    const s = await openSipStream({ port: pbx.port });
    try {
      await s.ping();
      await s.ping();
      s.send(sipRequest({ method: 'OPTIONS', uri: `sip:${pbx.host}:${pbx.port}` }));
      const res = await s.nextMessage();
      assert.equal(res.status, 200);
    } finally {
      s.close();
    }
  });
});

test('UDP: garbage is dropped, broken requests get 400 with the reason, routing errors get 404/480/483/489/412', async () => {
  await withPbx(async (pbx) => {
    const u = await udpClient(pbx);
    try {
      u.send(randomBytes(600));
      u.send('\r\n\r\n');
      assert.equal(await u.next(300), undefined, 'no answer to garbage');

      const cases: [string, RegExp][] = [
        [udpRequest({ method: 'OPTIONS', uri: `sip:bob@${pbx.host}`, omit: ['Call-ID'] }), /^SIP\/2\.0 400 Missing Call-ID\r\n/],
        [udpRequest({ method: 'OPTIONS', uri: `sip:bob@${pbx.host}`, omit: ['CSeq'] }), /^SIP\/2\.0 400 Missing CSeq\r\n/],
        [udpRequest({ method: 'OPTIONS', uri: `sip:bob@${pbx.host}`, headers: ['CSeq: 1 INVITE'] }), /^SIP\/2\.0 400 Duplicate CSeq\r\n/],
        [udpRequest({ method: 'OPTIONS', uri: `sip:bob@${pbx.host}`, omit: ['CSeq'], headers: ['CSeq: 1 INVITE'] }), /^SIP\/2\.0 400 CSeq method does not match/],
        [udpRequest({ method: 'OPTIONS', uri: `sip:bob@${pbx.host}`, body: 'abc', contentLength: 10 }), /^SIP\/2\.0 400 Content-Length larger than the body\r\n/],
        [udpRequest({ method: 'OPTIONS', uri: `sip:bob@${pbx.host}`, headers: ['Bad Header Line'] }), /^SIP\/2\.0 400 Malformed header line/],
        [udpRequest({ method: 'INVITE', uri: `sip:nobody@${pbx.host}` }), /^SIP\/2\.0 404 Not Found\r\n/],
        [udpRequest({ method: 'INVITE', uri: `sip:bob@${pbx.host}` }), /^SIP\/2\.0 480 Temporarily Unavailable\r\n/],
        [udpRequest({ method: 'MESSAGE', uri: `sip:bob@${pbx.host}`, headers: [] }).replace('Max-Forwards: 70', 'Max-Forwards: 0'), /^SIP\/2\.0 483 Too Many Hops\r\n/],
        [udpRequest({ method: 'PUBLISH', uri: `sip:bob@${pbx.host}`, headers: ['Event: dialog', 'Content-Type: application/dialog-info+xml'], body: '<x/>' }), /^SIP\/2\.0 489 Bad Event\r\n[\s\S]*Allow-Events: presence/],
        [udpRequest({ method: 'PUBLISH', uri: `sip:bob@${pbx.host}`, headers: ['Event: presence', 'SIP-If-Match: 0123abcd', 'Expires: 60'] }), /^SIP\/2\.0 412 Conditional Request Failed\r\n/],
        [udpRequest({ method: 'SUBSCRIBE', uri: `sip:bob@${pbx.host}`, headers: ['Event: reg', `Contact: <sip:mallory@127.0.0.1:${(u.socket.address()).port}>`] }), /^SIP\/2\.0 489 Bad Event\r\n/],
      ];
      for (const [request, expected] of cases) {
        u.send(request);
        const answer = await u.next();
        assert.ok(answer !== undefined, `no answer to:\n${request}`);
        assert.match(answer, expected, `to:\n${request}`);
        // The answer belongs to the request: same Call-ID (when it had one).
        const callId = /\r\nCall-ID: ([^\r]+)/.exec(request)?.[1];
        if (callId !== undefined) assert.ok(answer.includes(`Call-ID: ${callId}`), answer);
      }
      // A retransmitted request (same branch) gets the same answer again, not a second transaction.
      const options = udpRequest({ method: 'OPTIONS', uri: `sip:${pbx.host}:${pbx.port}` });
      u.send(options);
      const once = await u.next();
      u.send(options);
      const twice = await u.next();
      assert.match(once ?? '', /^SIP\/2\.0 200 OK\r\n/);
      assert.equal(twice, once, 'the retransmission is answered with the stored response (same To tag)');

      // A request without Via cannot be answered at all: dropped.
      u.send(udpRequest({ method: 'OPTIONS', uri: `sip:bob@${pbx.host}` }).replace(/Via: [^\r]*\r\n/, ''));
      assert.equal(await u.next(300), undefined);
      await stillServes(pbx);
    } finally {
      u.socket.close();
    }
  });
});
