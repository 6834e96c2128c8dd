// The SQLite directory cache: CardDAV address-book state and changes, remembered LDAP results (bounded),
// offline search, numbers normalized again with the current dial plan, and unusable files set aside.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { dialPlanSchema } from '../../src/config/dial-plan-schema.js';
import { compileDialPlan } from '../../src/phone/dial-plan.js';
import { directoryNumber, type DirectoryEntry, type NumberKind } from '../../src/phone/directory.js';
import { DIRECTORY_CACHE_SCHEMA_VERSION, DirectoryCacheClosedError, openDirectoryCache, type DirectoryCache } from '../../src/store/directory-cache.js';
import { setLogLevel } from '../../src/util/log.js';

setLogLevel('error');

const root = mkdtempSync(join(tmpdir(), 'sipdesk-directory-cache-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `case-${++n}`, 'data', 'directory.db');

const dutch = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+31$1' }] }));
const BOOK = 'https://dav.example.com/alice/contacts/';

function entry(source: DirectoryEntry['source'], id: string, name: string, numbers: [NumberKind, string][] = []): DirectoryEntry {
  return { source, id, name, numbers: numbers.map(([k, v]) => directoryNumber(k, v, dutch)!) };
}

test('address books: state, changes in one go, and books that disappeared', () => {
  const cache = openDirectoryCache(freshPath(), { dialPlan: dutch });
  assert.deepEqual(cache.addressBookState(BOOK), { ctag: undefined, etags: new Map() });
  assert.equal(cache.lastSyncAt(), undefined);
  const jan = entry('carddav', `${BOOK}jan.vcf`, 'Jan Jansen', [['work', '020 123 4567']]);
  const anna = entry('carddav', `${BOOK}anna.vcf`, 'Anna de Vries');
  cache.applyAddressBookChanges(BOOK, { ctag: 'c1', upserts: [{ entry: jan, etag: '"e1"' }, { entry: anna, etag: '"e2"' }], removed: [] });
  assert.deepEqual(cache.addressBookState(BOOK), { ctag: 'c1', etags: new Map([[`${BOOK}anna.vcf`, '"e2"'], [`${BOOK}jan.vcf`, '"e1"']]) });
  assert.deepEqual(cache.entries('carddav'), [anna, jan]);
  assert.ok(cache.lastSyncAt() !== undefined);

  cache.applyAddressBookChanges(BOOK, { ctag: 'c2', upserts: [{ entry: { ...jan, name: 'Jan J.' }, etag: '"e3"' }], removed: [`${BOOK}anna.vcf`] });
  assert.deepEqual(cache.entries('carddav').map((e) => e.name), ['Jan J.']);
  assert.equal(cache.addressBookState(BOOK).ctag, 'c2');

  assert.throws(() => cache.applyAddressBookChanges(BOOK, { ctag: 'c3', upserts: [{ entry: entry('ldap', 'cn=x', 'X'), etag: undefined }], removed: [] }), /not a CardDAV entry/);
  assert.equal(cache.addressBookState(BOOK).ctag, 'c2', 'a refused change leaves the book as it was (one transaction)');

  assert.equal(cache.keepOnlyAddressBooks([BOOK]), 0);
  assert.equal(cache.keepOnlyAddressBooks([]), 1);
  assert.deepEqual(cache.entries('carddav'), []);
  cache.close();
});

test('LDAP results are remembered, refreshed, and the least recently seen dropped beyond the bound', () => {
  let now = 1000;
  const cache = openDirectoryCache(freshPath(), { maxLdapEntries: 2, now: () => now });
  cache.rememberLdapResults([entry('ldap', 'cn=a', 'A'), entry('ldap', 'cn=b', 'B')]);
  now = 2000;
  cache.rememberLdapResults([entry('ldap', 'cn=a', 'A2'), entry('ldap', 'cn=c', 'C')]);
  assert.deepEqual(cache.entries('ldap').map((e) => e.name), ['A2', 'C'], 'B was seen least recently');
  cache.rememberLdapResults([entry('carddav', 'x', 'not LDAP')]);
  assert.deepEqual(cache.entries('carddav'), [], 'only LDAP entries are remembered as LDAP results');
  cache.close();
});

test('offline search over both sources, with numbers normalized by the current dial plan', () => {
  const path = freshPath();
  const cache = openDirectoryCache(path, { dialPlan: dutch });
  cache.applyAddressBookChanges(BOOK, { ctag: undefined, upserts: [{ entry: entry('carddav', `${BOOK}1.vcf`, 'Jan (mine)', [['mobile', '06 1234 5678']]), etag: undefined }], removed: [] });
  cache.rememberLdapResults([entry('ldap', 'cn=jan', 'Jan (corporate)', [['work', '020 123 4567']])]);
  assert.deepEqual(cache.search('jan').map((e) => e.name), ['Jan (corporate)', 'Jan (mine)']);
  assert.deepEqual(cache.search('jan', { source: 'ldap' }).map((e) => e.source), ['ldap']);
  assert.deepEqual(cache.search('0612').map((e) => e.name), ['Jan (mine)']);
  cache.close();

  const belgian = compileDialPlan(dialPlanSchema.parse({ rules: [{ pattern: '^0(\\d*)$', replace: '+32$1' }] }));
  const reopened = openDirectoryCache(path, { dialPlan: belgian });
  assert.equal(reopened.entries('ldap')[0]?.numbers[0]?.normalized, '+32201234567');
  assert.deepEqual(reopened.search('+32 20 123').map((e) => e.name), ['Jan (corporate)']);
  reopened.close();
});

test('a damaged row is skipped with the others still found', () => {
  const path = freshPath();
  const cache = openDirectoryCache(path);
  cache.rememberLdapResults([entry('ldap', 'cn=a', 'Alpha'), entry('ldap', 'cn=b', 'Beta')]);
  cache.close();
  const db = new Database(path);
  db.prepare(`UPDATE entries SET entry = '{"source":"ldap","id":"cn=a","numbers":[]}' WHERE id = 'cn=a'`).run();
  db.close();
  const reopened = openDirectoryCache(path);
  assert.deepEqual(reopened.entries('ldap').map((e) => e.name), ['Beta']);
  reopened.close();
});

/** The files next to the cache whose names start with its own. */
const siblings = (path: string) => readdirSync(dirname(path)).filter((f) => f.startsWith('directory.db.')).sort();

test('a file that is not SQLite is moved aside and the cache starts empty (a stale WAL does not leak in)', () => {
  const path = freshPath();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, 'this is not a database, just some text that is long enough '.repeat(20));
  writeFileSync(`${path}-wal`, 'stale wal');
  const cache = openDirectoryCache(path);
  assert.match(cache.recovered?.reason ?? '', /not a database/);
  assert.match(cache.recovered?.movedTo ?? '', /directory\.db\.corrupt-/);
  assert.ok(existsSync(cache.recovered!.movedTo));
  // SQLite drops a WAL it cannot use when it closes the file; what matters is that none reaches the fresh cache.
  assert.ok(!existsSync(`${path}-wal`) || readFileSync(`${path}-wal`, 'utf8') !== 'stale wal');
  assert.deepEqual(cache.entries('carddav'), []);
  cache.rememberLdapResults([entry('ldap', 'cn=a', 'A')]);
  assert.equal(cache.entries('ldap').length, 1, 'the fresh file works');
  cache.close();
});

test('another program\'s database and a newer schema are set aside as unsupported, never overwritten', () => {
  const foreign = freshPath();
  mkdirSync(dirname(foreign), { recursive: true });
  const db = new Database(foreign);
  db.exec('CREATE TABLE notes (t TEXT)');
  db.close();
  const a = openDirectoryCache(foreign);
  assert.match(a.recovered?.reason ?? '', /another database/);
  assert.equal(siblings(foreign).filter((f) => f.includes('.unsupported-')).length, 1);
  a.close();

  const newer = freshPath();
  openDirectoryCache(newer).close();
  const raw = new Database(newer);
  raw.pragma(`user_version = ${DIRECTORY_CACHE_SCHEMA_VERSION + 1}`);
  raw.close();
  const b = openDirectoryCache(newer);
  assert.match(b.recovered?.reason ?? '', /newer firmware/);
  b.close();
});

test('corruption found while running: the file is moved aside and the operation goes on in a fresh cache', () => {
  const path = freshPath();
  const filler = Array.from({ length: 200 }, (_, i) => entry('ldap', `cn=${'x'.repeat(300)}${i}`, `Person ${i}`));
  const a = openDirectoryCache(path, { maxLdapEntries: 1000 });
  a.rememberLdapResults(filler);
  a.close();
  const cache = openDirectoryCache(path, { maxLdapEntries: 1000 });
  assert.equal(cache.recovered, undefined);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 3 * 4096);
  closeSync(fd);
  // Another connection's write makes ours drop its page cache, so the next read meets the damage.
  const raw = new Database(path);
  raw.pragma('user_version = 1');
  raw.close();
  cache.rememberLdapResults([entry('ldap', 'cn=new', 'Newcomer')]);
  // Read through a function so TypeScript does not keep the earlier narrowing to undefined.
  const recovered = ((c: DirectoryCache) => c.recovered)(cache);
  assert.ok(recovered, 'recovered must be set');
  assert.deepEqual(cache.entries('ldap').map((e) => e.name), ['Newcomer']);
  assert.ok(existsSync(recovered.movedTo));
  cache.close();
});

test('a cache that cannot be kept at all throws; a closed cache says so', () => {
  const dir = join(root, `case-${++n}`, 'a-directory');
  mkdirSync(dir, { recursive: true });
  assert.throws(() => openDirectoryCache(dir));
  assert.throws(() => openDirectoryCache(freshPath(), { maxLdapEntries: -1 }), /maxLdapEntries/);
  const cache = openDirectoryCache(freshPath());
  cache.close();
  assert.throws(() => cache.search('x'), DirectoryCacheClosedError);
});
