/**
 * The settings the user changes at run time (do-not-disturb, forwarding, theme and language), kept across restarts in one
 * small JSON file. Written atomically (temp file, fsync, rename) so a power cut leaves the old or the new
 * file, never half of one; a file that cannot be read is moved aside and the config's values apply.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { createLogger } from '../util/log.js';
import type { CallsConfig } from '../config/calls-schema.js';

const log = createLogger('settings');

const userSettingsSchema = z.strictObject({
  dnd: z.boolean().optional(),
  forwarding: z
    .strictObject({
      always: z.string().min(1).max(256).optional(),
      busy: z.string().min(1).max(256).optional(),
      noAnswer: z.string().min(1).max(256).optional(),
    })
    .optional(),
  /** Chosen on the phone (Settings → Display); the config's ui section is the default. */
  display: z
    .strictObject({
      theme: z.enum(['light', 'dark', 'high-contrast']).optional(),
      locale: z.enum(['en', 'ko']).optional(),
    })
    .optional(),
});

export type UserSettings = z.infer<typeof userSettingsSchema>;

export function loadUserSettings(path: string): UserSettings {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') log.warn(`${path}: cannot read (${(err as Error).message}); using the config's settings`);
    return {};
  }
  try {
    return userSettingsSchema.parse(JSON.parse(text));
  } catch (err) {
    const aside = `${path}.bad-${Date.now()}`;
    log.warn(`${path}: unreadable settings (${(err as Error).message.split('\n')[0]}); moved to ${aside}, using the config's settings`);
    try {
      renameSync(path, aside);
    } catch {
      // leave it; the next save replaces it
    }
    return {};
  }
}

export function saveUserSettings(path: string, settings: UserSettings): void {
  const text = `${JSON.stringify(userSettingsSchema.parse(settings), null, 2)}\n`; // refused before any file is touched
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/**
 * The calls config with the user's own settings over the config's boot values. Saved forwarding replaces
 * the config's targets as a whole, so a target the user cleared stays cleared after a restart.
 */
export function withUserSettings(calls: CallsConfig, saved: UserSettings): CallsConfig {
  const { always: _a, busy: _b, noAnswer: _n, ...forwardingRest } = calls.forwarding;
  return {
    ...calls,
    dnd: { ...calls.dnd, enabled: saved.dnd ?? calls.dnd.enabled },
    forwarding: saved.forwarding === undefined ? calls.forwarding : { ...forwardingRest, ...saved.forwarding },
  };
}
