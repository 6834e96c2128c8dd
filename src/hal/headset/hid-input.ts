/**
 * Turns a telephony headset's input reports into phone input events, using the fields the descriptor
 * declares (so any vendor's layout works, not just the ones we have seen).
 *
 * Edge semantics (headsets differ; this is what we do and why):
 * - Absolute fields are states. Hook Switch (absolute, the usual case): 1 = off hook, 0 = on hook; an event
 *   only when it changes. Buttons declared absolute (Phone Mute on many headsets, Volume Increment, …) are
 *   1 while held: 0→1 is key down, 1→0 key up. Every field starts "on hook / released", so a first report
 *   saying on-hook produces nothing, and one saying off-hook (headset lifted before the phone started) does.
 * - Relative fields are one-shot presses (HID: a relative value is a change, not a state). Any non-zero
 *   value is a press, delivered as key down then key up at once; a zero is "nothing happened". Some
 *   headsets report a release (1 then 0), others only the 1: both give exactly one press.
 * - A relative Hook Switch is a toggle button: each press flips the hook state we keep. The phone tells us
 *   its real hook state through the Off-Hook LED (`setHookState`), so a toggle after the user answered on
 *   the phone's own keypad still goes the right way.
 * - A report byte-identical to the previous report of the same id, arriving within `duplicateWindowMs`,
 *   is dropped: some headsets send each report twice (two interfaces, or a resend after a USB retry), which
 *   would otherwise press a relative button twice. Absolute fields would be harmless anyway (no change).
 * - Array fields (a Consumer Control array, a keypad) are sets of pressed usages: a usage appearing is a
 *   key down (a press when relative), one disappearing a key up.
 * Never throws: a report too short for a field skips that field; an unknown report id is counted.
 */
import type { Clock } from '../../phone/clock.js';
import type { HalInputEvent } from '../hal-types.js';
import { readFieldValue, type ArrayField, type HidDescriptor, type VariableField } from './hid-descriptor.js';
import { HOOK_SWITCH, KEY_USAGES } from './hid-usages.js';

export interface HeadsetInputStats {
  reports: number;
  duplicates: number;
  /** Reports whose id carries no field we use (vendor reports, battery, …). */
  ignoredReports: number;
}

const isInteresting = (usage: number): boolean => usage === HOOK_SWITCH || KEY_USAGES.has(usage);

interface ReportPlan {
  variables: VariableField[];
  arrays: ArrayField[];
}

export class HeadsetInputDecoder {
  readonly stats: HeadsetInputStats = { reports: 0, duplicates: 0, ignoredReports: 0 };
  readonly #descriptor: HidDescriptor;
  readonly #clock: Clock;
  readonly #duplicateWindowMs: number;
  readonly #plans = new Map<number, ReportPlan>();
  /** Last active state per variable field / last usage set per array field. */
  readonly #variableState = new Map<VariableField, boolean>();
  readonly #arrayState = new Map<ArrayField, Set<number>>();
  readonly #lastReport = new Map<number, { bytes: Uint8Array; at: number }>();
  #offHook = false;

  constructor(descriptor: HidDescriptor, clock: Clock, duplicateWindowMs = 40) {
    this.#descriptor = descriptor;
    this.#clock = clock;
    this.#duplicateWindowMs = duplicateWindowMs;
    for (const f of descriptor.fields) {
      if (f.kind !== 'input') continue;
      const relevant = f.type === 'variable' ? isInteresting(f.usage) : f.usages.some(isInteresting);
      if (!relevant) continue;
      const plan = this.#plans.get(f.reportId) ?? { variables: [], arrays: [] };
      if (f.type === 'variable') plan.variables.push(f);
      else plan.arrays.push(f);
      this.#plans.set(f.reportId, plan);
    }
  }

  /** True when the descriptor has any input this decoder understands. */
  get hasInputs(): boolean {
    return this.#plans.size > 0;
  }

  get offHook(): boolean {
    return this.#offHook;
  }

  /** The phone's hook state (from the Off-Hook LED): keeps toggle-style hook switches in step. */
  setHookState(offHook: boolean): void {
    this.#offHook = offHook;
  }

  /** One input report as read from the device (id byte first when the descriptor uses ids). */
  decode(report: Uint8Array): HalInputEvent[] {
    this.stats.reports++;
    if (report.length === 0) {
      this.stats.ignoredReports++;
      return [];
    }
    const reportId = this.#descriptor.usesReportIds ? report[0]! : 0;
    const plan = this.#plans.get(reportId);
    if (!plan) {
      this.stats.ignoredReports++;
      return [];
    }
    const now = this.#clock.now();
    const last = this.#lastReport.get(reportId);
    if (last && now - last.at < this.#duplicateWindowMs && sameBytes(last.bytes, report)) {
      this.stats.duplicates++;
      return [];
    }
    this.#lastReport.set(reportId, { bytes: Uint8Array.from(report), at: now });
    const payload = this.#descriptor.usesReportIds ? report.subarray(1) : report;
    const events: HalInputEvent[] = [];
    for (const f of plan.variables) {
      const value = readFieldValue(payload, f.bitOffset, f);
      if (value === undefined) continue;
      const active = value !== 0 && value >= f.logicalMin && value <= f.logicalMax;
      if (f.flags.relative) {
        if (active) this.#press(f.usage, events);
        continue;
      }
      const before = this.#variableState.get(f) ?? false;
      if (active === before) continue;
      this.#variableState.set(f, active);
      this.#change(f.usage, active, events);
    }
    for (const f of plan.arrays) {
      const now = this.#arrayUsages(payload, f);
      if (now === undefined) continue;
      const before = this.#arrayState.get(f) ?? new Set<number>();
      this.#arrayState.set(f, now);
      for (const u of before) if (!now.has(u) && !f.flags.relative) this.#change(u, false, events);
      for (const u of now) {
        if (before.has(u)) continue;
        if (f.flags.relative) this.#press(u, events);
        else this.#change(u, true, events);
      }
    }
    return events;
  }

  #arrayUsages(payload: Uint8Array, f: ArrayField): Set<number> | undefined {
    const set = new Set<number>();
    for (let i = 0; i < f.count; i++) {
      const value = readFieldValue(payload, f.bitOffset + i * f.bitSize, f);
      if (value === undefined) return undefined;
      if (value < f.logicalMin || value > f.logicalMax) continue; // null / no key
      const usage = f.usages[value - f.logicalMin];
      if (usage !== undefined && isInteresting(usage)) set.add(usage);
    }
    return set;
  }

  /** A state change of an absolute control. */
  #change(usage: number, active: boolean, events: HalInputEvent[]): void {
    if (usage === HOOK_SWITCH) {
      // The device's own state is the truth for an absolute switch: report every change it makes.
      this.#offHook = active;
      events.push({ type: 'hook', offHook: active });
      return;
    }
    const code = KEY_USAGES.get(usage);
    if (code !== undefined) events.push({ type: 'key', code, down: active });
  }

  /** A one-shot press of a relative control. */
  #press(usage: number, events: HalInputEvent[]): void {
    if (usage === HOOK_SWITCH) {
      this.#offHook = !this.#offHook;
      events.push({ type: 'hook', offHook: this.#offHook });
      return;
    }
    const code = KEY_USAGES.get(usage);
    if (code === undefined) return;
    events.push({ type: 'key', code, down: true }, { type: 'key', code, down: false });
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
