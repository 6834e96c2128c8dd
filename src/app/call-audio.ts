/**
 * The call core's audio port (src/phone/call-ports.ts CallAudio) over the media engine's mixer and the
 * local sound player: which calls the user hears and speaks to, the conference bridge, mute, and the one
 * local sound (ringer, dial tone, ringback, busy…) of the moment.
 *
 * The core speaks of call ids; the mixer of peer-connection ids. A call gets its peer connection only when
 * JsSIP builds it (an incoming call: on answer), so the wanted state is kept here and applied again
 * whenever a call's media starts.
 */
import type { CallAudio, CallId, LocalTone } from '../phone/call-ports.js';
import type { MediaEngine } from '../media/media-engine.js';
import type { LocalSoundPlayer } from '../media/local-sound.js';
import { parseTonePlan, tonePlan, type ToneRegion } from '../media/dsp/tone-plans.js';
import type { PcmFrame } from '../media/types.js';
import { createLogger } from '../util/log.js';

const log = createLogger('call-audio');

/**
 * The ring when no ringtone file is configured: a 20 Hz warble of 1000/1250 Hz for 1 s, then 3 s of
 * silence — the classic electronic desk-phone ring, distinct from every network tone.
 */
const SYNTHESIZED_RING = parseTonePlan(`${Array.from({ length: 20 }, () => '1000/25,1250/25').join(',')},0/3000`, { name: 'ring', levelDbm0: -10 });

export interface PhoneCallAudioOptions {
  readonly engine: MediaEngine;
  readonly sounds: LocalSoundPlayer;
  /** Call id → the id of its peer connection, once it has one. */
  readonly pcIdOf: (id: CallId) => string | undefined;
  readonly tonePlan: ToneRegion;
  readonly ringtone?: PcmFrame;
  readonly volumeDb: number;
}

export class PhoneCallAudio implements CallAudio {
  readonly #o: PhoneCallAudioOptions;
  #talking: readonly CallId[] = [];
  #conference: readonly CallId[] = [];
  #muted: readonly CallId[] = [];

  constructor(o: PhoneCallAudioOptions) {
    this.#o = o;
    o.engine.on('media-started', () => this.#apply());
  }

  play(sound: LocalTone | 'ring' | undefined): void {
    const { sounds, volumeDb } = this.#o;
    let started: Promise<unknown>;
    if (sound === undefined) started = sounds.stop();
    else if (sound === 'ring') {
      started = this.#o.ringtone ? sounds.playClip(this.#o.ringtone, { loop: true, volumeDb, gapMs: 2000 }) : sounds.playTone(SYNTHESIZED_RING, { volumeDb });
    } else started = sounds.playTone(tonePlan(this.#o.tonePlan, sound), { volumeDb });
    // A device that cannot open must not take the call down with it: the call goes on, silently.
    started.catch((err: unknown) => log.warn(`cannot play ${sound ?? 'silence'}: ${(err as Error).message}`));
  }

  setMuted(ids: readonly CallId[]): void {
    this.#muted = [...ids];
    this.#apply();
  }

  setAudible(ids: readonly CallId[]): void {
    this.#talking = [...ids];
    this.#apply();
  }

  setConference(ids: readonly CallId[]): void {
    this.#conference = [...ids];
    this.#apply();
  }

  #apply(): void {
    const pcs = (ids: readonly CallId[]): string[] => ids.flatMap((id) => this.#o.pcIdOf(id) ?? []);
    const all = this.#o.engine.liveCalls().map((pc) => pc.id);
    this.#o.engine.setTalking(pcs(this.#talking), pcs(this.#muted), all);
    this.#o.engine.setConference(pcs(this.#conference), all);
  }
}
