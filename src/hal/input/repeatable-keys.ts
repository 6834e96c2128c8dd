/**
 * Keys that auto-repeat while held. Only navigation and volume keys do: a held digit must dial one digit,
 * and a held feature key (hold, transfer) must not toggle its feature on and off.
 */
const REPEATABLE = new Set(['up', 'down', 'left', 'right', 'volumeUp', 'volumeDown']);

export function isRepeatableKey(code: string): boolean {
  return REPEATABLE.has(code);
}
