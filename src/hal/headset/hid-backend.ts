/**
 * The thin layer between the headset driver and node-hid, as an interface so tests can stand in a fake
 * bus. Also where a device's report descriptor comes from: node-hid 3.4 has no getReportDescriptor(), so
 * on Linux we read what the kernel exposes at /sys/class/hidraw/hidrawN/device/report_descriptor (readable
 * by everyone, no need to open the device); a handle that does offer getReportDescriptor() (a later
 * node-hid) is asked first.
 */
import { readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import HID from 'node-hid';

export interface HidDeviceInfo {
  vendorId: number;
  productId: number;
  /** /dev/hidrawN with the Linux hidraw backend. */
  path?: string;
  manufacturer?: string;
  product?: string;
  /** Top-level collection usage, when the platform backend reports it (not every one does). */
  usagePage?: number;
  usage?: number;
  interface?: number;
}

export interface HidDeviceHandle {
  /** Starts delivering input reports (id byte first when the device uses ids) and read errors. */
  start(onReport: (report: Uint8Array) => void, onError: (error: Error) => void): void;
  /** hidapi semantics: the first byte is the report id, 0 when the device uses none. */
  write(data: Uint8Array): void;
  /** The raw report descriptor, when the library can fetch it. */
  reportDescriptor?(): Uint8Array | undefined;
  close(): void;
}

export interface HidBackend {
  devices(): Promise<HidDeviceInfo[]>;
  open(path: string): HidDeviceHandle;
}

/** The report descriptor of a hidraw node from sysfs; undefined when not Linux hidraw or not readable. */
export function readSysfsReportDescriptor(devicePath: string | undefined, sysfsRoot = '/sys'): Uint8Array | undefined {
  if (!devicePath || !/^hidraw\d+$/.test(basename(devicePath))) return undefined;
  try {
    return new Uint8Array(readFileSync(join(sysfsRoot, 'class/hidraw', basename(devicePath), 'device/report_descriptor')));
  } catch {
    return undefined;
  }
}

/** node-hid's handle may grow getReportDescriptor() (later versions have it); typed loosely for that. */
interface MaybeDescriptorHandle {
  getReportDescriptor?: () => number[] | Buffer;
}

export const nodeHidBackend: HidBackend = {
  async devices() {
    const list = await HID.devicesAsync();
    return list.map((d) => ({
      vendorId: d.vendorId,
      productId: d.productId,
      path: d.path,
      manufacturer: d.manufacturer,
      product: d.product,
      usagePage: d.usagePage,
      usage: d.usage,
      interface: d.interface,
    }));
  },
  open(path) {
    const device = new HID.HID(path);
    return {
      start(onReport, onError) {
        device.on('data', (data: Buffer) => onReport(new Uint8Array(data)));
        device.on('error', (e: unknown) => onError(e instanceof Error ? e : new Error(String(e))));
      },
      write(data) {
        device.write(Buffer.from(data));
      },
      reportDescriptor() {
        const get = (device as unknown as MaybeDescriptorHandle).getReportDescriptor;
        if (typeof get !== 'function') return undefined;
        return new Uint8Array(get.call(device));
      },
      close() {
        device.close();
      },
    };
  },
};
