/**
 * The phone's side of an update: when it runs from a slot that is still pending, it has `deadlineMs`
 * (120 s) from start to prove itself — registered, or its control API answering. healthy() then confirms
 * the slot. If the deadline passes first, onDeadline runs: the app exits non-zero, systemd restarts it, and
 * the next boot-check counts that start; after the last try it returns to the previous slot.
 */
import { DEFAULT_UPDATE_PATHS, type UpdatePaths } from './paths.js';
import { activeSlotIsPending, confirmActiveSlot, type ConfirmResult } from './slots.js';

export const DEFAULT_HEALTH_DEADLINE_MS = 120_000;

export interface HealthGateOptions {
  paths?: UpdatePaths;
  deadlineMs?: number;
  /** Called once when the deadline passes without healthy(); the app logs and exits with a failure code. */
  onDeadline: () => void;
}

export interface HealthGate {
  /** True when the running slot was pending at arm time (a deadline is running). */
  readonly armed: boolean;
  /** The phone is healthy: confirm the slot (no-op when not armed or already confirmed). */
  healthy(): Promise<ConfirmResult | null>;
  /** Stop the deadline without confirming (the phone is shutting down normally). */
  cancel(): void;
}

export async function armHealthGate(options: HealthGateOptions): Promise<HealthGate> {
  const paths = options.paths ?? DEFAULT_UPDATE_PATHS;
  if (!(await activeSlotIsPending(paths))) {
    return { armed: false, healthy: () => Promise.resolve(null), cancel: () => {} };
  }
  let settled = false;
  const timer = setTimeout(() => {
    if (settled) return;
    settled = true;
    options.onDeadline();
  }, options.deadlineMs ?? DEFAULT_HEALTH_DEADLINE_MS);
  // The phone's own work keeps the process alive; this timer alone must not.
  timer.unref();
  return {
    armed: true,
    async healthy() {
      if (settled) return null;
      settled = true;
      clearTimeout(timer);
      return confirmActiveSlot(paths);
    },
    cancel() {
      settled = true;
      clearTimeout(timer);
    },
  };
}
