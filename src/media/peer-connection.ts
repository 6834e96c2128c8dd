/**
 * The RTCPeerConnection JsSIP instantiates (`new RTCPeerConnection(pcConfig, constraints)`), backed by our
 * SDP offer/answer (sdp/negotiate.ts) and {@link CallMedia}. It implements exactly the surface JsSIP 3.13.8
 * uses (../shared/notes/jssip-in-node.md); classes come from {@link createPeerConnectionClass}, bound to a
 * host (the MediaEngine).
 *
 * - One RtpSession per peer connection, opened at the first createOffer/setRemoteDescription(offer): its
 *   port is the one in every SDP of the call; re-offers keep it.
 * - signalingState: stable → have-local-offer (setLocalDescription(offer)) → stable (setRemoteDescription(
 *   answer)); stable → have-remote-offer (setRemoteDescription(offer)) → stable (setLocalDescription(answer)).
 *   An answer in a 18x is applied like a final one (media starts: early media); JsSIP then sees 'stable'
 *   when the 200 brings SDP again and re-offers (createOffer + setLocalDescription) before applying it.
 * - setRemoteDescription rejects (JsSIP answers 488 or ends the call) on SDP that does not parse, no
 *   common codec, a crypto/proto mismatch, or a connection address that is not an IP literal.
 * - When both descriptions are set, CallMedia starts (first time) or is updated (re-offers).
 * - Hold: JsSIP writes sendonly/inactive into the SDP text *after* setLocalDescription (_mangleOffer), so
 *   what is really sent must be told to us: the app wires
 *       session.on('sdp', (e) => { if (e.originator === 'local') pc.noteSentSdp(e.sdp); })
 *   — `MediaEngine.attachSession(session)` does exactly that. The direction we send is then the
 *   negotiated one masked by the direction of the SDP actually sent (and an offer is replaced by the
 *   text actually sent, so the answer is applied to it).
 * - Media timeout: iceConnectionState becomes 'failed' and 'iceconnectionstatechange' is dispatched: JsSIP
 *   ends the call with 408 RTP Timeout.
 * - getSenders()[i].dtmf.insertDTMF(tones, duration, gap) sends RFC 4733 events; track.enabled = false mutes.
 * - Received RFC 4733 digits are dispatched as a 'dtmf' event {type, digit, durationMs} on the pc (and
 *   reported by the host).
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { RtpSession } from './rtp/session.js';
import type { PortAllocator } from './rtp/port-allocator.js';
import {
  applyAnswer,
  createAnswer as negotiateAnswer,
  createOffer as negotiateOffer,
  directionOf,
  isNegotiationError,
  receives,
  sends,
  SUPPORTED_SRTP_SUITES,
  SRTP_KEY_SALT_BYTES,
  type AnswerResult,
  type LocalMediaConfig,
  type LocalSrtpConfig,
  type NegotiatedSession,
} from './sdp/negotiate.js';
import { isSdpError, parseSdp, type SessionDescription } from './sdp/parse.js';
import { writeSdp } from './sdp/write.js';
import { codecByName } from './codecs/registry.js';
import { CallMedia, SrtpHook, type CallMediaDtmfEvent, type CallMediaStats } from './call-media.js';
import type { AudioDevice } from './audio/audio-port.js';
import type { MediaDirection } from './types.js';
import type { PhoneConfig } from '../config/schema.js';
import { createLogger } from '../util/log.js';

const log = createLogger('peer-connection');

export type MediaConfig = PhoneConfig['media'];

/** What a peer connection needs from its engine. */
export interface PeerConnectionHost {
  readonly media: MediaConfig;
  /** Address written in o=/c=. */
  readonly localAddress: string;
  /** Address the RTP sockets bind to. */
  readonly bindAddress: string;
  readonly audioDevice: AudioDevice;
  /** The device for one peer connection's call (the mixer's per-call view); default audioDevice. */
  audioDeviceFor?(pcId: string): AudioDevice;
  readonly allocator: PortAllocator;
  /** Shorter RTCP intervals for tests. */
  readonly rtcpMinIntervalMs?: number;
  mediaStarted(pc: SipdeskPeerConnection): void;
  mediaEnded(pc: SipdeskPeerConnection): void;
  dtmfReceived(pc: SipdeskPeerConnection, e: CallMediaDtmfEvent): void;
}

export type RTCSdpType = 'offer' | 'answer' | 'pranswer' | 'rollback';
export interface SessionDescriptionInit {
  type: RTCSdpType;
  sdp?: string;
}

/** The trivial RTCSessionDescription JsSIP constructs (`new RTCSessionDescription({type, sdp})`). */
export class PhoneSessionDescription {
  readonly type: RTCSdpType;
  readonly sdp: string;
  constructor(init: SessionDescriptionInit) {
    this.type = init.type;
    this.sdp = init.sdp ?? '';
  }
  toJSON(): { type: RTCSdpType; sdp: string } {
    return { type: this.type, sdp: this.sdp };
  }
}

export type SignalingState = 'stable' | 'have-local-offer' | 'have-remote-offer' | 'closed';
export type IceConnectionState = 'new' | 'checking' | 'connected' | 'completed' | 'failed' | 'disconnected' | 'closed';

export interface PcEvent {
  readonly type: string;
  readonly [key: string]: unknown;
}
type Listener = ((e: PcEvent) => void) | { handleEvent(e: PcEvent): void };

/** What addTrack takes (our PhoneAudioTrack, or anything shaped like a MediaStreamTrack). */
export interface TrackLike {
  readonly kind: string;
  enabled: boolean;
}

export interface PhoneDtmfSender {
  insertDTMF(tones: string, duration?: number, interToneGap?: number): void;
  readonly toneBuffer: string;
  ontonechange: unknown;
}

export interface PhoneRtpSender {
  track: TrackLike | null;
  readonly dtmf: PhoneDtmfSender | null;
  replaceTrack(track: TrackLike | null): Promise<void>;
}

function invalidState(message: string): Error {
  const e = new Error(message);
  e.name = 'InvalidStateError';
  return e;
}

function operationError(message: string): Error {
  const e = new Error(message);
  e.name = 'OperationError';
  return e;
}

let pcCounter = 0;

export class SipdeskPeerConnection {
  readonly id: string;
  signalingState: SignalingState = 'stable';
  readonly iceGatheringState = 'complete' as const;
  iceConnectionState: IceConnectionState = 'new';
  localDescription: PhoneSessionDescription | null = null;
  remoteDescription: PhoneSessionDescription | null = null;

  readonly #host: PeerConnectionHost;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #senders: PhoneRtpSender[] = [];
  readonly #hook: SrtpHook;
  #srtpKeys: LocalSrtpConfig['keys'] | undefined;
  #rtp: Promise<RtpSession> | undefined;
  /** Our offer as parsed (replaced by the text actually sent, see noteSentSdp). */
  #localOffer: SessionDescription | undefined;
  #pendingAnswer: AnswerResult | undefined;
  #negotiated: NegotiatedSession | undefined;
  /** Direction of the SDP we actually sent last. */
  #sentDirection: MediaDirection = 'sendrecv';
  #media: CallMedia | undefined;
  #mediaChain: Promise<void> = Promise.resolve();
  #closed: Promise<void> | undefined;

  constructor(host: PeerConnectionHost, _pcConfig?: unknown, _constraints?: unknown) {
    this.#host = host;
    this.#hook = new SrtpHook(host.media.srtp === 'required');
    this.id = `pc${++pcCounter}`;
  }

  // ---- descriptions ------------------------------------------------------------------------------------

  async createOffer(_options?: unknown): Promise<{ type: 'offer'; sdp: string }> {
    this.#checkOpen();
    const local = await this.#localConfig();
    const offer = negotiateOffer(local, this.#negotiated);
    return { type: 'offer', sdp: writeSdp(offer) };
  }

  async createAnswer(_options?: unknown): Promise<{ type: 'answer'; sdp: string }> {
    this.#checkOpen();
    await Promise.resolve();
    if (this.signalingState !== 'have-remote-offer' || this.#pendingAnswer === undefined) throw invalidState(`createAnswer in state ${this.signalingState}`);
    return { type: 'answer', sdp: writeSdp(this.#pendingAnswer.answer) };
  }

  async setLocalDescription(desc?: SessionDescriptionInit): Promise<void> {
    this.#checkOpen();
    await Promise.resolve();
    if (desc === undefined) throw new TypeError('setLocalDescription needs a description');
    if (desc.type === 'rollback') {
      this.#localOffer = undefined;
      this.#pendingAnswer = undefined;
      this.signalingState = 'stable';
      return;
    }
    const sdp = desc.sdp ?? '';
    const parsed = parseSdp(sdp);
    if (isSdpError(parsed)) throw operationError(`local SDP line ${parsed.line}: ${parsed.reason}`);
    const dir = directionOf(parsed);
    if (desc.type === 'offer') {
      if (this.signalingState !== 'stable' && this.signalingState !== 'have-local-offer') throw invalidState(`local offer in state ${this.signalingState}`);
      this.#localOffer = parsed;
      this.localDescription = new PhoneSessionDescription({ type: 'offer', sdp });
      this.#sentDirection = isSdpError(dir) ? 'sendrecv' : dir;
      this.signalingState = 'have-local-offer';
      return;
    }
    if (this.signalingState !== 'have-remote-offer' || this.#pendingAnswer === undefined) throw invalidState(`local ${desc.type} in state ${this.signalingState}`);
    this.localDescription = new PhoneSessionDescription({ type: 'answer', sdp });
    this.#sentDirection = isSdpError(dir) ? 'sendrecv' : dir;
    this.#negotiated = this.#pendingAnswer.session;
    this.#pendingAnswer = undefined;
    this.signalingState = 'stable';
    await this.#startOrUpdateMedia();
  }

  async setRemoteDescription(desc: SessionDescriptionInit): Promise<void> {
    this.#checkOpen();
    await Promise.resolve();
    const sdp = desc.sdp ?? '';
    if (desc.type === 'rollback') {
      this.#pendingAnswer = undefined;
      this.signalingState = 'stable';
      return;
    }
    const parsed = parseSdp(sdp);
    if (isSdpError(parsed)) throw operationError(`remote SDP line ${parsed.line}: ${parsed.reason}`);
    if (desc.type === 'offer') {
      if (this.signalingState !== 'stable' && this.signalingState !== 'have-remote-offer') throw invalidState(`remote offer in state ${this.signalingState}`);
      const local = await this.#localConfig();
      const result = negotiateAnswer(parsed, local, this.#negotiated);
      if (isNegotiationError(result)) throw operationError(`not acceptable: ${result.reason}`);
      this.#checkAddress(result.session);
      this.#pendingAnswer = result;
      this.remoteDescription = new PhoneSessionDescription({ type: 'offer', sdp });
      this.signalingState = 'have-remote-offer';
      return;
    }
    // 'answer' or 'pranswer' (an answer in a 18x starts early media the same way).
    if (this.signalingState !== 'have-local-offer' || this.#localOffer === undefined) throw invalidState(`remote ${desc.type} in state ${this.signalingState}`);
    const session = applyAnswer(this.#localOffer, parsed);
    if (isNegotiationError(session)) throw operationError(`not acceptable: ${session.reason}`);
    this.#checkAddress(session);
    this.remoteDescription = new PhoneSessionDescription({ type: desc.type, sdp });
    this.#negotiated = session;
    this.signalingState = 'stable';
    await this.#startOrUpdateMedia();
  }

  /**
   * The SDP JsSIP really sent (its 'sdp' event, originator 'local'), which may differ from the local
   * description by the hold direction. See the file header for the wiring.
   */
  noteSentSdp(sdp: string): void {
    if (this.signalingState === 'closed') return;
    const parsed = parseSdp(sdp);
    if (isSdpError(parsed)) return;
    const dir = directionOf(parsed);
    if (isSdpError(dir)) return;
    this.#sentDirection = dir;
    if (this.signalingState === 'have-local-offer') this.#localOffer = parsed;
    else if (this.#media !== undefined) void this.#startOrUpdateMedia().catch(() => undefined);
  }

  // ---- tracks, DTMF ------------------------------------------------------------------------------------

  addTrack(track: TrackLike, ..._streams: unknown[]): PhoneRtpSender {
    this.#checkOpen();
    const existing = this.#senders.find((s) => s.track === track);
    if (existing !== undefined) return existing;
    const media = (): CallMedia | undefined => (this.signalingState === 'closed' ? undefined : this.#media);
    const dtmf: PhoneDtmfSender = {
      ontonechange: null,
      insertDTMF(tones: string, duration = 100, interToneGap = 70): void {
        const m = media();
        if (m === undefined) throw invalidState('no media to send DTMF on');
        m.sendDtmf(tones, duration, interToneGap);
      },
      get toneBuffer(): string {
        return media()?.dtmfToneBuffer ?? '';
      },
    };
    const sender: PhoneRtpSender = {
      track,
      dtmf: track.kind === 'audio' ? dtmf : null,
      replaceTrack(t: TrackLike | null): Promise<void> {
        sender.track = t;
        return Promise.resolve();
      },
    };
    this.#senders.push(sender);
    return sender;
  }

  removeTrack(sender: PhoneRtpSender): void {
    const i = this.#senders.indexOf(sender);
    if (i >= 0) this.#senders.splice(i, 1);
  }

  getSenders(): PhoneRtpSender[] {
    return [...this.#senders];
  }

  getReceivers(): never[] {
    return [];
  }

  // ---- events ------------------------------------------------------------------------------------------

  addEventListener(type: string, listener: Listener | null): void {
    if (listener === null) return;
    let set = this.#listeners.get(type);
    if (set === undefined) this.#listeners.set(type, (set = new Set()));
    set.add(listener);
  }

  removeEventListener(type: string, listener: Listener | null): void {
    if (listener !== null) this.#listeners.get(type)?.delete(listener);
  }

  dispatchEvent(e: PcEvent): boolean {
    for (const l of [...(this.#listeners.get(e.type) ?? [])]) {
      try {
        if (typeof l === 'function') l.call(this, e);
        else l.handleEvent(e);
      } catch (err) {
        log.error(`${this.id}: '${e.type}' listener threw: ${String(err)}`);
      }
    }
    return true;
  }

  // ---- state -------------------------------------------------------------------------------------------

  /** The running call media (after both descriptions were set). */
  get media(): CallMedia | undefined {
    return this.#media;
  }

  /** The negotiated session, our sent direction not applied. */
  get negotiated(): NegotiatedSession | undefined {
    return this.#negotiated;
  }

  stats(): CallMediaStats | undefined {
    return this.#media?.stats();
  }

  close(): void {
    if (this.signalingState === 'closed') return;
    this.signalingState = 'closed';
    this.iceConnectionState = 'closed';
    this.#closed = this.#mediaChain.then(async () => {
      const media = this.#media;
      if (media !== undefined) {
        await media.close();
        this.#host.mediaEnded(this);
      } else if (this.#rtp !== undefined) {
        await (await this.#rtp.catch(() => undefined))?.close();
      }
    });
  }

  /** Resolves when close() has released the ports and the audio device. */
  whenClosed(): Promise<void> {
    return this.#closed ?? Promise.resolve();
  }

  // ---- internals ---------------------------------------------------------------------------------------

  #checkOpen(): void {
    if (this.signalingState === 'closed') throw invalidState('the peer connection is closed');
  }

  #checkAddress(s: NegotiatedSession): void {
    if (net.isIP(s.remote.address) === 0) throw operationError(`connection address ${s.remote.address} is not an IP address`);
  }

  #openRtp(): Promise<RtpSession> {
    this.#rtp ??= RtpSession.open({
      allocator: this.#host.media.srtp === 'off' ? this.#host.allocator : this.#hook.wrapAllocator(this.#host.allocator),
      localAddress: this.#host.bindAddress,
      payloadTypes: [],
      mediaTimeoutMs: this.#host.media.mediaTimeout * 1000,
      ...(this.#host.rtcpMinIntervalMs !== undefined ? { rtcpMinIntervalMs: this.#host.rtcpMinIntervalMs } : {}),
    });
    return this.#rtp;
  }

  async #localConfig(): Promise<LocalMediaConfig> {
    const rtp = await this.#openRtp();
    const m = this.#host.media;
    let srtp: LocalSrtpConfig | undefined;
    if (m.srtp !== 'off') {
      this.#srtpKeys ??= SUPPORTED_SRTP_SUITES.map((suite) => ({ suite, key: randomBytes(SRTP_KEY_SALT_BYTES) }));
      srtp = { policy: m.srtp, keys: this.#srtpKeys };
    }
    return {
      address: this.#host.localAddress,
      rtpPort: rtp.localRtpPort,
      codecs: m.codecs.map((name) => {
        const c = codecByName(name);
        if (c === undefined) throw new RangeError(`codec ${name} is not supported`);
        return c;
      }),
      telephoneEvent: {},
      ptime: m.ptime,
      ...(srtp !== undefined ? { srtp } : {}),
    };
  }

  /** The negotiated session with our send/receive masked by the direction of the SDP actually sent. */
  #effective(): NegotiatedSession {
    const n = this.#negotiated as NegotiatedSession;
    const d = this.#sentDirection;
    return { ...n, direction: { send: n.direction.send && sends(d), receive: n.direction.receive && receives(d) } };
  }

  #startOrUpdateMedia(): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.signalingState === 'closed' || this.#negotiated === undefined) return;
      const session = this.#effective();
      if (this.#media !== undefined) {
        this.#media.update(session);
        return;
      }
      const rtp = await this.#openRtp();
      const track = (): TrackLike | null | undefined => this.#senders.find((s) => s.track?.kind === 'audio')?.track;
      const media = await CallMedia.create({
        rtp,
        srtpHook: this.#hook,
        session,
        audioDevice: this.#host.audioDeviceFor?.(this.id) ?? this.#host.audioDevice,
        jitterMinMs: this.#host.media.jitterMinMs,
        jitterMaxMs: this.#host.media.jitterMaxMs,
        mutedSource: () => track()?.enabled === false,
        id: this.id,
      });
      if ((this.signalingState as SignalingState) === 'closed') {
        await media.close();
        return;
      }
      this.#media = media;
      media.on('timeout', () => this.#setIceState('failed'));
      media.on('dtmf', (e) => {
        this.#host.dtmfReceived(this, e);
        this.dispatchEvent({ type: 'dtmf', digit: e.digit, durationMs: e.durationMs });
      });
      media.on('error', (err) => log.error(`${this.id}: ${err.message}`));
      this.#host.mediaStarted(this);
      this.#setIceState('checking');
      this.#setIceState('connected');
    };
    const p = this.#mediaChain.then(run);
    this.#mediaChain = p.catch(() => undefined);
    return p;
  }

  #setIceState(state: IceConnectionState): void {
    if (this.iceConnectionState === state || this.iceConnectionState === 'closed') return;
    this.iceConnectionState = state;
    this.dispatchEvent({ type: 'iceconnectionstatechange' });
  }
}

export type PeerConnectionClass = new (pcConfig?: unknown, constraints?: unknown) => SipdeskPeerConnection;

/** A class JsSIP can `new` with (pcConfig, constraints), bound to `host`. */
export function createPeerConnectionClass(host: PeerConnectionHost): PeerConnectionClass {
  return class RTCPeerConnection extends SipdeskPeerConnection {
    constructor(pcConfig?: unknown, constraints?: unknown) {
      super(host, pcConfig, constraints);
    }
  };
}
