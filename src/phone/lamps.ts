/**
 * Which lamps the phone's state lights: the line keys (the phone's own lines, then watched colleagues' busy
 * lamps) and the fixed lamps (message waiting, mute, do-not-disturb, speaker). One function serves the
 * screen's drawn line-key strip and the board's physical LEDs, so they never disagree.
 */
import type { CallControlSnapshot, CallView } from './call-control.js';
import type { ColleaguesSnapshot, ContactView } from './colleagues.js';

/** Blink rates as desk phones use them: slow for held calls and waiting messages, fast for ringing. */
export type Lamp = 'off' | 'on' | 'blink' | 'fast-blink';
export type LampColor = 'green' | 'red';

interface LampLook {
  readonly lamp: Lamp;
  readonly color?: LampColor;
}

/** A line key: one of the phone's lines (1-based) or a watched colleague's busy lamp. */
export type LineKeyLamp = LampLook & ({ readonly kind: 'line'; readonly line: number } | { readonly kind: 'busy-lamp'; readonly contact: ContactView });

/** A line's lamp: fast green blink while ringing, slow blink on hold, steady while in use. */
function lineLamp(call: CallView | undefined): LampLook {
  if (!call) return { lamp: 'off' };
  if (call.state === 'ringing') return { lamp: 'fast-blink', color: 'green' };
  if (call.held) return { lamp: 'blink', color: 'green' };
  return { lamp: 'on', color: 'green' };
}

/** A colleague's busy lamp: red and steady when busy, red blinking while their phone rings (pick-up). */
function busyLamp(contact: ContactView): LampLook {
  if (contact.lamp === 'busy') return { lamp: 'on', color: 'red' };
  if (contact.lamp === 'ringing') return { lamp: 'fast-blink', color: 'red' };
  return { lamp: 'off' };
}

/** The line keys top to bottom: one per line of the phone, then watched colleagues, at most `count`. */
export function lineKeyLamps(calls: CallControlSnapshot, colleagues: ColleaguesSnapshot | undefined, count: number): LineKeyLamp[] {
  const keys: LineKeyLamp[] = [];
  for (let line = 1; line <= calls.lines && keys.length < count; line++) {
    keys.push({ kind: 'line', line, ...lineLamp(calls.calls.find((c) => c.line === line)) });
  }
  for (const contact of colleagues?.contacts ?? []) {
    if (keys.length >= count) break;
    if (contact.lamp !== undefined) keys.push({ kind: 'busy-lamp', contact, ...busyLamp(contact) });
  }
  return keys;
}

export interface PhoneLampInputs {
  readonly calls: CallControlSnapshot;
  readonly colleagues?: ColleaguesSnapshot;
  /** Line keys the board has. */
  readonly lineKeys: number;
}

/**
 * Every named lamp of a desk phone: message (slow blink while messages wait, as Cisco and Poly do), mute,
 * dnd, speaker (hands-free), and line1…lineN. Boards light the ones they have.
 */
export function phoneLamps(s: PhoneLampInputs): Record<string, Lamp> {
  // Hands-free: a call is up or being placed while the handset rests.
  const handsFree = !s.calls.offHook && s.calls.calls.some((c) => c.state !== 'ringing' && !c.held);
  const lamps: Record<string, Lamp> = {
    message: s.colleagues?.messages.waiting ? 'blink' : 'off',
    mute: s.calls.muted ? 'on' : 'off',
    dnd: s.calls.dnd ? 'on' : 'off',
    speaker: handsFree ? 'on' : 'off',
  };
  lineKeyLamps(s.calls, s.colleagues, s.lineKeys).forEach((k, i) => (lamps[`line${i + 1}`] = k.lamp));
  for (let i = 1; i <= s.lineKeys; i++) lamps[`line${i}`] ??= 'off';
  return lamps;
}
