/**
 * Adaptive jitter buffer for one RTP audio stream: packets in (any order, with duplicates, loss and
 * sequence/timestamp wrap-around), one frame out per call of `get(nowMs)` on the phone's fixed playout
 * clock. Pure: no timers, no I/O; every time is passed in (ms on one monotonic clock for `arrivalMs` and
 * `nowMs`). The payload is opaque (encoded audio), so the buffer never decodes: it adapts its delay by
 * holding a slot ('missing' with reason 'stretch': the decoder's PLC makes up a frame) or by dropping one.
 *
 * Model. For a packet with timestamp ts (in ms: ts·1000/clockRate) arriving at a, its transit is a − ts;
 * the baseline is the smallest transit seen in the last `baselineWindowMs` (the fastest packet) and the
 * packet's relative delay r = transit − baseline ≥ 0 is its jitter. The playout slot for ts comes when
 * get() is called with playTs = ts; the buffer's delay D = (now − playTs) − baseline says how late a packet
 * may be and still be played (late iff r > D). The target delay T = clamp(max(q-quantile of r over a
 * forgetting histogram, boost) + safetyMs, minDelayMs, maxDelayMs); when `lateBoostCount` packets come late
 * within `lateBoostWindowMs`, boost jumps to cover the worst of them and then decays by `boostDecayMsPerS`
 * (grows fast, shrinks slowly; a single late outlier only costs that one frame). The control keeps D in
 * [T, T + frameMs + hysteresisMs]:
 *   - packet present, D < T: one 'stretch' frame before it (not two in a row);
 *   - packet absent, D < T: 'stretch' (wait for it: it may just be late);
 *   - packet absent, D ≥ T: 'lost', and while above target skip the empty slots of a silence gap;
 *   - packet present, D > T + frameMs + hysteresisMs for `persistMs`: drop one frame (a quiet one if an
 *     `isQuiet` predicate is given and one comes within `quietWaitMs`), at most one per `persistMs`.
 * Clock drift moves the baseline (sender fast: transit shrinks, D grows → periodic drops; sender slow:
 * D shrinks → periodic stretches), so the level stays bounded however long the call.
 *
 * Resynchronization: a packet whose r is beyond ±resyncMs (a timestamp jump or a restarted sender) is held
 * as a candidate; a second one following it (next sequence numbers, same transit within frameMs/2) moves the
 * buffer to the new timeline. With the marker bit set the jump is believed at once (RFC 3550: start of a
 * talk spurt) when |r| > maxDelayMs. An SSRC change is the caller's to report with `reset()`.
 * After `idleMs` without packets and with nothing buffered (silence suppression / DTX, hold) playout
 * stops ('empty') and the next talk spurt is re-anchored at the target delay.
 *
 * Frames: each packet carries exactly one frame of `frameMs` (the SDP ptime); a packet whose timestamp is
 * within half a frame of the slot is played there (senders that restart their timestamp grid after DTX).
 *
 * Defaults (tuned on simulated uniform, exponential, bursty and spiky jitter): delay 20..200 ms (one frame at
 * least; 200 ms keeps mouth-to-ear delay near ITU-T G.114's 150 ms comfort limit on a LAN), 40 ms to start
 * (two frames: wired and Wi-Fi LANs fit, anything worse is learned within a second), 97th percentile + 5 ms,
 * histogram memory ≈ 10 s, 2 late packets within 2 s to boost, boost decay 3 ms/s, drops at most one per s.
 */

export interface JitterPacket<P = Buffer> {
  /** RTP sequence number, 0..65535 (wraps). */
  readonly sequence: number;
  /** RTP timestamp, 0..2^32-1 (wraps), in units of `clockRate`. */
  readonly timestamp: number;
  readonly payload: P;
  /** Arrival time in ms, on the same clock as `get(nowMs)`. */
  readonly arrivalMs: number;
  /** RTP marker bit (first packet of a talk spurt). */
  readonly marker?: boolean;
}

export type JitterOutput<P = Buffer> =
  | {
      readonly kind: 'frame';
      readonly payload: P;
      /** RTP timestamp (32-bit) and sequence number (16-bit) of the packet. */
      readonly timestamp: number;
      readonly sequence: number;
      /** A frame was dropped just before this one: the decoder may smooth the junction. */
      readonly discontinuous: boolean;
    }
  | {
      readonly kind: 'missing';
      /** RTP timestamp (32-bit) of the slot. For 'stretch' the same slot is played by a later call. */
      readonly timestamp: number;
      /** 'lost': the slot's packet never came (or came too late); 'stretch': delay grows by one frame. */
      readonly reason: 'lost' | 'stretch';
    }
  | { readonly kind: 'empty' };

/** What became of a packet given to `put`. */
export type PutResult = 'buffered' | 'duplicate' | 'late' | 'held' | 'resync';

export interface JitterBufferOptions<P = Buffer> {
  /** RTP clock rate (8000 for PCMU/PCMA/G.722). */
  readonly clockRate: number;
  /** Frame (packet) duration, ms. Default 20. */
  readonly frameMs?: number;
  /** Bounds of the target delay, ms. Defaults 20 and 200. */
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Target delay before any jitter has been measured, ms. Default 40. */
  readonly initialDelayMs?: number;
  /** Quantile of the relative delay the target covers. Default 0.97. */
  readonly quantile?: number;
  /** Added to the measured jitter, ms. Default 5. */
  readonly safetyMs?: number;
  /** Histogram forgetting factor per packet (memory ≈ 1/(1−f) packets). Default 0.998 (≈10 s at 20 ms). */
  readonly forgetFactor?: number;
  /** This many late packets within `lateBoostWindowMs` raise the target at once to cover them. Defaults 2, 2000. */
  readonly lateBoostCount?: number;
  readonly lateBoostWindowMs?: number;
  /** How fast that boost decays, ms per s. Default 3. */
  readonly boostDecayMsPerS?: number;
  /** Window of the minimum-transit baseline, ms. Default 2000. */
  readonly baselineWindowMs?: number;
  /** Extra delay above target tolerated before dropping, ms (on top of one frame). Default 5. */
  readonly hysteresisMs?: number;
  /** How long the delay must stay above the drop threshold before a frame is dropped, ms. Default 1000. */
  readonly persistMs?: number;
  /** With `isQuiet`: how much longer to wait for a quiet frame to drop, ms. Default 2000. */
  readonly quietWaitMs?: number;
  /** A timestamp jump beyond this (in ms of relative delay) is a new timeline. Default 1000. */
  readonly resyncMs?: number;
  /** No packet for this long and nothing buffered: playout pauses until the next one. Default 500. */
  readonly idleMs?: number;
  /** Most packets held; beyond, the oldest is dropped. Default 2·maxDelay/frame + 10. */
  readonly capacity?: number;
  /** Tells whether an encoded frame is quiet (silence, comfort noise): those are dropped first. */
  readonly isQuiet?: (payload: P) => boolean;
}

export interface JitterBufferStats {
  /** Current buffer delay D in ms (0 while not playing). */
  readonly delayMs: number;
  /** Target delay in ms. */
  readonly targetDelayMs: number;
  /** RFC 3550 §6.4.1 interarrival jitter, ms. */
  readonly jitterMs: number;
  readonly bufferedPackets: number;
  /** Audio buffered ahead of the playout point, ms. */
  readonly bufferedMs: number;
  readonly playing: boolean;
  /** Packets given to put(). */
  readonly received: number;
  /** Frames played. */
  readonly played: number;
  /** Packets that came after their slot (and were discarded). */
  readonly late: number;
  /** Packets never received, from the gaps in sequence numbers (RFC 3550 §6.4.1; late ones count as received). */
  readonly lost: number;
  /** Frames dropped to shrink the delay or for overflow. */
  readonly dropped: number;
  /** 'stretch' frames inserted to grow the delay. */
  readonly concealed: number;
  /** Empty slots skipped in silence gaps to shrink the delay. */
  readonly skipped: number;
  readonly duplicates: number;
  /** Timeline changes followed (and calls of reset()). */
  readonly resyncs: number;
  /** Candidates for a new timeline that were never confirmed. */
  readonly outliers: number;
  /** Packets discarded by resync/reset while still buffered. */
  readonly flushed: number;
}

interface Entry<P> {
  ts: number;
  seq: number;
  rawTs: number;
  rawSeq: number;
  payload: P;
  arrivalMs: number;
}

interface Candidate<P> {
  packet: JitterPacket<P>;
  transit: number;
}

const TS_MOD = 0x1_0000_0000;
const SEQ_MOD = 0x1_0000;
const PLAYED_MEMORY = 256;

/** Extended value congruent to raw (mod `mod`) nearest to the extended reference. */
function unwrap(raw: number, ref: number, mod: number): number {
  const refLow = ((ref % mod) + mod) % mod;
  let d = raw - refLow;
  if (d >= mod / 2) d -= mod;
  else if (d < -mod / 2) d += mod;
  return ref + d;
}

/** Sliding-window minimum over time (monotonic deque); keeps the last value when the window empties. */
class WindowMin {
  private t: number[] = [];
  private v: number[] = [];
  private head = 0;
  constructor(private readonly windowMs: number) {}
  push(timeMs: number, value: number): void {
    while (this.v.length > this.head && (this.v[this.v.length - 1] as number) >= value) {
      this.v.pop();
      this.t.pop();
    }
    this.t.push(timeMs);
    this.v.push(value);
    while (this.v.length - this.head > 1 && (this.t[this.head] as number) < timeMs - this.windowMs) this.head++;
    if (this.head > 1024) {
      this.t = this.t.slice(this.head);
      this.v = this.v.slice(this.head);
      this.head = 0;
    }
  }
  get value(): number | undefined {
    return this.v.length > this.head ? this.v[this.head] : undefined;
  }
  clear(): void {
    this.t = [];
    this.v = [];
    this.head = 0;
  }
}

/** Histogram of relative delays (1 ms buckets) with exponential forgetting. */
class DelayHistogram {
  private readonly buckets: Float64Array;
  private weight = 1;
  private total = 0;
  count = 0;
  constructor(
    size: number,
    private readonly forget: number,
  ) {
    this.buckets = new Float64Array(size);
  }
  add(r: number): void {
    const i = Math.min(this.buckets.length - 1, Math.max(0, Math.floor(r)));
    this.weight /= this.forget;
    this.buckets[i] = (this.buckets[i] as number) + this.weight;
    this.total += this.weight;
    this.count++;
    if (this.weight > 1e200) {
      for (let k = 0; k < this.buckets.length; k++) this.buckets[k] = (this.buckets[k] as number) / this.weight;
      this.total /= this.weight;
      this.weight = 1;
    }
  }
  /** Upper edge (ms) of the bucket holding quantile q. */
  quantile(q: number): number {
    const want = q * this.total;
    let acc = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      acc += this.buckets[i] as number;
      if (acc >= want) return i + 1;
    }
    return this.buckets.length;
  }
  clear(): void {
    this.buckets.fill(0);
    this.weight = 1;
    this.total = 0;
    this.count = 0;
  }
}

type MutableStats = { -readonly [K in keyof JitterBufferStats]: JitterBufferStats[K] };

export class JitterBuffer<P = Buffer> {
  readonly clockRate: number;
  readonly frameMs: number;
  readonly minDelayMs: number;
  readonly maxDelayMs: number;
  readonly initialDelayMs: number;
  private readonly tsPerFrame: number;
  private readonly msPerTs: number;
  private readonly quantileQ: number;
  private readonly safetyMs: number;
  private readonly boostDecay: number;
  private readonly lateBoostCount: number;
  private readonly lateBoostWindowMs: number;
  private readonly hysteresisMs: number;
  private readonly persistMs: number;
  private readonly quietWaitMs: number;
  private readonly resyncMs: number;
  private readonly idleMs: number;
  private readonly capacity: number;
  private readonly isQuiet: ((payload: P) => boolean) | undefined;

  private buf: Entry<P>[] = [];
  private refTs: number | undefined;
  private refSeq: number | undefined;
  private playTs: number | undefined;
  private playing = false;
  private lastArrivalMs = -Infinity;
  private lastTransit: number | undefined;
  private candidate: Candidate<P> | undefined;
  private readonly baseline: WindowMin;
  private readonly hist: DelayHistogram;
  private boost = 0;
  private recentLate: { atMs: number; r: number }[] = [];
  private boostAtMs = 0;
  private overSinceMs: number | undefined;
  private stretchedLast = false;
  private droppedBefore = false;
  /** Loss by sequence numbers (RFC 3550 §6.4.1): lowest and highest extended seq and unique packets since the last resync. */
  private seqBase: number | undefined;
  private seqMax = 0;
  private uniqueReceived = 0;
  private lostBefore = 0;
  private readonly playedRing: number[] = [];
  private readonly playedSet = new Set<number>();
  private readonly s: MutableStats = {
    delayMs: 0,
    targetDelayMs: 0,
    jitterMs: 0,
    bufferedPackets: 0,
    bufferedMs: 0,
    playing: false,
    received: 0,
    played: 0,
    late: 0,
    lost: 0,
    dropped: 0,
    concealed: 0,
    skipped: 0,
    duplicates: 0,
    resyncs: 0,
    outliers: 0,
    flushed: 0,
  };

  constructor(options: JitterBufferOptions<P>) {
    const o = options;
    if (!(Number.isFinite(o.clockRate) && o.clockRate > 0)) throw new RangeError('clockRate must be a positive number');
    this.clockRate = o.clockRate;
    this.frameMs = o.frameMs ?? 20;
    if (!(this.frameMs > 0)) throw new RangeError('frameMs must be positive');
    this.tsPerFrame = Math.round((this.clockRate * this.frameMs) / 1000);
    if (this.tsPerFrame < 1) throw new RangeError('frameMs is shorter than one RTP clock tick');
    this.msPerTs = 1000 / this.clockRate;
    this.minDelayMs = o.minDelayMs ?? 20;
    this.maxDelayMs = o.maxDelayMs ?? 200;
    if (!(this.minDelayMs >= 0 && this.maxDelayMs >= this.minDelayMs)) throw new RangeError('need 0 <= minDelayMs <= maxDelayMs');
    this.initialDelayMs = Math.min(this.maxDelayMs, Math.max(this.minDelayMs, o.initialDelayMs ?? 40));
    this.quantileQ = o.quantile ?? 0.97;
    this.safetyMs = o.safetyMs ?? 5;
    this.boostDecay = o.boostDecayMsPerS ?? 3;
    this.lateBoostCount = Math.max(1, o.lateBoostCount ?? 2);
    this.lateBoostWindowMs = o.lateBoostWindowMs ?? 2000;
    this.hysteresisMs = o.hysteresisMs ?? 5;
    this.persistMs = o.persistMs ?? 1000;
    this.quietWaitMs = o.quietWaitMs ?? 2000;
    this.resyncMs = o.resyncMs ?? 1000;
    this.idleMs = o.idleMs ?? 500;
    this.capacity = o.capacity ?? Math.ceil((2 * this.maxDelayMs) / this.frameMs) + 10;
    this.isQuiet = o.isQuiet;
    this.baseline = new WindowMin(o.baselineWindowMs ?? 2000);
    this.hist = new DelayHistogram(Math.ceil(this.maxDelayMs + 4 * this.frameMs), o.forgetFactor ?? 0.998);
    this.s.targetDelayMs = this.initialDelayMs;
  }

  /** Takes one received packet. Throws RangeError only for malformed fields (a caller bug). */
  put(p: JitterPacket<P>): PutResult {
    if (!Number.isInteger(p.sequence) || p.sequence < 0 || p.sequence >= SEQ_MOD) throw new RangeError(`bad RTP sequence number ${p.sequence}`);
    if (!Number.isInteger(p.timestamp) || p.timestamp < 0 || p.timestamp >= TS_MOD) throw new RangeError(`bad RTP timestamp ${p.timestamp}`);
    if (!Number.isFinite(p.arrivalMs)) throw new RangeError(`bad arrival time ${p.arrivalMs}`);
    this.s.received++;

    if (this.refTs === undefined || this.refSeq === undefined) {
      this.refTs = p.timestamp;
      this.refSeq = p.sequence;
    }
    const ts = unwrap(p.timestamp, this.refTs, TS_MOD);
    const transit = p.arrivalMs - ts * this.msPerTs;
    const base = this.baseline.value;
    if (base !== undefined) {
      const r = transit - base;
      const markerJump = p.marker === true && Math.abs(r) > this.maxDelayMs;
      if (markerJump || Math.abs(r) > this.resyncMs) {
        const c = this.candidate;
        if (markerJump || (c !== undefined && this.confirms(c, p, transit))) {
          this.resync();
          if (c !== undefined && !markerJump) this.accept(c.packet);
          else if (c !== undefined) this.s.outliers++;
          this.candidate = undefined;
          this.accept(p);
          return 'resync';
        }
        if (c !== undefined) this.s.outliers++;
        this.candidate = { packet: p, transit };
        return 'held';
      }
    }
    if (this.candidate !== undefined) {
      this.s.outliers++;
      this.candidate = undefined;
    }
    return this.accept(p);
  }

  private confirms(c: Candidate<P>, p: JitterPacket<P>, transit: number): boolean {
    const dSeq = (p.sequence - c.packet.sequence + SEQ_MOD) % SEQ_MOD;
    const dTs = (p.timestamp - c.packet.timestamp + TS_MOD) % TS_MOD;
    return dSeq >= 1 && dSeq <= 16 && dTs > 0 && dTs <= 16 * this.tsPerFrame && Math.abs(transit - c.transit) < this.frameMs / 2;
  }

  private accept(p: JitterPacket<P>): PutResult {
    if (this.refTs === undefined || this.refSeq === undefined) {
      this.refTs = p.timestamp;
      this.refSeq = p.sequence;
    }
    const ts = unwrap(p.timestamp, this.refTs, TS_MOD);
    const seq = unwrap(p.sequence, this.refSeq, SEQ_MOD);
    const transit = p.arrivalMs - ts * this.msPerTs;
    const half = this.tsPerFrame / 2;

    // Duplicates first: they say nothing new about the network.
    if (this.playedSet.has(ts) || this.indexOf(ts) >= 0) {
      this.s.duplicates++;
      return 'duplicate';
    }
    if (ts > this.refTs) this.refTs = ts;
    if (seq > this.refSeq) this.refSeq = seq;
    if (this.seqBase === undefined || seq < this.seqBase) this.seqBase = seq;
    if (seq > this.seqMax || this.uniqueReceived === 0) this.seqMax = seq;
    this.uniqueReceived++;
    if (p.arrivalMs > this.lastArrivalMs) this.lastArrivalMs = p.arrivalMs;

    // RFC 3550 interarrival jitter, from consecutive arrivals.
    if (this.lastTransit !== undefined) this.s.jitterMs += (Math.abs(transit - this.lastTransit) - this.s.jitterMs) / 16;
    this.lastTransit = transit;

    this.baseline.push(p.arrivalMs, transit);
    const r = transit - (this.baseline.value ?? transit);
    this.hist.add(r);

    if (this.playTs !== undefined && ts < this.playTs - half) {
      // Its slot is gone. When playing, it tells the delay was too short: grow at once.
      if (this.playing) this.noteLate(r, p.arrivalMs);
      this.remember(ts);
      this.s.late++;
      return 'late';
    }

    const entry: Entry<P> = { ts, seq, rawTs: p.timestamp, rawSeq: p.sequence, payload: p.payload, arrivalMs: p.arrivalMs };
    this.insert(entry);
    while (this.buf.length > this.capacity) {
      const old = this.buf.shift() as Entry<P>;
      this.remember(old.ts);
      this.s.dropped++;
    }
    return 'buffered';
  }

  /** Next frame for the slot that starts now. Call once per frame period. */
  get(nowMs: number): JitterOutput<P> {
    const half = this.tsPerFrame / 2;
    const target = this.target(nowMs);

    if (!this.playing) {
      const head = this.buf[0];
      if (head === undefined) return { kind: 'empty' };
      const dHead = nowMs - head.ts * this.msPerTs - (this.baseline.value ?? 0);
      if (dHead < target) return { kind: 'empty' };
      let start = head.ts;
      if (dHead > target + this.frameMs) start += Math.floor((dHead - target) / this.frameMs) * this.tsPerFrame;
      while (this.buf.length > 0 && (this.buf[0] as Entry<P>).ts < start - half) {
        this.remember((this.buf.shift() as Entry<P>).ts);
        this.s.dropped++;
      }
      this.playTs = start;
      this.playing = true;
      this.overSinceMs = undefined;
      this.stretchedLast = false;
    }

    let playTs = this.playTs as number;
    while (this.buf.length > 0 && (this.buf[0] as Entry<P>).ts < playTs - half) {
      this.remember((this.buf.shift() as Entry<P>).ts);
      this.s.late++;
    }
    const head = this.buf[0];
    const delay = nowMs - playTs * this.msPerTs - (this.baseline.value ?? 0);

    if (head === undefined && nowMs - this.lastArrivalMs > this.idleMs) {
      this.playing = false;
      this.stretchedLast = false;
      return { kind: 'empty' };
    }

    if (head !== undefined && head.ts < playTs + half) {
      // The slot's packet is here.
      if (delay > target + this.frameMs + this.hysteresisMs) {
        this.overSinceMs ??= nowMs;
        const next = this.buf[1];
        const waited = nowMs - this.overSinceMs;
        const quietOk = this.isQuiet === undefined || waited >= this.persistMs + this.quietWaitMs || this.isQuiet(head.payload);
        if (waited >= this.persistMs && quietOk && next !== undefined && next.ts < head.ts + this.tsPerFrame + half) {
          this.buf.shift();
          this.remember(head.ts);
          this.s.dropped++;
          this.overSinceMs = nowMs;
          this.droppedBefore = true;
          playTs = head.ts + this.tsPerFrame;
          this.playTs = playTs;
          return this.play();
        }
      } else {
        this.overSinceMs = undefined;
      }
      if (delay < target && !this.stretchedLast) {
        this.stretchedLast = true;
        this.s.concealed++;
        return { kind: 'missing', timestamp: this.raw(playTs), reason: 'stretch' };
      }
      return this.play();
    }

    // No packet for this slot.
    this.overSinceMs = undefined;
    if (delay < target) {
      this.stretchedLast = true;
      this.s.concealed++;
      return { kind: 'missing', timestamp: this.raw(playTs), reason: 'stretch' };
    }
    this.stretchedLast = false;
    let advance = 1;
    if (delay > target + this.frameMs / 2) {
      // A silence gap (or a burst loss) while above target: skip empty slots instead of dropping speech later.
      const room = Math.floor((delay - target) / this.frameMs);
      const emptyAfter = head === undefined ? room : Math.round((head.ts - playTs) / this.tsPerFrame) - 1;
      const extra = Math.max(0, Math.min(room, emptyAfter));
      advance += extra;
      this.s.skipped += extra;
    }
    this.playTs = playTs + advance * this.tsPerFrame;
    return { kind: 'missing', timestamp: this.raw(playTs), reason: 'lost' };
  }

  /** Forgets the stream (new SSRC): next packets start a new timeline at the initial delay. Stats are kept. */
  reset(): void {
    this.resync();
    this.hist.clear();
    this.boost = 0;
    this.s.jitterMs = 0;
    this.lastTransit = undefined;
    this.candidate = undefined;
  }

  /** Current numbers (a snapshot); delayMs and targetDelayMs are as of the last get(). */
  stats(): JitterBufferStats {
    const s = this.s;
    s.bufferedPackets = this.buf.length;
    const first = this.buf[0];
    const last = this.buf[this.buf.length - 1];
    const from = this.playing && this.playTs !== undefined ? this.playTs : first?.ts;
    s.bufferedMs = last !== undefined && from !== undefined ? Math.max(0, (last.ts + this.tsPerFrame - from) * this.msPerTs) : 0;
    s.playing = this.playing;
    s.lost = this.lostBefore + this.lostNow();
    return { ...s };
  }

  private play(): JitterOutput<P> {
    const e = this.buf.shift() as Entry<P>;
    this.remember(e.ts);
    this.playTs = e.ts + this.tsPerFrame;
    this.stretchedLast = false;
    this.s.played++;
    const discontinuous = this.droppedBefore;
    this.droppedBefore = false;
    return { kind: 'frame', payload: e.payload, timestamp: e.rawTs, sequence: e.rawSeq, discontinuous };
  }

  private target(nowMs: number): number {
    let jitter = this.hist.count >= 25 ? this.hist.quantile(this.quantileQ) : this.initialDelayMs - this.safetyMs;
    const b = this.boost - (this.boostDecay * Math.max(0, nowMs - this.boostAtMs)) / 1000;
    if (b > jitter) jitter = b;
    const t = Math.min(this.maxDelayMs, Math.max(this.minDelayMs, jitter + this.safetyMs));
    this.s.targetDelayMs = t;
    this.s.delayMs = this.playing && this.playTs !== undefined ? this.delayAt(nowMs) : 0;
    return t;
  }

  /** Late packets: when `lateBoostCount` of them came within `lateBoostWindowMs`, cover them all at once. */
  private noteLate(r: number, atMs: number): void {
    this.recentLate.push({ atMs, r });
    while (this.recentLate.length > 0 && (this.recentLate[0] as { atMs: number }).atMs < atMs - this.lateBoostWindowMs) this.recentLate.shift();
    if (this.recentLate.length < this.lateBoostCount) return;
    let worst = 0;
    for (const l of this.recentLate) worst = Math.max(worst, l.r);
    this.raiseBoost(worst, atMs);
  }

  private raiseBoost(r: number, atMs: number): void {
    const current = this.boost - (this.boostDecay * Math.max(0, atMs - this.boostAtMs)) / 1000;
    if (r > current) {
      this.boost = Math.min(r, this.maxDelayMs);
      this.boostAtMs = atMs;
    }
  }

  private delayAt(nowMs: number): number {
    return nowMs - (this.playTs ?? 0) * this.msPerTs - (this.baseline.value ?? 0);
  }

  private lostNow(): number {
    return this.seqBase === undefined ? 0 : Math.max(0, this.seqMax - this.seqBase + 1 - this.uniqueReceived);
  }

  private resync(): void {
    this.lostBefore += this.lostNow();
    this.seqBase = undefined;
    this.uniqueReceived = 0;
    this.s.flushed += this.buf.length;
    this.s.resyncs++;
    this.buf = [];
    this.refTs = undefined;
    this.refSeq = undefined;
    this.playTs = undefined;
    this.playing = false;
    this.baseline.clear();
    this.lastTransit = undefined;
    this.overSinceMs = undefined;
    this.stretchedLast = false;
    this.droppedBefore = false;
    this.playedRing.length = 0;
    this.playedSet.clear();
  }

  private raw(ts: number): number {
    return ((ts % TS_MOD) + TS_MOD) % TS_MOD;
  }

  private remember(ts: number): void {
    this.playedRing.push(ts);
    this.playedSet.add(ts);
    if (this.playedRing.length > PLAYED_MEMORY) this.playedSet.delete(this.playedRing.shift() as number);
  }

  private indexOf(ts: number): number {
    let lo = 0;
    let hi = this.buf.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = (this.buf[mid] as Entry<P>).ts;
      if (v === ts) return mid;
      if (v < ts) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private insert(e: Entry<P>): void {
    let i = this.buf.length;
    while (i > 0 && (this.buf[i - 1] as Entry<P>).ts > e.ts) i--;
    this.buf.splice(i, 0, e);
  }
}
