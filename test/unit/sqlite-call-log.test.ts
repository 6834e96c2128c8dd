import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import type { NewCallLogEntry } from '../../src/phone/call-log.js';
import { CALL_LOG_SCHEMA_VERSION, openSqliteCallLog, type SqliteCallLog } from '../../src/store/sqlite-call-log.js';
import { setLogLevel } from '../../src/util/log.js';

setLogLevel('error');

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
const root = mkdtempSync(join(tmpdir(), 'sipdesk-sqlite-call-log-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
/** A fresh path in a directory that does not exist yet. */
const freshPath = () => join(root, `case-${++n}`, 'calllog', 'calls.db');

function entry(at: number, over: Partial<NewCallLogEntry> = {}): NewCallLogEntry {
  return { direction: 'incoming', outcome: 'missed', remoteUri: `sip:u${at}@example.com`, startedAt: T0 + at * 1000, endedAt: T0 + at * 1000 + 5000, durationS: 0, seen: false, ...over };
}

/** Read through a function so TypeScript does not keep an earlier narrowing of the property. */
const recoveryOf = (log: SqliteCallLog) => log.recovered;

/** Runs fn with warnings captured from stderr (the logger's output). */
function captureWarnings<T>(fn: () => T): { result: T; output: string } {
  setLogLevel('warn');
  const original = process.stderr.write.bind(process.stderr);
  let output = '';
  process.stderr.write = (chunk: string | Uint8Array): boolean => {
    output += String(chunk);
    return true;
  };
  try {
    return { result: fn(), output };
  } finally {
    process.stderr.write = original;
    setLogLevel('error');
  }
}

test('entries, seen flags and the id sequence survive close and reopen; the directory is created', () => {
  const path = freshPath();
  const a = openSqliteCallLog(path);
  assert.equal(a.recovered, undefined);
  const first = a.add(entry(1, { remoteName: 'Zoë', line: 2 }));
  const second = a.add(entry(2, { direction: 'outgoing', outcome: 'busy', seen: true, reason: 'Busy' }));
  const third = a.add(entry(3));
  a.markMissedSeen();
  a.remove(third.id); // the newest id: still not to be handed out again
  a.close();

  const b = openSqliteCallLog(path);
  assert.deepEqual(b.list(), [second, { ...first, seen: true }]);
  assert.equal(b.unseenMissed(), 0);
  assert.deepEqual(b.lastDialed(), second);
  assert.ok(b.add(entry(4)).id > third.id);
  b.close();
});

test('the file is WAL, marked as ours and at the current schema version', () => {
  const path = freshPath();
  const log = openSqliteCallLog(path);
  log.add(entry(1));
  // Read with a second connection while the log is open (what WAL allows).
  const raw = new Database(path, { readonly: true });
  try {
    assert.equal(raw.pragma('journal_mode', { simple: true }), 'wal');
    assert.equal(raw.pragma('user_version', { simple: true }), CALL_LOG_SCHEMA_VERSION);
    assert.equal(raw.pragma('application_id', { simple: true }), 0x5344434c);
    assert.equal((raw.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n, 1);
  } finally {
    raw.close();
  }
  log.close();
});

test('bounded size holds across reopen, and a smaller maximum trims at once', () => {
  const path = freshPath();
  const a = openSqliteCallLog(path, { maxEntries: 5 });
  for (let at = 1; at <= 8; at++) a.add(entry(at));
  a.close();
  const b = openSqliteCallLog(path, { maxEntries: 5 });
  assert.deepEqual(b.list().map((e) => e.startedAt), [8, 7, 6, 5, 4].map((at) => T0 + at * 1000));
  b.close();
  const c = openSqliteCallLog(path, { maxEntries: 2 });
  assert.equal(c.list().length, 2);
  assert.equal(c.unseenMissed(), 2);
  c.close();
});

test('a file that is not SQLite is moved aside with a warning, and a fresh log starts (a stale WAL does not leak in)', () => {
  const path = freshPath();
  mkdirSync(join(path, '..'), { recursive: true });
  const junk = 'this is a text file, not a database\n'.repeat(40);
  writeFileSync(path, junk);
  writeFileSync(`${path}-wal`, 'stale wal');
  const { result: log, output } = captureWarnings(() => openSqliteCallLog(path));
  assert.ok(log.recovered, 'recovered must be set');
  assert.match(log.recovered.movedTo, /calls\.db\.corrupt-\d{4}-\d\d-\d\dT[\d-]+Z$/);
  assert.match(log.recovered.reason, /not a database/);
  assert.equal(readFileSync(log.recovered.movedTo, 'utf8'), junk);
  // SQLite drops a WAL it cannot use when it closes the file; what matters is that none reaches the fresh log.
  assert.ok(!existsSync(`${path}-wal`) || readFileSync(`${path}-wal`, 'utf8') !== 'stale wal');
  assert.match(output, /WARN .*unusable.*moved to/);
  assert.deepEqual(log.list(), []);
  log.add(entry(1));
  log.close();
  const again = openSqliteCallLog(path);
  assert.equal(again.recovered, undefined);
  assert.equal(again.list().length, 1);
  again.close();
});

test('a call log with a damaged page is moved aside', () => {
  const path = freshPath();
  const a = openSqliteCallLog(path);
  for (let at = 0; at < 100; at++) a.add(entry(at, { remoteUri: `sip:${'x'.repeat(300)}${at}@example.com` }));
  a.close();
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 3 * 4096); // page 4: a table or index page
  closeSync(fd);
  const b = openSqliteCallLog(path);
  assert.ok(b.recovered);
  assert.match(b.recovered.movedTo, /\.corrupt-/);
  assert.deepEqual(b.list(), []);
  b.close();
});

test('another program’s SQLite database at the path is left intact, moved aside', () => {
  const path = freshPath();
  mkdirSync(join(path, '..'), { recursive: true });
  const other = new Database(path);
  other.exec("CREATE TABLE contacts (name TEXT); INSERT INTO contacts VALUES ('Alice')");
  other.close();
  const log = openSqliteCallLog(path);
  assert.match(log.recovered?.reason ?? '', /not a sipdesk call log/);
  assert.match(log.recovered?.movedTo ?? '', /\.unsupported-/);
  log.close();
  const moved = new Database(log.recovered!.movedTo, { readonly: true });
  assert.deepEqual(moved.prepare('SELECT name FROM contacts').all(), [{ name: 'Alice' }]);
  moved.close();
});

test('a log written by a newer firmware (higher schema version) is moved aside, not misread', () => {
  const path = freshPath();
  openSqliteCallLog(path).close();
  const raw = new Database(path);
  raw.pragma(`user_version = ${CALL_LOG_SCHEMA_VERSION + 1}`);
  raw.close();
  const log = openSqliteCallLog(path);
  assert.match(log.recovered?.reason ?? '', /newer firmware/);
  log.close();
});

test('a row that does not hold a valid entry is skipped on read, the others are listed', () => {
  const path = freshPath();
  const log = openSqliteCallLog(path);
  log.add(entry(1));
  log.add(entry(3));
  // Passes the table's CHECKs, not the entry rules: ended before it started, answered time on a missed call.
  const raw = new Database(path);
  raw.prepare(`INSERT INTO calls (direction, outcome, remote_uri, started_at, ended_at, duration_s, seen) VALUES ('incoming', 'missed', 'sip:bad@x', ?, ?, 0, 0)`)
    .run(T0 + 2000, T0);
  raw.prepare(`INSERT INTO calls (direction, outcome, remote_uri, started_at, answered_at, ended_at, duration_s, seen) VALUES ('incoming', 'missed', 'sip:bad2@x', ?, ?, ?, 0, 0)`)
    .run(T0 + 2500, T0 + 2600, T0 + 2700);
  raw.close();
  assert.deepEqual(log.list().map((e) => e.remoteUri), ['sip:u3@example.com', 'sip:u1@example.com']);
  assert.deepEqual(log.list({ limit: 2 }).map((e) => e.remoteUri), ['sip:u3@example.com', 'sip:u1@example.com']);
  log.close();
});

test('corruption found while running: the file is moved aside and the operation goes on in a fresh log', () => {
  const path = freshPath();
  const a = openSqliteCallLog(path);
  for (let at = 0; at < 100; at++) a.add(entry(at, { remoteUri: `sip:${'x'.repeat(300)}${at}@example.com` }));
  a.close();
  const log = openSqliteCallLog(path);
  assert.equal(log.recovered, undefined);
  const fd = openSync(path, 'r+');
  writeSync(fd, Buffer.alloc(4096, 0xa5), 0, 4096, 3 * 4096);
  closeSync(fd);
  // Another connection's write makes ours drop its page cache, so the next read meets the damage.
  const raw = new Database(path);
  raw.pragma('user_version = 1');
  raw.close();
  const added = log.add(entry(200));
  const recovered = recoveryOf(log);
  assert.ok(recovered, 'recovered must be set');
  assert.deepEqual(log.list(), [added]);
  log.close();
  assert.ok(existsSync(recovered.movedTo));
});

test('a path where no file can be kept is an error, and nothing is renamed', () => {
  const path = freshPath();
  mkdirSync(path, { recursive: true }); // a directory where the file should be
  assert.throws(() => openSqliteCallLog(path));
  assert.deepEqual(readdirSync(join(path, '..')), ['calls.db']);
});

test('kill -9 right after adding: every entry is there on reopen', async () => {
  const path = freshPath();
  const count = 25;
  const module = resolve('dist/src/store/sqlite-call-log.js');
  const script = `
    import { openSqliteCallLog } from ${JSON.stringify(module)};
    const log = openSqliteCallLog(${JSON.stringify(path)});
    for (let i = 0; i < ${count}; i++) {
      log.add({ direction: 'outgoing', outcome: 'cancelled', remoteUri: 'sip:n' + i + '@example.com',
                startedAt: ${T0} + i, endedAt: ${T0} + i + 10, durationS: 0, seen: true });
    }
    process.stdout.write('DONE\\n');
    setInterval(() => {}, 1000); // wait to be killed, the log still open
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SIPDESK_LOG: 'error' } });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((res) => child.on('exit', (_code, signal) => res(signal)));
  await new Promise<void>((res, rej) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('DONE')) res();
    });
    child.on('exit', (code) => rej(new Error(`child exited (${code}) before DONE: ${stderr}`)));
  });
  child.kill('SIGKILL');
  assert.equal(await exited, 'SIGKILL');
  assert.ok(existsSync(`${path}-wal`), 'the WAL is still there: the process had no chance to checkpoint');

  const log = openSqliteCallLog(path);
  assert.equal(log.recovered, undefined);
  const uris = log.list().map((e) => e.remoteUri);
  assert.equal(uris.length, count);
  assert.deepEqual(uris, Array.from({ length: count }, (_, i) => `sip:n${count - 1 - i}@example.com`));
  log.close();
});
