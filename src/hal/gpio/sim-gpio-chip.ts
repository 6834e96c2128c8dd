/**
 * A GPIO chip in memory, for tests and the simulator. Each line is an input or output; an input reads what
 * something outside drives onto it (`drive`), else its pull bias, else 0 (a floating line reads noise on
 * real hardware; a fixed 0 keeps tests deterministic). A `resolver` lets a simulated circuit — a key matrix —
 * compute input levels from the outputs, and `scheduleLevels` scripts contact bounce in (fake) time.
 */
import type { Clock } from '../../phone/clock.js';
import type { GpioChip, GpioLevel, GpioPull } from './gpio-chip.js';

type LineConfig = { readonly dir: 'in'; readonly pull: GpioPull } | { readonly dir: 'out'; level: GpioLevel };

/** Computes an input line's level from the chip's state; undefined = not driven by the circuit. */
export type SimGpioResolver = (line: number, chip: SimGpioChip) => GpioLevel | undefined;

export interface BounceStep {
  /** Milliseconds after scheduleLevels() was called. */
  readonly atMs: number;
  /** Level driven from then on; undefined releases the line to its pull bias. */
  readonly level: GpioLevel | undefined;
}

export class SimGpioChip implements GpioChip {
  readonly #lines = new Map<number, LineConfig>();
  readonly #driven = new Map<number, GpioLevel>();
  readonly #resolvers: SimGpioResolver[] = [];
  /** Every write to an output line, in order (GPIO LED tests check exactly what was written). */
  readonly writes: { line: number; level: GpioLevel }[] = [];
  #reads = 0;

  constructor(
    readonly name = 'simchip0',
    private readonly lineCount = 64,
  ) {}

  setInput(line: number, pull: GpioPull = 'none'): void {
    this.#check(line);
    this.#lines.set(line, { dir: 'in', pull });
  }

  setOutput(line: number, level: GpioLevel): void {
    this.#check(line);
    this.#lines.set(line, { dir: 'out', level });
    this.writes.push({ line, level });
  }

  read(line: number): GpioLevel {
    const config = this.#configured(line);
    this.#reads++;
    if (config.dir === 'out') return config.level;
    for (const resolve of this.#resolvers) {
      const level = resolve(line, this);
      if (level !== undefined) return level;
    }
    const driven = this.#driven.get(line);
    if (driven !== undefined) return driven;
    return config.pull === 'up' ? 1 : 0;
  }

  write(line: number, level: GpioLevel): void {
    const config = this.#configured(line);
    if (config.dir !== 'out') throw new Error(`${this.name}: line ${line} is an input`);
    config.level = level;
    this.writes.push({ line, level });
  }

  async close(): Promise<void> {
    // Lines stay as they are: a simulated chip is shared by the drivers of one simulated board.
  }

  // ---- the outside world ----

  /** Drives an input line from outside (a switch to ground: 0), or releases it (undefined) to its pull. */
  drive(line: number, level: GpioLevel | undefined): void {
    this.#check(line);
    if (level === undefined) this.#driven.delete(line);
    else this.#driven.set(line, level);
  }

  /** Scripts drive() changes at offsets from now: a bouncing contact is a burst of steps before it settles. */
  scheduleLevels(line: number, steps: readonly BounceStep[], clock: Clock): void {
    this.#check(line);
    for (const step of steps) clock.setTimer(step.atMs, () => this.drive(line, step.level));
  }

  addResolver(resolver: SimGpioResolver): void {
    this.#resolvers.push(resolver);
  }

  /** How a line is configured now, for circuits and assertions. */
  lineState(line: number): { dir: 'in'; pull: GpioPull } | { dir: 'out'; level: GpioLevel } | undefined {
    const config = this.#lines.get(line);
    return config && { ...config };
  }

  get readCount(): number {
    return this.#reads;
  }

  #check(line: number): void {
    if (!Number.isInteger(line) || line < 0 || line >= this.lineCount) {
      throw new Error(`${this.name}: no line ${String(line)} (the chip has ${this.lineCount})`);
    }
  }

  #configured(line: number): LineConfig {
    this.#check(line);
    const config = this.#lines.get(line);
    if (!config) throw new Error(`${this.name}: line ${line} is not configured`);
    return config;
  }
}
