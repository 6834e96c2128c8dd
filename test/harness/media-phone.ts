// An in-process sipdesk phone with real media for call tests and the media benchmark: our JsSIP stack
// (createSipStack) plus a MediaEngine on a WAV device, registered at a test PBX, able to place a call and
// hang it up. It is what the app will assemble once call control exists; here the tests drive JsSIP directly.
import type { EventEmitter } from 'node:events';
import { parseConfig } from '../../src/config/load.js';
import { createSipStack, type SipStack } from '../../src/sip/sip-stack.js';
import { MediaEngine } from '../../src/media/media-engine.js';
import { createPhoneMediaStream } from '../../src/media/media-stream.js';
import { wavAudioDevice } from '../../src/media/audio/wav-audio.js';
import { freePort } from './ports.js';

/** Rejects with "<what>: not within <ms> ms" when `p` takes longer. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<T>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** The part of a JsSIP RTCSession the tests use (its typings are incomplete). */
export type CallSession = EventEmitter & {
  terminate(): void;
  hold(options?: Record<string, unknown>, done?: () => void): boolean;
  unhold(options?: Record<string, unknown>, done?: () => void): boolean;
  sendDTMF(tones: string, options?: Record<string, unknown>): void;
};

type CallingUa = EventEmitter & { call(target: string, options: Record<string, unknown>): CallSession };

export interface MediaPhoneOptions {
  pbx: { ip: string; port: number; domain: string };
  user?: string;
  codecs: ('PCMU' | 'PCMA' | 'G722')[];
  srtp?: 'off' | 'optional' | 'required';
  /** What the phone's microphone plays (looped) and where its speaker is recorded. */
  source?: string;
  sink?: string;
  /** Sees every new call session first (e.g. to record its 'sdp' events). */
  onSession?: (session: CallSession) => void;
}

export interface MediaPhone {
  readonly sip: SipStack;
  readonly engine: MediaEngine;
  /** Calls `target` and resolves once the call is confirmed (ACKed). */
  call(target: string): Promise<CallSession>;
  /** Ends the call and waits for JsSIP's 'ended'. */
  hangUp(session: CallSession): Promise<void>;
  stop(): Promise<void>;
}

export async function startMediaPhone(o: MediaPhoneOptions): Promise<MediaPhone> {
  const user = o.user ?? 'alice';
  const config = parseConfig({
    account: { aor: `sip:${user}@${o.pbx.domain}`, password: 'secret', proxy: `sip:${o.pbx.ip}:${o.pbx.port};transport=tcp` },
    api: { port: 0 },
    sip: { listenPort: await freePort(), listenAddress: '127.0.0.1', contactHost: '127.0.0.1' },
    device: { instanceId: '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01' },
    media: { codecs: o.codecs, srtp: o.srtp ?? 'off' },
  });
  const engine = new MediaEngine({ media: config.media, audioDevice: wavAudioDevice({ source: o.source, sink: o.sink }), localAddress: '127.0.0.1' });
  const uninstall = engine.install(globalThis);
  const sip = await createSipStack(config);
  const ua = sip.ua as unknown as CallingUa;
  ua.on('newRTCSession', (e: { session: Parameters<MediaEngine['attachSession']>[0] & CallSession }) => {
    engine.attachSession(e.session);
    o.onSession?.(e.session);
  });
  const registered = new Promise<void>((resolve) => {
    const wait = (s: { state: string }) => (s.state === 'registered' ? resolve() : sip.registration.once('state', wait));
    sip.registration.once('state', wait);
  });
  sip.start();
  await within(10_000, `${user} registration`, registered);
  return {
    sip,
    engine,
    async call(target) {
      const session = ua.call(target, { mediaStream: createPhoneMediaStream(), mediaConstraints: { audio: true, video: false } });
      await within(10_000, 'call confirmed', new Promise<void>((resolve, reject) => {
        session.once('confirmed', () => resolve());
        session.once('failed', (e: { cause: string }) => reject(new Error(`call failed: ${e.cause}`)));
      }));
      return session;
    },
    async hangUp(session) {
      const ended = new Promise<void>((resolve) => session.once('ended', () => resolve()));
      session.terminate();
      await within(5000, 'call ended', ended);
    },
    async stop() {
      await sip.stop(1000);
      uninstall();
    },
  };
}
