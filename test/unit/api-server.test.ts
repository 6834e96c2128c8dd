import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApiServer, ApiError, matchPath } from '../../src/api/http-server.js';
import { statusRoutes } from '../../src/api/routes.js';

test('API: status shape, 404, 405 with Allow, bad JSON 400, handler failures 500, server survives', async (t) => {
  const registration = { state: 'registered' as const, aor: 'sip:alice@example.com', contact: 'sip:alice@10.0.0.5:5060;transport=tcp', expires: 600 };
  const server = new ApiServer([
    ...statusRoutes({ registration: () => registration, calls: () => [] }),
    { method: 'POST', path: '/api/v1/echo', handler: (r) => ({ status: 200, body: r.body }) },
    { method: 'GET', path: '/api/v1/boom', handler: () => { throw new Error('bug'); } },
    { method: 'GET', path: '/api/v1/teapot', handler: () => { throw new ApiError(418, 'short and stout'); } },
  ]);
  const port = await server.listen(0, '127.0.0.1');
  t.after(() => server.close());
  const url = (p: string) => `http://127.0.0.1:${port}${p}`;

  const status = await fetch(url('/api/v1/status'));
  assert.equal(status.status, 200);
  assert.match(status.headers.get('content-type')!, /^application\/json/);
  assert.deepEqual(await status.json(), { registration, calls: [] });

  const missing = await fetch(url('/api/v1/nope'));
  assert.equal(missing.status, 404);
  assert.match(((await missing.json()) as { error: string }).error, /no such resource/);

  const wrong = await fetch(url('/api/v1/status'), { method: 'DELETE' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'GET');

  const bad = await fetch(url('/api/v1/echo'), { method: 'POST', body: '{"a":' });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: string }).error, /not valid JSON/);

  const big = await fetch(url('/api/v1/echo'), { method: 'POST', body: JSON.stringify({ x: 'y'.repeat(70_000) }) }).catch((e: unknown) => e);
  if (big instanceof Response) assert.equal(big.status, 413);

  const echo = await fetch(url('/api/v1/echo'), { method: 'POST', body: '{"a":1}' });
  assert.deepEqual(await echo.json(), { a: 1 });

  assert.equal((await fetch(url('/api/v1/boom'))).status, 500);
  assert.equal((await fetch(url('/api/v1/teapot'))).status, 418);
  assert.equal((await fetch(url('/api/v1/status'))).status, 200, 'still serving after failures');
});

test('path patterns: :name takes one decoded segment; exact routes win; bad escapes do not match', async (t) => {
  assert.deepEqual(matchPath('/api/v1/calls/:id/hold', '/api/v1/calls/o3/hold'), { id: 'o3' });
  assert.deepEqual(matchPath('/a/:x', '/a/b%20c'), { x: 'b c' });
  assert.equal(matchPath('/a/:x', '/a/'), undefined);
  assert.equal(matchPath('/a/:x', '/a/b/c'), undefined);
  assert.equal(matchPath('/a/:x', '/a/%E0%A4%A'), undefined);
  const api = new ApiServer([
    { method: 'POST', path: '/c/swap', handler: () => ({ status: 200, body: 'exact' }) },
    { method: 'POST', path: '/c/:id', handler: (r) => ({ status: 200, body: r.params }) },
  ]);
  const port = await api.listen(0, '127.0.0.1');
  t.after(() => api.close());
  const post = async (p: string) => (await fetch(`http://127.0.0.1:${port}${p}`, { method: 'POST' })).json();
  assert.equal(await post('/c/swap'), 'exact');
  assert.deepEqual(await post('/c/i7'), { id: 'i7' });
  const get = await fetch(`http://127.0.0.1:${port}/c/i7`);
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
});
