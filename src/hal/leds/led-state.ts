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

/**
 * The state an LED driver must move `led` to, or undefined when there is nothing to do: the state is the
 * one it already has, or it is malformed (reported through onError, never thrown at the phone).
 */
export function nextLedState(
  driver: string,
  led: string,
  current: NormalLedState | undefined,
  state: LedState,
  onError: (error: Error) => void,
): NormalLedState | undefined {
  let next: NormalLedState;
  try {
    next = normalizeLedState(state);
  } catch (e) {
    onError(new Error(`${driver}: ${led}: ${(e as Error).message}`));
    return undefined;
  }
  return sameLedState(current, next) ? undefined : next;
}
