// The fetch that trusts a private CA (src/directory/https-fetch.ts), against local https servers with
// certificates from a throw-away test CA: what tsdav needs (methods, headers, body, Response), redirects
// (followed, capped, manual, 303 to GET, credentials dropped across origins, https → http refused),
// certificate errors in words, verify: false, abort, timeout and the response size cap.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { createHttpsFetch, HttpsFetchError, MAX_REDIRECTS } from '../../src/directory/https-fetch.js';
import { makeTestPki, type TestPki } from '../harness/certs.js';
import { freePort } from '../harness/ports.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

function withBody(handler: Handler) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, Buffer.concat(chunks).toString('utf8'), res));
  };
}

const echo: Handler = (req, body, res) => {
  res.writeHead(207, 'Multi-Status', { 'content-type': 'application/json', 'x-served-by': 'main' });
  res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }));
};

describe('createHttpsFetch', () => {
  let dir: string;
  let pki: TestPki;
  let ca: Buffer;
  const servers: Server[] = [];
  let main = '';
  let other = '';
  let plain = '';
  let wrongHost = '';
  let plainHits = 0;
  const openResponses = new Set<ServerResponse>();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sipdesk-https-fetch-'));
    pki = await makeTestPki(dir);
    ca = readFileSync(pki.caCert);
    const tls = { cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) };

    const plainServer = createHttpServer(withBody((req, body, res) => {
      plainHits++;
      echo(req, body, res);
    }));
    const plainPort = await listen(plainServer);
    plain = `http://127.0.0.1:${plainPort}`;

    const otherServer = createHttpsServer(tls, withBody(echo));
    other = `https://127.0.0.1:${await listen(otherServer)}`;

    const mainServer = createHttpsServer(tls, withBody((req, body, res) => {
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      const hops = /^\/hops\/(\d+)$/.exec(path);
      if (hops) {
        const n = Number(hops[1]);
        if (n === 0) return echo(req, body, res);
        res.writeHead(n % 2 === 0 ? 307 : 308, { location: `/hops/${n - 1}` });
        return res.end();
      }
      switch (path) {
        case '/see-other':
          res.writeHead(303, { location: '/hops/0' });
          return res.end();
        case '/to-other':
          res.writeHead(307, { location: `${other}/landed` });
          return res.end();
        case '/to-plain':
          res.writeHead(302, { location: `${plain}/insecure` });
          return res.end();
        case '/bad-location':
          res.writeHead(302, { location: 'http://[::1' });
          return res.end();
        case '/hang':
          openResponses.add(res);
          return; // never answers
        case '/big':
          res.writeHead(200, { 'content-type': 'text/plain' });
          return res.end('x'.repeat(3000));
        case '/big-chunked': {
          res.writeHead(200, { 'content-type': 'text/plain' }); // no content-length: the cap must count bytes
          for (let i = 0; i < 30; i++) res.write('y'.repeat(100));
          return res.end();
        }
        case '/gzip':
          res.writeHead(200, { 'content-type': 'text/vcard', 'content-encoding': 'gzip' });
          return res.end(gzipSync('BEGIN:VCARD\r\nFN:Zipped\r\nEND:VCARD\r\n'));
        case '/gzip-bomb':
          res.writeHead(200, { 'content-encoding': 'gzip' });
          return res.end(gzipSync(Buffer.alloc(100_000))); // ~100 bytes on the wire
        case '/no-content':
          res.writeHead(204);
          return res.end();
        default:
          return echo(req, body, res);
      }
    }));
    main = `https://127.0.0.1:${await listen(mainServer)}`;

    const wrongHostServer = createHttpsServer({ cert: readFileSync(pki.wrongHostCert), key: readFileSync(pki.wrongHostKey) }, withBody(echo));
    wrongHost = `https://127.0.0.1:${await listen(wrongHostServer)}`;
    servers.push(plainServer, otherServer, mainServer, wrongHostServer);
  });

  after(async () => {
    for (const res of openResponses) res.destroy();
    for (const s of servers) {
      s.closeAllConnections?.();
      await new Promise((r) => s.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  });

  const trusting = () => createHttpsFetch({ ca, verify: true });

  test('a PROPFIND with headers and body over https with the company CA: a real Response', async () => {
    const res = await trusting()(`${main}/dav/`, {
      method: 'PROPFIND',
      headers: { Authorization: 'Basic YWxpY2U6c2VjcmV0', Depth: '1', 'Content-Type': 'text/xml;charset=UTF-8' },
      body: '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"/>',
    });
    assert.ok(res instanceof Response);
    assert.equal(res.status, 207);
    assert.equal(res.statusText, 'Multi-Status');
    assert.equal(res.ok, true);
    assert.equal(res.url, `${main}/dav/`);
    assert.equal(res.redirected, false);
    assert.equal(res.headers.get('x-served-by'), 'main');
    const seen = (await res.json()) as { method: string; headers: Record<string, string>; body: string };
    assert.equal(seen.method, 'PROPFIND');
    assert.equal(seen.headers.authorization, 'Basic YWxpY2U6c2VjcmV0');
    assert.equal(seen.headers.depth, '1');
    assert.equal(seen.headers['content-type'], 'text/xml;charset=UTF-8');
    assert.equal(seen.headers['content-length'], String(Buffer.byteLength(seen.body)));
    assert.equal(seen.body, '<?xml version="1.0"?><d:propfind xmlns:d="DAV:"/>');
  });

  test('a gzip body is decoded; a 204 has an empty body', async () => {
    assert.equal(await (await trusting()(`${main}/gzip`)).text(), 'BEGIN:VCARD\r\nFN:Zipped\r\nEND:VCARD\r\n');
    const none = await trusting()(`${main}/no-content`, { method: 'DELETE' });
    assert.equal(none.status, 204);
    assert.equal(await none.text(), '');
  });

  test(`redirects: ${MAX_REDIRECTS} followed with method and body kept (307/308), one more is an error`, async () => {
    const res = await trusting()(`${main}/hops/${MAX_REDIRECTS}`, { method: 'REPORT', body: 'report-body', headers: { 'content-type': 'text/xml' } });
    assert.equal(res.status, 207);
    assert.equal(res.url, `${main}/hops/0`);
    assert.equal(res.redirected, true);
    const seen = (await res.json()) as { method: string; body: string };
    assert.deepEqual([seen.method, seen.body], ['REPORT', 'report-body']);
    await assert.rejects(trusting()(`${main}/hops/${MAX_REDIRECTS + 1}`), (err: unknown) => err instanceof HttpsFetchError && err.reason === 'redirect' && /more than 5 redirects/.test(err.message));
  });

  test('303 turns a PROPFIND into a GET without body; manual and error modes', async () => {
    const seen = (await (await trusting()(`${main}/see-other`, { method: 'PROPFIND', body: '<x/>' })).json()) as { method: string; body: string; headers: Record<string, string> };
    assert.deepEqual([seen.method, seen.body, seen.headers['content-type']], ['GET', '', undefined]);
    const manual = await trusting()(`${main}/hops/1`, { redirect: 'manual' });
    assert.equal(manual.status, 308);
    assert.equal(manual.headers.get('location'), '/hops/0');
    await assert.rejects(trusting()(`${main}/hops/1`, { redirect: 'error' }), (err: unknown) => err instanceof HttpsFetchError && err.reason === 'redirect');
  });

  test('a redirect to another origin drops the credentials; https → http is refused and never sent', async () => {
    const res = await trusting()(`${main}/to-other`, { headers: { authorization: 'Basic c2VjcmV0', depth: '0' } });
    const seen = (await res.json()) as { url: string; headers: Record<string, string> };
    assert.equal(seen.url, '/landed');
    assert.equal(seen.headers.authorization, undefined);
    assert.equal(seen.headers.depth, '0');
    const before = plainHits;
    await assert.rejects(
      trusting()(`${main}/to-plain`, { headers: { authorization: 'Basic c2VjcmV0' } }),
      (err: unknown) => err instanceof HttpsFetchError && err.reason === 'redirect' && /from https to insecure/.test(err.message),
    );
    assert.equal(plainHits, before, 'the http server was never asked');
    await assert.rejects(trusting()(`${main}/bad-location`), (err: unknown) => err instanceof HttpsFetchError && err.reason === 'redirect' && /invalid URL/.test(err.message));
  });

  test('plain http works too', async () => {
    const res = await createHttpsFetch({ verify: true })(`${plain}/x`, { method: 'PUT', body: 'card' });
    assert.equal(((await res.json()) as { body: string }).body, 'card');
  });

  test('certificate problems are errors in words; verify: false accepts them', async () => {
    // Node's bundled CAs do not know the test CA.
    await assert.rejects(createHttpsFetch({ verify: true })(`${main}/`), (err: unknown) => {
      assert.ok(err instanceof HttpsFetchError);
      assert.equal(err.reason, 'certificate');
      assert.match(err.message, /^certificate not trusted: (UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY) \(/);
      return true;
    });
    // The right CA, but the certificate is for another name.
    await assert.rejects(trusting()(`${wrongHost}/`), (err: unknown) => err instanceof HttpsFetchError && err.code === 'ERR_TLS_CERT_ALTNAME_INVALID' && /certificate not trusted: ERR_TLS_CERT_ALTNAME_INVALID \(issued for another host name\)/.test(err.message));
    // A CA that did not sign it (the server certificate itself is no CA).
    await assert.rejects(createHttpsFetch({ ca: readFileSync(pki.selfSignedCert), verify: true })(`${main}/`), (err: unknown) => err instanceof HttpsFetchError && err.reason === 'certificate');
    assert.equal((await createHttpsFetch({ verify: false })(`${wrongHost}/`)).status, 207);
  });

  test('https to a plain http port is a TLS error; a closed port a network error', async () => {
    await assert.rejects(trusting()(plain.replace('http:', 'https:')), (err: unknown) => err instanceof HttpsFetchError && err.reason === 'tls');
    const closed = await freePort();
    await assert.rejects(trusting()(`https://127.0.0.1:${closed}/`), (err: unknown) => err instanceof HttpsFetchError && err.reason === 'network' && err.code === 'ECONNREFUSED');
  });

  test('abort rejects with the signal reason; an aborted signal sends nothing; the timeout is an error', async () => {
    const controller = new AbortController();
    const pending = trusting()(`${main}/hang`, { signal: controller.signal });
    setTimeout(() => controller.abort(new Error('user left the screen')), 50);
    await assert.rejects(pending, /user left the screen/);
    await assert.rejects(trusting()(`${main}/`, { signal: AbortSignal.abort() }), (err: unknown) => (err as Error).name === 'AbortError');
    const started = Date.now();
    await assert.rejects(createHttpsFetch({ ca, verify: true, timeoutMs: 200 })(`${main}/hang`), (err: unknown) => err instanceof HttpsFetchError && err.reason === 'timeout');
    assert.ok(Date.now() - started < 5000);
  });

  test('responses over the size cap fail, with or without content-length and when compressed', async () => {
    const capped = createHttpsFetch({ ca, verify: true, maxResponseBytes: 2048 });
    const tooLarge = (err: unknown) => err instanceof HttpsFetchError && err.reason === 'too-large' && /larger than 2048 bytes/.test(err.message);
    await assert.rejects(capped(`${main}/big`), tooLarge);
    await assert.rejects(capped(`${main}/big-chunked`), tooLarge);
    await assert.rejects(capped(`${main}/gzip-bomb`), tooLarge);
    assert.equal((await (await createHttpsFetch({ ca, verify: true, maxResponseBytes: 4096 })(`${main}/big-chunked`)).text()).length, 3000);
  });

  test('bad input is refused before anything is sent', async () => {
    const f = trusting();
    await assert.rejects(f('ftp://127.0.0.1/x'), TypeError);
    await assert.rejects(f(`${main}/`, { method: 'BAD METHOD' }), TypeError);
    await assert.rejects(f(`${main}/`, { method: 'GET', body: 'x' }), TypeError);
    await assert.rejects(f(`${main}/`, { method: 'PUT', body: new Blob(['x']) }), TypeError);
  });
});
