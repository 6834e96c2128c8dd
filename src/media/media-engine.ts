/**
 * The phone's media engine: config (the `media` section), the AudioDevice, the RTP PortAllocator, the local
 * address for SDP; it hands JsSIP its RTCPeerConnection class and reports received DTMF and live calls.
 *
 * Wiring (app code; src/sip never imports src/media):
 *   const engine = new MediaEngine({ media: config.media, audioDevice, localAddress });
 *   engine.install();                                   // globalThis.RTCPeerConnection / RTCSessionDescription
 *   ua.on('newRTCSession', ({ session }) => engine.attachSession(session));   // hold direction, see peer-connection.ts
 *   ua.call(target, { mediaStream: createPhoneMediaStream() });  session.answer({ mediaStream: … })
 */
import { EventEmitter } from 'node:events';
import { PortAllocator } from './rtp/port-allocator.js';
import type { AudioDevice } from './audio/audio-port.js';
import { MixingAudioDevice } from './audio/mixer.js';
import type { CallMediaStats } from './call-media.js';
import {
  PhoneSessionDescription,
  SipdeskPeerConnection,
  createPeerConnectionClass,
  type MediaConfig,
  type PeerConnectionClass,
  type PeerConnectionHost,
} from './peer-connection.js';

export interface MediaEngineOptions {
  readonly media: MediaConfig;
  readonly audioDevice: AudioDevice;
  /** Our IP literal as the peer reaches it: written in o= and c=. */
  readonly localAddress: string;
  /** Where the RTP sockets bind; default '0.0.0.0' ('::' for an IPv6 localAddress). */
  readonly bindAddress?: string;
  /** Default: a PortAllocator over media.rtpPortMin..rtpPortMax. */
  readonly allocator?: PortAllocator;
  /** RTCP minimum interval (tests); default RFC 3550's 5 s. */
  readonly rtcpMinIntervalMs?: number;
}

export interface EngineDtmfEvent {
  /** The peer connection's id. */
  readonly callId: string;
  readonly pc: SipdeskPeerConnection;
  readonly digit: string;
  readonly durationMs: number;
}

export interface MediaEngineEvents {
  dtmf: [EngineDtmfEvent];
  'media-started': [SipdeskPeerConnection];
  'media-ended': [SipdeskPeerConnection];
}

/** The shape of a JsSIP RTCSession that attachSession needs. */
export interface SdpEventSource {
  readonly connection?: unknown;
  on(event: 'sdp', listener: (e: { originator: string; type: string; sdp: string }) => void): unknown;
}

/**
 * Engines installed in this process, by id. JsSIP builds peer connections with the one global
 * RTCPeerConnection, but several phones may share a process (the simulator): the global is a dispatcher
 * that picks the engine named in the pcConfig each phone passes to JsSIP (`engine.pcConfig`).
 */
const installed = new Map<string, PeerConnectionClass>();
let lastInstalled: PeerConnectionClass | undefined;
let engineCount = 0;

class DispatchingPeerConnection {
  constructor(pcConfig?: { sipdeskEngine?: unknown }, constraints?: unknown) {
    const named = typeof pcConfig?.sipdeskEngine === 'string' ? installed.get(pcConfig.sipdeskEngine) : undefined;
    const cls = named ?? lastInstalled;
    if (cls === undefined) throw new Error('no media engine is installed');
    // A constructor that returns an object makes `new` yield that object: the chosen engine's peer connection.
    return new cls(pcConfig, constraints);
  }
}

export class MediaEngine extends EventEmitter<MediaEngineEvents> {
  readonly id = `engine${++engineCount}`;
  /** Pass as JsSIP's pcConfig (call, answer, refer accept) so this engine's peer connection is built. */
  readonly pcConfig: { readonly sipdeskEngine: string; readonly iceServers: [] } = { sipdeskEngine: this.id, iceServers: [] };
  readonly media: MediaConfig;
  readonly audioDevice: AudioDevice;
  readonly localAddress: string;
  readonly bindAddress: string;
  readonly allocator: PortAllocator;
  /** Set when audioDevice is a mixer: every call gets its own view of the one device, by pc id. */
  readonly mixer: MixingAudioDevice | undefined;
  readonly #live = new Set<SipdeskPeerConnection>();
  readonly #class: PeerConnectionClass;

  constructor(o: MediaEngineOptions) {
    super();
    this.media = o.media;
    this.audioDevice = o.audioDevice;
    this.localAddress = o.localAddress;
    this.bindAddress = o.bindAddress ?? (o.localAddress.includes(':') ? '::' : '0.0.0.0');
    this.allocator = o.allocator ?? new PortAllocator({ min: o.media.rtpPortMin, max: o.media.rtpPortMax });
    const mixer = o.audioDevice instanceof MixingAudioDevice ? o.audioDevice : undefined;
    this.mixer = mixer;
    const host: PeerConnectionHost = {
      media: this.media,
      localAddress: this.localAddress,
      bindAddress: this.bindAddress,
      audioDevice: this.audioDevice,
      ...(mixer ? { audioDeviceFor: (id: string) => mixer.deviceFor(id) } : {}),
      allocator: this.allocator,
      ...(o.rtcpMinIntervalMs !== undefined ? { rtcpMinIntervalMs: o.rtcpMinIntervalMs } : {}),
      mediaStarted: (pc) => {
        this.#live.add(pc);
        this.emit('media-started', pc);
      },
      mediaEnded: (pc) => {
        mixer?.release(pc.id);
        if (this.#live.delete(pc)) this.emit('media-ended', pc);
      },
      dtmfReceived: (pc, e) => this.emit('dtmf', { callId: pc.id, pc, digit: e.digit, durationMs: e.durationMs }),
    };
    this.#class = createPeerConnectionClass(host);
  }

  /** The class to set as RTCPeerConnection (JsSIP does `new RTCPeerConnection(pcConfig, constraints)`). */
  peerConnectionClass(): PeerConnectionClass {
    return this.#class;
  }

  /**
   * Sets RTCPeerConnection and RTCSessionDescription on `target` (default globalThis), and on
   * `target.window` when that is another object (JsSIP reads window.RTCPeerConnection). Returns a function
   * that restores what was there before.
   */
  install(target: object = globalThis): () => void {
    const g = target as Record<string, unknown>;
    const targets = [g];
    const w = g.window;
    if (typeof w === 'object' && w !== null && w !== g) targets.push(w as Record<string, unknown>);
    const saved = targets.map((t) => ({ t, pc: t.RTCPeerConnection, sd: t.RTCSessionDescription }));
    installed.set(this.id, this.#class);
    lastInstalled = this.#class;
    for (const t of targets) {
      t.RTCPeerConnection = DispatchingPeerConnection;
      t.RTCSessionDescription = PhoneSessionDescription;
    }
    return () => {
      installed.delete(this.id);
      if (lastInstalled === this.#class) lastInstalled = [...installed.values()].at(-1);
      if (installed.size > 0) return; // other phones in this process still need the dispatcher
      for (const s of saved) {
        s.t.RTCPeerConnection = s.pc;
        s.t.RTCSessionDescription = s.sd;
      }
    };
  }

  /**
   * Tells the session's peer connection the SDP JsSIP actually sends (hold directions written after
   * setLocalDescription). Call it on 'newRTCSession' for every session.
   */
  attachSession(session: SdpEventSource): void {
    session.on('sdp', (e) => {
      const pc = session.connection;
      if (e.originator === 'local' && pc instanceof SipdeskPeerConnection) pc.noteSentSdp(e.sdp);
    });
  }

  /** Peer connections with running media. */
  liveCalls(): SipdeskPeerConnection[] {
    return [...this.#live];
  }

  /**
   * With a mixer: who the user talks to. Calls in `talking` are heard and hear the microphone (unless
   * in `muted`); every other call is neither (held calls, calls still ringing). Flags are kept by pc id,
   * so they may be set before a call's audio port opens.
   */
  setTalking(pcIds: readonly string[], mutedPcIds: readonly string[], allPcIds: readonly string[]): void {
    if (this.mixer === undefined) return;
    const talking = new Set(pcIds);
    const muted = new Set(mutedPcIds);
    for (const id of new Set([...allPcIds, ...pcIds])) {
      this.mixer.setAudible(id, talking.has(id));
      this.mixer.setMicrophone(id, talking.has(id) && !muted.has(id));
    }
  }

  /** With a mixer: the calls of a local three-way conference hear each other; [] ends it. */
  setConference(pcIds: readonly string[], allPcIds: readonly string[]): void {
    if (this.mixer === undefined) return;
    const members = new Set(pcIds);
    for (const id of new Set([...allPcIds, ...pcIds])) this.mixer.setConferenceGroup(id, members.has(id) && members.size > 1 ? 'conference' : undefined);
  }

  stats(): CallMediaStats[] {
    return this.liveCalls().flatMap((pc) => pc.stats() ?? []);
  }
}
