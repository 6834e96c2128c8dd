/**
 * Factory reset: removes everything of the user's — the state folder (call log, settings, directory cache,
 * anything else the phone keeps there) and the config folder (phone.yaml with its account and password,
 * certificates) — and keeps what belongs to the device: the installed slots, the update keys, and the
 * update state (slot bookkeeping, no user data). Data files the config placed elsewhere
 * (storage.dataDir, directory.cacheFile) are removed too.
 *
 * Deleting is not shredding: on flash storage an overwrite does not reach the old blocks (wear levelling),
 * so the README recommends full-disk encryption where that matters.
 */
import { lstat, readdir, rm } from 'node:fs/promises';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { loadConfigFile } from '../config/load.js';

export interface FactoryResetOptions {
  /** The phone's StateDirectory (default /var/lib/sipdesk). */
  stateDir: string;
  /** The config folder (default /etc/sipdesk). */
  configDir: string;
  /** The phone's config file, read first to find data it placed outside stateDir (default configDir/phone.yaml). */
  configFile?: string;
  /** Entry names kept in stateDir (default: update-state.json). */
  keepInStateDir?: string[];
  /** Entry names kept in configDir (default: update-keys). */
  keepInConfigDir?: string[];
}

export interface FactoryResetResult {
  removed: string[];
  kept: string[];
  /** Things that could not be removed; empty on success. */
  errors: string[];
}

// The files the phone writes into its data folder (src/app/phone.ts, src/store), with SQLite's side files.
const DATA_FILES = ['settings.json', 'calllog.db', 'directory.db'];
const SQLITE_SIDE_FILES = ['', '-wal', '-shm', '-journal'];

function inside(dir: string, path: string): boolean {
  const rel = relative(resolve(dir), resolve(path));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Files the config points at outside the two wiped folders. A config that does not load names none. */
async function configuredDataFiles(configFile: string, wiped: string[]): Promise<string[]> {
  let storageDir: string | undefined;
  let cacheFile: string | undefined;
  try {
    const config = await loadConfigFile(configFile);
    storageDir = config.storage.dataDir;
    cacheFile = config.directory.cacheFile;
  } catch {
    return [];
  }
  const files: string[] = [];
  // Only the phone's own file names, never the folder itself: dataDir might be "/" or a home folder.
  if (storageDir) for (const name of DATA_FILES) for (const side of SQLITE_SIDE_FILES) files.push(join(storageDir, name + side));
  if (cacheFile) for (const side of SQLITE_SIDE_FILES) files.push(cacheFile + side);
  return files.filter((f) => !wiped.some((dir) => inside(dir, f)));
}

async function removeIfPresent(path: string, result: FactoryResetResult): Promise<void> {
  try {
    await lstat(path);
  } catch {
    return;
  }
  try {
    await rm(path, { recursive: true, force: true });
    result.removed.push(path);
  } catch (err) {
    result.errors.push(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function wipeFolder(dir: string, keep: string[], result: FactoryResetResult): Promise<void> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    result.errors.push(`${dir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    return;
  }
  for (const name of names) {
    const path = join(dir, name);
    if (keep.includes(name)) {
      result.kept.push(path);
      continue;
    }
    // rm does not follow symlinks: a link in the folder is removed, not what it points to.
    await removeIfPresent(path, result);
  }
}

export async function factoryReset(options: FactoryResetOptions): Promise<FactoryResetResult> {
  const result: FactoryResetResult = { removed: [], kept: [], errors: [] };
  const configFile = options.configFile ?? join(options.configDir, 'phone.yaml');
  const outside = await configuredDataFiles(configFile, [options.stateDir, options.configDir]);
  await wipeFolder(options.stateDir, options.keepInStateDir ?? ['update-state.json'], result);
  await wipeFolder(options.configDir, options.keepInConfigDir ?? ['update-keys'], result);
  for (const file of outside) await removeIfPresent(file, result);
  // A config file kept outside configDir (run --config elsewhere) holds the account too.
  if (!inside(options.configDir, configFile)) await removeIfPresent(configFile, result);
  return result;
}
