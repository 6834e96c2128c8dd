/**
 * The phone's stable RFC 5626 `+sip.instance`: a name-based UUID (RFC 9562 v5) derived from the board's
 * MAC address or serial number, so it is the same after every restart and re-flash, and different on every desk.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';

/** A fixed namespace for sipdesk device ids (itself a random v4 UUID chosen once). */
const SIPDESK_NAMESPACE = '6f1c7c1e-3b52-4a5e-9d8a-0f4e2c9b7a31';

export function uuidV5(name: string, namespace = SIPDESK_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = createHash('sha1').update(ns).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50; // version 5
  hash[8] = (hash[8]! & 0x3f) | 0x80; // RFC 4122 variant
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

export interface HardwareIdSources {
  /** /sys/class/net */
  netDir?: string;
  /** files that may hold a board serial number, tried in order */
  serialFiles?: string[];
}

function readTrim(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').replace(/\0/g, '').trim() || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The first hardware identity found: the board serial (Raspberry Pi: device-tree serial-number or the
 * `Serial` line of /proc/cpuinfo), else the lowest-named non-loopback interface's MAC. Interface names are
 * sorted so the pick does not depend on directory order; a USB dongle (usually named later) loses to eth0.
 */
export function findHardwareId(src: HardwareIdSources = {}): string | undefined {
  for (const file of src.serialFiles ?? ['/proc/device-tree/serial-number', '/sys/firmware/devicetree/base/serial-number']) {
    const serial = readTrim(file);
    if (serial && !/^0+$/.test(serial)) return `serial:${serial.toLowerCase()}`;
  }
  const cpuinfo = src.serialFiles ? undefined : readTrim('/proc/cpuinfo');
  const cpuSerial = cpuinfo?.match(/^Serial\s*:\s*([0-9a-f]+)$/im)?.[1];
  if (cpuSerial && !/^0+$/.test(cpuSerial)) return `serial:${cpuSerial.toLowerCase()}`;
  const netDir = src.netDir ?? '/sys/class/net';
  let names: string[] = [];
  try {
    names = readdirSync(netDir).sort();
  } catch {
    return undefined;
  }
  for (const name of names) {
    if (name === 'lo') continue;
    const mac = readTrim(`${netDir}/${name}/address`);
    if (mac && /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(mac) && mac !== '00:00:00:00:00:00') return `mac:${mac.toLowerCase()}`;
  }
  return undefined;
}

/** Bare UUID (no urn:uuid: prefix), from config when set, else from the hardware. */
export function resolveInstanceId(configured: string | undefined, src?: HardwareIdSources): string {
  if (configured) return configured.replace(/^urn:uuid:/i, '').toLowerCase();
  const hw = findHardwareId(src);
  if (!hw) throw new Error('no MAC address or serial number found for +sip.instance: set device.instanceId in the config');
  return uuidV5(hw);
}
