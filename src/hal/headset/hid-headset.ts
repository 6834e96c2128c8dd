/**
 * The USB headset driver (board descriptor `{ driver: hid-headset, vendorId?, productId? }`): finds a HID
 * interface whose top-level collection is a telephony device, opens it, and serves it as an InputSource
 * (hook, mute, hold, redial, volume) and a LedDriver (offHook, ring, mute, hold — whichever it has).
 *
 * Detection: the platform's usage page/usage when node-hid reports it, otherwise the parsed report
 * descriptor from sysfs (see hid-backend.ts). With vendorId/productId only that device is considered.
 * Missing device → MissingHardwareError naming what was looked for and what was seen. A device that is there
 * but unusable (no permission, unreadable or malformed descriptor) → a plain Error saying so. After open,
 * nothing throws: an unplugged headset logs a warning and goes quiet.
 */
import type { Clock } from '../../phone/clock.js';
import { MissingHardwareError } from '../hal-types.js';
import { errorText, HeadsetSession, silentLog, type HalLog } from './headset-session.js';
import { nodeHidBackend, readSysfsReportDescriptor, type HidBackend, type HidDeviceHandle, type HidDeviceInfo } from './hid-backend.js';
import { tryParseHidDescriptor, usageOf, type HidDescriptor } from './hid-descriptor.js';
import { TELEPHONY_COLLECTIONS } from './hid-usages.js';
import { hex4, knownVendor } from './known-devices.js';

/** The board descriptor's hid-headset input/leds entry (minus `driver`), plus roots. */
export interface HidHeadsetOptions {
  vendorId?: number;
  productId?: number;
  /** sysfs: where report descriptors are read (tests). dev is unused: hidapi supplies the device paths. */
  roots?: { sysfs?: string; dev?: string };
}

export interface HidHeadsetDeps {
  clock: Clock;
  log?: HalLog;
  /** Defaults to node-hid. */
  backend?: HidBackend;
}

export interface HidHeadset {
  readonly input: HeadsetSession['input'];
  readonly leds: HeadsetSession['leds'];
  /** The device opened, for logs and the status page. */
  readonly device: HidDeviceInfo;
  readonly descriptor: HidDescriptor;
}

const DRIVER = 'hid-headset';

function wanted(opts: HidHeadsetOptions): string {
  const ids =
    opts.vendorId !== undefined
      ? ` with vendor id ${hex4(opts.vendorId)}${opts.productId !== undefined ? ` and product id ${hex4(opts.productId)}` : ''}`
      : opts.productId !== undefined
        ? ` with product id ${hex4(opts.productId)}`
        : '';
  return `no USB telephony headset (HID usage page 0x0B, Headset/Phone/Handset collection)${ids}`;
}

export function describeDevice(d: HidDeviceInfo): string {
  const vendor = knownVendor(d.vendorId)?.vendor ?? d.manufacturer ?? 'unknown vendor';
  return `${hex4(d.vendorId)}:${hex4(d.productId)} ${vendor}${d.product ? ` "${d.product}"` : ''}`;
}

/** Whether a listed HID interface is a telephony device, asking sysfs for its descriptor when needed. */
function isTelephony(d: HidDeviceInfo, sysfsRoot: string | undefined): boolean {
  if (d.usagePage !== undefined && d.usagePage !== 0) {
    return TELEPHONY_COLLECTIONS.includes(usageOf(d.usagePage, d.usage ?? 0));
  }
  const bytes = readSysfsReportDescriptor(d.path, sysfsRoot);
  if (!bytes) return false;
  const parsed = tryParseHidDescriptor(bytes);
  return parsed.ok && parsed.descriptor.collections.some((c) => TELEPHONY_COLLECTIONS.includes(c.usage));
}

export async function openHidHeadset(opts: HidHeadsetOptions, deps: HidHeadsetDeps): Promise<HidHeadset> {
  const backend = deps.backend ?? nodeHidBackend;
  const log = deps.log ?? silentLog;
  const sysfs = opts.roots?.sysfs;
  let all: HidDeviceInfo[];
  try {
    all = await backend.devices();
  } catch (e) {
    throw new MissingHardwareError(DRIVER, `${wanted(opts)}: cannot list HID devices (${errorText(e)})`);
  }
  const matching = all.filter(
    (d) =>
      d.path !== undefined &&
      (opts.vendorId === undefined || d.vendorId === opts.vendorId) &&
      (opts.productId === undefined || d.productId === opts.productId),
  );
  // hidapi lists one entry per top-level collection; several share a path.
  const seenPaths = new Set<string>();
  const candidate = matching.find((d) => {
    if (seenPaths.has(d.path!) && d.usagePage === undefined) return false;
    seenPaths.add(d.path!);
    return isTelephony(d, sysfs);
  });
  if (!candidate) {
    const seen = matching.length === 0 ? 'no matching HID device present' : `present but not telephony: ${[...new Set(matching.map(describeDevice))].join(', ')}`;
    throw new MissingHardwareError(DRIVER, `${wanted(opts)}; ${seen}`);
  }
  const path = candidate.path!;
  const name = `${DRIVER} ${describeDevice(candidate)} at ${path}`;

  let handle: HidDeviceHandle;
  try {
    handle = backend.open(path);
  } catch (e) {
    throw new Error(`${name}: cannot open (${errorText(e)}); the phone's user needs read/write access to ${path} (udev rule)`);
  }
  try {
    const bytes = handle.reportDescriptor?.() ?? readSysfsReportDescriptor(path, sysfs);
    if (!bytes) throw new Error(`${name}: cannot read its HID report descriptor`);
    const parsed = tryParseHidDescriptor(bytes);
    if (!parsed.ok) throw new Error(`${name}: ${parsed.error.message}`);
    const descriptor = parsed.descriptor;
    for (const note of descriptor.notes) log.debug(`${name}: ${note}`);
    const session = new HeadsetSession({
      name,
      descriptor,
      // hidapi wants the report id first, and a 0 there for devices without numbered reports.
      write: (report) => handle.write(descriptor.usesReportIds ? report : Uint8Array.of(0, ...report)),
      release: () => handle.close(),
      clock: deps.clock,
      log,
    });
    if (!session.decoder.hasInputs) log.warn(`${name}: no hook or button inputs in its descriptor`);
    handle.start(
      (report) => session.handleReport(report),
      (e) => log.warn(`${name}: read failed, headset unplugged? (${errorText(e)})`),
    );
    return { input: session.input, leds: session.leds, device: candidate, descriptor };
  } catch (e) {
    try {
      handle.close();
    } catch {
      // already failing; the first error is the one worth reporting
    }
    throw e;
  }
}
