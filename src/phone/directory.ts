/**
 * Directory entries as the phone sees them, wherever they came from (the corporate LDAP directory or the
 * user's CardDAV address book), and the rules for finding them: case- and accent-insensitive name matching,
 * numbers matched by their digits whatever separators the source wrote, prefix matches ranked first.
 *
 * Every number keeps what the source wrote (shown to the user) next to its dial-plan normalized form
 * (dialed, and compared with caller numbers), so "020 123 4567" in a vCard and "+31201234567" from a caller
 * are recognised as the same person.
 */
import type { DialPlan } from './dial-plan.js';

export type DirectorySource = 'ldap' | 'carddav';
export type NumberKind = 'work' | 'mobile' | 'home' | 'other';

export interface DirectoryNumber {
  readonly kind: NumberKind;
  /** As the source wrote it ("020 123 4567"). */
  readonly number: string;
  /** Through the dial plan ("+31201234567"). */
  readonly normalized: string;
}

export interface DirectoryEntry {
  readonly source: DirectorySource;
  /** Unique within its source: the LDAP DN, or the vCard's URL on the CardDAV server. */
  readonly id: string;
  readonly name: string;
  readonly numbers: readonly DirectoryNumber[];
  readonly email?: string;
  readonly title?: string;
  readonly department?: string;
  /** A SIP URI to call instead of a number, when the source gives one. */
  readonly uri?: string;
}

/**
 * Bounds on what a directory may hand us: a hostile or broken server must not fill the phone's memory or
 * screen. Longer text is cut, extra numbers are dropped.
 */
export const ENTRY_LIMITS = { text: 256, number: 64, numbers: 16, id: 1024 } as const;
/** Longest search text looked at; nobody types more on a keypad, and the LDAP filter stays small. */
export const MAX_QUERY_LENGTH = 64;

const NUMBER_KINDS: readonly NumberKind[] = ['work', 'mobile', 'home', 'other'];

/**
 * The kind of a number from vCard TEL TYPE values (or an Apple X-ABLabel): "CELL", "iPhone" and "mobile"
 * are mobile; "WORK" work; "HOME" home; fax, pager and anything unknown is other. Mobile wins over work
 * ("TYPE=work,cell" is a company mobile: the user thinks of it as the mobile).
 */
export function numberKindFromTypes(types: readonly string[]): NumberKind {
  const t = types.map((s) => s.trim().toLowerCase());
  if (t.some((s) => s === 'fax' || s.endsWith('fax') || s === 'pager')) return 'other';
  if (t.some((s) => s === 'cell' || s === 'mobile' || s === 'iphone' || s.includes('mobile'))) return 'mobile';
  if (t.some((s) => s === 'work' || s.includes('work'))) return 'work';
  if (t.some((s) => s === 'home' || s.includes('home'))) return 'home';
  return 'other';
}

/** Cuts text to the entry bound (on a code-point boundary) and trims it; undefined when nothing is left. */
export function boundedText(value: string | undefined, max: number = ENTRY_LIMITS.text): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  if (trimmed === '') return undefined;
  return trimmed.length <= max ? trimmed : Array.from(trimmed).slice(0, max).join('').trim();
}

/** A number as written plus its normalized form; undefined for an empty or absurdly long one. */
export function directoryNumber(kind: NumberKind, written: string, plan: DialPlan): DirectoryNumber | undefined {
  const number = boundedText(written, ENTRY_LIMITS.number * 2);
  if (number === undefined || number.length > ENTRY_LIMITS.number) return undefined;
  return { kind, number, normalized: plan.normalize(number).number };
}

/** The entry with its numbers normalized again, for a dial plan that changed since the entry was stored. */
export function renormalize(entry: DirectoryEntry, plan: DialPlan): DirectoryEntry {
  return { ...entry, numbers: entry.numbers.map((n) => ({ ...n, normalized: plan.normalize(n.number).number })) };
}

/** Thrown by checkEntry: which field of a stored or received entry is wrong. */
export class DirectoryEntryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DirectoryEntryError';
  }
}

const optionalText = (value: unknown, field: string): string | undefined => {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new DirectoryEntryError(`${field} must be text`);
  return boundedText(value);
};

/** Checks an entry field by field (one read back from the cache, which may have been damaged or edited). */
export function checkEntry(value: unknown): DirectoryEntry {
  if (typeof value !== 'object' || value === null) throw new DirectoryEntryError('entry is not an object');
  const v = value as Record<string, unknown>;
  if (v.source !== 'ldap' && v.source !== 'carddav') throw new DirectoryEntryError(`unknown source ${String(v.source)}`);
  if (typeof v.id !== 'string' || v.id === '' || v.id.length > ENTRY_LIMITS.id) throw new DirectoryEntryError('id must be non-empty text');
  const name = optionalText(v.name, 'name');
  if (name === undefined) throw new DirectoryEntryError(`entry ${v.id}: no name`);
  if (!Array.isArray(v.numbers) || v.numbers.length > ENTRY_LIMITS.numbers) throw new DirectoryEntryError(`entry ${v.id}: numbers must be a list`);
  const numbers = v.numbers.map((n: unknown, i): DirectoryNumber => {
    const r = (typeof n === 'object' && n !== null ? n : {}) as Record<string, unknown>;
    if (!NUMBER_KINDS.includes(r.kind as NumberKind)) throw new DirectoryEntryError(`entry ${String(v.id)}: numbers.${i}.kind is unknown`);
    if (typeof r.number !== 'string' || r.number === '' || r.number.length > ENTRY_LIMITS.number) throw new DirectoryEntryError(`entry ${String(v.id)}: numbers.${i}.number is bad`);
    if (typeof r.normalized !== 'string') throw new DirectoryEntryError(`entry ${String(v.id)}: numbers.${i}.normalized is bad`);
    return { kind: r.kind as NumberKind, number: r.number, normalized: r.normalized };
  });
  const entry: { -readonly [K in keyof DirectoryEntry]: DirectoryEntry[K] } = { source: v.source, id: v.id, name, numbers };
  const email = optionalText(v.email, 'email');
  const title = optionalText(v.title, 'title');
  const department = optionalText(v.department, 'department');
  const uri = optionalText(v.uri, 'uri');
  if (email !== undefined) entry.email = email;
  if (title !== undefined) entry.title = title;
  if (department !== undefined) entry.department = department;
  if (uri !== undefined) entry.uri = uri;
  return entry;
}

// ---- search ------------------------------------------------------------------------------------------

/** Lower case without accents, so "jurgen" finds "Jürgen" and "ANGSTROM" finds "Ångström". */
export function foldText(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLocaleLowerCase('en-US');
}

/** Only the digits (and * #) of a number: "+31 (20) 123-45" → "312012345". */
function digitsOf(text: string): string {
  return text.replace(/[^0-9*#]/g, '');
}

/** Text that reads as a phone number being typed: digits with the separators people write, nothing else. */
const NUMBER_LIKE = /^\+?[0-9*#\s\-.()/]+$/;

/** How well an entry matches; lower is better. */
const enum Rank {
  NamePrefix = 0,
  WordPrefix = 1,
  NumberPrefix = 2,
  NameContains = 3,
  NumberContains = 4,
  OtherField = 5,
  None = 99,
}

interface Query {
  readonly text: string;
  /** Digit strings to look for in numbers: as typed, and after the dial plan when one is given. */
  readonly digits: readonly string[];
}

function prepareQuery(raw: string, plan: DialPlan | undefined): Query | undefined {
  const trimmed = raw.trim().slice(0, MAX_QUERY_LENGTH);
  if (trimmed === '') return undefined;
  const digits: string[] = [];
  if (NUMBER_LIKE.test(trimmed)) {
    const typed = digitsOf(trimmed);
    if (typed !== '') digits.push(typed);
    // "0201234" typed finds "+31 20 1234567" stored: compare in normalized form too.
    const normalized = plan === undefined ? '' : digitsOf(plan.normalize(trimmed).number);
    if (normalized !== '' && normalized !== typed) digits.push(normalized);
  }
  return { text: foldText(trimmed), digits };
}

function rankOf(entry: DirectoryEntry, q: Query): Rank {
  let best = Rank.None;
  const name = foldText(entry.name);
  if (name.startsWith(q.text)) return Rank.NamePrefix;
  // Word starts: "smi" finds "John Smith", "de v" finds "Anna de Vries".
  if (name.split(/[\s,.'’()-]+/).some((word, i, words) => word !== '' && words.slice(i).join(' ').startsWith(q.text))) best = Rank.WordPrefix;
  for (const n of entry.numbers) {
    const candidates = [digitsOf(n.number), digitsOf(n.normalized)];
    for (const d of q.digits) {
      if (candidates.some((c) => c.startsWith(d))) best = Math.min(best, Rank.NumberPrefix);
      else if (candidates.some((c) => c.includes(d))) best = Math.min(best, Rank.NumberContains);
    }
  }
  if (best > Rank.NameContains && name.includes(q.text)) best = Rank.NameContains;
  if (best === Rank.None) {
    const others = [entry.email, entry.department, entry.title].filter((s): s is string => s !== undefined);
    if (others.some((s) => foldText(s).includes(q.text))) best = Rank.OtherField;
  }
  return best;
}

/** Same-ranked entries: by name as people sort them, personal contacts before the corporate directory, then by id. */
function compareEntries(a: DirectoryEntry, b: DirectoryEntry): number {
  return (
    a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) ||
    (a.source === b.source ? 0 : a.source === 'carddav' ? -1 : 1) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export interface SearchOptions {
  /** Most results (default 50). */
  readonly limit?: number;
  /** Also match a typed number in its normalized form ("0201" finds "+31 20 1…"). */
  readonly dialPlan?: DialPlan;
}

/**
 * The entries matching `query`, best first: name starts with it, then a word of the name does, then a number
 * starts with its digits, then name or number merely contain it, then email, department or title contain
 * it. An empty query finds nothing (listing a whole directory is not a search).
 */
export function searchEntries(entries: Iterable<DirectoryEntry>, query: string, options: SearchOptions = {}): DirectoryEntry[] {
  const q = prepareQuery(query, options.dialPlan);
  const limit = Math.max(0, Math.floor(options.limit ?? 50));
  if (q === undefined || limit === 0) return [];
  const hits: { entry: DirectoryEntry; rank: Rank }[] = [];
  for (const entry of entries) {
    const rank = rankOf(entry, q);
    if (rank !== Rank.None) hits.push({ entry, rank });
  }
  hits.sort((a, b) => a.rank - b.rank || compareEntries(a.entry, b.entry));
  return hits.slice(0, limit).map((h) => h.entry);
}

/**
 * Several result lists as one (personal contacts, live LDAP results, cached LDAP results): the first
 * occurrence of each source+id is kept, so a fresh LDAP result replaces its cached copy when listed first.
 */
export function mergeEntries(...lists: readonly (readonly DirectoryEntry[])[]): DirectoryEntry[] {
  const seen = new Set<string>();
  const out: DirectoryEntry[] = [];
  for (const list of lists) {
    for (const entry of list) {
      const key = `${entry.source}\u0000${entry.id}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(entry);
    }
  }
  return out;
}

/**
 * Who is calling: the first entry with a number whose normalized form equals the caller's normalized
 * number (personal contacts first, as in the search order).
 */
export function findByNumber(entries: Iterable<DirectoryEntry>, number: string, plan: DialPlan): DirectoryEntry | undefined {
  const wanted = plan.normalize(number).number;
  if (digitsOf(wanted) === '') return undefined;
  let found: DirectoryEntry | undefined;
  for (const entry of entries) {
    if (!entry.numbers.some((n) => n.normalized === wanted)) continue;
    if (entry.source === 'carddav') return entry;
    found ??= entry;
  }
  return found;
}

// ---- errors --------------------------------------------------------------------------------------------

/**
 * Why a directory could not be asked, for the search screen ("Directory offline: showing saved results")
 * and the log: `auth` bind or login refused, `timeout` no answer in time, `unreachable` server down or
 * unknown, `tls` certificate refused, `server` the server answered with an error, `config` a setting
 * cannot work (unreadable CA file).
 */
export type DirectoryErrorKind = 'auth' | 'timeout' | 'unreachable' | 'tls' | 'server' | 'config';

export class DirectoryError extends Error {
  constructor(
    readonly kind: DirectoryErrorKind,
    message: string,
    readonly detail?: unknown,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}
