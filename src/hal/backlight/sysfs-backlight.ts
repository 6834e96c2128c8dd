/**
 * A display backlight of the kernel's backlight class (/sys/class/backlight/<device>). Levels 0..1 are
 * rounded to the device's steps (0..max_brightness); any level above 0 lights at least step 1, so a dim
 * setting never turns the screen dark by rounding. Level 0 also powers the backlight down (bl_power 4,
 * FB_BLANK_POWERDOWN) where the device has bl_power, and waking powers it up before setting brightness.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MissingHardwareError, type Backlight } from '../hal-types.js';
import { resolveRoots, type HalRoots } from '../input/sysfs-roots.js';

/** The descriptor's sysfs backlight (minus `driver`); the dimming fields are IdleDimmer's. */
export interface SysfsBacklightOptions {
  readonly device: string;
  readonly dimLevel?: number;
  readonly dimAfterS?: number;
  readonly offAfterS?: number;
  readonly roots?: Partial<HalRoots>;
}

export interface SysfsBacklightDeps {
  readonly onError?: (error: Error) => void;
}

const BL_POWER_ON = 0;
const BL_POWER_DOWN = 4;

export async function openSysfsBacklight(options: SysfsBacklightOptions, deps: SysfsBacklightDeps = {}): Promise<Backlight> {
  const classDir = path.join(resolveRoots(options.roots).sysfs, 'class', 'backlight');
  const dir = path.join(classDir, options.device);
  if (!existsSync(dir)) {
    let present: string[] = [];
    try {
      present = await readdir(classDir);
    } catch {
      // No backlight class at all: "found: none".
    }
    throw new MissingHardwareError(`sysfs backlight '${options.device}'`, `no ${dir} (found: ${present.length ? present.join(', ') : 'none'})`);
  }
  const readNumber = async (file: string) => Number((await readFile(path.join(dir, file), 'utf8')).trim());
  const max = await readNumber('max_brightness');
  if (!Number.isInteger(max) || max <= 0) throw new Error(`sysfs backlight: ${dir}/max_brightness is not a positive number`);
  const current = await readNumber('brightness');
  const powerFile = path.join(dir, 'bl_power');
  const powered = existsSync(powerFile) ? (await readNumber('bl_power')) === BL_POWER_ON : undefined;
  const onError = deps.onError ?? ((e: Error) => process.stderr.write(`sipdesk hal: ${e.message}\n`));
  return new SysfsBacklight(`sysfs backlight '${options.device}'`, dir, max, Number.isFinite(current) ? current : max, powered, onError);
}

/** The device step for a level: 0 only for 0, otherwise at least 1. */
export function backlightSteps(level: number, max: number): number {
  const clamped = Math.min(1, Math.max(0, level));
  if (clamped === 0) return 0;
  return Math.max(1, Math.round(clamped * max));
}

class SysfsBacklight implements Backlight {
  #steps: number;
  /** What bl_power holds; undefined when the device has no bl_power. */
  #powered: boolean | undefined;

  constructor(
    readonly name: string,
    private readonly dir: string,
    private readonly max: number,
    initialSteps: number,
    initiallyPowered: boolean | undefined,
    private readonly onError: (error: Error) => void,
  ) {
    this.#steps = Math.min(max, Math.max(0, Math.round(initialSteps)));
    this.#powered = initiallyPowered;
  }

  /** The level as set (0 while powered down, whatever brightness holds). */
  get level(): number {
    return this.#powered === false ? 0 : this.#steps / this.max;
  }

  setLevel(level: number): void {
    if (typeof level !== 'number' || Number.isNaN(level)) {
      this.onError(new Error(`${this.name}: level must be a number 0..1, not ${String(level)}`));
      return;
    }
    const steps = backlightSteps(level, this.max);
    const powered = steps > 0;
    try {
      // Order matters on the way up: power first, so the new brightness is what lights.
      if (powered && this.#powered === false) {
        this.#write('bl_power', BL_POWER_ON);
        this.#powered = true;
      }
      if (steps !== this.#steps) {
        this.#write('brightness', steps);
        this.#steps = steps;
      }
      if (!powered && this.#powered === true) {
        this.#write('bl_power', BL_POWER_DOWN);
        this.#powered = false;
      }
    } catch (e) {
      this.onError(new Error(`${this.name}: ${(e as Error).message}`));
    }
  }

  close(): Promise<void> {
    // Leave the screen lit: whoever takes the display next (a console, the next start) expects to see it.
    this.setLevel(1);
    return Promise.resolve();
  }

  #write(file: string, value: number): void {
    writeFileSync(path.join(this.dir, file), String(value));
  }
}
