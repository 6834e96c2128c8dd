/**
 * One switch on one GPIO line — the hook switch, or a lone button such as speaker — polled on the Clock
 * and debounced. "Active" is the contact closed (line low when activeLow, the usual switch to ground with a
 * pull-up); for the hook, active means off hook, so the wiring's polarity is set with activeLow alone.
 * The contact starts out taken as inactive: a handset already lifted at boot reports off hook once the
 * reading has been stable for debounceMs.
 */
import type { Clock, TimerHandle } from '../../phone/clock.js';
import type { HalInputEvent, InputSource } from '../hal-types.js';
import type { GpioChip, GpioChipOpener } from '../gpio/gpio-chip.js';
import { openSysfsGpioChip } from '../gpio/sysfs-gpio-chip.js';
import { ListenerSet } from '../input/listeners.js';
import { resolveRoots, type HalRoots } from '../input/sysfs-roots.js';
import { DebouncedContact } from '../keypad/debounced-contact.js';

/** The descriptor's gpio-switch input (minus `driver`). */
export interface GpioSwitchOptions {
  readonly chip: string;
  readonly line: number;
  /** Default true: closed contact pulls the line low. */
  readonly activeLow?: boolean;
  readonly debounceMs?: number;
  /** 'hook' → {type:'hook'}; { key } → key down/up with that code. */
  readonly emits: 'hook' | { readonly key: string };
  /** How often the line is read; default a third of debounceMs, between 1 and 10 ms. */
  readonly pollIntervalMs?: number;
  readonly roots?: Partial<HalRoots>;
}

export interface GpioSwitchDeps {
  readonly clock: Clock;
  readonly openChip?: GpioChipOpener;
  readonly onError?: (error: Error) => void;
}

export const SWITCH_DEFAULT_DEBOUNCE_MS = 30;

export async function openGpioSwitch(options: GpioSwitchOptions, deps: GpioSwitchDeps): Promise<InputSource> {
  const name = `gpio switch ${options.chip} line ${options.line}`;
  const debounceMs = options.debounceMs ?? SWITCH_DEFAULT_DEBOUNCE_MS;
  const pollMs = options.pollIntervalMs ?? Math.min(10, Math.max(1, Math.floor(debounceMs / 3)));
  if (!Number.isInteger(options.line) || options.line < 0) throw new Error(`${name}: line must be a non-negative integer`);
  if (!Number.isFinite(debounceMs) || debounceMs < 0) throw new Error(`${name}: debounceMs must be zero or more`);
  if (!Number.isFinite(pollMs) || pollMs <= 0) throw new Error(`${name}: pollIntervalMs must be positive`);
  const emits = options.emits;
  if (emits !== 'hook' && !(typeof emits === 'object' && typeof emits.key === 'string' && emits.key !== '')) {
    throw new Error(`${name}: emits must be 'hook' or { key: <code> }`);
  }
  const openChip = deps.openChip ?? ((chip: string) => openSysfsGpioChip(chip, resolveRoots(options.roots)));
  const chip = await openChip(options.chip);
  const activeLow = options.activeLow ?? true;
  try {
    // The pull holds the open contact at its inactive level (where the chip can set pulls at all).
    chip.setInput(options.line, activeLow ? 'up' : 'down');
  } catch (e) {
    await chip.close();
    throw e;
  }
  return new GpioSwitch(name, options.line, activeLow, emits, chip, new DebouncedContact(debounceMs), pollMs, deps);
}

class GpioSwitch implements InputSource {
  readonly #listeners: ListenerSet<HalInputEvent>;
  readonly #onError: (error: Error) => void;
  #timer: TimerHandle | undefined;
  #failing = false;
  #closed = false;

  constructor(
    readonly name: string,
    private readonly line: number,
    private readonly activeLow: boolean,
    private readonly emits: 'hook' | { readonly key: string },
    private readonly chip: GpioChip,
    private readonly contact: DebouncedContact,
    private readonly pollMs: number,
    private readonly deps: GpioSwitchDeps,
  ) {
    this.#onError = deps.onError ?? ((e) => process.stderr.write(`sipdesk hal: ${e.message}\n`));
    this.#listeners = new ListenerSet((e) => this.#onError(new Error(`${name}: listener failed: ${String(e)}`)));
    this.#schedule();
  }

  onEvent(listener: (event: HalInputEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.deps.clock.clearTimer(this.#timer);
    this.#listeners.clear();
    await this.chip.close();
  }

  #schedule(): void {
    this.#timer = this.deps.clock.setTimer(this.pollMs, () => {
      if (this.#closed) return;
      this.#poll();
      this.#schedule();
    });
  }

  #poll(): void {
    let level: number;
    try {
      level = this.chip.read(this.line);
      this.#failing = false;
    } catch (e) {
      if (!this.#failing) this.#onError(new Error(`${this.name}: read failed: ${e instanceof Error ? e.message : String(e)}`));
      this.#failing = true;
      return;
    }
    const active = this.activeLow ? level === 0 : level === 1;
    if (!this.contact.sample(active, this.deps.clock.now())) return;
    this.contact.commit();
    const on = this.contact.stable;
    this.#listeners.emit(this.emits === 'hook' ? { type: 'hook', offHook: on } : { type: 'key', code: this.emits.key, down: on });
  }
}
