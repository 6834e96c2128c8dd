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
 * The open, check, migrate and set-aside steps are src/store/sqlite-file.ts's, shared with the call log.
 */
import Database from 'better-sqlite3';
import type { DialPlan } from '../phone/dial-plan.js';
import { checkEntry, renormalize, searchEntries, type DirectoryEntry, type SearchOptions } from '../phone/directory.js';
import { createLogger } from '../util/log.js';
import { RecoveringDatabase, type FileRecovery, type SqliteFileSpec } from './sqlite-file.js';

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

/** NORMAL, not FULL: losing the last sync in a power cut costs only a re-sync (see the top of this file). */
const CACHE_FILE: SqliteFileSpec = { label: 'directory cache', applicationId: APPLICATION_ID, migrations: MIGRATIONS, synchronous: 'NORMAL' };

/** A bad file that was moved aside: why, and where it is now. */
export type CacheRecovery = FileRecovery;

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
  const file = new RecoveringDatabase(path, CACHE_FILE, prepare, () => new DirectoryCacheClosedError());
  return new SqliteDirectoryCache(path, file, maxLdap, options.dialPlan, options.now ?? Date.now);
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
  readonly #file: RecoveringDatabase<Statements>;

  constructor(
    readonly path: string,
    file: RecoveringDatabase<Statements>,
    private readonly maxLdap: number,
    private readonly dialPlan: DialPlan | undefined,
    private readonly now: () => number,
  ) {
    this.#file = file;
  }

  get recovered(): CacheRecovery | undefined {
    return this.#file.recovered;
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
    this.#file.close();
  }

  #guard<T>(op: (db: Database.Database, s: Statements) => T): T {
    return this.#file.run(op);
  }
}
