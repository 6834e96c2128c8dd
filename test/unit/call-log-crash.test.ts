/**
 * The call log under repeated kill -9: 200 child processes in turn open the same file, add entries as fast
 * as they can and are killed with SIGKILL at a seeded-random moment (while starting, recovering the WAL
 * the previous child left, or in the middle of add()). Afterwards every entry a child reported as added
 * must be in the file with its exact content, nothing must be there that no child was adding, ids must
 * never have been reused, and the file must pass PRAGMA integrity_check.
 *
 * Reproduce a failure with CALL_LOG_CRASH_SEED=<seed printed in the diagnostics>; the folder of a failed
 * run is kept and named in the diagnostics.
 */
import { mulberry32 } from '../harness/rng.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { callLogEntryFor, type CallLogEntry, type FinishedCallFacts } from '../../src/phone/call-log.js';
import { openSqliteCallLog } from '../../src/store/sqlite-call-log.js';
import { setLogLevel } from '../../src/util/log.js';

setLogLevel('error');

const ROUNDS = 200;
/** Far above anything 200 short-lived children can add, so trimming never removes an entry we check. */
const MAX_ENTRIES = 1_000_000;
/**
 * Whatever the plan, a child is killed once it reported this many entries: on a fast disk (tmpfs) a child
 * adds thousands per 30 ms, and the file (and the O(n) trim in every add) would grow with it.
 */
const MAX_ENTRIES_PER_ROUND = 60;
/** A child stuck somewhere (never opening the log) is killed and the test fails, rather than hanging. */
const ROUND_TIMEOUT_MS = 10_000;

// The compiled modules the children import, next to this compiled test (dist/test/unit → dist/src).
const STORE_MODULE = new URL('../../src/store/sqlite-call-log.js', import.meta.url).href;
const MODEL_MODULE = new URL('../../src/phone/call-log.js', import.meta.url).href;

/**
 * The call a child logs as entry `seq` of round `round`: every field derived from the two numbers, so the
 * parent knows what each reported id must hold. Varied so that every column (optional ones absent and
 * present, non-ASCII text) goes through the file. Self-contained: its source is sent to the children.
 */
function factsFor(round: number, seq: number): FinishedCallFacts {
  const kind = seq % 4;
  const startedAt = Date.UTC(2026, 0, 5) + round * 3_600_000 + seq * 1000;
  // Most rows near the longest text allowed (3 bytes a character in UTF-8): such a row spills into
  // overflow pages, so a commit writes several pages and a kill can land between them, which is what the
  // journal must make harmless. Every fourth row is short, so ordinary rows are covered too.
  const pad = seq % 4 === 3 ? '' : '€'.repeat(960);
  return {
    direction: kind === 1 || kind === 3 ? 'outgoing' : 'incoming',
    remote: {
      uri: `sip:r${round}s${seq}@crash.example;x=${pad}`,
      number: kind === 3 ? undefined : `+1555${round}0${seq}${pad}`,
      name: kind === 0 ? `Zoë Ünal ${round}/${seq} ${pad}` : `${pad}`,
    },
    startedAt,
    answeredAt: kind === 2 ? startedAt + 1500 : undefined,
    endedAt: startedAt + 1500 + 1000 * (seq % 7),
    status: kind === 1 ? 486 : undefined,
    originator: kind === 3 ? 'local' : 'remote',
    reason: kind === 1 ? `Busy here ${round} ${pad}` : undefined,
    line: seq % 3 === 0 ? undefined : (seq % 3) + 1,
  };
}

const expectedEntry = (round: number, seq: number, id: number): CallLogEntry => ({ id, ...callLogEntryFor(factsFor(round, seq)) });

/**
 * The child: opens the log, says whether it had to set the file aside, then adds entries for ever. It
 * writes `BEGIN seq` before add() and `ADDED seq id` only after add() returned (the transaction committed).
 * stdout to a pipe is synchronous on Linux, so a line is in the pipe before the next statement runs.
 */
function childScript(path: string, round: number): string {
  return `
    import { openSqliteCallLog } from ${JSON.stringify(STORE_MODULE)};
    import { callLogEntryFor } from ${JSON.stringify(MODEL_MODULE)};
    ${factsFor.toString()}
    const log = openSqliteCallLog(${JSON.stringify(path)}, { maxEntries: ${MAX_ENTRIES} });
    process.stdout.write('OPEN ' + (log.recovered ? JSON.stringify(log.recovered) : '-') + '\\n');
    for (let seq = 0; ; seq++) {
      // Never fill the disk if the parent is gone and nobody kills us.
      if (performance.now() > ${ROUND_TIMEOUT_MS}) process.exit(3);
      process.stdout.write('BEGIN ' + seq + '\\n');
      const { id } = log.add(callLogEntryFor(factsFor(${round}, seq)));
      process.stdout.write('ADDED ' + seq + ' ' + id + '\\n');
    }
  `;
}

/** When the parent pulls the trigger. */
type KillPlan =
  | { kind: 'after-ids'; ids: number } // right after the n-th reported entry: lands in the next add()
  | { kind: 'after-first-id'; delayMs: number } // somewhere in the loop
  | { kind: 'after-spawn'; delayMs: number }; // node starting, modules loading, the log opening (WAL recovery)


function planKill(random: () => number): KillPlan {
  const between = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1));
  const pick = random();
  if (pick < 0.4) return { kind: 'after-ids', ids: between(1, 40) };
  if (pick < 0.8) return { kind: 'after-first-id', delayMs: between(1, 30) };
  return { kind: 'after-spawn', delayMs: between(1, 160) };
}

interface RoundReport {
  readonly round: number;
  readonly plan: KillPlan;
  /** The `OPEN` line: undefined when killed before the log was open. */
  readonly opened: string | undefined;
  /** seq → id of every entry whose add() returned. */
  readonly added: Map<number, number>;
  /** The seq whose add() had begun but not reported when the kill came, if any. */
  readonly inFlight: number | undefined;
}

/** One child: spawn, kill by plan, and read back everything it wrote. Rejects if it died any other way. */
async function runRound(path: string, round: number, plan: KillPlan): Promise<RoundReport> {
  const child = spawn(process.execPath, ['--input-type=module', '-e', childScript(path, round)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, SIPDESK_LOG: 'error' },
  });
  const kill = () => child.kill('SIGKILL');
  let stdout = '';
  let stderr = '';
  let addedLines = 0;
  let firstIdTimer: NodeJS.Timeout | undefined;
  const spawnTimer = plan.kind === 'after-spawn' ? setTimeout(kill, plan.delayMs) : undefined;
  const stuckTimer = setTimeout(kill, ROUND_TIMEOUT_MS);
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  let counted = 0; // how much of stdout has been scanned for whole lines
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    for (let nl = stdout.indexOf('\n', counted); nl !== -1; nl = stdout.indexOf('\n', counted)) {
      if (stdout.startsWith('ADDED ', counted)) addedLines++;
      counted = nl + 1;
    }
    if (addedLines === 0) return;
    if (plan.kind === 'after-ids' && addedLines >= plan.ids) kill();
    if (plan.kind === 'after-first-id' && firstIdTimer === undefined) firstIdTimer = setTimeout(kill, plan.delayMs);
    if (addedLines >= MAX_ENTRIES_PER_ROUND) kill();
  });
  // 'close' comes after the exit and after stdout is drained: every line the child wrote is in `stdout`.
  const signal = await new Promise<NodeJS.Signals | null>((res) => child.on('close', (_code, sig) => res(sig)));
  clearTimeout(spawnTimer);
  clearTimeout(stuckTimer);
  clearTimeout(firstIdTimer);
  if (signal !== 'SIGKILL') throw new Error(`round ${round}: the child ended by itself (${child.exitCode}), not by our kill: ${stderr}`);
  return { round, plan, ...parseChildOutput(round, stdout) };
}

/** Reads the child's lines strictly: anything unexpected means the child misbehaved. */
function parseChildOutput(round: number, stdout: string): Pick<RoundReport, 'opened' | 'added' | 'inFlight'> {
  const lines = stdout.split('\n');
  // The last piece is '' after a complete last line; a line is written with one write() of < PIPE_BUF
  // bytes, which a pipe keeps whole, so no partial line can be left.
  assert.equal(lines.pop(), '', `round ${round}: output does not end with a whole line`);
  let opened: string | undefined;
  const added = new Map<number, number>();
  let begun: number | undefined;
  for (const line of lines) {
    const [word, ...rest] = line.split(' ');
    if (word === 'OPEN' && opened === undefined && added.size === 0) {
      opened = rest.join(' ');
    } else if (word === 'BEGIN' && opened !== undefined && begun === undefined && Number(rest[0]) === added.size) {
      begun = added.size;
    } else if (word === 'ADDED' && begun !== undefined && Number(rest[0]) === begun && /^[1-9]\d*$/.test(rest[1] ?? '')) {
      added.set(begun, Number(rest[1]));
      begun = undefined;
    } else {
      assert.fail(`round ${round}: unexpected line ${JSON.stringify(line)}`);
    }
  }
  return { opened, added, inFlight: begun };
}

test(`the call log keeps every committed entry across ${ROUNDS} kill -9 of processes writing to it`, { timeout: 180_000 }, async (t) => {
  const seed = Number(process.env.CALL_LOG_CRASH_SEED ?? 20260105);
  const random = mulberry32(seed);
  const dir = mkdtempSync(join(tmpdir(), 'sipdesk-call-log-crash-'));
  const path = join(dir, 'calls.db');
  t.diagnostic(`seed ${seed}, file ${path}`);
  let passed = false;
  try {
    const reports: RoundReport[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const report = await runRound(path, round, planKill(random));
      // The previous child's kill must never make this one find the file unusable and start afresh.
      assert.ok(report.opened === undefined || report.opened === '-', `round ${round}: the log was set aside on open: ${report.opened}`);
      reports.push(report);
    }

    // Checked with a plain connection first: opening the log would set a damaged file aside.
    const raw = new Database(path);
    let rowCount: number;
    try {
      assert.deepEqual(raw.pragma('integrity_check'), [{ integrity_check: 'ok' }]);
      rowCount = (raw.prepare('SELECT count(*) AS n FROM calls').get() as { n: number }).n;
    } finally {
      raw.close();
    }

    const log = openSqliteCallLog(path, { maxEntries: MAX_ENTRIES });
    let stored: CallLogEntry[];
    try {
      assert.equal(log.recovered, undefined);
      stored = log.list();
    } finally {
      log.close();
    }
    assert.equal(stored.length, rowCount, 'every row in the file reads back as a valid entry');
    const byId = new Map(stored.map((e) => [e.id, e]));

    let reported = 0;
    let committedUnreported = 0;
    let rolledBack = 0;
    let killedBeforeOpen = 0;
    let killedBetweenAdds = 0;
    /** Ids in the order the entries were added: AUTOINCREMENT must have handed them out increasing. */
    const idsInOrder: number[] = [];
    for (const { round, added, inFlight, opened, plan } of reports) {
      const where = `round ${round} (${JSON.stringify(plan)})`;
      for (const [seq, id] of added) {
        assert.deepEqual(byId.get(id), expectedEntry(round, seq, id), `${where}: entry ${seq} (id ${id}) was reported added`);
        byId.delete(id);
        idsInOrder.push(id);
        reported++;
      }
      if (opened === undefined) killedBeforeOpen++;
      else if (inFlight === undefined) killedBetweenAdds++;
      if (inFlight === undefined) continue;
      // Killed inside add(): either before its commit (nothing may be there) or after it, before the
      // report (the whole entry must be there). Never a part of one, never some other entry.
      const wanted = callLogEntryFor(factsFor(round, inFlight));
      const committed = [...byId.values()].find((e) => e.remoteUri === wanted.remoteUri);
      if (committed === undefined) {
        rolledBack++;
        continue;
      }
      assert.deepEqual(committed, { id: committed.id, ...wanted }, `${where}: the entry being added when killed`);
      byId.delete(committed.id);
      idsInOrder.push(committed.id);
      committedUnreported++;
    }
    assert.deepEqual([...byId.values()], [], 'entries in the file that no child was adding');
    assert.ok(
      idsInOrder.every((id, i) => i === 0 || id > idsInOrder[i - 1]!),
      'ids increase in the order the entries were added (none reused after a kill)',
    );
    const killsInAdd = rolledBack + committedUnreported;
    t.diagnostic(
      `${ROUNDS} rounds: ${reported} entries reported committed, all present; ${killsInAdd} kills landed inside add() ` +
        `(${rolledBack} not committed, ${committedUnreported} committed before the report), ${killedBetweenAdds} between two add()s, ` +
        `${killedBeforeOpen} before the log was open`,
    );
    assert.ok(reported > ROUNDS, 'the children added entries (the test exercised something)');
    assert.ok(killsInAdd > ROUNDS / 10, `kills inside add() happened often enough to mean something (${killsInAdd})`);
    passed = true;
  } finally {
    if (passed) rmSync(dir, { recursive: true, force: true });
    else t.diagnostic(`failed: the call log and its WAL are kept in ${dir}`);
  }
});
