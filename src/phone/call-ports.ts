/**
 * The seams between the call core (src/phone/call-control.ts) and the outside. The core declares them; the
 * app wires real implementations (src/sip/call-signaling.ts over JsSIP, the media engine's audio) and unit
 * tests wire recording fakes. The core never awaits: it asks (these methods) and is told (its signal*
 * methods), so a slow network can never block a key press.
 */

/** Local call id, chosen by whoever creates the call ("o3" for ours, "i7" for the network's). */
export type CallId = string;

/** Who the other party is, as the network tells it (already parsed: see src/sip/call-headers.ts). */
export interface PartyInfo {
  readonly uri: string;
  readonly name?: string;
  /** The user part when it is a phone number, or a tel: number. */
  readonly number?: string;
  /** Caller asked for privacy (anonymous). */
  readonly private?: boolean;
}

export interface IncomingCallInfo {
  readonly remote: PartyInfo;
  /** The party the call was first placed to, when the network forwarded it to us. */
  readonly forwardedFrom?: { readonly uri: string; readonly name?: string; readonly reason?: string };
  /** How many times the call was already diverted (Diversion/History-Info entries). */
  readonly diversions: number;
  /** Caller asks us to answer by ourselves after this many seconds (intercom); undefined = ring. */
  readonly answerAfterS?: number;
  /** INVITE with Replaces (RFC 3891): this call takes over the existing call with this id. */
  readonly replaces?: CallId;
}

export interface CallEndInfo {
  /** Who ended it: we (hang up, cancel, reject), the remote party, or the network/system (timeout, error). */
  readonly originator: 'local' | 'remote' | 'system';
  /** Final SIP status when the call never connected (486, 404, 487…). */
  readonly status?: number;
  /** Short user-facing text ("Busy", "Number not found"). */
  readonly reason?: string;
  /** 3xx: where the call should go next (Contact URIs, best first). */
  readonly redirectTo?: readonly string[];
}

/** A dialog as a Replaces header names it, from the point of view of the UA that receives the INVITE. */
export interface DialogRef {
  readonly callId: string;
  readonly toTag: string;
  readonly fromTag: string;
  readonly earlyOnly?: boolean;
}

export interface DiversionInfo {
  readonly uri: string;
  readonly reason: 'unconditional' | 'user-busy' | 'no-answer' | 'do-not-disturb' | 'deflection';
}

/** What the core asks of signaling. Every method is fire-and-forget; outcomes arrive as signals. */
export interface CallSignaling {
  /**
   * Places a call. `replaces` puts Replaces of one of our calls' dialog into the INVITE; `replacesDialog`
   * names any dialog (directed pickup of a ringing colleague's call: RFC 3891 with early-only).
   */
  dial(id: CallId, target: string, options?: { readonly replaces?: CallId; readonly replacesDialog?: DialogRef }): void;
  answer(id: CallId): void;
  /** Final response to a ringing call (486, 603, 480). */
  reject(id: CallId, status: number): void;
  /** 302 Moved Temporarily to `to` with a Diversion header naming us (phone-side forwarding). */
  redirect(id: CallId, to: string, diversion: DiversionInfo): void;
  /** CANCEL or BYE, whichever the call's state needs. */
  hangup(id: CallId): void;
  hold(id: CallId): void;
  resume(id: CallId): void;
  sendDtmf(id: CallId, digits: string): void;
  /** Blind transfer: REFER to target. */
  transfer(id: CallId, target: string): void;
  /** Attended transfer: REFER `id`'s party to `to`'s party, with Replaces of `to`'s dialog. */
  transferReplacing(id: CallId, to: CallId): void;
  /** Transferee: act on a REFER received in call `id` by placing call `newId`. */
  acceptRefer(id: CallId, referId: string, newId: CallId): void;
  rejectRefer(id: CallId, referId: string): void;
}

/** Tones and mixing the core asks of the media side (the microphone and speaker are the phone's, not a call's). */
export type LocalTone = 'dial' | 'ringback' | 'busy' | 'congestion' | 'callWaiting' | 'confirm';

export interface CallAudio {
  /** One local sound at a time: a tone, the ringer, or nothing. */
  play(sound: LocalTone | 'ring' | undefined): void;
  /** Calls whose microphone is off (mute is per call; a muted call still hears). */
  setMuted(ids: readonly CallId[]): void;
  /** Which calls the user hears and speaks to: one call, or the legs of a local conference. */
  setAudible(ids: readonly CallId[]): void;
  /** Calls mixed into one local conference (each leg hears the other); empty = no conference. */
  setConference(ids: readonly CallId[]): void;
}
