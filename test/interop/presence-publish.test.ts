// PUBLISH against Kamailio's presence server, watched by a second JsSIP stack that SUBSCRIBEs to the same
// presentity: the first publication, a modification under SIP-If-Match, a refresh, a server that lost our
// state (412 → the whole document again), and removal.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { startKamailio } from '../harness/kamailio.js';
import { useWorkdir } from '../harness/workdir.js';
import { within } from '../harness/media-phone.js';
import { startSipClient, waitNoPublication, watchPresence } from '../harness/sip-client.js';
import { Publisher, type PublicationState } from '../../src/sip/publisher.js';

const pidf = (note: string, basic: 'open' | 'closed' = 'open'): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" entity="sip:alice@127.0.0.1">` +
  `<tuple id="t1"><status><basic>${basic}</basic></status><note>${note}</note></tuple></presence>`;

function nextState(p: Publisher, want: PublicationState, ms = 8000): Promise<void> {
  return within(ms, `publication ${want}`, new Promise<void>((resolve) => {
    const on = (s: PublicationState): void => {
      if (s !== want) return;
      p.off('state', on);
      resolve();
    };
    p.on('state', on);
  }));
}

test('PUBLISH: publish, modify under SIP-If-Match, refresh, 412 when the server lost it, remove — a watcher sees each', async (t) => {
  const w = useWorkdir(t, 'presence-publish');
  const k = await startKamailio({ workdir: w.path });
  w.defer(() => k.stop());
  const alice = await startSipClient('alice', k, '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e11');
  w.defer(() => alice.stop(1000));
  const bob = await startSipClient('bob', k, '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e12');
  w.defer(() => bob.stop(1000));

  const publisher = new Publisher(alice.ua, { aor: `sip:alice@${k.domain}`, event: 'presence', contentType: 'application/pidf+xml', expires: 20 });
  w.defer(() => publisher.close());
  const states: string[] = [];
  publisher.on('state', (s, d) => states.push(d ? `${s} (${d})` : s));

  publisher.publish(pidf('first'));
  await nextState(publisher, 'published');
  const etag1 = publisher.etag;
  assert.ok(etag1, 'the server gave an entity tag');

  // bob watches alice.
  const watch = watchPresence(bob, `sip:alice@${k.domain}`);
  w.defer(() => watch.close());
  const sees = (note: string, ms = 8000): Promise<string> => watch.waitFor(`note "${note}"`, (b) => b.includes(`<note>${note}</note>`), ms);
  await sees('first');

  // Modify: same publication (SIP-If-Match), new document.
  publisher.publish(pidf('second'));
  await sees('second');
  await nextState(publisher, 'published').catch(() => undefined);
  // RFC 3903 §6: each successful PUBLISH gets a fresh entity tag; the modification used the old one.
  assert.ok(publisher.etag !== undefined && publisher.etag !== etag1, `new entity tag (${etag1} → ${publisher.etag ?? '-'})`);

  // Refresh without a body before the 20 s lifetime ends (at 15 s): the entity tag changes, the watcher's
  // view stays.
  const etagBeforeRefresh = publisher.etag;
  await within(20_000, 'refresh', new Promise<void>((resolve) => {
    const iv = setInterval(() => {
      if (publisher.etag !== etagBeforeRefresh) {
        clearInterval(iv);
        resolve();
      }
    }, 100);
  }));

  // The server forgets our publication (its row is gone, as after a database reset): the next modification
  // gets 412 Conditional Request Failed and the publisher sends the whole document again, without the tag.
  const db = new Database(join(k.dir, 'kamailio.sqlite'));
  const deleted = db.prepare("DELETE FROM presentity WHERE username = 'alice'").run().changes;
  db.close();
  assert.ok(deleted >= 1, 'the presentity row was there');
  const mark = k.mark();
  publisher.publish(pidf('after loss'));
  await sees('after loss', 10_000);
  assert.match(k.log().slice(mark), /REQ PUBLISH/);
  assert.ok(states.some((s) => s.includes('412')), `412 seen and handled: ${states.join(' → ')}`);
  assert.equal(publisher.state, 'published');
  t.diagnostic(`publication states: ${states.join(' → ')}`);

  await publisher.remove();
  assert.equal(publisher.state, 'removed');
  // The server holds nothing for alice any more (its watchers get a NOTIFY without our document).
  await waitNoPublication(k.dir, 'alice');
  w.pass();
});
