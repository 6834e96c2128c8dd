/**
 * The directory cache on flash: the user's CardDAV contacts as last synced, and the LDAP entries recent
 * searches returned, in one SQLite file kept by better-sqlite3. It is what makes search work offline: with
 * the LDAP server down the phone still finds the colleagues it found before, and with the CardDAV server
 * down the contacts of the last sync.
 *
 * Durability. WAL with synchronous=NORMAL (the call log uses FULL): a commit survives a crash of the process,
 * and a power cut can only lose the last sync or search, which the next sync or search brings back. Not
 * worth an fsync per search.
 *
 * A file that is not a readable cache (not SQLite, corrupt, another program's database, a newer firmware's
 * schema) never stops the phone: it is renamed aside (`<path>.corrupt-<time>` or `<path>.unsupported-<time>`,
 * with its -wal/-shm), a warning is logged, the cache starts empty (the next sync fills it) and `recovered`
 * says so. Corruption found while running is handled the same way.
 *
 * The open/set-aside steps follow src/store/sqlite-call-log.ts, whose helpers are private to it; they are
 * kept together in the "versioned SQLite file" block below so both stores can move onto one shared helper.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DialPlan } from '../phone/dial-plan.js';
import { checkEntry, renormalize, searchEntries, type DirectoryEntry, type SearchOptions } from '../phone/directory.js';
import { createLogger } from '../util/log.js';

const log = createLogger('directory-cache');

/** 'SDDC' in the SQLite header: tells our file from any other SQLite database at the path. */
const APPLICATION_ID = 0x53444443;

/** MIGRATIONS[n] takes the file from version n to n + 1 (PRAGMA user_version); frozen once released. */
const MIGRATIONS: readonly string[] = [
  // 0 → 1. One row per entry, the entry itself as JSON (its shape is checked on every read). `book` and
  // `etag` are the CardDAV address book and version the entry came from; `seen_at` ages LDAP results out.
  `CREATE TABLE address_books (
     url       TEXT    PRIMARY KEY,
     ctag      TEXT,
     synced_at INTEGER NOT NULL
   ) STRICT;
   CREATE TABLE entries (
     source  TEXT    NOT NULL CHECK (source IN ('ldap', 'carddav')),
     id      TEXT    NOT NULL,
     book    TEXT,
     etag    TEXT,
     entry   TEXT    NOT NULL,
     seen_at INTEGER NOT NULL,
     PRIMARY KEY (source, id),
     CHECK ((source = 'carddav') = (book IS NOT NULL))
   ) STRICT;
   CREATE INDEX entries_by_book ON entries (book);
   CREATE INDEX entries_by_age ON entries (source, seen_at);`,
];
export const DIRECTORY_CACHE_SCHEMA_VERSION = MIGRATIONS.length;
/** The cache's file name in the phone's data dir when `directory.cacheFile` is not set. */
export const DEFAULT_DIRECTORY_CACHE_FILE = 'directory.db';

// ---- versioned SQLite file: open, check, migrate, set aside ------------------------------------------

export interface CacheRecovery {
  /** Why the file was not usable ("file is not a database", "written by a newer firmware (schema 3)"). */
  readonly reason: string;
  /** Where the unusable file now is. */
  readonly movedTo: string;
}

type Unusable = { message: string; kind: 'corrupt' | 'unsupported' };

class UnusableFileError extends Error {
  constructor(
    message: string,
    readonly kind: Unusable['kind'],
  ) {
    super(message);
  }
}

function unusableReason(err: unknown): Unusable | undefined {
  if (err instanceof UnusableFileError) return { message: err.message, kind: err.kind };
  // SQLITE_NOTADB: not SQLite at all; SQLITE_CORRUPT (and its extended codes): damaged pages.
  if (err instanceof Database.SqliteError && /^SQLITE_(NOTADB|CORRUPT)/.test(err.code)) return { message: err.message, kind: 'corrupt' };
  return undefined;
}

function pragmaNumber(db: Database.Database, name: string): number {
  const value: unknown = db.pragma(name, { simple: true });
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new UnusableFileError(`PRAGMA ${name} is not a number`, 'corrupt');
  return value;
}

function openDatabase(path: string): Database.Database {
  const db = new Database(path);
  try {
    // The first read of the header is what reveals a file that is not SQLite (SQLITE_NOTADB).
    const appId = pragmaNumber(db, 'application_id');
    const version = pragmaNumber(db, 'user_version');
    const objects = db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: unknown } | undefined;
    const fresh = appId === 0 && version === 0 && objects?.n === 0;
    if (!fresh && appId !== APPLICATION_ID) throw new UnusableFileError('not a sipdesk directory cache (another database)', 'unsupported');
    if (version > DIRECTORY_CACHE_SCHEMA_VERSION) {
      throw new UnusableFileError(`written by a newer firmware (schema ${version}, this one knows ${DIRECTORY_CACHE_SCHEMA_VERSION})`, 'unsupported');
    }
    const problems = (db.pragma('quick_check') as unknown[]).map((row) => (row as { quick_check?: unknown }).quick_check).filter((v) => v !== 'ok');
    if (problems.length > 0) throw new UnusableFileError(`damaged: ${problems.slice(0, 3).join('; ')}`, 'corrupt');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL'); // why not FULL: see the top of this file
    db.pragma('journal_size_limit = 1048576');
    if (version < DIRECTORY_CACHE_SCHEMA_VERSION) {
      db.transaction(() => {
        for (let v = version; v < DIRECTORY_CACHE_SCHEMA_VERSION; v++) db.exec(MIGRATIONS[v]!);
        db.pragma(`application_id = ${APPLICATION_ID}`);
        db.pragma(`user_version = ${DIRECTORY_CACHE_SCHEMA_VERSION}`);
      })();
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Renames the file and its WAL and shared-memory files (a WAL left behind would be replayed into the fresh file). */
function setAside(path: string, why: Unusable): CacheRecovery {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let movedTo = `${path}.${why.kind}-${stamp}`;
  for (let n = 1; existsSync(movedTo); n++) movedTo = `${path}.${why.kind}-${stamp}-${n}`;
  renameSync(path, movedTo);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  }
  log.warn(`directory cache ${path} unusable (${why.message}); moved to ${movedTo}, starting empty`);
  return { reason: why.message, movedTo };
}

// ---- the cache -----------------------------------------------------------------------------------------

/** What the cache knows of one CardDAV address book, to sync only what changed. */
export interface AddressBookState {
  /** The collection tag at the last complete sync; undefined before the first. */
  readonly ctag: string | undefined;
  /** vCard URL → etag of the version stored. */
  readonly etags: ReadonlyMap<string, string>;
}

/** The outcome of syncing one address book, written in one transaction. */
export interface AddressBookChanges {
  readonly ctag: string | undefined;
  /** New or changed contacts (entry.id is the vCard URL) with their etag. */
  readonly upserts: readonly { readonly entry: DirectoryEntry; readonly etag: string | undefined }[];
  /** vCard URLs gone from the server (or no longer readable). */
  readonly removed: readonly string[];
}

export interface DirectoryCacheOptions {
  /** Numbers read back are normalized again with this plan (it may have changed since they were stored). */
  readonly dialPlan?: DialPlan;
  /** LDAP entries kept (default 2000); the least recently seen are dropped beyond it. */
  readonly maxLdapEntries?: number;
  /** Milliseconds since the epoch (default Date.now); tests pass their own. */
  readonly now?: () => number;
}

export interface DirectoryCache {
  readonly path: string;
  /** Set when a file at `path` was unusable and moved aside, so the cache started empty (the latest time). */
  readonly recovered: CacheRecovery | undefined;
  addressBookState(url: string): AddressBookState;
  /** Applies one address book's sync; the ctag is stored with the changes, so an interrupted sync is redone. */
  applyAddressBookChanges(url: string, changes: AddressBookChanges): void;
  /** Forgets address books the server no longer has (and their contacts); returns how many went. */
  keepOnlyAddressBooks(urls: readonly string[]): number;
  /** When the last address book sync finished (ms since the epoch), if ever. */
  lastSyncAt(): number | undefined;
  /** Stores (or refreshes) entries an LDAP search returned. */
  rememberLdapResults(entries: readonly DirectoryEntry[]): void;
  /** Every cached entry of a source. */
  entries(source: DirectoryEntry['source']): DirectoryEntry[];
  /** searchEntries() over the cached entries (personal contacts and remembered LDAP results, or one source). */
  search(query: string, options?: SearchOptions & { readonly source?: DirectoryEntry['source'] }): DirectoryEntry[];
  close(): void;
}

/** The cache was closed (the phone is shutting down). */
export class DirectoryCacheClosedError extends Error {
  constructor() {
    super('directory cache is closed');
    this.name = 'DirectoryCacheClosedError';
  }
}

/**
 * Opens (creating the folder and file if missing) the cache at `path`. Throws only when no cache can be
 * kept there at all (no permission, the path is a directory): directory search then works online only.
 */
export function openDirectoryCache(path: string, options: DirectoryCacheOptions = {}): DirectoryCache {
  const maxLdap = options.maxLdapEntries ?? 2000;
  if (!Number.isSafeInteger(maxLdap) || maxLdap < 0) throw new RangeError(`maxLdapEntries must be a whole number ≥ 0, got ${maxLdap}`);
  mkdirSync(dirname(path), { recursive: true });
  let recovered: CacheRecovery | undefined;
  let db: Database.Database;
  try {
    db = openDatabase(path);
  } catch (err) {
    const unusable = unusableReason(err);
    if (unusable === undefined) throw err;
    recovered = setAside(path, unusable);
    db = openDatabase(path);
  }
  return new SqliteDirectoryCache(path, db, recovered, maxLdap, options.dialPlan, options.now ?? Date.now);
}

interface Statements {
  book: Database.Statement;
  bookEtags: Database.Statement;
  upsertBook: Database.Statement;
  upsertEntry: Database.Statement;
  removeEntry: Database.Statement;
  books: Database.Statement;
  removeBook: Database.Statement;
  removeBookEntries: Database.Statement;
  lastSync: Database.Statement;
  bySource: Database.Statement;
  trimLdap: Database.Statement;
}

function prepare(db: Database.Database): Statements {
  return {
    book: db.prepare('SELECT ctag FROM address_books WHERE url = ?'),
    bookEtags: db.prepare(`SELECT id, etag FROM entries WHERE source = 'carddav' AND book = ?`),
    upsertBook: db.prepare('INSERT INTO address_books (url, ctag, synced_at) VALUES (?, ?, ?) ON CONFLICT (url) DO UPDATE SET ctag = excluded.ctag, synced_at = excluded.synced_at'),
    upsertEntry: db.prepare(
      `INSERT INTO entries (source, id, book, etag, entry, seen_at) VALUES (@source, @id, @book, @etag, @entry, @seenAt)
       ON CONFLICT (source, id) DO UPDATE SET book = excluded.book, etag = excluded.etag, entry = excluded.entry, seen_at = excluded.seen_at`,
    ),
    removeEntry: db.prepare('DELETE FROM entries WHERE source = ? AND id = ?'),
    books: db.prepare('SELECT url FROM address_books'),
    removeBook: db.prepare('DELETE FROM address_books WHERE url = ?'),
    removeBookEntries: db.prepare(`DELETE FROM entries WHERE source = 'carddav' AND book = ?`),
    lastSync: db.prepare('SELECT max(synced_at) AS t FROM address_books'),
    bySource: db.prepare('SELECT entry FROM entries WHERE source = ? ORDER BY id'),
    // Everything past the newest maxLdap LDAP entries.
    trimLdap: db.prepare(`DELETE FROM entries WHERE source = 'ldap' AND id IN (SELECT id FROM entries WHERE source = 'ldap' ORDER BY seen_at DESC, id LIMIT -1 OFFSET ?)`),
  };
}

class SqliteDirectoryCache implements DirectoryCache {
  #db: Database.Database | undefined;
  #stmts: Statements;
  #recovered: CacheRecovery | undefined;

  constructor(
    readonly path: string,
    db: Database.Database,
    recovered: CacheRecovery | undefined,
    private readonly maxLdap: number,
    private readonly dialPlan: DialPlan | undefined,
    private readonly now: () => number,
  ) {
    this.#db = db;
    this.#stmts = prepare(db);
    this.#recovered = recovered;
  }

  get recovered(): CacheRecovery | undefined {
    return this.#recovered;
  }

  addressBookState(url: string): AddressBookState {
    return this.#guard((_db, s) => {
      const row = s.book.get(url) as { ctag: unknown } | undefined;
      const etags = new Map<string, string>();
      for (const r of s.bookEtags.iterate(url) as Iterable<{ id: unknown; etag: unknown }>) {
        if (typeof r.id === 'string' && typeof r.etag === 'string') etags.set(r.id, r.etag);
      }
      return { ctag: typeof row?.ctag === 'string' ? row.ctag : undefined, etags };
    });
  }

  applyAddressBookChanges(url: string, changes: AddressBookChanges): void {
    const at = this.now();
    this.#guard((db, s) =>
      db.transaction(() => {
        for (const id of changes.removed) s.removeEntry.run('carddav', id);
        for (const { entry, etag } of changes.upserts) {
          if (entry.source !== 'carddav') throw new TypeError(`address book ${url}: entry ${entry.id} is not a CardDAV entry`);
          s.upsertEntry.run({ source: 'carddav', id: entry.id, book: url, etag: etag ?? null, entry: JSON.stringify(entry), seenAt: at });
        }
        s.upsertBook.run(url, changes.ctag ?? null, at);
      })(),
    );
  }

  keepOnlyAddressBooks(urls: readonly string[]): number {
    const keep = new Set(urls);
    return this.#guard((db, s) =>
      db.transaction(() => {
        let removed = 0;
        for (const { url } of s.books.all() as { url: string }[]) {
          if (keep.has(url)) continue;
          s.removeBookEntries.run(url);
          s.removeBook.run(url);
          removed++;
        }
        return removed;
      })(),
    );
  }

  lastSyncAt(): number | undefined {
    return this.#guard((_db, s) => {
      const row = s.lastSync.get() as { t: unknown } | undefined;
      return typeof row?.t === 'number' ? row.t : undefined;
    });
  }

  rememberLdapResults(entries: readonly DirectoryEntry[]): void {
    const at = this.now();
    this.#guard((db, s) =>
      db.transaction(() => {
        for (const entry of entries) {
          if (entry.source !== 'ldap') continue;
          s.upsertEntry.run({ source: 'ldap', id: entry.id, book: null, etag: null, entry: JSON.stringify(entry), seenAt: at });
        }
        s.trimLdap.run(this.maxLdap);
      })(),
    );
  }

  entries(source: DirectoryEntry['source']): DirectoryEntry[] {
    return this.#guard((_db, s) => {
      const out: DirectoryEntry[] = [];
      for (const row of s.bySource.iterate(source) as Iterable<{ entry: unknown }>) {
        try {
          const entry = checkEntry(JSON.parse(String(row.entry)));
          if (entry.source !== source) throw new Error(`stored as ${source} but says ${entry.source}`);
          out.push(this.dialPlan === undefined ? entry : renormalize(entry, this.dialPlan));
        } catch (err) {
          log.warn(`directory cache: skipping an unreadable entry (${(err as Error).message})`);
        }
      }
      return out;
    });
  }

  search(query: string, options: SearchOptions & { readonly source?: DirectoryEntry['source'] } = {}): DirectoryEntry[] {
    const sources = options.source === undefined ? (['carddav', 'ldap'] as const) : [options.source];
    const all = sources.flatMap((source) => this.entries(source));
    return searchEntries(all, query, { dialPlan: this.dialPlan, ...options });
  }

  close(): void {
    this.#db?.close();
    this.#db = undefined;
  }

  /** Runs one operation; corruption found while running sets the file aside and tries once more on a fresh one. */
  #guard<T>(op: (db: Database.Database, s: Statements) => T): T {
    if (this.#db === undefined) throw new DirectoryCacheClosedError();
    try {
      return op(this.#db, this.#stmts);
    } catch (err) {
      const unusable = unusableReason(err);
      if (unusable === undefined) throw err;
      this.#db.close();
      this.#db = undefined;
      this.#recovered = setAside(this.path, unusable);
      this.#db = openDatabase(this.path);
      this.#stmts = prepare(this.#db);
      return op(this.#db, this.#stmts);
    }
  }
}
