/**
 * What the phone knows of the people around its user: each contact's presence (and whether they can take an
 * instant message), each monitored extension's busy lamp (with the ringing call to pick up), message
 * waiting, and the user's other signed-in devices. Pure state: the app feeds it what the watchers parse and
 * the screens and the API read one snapshot.
 */

export type ContactPresenceState = 'available' | 'busy' | 'away' | 'dnd' | 'offline' | 'unknown';
export type LampState = 'idle' | 'ringing' | 'busy';
export type WatchState = 'subscribing' | 'pending' | 'active' | 'retrying' | 'closed';

/** The early dialog of a call ringing at a monitored extension, as its dialog-info reported it. */
export interface RingingDialog {
  readonly callId: string;
  /** The monitored extension's tag (dialog-info local-tag), when it sent one. */
  readonly localTag?: string;
  /** The caller's tag (dialog-info remote-tag). */
  readonly remoteTag?: string;
  /** Who is calling, and where the caller can be reached (remote target). */
  readonly caller?: string;
  readonly callerTarget?: string;
}

export interface ContactView {
  readonly name: string;
  readonly uri: string;
  readonly presence?: { readonly state: ContactPresenceState; readonly note?: string; readonly canIm?: boolean };
  readonly presenceWatch?: WatchState;
  readonly lamp?: LampState;
  readonly lampWatch?: WatchState;
  readonly ringing?: RingingDialog;
}

export interface MessageWaiting {
  readonly waiting: boolean;
  readonly newMessages: number;
  readonly oldMessages: number;
  readonly urgentNew: number;
}

export interface OtherDeviceView {
  readonly uri: string;
  readonly instance?: string;
  readonly expires?: number;
}

export interface ColleaguesSnapshot {
  readonly contacts: readonly ContactView[];
  readonly messages: MessageWaiting;
  readonly otherDevices: readonly OtherDeviceView[];
}

interface ContactState {
  name: string;
  uri: string;
  presence?: ContactView['presence'];
  presenceWatch?: WatchState;
  lamp?: LampState;
  lampWatch?: WatchState;
  ringing?: RingingDialog;
}

const NO_MESSAGES: MessageWaiting = { waiting: false, newMessages: 0, oldMessages: 0, urgentNew: 0 };

/** Contacts compare by URI without scheme case, parameters or a default port. */
export function sameUri(a: string, b: string): boolean {
  const norm = (u: string): string => u.trim().replace(/^sips?:/i, '').split(/[;?]/)[0]!.replace(/:5060$/, '').toLowerCase();
  return norm(a) === norm(b);
}

export class Colleagues {
  readonly #contacts: ContactState[];
  #messages: MessageWaiting = NO_MESSAGES;
  #devices: OtherDeviceView[] = [];
  readonly #listeners = new Set<(s: ColleaguesSnapshot) => void>();

  constructor(contacts: readonly { readonly name: string; readonly uri: string; readonly blf?: boolean }[]) {
    this.#contacts = contacts.map((c) => ({ name: c.name, uri: c.uri, ...(c.blf ? { lamp: 'idle' as const } : {}) }));
  }

  onChange(l: (s: ColleaguesSnapshot) => void): () => void {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  }

  snapshot(): ColleaguesSnapshot {
    return {
      contacts: this.#contacts.map((c) => ({ ...c })),
      messages: this.#messages,
      otherDevices: [...this.#devices],
    };
  }

  find(uri: string): ContactView | undefined {
    const c = this.#contacts.find((x) => sameUri(x.uri, uri));
    return c ? { ...c } : undefined;
  }

  setPresence(uri: string, presence: { state: ContactPresenceState; note?: string; canIm?: boolean }): void {
    this.#update(uri, (c) => {
      c.presence = { state: presence.state, ...(presence.note ? { note: presence.note } : {}), ...(presence.canIm !== undefined ? { canIm: presence.canIm } : {}) };
    });
  }

  setLamp(uri: string, lamp: LampState, ringing?: RingingDialog): void {
    this.#update(uri, (c) => {
      c.lamp = lamp;
      if (lamp === 'ringing' && ringing) c.ringing = ringing;
      else delete c.ringing;
    });
  }

  setWatch(uri: string, kind: 'presence' | 'lamp', state: WatchState): void {
    this.#update(uri, (c) => {
      if (kind === 'presence') c.presenceWatch = state;
      else c.lampWatch = state;
      // A watch that is down shows nothing rather than a stale state.
      if (state === 'retrying' || state === 'closed') {
        if (kind === 'presence') delete c.presence;
        else {
          c.lamp = 'idle';
          delete c.ringing;
        }
      }
    });
  }

  setMessages(m: { waiting: boolean; newMessages?: number; oldMessages?: number; urgentNew?: number }): void {
    const next: MessageWaiting = { waiting: m.waiting, newMessages: m.newMessages ?? 0, oldMessages: m.oldMessages ?? 0, urgentNew: m.urgentNew ?? 0 };
    if (JSON.stringify(next) === JSON.stringify(this.#messages)) return;
    this.#messages = next;
    this.#emit();
  }

  setOtherDevices(devices: readonly OtherDeviceView[]): void {
    const next = devices.map((d) => ({ uri: d.uri, ...(d.instance ? { instance: d.instance } : {}), ...(d.expires !== undefined ? { expires: d.expires } : {}) }));
    if (JSON.stringify(next) === JSON.stringify(this.#devices)) return;
    this.#devices = next;
    this.#emit();
  }

  #update(uri: string, change: (c: ContactState) => void): void {
    const c = this.#contacts.find((x) => sameUri(x.uri, uri));
    if (c === undefined) return;
    const before = JSON.stringify(c);
    change(c);
    if (JSON.stringify(c) !== before) this.#emit();
  }

  #emit(): void {
    const s = this.snapshot();
    for (const l of this.#listeners) l(s);
  }
}
