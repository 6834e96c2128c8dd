/**
 * The few GPIO operations the keypad scanner, hook switch and GPIO LEDs need, on lines numbered within one
 * chip (the numbers a board descriptor and device tree use). Synchronous on purpose: a matrix scan reads a
 * dozen lines every few milliseconds, and sysfs value files answer immediately.
 */
export type GpioLevel = 0 | 1;
export type GpioPull = 'up' | 'down' | 'none';

export interface GpioChip {
  /** e.g. "gpiochip0" */
  readonly name: string;
  /** Makes a line an input (high impedance). Pull bias only where the chip can set it (sysfs cannot: device tree does). */
  setInput(line: number, pull?: GpioPull): void;
  /** Makes a line an output driving `level`. */
  setOutput(line: number, level: GpioLevel): void;
  /** Reads the level of a line configured by setInput or setOutput. */
  read(line: number): GpioLevel;
  /** Drives an output line. */
  write(line: number, level: GpioLevel): void;
  /** Releases the lines this chip object configured. */
  close(): Promise<void>;
}

/** Opens a chip by the descriptor's name; drivers get this so tests and the simulator can hand in a SimGpioChip. */
export type GpioChipOpener = (chip: string) => Promise<GpioChip>;
