import { test, describe, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import {
  CallLogClosedError,
  CallLogEntryError,
  DEFAULT_MAX_ENTRIES,
  InMemoryCallLog,
  MAX_TEXT_LENGTH,
  callLogEntryFor,
  categoryOf,
  checkMaxEntries,
  validateNewEntry,
  type CallLogEntry,
  type CallLogStore,
  type FinishedCallFacts,
  type NewCallLogEntry,
} from '../../src/phone/call-log.js';
import type { FinishedCall } from '../../src/phone/call-control.js';
import { openSqliteCallLog } from '../../src/store/sqlite-call-log.js';
import { setLogLevel } from '../../src/util/log.js';

setLogLevel('error');

const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

function facts(over: Partial<FinishedCallFacts> = {}): FinishedCallFacts {
  return { direction: 'incoming', remote: { uri: 'sip:bob@example.com', name: 'Bob', number: '2001' }, startedAt: T0, endedAt: T0 + 20_000, ...over };
}

/** A valid entry; `at` is its start time in seconds after T0. */
function entry(at: number, over: Partial<NewCallLogEntry> = {}): NewCallLogEntry {
  return { direction: 'incoming', outcome: 'missed', remoteUri: `sip:u${at}@example.com`, startedAt: T0 + at * 1000, endedAt: T0 + at * 1000 + 5000, durationS: 0, seen: false, ...over };
}
const dialed = (at: number, over: Partial<NewCallLogEntry> = {}) => entry(at, { direction: 'outgoing', outcome: 'cancelled', seen: true, ...over });
const received = (at: number, over: Partial<NewCallLogEntry> = {}) =>
  entry(at, { outcome: 'answered', answeredAt: T0 + at * 1000 + 1000, durationS: 4, seen: true, ...over });

// ---- the rules that turn a finished call into an entry ------------------------------------------------

describe('callLogEntryFor', () => {
  test('an answered incoming call: talk time from answer to end, rounded to seconds; seen; received', () => {
    const e = callLogEntryFor(facts({ answeredAt: T0 + 4_000, endedAt: T0 + 65_600, line: 2 }));
    assert.equal(e.outcome, 'answered');
    assert.equal(e.durationS, 62); // 61.6 s
    assert.equal(e.answeredAt, T0 + 4_000);
    assert.equal(e.seen, true);
    assert.equal(e.line, 2);
    assert.equal(categoryOf(e), 'received');
    assert.deepEqual([e.remoteUri, e.remoteName, e.remoteNumber], ['sip:bob@example.com', 'Bob', '2001']);
  });

  test('an incoming call nobody answered is missed and unseen, with no talk time', () => {
    for (const outcome of [undefined, 'missed', 'cancelled'] as const) {
      const e = callLogEntryFor(facts({ outcome }));
      assert.equal(e.outcome, 'missed', String(outcome));
      assert.equal(e.durationS, 0);
      assert.equal(e.answeredAt, undefined);
      assert.equal(e.seen, false);
    }
  });

  test('incoming outcomes the core decided are kept; only the unattended ones are missed calls', () => {
    const cases = [['rejected', 'received', true], ['forwarded', 'received', true], ['busy', 'missed', false], ['failed', 'missed', false]] as const;
    for (const [outcome, category, seen] of cases) {
      const e = callLogEntryFor(facts({ outcome, reason: 'why' }));
      assert.equal(e.outcome, outcome);
      assert.equal(categoryOf(e), category, outcome);
      assert.equal(e.seen, seen, outcome);
      assert.equal(e.reason, 'why');
    }
  });

  test('once answered, a call is answered whatever ended it', () => {
    const e = callLogEntryFor(facts({ direction: 'outgoing', outcome: 'failed', answeredAt: T0 + 1000 }));
    assert.equal(e.outcome, 'answered');
    assert.equal(categoryOf(e), 'dialed');
  });

  test('an outgoing call without a given outcome: from who ended it and the final status', () => {
    const out = (o: Partial<FinishedCallFacts>) => callLogEntryFor(facts({ direction: 'outgoing', ...o })).outcome;
    assert.equal(out({ originator: 'local' }), 'cancelled');
    assert.equal(out({ originator: 'remote', status: 486 }), 'busy');
    assert.equal(out({ originator: 'remote', status: 600 }), 'busy');
    assert.equal(out({ originator: 'remote', status: 603 }), 'rejected');
    assert.equal(out({ originator: 'remote', status: 404 }), 'failed');
    assert.equal(out({ originator: 'system' }), 'failed');
    // Outcomes that make no sense for a call we placed are mapped, not stored as given.
    assert.equal(out({ outcome: 'missed' }), 'failed');
    assert.equal(out({ outcome: 'answered' }), 'failed'); // "answered" without an answer time
    assert.equal(out({ outcome: 'busy' }), 'busy');
  });

  test('a wall clock that stepped backwards mid-call gives ordered times, never a negative duration', () => {
    const e = callLogEntryFor(facts({ answeredAt: T0 - 5_000, endedAt: T0 - 60_000 }));
    assert.equal(e.answeredAt, T0);
    assert.equal(e.endedAt, T0);
    assert.equal(e.durationS, 0);
    assert.doesNotThrow(() => validateNewEntry(e));
  });

  test('text from the network: control characters out, blanks dropped, long text cut between code points', () => {
    const long = '😀'.repeat(MAX_TEXT_LENGTH); // 2 UTF-16 units each
    const e = callLogEntryFor(facts({ remote: { uri: ' sip:a@b\r\n', name: '\u0007  ', number: long }, reason: 'Busy\nhere' }));
    assert.equal(e.remoteUri, 'sip:a@b');
    assert.equal(e.remoteName, undefined);
    assert.equal(e.reason, 'Busy here');
    assert.equal(e.remoteNumber?.length, MAX_TEXT_LENGTH);
    assert.equal(e.remoteNumber, '😀'.repeat(MAX_TEXT_LENGTH / 2));
    assert.equal(callLogEntryFor(facts({ remote: { uri: '' } })).remoteUri, 'sip:anonymous@anonymous.invalid');
  });

  test("call-control's FinishedCall is accepted as it is", () => {
    const finished: FinishedCall = {
      id: 'i1', line: 1, direction: 'incoming', outcome: 'answered', remote: { uri: 'sip:carol@example.com' },
      startedAt: T0, answeredAt: T0 + 2000, endedAt: T0 + 12_000,
    };
    const e = callLogEntryFor(finished);
    assert.deepEqual(e, {
      direction: 'incoming', outcome: 'answered', remoteUri: 'sip:carol@example.com', startedAt: T0, answeredAt: T0 + 2000,
      endedAt: T0 + 12_000, durationS: 10, seen: true, line: 1,
    });
  });

  test('whatever the facts, the entry is one every store accepts', () => {
    const outcome = fc.constantFrom('answered', 'missed', 'rejected', 'busy', 'failed', 'cancelled', 'forwarded' as const);
    const time = fc.oneof(fc.integer({ min: -1e6, max: 4e12 }), fc.double(), fc.constant(Number.NaN));
    fc.assert(
      fc.property(
        fc.record({
          direction: fc.constantFrom('incoming', 'outgoing' as const),
          outcome: fc.option(outcome, { nil: undefined }),
          remote: fc.record({ uri: fc.string(), name: fc.option(fc.string({ maxLength: 2000 }), { nil: undefined }) }),
          startedAt: time,
          answeredAt: fc.option(time, { nil: undefined }),
          endedAt: time,
          line: fc.option(fc.integer({ min: -2, max: 9 }), { nil: undefined }),
          status: fc.option(fc.integer({ min: 100, max: 699 }), { nil: undefined }),
        }),
        (f) => {
          const e = validateNewEntry(callLogEntryFor(f));
          assert.equal(e.answeredAt !== undefined, e.outcome === 'answered');
          assert.equal(e.seen, categoryOf(e) !== 'missed');
          if (e.answeredAt === undefined) assert.equal(e.durationS, 0);
          else assert.equal(e.durationS, Math.round((e.endedAt - e.answeredAt) / 1000));
        },
      ),
    );
  });
});

describe('entry and option checks', () => {
  test('every user-facing category: missed, received, dialed', () => {
    assert.equal(categoryOf({ direction: 'incoming', outcome: 'missed' }), 'missed');
    assert.equal(categoryOf({ direction: 'incoming', outcome: 'answered' }), 'received');
    for (const outcome of ['answered', 'cancelled', 'busy', 'failed', 'missed'] as const) {
      assert.equal(categoryOf({ direction: 'outgoing', outcome }), 'dialed');
    }
  });

  test('a bad entry is refused with the field named', () => {
    const bad: [Record<string, unknown>, string][] = [
      [{ direction: 'sideways' }, 'direction'],
      [{ outcome: 'lost' }, 'outcome'],
      [{ remoteUri: '' }, 'remoteUri'],
      [{ remoteName: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, 'remoteName'],
      [{ startedAt: Number.NaN }, 'startedAt'],
      [{ endedAt: T0 - 1 }, 'endedAt'],
      [{ answeredAt: T0 + 1 }, 'answeredAt'], // set, but the outcome is missed
      [{ outcome: 'answered' }, 'answeredAt'], // answered without a time
      [{ durationS: -1 }, 'durationS'],
      [{ seen: 1 }, 'seen'],
      [{ line: 0 }, 'line'],
    ];
    for (const [over, field] of bad) {
      assert.throws(() => validateNewEntry({ ...entry(0), ...over }), (err: unknown) => err instanceof CallLogEntryError && err.field === field, field);
    }
    assert.throws(() => validateNewEntry(null), CallLogEntryError);
  });

  test('a valid entry comes back clean: unknown fields are not kept', () => {
    const clean = validateNewEntry({ ...received(3), id: 99, extra: 'x' });
    assert.deepEqual(clean, received(3));
  });

  test('maxEntries must be a whole number ≥ 1; default 500', () => {
    assert.equal(checkMaxEntries(undefined), DEFAULT_MAX_ENTRIES);
    assert.equal(DEFAULT_MAX_ENTRIES, 500);
    for (const bad of [0, -3, 1.5, Number.NaN]) assert.throws(() => checkMaxEntries(bad), RangeError);
  });
});

// ---- one behavioural suite, run against every CallLogStore --------------------------------------------

type OpenStore = (options?: { maxEntries?: number }) => CallLogStore;

function storeSuite(name: string, open: OpenStore): void {
  describe(`CallLogStore: ${name}`, () => {
    const withStore = (fn: (s: CallLogStore) => void, options?: { maxEntries?: number }) => () => {
      const s = open(options);
      try {
        fn(s);
      } finally {
        s.close();
      }
    };
    const starts = (list: CallLogEntry[]) => list.map((e) => (e.startedAt - T0) / 1000);

    test('add returns the entry with a new id; list gives it back unchanged', withStore((s) => {
      const a = s.add(received(1, { remoteName: 'Zoë 😀', remoteNumber: '+4930123', reason: 'Call ended', line: 2 }));
      const b = s.add(entry(2));
      assert.ok(Number.isSafeInteger(a.id) && a.id > 0);
      assert.notEqual(a.id, b.id);
      assert.deepEqual(a, { id: a.id, ...received(1, { remoteName: 'Zoë 😀', remoteNumber: '+4930123', reason: 'Call ended', line: 2 }) });
      assert.deepEqual(s.list(), [b, a]);
    }));

    test('newest first by start time, whatever the order calls ended in; equal starts newest added first', withStore((s) => {
      s.add(entry(5));
      s.add(entry(1)); // a long call that started early and ended last
      const x = s.add(entry(9));
      const y = s.add(entry(9));
      assert.deepEqual(starts(s.list()), [9, 9, 5, 1]);
      assert.deepEqual(s.list({ limit: 2 }).map((e) => e.id), [y.id, x.id]);
    }));

    test('categories: missed, received and dialed split the log; all is everything', withStore((s) => {
      s.add(entry(1)); // missed
      s.add(entry(2, { outcome: 'busy' })); // all lines busy: missed
      s.add(received(3));
      s.add(entry(4, { outcome: 'rejected', seen: true })); // the user said no: received
      s.add(dialed(5));
      s.add(dialed(6, { outcome: 'answered', answeredAt: T0 + 6500, durationS: 4 }));
      assert.deepEqual(starts(s.list({ category: 'missed' })), [2, 1]);
      assert.deepEqual(starts(s.list({ category: 'received' })), [4, 3]);
      assert.deepEqual(starts(s.list({ category: 'dialed' })), [6, 5]);
      assert.deepEqual(starts(s.list({ category: 'all' })), [6, 5, 4, 3, 2, 1]);
      assert.deepEqual(s.list({ category: 'all' }), s.list());
    }));

    test('paging with the last entry of a page as cursor visits every entry once, even with equal start times', withStore((s) => {
      const ids = [1, 2, 2, 2, 3, 4, 4].map((at) => s.add(at % 2 ? entry(at) : dialed(at)).id);
      const seen: number[] = [];
      let page = s.list({ limit: 2 });
      while (page.length > 0) {
        seen.push(...page.map((e) => e.id));
        page = s.list({ limit: 2, before: page[page.length - 1]! });
      }
      assert.deepEqual(seen, s.list().map((e) => e.id));
      assert.deepEqual([...seen].sort((a, b) => a - b), [...ids].sort((a, b) => a - b));
      // A cursor for an entry that is gone still works: it is a position, not an id lookup.
      const cursor = s.list()[2]!;
      s.remove(cursor.id);
      assert.deepEqual(s.list({ before: cursor }).map((e) => e.id), seen.slice(3));
      assert.deepEqual(starts(s.list({ category: 'dialed', before: { startedAt: T0 + 4000, id: 0 } })), [2, 2, 2]);
    }));

    test('limit 0 gives nothing; a bad query is refused', withStore((s) => {
      s.add(entry(1));
      assert.deepEqual(s.list({ limit: 0 }), []);
      assert.throws(() => s.list({ limit: -1 }), RangeError);
      assert.throws(() => s.list({ limit: 1.5 }), RangeError);
      assert.throws(() => s.list({ category: 'lost' as 'all' }), RangeError);
    }));

    test('lastDialed: the newest call we placed, whatever came in since', withStore((s) => {
      assert.equal(s.lastDialed(), undefined);
      s.add(dialed(1, { remoteUri: 'sip:old@example.com' }));
      s.add(dialed(3, { remoteUri: 'sip:new@example.com' }));
      s.add(entry(4));
      s.add(dialed(2, { remoteUri: 'sip:ended-last@example.com' }));
      assert.equal(s.lastDialed()?.remoteUri, 'sip:new@example.com');
    }));

    test('unseen missed calls are counted until marked seen', withStore((s) => {
      s.add(entry(1));
      s.add(entry(2, { outcome: 'busy' }));
      s.add(entry(3, { seen: true }));
      s.add(received(4, { seen: false })); // not a missed call: never counts
      assert.equal(s.unseenMissed(), 2);
      s.markMissedSeen();
      assert.equal(s.unseenMissed(), 0);
      assert.deepEqual(s.list({ category: 'missed' }).map((e) => e.seen), [true, true, true]);
      assert.equal(s.list({ category: 'received' })[0]?.seen, false);
      s.add(entry(5));
      assert.equal(s.unseenMissed(), 1);
    }));

    test('remove: true once, false after; ids are never reused', withStore((s) => {
      s.add(entry(1));
      const b = s.add(entry(2));
      assert.equal(s.remove(b.id), true);
      assert.equal(s.remove(b.id), false);
      assert.equal(s.remove(12345), false);
      assert.equal(s.remove(Number.NaN), false);
      const c = s.add(entry(3));
      assert.ok(c.id > b.id);
      assert.deepEqual(starts(s.list()), [3, 1]);
    }));

    test('clear one category leaves the others; clear() empties the log', withStore((s) => {
      s.add(entry(1));
      s.add(received(2));
      s.add(dialed(3));
      s.clear('missed');
      assert.deepEqual(starts(s.list()), [3, 2]);
      assert.equal(s.unseenMissed(), 0);
      s.clear('dialed');
      assert.deepEqual(starts(s.list()), [2]);
      s.add(dialed(4));
      s.clear();
      assert.deepEqual(s.list(), []);
      assert.equal(s.lastDialed(), undefined);
    }));

    test('bounded: beyond maxEntries the oldest are dropped', withStore((s) => {
      for (const at of [1, 2, 3, 4, 5]) s.add(entry(at));
      assert.deepEqual(starts(s.list()), [5, 4, 3]);
      s.add(entry(0)); // older than everything kept: it is the one that goes
      assert.deepEqual(starts(s.list()), [5, 4, 3]);
      s.add(dialed(7));
      assert.deepEqual(starts(s.list()), [7, 5, 4]);
      assert.equal(s.unseenMissed(), 2);
    }, { maxEntries: 3 }));

    test('a bad entry is refused and nothing is stored', withStore((s) => {
      assert.throws(() => s.add({ ...entry(1), startedAt: -5 }), CallLogEntryError);
      assert.throws(() => s.add({ ...entry(1), direction: 'up' as 'incoming' }), CallLogEntryError);
      assert.deepEqual(s.list(), []);
    }));

    test('after close every call throws CallLogClosedError; close twice is harmless', () => {
      const s = open();
      s.add(entry(1));
      s.close();
      s.close();
      assert.throws(() => s.list(), CallLogClosedError);
      assert.throws(() => s.add(entry(2)), CallLogClosedError);
      assert.throws(() => s.unseenMissed(), CallLogClosedError);
      assert.throws(() => s.markMissedSeen(), CallLogClosedError);
      assert.throws(() => s.remove(1), CallLogClosedError);
      assert.throws(() => s.clear(), CallLogClosedError);
      assert.throws(() => s.lastDialed(), CallLogClosedError);
      // Closed wins over a bad argument, in every store.
      assert.throws(() => s.add({ ...entry(3), startedAt: -1 }), CallLogClosedError);
      assert.throws(() => s.list({ limit: -1 }), CallLogClosedError);
    });

    test('a bad maxEntries is refused', () => {
      assert.throws(() => open({ maxEntries: 0 }), RangeError);
    });
  });
}

storeSuite('InMemoryCallLog', (options) => new InMemoryCallLog(options));

const dir = mkdtempSync(join(tmpdir(), 'sipdesk-call-log-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
storeSuite('SQLite', (options) => openSqliteCallLog(join(dir, `log-${++files}.db`), options));
