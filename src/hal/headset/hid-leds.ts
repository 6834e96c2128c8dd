/**
 * Builds a headset's LED output reports byte-exact from its descriptor: every output report that holds at
 * least one LED field we drive is rebuilt whole (id byte first when the descriptor uses ids), our LED values
 * in place and every other bit zero, which is what the "not set" state of any other output means.
 */
import { reportBytes, writeBits, type HidDescriptor, type VariableField } from './hid-descriptor.js';
import { LED_USAGES } from './hid-usages.js';

export class HeadsetLedEncoder {
  /** LED names this device has (from LED_USAGES), in table order. */
  readonly leds: readonly string[];
  readonly #descriptor: HidDescriptor;
  /** Output fields per LED name. */
  readonly #fields = new Map<string, VariableField[]>();
  /** Report ids holding at least one LED, ascending. */
  readonly #reportIds: readonly number[];

  constructor(descriptor: HidDescriptor) {
    this.#descriptor = descriptor;
    const ids = new Set<number>();
    for (const [name, usages] of LED_USAGES) {
      const fields = descriptor.fields.filter(
        (f): f is VariableField => f.kind === 'output' && f.type === 'variable' && usages.includes(f.usage),
      );
      if (fields.length === 0) continue;
      this.#fields.set(name, fields);
      for (const f of fields) ids.add(f.reportId);
    }
    this.leds = [...this.#fields.keys()];
    this.#reportIds = [...ids].sort((a, b) => a - b);
  }

  /** Report ids that carry LEDs (0 when the descriptor uses no ids). */
  get reportIds(): readonly number[] {
    return this.#reportIds;
  }

  /** The output report with this id for the given lit LEDs (names not on this device are ignored). */
  build(reportId: number, lit: ReadonlySet<string>): Uint8Array {
    const prefix = this.#descriptor.usesReportIds ? 1 : 0;
    const report = new Uint8Array(reportBytes(this.#descriptor, 'output', reportId));
    if (prefix) report[0] = reportId;
    const payload = report.subarray(prefix);
    for (const [name, fields] of this.#fields) {
      for (const f of fields) {
        if (f.reportId !== reportId) continue;
        writeBits(payload, f.bitOffset, f.bitSize, lit.has(name) ? onValue(f) : offValue(f));
      }
    }
    return report;
  }

  /** All LED reports for the given lit LEDs, by report id. */
  buildAll(lit: ReadonlySet<string>): Map<number, Uint8Array> {
    return new Map(this.#reportIds.map((id) => [id, this.build(id, lit)]));
  }
}

// LED usages are On/Off Controls: 1 lights, 0 darkens; kept inside the declared logical range.
const clamp = (v: number, f: VariableField): number => Math.min(f.logicalMax, Math.max(f.logicalMin, v));
const onValue = (f: VariableField): number => clamp(1, f);
const offValue = (f: VariableField): number => clamp(0, f);
