/**
 * Receiver statistics of one RTP source, after RFC 3550 Appendix A: sequence number validation (A.1),
 * expected and lost packets (A.3), interarrival jitter (A.8); and the round-trip time from a report block's
 * LSR/DLSR (§6.4.1). Pure: no I/O, no clock of its own — arrival times are handed in, in RTP timestamp units.
 */
import type { ReportBlock } from './rtcp.js';

/** RFC 3550 A.1 constants. */
export const RTP_SEQ_MOD = 0x10000;
export const MAX_DROPOUT = 3000;
export const MAX_MISORDER = 100;
export const MIN_SEQUENTIAL = 2;

/**
 * What A.1's update_seq made of a packet.
 * - `probation`: the source is not validated yet (A.1 returns 0): do not use the packet (yet).
 * - `valid`: in order, possibly after a gap smaller than MAX_DROPOUT (may have wrapped the sequence).
 * - `duplicate`: same sequence number as the highest so far; A.1 counts it (hence negative loss).
 * - `late`: older than the highest, within MAX_MISORDER (reordered or duplicate); A.1 counts it too.
 * - `jump`: a very large jump; discarded (A.1 returns 0) unless the next packet confirms it.
 * - `resync`: the packet after a jump confirmed it: the sender restarted; statistics start afresh.
 */
export type SequenceVerdict = 'probation' | 'valid' | 'duplicate' | 'late' | 'jump' | 'resync';

/** Verdicts after which A.1 accepts the packet (update_seq returns 1). */
export function isAccepted(v: SequenceVerdict): boolean {
  return v !== 'probation' && v !== 'jump';
}

export interface SequenceOptions {
  /** Packets in sequence before a new source is valid (A.1 MIN_SEQUENTIAL, default 2; 1 = at once). */
  readonly minSequential?: number;
  /** Largest forward gap taken as loss rather than a restart (default 3000). */
  readonly maxDropout?: number;
  /** Largest backward step taken as reordering rather than a restart (default 100). */
  readonly maxMisorder?: number;
  /**
   * Count the probation packets as received once the source validates: base_seq becomes the first of them.
   * A.1 counts from the validating packet on; a receiver that delivers the held probation packets (as
   * session.ts does) counts them too, so its loss figures match what the sender sent. Default false (A.1).
   */
  readonly countProbation?: boolean;
}

/** A.3's figures for one reception report block (the caller adds SSRC, LSR, DLSR). */
export type ReceptionFigures = Pick<ReportBlock, 'fractionLost' | 'cumulativeLost' | 'extendedHighestSeq' | 'jitter'>;

/** Clamps a loss count to the signed 24-bit field of a report block (A.3). */
export function clampCumulativeLost(lost: number): number {
  return Math.max(-0x800000, Math.min(0x7fffff, lost));
}

/** A.3: fraction lost in an interval, 8-bit fixed point; 0 when nothing was expected or more arrived than expected. */
export function fractionLost(expectedInterval: number, receivedInterval: number): number {
  const lostInterval = expectedInterval - receivedInterval;
  if (expectedInterval <= 0 || lostInterval <= 0) return 0;
  return Math.min(255, Math.floor((lostInterval * 256) / expectedInterval));
}

/** Brings a difference of 32-bit timestamps into [−2^31, 2^31): modulo arithmetic on plain numbers. */
function wrap32(d: number): number {
  return d - Math.round(d / 2 ** 32) * 2 ** 32;
}

/** A.8 jitter step: J += (|D| − J) / 16. */
export function nextJitter(jitter: number, transitDelta: number): number {
  return jitter + (Math.abs(transitDelta) - jitter) / 16;
}

/** An arrival time in milliseconds expressed in RTP timestamp units of `clockRate` (A.8 wants this). */
export function msToRtpUnits(ms: number, clockRate: number): number {
  return (ms * clockRate) / 1000;
}

/**
 * Statistics of one source (SSRC): A.1 state (max_seq, cycles, base_seq, bad_seq, probation, received,
 * the A.3 priors) and A.8 state (transit, jitter). The first update() is the A.1 "new source" step.
 */
export class RtpSourceStats {
  readonly #minSequential: number;
  readonly #maxDropout: number;
  readonly #maxMisorder: number;
  readonly #countProbation: boolean;

  #started = false;
  #maxSeq = 0;
  /** Shifted count of sequence number cycles (multiples of RTP_SEQ_MOD), as in A.1. */
  #cycles = 0;
  #baseSeq = 0;
  #badSeq = RTP_SEQ_MOD + 1;
  #probation = 0;
  #received = 0;
  #expectedPrior = 0;
  #receivedPrior = 0;
  #transit: number | undefined;
  #jitter = 0;

  constructor(options: SequenceOptions = {}) {
    this.#minSequential = Math.max(1, Math.floor(options.minSequential ?? MIN_SEQUENTIAL));
    this.#maxDropout = options.maxDropout ?? MAX_DROPOUT;
    this.#maxMisorder = options.maxMisorder ?? MAX_MISORDER;
    this.#countProbation = options.countProbation ?? false;
  }

  /** A.1 init_seq. */
  #initSeq(seq: number): void {
    this.#baseSeq = seq;
    this.#maxSeq = seq;
    this.#badSeq = RTP_SEQ_MOD + 1; // so that seq === badSeq is false
    this.#cycles = 0;
    this.#received = 0;
    this.#receivedPrior = 0;
    this.#expectedPrior = 0;
  }

  /** A.1 update_seq (with the new-source step on the first call). */
  updateSequence(seq: number): SequenceVerdict {
    seq &= 0xffff;
    if (!this.#started) {
      // A.1: init_seq(s, seq); s->max_seq = seq - 1; s->probation = MIN_SEQUENTIAL;
      this.#started = true;
      this.#initSeq(seq);
      this.#maxSeq = (seq - 1) & 0xffff;
      this.#probation = this.#minSequential;
    }
    const udelta = (seq - this.#maxSeq) & 0xffff;
    if (this.#probation > 0) {
      // Source not valid yet: needs minSequential packets in sequence. (A.1 compares with max_seq + 1
      // in int arithmetic, which never matches at the 65535 → 0 wrap; we compare modulo 2^16.)
      if (udelta === 1) {
        this.#probation--;
        this.#maxSeq = seq;
        if (this.#probation === 0) {
          this.#initSeq(seq);
          if (this.#countProbation) {
            this.#baseSeq = seq - (this.#minSequential - 1);
            if (this.#baseSeq < 0) {
              // The run started before a wrap: count that wrap as a cycle, as if we had been counting then.
              this.#baseSeq += RTP_SEQ_MOD;
              this.#cycles += RTP_SEQ_MOD;
            }
            this.#received = this.#minSequential - 1;
          }
          this.#received++;
          return 'valid';
        }
      } else {
        this.#probation = this.#minSequential - 1;
        this.#maxSeq = seq;
      }
      return 'probation';
    }
    let verdict: SequenceVerdict;
    if (udelta < this.#maxDropout) {
      // In order, with a permissible gap.
      if (seq < this.#maxSeq) this.#cycles += RTP_SEQ_MOD; // wrapped: one more 64K cycle
      this.#maxSeq = seq;
      verdict = udelta === 0 ? 'duplicate' : 'valid';
    } else if (udelta <= RTP_SEQ_MOD - this.#maxMisorder) {
      // A very large jump. Two sequential packets: the other side restarted without telling us; re-sync.
      if (seq === this.#badSeq) {
        this.#initSeq(seq);
        this.#transit = undefined; // a restarted sender has a new timestamp base too
        verdict = 'resync';
      } else {
        this.#badSeq = (seq + 1) & 0xffff;
        return 'jump';
      }
    } else {
      verdict = 'late'; // duplicate or reordered packet
    }
    this.#received++;
    return verdict;
  }

  /** A.8: updates the jitter with one packet's RTP timestamp and its arrival time in the same units. */
  updateJitter(timestamp: number, arrival: number): void {
    const transit = arrival - timestamp;
    if (this.#transit !== undefined) this.#jitter = nextJitter(this.#jitter, wrap32(transit - this.#transit));
    this.#transit = transit;
  }

  /**
   * A.1 then, for packets A.1 accepts, A.8. `arrival` is the arrival time in RTP timestamp units (see
   * msToRtpUnits). Pass jitter=false for packets whose timestamps do not follow the sampling clock
   * (RFC 4733 events keep one timestamp for a whole event).
   */
  update(seq: number, timestamp: number, arrival: number, jitter = true): SequenceVerdict {
    const v = this.updateSequence(seq);
    if (jitter && isAccepted(v)) this.updateJitter(timestamp, arrival);
    return v;
  }

  /** The source passed probation (A.1). */
  get validated(): boolean {
    return this.#started && this.#probation === 0;
  }

  /** Packets in the current probation run (0 once validated or before the first packet). */
  get probationRun(): number {
    return this.#started && this.#probation > 0 ? this.#minSequential - this.#probation : 0;
  }

  /** Packets counted as received (A.1: duplicates and late packets included). */
  get received(): number {
    return this.validated ? this.#received : 0;
  }

  /** Extended highest sequence number: cycles × 2^16 + max_seq (A.3), not reduced to 32 bits. */
  get extendedMax(): number {
    return this.#cycles + this.#maxSeq;
  }

  /** A.3: expected = extended_max − base_seq + 1 (0 before validation). */
  get expected(): number {
    return this.validated ? this.extendedMax - this.#baseSeq + 1 : 0;
  }

  /** A.3: cumulative lost = expected − received; negative with duplicates; not clamped. */
  get lost(): number {
    return this.expected - this.received;
  }

  /** A.8 jitter estimate, in timestamp units (fractional; report blocks carry it truncated). */
  get jitter(): number {
    return this.#jitter;
  }

  /**
   * The figures of a reception report block (A.3), and the start of a new reporting interval: call once
   * per RTCP report sent. undefined before the source validated.
   */
  report(): ReceptionFigures | undefined {
    if (!this.validated) return undefined;
    const expected = this.expected;
    const expectedInterval = expected - this.#expectedPrior;
    this.#expectedPrior = expected;
    const receivedInterval = this.#received - this.#receivedPrior;
    this.#receivedPrior = this.#received;
    return {
      fractionLost: fractionLost(expectedInterval, receivedInterval),
      cumulativeLost: clampCumulativeLost(expected - this.#received),
      extendedHighestSeq: this.extendedMax % 2 ** 32,
      jitter: Math.min(0xffffffff, Math.floor(this.#jitter)),
    };
  }

  /** Packets received since the last report() (a report block is due only if this is > 0, §6.4). */
  get receivedSinceReport(): number {
    return this.validated ? this.#received - this.#receivedPrior : 0;
  }
}

/** DLSR field (1/65536 s) for a delay in milliseconds (§6.4.1). */
export function dlsrFromMs(ms: number): number {
  return Math.max(0, Math.min(0xffffffff, Math.round((ms * 65536) / 1000)));
}

/**
 * Round-trip time in seconds from a report block about our stream (§6.4.1, Fig. 2): A − LSR − DLSR, all
 * in the 16.16 "middle 32 bits of NTP" format, A being the arrival time of the report. undefined when the
 * block has no LSR (the peer has not had an SR from us) or the result is far negative (bogus LSR);
 * a slightly negative result (DLSR rounding on a fast link) reads as 0.
 */
export function roundTripTime(arrivalNtpShort: number, lsr: number, dlsr: number): number | undefined {
  if (lsr === 0) return undefined;
  const d = (arrivalNtpShort - lsr - dlsr) | 0; // modulo 2^32, signed
  if (d < 0) return d > -6554 ? 0 : undefined; // within 0.1 s: rounding
  return d / 65536;
}
