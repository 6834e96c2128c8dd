/**
 * The phone's directories: the corporate LDAP directory (searched live, recent results cached) and the
 * user's CardDAV address books (synced into the cache), behind one search that ranks both together and keeps
 * working offline from the cache.
 */
import { join } from 'node:path';
import type { PhoneConfig } from '../config/schema.js';
import type { Clock } from '../phone/clock.js';
import type { DialPlan } from '../phone/dial-plan.js';
import { mergeEntries, searchEntries, type DirectoryEntry } from '../phone/directory.js';
import { DEFAULT_DIRECTORY_CACHE_FILE, openDirectoryCache, type DirectoryCache } from '../store/directory-cache.js';
import { createLdapDirectory, type LdapDirectory } from '../directory/ldap-directory.js';
import { createCardDavSync, type CardDavSync } from '../directory/carddav-sync.js';
import { createLogger } from '../util/log.js';

const log = createLogger('directory');

export interface DirectorySearchResult {
  readonly entries: readonly DirectoryEntry[];
  /** LDAP could not be asked (the cached LDAP results were searched instead). */
  readonly ldapError?: string;
  readonly truncated: boolean;
}

export interface PhoneDirectory {
  search(query: string): Promise<DirectorySearchResult>;
  /** CardDAV: sync now (the API's "refresh"); undefined without CardDAV. */
  sync(): Promise<{ ok: boolean; error?: string } | undefined>;
  close(): void;
}

export function wireDirectory(config: PhoneConfig, dataDir: string, plan: DialPlan, clock: Clock): PhoneDirectory {
  const d = config.directory;
  let cache: DirectoryCache | undefined;
  try {
    cache = openDirectoryCache(d.cacheFile ?? join(dataDir, DEFAULT_DIRECTORY_CACHE_FILE), { dialPlan: plan });
    if (cache.recovered) log.warn(`directory cache: ${cache.recovered.reason}; old file kept as ${cache.recovered.movedTo}`);
  } catch (err) {
    // Without a cache the directories still work online.
    log.error(`directory cache unusable (${(err as Error).message}); searching online only`);
  }
  let ldap: LdapDirectory | undefined;
  if (d.ldap) {
    try {
      ldap = createLdapDirectory(d.ldap, { dialPlan: plan, ...(cache ? { cache } : {}) });
    } catch (err) {
      log.error(`LDAP directory off: ${(err as Error).message}`);
    }
  }
  let carddav: CardDavSync | undefined;
  if (d.carddav && cache) {
    carddav = createCardDavSync(d.carddav, { cache, dialPlan: plan });
    carddav.start(clock);
  }
  return {
    async search(query) {
      const q = query.trim();
      if (q === '') return { entries: [], truncated: false };
      const [fromLdap, fromBooks] = await Promise.all([ldap?.search(q), Promise.resolve(carddav?.search(q) ?? [])]);
      const entries = searchEntries(mergeEntries(fromBooks, fromLdap?.entries ?? []), q, { dialPlan: plan });
      return { entries, truncated: fromLdap?.truncated ?? false, ...(fromLdap?.error ? { ldapError: fromLdap.error.message } : {}) };
    },
    async sync() {
      if (!carddav) return undefined;
      const r = await carddav.sync();
      return { ok: r.ok, ...(r.error ? { error: r.error.message } : {}) };
    },
    close() {
      carddav?.stop();
      cache?.close();
    },
  };
}
