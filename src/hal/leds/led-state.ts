/**
 * LED states in one normalised form, so drivers can tell "the same state again" (no write) from a change,
 * and reject a nonsensical blink (zero, negative or non-finite times) with a clear message.
 */
import type { LedState } from '../hal-types.js';

export type NormalLedState = { readonly kind: 'off' } | { readonly kind: 'on' } | { readonly kind: 'blink'; readonly onMs: number; readonly offMs: number };

export function normalizeLedState(state: LedState): NormalLedState {
  if (state === 'off' || state === 'on') return { kind: state };
  const blink = typeof state === 'object' && state !== null ? state.blink : undefined;
  const onMs = blink?.onMs;
  const offMs = blink?.offMs ?? onMs;
  if (typeof onMs !== 'number' || typeof offMs !== 'number' || !(onMs > 0 && offMs > 0) || !Number.isFinite(onMs + offMs)) {
    throw new Error(`invalid LED state ${JSON.stringify(state)}: use 'off', 'on' or { blink: { onMs > 0, offMs? > 0 } }`);
  }
  return { kind: 'blink', onMs: Math.round(onMs), offMs: Math.round(offMs) };
}

export function sameLedState(a: NormalLedState | undefined, b: NormalLedState): boolean {
  if (!a || a.kind !== b.kind) return false;
  return a.kind !== 'blink' || b.kind !== 'blink' || (a.onMs === b.onMs && a.offMs === b.offMs);
}
