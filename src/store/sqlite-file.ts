/**
 * One versioned SQLite file for a store (the call log, the directory cache): opened with its own
 * application id and schema version, checked, migrated in one transaction, and — when it holds something
 * we must not use (not SQLite, damaged, another program's database, a newer firmware's schema) — moved
 * aside with its WAL so the store starts fresh instead of crashing the phone or overwriting evidence.
 */
import { existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { createLogger } from '../util/log.js';

const log = createLogger('sqlite');

export interface SqliteFileSpec {
  /** For log lines and errors: "call log", "directory cache". */
  readonly label: string;
  /** PRAGMA application_id that marks the file as ours. */
  readonly applicationId: number;
  /** migrations[v] takes schema v to v + 1; the schema version is migrations.length. */
  readonly migrations: readonly string[];
  /** FULL survives power loss per transaction; NORMAL only process crashes (WAL). The store says which it needs. */
  readonly synchronous: 'FULL' | 'NORMAL';
}

export interface FileRecovery {
  /** Why the file was not usable ("file is not a database", "written by a newer firmware (schema 3)"). */
  readonly reason: string;
  /** Where the unusable file now is. */
  readonly movedTo: string;
}

type Unusable = { message: string; kind: 'corrupt' | 'unsupported' };

/** The file holds something we must not use or overwrite; it gets moved aside. */
export class UnusableFileError extends Error {
  constructor(
    message: string,
    readonly kind: Unusable['kind'],
  ) {
    super(message);
  }
}

/** Whether an error means "this file is not usable" (rather than e.g. a full disk), and why. */
export function unusableReason(err: unknown): Unusable | undefined {
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

/** Opens, checks and migrates; throws UnusableFileError (or SQLite's NOTADB/CORRUPT) for a file to set aside. */
export function openVersionedDatabase(path: string, spec: SqliteFileSpec): Database.Database {
  const schema = spec.migrations.length;
  const db = new Database(path);
  try {
    // The first read of the header is what reveals a file that is not SQLite (SQLITE_NOTADB).
    const appId = pragmaNumber(db, 'application_id');
    const version = pragmaNumber(db, 'user_version');
    const objects = db.prepare('SELECT count(*) AS n FROM sqlite_schema').get() as { n: unknown } | undefined;
    const fresh = appId === 0 && version === 0 && objects?.n === 0;
    if (!fresh && appId !== spec.applicationId) throw new UnusableFileError(`not a sipdesk ${spec.label} (another database)`, 'unsupported');
    if (version > schema) throw new UnusableFileError(`written by a newer firmware (schema ${version}, this one knows ${schema})`, 'unsupported');
    // A whole-file check at start is cheap for these small files, and finds damage before the phone relies
    // on it rather than in the middle of a call.
    const problems = (db.pragma('quick_check') as unknown[]).map((row) => (row as { quick_check?: unknown }).quick_check).filter((v) => v !== 'ok');
    if (problems.length > 0) throw new UnusableFileError(`damaged: ${problems.slice(0, 3).join('; ')}`, 'corrupt');
    db.pragma('journal_mode = WAL');
    db.pragma(`synchronous = ${spec.synchronous}`);
    // After a checkpoint the WAL is cut back to this size, so it does not keep its high-water mark on flash.
    db.pragma('journal_size_limit = 1048576');
    if (version < schema) {
      // One transaction for all steps: a power cut mid-migration leaves the old version, which migrates again.
      db.transaction(() => {
        for (let v = version; v < schema; v++) {
          db.exec(spec.migrations[v]!);
          log.info(`${spec.label} schema ${v} → ${v + 1}`);
        }
        db.pragma(`application_id = ${spec.applicationId}`);
        db.pragma(`user_version = ${schema}`);
      })();
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/** Renames the file and its WAL and shared-memory files (a WAL left behind would be replayed into the fresh file). */
export function setAside(path: string, why: Unusable, label: string): FileRecovery {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let movedTo = `${path}.${why.kind}-${stamp}`;
  for (let n = 1; existsSync(movedTo); n++) movedTo = `${path}.${why.kind}-${stamp}-${n}`;
  renameSync(path, movedTo);
  for (const suffix of ['-wal', '-shm']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, movedTo + suffix);
  }
  log.warn(`${label} ${path} unusable (${why.message}); moved to ${movedTo}, starting empty`);
  return { reason: why.message, movedTo };
}

/** Creates the folder, opens the file, and sets an unusable one aside for a fresh one. */
export function openOrRecover(path: string, spec: SqliteFileSpec): { db: Database.Database; recovered?: FileRecovery } {
  mkdirSync(dirname(path), { recursive: true });
  try {
    return { db: openVersionedDatabase(path, spec) };
  } catch (err) {
    const unusable = unusableReason(err);
    if (unusable === undefined) throw err;
    const recovered = setAside(path, unusable, spec.label);
    return { db: openVersionedDatabase(path, spec), recovered };
  }
}

/**
 * A store's open file with its prepared statements. Corruption found while running (a failing SD card) is
 * handled like corruption found at start: the file is set aside, a fresh one opened, and the operation tried
 * once more there.
 */
export class RecoveringDatabase<S> {
  #db: Database.Database | undefined;
  #stmts: S;
  #recovered: FileRecovery | undefined;

  constructor(
    readonly path: string,
    private readonly spec: SqliteFileSpec,
    private readonly prepare: (db: Database.Database) => S,
    private readonly closedError: () => Error,
  ) {
    const { db, recovered } = openOrRecover(path, spec);
    this.#db = db;
    this.#stmts = prepare(db);
    this.#recovered = recovered;
  }

  /** Set when a bad file was moved aside (at open or since). */
  get recovered(): FileRecovery | undefined {
    return this.#recovered;
  }

  run<T>(op: (db: Database.Database, s: S) => T): T {
    if (this.#db === undefined) throw this.closedError();
    try {
      return op(this.#db, this.#stmts);
    } catch (err) {
      const unusable = unusableReason(err);
      if (unusable === undefined) throw err;
      this.#db.close();
      this.#db = undefined;
      this.#recovered = setAside(this.path, unusable, this.spec.label);
      this.#db = openVersionedDatabase(this.path, this.spec);
      this.#stmts = this.prepare(this.#db);
      return op(this.#db, this.#stmts);
    }
  }

  /** Idempotent. */
  close(): void {
    this.#db?.close();
    this.#db = undefined;
  }
}
