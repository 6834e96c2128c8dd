/**
 * The call log on flash: a CallLogStore (src/phone/call-log.ts) in one SQLite file, kept by better-sqlite3.
 *
 * Durability. Journal mode WAL with synchronous=FULL: every commit appends to the WAL and fsyncs it before
 * add() returns. WAL with synchronous=NORMAL would already survive a crash or kill -9 of the process (the
 * commit is in the kernel's page cache, which outlives the process), but not power loss: NORMAL fsyncs only
 * at checkpoints, so an unplugged phone could lose every call since the last one. Desk phones lose power
 * all the time (the PoE cable is pulled, the desk is moved), and the log is written once per call, so one
 * fsync of a few KiB per call is a cost worth paying for "the missed call is still there after the power
 * cut". (The fsync blocks the event loop for its duration; it happens when a call has just ended.)
 *
 * A file that is not a readable call log (not SQLite, corrupt, another program's database, or written by a
 * newer firmware) never stops the phone: it is renamed aside (`<path>.corrupt-<time>` or
 * `<path>.unsupported-<time>`, its -wal/-shm with it), a warning is logged, the log starts empty, and
 * `recovered` says so. Corruption found later, while running, is handled the same way.
 */
import Database from 'better-sqlite3';
import {
  CallLogClosedError,
  MISSED_OUTCOMES,
  checkMaxEntries,
  checkQuery,
  validateNewEntry,
  type CallLogCategory,
  type CallLogEntry,
  type CallLogQuery,
  type CallLogStore,
  type NewCallLogEntry,
} from '../phone/call-log.js';
import { createLogger } from '../util/log.js';
import { RecoveringDatabase, type FileRecovery, type SqliteFileSpec } from './sqlite-file.js';

const log = createLogger('call-log');

/** 'SDCL' in the SQLite header: tells our file from any other SQLite database at the path. */
const APPLICATION_ID = 0x5344434c;

/**
 * Schema migrations: MIGRATIONS[n] takes the file from version n to n + 1 (PRAGMA user_version). Frozen
 * once released: a change is a new entry, never an edit, because devices in the field hold every version.
 */
const MIGRATIONS: readonly string[] = [
  // 0 → 1. STRICT and the CHECKs make the file refuse what the code would never write. AUTOINCREMENT so ids
  // are never reused, even after the oldest entries are dropped or the newest is removed.
  `CREATE TABLE calls (
     id            INTEGER PRIMARY KEY AUTOINCREMENT,
     direction     TEXT    NOT NULL CHECK (direction IN ('incoming', 'outgoing')),
     outcome       TEXT    NOT NULL CHECK (outcome IN ('answered', 'missed', 'rejected', 'busy', 'failed', 'cancelled', 'forwarded')),
     remote_uri    TEXT    NOT NULL,
     remote_number TEXT,
     remote_name   TEXT,
     started_at    INTEGER NOT NULL,
     answered_at   INTEGER,
     ended_at      INTEGER NOT NULL,
     duration_s    INTEGER NOT NULL CHECK (duration_s >= 0),
     reason        TEXT,
     seen          INTEGER NOT NULL CHECK (seen IN (0, 1)),
     line          INTEGER
   ) STRICT;
   CREATE INDEX calls_newest_first ON calls (started_at DESC, id DESC);`,
];
export const CALL_LOG_SCHEMA_VERSION = MIGRATIONS.length;

/** FULL: an entry must survive a power cut, not only a crash (see the top of this file). */
const CALL_LOG_FILE: SqliteFileSpec = { label: 'call log', applicationId: APPLICATION_ID, migrations: MIGRATIONS, synchronous: 'FULL' };

export interface SqliteCallLogOptions {
  /** Entries kept (default 500); the oldest are dropped beyond it. */
  readonly maxEntries?: number;
}

/** A bad file that was moved aside: why, and where it is now. */
export type CallLogRecovery = FileRecovery;

/**
 * Besides the CallLogStore rules, a write can throw Database.SqliteError when the flash fails in a way that
 * is not corruption (SQLITE_FULL, SQLITE_IOERR): the caller logs it, because losing one entry must never
 * end a call or stop the phone.
 */
export interface SqliteCallLog extends CallLogStore {
  readonly path: string;
  readonly maxEntries: number;
  /** Set when a file at `path` was unusable and moved aside, so the log started empty (the latest time). */
  readonly recovered: CallLogRecovery | undefined;
}

/**
 * Opens (creating the directory and file if missing) the call log at `path`. Throws only when no log can
 * be kept there at all (no permission, the path is a directory, a bad maxEntries): the app then falls back
 * to InMemoryCallLog.
 */
export function openSqliteCallLog(path: string, options: SqliteCallLogOptions = {}): SqliteCallLog {
  const maxEntries = checkMaxEntries(options.maxEntries);
  const file = new RecoveringDatabase(path, CALL_LOG_FILE, prepare, () => new CallLogClosedError());
  return new SqliteCallLogStore(path, maxEntries, file);
}

// ---- the store ----------------------------------------------------------------------------------------

const quoted = (values: readonly string[]) => values.map((v) => `'${v}'`).join(', ');
/** The categories of src/phone/call-log.ts's categoryOf(), as SQL (built from the same constant). */
const CATEGORY_SQL: Record<CallLogCategory, string> = {
  all: '1',
  missed: `direction = 'incoming' AND outcome IN (${quoted(MISSED_OUTCOMES)})`,
  received: `direction = 'incoming' AND outcome NOT IN (${quoted(MISSED_OUTCOMES)})`,
  dialed: `direction = 'outgoing'`,
};
const CATEGORY_KEYS = Object.keys(CATEGORY_SQL) as CallLogCategory[];

interface Statements {
  insert: Database.Statement;
  trim: Database.Statement;
  list: Record<CallLogCategory, Database.Statement>;
  clear: Record<CallLogCategory, Database.Statement>;
  unseenMissed: Database.Statement;
  markMissedSeen: Database.Statement;
  remove: Database.Statement;
}

function prepare(db: Database.Database): Statements {
  const per = (sql: (where: string) => string) =>
    Object.fromEntries(CATEGORY_KEYS.map((k) => [k, db.prepare(sql(CATEGORY_SQL[k]))])) as Record<CallLogCategory, Database.Statement>;
  return {
    insert: db.prepare(
      `INSERT INTO calls (direction, outcome, remote_uri, remote_number, remote_name, started_at, answered_at, ended_at, duration_s, reason, seen, line)
       VALUES (@direction, @outcome, @remoteUri, @remoteNumber, @remoteName, @startedAt, @answeredAt, @endedAt, @durationS, @reason, @seen, @line)`,
    ),
    // Everything past the first maxEntries in list order.
    trim: db.prepare('DELETE FROM calls WHERE id IN (SELECT id FROM calls ORDER BY started_at DESC, id DESC LIMIT -1 OFFSET ?)'),
    // The row-value comparison is "after the cursor in list order", as isAfterCursor() has it.
    list: per((where) => `SELECT * FROM calls WHERE (${where}) AND (@beforeStart IS NULL OR (started_at, id) < (@beforeStart, @beforeId))
                          ORDER BY started_at DESC, id DESC`),
    clear: per((where) => `DELETE FROM calls WHERE ${where}`),
    unseenMissed: db.prepare(`SELECT count(*) AS n FROM calls WHERE seen = 0 AND ${CATEGORY_SQL.missed}`),
    markMissedSeen: db.prepare(`UPDATE calls SET seen = 1 WHERE seen = 0 AND ${CATEGORY_SQL.missed}`),
    remove: db.prepare('DELETE FROM calls WHERE id = ?'),
  };
}

/** A column that may be NULL: absent in the entry. */
const optional = (value: unknown) => (value === null ? undefined : value);

/** A row as read from the file, checked field by field (the file may have been damaged or edited). */
function entryFromRow(row: unknown): CallLogEntry {
  if (typeof row !== 'object' || row === null) throw new Error('row is not an object');
  const r = row as Record<string, unknown>;
  if (typeof r.id !== 'number' || !Number.isSafeInteger(r.id) || r.id < 1) throw new Error(`bad id ${String(r.id)}`);
  if (r.seen !== 0 && r.seen !== 1) throw new Error(`entry ${r.id}: seen must be 0 or 1`);
  const entry = validateNewEntry({
    direction: r.direction,
    outcome: r.outcome,
    remoteUri: r.remote_uri,
    remoteNumber: optional(r.remote_number),
    remoteName: optional(r.remote_name),
    startedAt: r.started_at,
    answeredAt: optional(r.answered_at),
    endedAt: r.ended_at,
    durationS: r.duration_s,
    reason: optional(r.reason),
    seen: r.seen === 1,
    line: optional(r.line),
  });
  return { id: r.id, ...entry };
}

class SqliteCallLogStore implements SqliteCallLog {
  readonly #file: RecoveringDatabase<Statements>;

  constructor(
    readonly path: string,
    readonly maxEntries: number,
    file: RecoveringDatabase<Statements>,
  ) {
    this.#file = file;
    // A smaller maxEntries than the file was kept with applies at once, not only after the next call.
    this.#guard((d, st) => d.transaction(() => st.trim.run(maxEntries))());
  }

  get recovered(): CallLogRecovery | undefined {
    return this.#file.recovered;
  }

  add(entry: NewCallLogEntry): CallLogEntry {
    return this.#guard((db, s) => {
      const e = validateNewEntry(entry);
      return db.transaction(() => {
        const { lastInsertRowid } = s.insert.run({
          ...e,
          remoteNumber: e.remoteNumber ?? null,
          remoteName: e.remoteName ?? null,
          answeredAt: e.answeredAt ?? null,
          reason: e.reason ?? null,
          seen: e.seen ? 1 : 0,
          line: e.line ?? null,
        });
        s.trim.run(this.maxEntries);
        return { id: Number(lastInsertRowid), ...e };
      })();
    });
  }

  list(query: CallLogQuery = {}): CallLogEntry[] {
    return this.#guard((_db, s) => {
      const { category, limit, before } = checkQuery(query);
      const out: CallLogEntry[] = [];
      if (limit === 0) return out;
      const rows = s.list[category].iterate({ beforeStart: before?.startedAt ?? null, beforeId: before?.id ?? null });
      // Iterating (not LIMIT in SQL) so a damaged row is skipped without shortening the page.
      for (const row of rows) {
        try {
          out.push(entryFromRow(row));
        } catch (err) {
          log.warn(`call log: skipping an unreadable entry (${(err as Error).message})`);
        }
        if (out.length >= limit) break; // leaving the loop early resets the statement
      }
      return out;
    });
  }

  lastDialed(): CallLogEntry | undefined {
    return this.list({ category: 'dialed', limit: 1 })[0];
  }

  unseenMissed(): number {
    return this.#guard((_db, s) => {
      const row = s.unseenMissed.get() as { n?: unknown } | undefined;
      return typeof row?.n === 'number' ? row.n : 0;
    });
  }

  markMissedSeen(): void {
    this.#guard((db, s) => db.transaction(() => s.markMissedSeen.run())());
  }

  remove(id: number): boolean {
    return this.#guard((db, s) => Number.isSafeInteger(id) && db.transaction(() => s.remove.run(id).changes > 0)());
  }

  clear(category?: CallLogCategory): void {
    this.#guard((db, s) => {
      const { category: which } = checkQuery({ category: category ?? 'all' });
      db.transaction(() => s.clear[which].run())();
    });
  }

  close(): void {
    this.#file.close();
  }

  #guard<T>(op: (db: Database.Database, s: Statements) => T): T {
    return this.#file.run(op);
  }
}
