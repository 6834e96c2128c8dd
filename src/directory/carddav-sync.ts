/**
 * Personal contacts from a CardDAV server (Nextcloud, iCloud, Radicale, Google), synced into the directory
 * cache so that they are searched locally, with or without the network.
 *
 * A sync discovers the address books (tsdav, basic auth), and for each one:
 *   - skips it when its collection tag (CalendarServer getctag) is the one of the last complete sync;
 *   - else lists the vCards with their etags (one REPORT), downloads only new or changed ones
 *     (addressbook-multiget in batches), and drops the ones gone from the server;
 *   - writes the changes and the new ctag in one transaction, so an interrupted sync is simply redone.
 * Servers without getctag get the etag comparison every time, which is still cheap.
 *
 * Requests go through our own fetch (https-fetch.ts) for every server, http or https, not only for those with
 * a company CA: one code path whichever the configuration, a cap on response sizes (Node's fetch has none and
 * tsdav reads every body whole), and certificate errors in words ("certificate not trusted: …").
 *
 * vCards are parsed here (3.0 and 4.0, and the 2.1 that old Android exports still write): a small tolerant
 * parser that unfolds lines, reads parameters with or without quotes and names, decodes quoted-printable,
 * and keeps only FN, N, TEL, EMAIL, ORG, TITLE, IMPP (SIP) and Apple's X-ABLabel. Photos are skipped without
 * being decoded; sizes are bounded.
 */
import { readFileSync } from 'node:fs';
import { addressBookQuery, createAccount, fetchAddressBooks, fetchVCards, getBasicAuthHeaders, type DAVAddressBook } from 'tsdav';
import type { CardDavConfig } from '../config/directory-schema.js';
import type { Clock, TimerHandle } from '../phone/clock.js';
import type { DialPlan } from '../phone/dial-plan.js';
import {
  boundedText,
  directoryNumber,
  DirectoryError,
  ENTRY_LIMITS,
  numberKindFromTypes,
  type DirectoryEntry,
  type DirectoryNumber,
  type SearchOptions,
} from '../phone/directory.js';
import type { AddressBookChanges, DirectoryCache } from '../store/directory-cache.js';
import { createLogger } from '../util/log.js';
import { createHttpsFetch, HttpsFetchError } from './https-fetch.js';
import { describeNetworkError } from './ldap-directory.js';

const log = createLogger('carddav');

// ---- vCard parsing -------------------------------------------------------------------------------------

export const VCARD_LIMITS = {
  /** A vCard longer than this (characters) is skipped: even with a photo, a contact is far smaller. */
  cardLength: 1024 * 1024,
  /** Properties kept per card; the rest are ignored. */
  properties: 500,
  /** A kept property's value longer than this is ignored (a name, number or address is short). */
  valueLength: 4096,
} as const;

/** Only these properties are kept: everything else (PHOTO, ADR, NOTE, X-…) is skipped unread. */
const KEPT = new Set(['BEGIN', 'END', 'VERSION', 'FN', 'N', 'TEL', 'EMAIL', 'ORG', 'TITLE', 'UID', 'IMPP', 'X-ABLABEL', 'X-SIP']);

export interface VCardProperty {
  /** Apple and Google group related lines: item1.TEL and item1.X-ABLabel. Upper case. */
  readonly group: string | undefined;
  /** Upper case: TEL, FN, … */
  readonly name: string;
  /** Parameter names upper case; values as given, lists split at commas (TYPE=work,voice). */
  readonly params: ReadonlyMap<string, readonly string[]>;
  /** The value, decoded from quoted-printable if so encoded, but not unescaped (see textValue). */
  readonly value: string;
}

/** Splits at `sep` outside double quotes. */
function splitUnquoted(text: string, sep: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of text) {
    if (ch === '"') quoted = !quoted;
    if (ch === sep && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** Position of the first ':' outside double quotes (the end of name and parameters), or -1. */
function valueStart(line: string): number {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (ch === '"') quoted = !quoted;
    else if (ch === ':' && !quoted) return i;
  }
  return -1;
}

const unquote = (s: string) => (s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s);

function parseParams(segments: readonly string[]): Map<string, string[]> {
  const params = new Map<string, string[]>();
  for (const segment of segments) {
    const eq = segment.indexOf('=');
    // vCard 2.1 writes bare types: TEL;WORK;VOICE:…
    const [key, raw] = eq < 0 ? ['TYPE', segment] : [segment.slice(0, eq).trim().toUpperCase(), segment.slice(eq + 1)];
    // TYPE is a list however it is written: TYPE=work,cell / TYPE="work,cell" / TYPE=work;TYPE=cell.
    const values = splitUnquoted(raw, ',')
      .flatMap((v) => (key === 'TYPE' ? unquote(v.trim()).split(',') : [unquote(v.trim())]))
      .map((v) => v.trim())
      .filter((v) => v !== '');
    params.set(key, [...(params.get(key) ?? []), ...values]);
  }
  return params;
}

/** Quoted-printable (vCard 2.1) to text; bytes are UTF-8 unless the charset says Latin-1. */
function decodeQuotedPrintable(value: string, charset: string | undefined): string {
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    const hex = value.slice(i + 1, i + 3);
    if (ch === '=' && /^[0-9A-Fa-f]{2}$/.test(hex)) {
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(ch, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString(/^(iso-8859-1|latin1|windows-1252)$/i.test(charset ?? '') ? 'latin1' : 'utf8');
}

/**
 * Logical lines: a line starting with a space or tab continues the previous one (RFC 6350 §3.2, the one
 * whitespace character is dropped); a quoted-printable line ending in '=' continues on the next (2.1).
 */
function unfold(text: string): string[] {
  const lines: string[] = [];
  for (const raw of text.split(/\r\n|\r|\n/)) {
    const last = lines.length - 1;
    if ((raw.startsWith(' ') || raw.startsWith('\t')) && last >= 0) {
      lines[last] += raw.slice(1);
    } else if (last >= 0 && lines[last]!.endsWith('=') && /QUOTED-PRINTABLE/i.test(lines[last]!.slice(0, Math.max(0, valueStart(lines[last]!))))) {
      lines[last] = lines[last]!.slice(0, -1) + raw;
    } else {
      lines.push(raw);
    }
  }
  return lines;
}

/** One content line as a property; undefined for lines that are not one or not kept. */
function parseLine(line: string): VCardProperty | undefined {
  const colon = valueStart(line);
  if (colon <= 0) return undefined;
  const [head = '', ...paramSegments] = splitUnquoted(line.slice(0, colon), ';');
  const dot = head.lastIndexOf('.');
  const name = head.slice(dot + 1).trim().toUpperCase();
  if (!KEPT.has(name)) return undefined;
  let value = line.slice(colon + 1);
  if (value.length > VCARD_LIMITS.valueLength) return undefined;
  const params = parseParams(paramSegments);
  const encoding = params.get('ENCODING')?.[0]?.toUpperCase();
  if (encoding === 'QUOTED-PRINTABLE') value = decodeQuotedPrintable(value, params.get('CHARSET')?.[0]);
  else if (encoding === 'B' || encoding === 'BASE64') return undefined; // binary: never a kept text property
  return { group: dot > 0 ? head.slice(0, dot).trim().toUpperCase() : undefined, name, params, value };
}

/**
 * Every vCard in `text` (one .vcf may hold several), as its kept properties. Tolerant: lines outside
 * BEGIN/END, unknown properties and broken lines are skipped; a card without END still counts.
 */
export function parseVCards(text: string): VCardProperty[][] {
  const cards: VCardProperty[][] = [];
  let current: VCardProperty[] | undefined;
  let length = 0;
  for (const line of unfold(text)) {
    const prop = parseLine(line);
    if (prop?.name === 'BEGIN' && /^vcard$/i.test(prop.value.trim())) {
      if (current !== undefined) cards.push(current);
      current = [];
      length = 0;
      continue;
    }
    if (current === undefined) continue;
    length += line.length;
    if (prop?.name === 'END' && /^vcard$/i.test(prop.value.trim())) {
      if (length <= VCARD_LIMITS.cardLength) cards.push(current);
      current = undefined;
    } else if (prop !== undefined && current.length < VCARD_LIMITS.properties) {
      current.push(prop);
    }
  }
  if (current !== undefined && length <= VCARD_LIMITS.cardLength) cards.push(current);
  return cards;
}

/** Splits a structured value (N, ORG) at unescaped ';' and unescapes each part (RFC 6350 §3.4). */
export function textComponents(value: string): string[] {
  const parts: string[] = [];
  let current = '';
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && i + 1 < value.length) {
      const next = value[++i]!;
      current += next === 'n' || next === 'N' ? '\n' : next;
    } else if (ch === ';') {
      parts.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  parts.push(current);
  return parts;
}

/** A text value unescaped (\, \; \\ \n); a ';' the writer forgot to escape is kept as text. */
export function textValue(value: string): string {
  return textComponents(value).join(';');
}

/** "tel:+1-555-0100;ext=12" (vCard 4.0 VALUE=uri) → "+1-555-0100"; a plain value as it is. */
function telNumber(value: string): string {
  const v = textValue(value).trim();
  return /^tel:/i.test(v) ? v.slice(4).split(';')[0]!.trim() : v;
}

function types(prop: VCardProperty): string[] {
  return [...(prop.params.get('TYPE') ?? [])];
}

/** Apple's label for a grouped line ("_$!<Mobile>!$_" → "Mobile", "Custom" stays). */
function labelOf(props: readonly VCardProperty[], group: string | undefined): string | undefined {
  if (group === undefined) return undefined;
  const label = props.find((p) => p.name === 'X-ABLABEL' && p.group === group);
  return label === undefined ? undefined : textValue(label.value).replace(/^_\$!<(.*)>!\$_$/, '$1');
}

/** The preferred property of a kind: TYPE=pref or PREF=1 first, else the first one. */
function preferred(props: readonly VCardProperty[], name: string): VCardProperty | undefined {
  const all = props.filter((p) => p.name === name);
  return all.find((p) => types(p).some((t) => t.toLowerCase() === 'pref') || p.params.get('PREF')?.[0] === '1') ?? all[0];
}

/** A SIP address from IMPP (sip: scheme) or X-SIP, or a TEL written as a SIP URI. */
function sipUriOf(props: readonly VCardProperty[]): string | undefined {
  for (const p of props) {
    if (p.name !== 'IMPP' && p.name !== 'X-SIP' && p.name !== 'TEL') continue;
    const v = textValue(p.value).trim();
    if (/^sips?:[^\s<>"@]+@[^\s<>"]+$/i.test(v)) return v;
    if (p.name === 'X-SIP' && /^[^\s<>"@:]+@[^\s<>"]+$/.test(v)) return `sip:${v}`;
  }
  return undefined;
}

/**
 * A parsed vCard as a directory entry with the given id (its URL on the server). The name is FN, else
 * N as "given family", else the organisation, email or first number. Undefined when there is nothing to show.
 */
export function vCardToEntry(props: readonly VCardProperty[], id: string, plan: DialPlan): DirectoryEntry | undefined {
  const text = (p: VCardProperty | undefined) => (p === undefined ? undefined : boundedText(textValue(p.value)));
  const numbers: DirectoryNumber[] = [];
  for (const p of props) {
    if (p.name !== 'TEL' || numbers.length >= ENTRY_LIMITS.numbers) continue;
    const written = telNumber(p.value);
    if (/^sips?:/i.test(written)) continue;
    const label = labelOf(props, p.group);
    const n = directoryNumber(numberKindFromTypes(label === undefined ? types(p) : [...types(p), label]), written, plan);
    if (n !== undefined && !numbers.some((m) => m.normalized === n.normalized)) numbers.push(n);
  }
  const n = props.find((p) => p.name === 'N');
  // N is family;given;additional;prefix;suffix.
  const [family = '', given = '', additional = ''] = n === undefined ? [] : textComponents(n.value);
  const nameFromN = boundedText([given, additional, family].map((s) => s.trim()).filter((s) => s !== '').join(' '));
  const org = props.find((p) => p.name === 'ORG');
  const [company, unit] = org === undefined ? [] : textComponents(org.value).map((s) => boundedText(s));
  const email = text(preferred(props, 'EMAIL'));
  const name = text(props.find((p) => p.name === 'FN')) ?? nameFromN ?? company ?? email ?? numbers[0]?.number;
  if (name === undefined || id === '' || id.length > ENTRY_LIMITS.id) return undefined;
  const entry: { -readonly [K in keyof DirectoryEntry]: DirectoryEntry[K] } = { source: 'carddav', id, name, numbers };
  const title = text(props.find((p) => p.name === 'TITLE'));
  // A contact's organisation is what the user knows it by; the unit is more specific when there is one.
  const department = unit ?? (company !== name ? company : undefined);
  const uri = sipUriOf(props);
  if (email !== undefined) entry.email = email;
  if (title !== undefined) entry.title = title;
  if (department !== undefined) entry.department = department;
  if (uri !== undefined) entry.uri = uri;
  return entry;
}

// ---- sync ----------------------------------------------------------------------------------------------

export interface CardDavSyncResult {
  /** False when the sync could not finish; what was synced before stays in the cache. */
  readonly ok: boolean;
  readonly error?: DirectoryError;
  readonly addressBooks: number;
  /** Address books skipped because their ctag had not changed. */
  readonly unchanged: number;
  /** vCards downloaded (new or changed). */
  readonly downloaded: number;
  /** Contacts dropped (deleted on the server, or no longer readable). */
  readonly removed: number;
  /** vCards that could not be parsed (skipped). */
  readonly unreadable: number;
}

export interface CardDavSync {
  /** Syncs now; a sync already running is joined, not doubled. Never rejects. */
  sync(): Promise<CardDavSyncResult>;
  /** Syncs now and then every syncIntervalMin. */
  start(clock: Clock): void;
  stop(): void;
  /** Searches the synced contacts (the cache: works offline). */
  search(query: string, options?: SearchOptions): DirectoryEntry[];
  /** The result of the last finished sync. */
  readonly lastResult: CardDavSyncResult | undefined;
}

export interface CardDavSyncOptions {
  readonly cache: DirectoryCache;
  readonly dialPlan: DialPlan;
  /** For tests: another fetch (default: createHttpsFetch with the config's tls section). */
  readonly fetch?: typeof fetch;
}

/** vCards per addressbook-multiget request, so one REPORT body stays small. */
const MULTIGET_BATCH = 100;

interface Counts {
  unchanged: number;
  downloaded: number;
  removed: number;
  unreadable: number;
}

class CardDavSyncClient implements CardDavSync {
  #running: Promise<CardDavSyncResult> | undefined;
  #timer: TimerHandle | undefined;
  #clock: Clock | undefined;
  #lastResult: CardDavSyncResult | undefined;

  constructor(
    private readonly cfg: CardDavConfig,
    private readonly options: CardDavSyncOptions,
  ) {
    if (!cfg.tls.verify && /^https:/i.test(cfg.url) && options.fetch === undefined) {
      log.warn(`directory.carddav.tls.verify is false: the certificate of ${cfg.url} is not checked, so anyone on the network path can pose as the server and read the password`);
    }
  }

  get lastResult(): CardDavSyncResult | undefined {
    return this.#lastResult;
  }

  sync(): Promise<CardDavSyncResult> {
    this.#running ??= this.#syncOnce().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  start(clock: Clock): void {
    this.stop();
    this.#clock = clock;
    const tick = () => {
      void this.sync().then(() => {
        if (this.#clock === clock) this.#timer = clock.setTimer(this.cfg.syncIntervalMin * 60_000, tick);
      });
    };
    tick();
  }

  stop(): void {
    this.#clock?.clearTimer(this.#timer);
    this.#clock = undefined;
    this.#timer = undefined;
  }

  search(query: string, options: SearchOptions = {}): DirectoryEntry[] {
    try {
      return this.options.cache.search(query, { ...options, source: 'carddav' });
    } catch (err) {
      log.warn(`directory cache unreadable: ${(err as Error).message}`);
      return [];
    }
  }

  async #syncOnce(): Promise<CardDavSyncResult> {
    const counts: Counts = { unchanged: 0, downloaded: 0, removed: 0, unreadable: 0 };
    let books: DAVAddressBook[] = [];
    let result: CardDavSyncResult;
    try {
      books = await this.#run(counts);
      result = { ok: true, addressBooks: books.length, ...counts };
      log.info(`synced ${books.length} address book(s): ${counts.downloaded} downloaded, ${counts.removed} removed, ${counts.unchanged} unchanged`);
    } catch (err) {
      const error = this.#classify(err);
      log.warn(`sync failed: ${error.message}`);
      result = { ok: false, error, addressBooks: books.length, ...counts };
    }
    this.#lastResult = result;
    return result;
  }

  /**
   * The fetch for one sync. The CA file is read at every sync, not once: a CA installed or renewed later is
   * picked up, and an unreadable one is reported in the sync's result (the status screen), not at start-up.
   */
  #fetch(): typeof fetch {
    if (this.options.fetch !== undefined) return this.options.fetch;
    const { tls, timeoutMs } = this.cfg;
    let ca: Buffer | undefined;
    if (tls.caFile !== undefined) {
      try {
        ca = readFileSync(tls.caFile);
      } catch (err) {
        throw new DirectoryError('config', `directory.carddav.tls.caFile: cannot read ${tls.caFile} (${(err as Error).message})`, err);
      }
    }
    return createHttpsFetch({ verify: tls.verify, timeoutMs, ...(ca === undefined ? {} : { ca }) });
  }

  async #run(counts: Counts): Promise<DAVAddressBook[]> {
    const { cfg, options } = this;
    const requestFetch = this.#fetch();
    const headers = getBasicAuthHeaders({ username: cfg.username, password: cfg.password });
    // One deadline for the whole sync: a server that stops answering half-way cannot hang it.
    const deadline = new AbortController();
    const timer = setTimeout(
      () => deadline.abort(new DirectoryError('timeout', `CardDAV server ${cfg.url} did not finish the sync within ${cfg.timeoutMs} ms`)),
      cfg.timeoutMs,
    );
    try {
      const common = { headers, fetchOptions: { signal: deadline.signal }, fetch: requestFetch };
      const account = await createAccount({ account: { serverUrl: cfg.url, accountType: 'carddav', credentials: { username: cfg.username, password: cfg.password } }, ...common });
      const books = await fetchAddressBooks({ account, ...common });
      for (const book of books) await this.#syncBook(book, common, counts);
      counts.removed += options.cache.keepOnlyAddressBooks(books.map((b) => b.url));
      return books;
    } catch (err) {
      // Whatever the abort made tsdav or fetch throw, the reason is the deadline.
      throw deadline.signal.aborted ? (deadline.signal.reason as DirectoryError) : err;
    } finally {
      clearTimeout(timer);
    }
  }

  async #syncBook(book: DAVAddressBook, common: { headers: Record<string, string>; fetchOptions: RequestInit; fetch: typeof fetch }, counts: Counts): Promise<void> {
    const { cache, dialPlan } = this.options;
    const state = cache.addressBookState(book.url);
    const ctag = typeof book.ctag === 'string' && book.ctag !== '' ? book.ctag : undefined;
    if (ctag !== undefined && ctag === state.ctag) {
      counts.unchanged++;
      return;
    }
    const listing = await addressBookQuery({ url: book.url, props: { 'd:getetag': {} }, depth: '1', ...common });
    const failed = listing.find((r) => r.ok === false && (r.status ?? 0) >= 400 && r.props === undefined);
    if (failed !== undefined) throw new DirectoryError('server', `CardDAV server answered ${failed.status} ${failed.statusText ?? ''} listing ${book.url}`.trim());
    const onServer = new Map<string, string | undefined>();
    for (const r of listing) {
      if (r.href === undefined || r.href === '') continue;
      const url = new URL(r.href, book.url.endsWith('/') ? book.url : `${book.url}/`).href;
      if (url === book.url || url === `${book.url}/`) continue;
      const etag: unknown = r.props?.getetag;
      onServer.set(url, typeof etag === 'string' || typeof etag === 'number' ? String(etag) : undefined);
    }
    const changed = [...onServer].filter(([url, etag]) => etag === undefined || state.etags.get(url) !== etag).map(([url]) => url);
    const removed = [...state.etags.keys()].filter((url) => !onServer.has(url));
    const changes: { upserts: AddressBookChanges['upserts'][number][]; removed: string[] } = { upserts: [], removed };
    for (let i = 0; i < changed.length; i += MULTIGET_BATCH) {
      const batch = changed.slice(i, i + MULTIGET_BATCH);
      const cards = await fetchVCards({ addressBook: book, objectUrls: batch, ...common });
      for (const card of cards) {
        const data: unknown = card.data;
        // A vCard deleted between the listing and the download comes back without data (404 in the multistatus).
        if (typeof data === 'string') counts.downloaded++;
        const props = typeof data === 'string' ? parseVCards(data)[0] : undefined;
        const entry = props === undefined ? undefined : vCardToEntry(props, card.url, dialPlan);
        if (entry === undefined) {
          counts.unreadable++;
          changes.removed.push(card.url);
          log.warn(`skipping unreadable vCard ${card.url}`);
          continue;
        }
        changes.upserts.push({ entry, etag: card.etag ?? onServer.get(card.url) });
      }
    }
    counts.removed += removed.length;
    cache.applyAddressBookChanges(book.url, { ctag, ...changes });
  }

  #classify(err: unknown): DirectoryError {
    if (err instanceof DirectoryError) return err;
    const server = `CardDAV server ${this.cfg.url}`;
    if (err instanceof HttpsFetchError) return this.#classifyFetchError(err, server);
    const message = err instanceof Error ? err.message : String(err);
    if (/Invalid credentials|401/.test(message)) return new DirectoryError('auth', `${server} refused user ${this.cfg.username}: invalid credentials`, err);
    if (/cannot find (principalUrl|homeUrl)/i.test(message)) return new DirectoryError('server', `${server}: no CardDAV account found there (${message})`, err);
    // fetch() wraps the socket error: "fetch failed" with the cause holding the code.
    const cause = (err as { cause?: unknown }).cause;
    return describeNetworkError(cause ?? err, server);
  }

  #classifyFetchError(err: HttpsFetchError, server: string): DirectoryError {
    switch (err.reason) {
      case 'certificate': {
        // Chain problems are what a private CA gives before it is configured: say how to fix it.
        const hint = /UNABLE_TO_(GET|VERIFY)|SELF_SIGNED/.test(err.code ?? '') && this.cfg.tls.caFile === undefined ? '; set directory.carddav.tls.caFile to the CA that signed it' : '';
        return new DirectoryError('tls', `${server}: ${err.message}${hint}`, err);
      }
      case 'tls':
        return new DirectoryError('tls', `${server}: ${err.message}`, err);
      case 'timeout':
        return new DirectoryError('timeout', `${server}: ${err.message}`, err);
      case 'network':
        return describeNetworkError(err, server);
      default:
        return new DirectoryError('server', `${server}: ${err.message}`, err);
    }
  }
}

export function createCardDavSync(cfg: CardDavConfig, options: CardDavSyncOptions): CardDavSync {
  return new CardDavSyncClient(cfg, options);
}
