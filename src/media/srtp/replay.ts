/**
 * Replay protection for SRTP and SRTCP: RFC 3711 §3.3.2 (SRTP, on the 48-bit packet index) and §3.4
 * (SRTCP, the same mechanism on the 31-bit SRTCP index with its own list).
 *
 * The Replay List is a sliding window: everything newer than the highest index accepted so far is new,
 * everything older than the window is rejected, and inside the window one bit per index says whether it was
 * already received. The bitmap is a ring (bit = index mod size), so advancing the window by d clears only
 * d bits, not the whole map.
 *
 * Order of use (RFC 3711 §3.3 steps 3 and 6): `check` BEFORE authentication (a cheap early reject, no state
 * change), `accept` only AFTER the packet has authenticated, so forged packets cannot move the window.
 */

/** What the window says about an index. */
export type ReplayVerdict = 'new' | 'duplicate' | 'too-old';

/** Smallest window RFC 3711 §3.3.2 allows ("SHOULD be at least 64"); also our lower bound. */
export const MIN_REPLAY_WINDOW = 64;
/** libsrtp's default and ours. */
export const DEFAULT_REPLAY_WINDOW = 128;
/**
 * Upper bound: the index guess of RFC 3711 §3.3.1 / Appendix A can only place a packet within ±2^15 of
 * the highest sequence number, so a larger window could never be used.
 */
export const MAX_REPLAY_WINDOW = 32768;

export class ReplayWindow {
  /** Window size in packets (a multiple of 32). */
  readonly size: number;
  private readonly bits: Uint32Array;
  /** Highest index accepted so far; -1 before the first. */
  private top = -1;

  /** @param size packets the window spans: 64 … 32768, rounded up to a multiple of 32. */
  constructor(size: number = DEFAULT_REPLAY_WINDOW) {
    if (!Number.isInteger(size) || size < MIN_REPLAY_WINDOW || size > MAX_REPLAY_WINDOW) {
      throw new RangeError(`replay window must be an integer in ${MIN_REPLAY_WINDOW}…${MAX_REPLAY_WINDOW}, got ${size}`);
    }
    this.size = Math.ceil(size / 32) * 32;
    this.bits = new Uint32Array(this.size / 32);
  }

  /** Highest index accepted so far, or -1 when nothing was accepted yet. */
  get highest(): number {
    return this.top;
  }

  /** Classifies `index` without changing the window (RFC 3711 §3.3 step 3). */
  check(index: number): ReplayVerdict {
    if (index > this.top) return 'new';
    if (this.top - index >= this.size) return 'too-old';
    return this.isSet(index) ? 'duplicate' : 'new';
  }

  /**
   * Records `index` as received (RFC 3711 §3.3 step 6: only after authentication). Moves the window
   * forward when `index` is the newest so far. Indices that `check` would call too old are ignored.
   */
  accept(index: number): void {
    if (index > this.top) {
      const advance = this.top < 0 ? this.size : index - this.top;
      if (advance >= this.size) {
        this.bits.fill(0);
      } else {
        // Indices top+1 … index-1 were not received: clear their (recycled) bits.
        for (let i = this.top + 1; i < index; i++) this.clear(i);
      }
      this.top = index;
      this.set(index);
      return;
    }
    if (this.top - index < this.size) this.set(index);
  }

  private position(index: number): number {
    // index ≤ 2^48, exact in a double; % on integers is exact.
    return index % this.size;
  }

  private isSet(index: number): boolean {
    const p = this.position(index);
    return ((this.bits[p >>> 5] ?? 0) & (1 << (p & 31))) !== 0;
  }

  private set(index: number): void {
    const p = this.position(index);
    const w = p >>> 5;
    this.bits[w] = (this.bits[w] ?? 0) | (1 << (p & 31));
  }

  private clear(index: number): void {
    const p = this.position(index);
    const w = p >>> 5;
    this.bits[w] = (this.bits[w] ?? 0) & ~(1 << (p & 31));
  }
}
