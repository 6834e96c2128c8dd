/**
 * LEDs of the kernel's LED class (/sys/class/leds/<name>), as gpio-leds or an LED controller's driver
 * exposes them. Steady states write brightness (0 or max_brightness) with no trigger; blinking hands the
 * timing to the kernel's "timer" trigger (delay_on/delay_off), so blinking needs no wake-ups in Node.
 * A state equal to the current one writes nothing: phone state snapshots arrive often and mostly unchanged.
 */
import { writeFileSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { MissingHardwareError, type LedDriver, type LedState } from '../hal-types.js';
import { resolveRoots, type HalRoots } from '../input/sysfs-roots.js';
import { nextLedState, type NormalLedState } from './led-state.js';

/** The descriptor's sysfs LEDs (minus `driver`): phone LED name → LED class device name. */
export interface SysfsLedsOptions {
  readonly leds: Readonly<Record<string, string>>;
  readonly roots?: Partial<HalRoots>;
}

export interface SysfsLedsDeps {
  /** Failed writes and invalid states; default writes to stderr. */
  readonly onError?: (error: Error) => void;
}

interface SysfsLed {
  readonly dir: string;
  readonly max: number;
  /** undefined: unknown (before the first write, or after a failed one), so the next set writes everything. */
  state: NormalLedState | undefined;
}

export async function openSysfsLeds(options: SysfsLedsOptions, deps: SysfsLedsDeps = {}): Promise<LedDriver> {
  const classDir = path.join(resolveRoots(options.roots).sysfs, 'class', 'leds');
  let present: string[];
  try {
    present = await readdir(classDir);
  } catch {
    present = [];
  }
  const wanted = Object.values(options.leds);
  const missing = wanted.filter((name) => !present.includes(name));
  if (missing.length) {
    throw new MissingHardwareError(
      'sysfs leds',
      `no LED ${missing.map((m) => `'${m}'`).join(', ')} in ${classDir} (found: ${present.length ? present.join(', ') : 'none'})`,
    );
  }
  const leds = new Map<string, SysfsLed>();
  for (const [phoneName, sysfsName] of Object.entries(options.leds)) {
    const dir = path.join(classDir, sysfsName);
    const max = Number((await readFile(path.join(dir, 'max_brightness'), 'utf8')).trim());
    if (!Number.isInteger(max) || max <= 0) throw new Error(`sysfs leds: ${dir}/max_brightness is not a positive number`);
    leds.set(phoneName, { dir, max, state: undefined });
  }
  return new SysfsLeds(leds, deps.onError ?? ((e) => process.stderr.write(`sipdesk hal: ${e.message}\n`)));
}

class SysfsLeds implements LedDriver {
  readonly name = 'sysfs leds';
  readonly leds: readonly string[];

  constructor(
    private readonly map: Map<string, SysfsLed>,
    private readonly onError: (error: Error) => void,
  ) {
    this.leds = [...map.keys()];
  }

  set(led: string, state: LedState): boolean {
    const entry = this.map.get(led);
    if (!entry) return false;
    const next = nextLedState(this.name, led, entry.state, state, this.onError);
    if (!next) return true;
    try {
      this.#apply(entry, next);
      entry.state = next;
    } catch (e) {
      entry.state = undefined;
      this.onError(new Error(`${this.name}: ${led}: ${(e as Error).message}`));
    }
    return true;
  }

  close(): Promise<void> {
    // Lamps left lit after the phone stops would claim a state nobody maintains.
    for (const led of this.leds) this.set(led, 'off');
    return Promise.resolve();
  }

  #apply(led: SysfsLed, next: NormalLedState): void {
    const write = (file: string, value: string | number) => writeFileSync(path.join(led.dir, file), String(value));
    const prev = led.state;
    if (next.kind === 'blink') {
      const wasBlinking = prev?.kind === 'blink';
      // Activating the timer trigger creates delay_on/delay_off (with the kernel's 500 ms defaults).
      if (!wasBlinking) write('trigger', 'timer');
      if (!wasBlinking || prev.onMs !== next.onMs) write('delay_on', next.onMs);
      if (!wasBlinking || prev.offMs !== next.offMs) write('delay_off', next.offMs);
      return;
    }
    if (prev === undefined || prev.kind === 'blink') write('trigger', 'none');
    write('brightness', next.kind === 'on' ? led.max : 0);
  }
}
