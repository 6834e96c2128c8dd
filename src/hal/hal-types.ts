/**
 * The small interfaces every hardware driver implements, real or simulated; the board descriptor chooses
 * which. The app wires input sources into the UI's input router and the call core (hook), and phone state
 * into LED drivers and the backlight. Key codes are the UI's vocabulary (src/ui/core/keys.ts: '0'…'9', '*',
 * '#', soft1…, line1…, up/down/left/right/ok/back, volumeUp, speaker, headset, mute, hold, transfer, …);
 * a driver may emit any string and the router ignores unknown ones, so a new key map cannot crash the UI.
 */

export type PointerAction = 'down' | 'move' | 'up' | 'cancel';

export type HalInputEvent =
  | { type: 'key'; code: string; down: boolean }
  | { type: 'pointer'; x: number; y: number; action: PointerAction }
  | { type: 'hook'; offHook: boolean };

/** A driver that produces input: evdev device, GPIO keypad, hook switch, HID headset, serial controller, simulator. */
export interface InputSource {
  /** What it is, for logs and the missing-hardware message ("evdev 'gpio-keys'", "gpio keypad gpiochip0"). */
  readonly name: string;
  /** Subscribe; returns the unsubscribe function. */
  onEvent(listener: (event: HalInputEvent) => void): () => void;
  close(): Promise<void>;
}

/** `blink` gives on and off times in milliseconds (symmetric when only one is set). */
export type LedState = 'off' | 'on' | { blink: { onMs: number; offMs?: number } };

/** Lamps: message waiting, line keys, speaker, headset, mute, … by name as the board descriptor lists them. */
export interface LedDriver {
  readonly name: string;
  /** The LED names this driver controls. */
  readonly leds: readonly string[];
  /** Unknown names are ignored (a board without that lamp); returns whether the LED exists. */
  set(led: string, state: LedState): boolean;
  close(): Promise<void>;
}

/** Display backlight: 0 = off, 1 = full. */
export interface Backlight {
  readonly name: string;
  setLevel(level: number): void;
  readonly level: number;
  close(): Promise<void>;
}

/** A driver that needs hardware this machine lacks throws this at open, naming what is missing. */
export class MissingHardwareError extends Error {
  constructor(
    readonly driver: string,
    readonly missing: string,
  ) {
    super(`${driver}: ${missing}`);
    this.name = 'MissingHardwareError';
  }
}
