/**
 * An input source the simulator (and tests) feed by hand: the browser UI's clicks and key presses, or a
 * scripted scenario, arrive through `inject()` exactly as a hardware driver would deliver them.
 */
import type { HalInputEvent, InputSource } from '../hal-types.js';
import { ListenerSet } from '../input/listeners.js';

export class SimInput implements InputSource {
  readonly #listeners: ListenerSet<HalInputEvent>;
  #closed = false;

  constructor(
    readonly name = 'sim input',
    onListenerError: (error: unknown) => void = (e) => process.stderr.write(`sipdesk hal: sim input listener failed: ${String(e)}\n`),
  ) {
    this.#listeners = new ListenerSet(onListenerError);
  }

  onEvent(listener: (event: HalInputEvent) => void): () => void {
    return this.#listeners.add(listener);
  }

  /** Delivers an event to every listener; ignored after close. */
  inject(event: HalInputEvent): void {
    if (!this.#closed) this.#listeners.emit(event);
  }

  /** A key press and release. */
  tap(code: string): void {
    this.inject({ type: 'key', code, down: true });
    this.inject({ type: 'key', code, down: false });
  }

  close(): Promise<void> {
    this.#closed = true;
    this.#listeners.clear();
    return Promise.resolve();
  }
}
