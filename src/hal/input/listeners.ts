/**
 * The subscriber list behind every InputSource's `onEvent` (and the simulated LEDs' change listener). A
 * listener that throws must not stop the others nor the driver's read or scan loop, so errors are handed
 * to `onListenerError` instead of propagating.
 */
export class ListenerSet<T> {
  readonly #listeners = new Set<(value: T) => void>();

  constructor(private readonly onListenerError: (error: unknown) => void = () => {}) {}

  /** Adds a listener; returns the function that removes it again. */
  add(listener: (value: T) => void): () => void {
    // Wrapped so that subscribing the same function twice gives two independent subscriptions.
    const entry = (value: T) => listener(value);
    this.#listeners.add(entry);
    return () => {
      this.#listeners.delete(entry);
    };
  }

  emit(value: T): void {
    for (const listener of [...this.#listeners]) {
      try {
        listener(value);
      } catch (error) {
        this.onListenerError(error);
      }
    }
  }

  get size(): number {
    return this.#listeners.size;
  }

  clear(): void {
    this.#listeners.clear();
  }
}
