/**
 * A HID report-descriptor parser (Device Class Definition for HID 1.11, §6.2.2): turns the item stream a
 * device reports into the fields of each report, with bit offsets, so the headset driver can read hook and
 * mute from input reports and build LED output reports byte-exact.
 *
 * Scope and choices:
 * - Short items of every type; the state tables of §6.2.2.7 (global, with Push/Pop) and §6.2.2.8 (local,
 *   cleared after each main item). Usages of 1–2 bytes take the Usage Page in effect at the main item that
 *   uses them (what Windows and Linux do); 4-byte usages carry their own page ("extended usage").
 * - Long items (prefix 0xFE) are skipped: the spec defines no long-item tags, so they cannot change the
 *   report layout. A long item that runs past the end of the descriptor is an error like any truncation.
 * - Field positions are counted per report id and per report kind (input/output/feature) from the first
 *   bit after the report-id byte; `reportBytes()` adds the id byte when the descriptor uses ids.
 * - Everything wrong gives a HidDescriptorError naming the byte offset; `tryParseHidDescriptor` turns it
 *   into a result so callers that must not throw (the driver) never do.
 * Limits keep a hostile or corrupt descriptor from making us allocate much: see LIMITS.
 */

export type ReportKind = 'input' | 'output' | 'feature';

/** Main-item flag bits of §6.2.2.5 that matter to us. */
export interface FieldFlags {
  /** Constant (padding or fixed data): never a usage value. */
  readonly constant: boolean;
  /** Variable: one value per usage; otherwise an array of usage indices. */
  readonly variable: boolean;
  /** Relative: values are changes since the last report (one-shot presses), not states. */
  readonly relative: boolean;
  /** Null state: values outside the logical range mean "no value". */
  readonly nullState: boolean;
}

/** One value of a Variable item: its usage and where it sits. */
export interface VariableField {
  readonly type: 'variable';
  readonly kind: ReportKind;
  readonly reportId: number;
  /** Extended usage: page << 16 | id. */
  readonly usage: number;
  readonly bitOffset: number;
  readonly bitSize: number;
  readonly logicalMin: number;
  readonly logicalMax: number;
  readonly flags: FieldFlags;
}

/** An Array item: `count` slots, each holding (logical value - logicalMin) as an index into `usages`. */
export interface ArrayField {
  readonly type: 'array';
  readonly kind: ReportKind;
  readonly reportId: number;
  readonly usages: readonly number[];
  readonly bitOffset: number;
  readonly bitSize: number;
  readonly count: number;
  readonly logicalMin: number;
  readonly logicalMax: number;
  readonly flags: FieldFlags;
}

export type HidField = VariableField | ArrayField;

/** A top-level (depth 0) collection: what the device says it is (Telephony/Headset, Consumer Control, …). */
export interface TopLevelCollection {
  /** Extended usage: page << 16 | id (0 when the collection has no usage). */
  readonly usage: number;
  /** Collection type: 0x01 Application, 0x00 Physical, 0x02 Logical, … */
  readonly collectionType: number;
  /** Report ids whose fields lie inside it (0 when the descriptor uses no ids). */
  readonly reportIds: readonly number[];
}

export interface HidDescriptor {
  /** True when Report ID items are used: every report then starts with its id byte. */
  readonly usesReportIds: boolean;
  readonly fields: readonly HidField[];
  readonly collections: readonly TopLevelCollection[];
  /** Report ids seen per kind, with their payload length in bits (without the id byte). */
  readonly reportBits: ReadonlyMap<string, number>;
  /** Things skipped on purpose (long items), for a debug log. */
  readonly notes: readonly string[];
}

export class HidDescriptorError extends Error {
  constructor(
    readonly offset: number,
    problem: string,
  ) {
    super(`HID report descriptor, byte ${offset}: ${problem}`);
    this.name = 'HidDescriptorError';
  }
}

export const LIMITS = {
  /** Descriptors of real devices are a few hundred bytes; the USB limit is 4 KiB on most stacks. */
  maxDescriptorBytes: 4096,
  maxCollectionDepth: 32,
  maxPushDepth: 16,
  /** Bits of one report's payload (hidraw caps reports at 4 KiB). */
  maxReportBits: 4096 * 8,
  /** Values are read into JS numbers; 32 bits is the most any descriptor we care about uses. */
  maxFieldBits: 32,
  /** Usages one main item may list (Usage Minimum/Maximum ranges are expanded). */
  maxUsagesPerItem: 4096,
} as const;

export const usageOf = (page: number, id: number): number => ((page & 0xffff) * 0x10000 + (id & 0xffff)) >>> 0;
export const usagePageOf = (usage: number): number => Math.floor(usage / 0x10000) & 0xffff;
export const usageIdOf = (usage: number): number => usage & 0xffff;

/** Key of `HidDescriptor.reportBits`. */
export const reportKey = (kind: ReportKind, reportId: number): string => `${kind}:${reportId}`;

/** Bytes a report occupies on the wire, id byte included when the descriptor uses ids. */
export function reportBytes(d: HidDescriptor, kind: ReportKind, reportId: number): number {
  const bits = d.reportBits.get(reportKey(kind, reportId)) ?? 0;
  return Math.ceil(bits / 8) + (d.usesReportIds ? 1 : 0);
}

interface GlobalState {
  usagePage: number;
  logicalMin: number;
  logicalMax: number;
  reportSize: number;
  reportCount: number;
  reportId: number;
}

/** A local usage before the main item resolves its page: `page` undefined means "current Usage Page". */
interface PendingUsage {
  page: number | undefined;
  id: number;
}

interface LocalState {
  usages: PendingUsage[];
  usageMin: PendingUsage | undefined;
  usageMax: PendingUsage | undefined;
}

interface OpenCollection {
  /** Index into the result's collections when at depth 0. */
  topIndex: number | undefined;
}

const MAIN = 0;
const GLOBAL = 1;
const LOCAL = 2;

const emptyLocal = (): LocalState => ({ usages: [], usageMin: undefined, usageMax: undefined });

function readUnsigned(bytes: Uint8Array, at: number, size: number): number {
  let v = 0;
  for (let i = size - 1; i >= 0; i--) v = v * 256 + bytes[at + i]!;
  return v;
}

function signExtend(value: number, size: number): number {
  if (size === 0) return 0;
  const bits = size * 8;
  const sign = 2 ** (bits - 1);
  return value >= sign ? value - 2 ** bits : value;
}

/** Parses a report descriptor; throws HidDescriptorError on anything malformed. */
export function parseHidDescriptor(bytes: Uint8Array): HidDescriptor {
  if (bytes.length === 0) throw new HidDescriptorError(0, 'empty descriptor');
  if (bytes.length > LIMITS.maxDescriptorBytes) {
    throw new HidDescriptorError(0, `descriptor of ${bytes.length} bytes exceeds ${LIMITS.maxDescriptorBytes}`);
  }
  let global: GlobalState = {
    usagePage: 0,
    logicalMin: 0,
    logicalMax: 0,
    reportSize: 0,
    reportCount: 0,
    reportId: 0,
  };
  const globalStack: GlobalState[] = [];
  let local = emptyLocal();
  const open: OpenCollection[] = [];
  const fields: HidField[] = [];
  const collections: { usage: number; collectionType: number; reportIds: Set<number> }[] = [];
  const reportBits = new Map<string, number>();
  const notes: string[] = [];
  let usesReportIds = false;
  let mainItemsSeen = false;
  let delimiterDepth = 0;

  let pos = 0;
  while (pos < bytes.length) {
    const itemStart = pos;
    const prefix = bytes[pos]!;
    if (prefix === 0xfe) {
      // Long item: 0xFE, bDataSize, bLongItemTag, data.
      if (pos + 3 > bytes.length) throw new HidDescriptorError(itemStart, 'truncated long item header');
      const dataSize = bytes[pos + 1]!;
      if (pos + 3 + dataSize > bytes.length) {
        throw new HidDescriptorError(itemStart, `long item announces ${dataSize} data bytes past the end`);
      }
      notes.push(`skipped long item tag 0x${bytes[pos + 2]!.toString(16)} at byte ${itemStart}`);
      pos += 3 + dataSize;
      continue;
    }
    const sizeCode = prefix & 0x03;
    const size = sizeCode === 3 ? 4 : sizeCode;
    const type = (prefix >> 2) & 0x03;
    const tag = prefix >> 4;
    if (pos + 1 + size > bytes.length) {
      throw new HidDescriptorError(itemStart, `item 0x${prefix.toString(16).padStart(2, '0')} truncated (needs ${size} data bytes)`);
    }
    const raw = readUnsigned(bytes, pos + 1, size);
    pos += 1 + size;

    if (type === MAIN) {
      switch (tag) {
        case 0x8:
        case 0x9:
        case 0xb: {
          const kind: ReportKind = tag === 0x8 ? 'input' : tag === 0x9 ? 'output' : 'feature';
          if (usesReportIds && global.reportId === 0) {
            throw new HidDescriptorError(itemStart, `${kind} item without a Report ID in a descriptor that uses report ids`);
          }
          mainItemsSeen = true;
          addMainItem(kind, raw, itemStart);
          local = emptyLocal();
          break;
        }
        case 0xa: {
          if (open.length >= LIMITS.maxCollectionDepth) {
            throw new HidDescriptorError(itemStart, `collections nested deeper than ${LIMITS.maxCollectionDepth}`);
          }
          const usages = resolveUsages(itemStart);
          const usage = usages[0] ?? 0;
          let topIndex: number | undefined;
          if (open.length === 0) {
            topIndex = collections.length;
            collections.push({ usage, collectionType: raw, reportIds: new Set() });
          }
          open.push({ topIndex });
          local = emptyLocal();
          break;
        }
        case 0xc:
          if (open.length === 0) throw new HidDescriptorError(itemStart, 'End Collection without an open collection');
          open.pop();
          local = emptyLocal();
          break;
        default:
          throw new HidDescriptorError(itemStart, `unknown main item tag 0x${tag.toString(16)}`);
      }
    } else if (type === GLOBAL) {
      switch (tag) {
        case 0x0:
          global.usagePage = raw & 0xffff;
          break;
        case 0x1:
          global.logicalMin = signExtend(raw, size);
          break;
        case 0x2:
          global.logicalMax = signExtend(raw, size);
          break;
        case 0x3: // Physical Minimum
        case 0x4: // Physical Maximum
        case 0x5: // Unit Exponent
        case 0x6: // Unit
          break; // units do not change the layout
        case 0x7:
          if (raw > LIMITS.maxFieldBits) {
            throw new HidDescriptorError(itemStart, `Report Size ${raw} bits exceeds ${LIMITS.maxFieldBits}`);
          }
          global.reportSize = raw;
          break;
        case 0x8:
          if (raw === 0 || raw > 0xff) throw new HidDescriptorError(itemStart, `Report ID ${raw} out of range 1..255`);
          if (!usesReportIds && mainItemsSeen) {
            throw new HidDescriptorError(itemStart, 'Report ID after reports without one (ids must be used throughout)');
          }
          usesReportIds = true;
          global.reportId = raw;
          break;
        case 0x9:
          if (raw > LIMITS.maxReportBits) throw new HidDescriptorError(itemStart, `Report Count ${raw} too large`);
          global.reportCount = raw;
          break;
        case 0xa:
          if (globalStack.length >= LIMITS.maxPushDepth) {
            throw new HidDescriptorError(itemStart, `Push nested deeper than ${LIMITS.maxPushDepth}`);
          }
          globalStack.push({ ...global });
          break;
        case 0xb: {
          const restored = globalStack.pop();
          if (!restored) throw new HidDescriptorError(itemStart, 'Pop without a matching Push');
          global = restored;
          break;
        }
        default:
          throw new HidDescriptorError(itemStart, `unknown global item tag 0x${tag.toString(16)}`);
      }
    } else if (type === LOCAL) {
      const pending: PendingUsage = size === 4 ? { page: Math.floor(raw / 0x10000), id: raw & 0xffff } : { page: undefined, id: raw };
      switch (tag) {
        case 0x0:
          local.usages.push(pending);
          break;
        case 0x1:
          local.usageMin = pending;
          break;
        case 0x2:
          local.usageMax = pending;
          break;
        case 0xa: // Delimiter: alternative usages; we keep the first set (what every OS does in practice).
          delimiterDepth += raw === 1 ? 1 : -1;
          if (delimiterDepth < 0 || delimiterDepth > 1) throw new HidDescriptorError(itemStart, 'unbalanced Delimiter');
          break;
        default:
          break; // designators, strings: no effect on the layout
      }
    } else {
      throw new HidDescriptorError(itemStart, `reserved item type in prefix 0x${prefix.toString(16).padStart(2, '0')}`);
    }
  }
  if (open.length > 0) {
    throw new HidDescriptorError(bytes.length, `${open.length} collection(s) not closed at end of descriptor`);
  }
  if (globalStack.length > 0) notes.push(`${globalStack.length} Push without Pop at end (harmless)`);

  return {
    usesReportIds,
    fields,
    collections: collections.map((c) => ({ usage: c.usage, collectionType: c.collectionType, reportIds: [...c.reportIds] })),
    reportBits,
    notes,
  };

  /** The usages of the pending main item, pages resolved, Usage Minimum/Maximum expanded. */
  function resolveUsages(at: number): number[] {
    const resolve = (u: PendingUsage): number => usageOf(u.page ?? global.usagePage, u.id);
    const out = local.usages.map(resolve);
    if (local.usageMin !== undefined || local.usageMax !== undefined) {
      if (local.usageMin === undefined || local.usageMax === undefined) {
        throw new HidDescriptorError(at, 'Usage Minimum without Usage Maximum (or the reverse)');
      }
      const min = resolve(local.usageMin);
      const max = resolve(local.usageMax);
      if (usagePageOf(min) !== usagePageOf(max)) throw new HidDescriptorError(at, 'Usage Minimum and Maximum on different pages');
      if (min > max) throw new HidDescriptorError(at, 'Usage Minimum above Usage Maximum');
      if (max - min + 1 + out.length > LIMITS.maxUsagesPerItem) {
        throw new HidDescriptorError(at, `usage range of ${max - min + 1} too large`);
      }
      for (let u = min; u <= max; u++) out.push(u);
    }
    return out;
  }

  function addMainItem(kind: ReportKind, flagBits: number, at: number): void {
    const flags: FieldFlags = {
      constant: (flagBits & 0x01) !== 0,
      variable: (flagBits & 0x02) !== 0,
      relative: (flagBits & 0x04) !== 0,
      nullState: (flagBits & 0x40) !== 0,
    };
    const key = reportKey(kind, global.reportId);
    const start = reportBits.get(key) ?? 0;
    const bits = global.reportSize * global.reportCount;
    if (start + bits > LIMITS.maxReportBits) {
      throw new HidDescriptorError(at, `${kind} report ${global.reportId} longer than ${LIMITS.maxReportBits / 8} bytes`);
    }
    reportBits.set(key, start + bits);
    const top = open[0]?.topIndex;
    if (top !== undefined) collections[top]!.reportIds.add(global.reportId);
    const usages = resolveUsages(at);
    if (flags.constant || bits === 0) return; // padding
    if (global.logicalMin > global.logicalMax) {
      throw new HidDescriptorError(at, `Logical Minimum ${global.logicalMin} above Logical Maximum ${global.logicalMax}`);
    }
    const common = {
      kind,
      reportId: global.reportId,
      bitSize: global.reportSize,
      logicalMin: global.logicalMin,
      logicalMax: global.logicalMax,
      flags,
    };
    if (flags.variable) {
      if (usages.length === 0) return; // data without a usage: nothing we could interpret
      for (let i = 0; i < global.reportCount; i++) {
        // §6.2.2.8: when there are fewer usages than values, the last usage applies to the rest.
        const usage = usages[Math.min(i, usages.length - 1)]!;
        fields.push({ type: 'variable', usage, bitOffset: start + i * global.reportSize, ...common });
      }
    } else {
      fields.push({ type: 'array', usages, bitOffset: start, count: global.reportCount, ...common });
    }
  }
}

export type HidDescriptorResult = { ok: true; descriptor: HidDescriptor } | { ok: false; error: HidDescriptorError };

/** parseHidDescriptor as a result value: for code that must never throw. */
export function tryParseHidDescriptor(bytes: Uint8Array): HidDescriptorResult {
  try {
    return { ok: true, descriptor: parseHidDescriptor(bytes) };
  } catch (e) {
    if (e instanceof HidDescriptorError) return { ok: false, error: e };
    return { ok: false, error: new HidDescriptorError(0, e instanceof Error ? e.message : String(e)) };
  }
}

// ---- reading and writing field values in report payloads (bytes after the id byte)

/** Reads `bitSize` bits at `bitOffset` (little-endian bit order, §5.8); undefined when the report is short. */
export function readBits(payload: Uint8Array, bitOffset: number, bitSize: number): number | undefined {
  if (bitSize === 0 || bitOffset + bitSize > payload.length * 8) return undefined;
  let value = 0;
  for (let i = bitSize - 1; i >= 0; i--) {
    const bit = bitOffset + i;
    value = value * 2 + ((payload[bit >> 3]! >> (bit & 7)) & 1);
  }
  return value;
}

/** Writes the low `bitSize` bits of value (two's complement for negatives) at `bitOffset`. */
export function writeBits(payload: Uint8Array, bitOffset: number, bitSize: number, value: number): void {
  let v = value < 0 ? 2 ** bitSize + value : value;
  for (let i = 0; i < bitSize; i++) {
    const bit = bitOffset + i;
    const mask = 1 << (bit & 7);
    if (v % 2 === 1) payload[bit >> 3]! |= mask;
    else payload[bit >> 3]! &= ~mask;
    v = Math.floor(v / 2);
  }
}

/** A field's logical value: sign-extended when the logical range is signed. */
export function readFieldValue(payload: Uint8Array, bitOffset: number, f: { bitSize: number; logicalMin: number }): number | undefined {
  const raw = readBits(payload, bitOffset, f.bitSize);
  if (raw === undefined) return undefined;
  if (f.logicalMin < 0 && raw >= 2 ** (f.bitSize - 1)) return raw - 2 ** f.bitSize;
  return raw;
}
