/**
 * A diode-less key matrix on GPIO lines, scanned in software: rows are driven low one at a time (the
 * others left high-impedance, so two keys in one column never short a high row against a low one), and
 * columns, pulled up, read low where a key connects them to the driven row. Each key is debounced on its
 * own; a key-down that could be a ghost is held back until the matrix is unambiguous; navigation and
 * volume keys repeat while held. Everything runs on the injected Clock, so tests scan in fake time.
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';
import type { HalInputEvent, InputSource } from '../hal-types.js';
import type { GpioChip, GpioChipOpener } from '../gpio/gpio-chip.js';
import { openSysfsGpioChip } from '../gpio/sysfs-gpio-chip.js';
import { ListenerSet } from '../input/listeners.js';
import { isRepeatableKey } from '../input/repeatable-keys.js';
import { resolveRoots, type HalRoots } from '../input/sysfs-roots.js';
import { DebouncedContact } from './debounced-contact.js';
import { isAmbiguous } from './ghost-keys.js';

/** The descriptor's gpio-keypad input (minus `driver`). */
export interface GpioKeypadOptions {
  readonly chip: string;
  /** Row lines, driven during the scan. */
  readonly rows: readonly number[];
  /** Column lines, read (with pull-ups) during the scan. */
  readonly columns: readonly number[];
  /** keymap[row][column] = phone key code; "" for a position without a key. */
  readonly keymap: readonly (readonly string[])[];
  readonly debounceMs?: number;
  readonly scanIntervalMs?: number;
  readonly repeatDelayMs?: number;
  readonly repeatIntervalMs?: number;
  readonly roots?: Partial<HalRoots>;
}

export interface GpioKeypadDeps {
  readonly clock: Clock;
  /** Default: the sysfs chip under options.roots. */
  readonly openChip?: GpioChipOpener;
  /** Line read errors and listener exceptions; default writes to stderr. */
  readonly onError?: (error: Error) => void;
}

export const KEYPAD_DEFAULTS = { debounceMs: 20, scanIntervalMs: 10, repeatDelayMs: 500, repeatIntervalMs: 100 } as const;

interface KeypadTiming {
  readonly debounceMs: number;
  readonly scanIntervalMs: number;
  readonly repeatDelayMs: number;
  readonly repeatIntervalMs: number;
}

function validate(options: GpioKeypadOptions): KeypadTiming {
  const name = `gpio keypad ${options.chip}`;
  const { rows, columns, keymap } = options;
  const lines = [...rows, ...columns];
  if (rows.length === 0 || columns.length === 0) throw new Error(`${name}: needs at least one row and one column`);
  if (lines.some((l) => !Number.isInteger(l) || l < 0)) throw new Error(`${name}: line numbers must be non-negative integers`);
  if (new Set(lines).size !== lines.length) throw new Error(`${name}: a line is listed twice among rows and columns`);
  if (keymap.length !== rows.length || keymap.some((r) => r.length !== columns.length)) {
    throw new Error(`${name}: keymap must have ${rows.length} rows of ${columns.length} keys`);
  }
  const timing = {
    debounceMs: options.debounceMs ?? KEYPAD_DEFAULTS.debounceMs,
    scanIntervalMs: options.scanIntervalMs ?? KEYPAD_DEFAULTS.scanIntervalMs,
    repeatDelayMs: options.repeatDelayMs ?? KEYPAD_DEFAULTS.repeatDelayMs,
    repeatIntervalMs: options.repeatIntervalMs ?? KEYPAD_DEFAULTS.repeatIntervalMs,
  };
  for (const [key, value] of Object.entries(timing)) {
    const positive = key !== 'debounceMs';
    if (!Number.isFinite(value) || value < 0 || (positive && value === 0)) {
      throw new Error(`${name}: ${key} must be ${positive ? 'positive' : 'zero or more'}, not ${value}`);
    }
  }
  return timing;
}

/** Opens the chip, configures the lines and starts scanning. */
export async function openGpioKeypad(options: GpioKeypadOptions, deps: GpioKeypadDeps): Promise<InputSource> {
  const timing = validate(options);
  const openChip = deps.openChip ?? ((chip: string) => openSysfsGpioChip(chip, resolveRoots(options.roots)));
  const chip = await openChip(options.chip);
  try {
    for (const row of options.rows) chip.setInput(row, 'none');
    for (const col of options.columns) chip.setInput(col, 'up');
  } catch (e) {
    await chip.close();
    throw e;
  }
  return new GpioKeypad(options, timing, chip, deps.clock, deps.onError ?? ((e) => process.stderr.write(`sipdesk hal: ${e.message}\n`)));
}

class GpioKeypad implements InputSource {
  readonly name: string;
  readonly #listeners: ListenerSet<HalInputEvent>;
  readonly #contacts: DebouncedContact[][];
  readonly #repeats = new Map<string, TimerHandle>();
  #scanTimer: TimerHandle | undefined;
  #failing = false;
  #closed = false;

  constructor(
    private readonly options: GpioKeypadOptions,
    private readonly timing: KeypadTiming,
    private readonly chip: GpioChip,
    private readonly clock: Clock,
    private readonly onError: (error: Error) => void,
  ) {
    this.name = `gpio keypad ${options.chip}`;
    this.#listeners = new ListenerSet((e) => onError(new Error(`${this.name}: listener failed: ${String(e)}`)));
    this.#contacts = options.rows.map(() => options.columns.map(() => new DebouncedContact(timing.debounceMs)));
    this.#schedule();
  }

  onEvent(listener: (event: HalInputEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.clock.clearTimer(this.#scanTimer);
    for (const timer of this.#repeats.values()) this.clock.clearTimer(timer);
    this.#repeats.clear();
    this.#listeners.clear();
    await this.chip.close();
  }

  #schedule(): void {
    this.#scanTimer = this.clock.setTimer(this.timing.scanIntervalMs, () => {
      if (this.#closed) return;
      this.#scan();
      if (!this.#closed) this.#schedule();
    });
  }

  /** One pass over the matrix; raw readings, then debounced transitions with ghost vetoes. */
  #scan(): void {
    let pressed: boolean[][];
    try {
      pressed = this.#readMatrix();
      if (this.#failing) this.onError(new Error(`${this.name}: reading again`));
      this.#failing = false;
    } catch (e) {
      // Report a failing chip once, not every few milliseconds; keep scanning in case it recovers.
      if (!this.#failing) this.onError(new Error(`${this.name}: scan failed: ${e instanceof Error ? e.message : String(e)}`));
      this.#failing = true;
      return;
    }
    const now = this.clock.now();
    this.#contacts.forEach((row, r) =>
      row.forEach((contact, c) => {
        if (!contact.sample(pressed[r]![c]!, now)) return;
        const down = !contact.stable;
        if (down && isAmbiguous(pressed, r, c)) return;
        contact.commit();
        this.#keyChanged(this.options.keymap[r]![c]!, down);
      }),
    );
  }

  #readMatrix(): boolean[][] {
    const { rows, columns } = this.options;
    return rows.map((row) => {
      this.chip.setOutput(row, 0);
      try {
        return columns.map((col) => this.chip.read(col) === 0);
      } finally {
        this.chip.setInput(row, 'none');
      }
    });
  }

  #keyChanged(code: string, down: boolean): void {
    if (code === '') return;
    const repeat = this.#repeats.get(code);
    if (repeat) {
      this.clock.clearTimer(repeat);
      this.#repeats.delete(code);
    }
    this.#listeners.emit({ type: 'key', code, down });
    if (down && isRepeatableKey(code)) this.#repeatAfter(code, this.timing.repeatDelayMs);
  }

  #repeatAfter(code: string, ms: number): void {
    this.#repeats.set(
      code,
      this.clock.setTimer(ms, () => {
        if (this.#closed) return;
        this.#listeners.emit({ type: 'key', code, down: true });
        this.#repeatAfter(code, this.timing.repeatIntervalMs);
      }),
    );
  }
}
