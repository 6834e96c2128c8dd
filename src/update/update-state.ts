/**
 * The update state file: which slot holds which version, whether it has proved itself, and the install
 * waiting for its health check (with how many starts it has had). Which slot *runs* is not stored here:
 * the `current` link says that, so the two can never disagree about it.
 *
 * The phone's own process (user sipdesk) writes this file when it confirms, and root reads it at boot to
 * decide on a rollback. The worst a compromised phone process can do with it is cause or prevent a switch
 * between two slots that both hold signed, verified bundles.
 */
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { writeFileAtomic } from './atomic-file.js';
import type { SlotName } from './paths.js';

const slotNameSchema = z.enum(['a', 'b']);

const slotRecordSchema = z.strictObject({
  version: z.string().max(100),
  /** pending: installed, not yet confirmed healthy; good: confirmed; bad: rolled back from. */
  health: z.enum(['pending', 'good', 'bad']),
  installedAt: z.string().max(64),
  confirmedAt: z.string().max(64).optional(),
});

const pendingSchema = z.strictObject({
  slot: slotNameSchema,
  /** The slot to return to; null for the very first install (nothing to roll back to). */
  previous: slotNameSchema.nullable(),
  /** Starts of the service (boot checks) since the install, without a confirm. */
  tries: z.number().int().nonnegative().max(1_000_000),
});

const stateSchema = z.strictObject({
  format: z.literal(1),
  slots: z.strictObject({ a: slotRecordSchema.optional(), b: slotRecordSchema.optional() }),
  pending: pendingSchema.nullable(),
});

export type SlotRecord = z.infer<typeof slotRecordSchema>;
export type PendingInstall = z.infer<typeof pendingSchema>;
export type UpdateState = z.infer<typeof stateSchema>;

export function emptyUpdateState(): UpdateState {
  return { format: 1, slots: {}, pending: null };
}

export class UpdateStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpdateStateError';
  }
}

/** A missing file is an empty state (fresh device); an unreadable or malformed one is an UpdateStateError. */
export async function readUpdateState(path: string): Promise<UpdateState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return emptyUpdateState();
    throw new UpdateStateError(`${path}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UpdateStateError(`${path}: not JSON: ${(err as Error).message}`);
  }
  const parsed = stateSchema.safeParse(json);
  if (!parsed.success) throw new UpdateStateError(`${path}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(top level)'}: ${i.message}`).join('; ')}`);
  return parsed.data;
}

export async function writeUpdateState(path: string, state: UpdateState): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(state, null, 2)}\n`);
}

export function withSlot(state: UpdateState, slot: SlotName, record: SlotRecord | undefined): UpdateState {
  const slots = { ...state.slots };
  if (record) slots[slot] = record;
  else delete slots[slot];
  return { ...state, slots };
}
