/**
 * The call log: every finished call as the user sees it afterwards (missed, received, dialed), with redial
 * and the "missed calls" badge. This file holds the rules and the in-memory store; the persistent store is
 * src/store/sqlite-call-log.ts, and both must behave identically (test/unit/call-log.test.ts runs one suite
 * against each).
 *
 * Pure: no I/O and no clock; times come in with the facts of the call.
 */
import type { PartyInfo } from './call-ports.js';

export type CallDirection = 'incoming' | 'outgoing';

export const CALL_OUTCOMES = ['answered', 'missed', 'rejected', 'busy', 'failed', 'cancelled', 'forwarded'] as const;
export type CallOutcome = (typeof CALL_OUTCOMES)[number];

/** The tabs of the call-log screen. Every entry belongs to exactly one. */
export type CallCategory = 'missed' | 'received' | 'dialed';
export const CALL_CATEGORIES: readonly CallCategory[] = ['missed', 'received', 'dialed'];
/** What a list or clear asks for: one tab, or the whole log. */
export type CallLogCategory = CallCategory | 'all';

/**
 * Incoming calls that nobody dealt with: not answered, not rejected by the user, not forwarded by the
 * user's rules. 'busy' is here because the phone, not the user, turned the caller away (all lines in use);
 * 'failed' because the call broke off while it rang. Incoming 'rejected' and 'forwarded' were decisions
 * (a key press, DND in reject mode, a forwarding rule), so they are listed under received with their outcome.
 */
export const MISSED_OUTCOMES: readonly CallOutcome[] = ['missed', 'busy', 'failed'];

export interface CallLogEntry {
  /** Store-assigned, never reused (a screen holding an old id cannot delete a newer entry). */
  readonly id: number;
  readonly direction: CallDirection;
  readonly outcome: CallOutcome;
  readonly remoteUri: string;
  readonly remoteNumber?: string;
  readonly remoteName?: string;
  /** Wall-clock milliseconds since the epoch. */
  readonly startedAt: number;
  /** Set exactly when the outcome is 'answered'. */
  readonly answeredAt?: number;
  readonly endedAt: number;
  /** Talk time in whole seconds (answered → ended); 0 when never answered. */
  readonly durationS: number;
  /** Short user-facing text ("Busy", "Forwarded to sip:bob@…"). */
  readonly reason?: string;
  /** False for a missed call the user has not looked at yet (drives the badge and the lamp). */
  readonly seen: boolean;
  /** The line key the call was on (1-based). */
  readonly line?: number;
}

export type NewCallLogEntry = Omit<CallLogEntry, 'id'>;

/** A position in the list: pass the last entry of one page to get the next. */
export type CallLogCursor = Pick<CallLogEntry, 'startedAt' | 'id'>;

export interface CallLogQuery {
  readonly category?: CallLogCategory;
  /** At most this many entries (default: all). */
  readonly limit?: number;
  /** Only entries listed after this one (paging). */
  readonly before?: CallLogCursor;
}

/**
 * The store the phone core writes finished calls to and the screens read. Lists are newest first (by
 * startedAt, then id). When the store holds more than its maximum, the entries at the end of the list
 * (the oldest) are dropped. Every method throws CallLogClosedError after close().
 */
export interface CallLogStore {
  /** Validates (CallLogEntryError naming the field), stores, and returns the entry with its id. */
  add(entry: NewCallLogEntry): CallLogEntry;
  list(query?: CallLogQuery): CallLogEntry[];
  /** The newest outgoing call: what Redial calls. */
  lastDialed(): CallLogEntry | undefined;
  /** Missed calls not yet seen (the badge count). */
  unseenMissed(): number;
  markMissedSeen(): void;
  /** False when there is no such entry. */
  remove(id: number): boolean;
  /** Empties one category, or the whole log (no argument or 'all'). */
  clear(category?: CallLogCategory): void;
  /** Idempotent. */
  close(): void;
}

export const DEFAULT_MAX_ENTRIES = 500;
/**
 * Longest text kept for a URI, name, number or reason (UTF-16 units): these come from the network, and a
 * hostile caller must not fill the flash. Long enough for any real SIP URI, so Redial still works.
 */
export const MAX_TEXT_LENGTH = 1024;

export class CallLogEntryError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'CallLogEntryError';
  }
}

export class CallLogClosedError extends Error {
  constructor() {
    super('the call log is closed');
    this.name = 'CallLogClosedError';
  }
}

export function categoryOf(entry: Pick<CallLogEntry, 'direction' | 'outcome'>): CallCategory {
  if (entry.direction === 'outgoing') return 'dialed';
  return MISSED_OUTCOMES.includes(entry.outcome) ? 'missed' : 'received';
}

export function inCategory(entry: Pick<CallLogEntry, 'direction' | 'outcome'>, category: CallLogCategory | undefined): boolean {
  return category === undefined || category === 'all' || categoryOf(entry) === category;
}

/** List order: newest first; equal start times by id, newest first. */
export function compareNewestFirst(a: CallLogCursor, b: CallLogCursor): number {
  return b.startedAt - a.startedAt || b.id - a.id;
}

/** True when `entry` comes after `cursor` in list order. */
export function isAfterCursor(entry: CallLogCursor, cursor: CallLogCursor): boolean {
  return compareNewestFirst(cursor, entry) < 0;
}

// ---- validation ---------------------------------------------------------------------------------------

/** The last instant a JavaScript Date can hold (ECMA-262: 8.64e15 ms): beyond it a time is nonsense. */
const MAX_TIME_MS = 8.64e15;

function checkTime(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_TIME_MS) {
    throw new CallLogEntryError(field, `must be whole milliseconds since the epoch, got ${JSON.stringify(value)}`);
  }
  return value;
}

function checkText(value: unknown, field: string, required: boolean): string | undefined {
  if (value === undefined && !required) return undefined;
  if (typeof value !== 'string' || (required && value.length === 0)) {
    throw new CallLogEntryError(field, required ? 'must be a non-empty string' : 'must be a string when present');
  }
  if (value.length > MAX_TEXT_LENGTH) throw new CallLogEntryError(field, `longer than ${MAX_TEXT_LENGTH} characters`);
  return value;
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  const found = allowed.find((a) => a === value);
  if (found === undefined) throw new CallLogEntryError(field, `must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  return found;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Checks an entry (from a caller or read back from disk) and returns a clean copy holding only the known
 * fields. Throws CallLogEntryError naming the first bad field.
 */
export function validateNewEntry(input: unknown): NewCallLogEntry {
  if (!isRecord(input)) throw new CallLogEntryError('entry', 'must be an object');
  const direction = oneOf(input.direction, ['incoming', 'outgoing'] as const, 'direction');
  const outcome = oneOf(input.outcome, CALL_OUTCOMES, 'outcome');
  const remoteUri = checkText(input.remoteUri, 'remoteUri', true)!;
  const remoteNumber = checkText(input.remoteNumber, 'remoteNumber', false);
  const remoteName = checkText(input.remoteName, 'remoteName', false);
  const reason = checkText(input.reason, 'reason', false);
  const startedAt = checkTime(input.startedAt, 'startedAt');
  const endedAt = checkTime(input.endedAt, 'endedAt');
  if (endedAt < startedAt) throw new CallLogEntryError('endedAt', 'is before startedAt');
  const answeredAt = input.answeredAt === undefined ? undefined : checkTime(input.answeredAt, 'answeredAt');
  if (answeredAt !== undefined && (answeredAt < startedAt || answeredAt > endedAt)) {
    throw new CallLogEntryError('answeredAt', 'must lie between startedAt and endedAt');
  }
  if ((answeredAt !== undefined) !== (outcome === 'answered')) {
    throw new CallLogEntryError('answeredAt', 'must be set exactly when the outcome is answered');
  }
  const durationS = input.durationS;
  if (typeof durationS !== 'number' || !Number.isSafeInteger(durationS) || durationS < 0) {
    throw new CallLogEntryError('durationS', 'must be a whole number of seconds ≥ 0');
  }
  if (typeof input.seen !== 'boolean') throw new CallLogEntryError('seen', 'must be true or false');
  const line = input.line;
  if (line !== undefined && (typeof line !== 'number' || !Number.isSafeInteger(line) || line < 1)) {
    throw new CallLogEntryError('line', 'must be a line number ≥ 1 when present');
  }
  return {
    direction, outcome, remoteUri, startedAt, endedAt, durationS, seen: input.seen,
    ...(remoteNumber !== undefined ? { remoteNumber } : {}),
    ...(remoteName !== undefined ? { remoteName } : {}),
    ...(answeredAt !== undefined ? { answeredAt } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(line !== undefined ? { line } : {}),
  };
}

export function checkMaxEntries(value: number | undefined): number {
  const max = value ?? DEFAULT_MAX_ENTRIES;
  if (!Number.isSafeInteger(max) || max < 1) throw new RangeError(`maxEntries must be a whole number ≥ 1, got ${max}`);
  return max;
}

/** Checks a query; returns the limit (Infinity when none) so stores need not repeat the rules. */
export function checkQuery(query: CallLogQuery): { category: CallLogCategory; limit: number; before?: CallLogCursor } {
  const category = query.category ?? 'all';
  if (category !== 'all' && !CALL_CATEGORIES.includes(category)) throw new RangeError(`unknown call-log category ${JSON.stringify(category)}`);
  const limit = query.limit ?? Infinity;
  if (limit !== Infinity && (!Number.isSafeInteger(limit) || limit < 0)) throw new RangeError(`limit must be a whole number ≥ 0, got ${limit}`);
  const before = query.before;
  if (before !== undefined && (!Number.isFinite(before.startedAt) || !Number.isFinite(before.id))) {
    throw new RangeError('before must be an entry (startedAt and id)');
  }
  return { category, limit, ...(before !== undefined ? { before: { startedAt: before.startedAt, id: before.id } } : {}) };
}

// ---- from a finished call to an entry -----------------------------------------------------------------

/**
 * What the call core knows when a call ends. src/phone/call-control.ts's FinishedCall fits as it is; the
 * outcome is optional so a caller that only knows the SIP facts (status, who ended it) gets the same rules.
 */
export interface FinishedCallFacts {
  readonly direction: CallDirection;
  readonly outcome?: CallOutcome;
  readonly remote: PartyInfo;
  readonly startedAt: number;
  readonly answeredAt?: number;
  readonly endedAt: number;
  readonly reason?: string;
  readonly line?: number;
  /** Final SIP status when the call never connected. */
  readonly status?: number;
  readonly originator?: 'local' | 'remote' | 'system';
}

/** RFC 3323's anonymous URI, for a party the network did not name at all. */
const ANONYMOUS_URI = 'sip:anonymous@anonymous.invalid';

function outcomeFor(call: FinishedCallFacts): CallOutcome {
  // Once answered, the call counts as answered whatever ended it (a transfer, a dropped network).
  if (call.answeredAt !== undefined) return 'answered';
  const given = call.outcome === 'answered' ? undefined : call.outcome;
  if (call.direction === 'incoming') {
    // The caller giving up before we answered is, for us, a missed call.
    return given === undefined || given === 'cancelled' ? 'missed' : given;
  }
  // "Missed" means nothing for a call we placed: the far end did not answer, so it failed.
  if (given !== undefined) return given === 'missed' ? 'failed' : given;
  if (call.originator === 'local') return 'cancelled';
  if (call.status === 486 || call.status === 600) return 'busy';
  if (call.status === 603) return 'rejected';
  return 'failed';
}

/** Display text from the network: control characters out (they would break a one-line screen), bounded. */
function cleanText(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (text.length === 0) return undefined;
  if (text.length <= MAX_TEXT_LENGTH) return text;
  // Cut between code points, never inside a surrogate pair.
  let cut = '';
  for (const ch of text) {
    if (cut.length + ch.length > MAX_TEXT_LENGTH) break;
    cut += ch;
  }
  return cut;
}

function wholeMs(value: number): number {
  return Number.isFinite(value) ? Math.min(MAX_TIME_MS, Math.max(0, Math.round(value))) : 0;
}

/** Turns a finished call's facts into the entry to store: outcome rules, clamped times, talk time. */
export function callLogEntryFor(call: FinishedCallFacts): NewCallLogEntry {
  const outcome = outcomeFor(call);
  const startedAt = wholeMs(call.startedAt);
  // The wall clock can step backwards mid-call (NTP setting it after boot): keep the times in order
  // rather than store a negative duration or an entry the store would reject.
  const answeredAt = call.answeredAt === undefined ? undefined : Math.max(startedAt, wholeMs(call.answeredAt));
  const endedAt = Math.max(answeredAt ?? startedAt, wholeMs(call.endedAt));
  const durationS = answeredAt === undefined ? 0 : Math.round((endedAt - answeredAt) / 1000);
  const remoteNumber = cleanText(call.remote.number);
  const remoteName = cleanText(call.remote.name);
  const reason = cleanText(call.reason);
  const line = call.line !== undefined && Number.isSafeInteger(call.line) && call.line >= 1 ? call.line : undefined;
  return {
    direction: call.direction,
    outcome,
    remoteUri: cleanText(call.remote.uri) ?? ANONYMOUS_URI,
    startedAt,
    endedAt,
    durationS,
    // A new missed call lights the badge; anything else the user took part in.
    seen: categoryOf({ direction: call.direction, outcome }) !== 'missed',
    ...(remoteNumber !== undefined ? { remoteNumber } : {}),
    ...(remoteName !== undefined ? { remoteName } : {}),
    ...(answeredAt !== undefined ? { answeredAt } : {}),
    ...(reason !== undefined ? { reason } : {}),
    ...(line !== undefined ? { line } : {}),
  };
}

// ---- the in-memory store ------------------------------------------------------------------------------

/** The call log in memory: unit tests of the phone core, and the fallback when no file can be written. */
export class InMemoryCallLog implements CallLogStore {
  /** Kept in list order (newest first). */
  #entries: CallLogEntry[] = [];
  #nextId = 1;
  #closed = false;
  readonly maxEntries: number;

  constructor(options: { readonly maxEntries?: number } = {}) {
    this.maxEntries = checkMaxEntries(options.maxEntries);
  }

  add(entry: NewCallLogEntry): CallLogEntry {
    this.#checkOpen();
    const stored: CallLogEntry = Object.freeze({ id: this.#nextId++, ...validateNewEntry(entry) });
    const at = this.#entries.findIndex((e) => compareNewestFirst(stored, e) < 0);
    this.#entries.splice(at === -1 ? this.#entries.length : at, 0, stored);
    if (this.#entries.length > this.maxEntries) this.#entries.length = this.maxEntries;
    return stored;
  }

  list(query: CallLogQuery = {}): CallLogEntry[] {
    this.#checkOpen();
    const { category, limit, before } = checkQuery(query);
    const out: CallLogEntry[] = [];
    for (const e of this.#entries) {
      if (out.length >= limit) break;
      if (inCategory(e, category) && (before === undefined || isAfterCursor(e, before))) out.push(e);
    }
    return out;
  }

  lastDialed(): CallLogEntry | undefined {
    return this.list({ category: 'dialed', limit: 1 })[0];
  }

  unseenMissed(): number {
    this.#checkOpen();
    return this.#entries.filter((e) => !e.seen && categoryOf(e) === 'missed').length;
  }

  markMissedSeen(): void {
    this.#checkOpen();
    this.#entries = this.#entries.map((e) => (!e.seen && categoryOf(e) === 'missed' ? Object.freeze({ ...e, seen: true }) : e));
  }

  remove(id: number): boolean {
    this.#checkOpen();
    const before = this.#entries.length;
    this.#entries = this.#entries.filter((e) => e.id !== id);
    return this.#entries.length !== before;
  }

  clear(category?: CallLogCategory): void {
    this.#checkOpen();
    const { category: which } = checkQuery({ category: category ?? 'all' });
    this.#entries = this.#entries.filter((e) => !inCategory(e, which));
  }

  close(): void {
    this.#closed = true;
  }

  #checkOpen(): void {
    if (this.#closed) throw new CallLogClosedError();
  }
}
