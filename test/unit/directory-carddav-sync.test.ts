// The CardDAV sync's error handling and schedule, with a fake fetch (the real server is in
// test/interop/directory-carddav.test.ts): network errors and timeouts become DirectoryErrors, never
// rejections; concurrent syncs are joined; start() syncs now and then every syncIntervalMin.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cardDavSchema, type CardDavConfig } from '../../src/config/directory-schema.js';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { FakeClock } from '../../src/phone/clock.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { createCardDavSync } from '../../src/directory/carddav-sync.js';
import { openDirectoryCache } from '../../src/store/directory-cache.js';
import { setLogLevel } from '../../src/util/log.js';

setLogLevel('error');

const root = mkdtempSync(join(tmpdir(), 'sipdesk-carddav-sync-'));
after(() => rmSync(root, { recursive: true, force: true }));
const plan = compileDialPlan(dialPlanSchema.parse({}));
const cache = openDirectoryCache(join(root, 'directory.db'));
after(() => cache.close());
const cfg = (over: Partial<CardDavConfig> = {}): CardDavConfig => ({
  ...cardDavSchema.parse({ url: 'https://dav.example.com/', username: 'alice', password: 'secret' }),
  ...over,
});

/** A fetch that fails like Node's does when nobody listens: TypeError("fetch failed") with the socket error as cause. */
const refusingFetch = (calls: string[]): typeof fetch => (input) => {
  calls.push(String(input instanceof Request ? input.url : input));
  const cause = Object.assign(new Error('connect ECONNREFUSED 192.0.2.1:443'), { code: 'ECONNREFUSED' });
  return Promise.reject(new TypeError('fetch failed', { cause }));
};

test('a refused connection is an "unreachable" result, not a rejection', async () => {
  const calls: string[] = [];
  const result = await createCardDavSync(cfg(), { cache, dialPlan: plan, fetch: refusingFetch(calls) }).sync();
  assert.equal(result.ok, false);
  assert.equal(result.error?.kind, 'unreachable');
  assert.match(result.error.message, /CardDAV server https:\/\/dav\.example\.com\/ refused the connection/);
  assert.ok(calls.length > 0, 'it did try');
});

test('a server that never answers is a "timeout" after timeoutMs', async () => {
  // Like Node's fetch: pending until aborted, and rejecting at once when the signal is already aborted.
  const hanging: typeof fetch = (_input, init) =>
    new Promise((_resolve, reject) => {
      const signal = init?.signal;
      if (signal?.aborted === true) reject(signal.reason as Error);
      else signal?.addEventListener('abort', () => reject(signal.reason as Error));
    });
  const t0 = Date.now();
  const result = await createCardDavSync(cfg({ timeoutMs: 100 }), { cache, dialPlan: plan, fetch: hanging }).sync();
  assert.equal(result.error?.kind, 'timeout', result.error?.message);
  assert.ok(Date.now() - t0 < 2000);
});

test('a 401 from the server is an "auth" error naming the user', async () => {
  const unauthorized: typeof fetch = () => Promise.resolve(new Response('no', { status: 401, statusText: 'Unauthorized' }));
  const result = await createCardDavSync(cfg(), { cache, dialPlan: plan, fetch: unauthorized }).sync();
  assert.equal(result.error?.kind, 'auth', result.error?.message);
  assert.match(result.error.message, /refused user alice/);
});

test('concurrent syncs are joined; start() syncs at once and then every syncIntervalMin', async () => {
  const calls: string[] = [];
  const sync = createCardDavSync(cfg({ syncIntervalMin: 30 }), { cache, dialPlan: plan, fetch: refusingFetch(calls) });
  const [a, b] = [sync.sync(), sync.sync()];
  assert.equal(a, b, 'the same sync');
  await a;
  const perSync = calls.length;

  const clock = new FakeClock();
  calls.length = 0;
  sync.start(clock);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, perSync, 'one sync at start');
  assert.equal(clock.pending, 1, 'the next one is scheduled');
  clock.advance(29 * 60_000);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, perSync, 'not before the interval');
  clock.advance(60_000);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(calls.length, 2 * perSync, 'again after 30 minutes');
  sync.stop();
  assert.equal(clock.pending, 0);
  assert.equal(sync.lastResult?.ok, false);
});
