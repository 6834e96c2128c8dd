/**
 * Finds the /dev/input/eventN node of a device by the name its driver gives it (what `evtest` lists and
 * /sys/class/input/eventN/device/name holds): event numbers change with probe order, names do not.
 */
import { access, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { MissingHardwareError } from '../hal-types.js';
import type { HalRoots } from './sysfs-roots.js';
import { matchesInputDeviceName } from '../../config/board-schema.js';

export interface InputDeviceInfo {
  /** e.g. "event3" */
  readonly node: string;
  readonly name: string;
}

/** Every event node under <sysfs>/class/input with its device name, sorted by event number. */
export async function listInputDevices(roots: HalRoots): Promise<InputDeviceInfo[]> {
  const classDir = path.join(roots.sysfs, 'class', 'input');
  let entries: string[];
  try {
    entries = await readdir(classDir);
  } catch {
    return [];
  }
  const nodes = entries.filter((e) => /^event\d+$/.test(e)).sort((a, b) => Number(a.slice(5)) - Number(b.slice(5)));
  const devices: InputDeviceInfo[] = [];
  for (const node of nodes) {
    try {
      const name = (await readFile(path.join(classDir, node, 'device', 'name'), 'utf8')).trim();
      devices.push({ node, name });
    } catch {
      // A device unplugged between readdir and readFile, or a node without a name: not the one we want.
    }
  }
  return devices;
}

/**
 * The device path of the first event node the descriptor's `device` selects (an exact name, a prefix ending
 * in `*`, or a /dev/input/… path under roots.dev); MissingHardwareError otherwise.
 */
export async function findInputDevice(name: string, roots: HalRoots): Promise<string> {
  if (name.startsWith('/dev/input/')) {
    const devicePath = path.join(roots.dev, name.slice('/dev/'.length));
    try {
      await access(devicePath);
      return devicePath;
    } catch {
      throw new MissingHardwareError(`evdev '${name}'`, `no input device ${devicePath}`);
    }
  }
  const devices = await listInputDevices(roots);
  const match = devices.find((d) => matchesInputDeviceName(name, d.name));
  if (match) return path.join(roots.dev, 'input', match.node);
  const found = devices.length ? devices.map((d) => `'${d.name}'`).join(', ') : 'none';
  throw new MissingHardwareError(`evdev '${name}'`, `no input device named '${name}' in ${path.join(roots.sysfs, 'class', 'input')} (found: ${found})`);
}
