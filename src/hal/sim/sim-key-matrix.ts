/**
 * The electrical behaviour of a diode-less key matrix wired to a SimGpioChip: a column reads low when a
 * chain of closed contacts connects it to a row driven low. Chains through other rows and columns are what
 * real matrices do too, so three keys at corners of a rectangle make the fourth read pressed — ghosts
 * appear here exactly as on hardware. Contacts can be set directly or scripted to bounce in Clock time.
 */
import type { Clock } from '../../phone/clock.js';
import type { GpioLevel } from '../gpio/gpio-chip.js';
import type { SimGpioChip } from '../gpio/sim-gpio-chip.js';

export interface ContactStep {
  /** Milliseconds after scheduleContact() was called. */
  readonly atMs: number;
  readonly closed: boolean;
}

export class SimKeyMatrix {
  readonly #closed: boolean[][];

  constructor(
    private readonly chip: SimGpioChip,
    private readonly rows: readonly number[],
    private readonly columns: readonly number[],
  ) {
    this.#closed = rows.map(() => columns.map(() => false));
    chip.addResolver((line) => this.#resolve(line));
  }

  setContact(row: number, col: number, closed: boolean): void {
    const r = this.#closed[row];
    if (!r || col < 0 || col >= this.columns.length) throw new Error(`no key at row ${row}, column ${col}`);
    r[col] = closed;
  }

  isClosed(row: number, col: number): boolean {
    return this.#closed[row]?.[col] === true;
  }

  /** Scripts a contact's changes (bounce, then settle) at offsets from now. */
  scheduleContact(row: number, col: number, steps: readonly ContactStep[], clock: Clock): void {
    for (const step of steps) clock.setTimer(step.atMs, () => this.setContact(row, col, step.closed));
  }

  /** Level of a column (or row) line: that of a driven row reachable through closed contacts, else undriven. */
  #resolve(line: number): GpioLevel | undefined {
    const startCol = this.columns.indexOf(line);
    const startRow = this.rows.indexOf(line);
    if (startCol < 0 && startRow < 0) return undefined;
    // Breadth-first over the bipartite graph rows ↔ columns whose edges are closed contacts.
    const seenRows = new Set<number>();
    const seenCols = new Set<number>();
    const queue: ['r' | 'c', number][] = startCol >= 0 ? [['c', startCol]] : [['r', startRow]];
    if (startCol >= 0) seenCols.add(startCol);
    else seenRows.add(startRow);
    while (queue.length) {
      const [kind, index] = queue.shift()!;
      if (kind === 'r') {
        const state = this.chip.lineState(this.rows[index]!);
        if (state?.dir === 'out' && this.rows[index] !== line) return state.level;
        this.columns.forEach((_, c) => {
          if (this.#closed[index]![c] && !seenCols.has(c)) {
            seenCols.add(c);
            queue.push(['c', c]);
          }
        });
      } else {
        this.rows.forEach((_, r) => {
          if (this.#closed[r]![index] && !seenRows.has(r)) {
            seenRows.add(r);
            queue.push(['r', r]);
          }
        });
      }
    }
    return undefined;
  }
}
