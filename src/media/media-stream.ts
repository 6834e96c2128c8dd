/**
 * The MediaStream stand-in JsSIP needs: pass one to `ua.call(…, {mediaStream})` and `session.answer({mediaStream})`
 * or JsSIP calls navigator.mediaDevices.getUserMedia. One audio track; `track.enabled = false` mutes (JsSIP's
 * mute() toggles it through getSenders(); the call's media reads it every tick).
 */
import { randomUUID } from 'node:crypto';

export class PhoneAudioTrack {
  readonly kind = 'audio' as const;
  readonly id = randomUUID();
  readonly label = 'sipdesk audio';
  /** false = muted: silence is sent instead of the microphone. */
  enabled = true;
  #readyState: 'live' | 'ended' = 'live';

  get readyState(): 'live' | 'ended' {
    return this.#readyState;
  }

  get muted(): boolean {
    return !this.enabled;
  }

  stop(): void {
    this.#readyState = 'ended';
  }
}

export class PhoneMediaStream {
  readonly id = randomUUID();
  readonly #tracks: PhoneAudioTrack[];

  constructor(tracks: readonly PhoneAudioTrack[] = [new PhoneAudioTrack()]) {
    this.#tracks = [...tracks];
  }

  get active(): boolean {
    return this.#tracks.some((t) => t.readyState === 'live');
  }

  getTracks(): PhoneAudioTrack[] {
    return [...this.#tracks];
  }

  getAudioTracks(): PhoneAudioTrack[] {
    return [...this.#tracks];
  }

  getVideoTracks(): never[] {
    return [];
  }

  addTrack(track: PhoneAudioTrack): void {
    if (!this.#tracks.includes(track)) this.#tracks.push(track);
  }

  removeTrack(track: PhoneAudioTrack): void {
    const i = this.#tracks.indexOf(track);
    if (i >= 0) this.#tracks.splice(i, 1);
  }
}

/** A fresh stream with one live audio track. */
export function createPhoneMediaStream(): PhoneMediaStream {
  return new PhoneMediaStream();
}
