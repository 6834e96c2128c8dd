/**
 * The board descriptor made real: opens the display, input devices, LEDs and backlight it names, each with
 * its driver from src/hal (or the UI's display drivers). Every driver whose hardware is missing is noted and
 * the start fails with one message naming all of them — `sipdesk run --board rpi4-desk` on a laptop says
 * which framebuffer, input devices and LEDs it looked for — after closing whatever did open.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { BoardDescriptor, BoardInput, BoardLeds } from '../config/board-schema.js';
import { MissingHardwareError, type Backlight, type InputSource, type LedDriver } from '../hal/hal-types.js';
import { openEvdevInput } from '../hal/input/evdev-input.js';
import { openGpioKeypad } from '../hal/keypad/gpio-keypad.js';
import { openGpioSwitch } from '../hal/switch/gpio-switch.js';
import { openSysfsGpioChip } from '../hal/gpio/sysfs-gpio-chip.js';
import type { GpioChip } from '../hal/gpio/gpio-chip.js';
import { openSysfsLeds } from '../hal/leds/sysfs-leds.js';
import { openGpioLeds } from '../hal/leds/gpio-leds.js';
import { openSysfsBacklight } from '../hal/backlight/sysfs-backlight.js';
import { IdleDimmer } from '../hal/backlight/idle-dimmer.js';
import { openHidHeadset, type HidHeadset } from '../hal/headset/hid-headset.js';
import { openSerialController, type SerialController } from '../hal/serial/serial-controller.js';
import { SimInput } from '../hal/sim/sim-input.js';
import { SimLeds } from '../hal/sim/sim-leds.js';
import { SimBacklight } from '../hal/sim/sim-backlight.js';
import type { Clock } from '../phone/clock.js';
import { FbdevDisplay, type Display } from '../ui/index.js';
import { FrameStream } from '../ui/display/frame-stream.js';
import type { PhoneDevices } from './phone.js';
import { createLogger } from '../util/log.js';

const log = createLogger('board');

export interface OpenedBoard extends PhoneDevices {
  readonly board: BoardDescriptor;
  /** The simulated drivers, when the board has them (the simulator's page and tests drive these). */
  readonly sim: { display?: FrameStream; input?: SimInput; leds?: SimLeds; backlight?: SimBacklight };
  /** Closes every driver (the phone closes the ones it was given; this is for a failed start). */
  close(): Promise<void>;
}

/** Thrown when drivers cannot open: lists every missing piece of hardware at once. */
export class BoardHardwareError extends Error {
  constructor(
    readonly board: string,
    readonly missing: readonly MissingHardwareError[],
  ) {
    super(`board ${board}: hardware missing on this machine:\n${missing.map((m) => `  - ${m.message}`).join('\n')}`);
    this.name = 'BoardHardwareError';
  }
}

export async function openBoardDevices(board: BoardDescriptor, deps: { clock: Clock }): Promise<OpenedBoard> {
  const { clock } = deps;
  const roots = board.roots;
  const missing: MissingHardwareError[] = [];
  const closers: (() => Promise<void> | void)[] = [];
  const attempt = async <T>(what: string, open: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await open();
    } catch (err) {
      if (err instanceof MissingHardwareError) missing.push(err);
      else missing.push(new MissingHardwareError(what, (err as Error).message));
      return undefined;
    }
  };
  const onError = (e: Error): void => log.warn(e.message);
  const sim: { display?: FrameStream; input?: SimInput; leds?: SimLeds; backlight?: SimBacklight } = {};

  // Display.
  let display: Display | undefined;
  const d = board.display;
  if (d.driver === 'fbdev') {
    const path = join(roots.dev, d.device.replace(/^\/dev\//, ''));
    display = await attempt('fbdev display', () => {
      if (!existsSync(path)) throw new MissingHardwareError('fbdev display', `no framebuffer ${path}`);
      return Promise.resolve(new FbdevDisplay({ path, panelWidth: d.width, panelHeight: d.height, format: d.format, rotation: d.rotation }));
    });
    if (display) closers.push(() => display?.close?.());
  } else {
    // The simulator's page subscribes to it; headless, it only keeps the picture (screen.png reads it).
    display = sim.display = new FrameStream(d.width, d.height, { encoding: 'png' });
  }
  const size = display ? { width: display.width, height: display.height } : { width: d.width, height: d.height };

  // GPIO chips and the serial controller / headset are shared between their input and LED entries.
  const chips = new Map<string, Promise<GpioChip>>();
  const openChip = (name: string) => () => {
    let chip = chips.get(name);
    if (!chip) {
      chip = openSysfsGpioChip(name, roots);
      chips.set(name, chip);
    }
    return chip;
  };
  let serial: Promise<SerialController | undefined> | undefined;
  let headset: Promise<HidHeadset | undefined> | undefined;
  const serialOf = (o: { port: string; baud: number }) =>
    (serial ??= attempt('serial controller', () => openSerialController({ ...o, roots }, { clock, log })));
  const headsetOf = (o: { vendorId?: number; productId?: number }) =>
    (headset ??= attempt('USB headset', () => openHidHeadset({ ...o, roots }, { clock, log })));

  const inputs: InputSource[] = [];
  const openInput = async (i: BoardInput): Promise<InputSource | undefined> => {
    switch (i.driver) {
      case 'evdev': {
        const { driver: _, ...opts } = i;
        return attempt(`evdev '${i.device}'`, () => openEvdevInput({ ...opts, roots }, { display: size, onError }));
      }
      case 'gpio-keypad':
        // The descriptor follows the kernel's gpio-matrix-keypad (columns driven, rows read); our scanner
        // drives its `rows` and reads its `columns`: hand it the matrix turned around.
        return attempt(`gpio keypad ${i.chip}`, () =>
          openGpioKeypad(
            {
              chip: i.chip,
              rows: i.columns,
              columns: i.rows,
              keymap: i.columns.map((_, c) => i.rows.map((_, r) => i.keymap[r]?.[c] ?? '')),
              debounceMs: i.debounceMs,
              scanIntervalMs: i.scanIntervalMs,
              repeatDelayMs: i.repeatDelayMs,
              repeatIntervalMs: i.repeatIntervalMs,
              roots,
            },
            { clock, openChip: openChip(i.chip), onError },
          ),
        );
      case 'gpio-switch': {
        const { driver: _, ...opts } = i;
        return attempt(`gpio switch ${i.chip} line ${i.line}`, () => openGpioSwitch({ ...opts, roots }, { clock, openChip: openChip(i.chip), onError }));
      }
      case 'hid-headset':
        return (await headsetOf(i))?.input;
      case 'serial-controller':
        return (await serialOf(i))?.input;
      case 'sim':
        return (sim.input ??= new SimInput('sim'));
    }
  };
  for (const i of board.inputs) {
    const source = await openInput(i);
    if (source && !inputs.includes(source)) inputs.push(source);
  }

  const serialEntry = board.inputs.find((i) => i.driver === 'serial-controller');
  const headsetEntry = board.inputs.find((i) => i.driver === 'hid-headset');
  const leds: LedDriver[] = [];
  const openLeds = async (l: BoardLeds): Promise<LedDriver | undefined> => {
    switch (l.driver) {
      case 'sysfs':
        return attempt('sysfs LEDs', () => openSysfsLeds({ leds: l.leds, roots }, { onError }));
      case 'gpio':
        return attempt(`gpio LEDs ${l.chip}`, () => openGpioLeds({ chip: l.chip, leds: l.leds, roots }, { clock, openChip: openChip(l.chip), onError }));
      case 'serial-controller':
        // The schema guarantees the input entry; its session serves both halves.
        return serialEntry?.driver === 'serial-controller' ? (await serialOf(serialEntry))?.leds : undefined;
      case 'hid-headset':
        return headsetEntry?.driver === 'hid-headset' ? (await headsetOf(headsetEntry))?.leds : undefined;
      case 'sim':
        return (sim.leds ??= new SimLeds());
    }
  };
  for (const l of board.leds) {
    const driver = await openLeds(l);
    if (driver) leds.push(driver);
  }

  let backlight: Backlight | undefined;
  let dimmer: IdleDimmer | undefined;
  const b = board.backlight;
  if (b?.driver === 'sysfs') {
    backlight = await attempt(`backlight ${b.device}`, () => openSysfsBacklight({ ...b, roots }, { onError }));
    if (backlight) dimmer = new IdleDimmer(backlight, clock, { dimLevel: b.dimLevel, dimAfterS: b.dimAfterS, offAfterS: b.offAfterS });
  } else if (b?.driver === 'sim') {
    backlight = sim.backlight = new SimBacklight();
  }

  const close = async (): Promise<void> => {
    dimmer?.stop();
    const drivers = [...inputs, ...leds, ...(backlight ? [backlight] : [])];
    await Promise.allSettled([...drivers.map((x) => x.close()), ...closers.map(async (c) => c())]);
    await Promise.allSettled([...chips.values()].map(async (c) => (await c).close()));
  };
  if (missing.length > 0) {
    await close();
    throw new BoardHardwareError(board.name, missing);
  }
  return {
    board,
    sim,
    ...(display ? { display } : {}),
    inputs,
    leds,
    ...(backlight ? { backlight } : {}),
    ...(dimmer ? { dimmer } : {}),
    lineKeys: board.features.lineKeys,
    features: { touch: board.features.touch, kiosk: board.features.kiosk },
    boardName: board.name,
    boardAudio: board.audio,
    close,
  };
}
