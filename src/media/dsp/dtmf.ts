/**
 * DTMF, both ways it travels:
 *  - RFC 4733 telephone-event payloads: encode/decode (decode is strict and never throws), a sender that
 *    turns queued digits into the packet sequence of §2.5.1 (first packet with the marker bit, updates every
 *    `intervalMs` carrying the duration so far, the final packet with the E bit sent three times with the
 *    same timestamp and duration, §2.5.1.4; events longer than the 16-bit duration field are split into
 *    segments, §2.5.1.3), and a receiver that turns a packet stream with duplicates, reordering, a lost
 *    start, lost or retransmitted end packets into exactly one event per key press with its duration
 *    (§2.5.2).
 *  - In-band: dual-tone generation (ITU-T Q.23 frequencies) as a tone plan, and a detector (Goertzel/DFT at
 *    the eight frequencies) with ITU-T Q.24-style acceptance: frequency within ±1.5 % accepted and beyond
 *    ±3.5 % rejected (decision at 2.5 %, from the measured phase advance), twist +4/−8 dB, minimum level,
 *    the two tones must carry most of the energy, ≥ 40 ms tones recognized, ≤ 23 ms rejected, a 10 ms
 *    interruption does not split a digit and a 40 ms pause separates two.
 * Time is passed in; nothing here does I/O.
 */

import type { PcmFrame } from '../types.js';
import { dbm0ToPeak, type TonePlan, type ToneSegment } from './tones.js';

/** Event codes 0–15 in order (RFC 4733 §3.2): digits, *, #, A–D. Event 16 is flash. */
export const DTMF_DIGITS = '0123456789*#ABCD';

export function digitToEvent(digit: string): number | undefined {
  if (digit.length !== 1) return undefined;
  const i = DTMF_DIGITS.indexOf(digit.toUpperCase());
  return i < 0 ? undefined : i;
}

export function eventToDigit(event: number): string | undefined {
  return event >= 0 && event < 16 ? DTMF_DIGITS[event] : undefined;
}

/** One telephone-event payload (RFC 4733 §2.3). */
export interface TelephoneEvent {
  /** Event code 0..255. */
  readonly event: number;
  /** E bit: the event has ended. */
  readonly end: boolean;
  /** Power level as 0..63 = 0..−63 dBm0. */
  readonly volume: number;
  /** Duration in RTP timestamp units, 0..65535. */
  readonly duration: number;
}

export function encodeTelephoneEvent(e: TelephoneEvent): Buffer {
  if (!Number.isInteger(e.event) || e.event < 0 || e.event > 255) throw new RangeError(`event code ${e.event} is not 0..255`);
  if (!Number.isInteger(e.volume) || e.volume < 0 || e.volume > 63) throw new RangeError(`volume ${e.volume} is not 0..63`);
  if (!Number.isInteger(e.duration) || e.duration < 0 || e.duration > 0xffff) throw new RangeError(`duration ${e.duration} is not 0..65535`);
  const b = Buffer.alloc(4);
  b[0] = e.event;
  b[1] = (e.end ? 0x80 : 0) | e.volume;
  b.writeUInt16BE(e.duration, 2);
  return b;
}

/** Decodes a telephone-event payload: exactly 4 bytes, else undefined. The R bit is ignored (§2.3.4). */
export function decodeTelephoneEvent(payload: Uint8Array): TelephoneEvent | undefined {
  if (payload.length !== 4) return undefined;
  const b1 = payload[1] as number;
  return {
    event: payload[0] as number,
    end: (b1 & 0x80) !== 0,
    volume: b1 & 0x3f,
    duration: ((payload[2] as number) << 8) | (payload[3] as number),
  };
}

export interface DtmfSenderOptions {
  /** RTP clock rate of telephone-event (8000 unless negotiated otherwise). */
  readonly clockRate?: number;
  /** Tone duration per digit, ms. Default 100. */
  readonly durationMs?: number;
  /** Pause between digits, ms. Default 100. */
  readonly gapMs?: number;
  /** Update interval, ms (RFC 4733 suggests 50 ms; or the audio packetization). Default 50. */
  readonly intervalMs?: number;
  /** Volume field, 0..63 (−dBm0). Default 10. */
  readonly volume?: number;
  /** How many times the final packet is sent. Default 3. */
  readonly endRepeats?: number;
}

/** One packet to send on the telephone-event payload type (the RTP layer adds sequence number and SSRC). */
export interface DtmfPacket {
  /** When to send it, ms (same clock as poll()). */
  readonly atMs: number;
  readonly marker: boolean;
  /** RTP timestamp (32-bit): the start of the event (or segment). */
  readonly timestamp: number;
  readonly event: TelephoneEvent;
  readonly payload: Buffer;
}

interface ResolvedSenderOptions {
  readonly clockRate: number;
  readonly durationMs: number;
  readonly gapMs: number;
  readonly intervalMs: number;
  readonly volume: number;
  readonly endRepeats: number;
}

function resolveSender(o: DtmfSenderOptions): ResolvedSenderOptions {
  const r = {
    clockRate: o.clockRate ?? 8000,
    durationMs: o.durationMs ?? 100,
    gapMs: o.gapMs ?? 100,
    intervalMs: o.intervalMs ?? 50,
    volume: o.volume ?? 10,
    endRepeats: o.endRepeats ?? 3,
  };
  if (!(r.clockRate > 0)) throw new RangeError('clockRate must be positive');
  if (!(r.durationMs > 0)) throw new RangeError('durationMs must be positive');
  if (!(r.gapMs >= 0)) throw new RangeError('gapMs must not be negative');
  if (!(r.intervalMs > 0)) throw new RangeError('intervalMs must be positive');
  if (!Number.isInteger(r.volume) || r.volume < 0 || r.volume > 63) throw new RangeError('volume must be 0..63');
  if (!Number.isInteger(r.endRepeats) || r.endRepeats < 1) throw new RangeError('endRepeats must be at least 1');
  return r;
}

/**
 * The complete packet sequence for one event starting at `startMs` with RTP timestamp `timestamp`: packet k
 * is sent at startMs + k·interval and reports the duration reached by the next update (never zero, so
 * receivers that reject zero durations are happy); the final one (E bit, full duration) is sent
 * `endRepeats` times at the update interval from startMs + duration.
 */
export function planEvent(event: number, startMs: number, timestamp: number, options: DtmfSenderOptions = {}): DtmfPacket[] {
  const o = resolveSender(options);
  if (!Number.isInteger(event) || event < 0 || event > 255) throw new RangeError(`event code ${event} is not 0..255`);
  const unitsPerMs = o.clockRate / 1000;
  const total = Math.max(1, Math.round(o.durationMs * unitsPerMs));
  const interval = Math.max(1, Math.round(o.intervalMs * unitsPerMs));
  const out: DtmfPacket[] = [];
  const push = (atUnits: number, segStart: number, duration: number, end: boolean, marker: boolean): void => {
    const ev: TelephoneEvent = { event, end, volume: o.volume, duration };
    out.push({ atMs: startMs + atUnits / unitsPerMs, marker, timestamp: (timestamp + segStart) >>> 0, event: ev, payload: encodeTelephoneEvent(ev) });
  };
  let segStart = 0;
  for (let at = 0; at < total; at += interval) {
    const reached = Math.min(at + interval, total);
    // §2.5.1.3: a segment ends when its duration would overflow 16 bits; the next starts where it ended.
    while (reached - segStart > 0xffff) {
      push(at, segStart, 0xffff, false, false);
      segStart += 0xffff;
    }
    push(at, segStart, reached - segStart, false, at === 0);
  }
  for (let k = 0; k < o.endRepeats; k++) push(total + k * interval, segStart, total - segStart, true, false);
  return out;
}

/** Sends queued digits as RFC 4733 events, driven by poll(nowMs, rtpTimestampNow). */
export class DtmfSender {
  private readonly o: ResolvedSenderOptions;
  private readonly queue: number[] = [];
  private plan: DtmfPacket[] = [];
  private nextStartMs = -Infinity;

  constructor(options: DtmfSenderOptions = {}) {
    this.o = resolveSender(options);
  }

  /** Queues digits (0-9 * # A-D, case-insensitive). Throws RangeError naming a bad character; queues nothing then. */
  send(digits: string): void {
    const events = [...digits].map((d) => {
      const e = digitToEvent(d);
      if (e === undefined) throw new RangeError(`not a DTMF digit: ${JSON.stringify(d)}`);
      return e;
    });
    this.queue.push(...events);
  }

  /** Queues a raw event code (16 = flash). */
  sendEvent(event: number): void {
    if (!Number.isInteger(event) || event < 0 || event > 255) throw new RangeError(`event code ${event} is not 0..255`);
    this.queue.push(event);
  }

  /** A digit's packets (tone or end retransmissions) are being sent: suppress audio packets meanwhile. */
  get busy(): boolean {
    return this.plan.length > 0;
  }

  /** Digits waiting (not counting the one being sent). */
  get pending(): number {
    return this.queue.length;
  }

  /** Drops queued digits; the one in progress still ends properly. */
  clear(): void {
    this.queue.length = 0;
  }

  /**
   * Packets due at `nowMs`, in order. `rtpTimestampNow` is the audio stream's RTP timestamp now: a digit
   * that starts in this call takes it as its event timestamp. Late calls send all end packets but only
   * the newest of several overdue updates.
   */
  poll(nowMs: number, rtpTimestampNow: number): DtmfPacket[] {
    const due: DtmfPacket[] = [];
    for (;;) {
      if (this.plan.length === 0) {
        const next = this.queue[0];
        if (next === undefined || nowMs < this.nextStartMs) break;
        this.queue.shift();
        this.plan = planEvent(next, nowMs, rtpTimestampNow >>> 0, this.o);
        const endAt = nowMs + this.o.durationMs;
        const lastEnd = (this.plan[this.plan.length - 1] as DtmfPacket).atMs;
        this.nextStartMs = Math.max(endAt + this.o.gapMs, lastEnd);
      }
      let taken = 0;
      while (taken < this.plan.length && (this.plan[taken] as DtmfPacket).atMs <= nowMs) taken++;
      if (taken === 0) break;
      const batch = this.plan.splice(0, taken);
      // Of overdue updates only the newest matters; the first (marker) and every end packet are kept.
      batch.forEach((p, i) => {
        const newer = batch[i + 1];
        const superseded = !p.event.end && !p.marker && newer !== undefined && !newer.event.end && newer.timestamp === p.timestamp;
        if (!superseded) due.push(p);
      });
      if (this.plan.length > 0) break;
    }
    return due;
  }
}

/** A key press as the receiver reports it. */
export interface DtmfEvent {
  readonly event: number;
  /** '0'-'9', '*', '#', 'A'-'D', or undefined for other events. */
  readonly digit: string | undefined;
  /** RTP timestamp of the event's start. */
  readonly timestamp: number;
  /** Duration in RTP units (segments added up) and in ms. */
  readonly duration: number;
  readonly durationMs: number;
  readonly volume: number;
  /** False when the end packets were all lost (ended by the next event or by the timeout). */
  readonly endSeen: boolean;
  /** Arrival time of the first packet seen for it. */
  readonly startedAtMs: number;
}

export interface DtmfReceiverOptions {
  readonly clockRate?: number;
  /** An event with no packet for this long is over (its end packets were lost). Default 500 ms. */
  readonly timeoutMs?: number;
}

/** What the receiver is given: one RTP packet of the telephone-event payload type. */
export interface DtmfRtpPacket {
  readonly payload: Uint8Array;
  readonly timestamp: number;
  readonly marker?: boolean;
  readonly arrivalMs: number;
}

interface Current {
  event: number;
  timestamp: number;
  segTimestamp: number;
  before: number;
  segDuration: number;
  volume: number;
  startedAtMs: number;
  lastMs: number;
}

const TS_MOD = 0x1_0000_0000;
const COMPLETED_MEMORY = 32;

/** Turns a telephone-event packet stream into one DtmfEvent per key press (RFC 4733 §2.5.2). */
export class DtmfReceiver {
  readonly clockRate: number;
  readonly timeoutMs: number;
  private cur: Current | undefined;
  private readonly completed: number[] = [];
  private newestCompleted: number | undefined;
  /** Payloads that were not 4 bytes. */
  malformed = 0;

  constructor(options: DtmfReceiverOptions = {}) {
    this.clockRate = options.clockRate ?? 8000;
    this.timeoutMs = options.timeoutMs ?? 500;
  }

  /** The event in progress, if any. */
  get active(): { readonly event: number; readonly digit: string | undefined; readonly timestamp: number } | undefined {
    const c = this.cur;
    return c === undefined ? undefined : { event: c.event, digit: eventToDigit(c.event), timestamp: c.timestamp };
  }

  /** Takes one packet; returns the events it completes (usually none or one, two when it also ends a stale one). */
  push(packet: DtmfRtpPacket): DtmfEvent[] {
    const out: DtmfEvent[] = [];
    const ev = decodeTelephoneEvent(packet.payload);
    if (ev === undefined) {
      this.malformed++;
      return out;
    }
    const ts = packet.timestamp >>> 0;
    if (this.completed.includes(ts)) return out; // retransmitted end, late update of a finished event
    // Older than the last finished event (a straggler): ignored, within 5 s; beyond that the sender's clock jumped.
    if (this.newestCompleted !== undefined && (this.newestCompleted - ts + TS_MOD) % TS_MOD <= 5 * this.clockRate) return out;
    const c = this.cur;
    if (c !== undefined) {
      if (ts === c.segTimestamp) {
        if (ev.event !== c.event) return out; // two events cannot share a timestamp: ignore the stray one
        if (ev.duration > c.segDuration) c.segDuration = ev.duration;
        c.volume = ev.volume;
        c.lastMs = Math.max(c.lastMs, packet.arrivalMs);
        if (ev.end) out.push(this.finish(true));
        return out;
      }
      const ahead = (ts - c.segTimestamp + TS_MOD) % TS_MOD;
      if (ahead >= TS_MOD / 2) return out; // older than the event in progress: stale
      // A new segment of the same long event starts where the previous one ended (§2.5.1.3).
      const segEnd = c.segDuration;
      if (ev.event === c.event && packet.marker !== true && c.segDuration >= 0xffff - 8 * Math.round(this.clockRate / 20) && Math.abs(ahead - segEnd) <= this.clockRate / 10) {
        c.before += ahead;
        c.segTimestamp = ts;
        c.segDuration = ev.duration;
        c.lastMs = Math.max(c.lastMs, packet.arrivalMs);
        if (ev.end) out.push(this.finish(true));
        return out;
      }
      out.push(this.finish(false)); // its end packets were lost
    }
    this.cur = {
      event: ev.event,
      timestamp: ts,
      segTimestamp: ts,
      before: 0,
      segDuration: ev.duration,
      volume: ev.volume,
      startedAtMs: packet.arrivalMs,
      lastMs: packet.arrivalMs,
    };
    if (ev.end) out.push(this.finish(true));
    return out;
  }

  /** Forgets everything (new SSRC). */
  reset(): void {
    this.cur = undefined;
    this.completed.length = 0;
    this.newestCompleted = undefined;
  }

  /** Ends an event whose packets stopped more than `timeoutMs` ago. */
  poll(nowMs: number): DtmfEvent[] {
    const c = this.cur;
    if (c !== undefined && nowMs - c.lastMs > this.timeoutMs) return [this.finish(false)];
    return [];
  }

  private finish(endSeen: boolean): DtmfEvent {
    const c = this.cur as Current;
    this.cur = undefined;
    this.completed.push(c.timestamp);
    if (c.segTimestamp !== c.timestamp) this.completed.push(c.segTimestamp);
    this.newestCompleted = c.segTimestamp;
    while (this.completed.length > COMPLETED_MEMORY) this.completed.shift();
    const duration = c.before + c.segDuration;
    return {
      event: c.event,
      digit: eventToDigit(c.event),
      timestamp: c.timestamp,
      duration,
      durationMs: (duration * 1000) / this.clockRate,
      volume: c.volume,
      endSeen,
      startedAtMs: c.startedAtMs,
    };
  }
}

// ---------------------------------------------------------------------------------------------------
// In-band DTMF (ITU-T Q.23 / Q.24)

export const DTMF_LOW_HZ: readonly number[] = [697, 770, 852, 941];
export const DTMF_HIGH_HZ: readonly number[] = [1209, 1336, 1477, 1633];
const KEYPAD = ['123A', '456B', '789C', '*0#D'];

/** The [low, high] frequency pair of a key. */
export function dtmfFrequencies(digit: string): [number, number] | undefined {
  const d = digit.toUpperCase();
  for (let r = 0; r < 4; r++) {
    const c = (KEYPAD[r] as string).indexOf(d);
    if (c >= 0 && d.length === 1) return [DTMF_LOW_HZ[r] as number, DTMF_HIGH_HZ[c] as number];
  }
  return undefined;
}

export interface InbandDtmfOptions {
  /** Tone duration per digit, ms. Default 100. */
  readonly durationMs?: number;
  /** Pause after each digit, ms. Default 100. */
  readonly gapMs?: number;
  /** Level of the low-group tone, dBm0. Default −10. */
  readonly levelDbm0?: number;
  /** High-group level minus low-group level, dB (pre-emphasis). Default 2. */
  readonly twistDb?: number;
}

/** A tone plan that plays the digits once, for ToneGenerator. Throws RangeError for a non-DTMF character. */
export function dtmfTonePlan(digits: string, options: InbandDtmfOptions = {}): TonePlan {
  const dur = options.durationMs ?? 100;
  const gap = options.gapMs ?? 100;
  const low = options.levelDbm0 ?? -10;
  const high = low + (options.twistDb ?? 2);
  const segments: ToneSegment[] = [];
  for (const d of digits) {
    const f = dtmfFrequencies(d);
    if (f === undefined) throw new RangeError(`not a DTMF digit: ${JSON.stringify(d)}`);
    segments.push({ freqs: f, ms: dur, levelsDbm0: [low, high] });
    if (gap > 0) segments.push({ freqs: [], ms: gap });
  }
  if (segments.length === 0) throw new RangeError('no digits');
  return { name: `dtmf ${digits}`, levelDbm0: low, repeat: false, segments, source: 'ITU-T Q.23' };
}

export interface DtmfDetectorOptions {
  readonly sampleRate: number;
  /** Lowest level accepted for each of the two tones, dBm0. Default −32. */
  readonly minLevelDbm0?: number;
  /** Most the high tone may exceed the low one ("reverse twist"), dB. Default 4. */
  readonly maxReverseTwistDb?: number;
  /** Most the low tone may exceed the high one ("normal twist"), dB. Default 8. */
  readonly maxNormalTwistDb?: number;
  /** Largest relative frequency deviation accepted. Default 0.025 (Q.24: accept 1.5 %, reject 3.5 %). */
  readonly maxDeviation?: number;
  /** Share of the signal's power the two tones must carry. Default 0.75. */
  readonly minToneShare?: number;
}

/** A digit found in the audio. */
export interface DtmfDetection {
  readonly digit: string;
  /** Start and duration, ms from the first sample given to the detector. */
  readonly startMs: number;
  readonly durationMs: number;
}

interface FreqTables {
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly omega: number;
}

/**
 * Detects in-band DTMF in mono PCM. Analysis windows of 20 ms every 10 ms (Hann); a digit starts after three
 * agreeing windows and ends after three that do not agree.
 */
export class DtmfDetector {
  readonly sampleRate: number;
  private readonly win: number;
  private readonly hop: number;
  private readonly sub: number;
  private readonly shift: number;
  private readonly hannFull: Float64Array;
  private readonly hannSub: Float64Array;
  private readonly hannFullSum: number;
  private readonly hannSubSum: number;
  private readonly tables: FreqTables[];
  private readonly minPeak: number;
  private readonly maxReverse: number;
  private readonly maxNormal: number;
  private readonly maxDeviation: number;
  private readonly minShare: number;
  /** Circular history of the last `win` samples, and the same unrolled oldest-first for analysis. */
  private readonly circ: Float64Array;
  private circPos = 0;
  private readonly ring: Float64Array;
  private filled = 0;
  private sinceHop = 0;
  private consumed = 0;
  private candidate: string | undefined;
  private candidateCount = 0;
  private candidateStart = 0;
  private on: string | undefined;
  private onStart = 0;
  private lastAgreeEnd = 0;
  private misses = 0;

  constructor(options: DtmfDetectorOptions) {
    const fs = options.sampleRate;
    if (!(Number.isFinite(fs) && fs >= 8000)) throw new RangeError(`DTMF detection needs at least 8000 Hz, got ${fs}`);
    this.sampleRate = fs;
    this.win = Math.round(fs * 0.02);
    this.hop = Math.round(fs * 0.01);
    this.shift = Math.round(fs * 0.0025);
    this.sub = this.win - this.shift;
    const hann = (n: number): Float64Array => Float64Array.from({ length: n }, (_v, i) => 0.5 - 0.5 * Math.cos((2 * Math.PI * (i + 0.5)) / n));
    this.hannFull = hann(this.win);
    this.hannSub = hann(this.sub);
    this.hannFullSum = this.hannFull.reduce((a, b) => a + b, 0);
    this.hannSubSum = this.hannSub.reduce((a, b) => a + b, 0);
    this.tables = [...DTMF_LOW_HZ, ...DTMF_HIGH_HZ].map((f) => {
      const omega = (2 * Math.PI * f) / fs;
      return {
        omega,
        cos: Float64Array.from({ length: this.win }, (_v, n) => Math.cos(omega * n)),
        sin: Float64Array.from({ length: this.win }, (_v, n) => Math.sin(omega * n)),
      };
    });
    this.minPeak = dbm0ToPeak(options.minLevelDbm0 ?? -32);
    this.maxReverse = options.maxReverseTwistDb ?? 4;
    this.maxNormal = options.maxNormalTwistDb ?? 8;
    this.maxDeviation = options.maxDeviation ?? 0.025;
    this.minShare = options.minToneShare ?? 0.75;
    this.circ = new Float64Array(this.win);
    this.ring = new Float64Array(this.win);
  }

  /** The digit currently sounding, if one has been recognized. */
  get current(): string | undefined {
    return this.on;
  }

  /** Feeds PCM; returns the digits that ended within it. */
  push(pcm: PcmFrame): DtmfDetection[] {
    const out: DtmfDetection[] = [];
    for (let i = 0; i < pcm.length; i++) {
      this.circ[this.circPos] = pcm[i] as number;
      this.circPos = this.circPos + 1 === this.win ? 0 : this.circPos + 1;
      if (this.filled < this.win) this.filled++;
      this.consumed++;
      this.sinceHop++;
      if (this.filled === this.win && this.sinceHop >= this.hop) {
        this.sinceHop = 0;
        const tail = this.win - this.circPos;
        this.ring.set(this.circ.subarray(this.circPos), 0);
        this.ring.set(this.circ.subarray(0, this.circPos), tail);
        this.step(this.analyze(), out);
      }
    }
    return out;
  }

  /** Ends a digit still sounding (end of the stream). */
  flush(): DtmfDetection[] {
    const out: DtmfDetection[] = [];
    if (this.on !== undefined) out.push(this.end());
    this.candidate = undefined;
    this.candidateCount = 0;
    return out;
  }

  private ms(samples: number): number {
    return (samples * 1000) / this.sampleRate;
  }

  private step(digit: string | undefined, out: DtmfDetection[]): void {
    const winEnd = this.consumed;
    const winStart = winEnd - this.win;
    if (this.on !== undefined) {
      if (digit === this.on) {
        this.misses = 0;
        this.lastAgreeEnd = winEnd;
        return;
      }
      this.misses++;
      if (this.misses < 3) return;
      out.push(this.end());
    }
    if (digit === undefined) {
      this.candidate = undefined;
      this.candidateCount = 0;
      return;
    }
    if (digit === this.candidate) this.candidateCount++;
    else {
      this.candidate = digit;
      this.candidateCount = 1;
      this.candidateStart = winStart;
    }
    if (this.candidateCount >= 3) {
      this.on = digit;
      this.onStart = this.candidateStart;
      this.lastAgreeEnd = winEnd;
      this.misses = 0;
      this.candidate = undefined;
      this.candidateCount = 0;
    }
  }

  private end(): DtmfDetection {
    const d: DtmfDetection = {
      digit: this.on as string,
      startMs: this.ms(this.onStart),
      durationMs: this.ms(this.lastAgreeEnd - this.onStart),
    };
    this.on = undefined;
    this.misses = 0;
    return d;
  }

  /** Complex correlation of ring[from, from+len) with the window and the tone (phase referred to ring[0]). */
  private dft(t: FreqTables, from: number, len: number, w: Float64Array): [number, number] {
    let re = 0;
    let im = 0;
    const x = this.ring;
    for (let n = 0; n < len; n++) {
      const v = (x[from + n] as number) * (w[n] as number);
      re += v * (t.cos[from + n] as number);
      im -= v * (t.sin[from + n] as number);
    }
    return [re, im];
  }

  private analyze(): string | undefined {
    const amps = this.tables.map((t) => {
      const [re, im] = this.dft(t, 0, this.win, this.hannFull);
      return (2 * Math.hypot(re, im)) / this.hannFullSum;
    });
    let row = 0;
    let col = 4;
    for (let i = 1; i < 4; i++) if ((amps[i] as number) > (amps[row] as number)) row = i;
    for (let i = 5; i < 8; i++) if ((amps[i] as number) > (amps[col] as number)) col = i;
    const aLow = amps[row] as number;
    const aHigh = amps[col] as number;
    if (aLow < this.minPeak || aHigh < this.minPeak) return undefined;
    const twist = 20 * Math.log10(aHigh / aLow);
    if (twist > this.maxReverse || -twist > this.maxNormal) return undefined;
    let power = 0;
    for (let n = 0; n < this.win; n++) power += (this.hannFull[n] as number) * (this.ring[n] as number) ** 2;
    power /= this.hannFullSum;
    if ((aLow * aLow + aHigh * aHigh) / 2 < this.minShare * power) return undefined;
    if (!this.onFrequency(this.tables[row] as FreqTables) || !this.onFrequency(this.tables[col] as FreqTables)) return undefined;
    return (KEYPAD[row] as string)[col - 4];
  }

  /** Frequency from the phase advance between two overlapping windows `shift` samples apart. */
  private onFrequency(t: FreqTables): boolean {
    const [r0, i0] = this.dft(t, 0, this.sub, this.hannSub);
    const [r1, i1] = this.dft(t, this.shift, this.sub, this.hannSub);
    if (this.hannSubSum === 0) return false;
    // X1·conj(X0): its angle is (ω' − ω)·shift.
    const re = r1 * r0 + i1 * i0;
    const im = i1 * r0 - r1 * i0;
    const dOmega = Math.atan2(im, re) / this.shift;
    return Math.abs(dOmega / t.omega) <= this.maxDeviation;
  }
}
