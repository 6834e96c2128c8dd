/**
 * Linux input event codes (include/uapi/linux/input-event-codes.h) for what a desk phone uses: event types,
 * sync codes and the absolute axes of a touch panel. Key and switch names are the board schema's tables
 * (src/config/board-schema.ts), shared with the descriptor's validation.
 */
import { linuxHookCode } from '../../config/board-schema.js';

export const EV_SYN = 0x00;
export const EV_KEY = 0x01;
export const EV_ABS = 0x03;
export const EV_SW = 0x05;

export const SYN_REPORT = 0;
export const SYN_DROPPED = 3;

export const ABS_X = 0x00;
export const ABS_Y = 0x01;
export const ABS_MT_SLOT = 0x2f;
export const ABS_MT_POSITION_X = 0x35;
export const ABS_MT_POSITION_Y = 0x36;
export const ABS_MT_TRACKING_ID = 0x39;

export const BTN_TOUCH = 0x14a;

/** An input the descriptor names: which event type carries it, and its code within that type. */
export interface InputCode {
  readonly type: typeof EV_KEY | typeof EV_SW;
  readonly code: number;
}

/**
 * Resolves a descriptor name: `KEY_…`/`BTN_…` (EV_KEY), `SW_…` (EV_SW), or a decimal key number (EV_KEY,
 * for keys missing from the table) — the board schema's own tables and rules, so a name the schema accepts
 * is one the driver knows. Throws with the offending name for anything else, so a typo in a descriptor
 * fails at start instead of silently never firing.
 */
export function resolveInputCode(name: string): InputCode {
  const code = linuxHookCode(name.trim());
  if (code) return { type: code.type === 'switch' ? EV_SW : EV_KEY, code: code.code };
  throw new Error(`unknown Linux input code '${name}' (use a KEY_/BTN_/SW_ name or a key number up to 767)`);
}
