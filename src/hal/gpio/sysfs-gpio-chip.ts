/**
 * A GPIO chip through the kernel's sysfs GPIO interface, using `onoff`. sysfs numbers lines globally: the
 * global number is the chip's base plus the line. The base is not the chip's index (Raspberry Pi kernels
 * since 6.6 put gpiochip0 at 512), so it is read from sysfs. The descriptor names the chip as the character
 * device does (gpiochip0), while /sys/class/gpio names it by base (gpiochip512); both are accepted, and the
 * two are matched through the parent device, which holds the character device's directory. A chip's label
 * ("pinctrl-bcm2711") is accepted too.
 *
 * sysfs cannot set pull bias: pull-ups for keypad columns and the hook switch belong in the device tree
 * overlay (device-tree/sipdesk-keypad.dts). onoff always works under /sys, so a fake sysfs root only serves
 * the chip lookup.
 */
import { access, readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MissingHardwareError } from '../hal-types.js';
import type { HalRoots } from '../input/sysfs-roots.js';
import type { GpioChip, GpioLevel, GpioPull } from './gpio-chip.js';

export interface SysfsGpioChipInfo {
  /** Directory name under <sysfs>/class/gpio, e.g. gpiochip512. */
  readonly entry: string;
  readonly base: number;
  readonly ngpio: number;
  readonly label: string;
}

async function readTrimmed(file: string): Promise<string | undefined> {
  try {
    return (await readFile(file, 'utf8')).trim();
  } catch {
    return undefined;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

/** Every chip under <sysfs>/class/gpio. */
export async function listSysfsGpioChips(roots: HalRoots): Promise<SysfsGpioChipInfo[]> {
  const classDir = path.join(roots.sysfs, 'class', 'gpio');
  let entries: string[];
  try {
    entries = await readdir(classDir);
  } catch {
    return [];
  }
  const chips: SysfsGpioChipInfo[] = [];
  for (const entry of entries.filter((e) => /^gpiochip\d+$/.test(e)).sort()) {
    const base = Number(await readTrimmed(path.join(classDir, entry, 'base')));
    const ngpio = Number(await readTrimmed(path.join(classDir, entry, 'ngpio')));
    if (!Number.isInteger(base) || !Number.isInteger(ngpio)) continue;
    chips.push({ entry, base, ngpio, label: (await readTrimmed(path.join(classDir, entry, 'label'))) ?? '' });
  }
  return chips;
}

/** Finds a chip by character-device name, sysfs entry name or label; MissingHardwareError when absent. */
export async function findSysfsGpioChip(chip: string, roots: HalRoots): Promise<SysfsGpioChipInfo> {
  const chips = await listSysfsGpioChips(roots);
  const classDir = path.join(roots.sysfs, 'class', 'gpio');
  for (const info of chips) {
    if (await exists(path.join(classDir, info.entry, 'device', chip))) return info;
  }
  const byName = chips.find((c) => c.entry === chip) ?? chips.find((c) => c.label === chip);
  if (byName) return byName;
  const found = chips.length ? chips.map((c) => `${c.entry} (${c.label || 'no label'}, base ${c.base})`).join(', ') : 'none';
  throw new MissingHardwareError(`gpio ${chip}`, `no GPIO chip '${chip}' in ${classDir} (found: ${found})`);
}

interface OnoffGpio {
  readSync(): GpioLevel;
  writeSync(value: GpioLevel): void;
  setDirection(direction: 'in' | 'out' | 'high' | 'low'): void;
  unexport(): void;
}
type OnoffGpioClass = (new (gpio: number, direction: 'in' | 'out' | 'high' | 'low') => OnoffGpio) & { accessible: boolean };

/** Opens a chip for use through onoff; MissingHardwareError when the chip or sysfs GPIO is missing. */
export async function openSysfsGpioChip(chip: string, roots: HalRoots): Promise<GpioChip> {
  const info = await findSysfsGpioChip(chip, roots);
  // Loaded only here: onoff pulls in a native epoll binding that the simulator never needs.
  const { Gpio } = (await import('onoff')) as unknown as { Gpio: OnoffGpioClass };
  if (!Gpio.accessible) throw new MissingHardwareError(`gpio ${chip}`, 'sysfs GPIO (/sys/class/gpio) is not accessible');
  return new SysfsGpioChip(chip, info, Gpio);
}

class SysfsGpioChip implements GpioChip {
  readonly #lines = new Map<number, OnoffGpio>();

  constructor(
    readonly name: string,
    private readonly info: SysfsGpioChipInfo,
    private readonly Gpio: OnoffGpioClass,
  ) {}

  setInput(line: number, _pull?: GpioPull): void {
    this.#configure(line, 'in');
  }

  setOutput(line: number, level: GpioLevel): void {
    // 'high'/'low' set direction and level in one write, without a glitch to the wrong level.
    this.#configure(line, level ? 'high' : 'low');
  }

  read(line: number): GpioLevel {
    return this.#existing(line).readSync();
  }

  write(line: number, level: GpioLevel): void {
    this.#existing(line).writeSync(level);
  }

  close(): Promise<void> {
    for (const gpio of this.#lines.values()) {
      try {
        gpio.unexport();
      } catch {
        // Already gone (another process unexported it): nothing left to release.
      }
    }
    this.#lines.clear();
    return Promise.resolve();
  }

  #configure(line: number, direction: 'in' | 'high' | 'low'): void {
    if (!Number.isInteger(line) || line < 0 || line >= this.info.ngpio) {
      throw new Error(`gpio ${this.name}: no line ${String(line)} (the chip has ${this.info.ngpio})`);
    }
    const gpio = this.#lines.get(line);
    // The first use exports the line with its direction; later ones only change the direction.
    if (gpio) gpio.setDirection(direction);
    else this.#lines.set(line, new this.Gpio(this.info.base + line, direction));
  }

  #existing(line: number): OnoffGpio {
    const gpio = this.#lines.get(line);
    if (!gpio) throw new Error(`gpio ${this.name}: line ${line} is not configured`);
    return gpio;
  }
}
