/**
 * A/B slots: install a verified bundle into the slot that is not running, switch the `current` link to it,
 * count its starts, and roll back to the previous slot when it does not confirm its health in time.
 *
 * Life of an update:
 *   install     verify -> extract to the inactive slot -> state: pending, tries 0 -> previous -> old, current -> new
 *   boot-check  (every service start, as root) pending and tries < maxTries: tries + 1; tries used up: roll back
 *   confirm     (the phone, once registered or its API answers) pending slot is the running one: mark good
 *   rollback    (OnFailure helper) pending slot is running and the service failed for good: roll back now
 */
import { lstat, mkdir, mkdtemp, readlink, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncDir, replaceSymlinkAtomic } from './atomic-file.js';
import { BundleError, DEFAULT_BUNDLE_LIMITS, type BundleLimits } from './bundle-format.js';
import { extractBundle, verifyBundle } from './bundle-verify.js';
import { loadTrustedKeys } from './keys.js';
import { currentLink, otherSlot, previousLink, slotDir, slotsDir, type SlotName, type UpdatePaths } from './paths.js';
import { UpdateStateError, emptyUpdateState, readUpdateState, withSlot, writeUpdateState, type UpdateState } from './update-state.js';
import { compareVersions } from './version.js';

/** Starts a new slot gets to confirm before boot-check returns to the previous one. */
export const DEFAULT_MAX_TRIES = 3;

/** Reads a `current`/`previous` link; null when it does not exist. Anything but slots/a or slots/b is an error. */
export async function readSlotLink(link: string): Promise<SlotName | null> {
  let target: string;
  try {
    target = await readlink(link);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new Error(`${link}: not a symlink to a slot (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  const match = /^(?:.*\/)?slots\/([ab])\/?$/.exec(target);
  if (!match) throw new Error(`${link} points to ${target}, not to slots/a or slots/b`);
  return match[1] as SlotName;
}

export function readActiveSlot(paths: UpdatePaths): Promise<SlotName | null> {
  return readSlotLink(currentLink(paths));
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

export interface InstallOptions {
  limits?: BundleLimits;
  /** Install an older version than the running one (a signed but vulnerable old bundle is otherwise refused). */
  allowDowngrade?: boolean;
  /** Install even though the running slot has not confirmed yet (its fallback slot gets overwritten). */
  force?: boolean;
  now?: () => Date;
  /** The device's architecture (default process.arch); a bundle built for another one is refused. */
  arch?: string;
}

export interface InstallResult {
  slot: SlotName;
  previous: SlotName | null;
  version: string;
  signedBy: string;
  /** True for the first install on a device: nothing to roll back to, so it starts out good. */
  first: boolean;
}

/**
 * Verifies and installs a bundle into the inactive slot and makes it current. Any refusal (bad bundle,
 * version rule, pending slot) happens before the first write, so a refused bundle changes nothing.
 * The caller restarts the service afterwards to run the new slot.
 */
export async function installBundle(paths: UpdatePaths, bundleFile: string, options: InstallOptions = {}): Promise<InstallResult> {
  const now = options.now ?? (() => new Date());
  const keys = await loadTrustedKeys(paths.keysDir);
  const bundle = await verifyBundle(bundleFile, keys, options.limits ?? DEFAULT_BUNDLE_LIMITS);
  const version = bundle.manifest.version;
  const arch = options.arch ?? process.arch;
  if (bundle.manifest.arch !== undefined && bundle.manifest.arch !== arch) {
    throw new BundleError(`bundle was built for ${bundle.manifest.arch}, this device is ${arch}`);
  }

  const active = await readActiveSlot(paths);
  let state: UpdateState;
  try {
    state = await readUpdateState(paths.stateFile);
  } catch (err) {
    // The state only adds bookkeeping to what the links say; a damaged one must not block a repair install.
    if (!(err instanceof UpdateStateError)) throw err;
    state = emptyUpdateState();
  }
  if (active && state.pending?.slot === active && !options.force) {
    throw new BundleError(`slot ${active} is still waiting for its health check; installing now would overwrite the known-good slot ${otherSlot(active)} (use --force to do it anyway)`);
  }
  const activeVersion = active ? state.slots[active]?.version : undefined;
  if (activeVersion) {
    const minVersion = bundle.manifest.minVersion;
    if (minVersion && compareVersions(activeVersion, minVersion) < 0) {
      throw new BundleError(`bundle ${version} needs version ${minVersion} or newer installed first (running ${activeVersion})`);
    }
    if (compareVersions(version, activeVersion) < 0 && !options.allowDowngrade) {
      throw new BundleError(`bundle ${version} is older than the running ${activeVersion} (use --allow-downgrade to install it anyway)`);
    }
  }

  const target: SlotName = active ? otherSlot(active) : 'a';
  await mkdir(slotsDir(paths), { recursive: true, mode: 0o755 });
  // Extract next to the slots (same filesystem: the final move is a rename) under a name no slot uses.
  const staging = await mkdtemp(join(slotsDir(paths), '.incoming-'));
  try {
    const tree = join(staging, 'tree');
    await extractBundle(bundle, tree);
    if (await exists(slotDir(paths, target))) await rename(slotDir(paths, target), join(staging, 'replaced'));
    await rename(tree, slotDir(paths, target));
    await fsyncDir(slotsDir(paths));
  } finally {
    await rm(staging, { recursive: true, force: true });
  }

  const first = active === null;
  const installedAt = now().toISOString();
  let next = withSlot(state, target, { version, health: first ? 'good' : 'pending', installedAt });
  next = { ...next, pending: first ? null : { slot: target, previous: active, tries: 0 } };
  // State before link: a power cut in between leaves a pending entry for a slot that is not current,
  // which the next boot-check simply clears.
  await writeUpdateState(paths.stateFile, next);
  if (active) await replaceSymlinkAtomic(previousLink(paths), `slots/${active}`);
  await replaceSymlinkAtomic(currentLink(paths), `slots/${target}`);
  return { slot: target, previous: active, version, signedBy: bundle.signedBy, first };
}

export type BootCheckAction =
  | 'none' // nothing pending: run the current slot
  | 'counted' // pending slot gets another start
  | 'rolled-back' // pending slot used up its starts: current now points to the previous slot
  | 'cleared' // a pending entry for a slot that is not current (install interrupted): dropped
  | 'no-fallback'; // pending slot used up its starts but there is no previous slot to return to

export interface BootCheckResult {
  action: BootCheckAction;
  active: SlotName | null;
  tries?: number;
  /** Why the state was ignored (unreadable state file): the service still starts. */
  warning?: string;
}

async function rollBack(paths: UpdatePaths, state: UpdateState, failed: SlotName, previous: SlotName): Promise<void> {
  const record = state.slots[failed];
  const next = withSlot({ ...state, pending: null }, failed, record ? { ...record, health: 'bad' } : undefined);
  await writeUpdateState(paths.stateFile, next);
  await replaceSymlinkAtomic(currentLink(paths), `slots/${previous}`);
  await rm(previousLink(paths), { force: true });
}

async function previousSlotUsable(paths: UpdatePaths, slot: SlotName): Promise<boolean> {
  try {
    return (await stat(slotDir(paths, slot))).isDirectory();
  } catch {
    return false;
  }
}

/** Run before every service start (ExecStartPre, as root). Never blocks a start over a damaged state file. */
export async function bootCheck(paths: UpdatePaths, maxTries = DEFAULT_MAX_TRIES): Promise<BootCheckResult> {
  const active = await readActiveSlot(paths);
  let state: UpdateState;
  try {
    state = await readUpdateState(paths.stateFile);
  } catch (err) {
    if (err instanceof UpdateStateError) return { action: 'none', active, warning: `${err.message}; starting slot ${active ?? '?'} as is` };
    throw err;
  }
  const pending = state.pending;
  if (!pending || active === null) return { action: 'none', active };
  if (pending.slot !== active) {
    await writeUpdateState(paths.stateFile, { ...state, pending: null });
    return { action: 'cleared', active };
  }
  if (pending.tries >= maxTries) {
    if (pending.previous === null || !(await previousSlotUsable(paths, pending.previous))) {
      return { action: 'no-fallback', active, tries: pending.tries };
    }
    await rollBack(paths, state, active, pending.previous);
    return { action: 'rolled-back', active: pending.previous, tries: pending.tries };
  }
  const tries = pending.tries + 1;
  await writeUpdateState(paths.stateFile, { ...state, pending: { ...pending, tries } });
  return { action: 'counted', active, tries };
}

/**
 * Immediate rollback of a running pending slot (the service failed for good: config refused with exit 2,
 * or systemd's start limit hit). Returns the slot now current, or null when there was nothing to undo.
 */
export async function rollbackPending(paths: UpdatePaths): Promise<SlotName | null> {
  const active = await readActiveSlot(paths);
  const state = await readUpdateState(paths.stateFile);
  const pending = state.pending;
  if (!pending || active === null || pending.slot !== active || pending.previous === null) return null;
  if (!(await previousSlotUsable(paths, pending.previous))) return null;
  await rollBack(paths, state, active, pending.previous);
  return pending.previous;
}

export interface ConfirmResult {
  confirmed: boolean;
  slot: SlotName | null;
  /** Why nothing was confirmed ("nothing pending"). */
  reason?: string;
}

/** The running slot has proved itself (registered, or API answering): mark it good. Idempotent. */
export async function confirmActiveSlot(paths: UpdatePaths, now: () => Date = () => new Date()): Promise<ConfirmResult> {
  const active = await readActiveSlot(paths);
  const state = await readUpdateState(paths.stateFile);
  const pending = state.pending;
  if (active === null) return { confirmed: false, slot: null, reason: 'no current slot' };
  if (!pending) return { confirmed: false, slot: active, reason: 'nothing pending' };
  if (pending.slot !== active) return { confirmed: false, slot: active, reason: `pending slot ${pending.slot} is not the running one` };
  const record = state.slots[active];
  const next = withSlot({ ...state, pending: null }, active, record ? { ...record, health: 'good', confirmedAt: now().toISOString() } : undefined);
  await writeUpdateState(paths.stateFile, next);
  return { confirmed: true, slot: active };
}

export interface UpdateStatus {
  active: SlotName | null;
  previous: SlotName | null;
  state: UpdateState;
}

export async function readUpdateStatus(paths: UpdatePaths): Promise<UpdateStatus> {
  return {
    active: await readActiveSlot(paths),
    previous: await readSlotLink(previousLink(paths)),
    state: await readUpdateState(paths.stateFile),
  };
}

/** True when the running slot still has to confirm (the phone arms its health gate only then). */
export async function activeSlotIsPending(paths: UpdatePaths): Promise<boolean> {
  try {
    const status = await readUpdateStatus(paths);
    return status.active !== null && status.state.pending?.slot === status.active;
  } catch {
    return false;
  }
}
