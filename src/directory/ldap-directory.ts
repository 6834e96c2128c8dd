/**
 * Corporate directory search over LDAP (ldapts). Each search opens its own connection, binds (or not, for
 * anonymous directories), runs one subtree search with the configured filter and limits, and unbinds: a
 * desk phone searches a few times a day, and a fresh connection has no idle-timeout or reconnect states.
 *
 * The typed text goes into the filter escaped as RFC 4515 says, so "*)(objectClass=*" is searched for as
 * those characters and cannot widen or rewrite the filter. Results are mapped with the configured attribute
 * names and their numbers normalized with the dial plan.
 *
 * search() never rejects. Every failure (bind refused, timeout, server down, TLS) becomes a DirectoryError
 * with a sentence for the user; with a cache, the entries earlier searches returned are searched instead.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { Client, InvalidCredentialsError, NoSuchObjectError, ResultCodeError, type Entry } from 'ldapts';
import { QUERY_PLACEHOLDER, type LdapDirectoryConfig } from '../config/directory-schema.js';
import type { DialPlan } from '../phone/dial-plan.js';
import { boundedText, directoryNumber, DirectoryError, ENTRY_LIMITS, MAX_QUERY_LENGTH, searchEntries, type DirectoryEntry, type DirectoryNumber, type NumberKind } from '../phone/directory.js';
import type { DirectoryCache } from '../store/directory-cache.js';
import { createLogger } from '../util/log.js';

const log = createLogger('ldap');

/**
 * RFC 4515 §3: in an assertion value, `*`, `(`, `)`, `\` and NUL must be written as `\2a`, `\28`, `\29`,
 * `\5c`, `\00`. Everything else (including UTF-8 letters) may stand as it is.
 */
export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\u0000]/g, (ch) => `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** The filter for one search: the template with every {query} replaced by the escaped, trimmed, bounded text. */
export function buildFilter(template: string, query: string): string {
  const value = escapeFilterValue(query.trim().slice(0, MAX_QUERY_LENGTH));
  return template.replaceAll(QUERY_PLACEHOLDER, value);
}

/** The values of an attribute as text (ldapts gives a string, a list, or Buffers for binary attributes). */
function valuesOf(entry: Entry, attribute: string): string[] {
  // Servers may answer with a different case than asked (telephonenumber vs telephoneNumber).
  const key = Object.keys(entry).find((k) => k.toLowerCase() === attribute.toLowerCase());
  const raw = key === undefined ? undefined : entry[key];
  if (raw === undefined) return [];
  const list = Array.isArray(raw) ? raw : [raw];
  return list.map((v) => (Buffer.isBuffer(v) ? v.toString('utf8') : v)).filter((v) => v.trim() !== '');
}

/** The value of the first RDN ("cn=Jan Jansen,ou=people,…" → "Jan Jansen"), a name of last resort. */
function firstRdnValue(dn: string): string | undefined {
  const m = /^[^=]+=((?:\\.|[^,+\\])*)/.exec(dn);
  return m?.[1]?.replace(/\\(.)/g, '$1');
}

/** One LDAP entry as a DirectoryEntry; undefined when it has neither a name nor a number worth showing. */
export function entryFromLdap(entry: Entry, cfg: LdapDirectoryConfig, plan: DialPlan): DirectoryEntry | undefined {
  const a = cfg.attributes;
  const numbers: DirectoryNumber[] = [];
  const add = (kind: NumberKind, values: string[]) => {
    for (const v of values) {
      const n = directoryNumber(kind, v, plan);
      if (n !== undefined && numbers.length < ENTRY_LIMITS.numbers && !numbers.some((m) => m.normalized === n.normalized)) numbers.push(n);
    }
  };
  add('work', valuesOf(entry, a.phone));
  add('mobile', valuesOf(entry, a.mobile));
  const name = boundedText(valuesOf(entry, a.name)[0] ?? firstRdnValue(entry.dn));
  if (name === undefined || entry.dn.length > ENTRY_LIMITS.id) return undefined;
  const result: { -readonly [K in keyof DirectoryEntry]: DirectoryEntry[K] } = { source: 'ldap', id: entry.dn, name, numbers };
  const email = boundedText(valuesOf(entry, a.email)[0]);
  const title = boundedText(valuesOf(entry, a.title)[0]);
  const department = boundedText(valuesOf(entry, a.department)[0]);
  if (email !== undefined) result.email = email;
  if (title !== undefined) result.title = title;
  if (department !== undefined) result.department = department;
  return result;
}

export interface LdapSearchResult {
  /** Best first (searchEntries ranking), at most sizeLimit. */
  readonly entries: readonly DirectoryEntry[];
  /** The server had more than sizeLimit matches: the user should type more. */
  readonly truncated: boolean;
  /** Set when the server could not be asked; entries then come from the cache (possibly none). */
  readonly error?: DirectoryError;
}

export interface LdapDirectory {
  search(query: string): Promise<LdapSearchResult>;
}

export interface LdapDirectoryOptions {
  readonly dialPlan: DialPlan;
  /** Where results are remembered, and searched when the server cannot be reached. */
  readonly cache?: DirectoryCache;
}

function tlsOptions(cfg: LdapDirectoryConfig): ConnectionOptions {
  const options: ConnectionOptions = { rejectUnauthorized: cfg.tls.verify };
  if (cfg.tls.caFile !== undefined) {
    try {
      options.ca = readFileSync(cfg.tls.caFile);
    } catch (err) {
      throw new DirectoryError('config', `directory.ldap.tls.caFile: cannot read ${cfg.tls.caFile} (${(err as Error).message})`);
    }
  }
  return options;
}

/** Node's network error codes, in words: shared by the LDAP and CardDAV clients. */
export function describeNetworkError(err: unknown, server: string): DirectoryError {
  const code = (err as { code?: unknown; cause?: { code?: unknown } } | undefined)?.code ?? (err as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  const message = err instanceof Error ? err.message : String(err);
  switch (typeof code === 'string' ? code : '') {
    case 'ECONNREFUSED':
      return new DirectoryError('unreachable', `${server} refused the connection (is it running?)`, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new DirectoryError('unreachable', `${server}: host name not found`, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
    case 'EPIPE':
      return new DirectoryError('unreachable', `${server} cannot be reached (${String(code)})`, err);
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new DirectoryError('timeout', `${server} did not answer in time`, err);
    default:
      if (typeof code === 'string' && /CERT|TLS|SSL|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) {
        return new DirectoryError('tls', `${server}: TLS certificate not accepted (${code})`, err);
      }
      return new DirectoryError('unreachable', `${server}: ${message}`, err);
  }
}

/** What went wrong, in words for the user and the log. */
function classify(err: unknown, cfg: LdapDirectoryConfig, stage: 'connect' | 'bind' | 'search'): DirectoryError {
  if (err instanceof DirectoryError) return err;
  if (err instanceof InvalidCredentialsError) return new DirectoryError('auth', `LDAP server refused the bind as ${cfg.bindDn ?? '(anonymous)'}: invalid credentials`, err);
  if (err instanceof NoSuchObjectError) return new DirectoryError('server', `LDAP base DN ${cfg.baseDn} does not exist on the server`, err);
  if (err instanceof ResultCodeError) {
    const what = stage === 'bind' ? `bind as ${cfg.bindDn ?? '(anonymous)'}` : stage;
    return new DirectoryError(stage === 'bind' ? 'auth' : 'server', `LDAP ${what} failed: ${err.message} (result code ${err.code})`, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  if (/timed? ?out|timeout/i.test(message)) return new DirectoryError('timeout', `LDAP server ${cfg.url} did not answer within ${cfg.timeoutMs} ms`, err);
  if (/Connection closed|Socket error/i.test(message)) return new DirectoryError('unreachable', `LDAP server ${cfg.url} closed the connection during ${stage}`, err);
  return describeNetworkError(err, `LDAP server ${cfg.url}`);
}

/** The milliseconds left before the deadline, or a timeout error when none are. */
function remaining(deadline: number, cfg: LdapDirectoryConfig): number {
  const left = deadline - Date.now();
  if (left <= 0) throw new DirectoryError('timeout', `LDAP server ${cfg.url} did not answer within ${cfg.timeoutMs} ms`);
  return left;
}

/** Runs a promise against the deadline: whatever ldapts does, a search never waits longer than timeoutMs. */
function withDeadline<T>(promise: Promise<T>, deadline: number, cfg: LdapDirectoryConfig): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DirectoryError('timeout', `LDAP server ${cfg.url} did not answer within ${cfg.timeoutMs} ms`)), remaining(deadline, cfg));
  });
  // The loser of the race may still reject later: that rejection is handled here, not left unhandled.
  promise.catch(() => undefined);
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

class LdapDirectoryClient implements LdapDirectory {
  readonly #tls: ConnectionOptions;

  constructor(
    private readonly cfg: LdapDirectoryConfig,
    private readonly options: LdapDirectoryOptions,
  ) {
    this.#tls = tlsOptions(cfg);
  }

  async search(query: string): Promise<LdapSearchResult> {
    if (query.trim() === '') return { entries: [], truncated: false };
    try {
      const { entries, truncated } = await this.#searchServer(query);
      try {
        this.options.cache?.rememberLdapResults(entries);
      } catch (err) {
        log.warn(`could not cache LDAP results: ${(err as Error).message}`);
      }
      return { entries, truncated };
    } catch (err) {
      const error = err instanceof DirectoryError ? err : new DirectoryError('server', `LDAP search failed: ${(err as Error).message}`, err);
      log.warn(error.message);
      return { entries: this.#fromCache(query), truncated: false, error };
    }
  }

  #fromCache(query: string): DirectoryEntry[] {
    try {
      return this.options.cache?.search(query, { source: 'ldap', limit: this.cfg.sizeLimit }) ?? [];
    } catch (err) {
      log.warn(`directory cache unreadable: ${(err as Error).message}`);
      return [];
    }
  }

  async #searchServer(query: string): Promise<{ entries: DirectoryEntry[]; truncated: boolean }> {
    const cfg = this.cfg;
    const deadline = Date.now() + cfg.timeoutMs;
    const client = new Client({
      url: cfg.url,
      timeout: cfg.timeoutMs,
      connectTimeout: cfg.timeoutMs,
      // ldapts speaks TLS from the first byte whenever tlsOptions is given: only for ldaps://.
      ...(/^ldaps:/i.test(cfg.url) ? { tlsOptions: this.#tls } : {}),
      // DNs come back as the server wrote them; we only keep them as ids.
      strictDN: false,
    });
    let stage: 'connect' | 'bind' | 'search' = 'connect';
    try {
      if (cfg.bindDn !== undefined) {
        stage = 'bind';
        await withDeadline(client.bind(cfg.bindDn, cfg.password ?? ''), deadline, cfg);
      }
      stage = 'search';
      const a = cfg.attributes;
      const result = await withDeadline(
        client.search(cfg.baseDn, {
          scope: 'sub',
          filter: buildFilter(cfg.filter, query),
          attributes: [...new Set([a.name, a.phone, a.mobile, a.email, a.title, a.department])],
          sizeLimit: cfg.sizeLimit,
          // The server's own limit, in whole seconds, so it stops working when we stop waiting.
          timeLimit: Math.max(1, Math.ceil(remaining(deadline, cfg) / 1000)),
        }),
        deadline,
        cfg,
      );
      const entries = result.searchEntries
        .slice(0, cfg.sizeLimit)
        .map((e) => entryFromLdap(e, cfg, this.options.dialPlan))
        .filter((e): e is DirectoryEntry => e !== undefined);
      // ldapts hides the sizeLimitExceeded result code when a sizeLimit was asked for: a full page means "maybe more".
      const truncated = result.searchEntries.length >= cfg.sizeLimit;
      return { entries: rankServerResults(entries, query, this.options.dialPlan), truncated };
    } catch (err) {
      throw classify(err, cfg, stage);
    } finally {
      client.unbind().catch(() => undefined);
    }
  }
}

/**
 * The server's matches in our ranking (searchEntries). Matches the local rules do not recognise (the filter
 * template may match attributes we do not map, like uid or a phonetic name) follow by name, rather than
 * being hidden.
 */
function rankServerResults(entries: readonly DirectoryEntry[], query: string, plan: DialPlan): DirectoryEntry[] {
  const ranked = searchEntries(entries, query, { dialPlan: plan, limit: entries.length });
  const recognised = new Set(ranked);
  const rest = entries.filter((e) => !recognised.has(e)).sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }));
  return [...ranked, ...rest];
}

/**
 * A directory for the `directory.ldap` config section. Throws DirectoryError('config') only for a CA file
 * that cannot be read; every other problem shows up in search results.
 */
export function createLdapDirectory(cfg: LdapDirectoryConfig, options: LdapDirectoryOptions): LdapDirectory {
  return new LdapDirectoryClient(cfg, options);
}
