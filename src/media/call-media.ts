/**
 * The running media of one call, built from a {@link NegotiatedSession}: one RtpSession, the send codec's
 * encoder, a decoder per received payload type, a JitterBuffer + Plc on receive, RFC 4733 DTMF both ways,
 * optional SDES-SRTP, and an AudioPort at the send codec's sample rate.
 *
 * Clock. ONE timer per call drives both directions, every `ptime` ms. It is drift-free: tick n is scheduled
 * for `start + n·ptime` on the monotonic clock (performance.now), so timer lateness never accumulates. A tick
 * that runs late does all the work of the ticks it missed (at most DEFAULT_MAX_CATCH_UP in a row; after a
 * longer stall, e.g. a paused process, the schedule is re-anchored at "now" instead of bursting). That clock
 * is frame-clock.ts's FrameClock, the same one the mixer and the local sound player run on.
 * Each tick:
 *   send:    capture frame → (DTMF digit playing? send its RFC 4733 packets, hold audio) → else, if sending,
 *            encode → RtpSession.send (muted sends encoded silence: the peer's media timeout and NAT
 *            bindings stay alive). The RTP timestamp advances by one frame every tick, sent or not.
 *   receive: JitterBuffer.get(now) → frame: decode (+Plc.good) / missing: Plc.missing / empty: silence
 *            → AudioPort.writePlayback.
 *
 * SRTP without touching rtp/session.ts: RtpSession only uses `allocator.bind()` and then the binding's
 * sockets' `on('message' | 'error')` and `send(buf, port, address, cb)`. {@link SrtpHook} wraps the engine's
 * PortAllocator so the binding it returns has proxied sockets: `send` protects (RTP or RTCP, told apart as in
 * RFC 5761 so rtcp-mux works), 'message' listeners get unprotected packets (failures are dropped and
 * counted). Until keys are set the hook passes packets through unchanged (plain RTP).
 */
import { EventEmitter } from 'node:events';
import type dgram from 'node:dgram';
import { RtpSession, systemClock, type RtpPacketEvent, type RtpPayloadFormat, type RtpSessionStats } from './rtp/session.js';
import type { PortAllocator, PortBinding, PortBindOptions } from './rtp/port-allocator.js';
import type { NegotiatedSession } from './sdp/negotiate.js';
import { directionFromFlags } from './sdp/negotiate.js';
import type { AudioCodec, AudioDecoder, AudioEncoder, MediaDirection, PcmFrame } from './types.js';
import { codecByName } from './codecs/registry.js';
import { JitterBuffer, type JitterBufferStats } from './dsp/jitter-buffer.js';
import { Plc, type PlcStats } from './dsp/plc.js';
import { DtmfReceiver, DtmfSender } from './dsp/dtmf.js';
import { resample } from './dsp/wav.js';
import type { AudioDevice, AudioPort, AudioPortStats } from './audio/audio-port.js';
import { SrtpContext, isRtcpPacket, isSrtpError, type SrtpStats } from './srtp/srtp.js';
import { createLogger } from '../util/log.js';
import { FrameClock, type FrameClockStats } from './frame-clock.js';

const log = createLogger('call-media');


// ---------------------------------------------------------------------------------------------------------
// SRTP hook
// ---------------------------------------------------------------------------------------------------------

export interface SrtpHookCounters {
  protectErrors: number;
  unprotectErrors: number;
  /** packets dropped because SRTP is required and no keys are agreed yet (before the answer) */
  noKeyDrops: number;
}

/** See the file header: SRTP wrapped around the sockets of one RtpSession. */
export class SrtpHook {
  #tx: SrtpContext | undefined;
  #rx: SrtpContext | undefined;
  #txKey: string | undefined;
  #rxKey: string | undefined;
  readonly counters: SrtpHookCounters = { protectErrors: 0, unprotectErrors: 0, noKeyDrops: 0 };

  /**
   * @param required SRTP is mandatory (media.srtp 'required'): until keys are agreed nothing passes in
   *   either direction; otherwise (best effort) plain RTP passes until keys exist.
   */
  constructor(private readonly required = false) {}

  get active(): boolean {
    return this.#tx !== undefined;
  }

  /** Sets (or, with undefined, clears) the keys; contexts are kept when the keys did not change (ROC state). */
  setKeys(params: { suite: SrtpContext['suite']; localKey: Buffer; remoteKey: Buffer; remoteMki?: Buffer } | undefined): void {
    if (params === undefined) {
      this.#tx = this.#rx = undefined;
      this.#txKey = this.#rxKey = undefined;
      return;
    }
    const txKey = `${params.suite}:${params.localKey.toString('hex')}`;
    const rxKey = `${params.suite}:${params.remoteKey.toString('hex')}:${params.remoteMki?.toString('hex') ?? ''}`;
    if (txKey !== this.#txKey) {
      this.#tx = SrtpContext.fromKeySalt(params.suite, params.localKey);
      this.#txKey = txKey;
    }
    if (rxKey !== this.#rxKey) {
      this.#rx = SrtpContext.fromKeySalt(params.suite, params.remoteKey, params.remoteMki !== undefined ? { mki: params.remoteMki } : {});
      this.#rxKey = rxKey;
    }
  }

  stats(): { tx: SrtpStats | undefined; rx: SrtpStats | undefined; counters: SrtpHookCounters } {
    return { tx: this.#tx?.stats, rx: this.#rx?.stats, counters: { ...this.counters } };
  }

  /** An allocator for RtpSession.open whose bindings carry this hook (only bind() is used by RtpSession). */
  wrapAllocator(inner: PortAllocator): PortAllocator {
    const wrapper = {
      bind: async (options: PortBindOptions): Promise<PortBinding> => {
        const b = await inner.bind(options);
        return {
          rtpPort: b.rtpPort,
          rtcpPort: b.rtcpPort,
          rtp: this.#wrapSocket(b.rtp, 'auto'),
          rtcp: b.rtcp === undefined ? undefined : this.#wrapSocket(b.rtcp, 'rtcp'),
          close: () => b.close(),
        };
      },
    };
    return wrapper as unknown as PortAllocator;
  }

  #withoutKeys(buf: Buffer): Buffer | undefined {
    if (!this.required) return buf;
    this.counters.noKeyDrops++;
    return undefined;
  }

  #protect(buf: Buffer, kind: 'auto' | 'rtcp'): Buffer | undefined {
    const tx = this.#tx;
    if (tx === undefined) return this.#withoutKeys(buf);
    try {
      return kind === 'rtcp' || isRtcpPacket(buf) ? tx.protectRtcp(buf) : tx.protectRtp(buf);
    } catch {
      this.counters.protectErrors++;
      return undefined;
    }
  }

  #unprotect(buf: Buffer, kind: 'auto' | 'rtcp'): Buffer | undefined {
    const rx = this.#rx;
    if (rx === undefined) return this.#withoutKeys(buf);
    const out = kind === 'rtcp' || isRtcpPacket(buf) ? rx.unprotectRtcp(buf) : rx.unprotectRtp(buf);
    if (isSrtpError(out)) {
      this.counters.unprotectErrors++;
      return undefined;
    }
    return out;
  }

  #wrapSocket(socket: dgram.Socket, kind: 'auto' | 'rtcp'): dgram.Socket {
    const send = (buf: Buffer, port: number, address: string, cb?: (err: Error | null) => void): void => {
      const out = this.#protect(buf, kind);
      if (out === undefined) {
        cb?.(null);
        return;
      }
      socket.send(out, port, address, cb);
    };
    const on = (event: string, listener: (...args: unknown[]) => void): dgram.Socket => {
      if (event !== 'message') return socket.on(event, listener);
      return socket.on('message', (msg: Buffer, rinfo: dgram.RemoteInfo) => {
        const plain = this.#unprotect(msg, kind);
        if (plain !== undefined) listener(plain, rinfo);
      });
    };
    return new Proxy(socket, {
      get(target, prop, receiver) {
        if (prop === 'send') return send;
        if (prop === 'on' || prop === 'addListener') return on;
        const v = Reflect.get(target, prop, receiver) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  }
}

// ---------------------------------------------------------------------------------------------------------
// CallMedia
// ---------------------------------------------------------------------------------------------------------

export interface CallMediaOptions {
  /** An open RtpSession (its port is already in the SDP); CallMedia owns it from now on and closes it. */
  readonly rtp: RtpSession;
  /** The hook the RtpSession was opened through, when SRTP may be used. */
  readonly srtpHook?: SrtpHook;
  readonly session: NegotiatedSession;
  readonly audioDevice: AudioDevice;
  readonly jitterMinMs?: number;
  readonly jitterMaxMs?: number;
  /** Polled every tick: true = send silence (the MediaStream track's `enabled` flag, inverted). */
  readonly mutedSource?: () => boolean;
  /** Tag for logs and stats. */
  readonly id?: string;
}

export interface CallMediaDtmfEvent {
  readonly digit: string;
  readonly durationMs: number;
}

export interface CallMediaStats {
  readonly id: string;
  readonly sendCodec: string;
  readonly sendPayloadType: number;
  readonly ptime: number;
  readonly direction: MediaDirection;
  readonly muted: boolean;
  readonly srtp: boolean;
  readonly ticks: number;
  /** Ticks that ran more than one ptime late (worked off by catch-up). */
  readonly lateTicks: number;
  /** Times the schedule was re-anchored after a stall longer than DEFAULT_MAX_CATCH_UP ticks. */
  readonly reanchors: number;
  readonly framesSent: number;
  readonly framesPlayed: number;
  readonly dtmfSent: number;
  readonly dtmfReceived: number;
  readonly rtp: RtpSessionStats;
  readonly jitter: JitterBufferStats;
  readonly plc: PlcStats;
  readonly audio: AudioPortStats | undefined;
}

export interface CallMediaEvents {
  dtmf: [CallMediaDtmfEvent];
  timeout: [];
  error: [Error];
}

interface Encoded {
  readonly pt: number;
  readonly payload: Buffer;
}

interface DtmfJob {
  readonly sender: DtmfSender;
  remaining: string;
}

export class CallMedia extends EventEmitter<CallMediaEvents> {
  readonly id: string;
  readonly #rtp: RtpSession;
  readonly #hook: SrtpHook | undefined;
  readonly #device: AudioDevice;
  readonly #jitterMinMs: number;
  readonly #jitterMaxMs: number;
  readonly #mutedSource: (() => boolean) | undefined;

  #session: NegotiatedSession;
  #sendCodec: AudioCodec;
  #encoder: AudioEncoder;
  readonly #decoders = new Map<number, { codec: AudioCodec; decoder: AudioDecoder }>();
  #jb: JitterBuffer<Encoded>;
  #plc: Plc;
  #dtmfRx: DtmfReceiver | undefined;
  readonly #dtmfJobs: DtmfJob[] = [];
  #port: AudioPort | undefined;
  #portOpening: Promise<void> | undefined;
  #muted = false;
  #sending = false;
  #closed = false;
  #closing: Promise<void> | undefined;

  // Clock
  #clock: FrameClock | undefined;
  /** Tick counts of clocks replaced when ptime changed. */
  #earlierClocks: FrameClockStats = { ticks: 0, lateTicks: 0, reanchors: 0 };
  #rtpTimestamp = 0;
  #markerNext = true;
  #counts = { framesSent: 0, framesPlayed: 0, dtmfSent: 0, dtmfReceived: 0 };

  /** Opens the audio port and starts the clock. Rejects if the codec is unknown or the device cannot open. */
  static async create(options: CallMediaOptions): Promise<CallMedia> {
    const m = new CallMedia(options);
    try {
      await m.#openPort();
    } catch (err) {
      await m.close();
      throw err;
    }
    m.#startClock();
    return m;
  }

  private constructor(o: CallMediaOptions) {
    super();
    this.id = o.id ?? `m${Math.floor(Math.random() * 1e9)}`;
    this.#rtp = o.rtp;
    this.#hook = o.srtpHook;
    this.#device = o.audioDevice;
    this.#jitterMinMs = o.jitterMinMs ?? 20;
    this.#jitterMaxMs = o.jitterMaxMs ?? 200;
    this.#mutedSource = o.mutedSource;
    this.#session = o.session;
    this.#sendCodec = CallMedia.#codec(o.session.send.name);
    this.#encoder = this.#sendCodec.createEncoder();
    this.#jb = this.#newJitterBuffer(o.session);
    this.#plc = new Plc({ sampleRate: this.#sendCodec.sampleRate });
    this.#rtp.on('packet', this.#onPacket);
    this.#rtp.on('source', () => {
      this.#jb.reset();
      this.#dtmfRx?.reset();
    });
    this.#rtp.on('timeout', () => {
      log.warn(`${this.id}: no RTP for the media timeout`);
      this.emit('timeout');
    });
    this.#applySession(o.session, true);
  }

  static #codec(name: string): AudioCodec {
    const c = codecByName(name);
    if (c === undefined) throw new RangeError(`codec ${name} is not supported`);
    return c;
  }

  get session(): NegotiatedSession {
    return this.#session;
  }

  get rtpSession(): RtpSession {
    return this.#rtp;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Whether we send RTP now (negotiated direction and not remote hold). */
  get sending(): boolean {
    return this.#sending;
  }

  get muted(): boolean {
    return this.#muted || (this.#mutedSource?.() ?? false);
  }

  setMuted(muted: boolean): void {
    this.#muted = muted;
  }

  /**
   * A re-offer or re-answer: new remote address/port, codec, payload types, direction (hold = stop sending,
   * resume = start again), SRTP keys. A new send codec of another sample rate reopens the audio port.
   */
  update(session: NegotiatedSession): void {
    if (this.#closed) return;
    const prev = this.#session;
    this.#session = session;
    if (prev.send.name !== session.send.name || prev.send.payloadType !== session.send.payloadType) {
      const codec = CallMedia.#codec(session.send.name);
      const rateChanged = codec.sampleRate !== this.#sendCodec.sampleRate;
      this.#sendCodec = codec;
      this.#encoder = codec.createEncoder();
      this.#markerNext = true;
      if (rateChanged) {
        this.#plc = new Plc({ sampleRate: codec.sampleRate });
        const old = this.#port;
        this.#port = undefined;
        void old?.close();
        this.#openPort().catch((err: unknown) => this.emit('error', err instanceof Error ? err : new Error(String(err))));
      }
    }
    if (prev.ptime !== session.ptime) {
      this.#jb = this.#newJitterBuffer(session);
      this.#restartClock();
    }
    this.#applySession(session, false);
  }

  /**
   * Queues RFC 4733 digits (0-9 * # A-D, case-insensitive; ',' — WebRTC's 2 s pause — is ignored, other
   * characters are refused with RangeError). Durations are clamped to 40..6000 ms, gaps to ≥ 30 ms. Audio packets are held while a digit plays. Throws Error when no
   * telephone-event was negotiated.
   */
  sendDtmf(digits: string, durationMs = 100, gapMs = 70): void {
    const te = this.#session.telephoneEvent;
    if (te === undefined) throw new Error('telephone-event was not negotiated');
    const clean = digits.replace(/,/g, '');
    if (clean.length === 0) return;
    const sender = new DtmfSender({ clockRate: te.clockRate, durationMs: Math.min(6000, Math.max(40, durationMs)), gapMs: Math.max(30, gapMs) });
    sender.send(clean); // throws RangeError on a bad character, queueing nothing
    this.#dtmfJobs.push({ sender, remaining: clean.toUpperCase() });
  }

  /** Digits not sent yet (WebRTC's toneBuffer). */
  get dtmfToneBuffer(): string {
    return this.#dtmfJobs.map((j) => j.remaining).join('');
  }

  stats(): CallMediaStats {
    const s = this.#session;
    return {
      id: this.id,
      sendCodec: s.send.name,
      sendPayloadType: s.send.payloadType,
      ptime: s.ptime,
      direction: this.#rtp.direction,
      muted: this.muted,
      srtp: this.#hook?.active ?? false,
      ...this.#counts,
      ...this.#clockStats(),
      rtp: this.#rtp.stats(),
      jitter: this.#jb.stats(),
      plc: this.#plc.stats(),
      audio: this.#port?.stats(),
    };
  }

  /** Stops the clock, sends RTCP BYE, frees the ports and the audio port. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#closed = true;
    this.#clock?.stop();
    await this.#portOpening?.catch(() => undefined);
    const port = this.#port;
    this.#port = undefined;
    await Promise.allSettled([this.#rtp.close(), port?.close()]);
  }

  // -------------------------------------------------------------------------------------------------------

  #newJitterBuffer(s: NegotiatedSession): JitterBuffer<Encoded> {
    return new JitterBuffer<Encoded>({
      clockRate: s.receive.find((c) => c.name === s.send.name)?.clockRate ?? s.send.clockRate,
      frameMs: s.ptime,
      minDelayMs: this.#jitterMinMs,
      maxDelayMs: this.#jitterMaxMs,
    });
  }

  async #openPort(): Promise<void> {
    const codec = this.#sendCodec;
    const opening = this.#device.open({ sampleRate: codec.sampleRate, frameSamples: Math.round((codec.sampleRate * this.#session.ptime) / 1000) }).then((port) => {
      if (this.#closed || codec !== this.#sendCodec) {
        void port.close();
        return;
      }
      this.#port = port;
    });
    this.#portOpening = opening;
    await opening;
  }

  #applySession(s: NegotiatedSession, first: boolean): void {
    const formats: RtpPayloadFormat[] = s.receive.map((c) => ({ payloadType: c.payloadType, clockRate: c.clockRate }));
    const te = s.telephoneEvent;
    if (te !== undefined) formats.push({ payloadType: te.receivePayloadType, clockRate: te.clockRate, excludeFromJitter: true });
    // The send payload types (the remote's numbering) give RtpSession the clock rate for SR timestamps.
    const seen = new Set(formats.map((f) => f.payloadType));
    if (!seen.has(s.send.payloadType)) formats.push({ payloadType: s.send.payloadType, clockRate: s.send.clockRate });
    if (te !== undefined && !seen.has(te.sendPayloadType)) formats.push({ payloadType: te.sendPayloadType, clockRate: te.clockRate, excludeFromJitter: true });
    this.#rtp.setPayloadTypes(formats);
    for (const pt of [...this.#decoders.keys()]) if (!s.receive.some((c) => c.payloadType === pt)) this.#decoders.delete(pt);

    this.#dtmfRx = te === undefined ? undefined : this.#dtmfRx?.clockRate === te.clockRate ? this.#dtmfRx : new DtmfReceiver({ clockRate: te.clockRate });
    if (te === undefined) this.#dtmfJobs.length = 0;

    this.#hook?.setKeys(s.srtp);
    const nullAddress = s.remote.address === '0.0.0.0' || s.remote.address === '::';
    if (!nullAddress) {
      this.#rtp.setRemote({ address: s.remote.address, rtpPort: s.remote.rtpPort, rtcpPort: s.remote.rtcpPort, rtcpMux: s.rtcpMux });
    }
    const send = s.direction.send && !s.remoteHold && !nullAddress;
    if (send && !this.#sending) this.#markerNext = true;
    this.#sending = send;
    this.#rtp.setDirection(directionFromFlags(send, s.direction.receive));
    if (!first) log.debug(`${this.id}: updated: ${s.send.name}/${s.send.payloadType} → ${s.remote.address}:${s.remote.rtpPort} ${this.#rtp.direction}`);
  }

  readonly #onPacket = (p: RtpPacketEvent): void => {
    const s = this.#session;
    const te = s.telephoneEvent;
    if (te !== undefined && p.payloadType === te.receivePayloadType) {
      const events = this.#dtmfRx?.push({ payload: p.payload, timestamp: p.timestamp, marker: p.marker, arrivalMs: p.arrivalTime }) ?? [];
      for (const e of events) this.#emitDtmf(e.digit, e.durationMs);
      return;
    }
    if (!s.receive.some((c) => c.payloadType === p.payloadType)) return;
    this.#jb.put({
      sequence: p.sequence,
      timestamp: p.timestamp,
      marker: p.marker,
      arrivalMs: p.arrivalTime,
      payload: { pt: p.payloadType, payload: Buffer.from(p.payload) },
    });
  };

  #emitDtmf(digit: string | undefined, durationMs: number): void {
    if (digit === undefined) return;
    this.#counts.dtmfReceived++;
    this.emit('dtmf', { digit, durationMs });
  }

  // ---- clock -------------------------------------------------------------------------------------------

  #startClock(): void {
    this.#clock = new FrameClock({ frameMs: this.#session.ptime, onTick: () => this.#tick(), name: this.id });
    this.#clock.start();
  }

  /** A new ptime needs a new clock; the old one's counts are kept for stats(). */
  #restartClock(): void {
    if (this.#clock !== undefined) {
      this.#earlierClocks = this.#clockStats();
      this.#clock.stop();
      this.#clock = undefined;
    }
    if (!this.#closed) this.#startClock();
  }

  #clockStats(): FrameClockStats {
    const now = this.#clock?.stats() ?? { ticks: 0, lateTicks: 0, reanchors: 0 };
    const e = this.#earlierClocks;
    return { ticks: e.ticks + now.ticks, lateTicks: e.lateTicks + now.lateTicks, reanchors: e.reanchors + now.reanchors };
  }

  #tick(): void {
    if (this.#closed) return;
    const now = systemClock.now();
    const s = this.#session;
    const port = this.#port;
    const captured = port?.readCapture();
    const tsStep = Math.round((s.send.clockRate * s.ptime) / 1000);

    // ---- send
    let dtmfBusy = false;
    const job = this.#dtmfJobs[0];
    const te = s.telephoneEvent;
    if (job !== undefined && te !== undefined) {
      const packets = job.sender.poll(now, this.#rtpTimestamp);
      for (const pkt of packets) {
        if (this.#sending) this.#rtp.send(te.sendPayloadType, pkt.payload, pkt.timestamp, pkt.marker);
      }
      if (packets.some((p) => p.marker)) {
        this.#counts.dtmfSent++;
        job.remaining = job.remaining.slice(1);
      }
      dtmfBusy = job.sender.busy;
      if (!job.sender.busy && job.sender.pending === 0) this.#dtmfJobs.shift();
    }
    if (!dtmfBusy && this.#sending && captured !== undefined) {
      const pcm = this.muted ? new Int16Array(captured.length) : captured;
      const payload = this.#encoder.encode(pcm);
      if (this.#rtp.send(s.send.payloadType, payload, this.#rtpTimestamp, this.#markerNext)) {
        this.#counts.framesSent++;
        this.#markerNext = false;
      }
    } else if (dtmfBusy) {
      this.#markerNext = true;
    }
    this.#rtpTimestamp = (this.#rtpTimestamp + tsStep) >>> 0;

    // ---- receive
    for (const e of this.#dtmfRx?.poll(now) ?? []) this.#emitDtmf(e.digit, e.durationMs);
    const out = this.#jb.get(now);
    if (port === undefined) return;
    const n = port.frameSamples;
    let frame: PcmFrame;
    if (out.kind === 'frame') {
      frame = this.#plc.good(this.#fit(this.#decode(out.payload), n), { discontinuous: out.discontinuous });
    } else if (out.kind === 'missing') {
      frame = this.#plc.missing(n);
    } else {
      frame = new Int16Array(n);
    }
    port.writePlayback(frame);
    this.#counts.framesPlayed++;
  }

  #decode(e: Encoded): { pcm: PcmFrame; rate: number } {
    let d = this.#decoders.get(e.pt);
    if (d === undefined) {
      const neg = this.#session.receive.find((c) => c.payloadType === e.pt);
      const codec = neg === undefined ? undefined : codecByName(neg.name);
      if (codec === undefined) return { pcm: new Int16Array(0), rate: this.#sendCodec.sampleRate };
      d = { codec, decoder: codec.createDecoder() };
      this.#decoders.set(e.pt, d);
    }
    return { pcm: d.decoder.decode(e.payload), rate: d.codec.sampleRate };
  }

  /** To the port's rate and frame size (a peer sending another codec or ptime than ours). */
  #fit(d: { pcm: PcmFrame; rate: number }, n: number): PcmFrame {
    let pcm = d.pcm;
    const portRate = this.#port?.sampleRate ?? this.#sendCodec.sampleRate;
    if (d.rate !== portRate && pcm.length > 0) pcm = resample(pcm, d.rate, portRate);
    if (pcm.length === n) return pcm;
    const out = new Int16Array(n);
    out.set(pcm.subarray(0, n));
    return out;
  }
}
