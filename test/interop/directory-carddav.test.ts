// Personal contacts synced from a real CardDAV server (Radicale, htpasswd login): discovery, first sync,
// an unchanged second sync (ctag), incremental changes (etags: one edited, one deleted, one added), a wrong
// password, and the server stopped — where search still answers from the SQLite cache, also after the
// cache file is reopened (a phone restarted without network).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { cardDavSchema } from '../../src/config/directory-schema.js';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { createCardDavSync } from '../../src/directory/carddav-sync.js';
import { openDirectoryCache } from '../../src/store/directory-cache.js';
import { setLogLevel } from '../../src/util/log.js';
import { startRadicale } from '../harness/radicale.js';
import { useWorkdir } from '../harness/workdir.js';

setLogLevel('error');

const plan = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }] }));

const vcard = (uid: string, lines: string[]) => ['BEGIN:VCARD', 'VERSION:3.0', `UID:${uid}`, ...lines, 'END:VCARD', ''].join('\r\n');

const JAN = vcard('jan-1', ['FN:Jan Jansen', 'N:Jansen;Jan;;;', 'TEL;TYPE=WORK,VOICE:020 123 4567', 'TEL;TYPE=CELL:06 1234 5678', 'EMAIL;TYPE=INTERNET:jan@example.com', 'ORG:Example BV;Sales']);
const ANNA = vcard('anna-1', ['FN:Anna de Vries', 'N:de Vries;Anna;;;', 'item1.TEL:+31 20 765 4321', 'item1.X-ABLabel:_$!<Mobile>!$_']);
const PIET = vcard('piet-1', ['FN:Piet Pieters', 'N:Pieters;Piet;;;', 'TEL;TYPE=HOME:010-555 1234']);
const KEES = vcard('kees-1', ['FN:Kees Klaassen', 'N:Klaassen;Kees;;;', 'TEL;TYPE=WORK:2001']);

test('CardDAV: sync from Radicale, incremental by ctag and etag, then search offline from the cache', async (t) => {
  const w = useWorkdir(t, 'directory-carddav');
  const radicale = await startRadicale({ workdir: w.path });
  w.defer(() => radicale.stop());
  const book = await radicale.createAddressBook('contacts');
  await radicale.putVCard(book, 'jan.vcf', JAN);
  await radicale.putVCard(book, 'anna.vcf', ANNA);
  await radicale.putVCard(book, 'piet.vcf', PIET);

  const cacheFile = join(w.path, 'data', 'directory.db');
  const cache = openDirectoryCache(cacheFile, { dialPlan: plan });
  w.defer(() => cache.close());
  const cfg = cardDavSchema.parse({ url: radicale.url, username: radicale.user, password: radicale.password, timeoutMs: 10000 });
  const sync = createCardDavSync(cfg, { cache, dialPlan: plan });

  // First sync: everything is new.
  const first = await sync.sync();
  assert.equal(first.error, undefined, first.error?.message);
  assert.deepEqual({ ok: first.ok, books: first.addressBooks, downloaded: first.downloaded, removed: first.removed }, { ok: true, books: 1, downloaded: 3, removed: 0 });
  const [jan] = sync.search('jan');
  assert.equal(jan?.name, 'Jan Jansen');
  assert.equal(jan?.source, 'carddav');
  assert.equal(jan?.id, `${book}jan.vcf`);
  assert.deepEqual(jan?.numbers, [
    { kind: 'work', number: '020 123 4567', normalized: '+31201234567' },
    { kind: 'mobile', number: '06 1234 5678', normalized: '+31612345678' },
  ]);
  assert.equal(jan?.department, 'Sales');
  assert.equal(sync.search('765 43')[0]?.name, 'Anna de Vries', 'number search ignores separators');
  assert.equal(sync.search('0207654')[0]?.name, 'Anna de Vries', 'a national number finds the E.164 one through the dial plan');
  assert.equal(sync.search('anna')[0]?.numbers[0]?.kind, 'mobile', "Apple's X-ABLabel gives the kind");

  // Nothing changed: the address book's ctag is the same, nothing is downloaded.
  const second = await sync.sync();
  assert.deepEqual({ ok: second.ok, unchanged: second.unchanged, downloaded: second.downloaded }, { ok: true, unchanged: 1, downloaded: 0 });

  // One edited, one deleted, one added: only those two are downloaded, the deleted one goes.
  await radicale.putVCard(book, 'jan.vcf', JAN.replace('020 123 4567', '020 123 9999'));
  await radicale.deleteVCard(book, 'piet.vcf');
  await radicale.putVCard(book, 'kees.vcf', KEES);
  const third = await sync.sync();
  assert.deepEqual({ ok: third.ok, unchanged: third.unchanged, downloaded: third.downloaded, removed: third.removed }, { ok: true, unchanged: 0, downloaded: 2, removed: 1 });
  assert.equal(sync.search('jan')[0]?.numbers[0]?.normalized, '+31201239999');
  assert.deepEqual(sync.search('piet'), []);
  assert.equal(sync.search('2001')[0]?.name, 'Kees Klaassen');

  // A wrong password: a clear error, the contacts synced before stay.
  const wrong = createCardDavSync({ ...cfg, password: 'wrong' }, { cache, dialPlan: plan });
  const refused = await wrong.sync();
  assert.equal(refused.ok, false);
  assert.equal(refused.error?.kind, 'auth', refused.error?.message);
  assert.equal(sync.search('jan').length, 1);

  // The server goes away: the sync fails as unreachable, search still answers from the cache.
  await radicale.stop();
  const offline = await sync.sync();
  assert.equal(offline.ok, false);
  assert.equal(offline.error?.kind, 'unreachable', offline.error?.message);
  assert.deepEqual(sync.search('a').map((e) => e.name), ['Anna de Vries', 'Jan Jansen', 'Kees Klaassen']);

  // A restart without network: the cache file alone still has the contacts.
  cache.close();
  const reopened = openDirectoryCache(cacheFile, { dialPlan: plan });
  w.defer(() => reopened.close());
  assert.equal(reopened.recovered, undefined);
  assert.deepEqual(reopened.search('kla').map((e) => e.name), ['Kees Klaassen']);
  assert.equal(reopened.entries('carddav').length, 3);
  assert.ok(reopened.lastSyncAt() !== undefined);
  w.pass();
});
