/**
 * The phone's own presence, worked out the way Office Communications Server models it: availability (is the
 * device there: registered, touched lately) combined with willingness (is the user taking calls: in a call,
 * in a conference, do not disturb). The result is what the phone shows and publishes (PUBLISH of a PIDF
 * document, built elsewhere from current()).
 *
 * Rules, strongest first:
 *  1. shut down, or not registered → offline (nobody can reach a phone the registrar does not know, so not
 *     even a manual state may claim otherwise);
 *  2. a manual state (available, busy, dnd, brb, away, appear offline) → that state, until cleared;
 *  3. automatic: in a conference > in a call (busy) > away after awayAfterMin idle minutes > available.
 * A key, touch or hook event ends automatic away at once and restarts the idle count; a call is activity,
 * so idle time neither counts during a call nor carries over past its end.
 *
 * Pure: time comes from the injected Clock; listeners hear only changes a watcher could see, so the
 * publisher never sends the same document twice.
 */
import type { Clock, TimerHandle } from './clock.js';
import type { CallControlSnapshot } from './call-control.js';
import { normalizeNote } from '../config/presence-schema.js';

/** States the user can pick; 'offline' is "appear offline". */
export const MANUAL_STATES = ['available', 'busy', 'dnd', 'brb', 'away', 'offline'] as const;
export type ManualState = (typeof MANUAL_STATES)[number];

export type PresenceStateName = 'available' | 'busy' | 'in-conference' | 'dnd' | 'brb' | 'away' | 'offline';
export type PresenceSource = 'manual' | 'automatic';

/** RFC 4480 activity values this phone uses. */
export type RpidActivity = 'on-the-phone' | 'busy' | 'away';

export interface PresenceState {
  readonly state: PresenceStateName;
  /** 'manual' when the user's choice decides the state; 'automatic' when registration, calls or idleness do. */
  readonly source: PresenceSource;
  /** OCS availability number (st:availability) for this state. */
  readonly availability: number;
  /** OCS activity token (st:activity token) for this state. */
  readonly activity: string;
  /** PIDF basic status (RFC 3863) and RFC 4480 activities, for watchers that do not speak OCS. */
  readonly rpid: { readonly basic: 'open' | 'closed'; readonly activities: readonly RpidActivity[] };
  /** Personal note, if any. */
  readonly note?: string;
  /** The manual state the user set, even while registration hides it (screens keep showing "DND on"). */
  readonly manual?: ManualState;
  /** When `state` last changed (Clock ms). */
  readonly since: number;
}

export type PresenceListener = (presence: PresenceState) => void;

/** What presence needs to know of the calls. */
export interface CallPresence {
  /** A connected call (held or not): the user is engaged with someone. */
  readonly inCall: boolean;
  /** A connected call is part of a conference this phone mixes. */
  readonly inConference: boolean;
}

export interface PresenceModelOptions {
  readonly clock: Clock;
  /** Idle minutes before automatic away (config presence.awayAfterMin); 0, negative or absent = never. */
  readonly awayAfterMin?: number;
  /** Initial personal note (config presence.note). */
  readonly note?: string;
}

export class PresenceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PresenceError';
  }
}

interface Publication {
  readonly availability: number;
  readonly activity: string;
  readonly basic: 'open' | 'closed';
  readonly activities: readonly RpidActivity[];
}

/**
 * What each state publishes. Availability numbers are the representative values of Office Communicator
 * 2007 ("User States", OCS 2007 R2 SDK, learn.microsoft.com dd941529, and st:availability, dd941517):
 * Available 3500, Busy 6500, DND 9500, Be Right Back 12500, Away 15500, Offline 18500; Lync keeps the same
 * ranges (state/availability element, hh380041: 6000–7499 busy, 9000–11999 DND, …). Activity tokens:
 * 'on-the-phone' and 'in-a-conference' are the st:activity tokens Communicator/Lync recognize and render as
 * "In a call" / "In a conference"; the other states use the availability names of the OCS/Lync
 * PresenceAvailability enumeration ('Available', 'Busy', 'DoNotDisturb', 'BeRightBack', 'Away', 'Offline').
 *
 * RFC 4480 has no do-not-disturb or be-right-back: DND publishes 'busy' and BRB 'away', the nearest values.
 * Basic status stays 'open' for every state of a registered phone, DND included: calls still reach it (to
 * ring silently, or to be declined or forwarded), and many watchers (BLF lamps) draw 'closed' as
 * "unplugged". A conference call is still 'on-the-phone' for RFC 4480 ('meeting' means people in a room).
 */
const PUBLICATIONS = {
  available: { availability: 3500, activity: 'Available', basic: 'open', activities: [] },
  'busy-manual': { availability: 6500, activity: 'Busy', basic: 'open', activities: ['busy'] },
  'busy-in-call': { availability: 6500, activity: 'on-the-phone', basic: 'open', activities: ['on-the-phone'] },
  'in-conference': { availability: 6500, activity: 'in-a-conference', basic: 'open', activities: ['on-the-phone'] },
  dnd: { availability: 9500, activity: 'DoNotDisturb', basic: 'open', activities: ['busy'] },
  brb: { availability: 12500, activity: 'BeRightBack', basic: 'open', activities: ['away'] },
  away: { availability: 15500, activity: 'Away', basic: 'open', activities: ['away'] },
  offline: { availability: 18500, activity: 'Offline', basic: 'closed', activities: [] },
} as const satisfies Record<string, Publication>;

function publicationOf(state: PresenceStateName, source: PresenceSource): Publication {
  if (state === 'busy') return source === 'manual' ? PUBLICATIONS['busy-manual'] : PUBLICATIONS['busy-in-call'];
  return PUBLICATIONS[state];
}

export function isManualState(value: unknown): value is ManualState {
  return typeof value === 'string' && (MANUAL_STATES as readonly string[]).includes(value);
}

/** True while the user has do-not-disturb set, also when registration hides it: call control's DND follows this. */
export function isDnd(presence: PresenceState): boolean {
  return presence.manual === 'dnd';
}

/**
 * What presence needs of the call core's snapshot: a connected call (held included) is a call; ringing,
 * dialing and ringback alone are not.
 */
export function callPresenceOf(snapshot: CallControlSnapshot): CallPresence {
  const connected = snapshot.calls.filter((c) => c.state === 'connected');
  return { inCall: connected.length > 0, inConference: connected.some((c) => c.conference) };
}

export class PresenceModel {
  readonly #clock: Clock;
  readonly #awayAfterMs: number;
  readonly #listeners = new Set<PresenceListener>();
  #registered = false;
  #inCall = false;
  #inConference = false;
  #idle = false;
  #manual: ManualState | undefined;
  #note: string | undefined;
  #shutDown = false;
  #idleTimer: TimerHandle | undefined;
  #current: PresenceState;

  constructor(options: PresenceModelOptions) {
    this.#clock = options.clock;
    const minutes = options.awayAfterMin ?? 0;
    // A NaN or negative value from a careless caller means "never away", not "away at once".
    this.#awayAfterMs = Number.isFinite(minutes) && minutes > 0 ? Math.round(minutes * 60_000) : 0;
    this.#note = normalizeNote(options.note);
    // A phone starts unregistered: offline until the registrar has said yes.
    this.#current = this.#compute(this.#clock.now());
    this.#armIdleTimer();
  }

  current(): PresenceState {
    return this.#current;
  }

  /** Calls fn after every visible change; returns a function that stops it. */
  onChange(fn: PresenceListener): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  setRegistered(registered: boolean): void {
    if (this.#shutDown) return;
    this.#registered = Boolean(registered);
    this.#update();
  }

  /** The calls as presence sees them (see callPresenceOf); a conference counts as a call even if the caller forgets. */
  setCallState(calls: CallPresence): void {
    if (this.#shutDown) return;
    const inConference = Boolean(calls.inConference);
    const inCall = Boolean(calls.inCall) || inConference;
    if (inCall !== this.#inCall) {
      // A call is activity: no idle count during it, and a fresh one after it (the other side may hang up
      // while the user never touched a key, yet the user was there).
      this.#idle = false;
      if (inCall) this.#clock.clearTimer(this.#idleTimer);
      this.#inCall = inCall;
      if (!inCall) this.#armIdleTimer();
    }
    this.#inConference = inConference;
    this.#update();
  }

  /** Any key, touch or hook event: ends automatic away and restarts the idle count. */
  userActivity(): void {
    if (this.#shutDown) return;
    this.#idle = false;
    this.#armIdleTimer();
    this.#update();
  }

  /** Sets a manual state (it wins over the automatic ones) or, with undefined, returns to automatic. */
  setManual(state: ManualState | undefined): void {
    if (state !== undefined && !isManualState(state)) {
      throw new PresenceError(`unknown presence state ${JSON.stringify(state)}; expected one of ${MANUAL_STATES.join(', ')}`);
    }
    if (this.#shutDown) return;
    this.#manual = state;
    this.#update();
  }

  /** Sets or (undefined, empty) clears the personal note; control characters and excess length are cleaned away. */
  setNote(text: string | undefined): void {
    if (this.#shutDown) return;
    this.#note = normalizeNote(text);
    this.#update();
  }

  /** The phone is going down: offline, for good (later inputs are ignored, the idle timer is gone). */
  shutdown(): void {
    if (this.#shutDown) return;
    this.#shutDown = true;
    this.#clock.clearTimer(this.#idleTimer);
    this.#idleTimer = undefined;
    this.#update();
  }

  #armIdleTimer(): void {
    this.#clock.clearTimer(this.#idleTimer);
    this.#idleTimer = undefined;
    if (this.#awayAfterMs === 0 || this.#inCall || this.#shutDown) return;
    this.#idleTimer = this.#clock.setTimer(this.#awayAfterMs, () => {
      this.#idleTimer = undefined;
      this.#idle = true;
      this.#update();
    });
  }

  #decide(): { state: PresenceStateName; source: PresenceSource } {
    if (this.#shutDown || !this.#registered) return { state: 'offline', source: 'automatic' };
    if (this.#manual !== undefined) return { state: this.#manual, source: 'manual' };
    if (this.#inConference) return { state: 'in-conference', source: 'automatic' };
    if (this.#inCall) return { state: 'busy', source: 'automatic' };
    if (this.#idle) return { state: 'away', source: 'automatic' };
    return { state: 'available', source: 'automatic' };
  }

  #compute(since: number): PresenceState {
    const { state, source } = this.#decide();
    const p = publicationOf(state, source);
    return {
      state,
      source,
      availability: p.availability,
      activity: p.activity,
      rpid: { basic: p.basic, activities: p.activities },
      ...(this.#note !== undefined && { note: this.#note }),
      ...(this.#manual !== undefined && { manual: this.#manual }),
      since,
    };
  }

  #update(): void {
    const previous = this.#current;
    const next = this.#compute(previous.since);
    // Everything else in the state follows from these four.
    if (next.state === previous.state && next.source === previous.source && next.note === previous.note && next.manual === previous.manual) return;
    this.#current = next.state === previous.state ? next : { ...next, since: this.#clock.now() };
    for (const fn of [...this.#listeners]) fn(this.#current);
  }
}
