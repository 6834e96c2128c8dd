/**
 * Call control: the lines and calls of one desk phone and every rule an office user expects of them —
 * dialing with ringback and redirects, ringing and answering, call waiting, hold/resume/swap, mute, blind
 * and attended transfer in every role, forwarding (always / busy / no answer, by the phone or the PBX),
 * do-not-disturb, a three-way local conference, hook switch, hotline and auto-answer.
 *
 * Pure and event-driven: user intents come in as method calls (dial, answer, hold…), the network's news as
 * signal* calls, and the core acts only through the ports it was given (CallSignaling, CallAudio, Clock).
 * Everything the screens and the API show is one snapshot(); listeners hear 'changed' after every step.
 */
import type { Clock, TimerHandle } from './clock.js';
import type { CallAudio, CallEndInfo, CallId, CallSignaling, DialogRef, DiversionInfo, IncomingCallInfo, LocalTone, PartyInfo } from './call-ports.js';
import type { CallsConfig } from '../config/calls-schema.js';

export type CallState = 'dialing' | 'ringback' | 'early-media' | 'ringing' | 'connected';
export type ForwardKind = 'always' | 'busy' | 'noAnswer';

export interface CallView {
  readonly id: CallId;
  readonly line: number;
  readonly direction: 'incoming' | 'outgoing';
  readonly state: CallState;
  readonly remote: PartyInfo;
  readonly forwardedFrom?: IncomingCallInfo['forwardedFrom'];
  /** On hold by us. */
  readonly held: boolean;
  /** On hold by the other party (re-INVITE with sendonly/inactive). */
  readonly remoteHold: boolean;
  /** Our microphone is off for this call; the call goes on. */
  readonly muted: boolean;
  readonly conference: boolean;
  /** Ringing without sound (DND silent mode). */
  readonly silent: boolean;
  readonly startedAt: number;
  readonly answeredAt?: number;
  readonly transfer?: { readonly to: string; readonly state: 'requested' | 'failed'; readonly reason?: string };
  /** DTMF digits the other party sent in this call (RTP events or SIP INFO), the last 32. */
  readonly dtmfReceived: string;
}

export interface CallControlSnapshot {
  readonly lines: number;
  readonly calls: readonly CallView[];
  /** The focused call is muted (the Mute key's lamp). */
  readonly muted: boolean;
  readonly offHook: boolean;
  readonly dnd: boolean;
  readonly forwarding: Readonly<Partial<Record<ForwardKind, string>>>;
  /** The local sound playing now (ringer, call-waiting beep, ringback, dial/busy/congestion tone), if any. */
  readonly sound?: LocalTone | 'ring';
  /** The last thing worth telling the user ("Busy", "Transfer failed: Declined"), until the next call starts. */
  /**
   * Why the last thing failed, for the screens: `kind` and `status` let them say it in the user's language;
   * `text` is the core's (or the network's) own words, shown when there is nothing better.
   */
  readonly notice?: CallNotice;
}

/** The facts of a call that ended, for the call log. */
export interface FinishedCall {
  readonly id: CallId;
  readonly line: number;
  readonly direction: 'incoming' | 'outgoing';
  readonly outcome: 'answered' | 'missed' | 'rejected' | 'busy' | 'failed' | 'cancelled' | 'forwarded';
  readonly remote: PartyInfo;
  readonly startedAt: number;
  readonly answeredAt?: number;
  readonly endedAt: number;
  readonly reason?: string;
}

/** What the core needs of the dial plan (src/phone/dial-plan.ts provides it). */
export interface DialTargets {
  /** Dialed input (digits or URI) → the SIP target to call. */
  toTarget(input: string): string;
}

export interface CallControlOptions {
  readonly config: CallsConfig;
  readonly signaling: CallSignaling;
  readonly audio: CallAudio;
  readonly clock: Clock;
  readonly dialPlan: DialTargets;
  /** Our own address of record: forwarding to ourselves is refused. */
  readonly ownAor: string;
  /** How long the busy/congestion tone plays after a failed call before the phone goes quiet (ms). */
  readonly failureToneMs?: number;
}

export interface CallNotice {
  readonly kind: 'call-failed' | 'hold-failed' | 'resume-failed' | 'transfer-failed';
  /** The SIP status that caused it, when one did. */
  readonly status?: number;
  readonly text: string;
  readonly callId?: CallId;
  readonly at: number;
}

export class CallError extends Error {
  constructor(
    readonly code: 'no-such-call' | 'bad-state' | 'no-free-line' | 'bad-target',
    message: string,
  ) {
    super(message);
    this.name = 'CallError';
  }
}

interface Call {
  id: CallId;
  line: number;
  direction: 'incoming' | 'outgoing';
  state: CallState;
  remote: PartyInfo;
  forwardedFrom?: IncomingCallInfo['forwardedFrom'];
  localHold: boolean;
  remoteHold: boolean;
  muted: boolean;
  conference: boolean;
  silent: boolean;
  startedAt: number;
  answeredAt?: number;
  redirects: number;
  /** How the call is ending, once we know (set before asking signaling so the outcome is ours). */
  outcome?: FinishedCall['outcome'];
  reason?: string;
  /** Feature-code call (PBX forwarding): not logged, hung up once the PBX answered. */
  service: boolean;
  transfer?: { to: string; state: 'requested' | 'failed'; reason?: string; peer?: CallId };
  dtmfReceived: string;
  /** We accepted a REFER in this call (transferee): the transferor ends it. */
  referredAway?: boolean;
  timers: TimerHandle[];
}

type Listener = (snapshot: CallControlSnapshot) => void;
type EndedListener = (call: FinishedCall) => void;

const SELF_USER = (aor: string): string => aor.replace(/^sips?:/i, '').split('@')[0]!.toLowerCase();

export class CallControl {
  readonly #o: CallControlOptions;
  readonly #calls = new Map<CallId, Call>();
  readonly #changed = new Set<Listener>();
  readonly #ended = new Set<EndedListener>();
  #nextId = 1;
  #offHook = false;
  #dnd: boolean;
  #forwarding: Partial<Record<ForwardKind, string>>;
  #notice: CallControlSnapshot['notice'];
  /** A failed outgoing call's busy/congestion tone, until this timer ends it. */
  #failureTone: { tone: LocalTone; timer: TimerHandle } | undefined;
  #lastSound: LocalTone | 'ring' | undefined;
  #lastAudible = '';
  #lastConference = '';
  #lastMuted = '';

  constructor(o: CallControlOptions) {
    this.#o = o;
    this.#dnd = o.config.dnd.enabled;
    // Boot-time forwarding from config goes through the same dial plan and self-check as the user's.
    this.#forwarding = {};
    const f = o.config.forwarding;
    for (const kind of ['always', 'busy', 'noAnswer'] as const) {
      const to = f[kind];
      if (to !== undefined) this.#forwarding[kind] = this.#forwardTarget(to);
    }
  }

  onChange(l: Listener): () => void {
    this.#changed.add(l);
    return () => this.#changed.delete(l);
  }

  onCallEnded(l: EndedListener): () => void {
    this.#ended.add(l);
    return () => this.#ended.delete(l);
  }

  snapshot(): CallControlSnapshot {
    return {
      lines: this.#o.config.lines,
      calls: [...this.#calls.values()].sort((a, b) => a.line - b.line).map(view),
      muted: this.#focusCall()?.muted ?? false,
      offHook: this.#offHook,
      dnd: this.#dnd,
      forwarding: { ...this.#forwarding },
      ...(this.#lastSound !== undefined ? { sound: this.#lastSound } : {}),
      ...(this.#notice ? { notice: this.#notice } : {}),
    };
  }

  // ---- user intents ------------------------------------------------------------------------------------

  /** Places a call to dialed input (digits through the dial plan, or a SIP URI). Holds the active call first. */
  dial(input: string): CallId {
    const trimmed = input.trim();
    if (trimmed.length === 0) throw new CallError('bad-target', 'nothing to dial');
    let target: string;
    try {
      target = this.#o.dialPlan.toTarget(trimmed);
    } catch (err) {
      throw new CallError('bad-target', `cannot dial ${JSON.stringify(trimmed)}: ${(err as Error).message}`);
    }
    return this.#placeCall(target, { display: trimmed });
  }

  /**
   * Directed pickup of a call ringing at a colleague's phone: an INVITE to the caller that replaces the early
   * dialog the busy lamp reported (RFC 3891, early-only), so the caller is connected here instead.
   */
  pickup(callerTarget: string, dialog: DialogRef): CallId {
    return this.#placeCall(callerTarget, { display: callerTarget, replacesDialog: { ...dialog, earlyOnly: true } });
  }

  /** Calls the last dialed target again (the caller passes it from the call log). */
  redial(target: string): CallId {
    return this.#placeCall(target, { display: target });
  }

  /** Answers the given (default: the ringing) call; the call in progress goes on hold. */
  answer(id?: CallId): void {
    const call = id === undefined ? this.#ringingCall() : this.#get(id);
    if (call === undefined) throw new CallError('no-such-call', 'no ringing call to answer');
    if (call.state !== 'ringing') throw new CallError('bad-state', `call ${call.id} is ${call.state}, not ringing`);
    this.#clearTimers(call);
    this.#holdOthers(call.id);
    this.#o.signaling.answer(call.id);
    this.#update();
  }

  /** Rejects a ringing call with the configured status (486 or 603). */
  reject(id?: CallId): void {
    const call = id === undefined ? this.#ringingCall() : this.#get(id);
    if (call === undefined) throw new CallError('no-such-call', 'no ringing call to reject');
    if (call.state !== 'ringing') throw new CallError('bad-state', `call ${call.id} is ${call.state}, not ringing`);
    call.outcome = 'rejected';
    this.#o.signaling.reject(call.id, this.#o.config.rejectStatus);
    this.#update();
  }

  /** Sends a ringing call elsewhere (the incoming-call screen's Forward). */
  deflect(id: CallId, to: string): void {
    const call = this.#get(id);
    if (call.state !== 'ringing') throw new CallError('bad-state', `call ${id} is ${call.state}, not ringing`);
    this.#redirect(call, this.#forwardTarget(to), 'deflection');
  }

  /** Ends a call (default: the active one, else the one being dialed, else the ringing one). */
  hangup(id?: CallId): void {
    const call = id === undefined ? this.#focusCall() ?? this.#ringingCall() : this.#get(id);
    if (call === undefined) throw new CallError('no-such-call', 'no call to hang up');
    if (call.direction === 'incoming' && call.state === 'ringing') {
      this.reject(call.id);
      return;
    }
    call.outcome ??= call.answeredAt !== undefined ? 'answered' : 'cancelled';
    this.#o.signaling.hangup(call.id);
    this.#update();
  }

  hold(id?: CallId): void {
    const call = id === undefined ? this.#focusCall() : this.#get(id);
    if (call === undefined) throw new CallError('no-such-call', 'no active call to hold');
    if (call.state !== 'connected') throw new CallError('bad-state', `call ${call.id} is ${call.state}; only connected calls can be held`);
    // Holding one leg of a conference holds the conference: the other leg would otherwise talk to no one.
    for (const c of call.conference ? this.#conferenceLegs() : [call]) this.#holdCall(c);
    this.#update();
  }

  resume(id?: CallId): void {
    const call = id === undefined ? [...this.#calls.values()].find((c) => c.localHold) : this.#get(id);
    if (call === undefined) throw new CallError('no-such-call', 'no held call to resume');
    if (call.state !== 'connected') throw new CallError('bad-state', `call ${call.id} is ${call.state}`);
    const legs = call.conference ? this.#conferenceLegs() : [call];
    this.#holdOthers(...legs.map((c) => c.id));
    for (const c of legs) {
      if (!c.localHold) continue;
      c.localHold = false;
      this.#o.signaling.resume(c.id);
    }
    this.#update();
  }

  /** Active ↔ held (the Swap key): holds the call in progress and resumes the held one. */
  swap(): void {
    const held = [...this.#calls.values()].find((c) => c.state === 'connected' && c.localHold && !c.conference);
    if (held === undefined) throw new CallError('no-such-call', 'no held call to swap to');
    this.resume(held.id);
  }

  /** Toggles (or sets) the microphone for a call (default: the focused one); the call goes on. */
  mute(id?: CallId, on?: boolean): void {
    const call = id === undefined ? this.#focusCall() : this.#get(id);
    if (call === undefined) throw new CallError('no-such-call', 'no call to mute');
    call.muted = on ?? !call.muted;
    this.#update();
  }

  sendDtmf(digits: string, id?: CallId): void {
    if (!/^[0-9*#A-Da-d]+$/.test(digits)) throw new CallError('bad-target', `not DTMF digits: ${JSON.stringify(digits)}`);
    const call = id === undefined ? this.#focusCall() : this.#get(id);
    if (call === undefined || (call.state !== 'connected' && call.state !== 'early-media')) {
      throw new CallError('no-such-call', 'DTMF needs a connected call');
    }
    this.#o.signaling.sendDtmf(call.id, digits);
  }

  /** Blind transfer: the other party of `id` is sent to `target` (REFER); the call is held meanwhile. */
  transfer(id: CallId, target: string): void {
    const call = this.#connected(id);
    let to: string;
    try {
      to = this.#o.dialPlan.toTarget(target.trim());
    } catch (err) {
      throw new CallError('bad-target', `cannot transfer to ${JSON.stringify(target)}: ${(err as Error).message}`);
    }
    if (!call.localHold) this.#holdCall(call);
    call.transfer = { to, state: 'requested' };
    this.#o.signaling.transfer(call.id, to);
    this.#update();
  }

  /** Attended transfer: connects the parties of `id` and `to` (REFER with Replaces), then leaves both. */
  transferTo(id: CallId, to: CallId): void {
    if (id === to) throw new CallError('bad-state', 'a call cannot be transferred to itself');
    const call = this.#connected(id);
    const target = this.#connected(to);
    if (!call.localHold) this.#holdCall(call);
    call.transfer = { to: target.remote.uri, state: 'requested', peer: target.id };
    this.#o.signaling.transferReplacing(call.id, target.id);
    this.#update();
  }

  /** Merges the active call and a held call into a three-way conference (this phone mixes). */
  conference(a?: CallId, b?: CallId): void {
    const connected = [...this.#calls.values()].filter((c) => c.state === 'connected');
    const legs = a !== undefined && b !== undefined ? [this.#connected(a), this.#connected(b)] : connected.slice(0, 2);
    if (legs.length < 2 || legs[0] === legs[1]) throw new CallError('bad-state', 'a conference needs two connected calls');
    this.#holdOthers(...legs.map((c) => c.id));
    for (const c of legs) {
      c.conference = true;
      if (c.localHold) {
        c.localHold = false;
        this.#o.signaling.resume(c.id);
      }
    }
    this.#update();
  }

  /** Ends the conference but keeps both calls: the other leg is held (the Split key). */
  split(): void {
    const legs = this.#conferenceLegs();
    if (legs.length === 0) throw new CallError('bad-state', 'no conference');
    for (const c of legs) c.conference = false;
    for (const c of legs.slice(1)) this.#holdCall(c);
    this.#update();
  }

  /** Forgets the last notice and stops a failure tone (kiosk idle reset; a new call does it too). */
  clearNotice(): void {
    this.#stopFailureTone();
    this.#notice = undefined;
    this.#update();
  }

  setDnd(on: boolean): void {
    this.#dnd = on;
    this.#update();
  }

  /**
   * Sets or clears one kind of forwarding. In 'phone' mode the phone answers INVITEs with 302; in 'pbx'
   * mode it places a call to the PBX's feature code (code + target) and the PBX forwards.
   */
  setForwarding(kind: ForwardKind, target: string | undefined): void {
    const to = target === undefined || target.trim() === '' ? undefined : this.#forwardTarget(target);
    if (to === undefined) delete this.#forwarding[kind];
    else this.#forwarding[kind] = to;
    const f = this.#o.config.forwarding;
    if (f.mode === 'pbx') {
      const codes = f.codes;
      const code = { always: [codes.alwaysOn, codes.alwaysOff], busy: [codes.busyOn, codes.busyOff], noAnswer: [codes.noAnswerOn, codes.noAnswerOff] }[kind];
      const digits = to === undefined ? code[1]! : `${code[0]!}${target!.trim()}`;
      this.#placeCall(this.#o.dialPlan.toTarget(digits), { display: digits, service: true });
    }
    this.#update();
  }

  /** Hook switch (handset lifted or put down). */
  hook(offHook: boolean): void {
    if (offHook === this.#offHook) return;
    this.#offHook = offHook;
    if (offHook) {
      const ringing = this.#ringingCall();
      if (ringing !== undefined) this.answer(ringing.id);
      else if (this.#calls.size === 0 && this.#o.config.hotline !== undefined) this.dial(this.#o.config.hotline);
    } else {
      this.#stopFailureTone();
      // Hanging up ends what the user talks to (both conference legs); held calls stay (and remind).
      const focus = this.#focusCall();
      const legs = focus?.conference ? this.#conferenceLegs() : focus ? [focus] : [];
      for (const c of legs) this.hangup(c.id);
    }
    this.#update();
  }

  // ---- network signals ---------------------------------------------------------------------------------

  signalIncoming(id: CallId, info: IncomingCallInfo): void {
    if (this.#calls.has(id)) return;
    const cfg = this.#o.config;
    const replaced = info.replaces !== undefined ? this.#calls.get(info.replaces) : undefined;
    const line = replaced?.line ?? this.#freeLine();
    const call = this.#newCall(id, 'incoming', info.remote, line ?? 0);
    if (info.forwardedFrom) call.forwardedFrom = info.forwardedFrom;
    call.state = 'ringing';

    // RFC 3891: an INVITE replacing a call we are in takes its place without ringing (we are the
    // transfer target of an attended transfer, or a pickup of our own call).
    if (replaced !== undefined) {
      this.#calls.set(id, call);
      this.#o.signaling.answer(id);
      this.#update();
      return;
    }

    const mayForward = info.diversions < cfg.maxDiversions && cfg.forwarding.mode === 'phone';
    const busy = line === undefined || (!cfg.callWaiting && this.#hasCallInProgress());
    this.#calls.set(id, call);
    if (mayForward && this.#forwarding.always !== undefined) {
      this.#redirect(call, this.#forwarding.always, 'unconditional');
    } else if (busy || (this.#dnd && cfg.dnd.mode === 'reject')) {
      const reason: DiversionInfo['reason'] = busy ? 'user-busy' : 'do-not-disturb';
      if (mayForward && this.#forwarding.busy !== undefined) this.#redirect(call, this.#forwarding.busy, reason);
      else {
        call.outcome = busy ? 'busy' : 'rejected';
        call.reason = busy ? 'All lines busy' : 'Do not disturb';
        this.#o.signaling.reject(id, 486);
      }
    } else {
      call.silent = this.#dnd; // DND 'silent': it rings on screen only
      if (mayForward && this.#forwarding.noAnswer !== undefined) {
        const to = this.#forwarding.noAnswer;
        call.timers.push(this.#o.clock.setTimer(cfg.forwarding.noAnswerS * 1000, () => {
          if (call.state === 'ringing' && this.#calls.get(id) === call) this.#redirect(call, to, 'no-answer');
        }));
      }
      const autoAfter = cfg.autoAnswer.enabled ? cfg.autoAnswer.delayS : cfg.autoAnswer.honorRequests ? info.answerAfterS : undefined;
      // Auto-answer never barges into a call in progress: the user answers the second call by hand.
      if (autoAfter !== undefined && !this.#hasCallInProgress()) {
        call.timers.push(this.#o.clock.setTimer(autoAfter * 1000, () => {
          if (call.state === 'ringing' && this.#calls.get(id) === call && !this.#hasCallInProgress()) this.answer(id);
        }));
      }
    }
    this.#update();
  }

  /** Provisional response: remote ringing (180) or early media (183 with SDP). */
  signalProgress(id: CallId, progress: { readonly earlyMedia: boolean }): void {
    const call = this.#calls.get(id);
    if (call === undefined || call.direction !== 'outgoing' || call.state === 'connected') return;
    call.state = progress.earlyMedia ? 'early-media' : 'ringback';
    this.#update();
  }

  signalConnected(id: CallId): void {
    const call = this.#calls.get(id);
    if (call === undefined || call.state === 'connected') return;
    this.#clearTimers(call);
    call.state = 'connected';
    call.answeredAt = this.#o.clock.now();
    // Only one call talks at a time: a call answered by signaling (replacement, transferee's new call)
    // holds the others, as answering by hand does.
    if (!call.localHold) this.#holdOthers(call.id);
    if (call.service) {
      // The PBX confirmed the feature code (its tone plays); hang up shortly like a user would.
      call.timers.push(this.#o.clock.setTimer(2000, () => this.#calls.has(id) && this.hangup(id)));
    }
    this.#update();
  }

  signalEnded(id: CallId, info: CallEndInfo): void {
    const call = this.#calls.get(id);
    if (call === undefined) return;
    this.#clearTimers(call);
    this.#calls.delete(id);

    const status = info.status;
    if (call.direction === 'outgoing' && status !== undefined && status >= 300 && status < 400) {
      const next = info.redirectTo?.[0];
      if (next !== undefined && call.redirects < this.#o.config.redirectLimit) {
        const newId = this.#newId('o');
        const follow = this.#newCall(newId, 'outgoing', { uri: next }, call.line);
        Object.assign(follow, { redirects: call.redirects + 1, startedAt: call.startedAt, service: call.service });
        this.#calls.set(newId, follow);
        this.#o.signaling.dial(newId, next);
        this.#update();
        return;
      }
      info = { ...info, reason: next === undefined ? 'Redirected nowhere' : 'Too many redirects' };
    }

    const outcome = call.outcome ?? this.#outcomeOf(call, info);
    const reason = call.reason ?? info.reason;
    if (call.answeredAt === undefined && call.direction === 'outgoing' && info.originator !== 'local' && !call.service) {
      this.#notice = { kind: 'call-failed', ...(status !== undefined ? { status } : {}), text: reason ?? 'Call failed', callId: id, at: this.#o.clock.now() };
      // The caller hears why the call failed, as on any phone: busy tone for busy, congestion otherwise.
      const tone: LocalTone = status === 486 || status === 600 ? 'busy' : 'congestion';
      this.#startFailureTone(tone);
    }
    if (call.transfer?.peer !== undefined) {
      const peer = this.#calls.get(call.transfer.peer);
      if (peer?.transfer) delete peer.transfer;
    }
    // A leg that leaves a conference leaves the other as a plain call.
    if (call.conference) for (const c of this.#conferenceLegs()) c.conference = false;

    if (!call.service) {
      const finished: FinishedCall = {
        id, line: call.line, direction: call.direction, outcome, remote: call.remote,
        startedAt: call.startedAt, endedAt: this.#o.clock.now(),
        ...(call.answeredAt !== undefined ? { answeredAt: call.answeredAt } : {}),
        ...(reason !== undefined ? { reason } : {}),
      };
      for (const l of this.#ended) l(finished);
    }
    this.#update();
  }

  /** The remote party put us on hold or took us off it (re-INVITE with sendonly/inactive). */
  signalRemoteHold(id: CallId, held: boolean): void {
    const call = this.#calls.get(id);
    if (call === undefined) return;
    call.remoteHold = held;
    this.#update();
  }

  /** Our hold or resume was refused by the other side: the call stays as it was, and the user is told. */
  signalHoldFailed(id: CallId, hold: boolean): void {
    const call = this.#calls.get(id);
    if (call === undefined) return;
    call.localHold = !hold;
    this.#notice = { kind: hold ? 'hold-failed' : 'resume-failed', text: hold ? 'Hold failed' : 'Resume failed', callId: id, at: this.#o.clock.now() };
    this.#update();
  }

  /** The other party asks us (transferee) to call `target` (REFER). */
  signalRefer(id: CallId, referId: string, target: string): void {
    const call = this.#calls.get(id);
    if (call === undefined || call.state !== 'connected' || !this.#o.config.acceptTransfer) {
      this.#o.signaling.rejectRefer(id, referId);
      return;
    }
    const newId = this.#newId('o');
    const line = this.#freeLine() ?? call.line;
    call.referredAway = true;
    const next = this.#newCall(newId, 'outgoing', { uri: target }, line);
    this.#calls.set(newId, next);
    this.#o.signaling.acceptRefer(id, referId, newId);
    this.#update();
  }

  /** A DTMF digit from the other party (IVR prompts in reverse, door openers, paging codes). */
  signalDtmf(id: CallId, digit: string): void {
    const call = this.#calls.get(id);
    if (call === undefined || !/^[0-9*#A-D]$/i.test(digit)) return;
    call.dtmfReceived = (call.dtmfReceived + digit.toUpperCase()).slice(-32);
    this.#update();
  }

  /** NOTIFY of our REFER's outcome (message/sipfrag status). */
  signalTransferProgress(id: CallId, status: number, reason?: string): void {
    const call = this.#calls.get(id);
    if (call?.transfer === undefined || status < 200) return;
    if (status < 300) {
      // Transferred: our part is over. The other leg of an attended transfer is replaced by the target,
      // which ends it; if the target does not, we end it ourselves after a grace period.
      call.outcome = 'answered';
      const peer = call.transfer.peer;
      this.#o.signaling.hangup(id);
      if (peer !== undefined) {
        const p = this.#calls.get(peer);
        if (p) p.timers.push(this.#o.clock.setTimer(5000, () => this.#calls.has(peer) && this.hangup(peer)));
      }
    } else {
      // RFC 5589 §6.1: a failed transfer leaves the transferor with the call; bring the caller back.
      call.transfer = { ...call.transfer, state: 'failed', reason: reason ?? `error ${status}` };
      this.#notice = { kind: 'transfer-failed', ...(status !== undefined ? { status } : {}), text: `Transfer failed: ${reason ?? status}`, callId: id, at: this.#o.clock.now() };
      if (call.state === 'connected' && call.localHold && !this.#hasCallInProgress()) this.resume(id);
    }
    this.#update();
  }

  // ---- internals ---------------------------------------------------------------------------------------

  #placeCall(target: string, o: { display: string; service?: boolean; replacesDialog?: DialogRef }): CallId {
    const line = this.#freeLine();
    if (line === undefined) throw new CallError('no-free-line', 'all lines are in use');
    this.#stopFailureTone();
    this.#notice = undefined;
    this.#holdOthers();
    const id = this.#newId('o');
    const call = this.#newCall(id, 'outgoing', { uri: target, ...(/^\+?[\d*#]+$/.test(o.display) ? { number: o.display } : {}) }, line);
    call.service = o.service ?? false;
    this.#calls.set(id, call);
    if (o.replacesDialog) this.#o.signaling.dial(id, target, { replacesDialog: o.replacesDialog });
    else this.#o.signaling.dial(id, target);
    this.#update();
    return id;
  }

  #redirect(call: Call, to: string, reason: DiversionInfo['reason']): void {
    this.#clearTimers(call);
    call.outcome = 'forwarded';
    call.reason = `Forwarded to ${to}`;
    this.#o.signaling.redirect(call.id, to, { uri: this.#o.ownAor, reason });
    this.#update();
  }

  #forwardTarget(input: string): string {
    let to: string;
    try {
      to = this.#o.dialPlan.toTarget(input.trim());
    } catch (err) {
      throw new CallError('bad-target', `cannot forward to ${JSON.stringify(input)}: ${(err as Error).message}`);
    }
    // Forwarding to ourselves would loop through the PBX until max-forwards; refuse it up front.
    const user = to.replace(/^sips?:/i, '').split('@')[0]!.toLowerCase();
    if (user === SELF_USER(this.#o.ownAor) || input.trim().toLowerCase() === SELF_USER(this.#o.ownAor)) {
      throw new CallError('bad-target', 'cannot forward calls to this phone itself');
    }
    return to;
  }

  #holdCall(c: Call): void {
    // A call we were asked to leave (REFER as transferee) is being ended by the transferor: a hold
    // re-INVITE now would only cross its BYE.
    if (c.localHold || c.state !== 'connected' || c.referredAway) return;
    c.localHold = true;
    this.#o.signaling.hold(c.id);
  }

  /** Holds every connected call that is not one of `keep` (one conversation at a time). */
  #holdOthers(...keep: CallId[]): void {
    for (const c of this.#calls.values()) if (!keep.includes(c.id)) this.#holdCall(c);
  }

  #newCall(id: CallId, direction: Call['direction'], remote: PartyInfo, line: number): Call {
    return {
      id, line, direction, remote, state: 'dialing', localHold: false, remoteHold: false, muted: false, conference: false, silent: false,
      startedAt: this.#o.clock.now(), redirects: 0, service: false, dtmfReceived: '', timers: [],
    };
  }

  #newId(prefix: string): CallId {
    let id: string;
    do id = `${prefix}${this.#nextId++}`;
    while (this.#calls.has(id));
    return id;
  }

  #freeLine(): number | undefined {
    const used = new Set([...this.#calls.values()].map((c) => c.line));
    for (let l = 1; l <= this.#o.config.lines; l++) if (!used.has(l)) return l;
    return undefined;
  }

  #get(id: CallId): Call {
    const call = this.#calls.get(id);
    if (call === undefined) throw new CallError('no-such-call', `no call ${id}`);
    return call;
  }

  #connected(id: CallId): Call {
    const call = this.#get(id);
    if (call.state !== 'connected') throw new CallError('bad-state', `call ${id} is ${call.state}, not connected`);
    return call;
  }

  #ringingCall(): Call | undefined {
    return [...this.#calls.values()].find((c) => c.state === 'ringing');
  }

  /** The call the user is talking to or dialing: connected and not held, or outgoing in progress. */
  #focusCall(): Call | undefined {
    const calls = [...this.#calls.values()];
    return calls.find((c) => c.state === 'connected' && !c.localHold) ?? calls.find((c) => c.direction === 'outgoing' && c.state !== 'connected');
  }

  #hasCallInProgress(): boolean {
    return [...this.#calls.values()].some((c) => (c.state === 'connected' && !c.localHold) || (c.direction === 'outgoing' && c.state !== 'connected'));
  }

  #conferenceLegs(): Call[] {
    return [...this.#calls.values()].filter((c) => c.conference);
  }

  #outcomeOf(call: Call, info: CallEndInfo): FinishedCall['outcome'] {
    if (call.answeredAt !== undefined) return 'answered';
    if (call.direction === 'incoming') return 'missed';
    if (info.originator === 'local') return 'cancelled';
    return info.status === 486 || info.status === 600 ? 'busy' : 'failed';
  }

  #clearTimers(call: Call): void {
    for (const t of call.timers) this.#o.clock.clearTimer(t);
    call.timers = [];
  }

  #startFailureTone(tone: LocalTone): void {
    this.#stopFailureTone();
    const timer = this.#o.clock.setTimer(this.#o.failureToneMs ?? 3000, () => {
      this.#failureTone = undefined;
      this.#update();
    });
    this.#failureTone = { tone, timer };
  }

  #stopFailureTone(): void {
    if (this.#failureTone) this.#o.clock.clearTimer(this.#failureTone.timer);
    this.#failureTone = undefined;
  }

  /** The one local sound that fits the state (ringer, call-waiting beep, ringback, dial or failure tone). */
  #sound(): LocalTone | 'ring' | undefined {
    const calls = [...this.#calls.values()];
    const ringing = calls.filter((c) => c.state === 'ringing' && !c.silent && c.outcome === undefined);
    const talking = this.#hasCallInProgress();
    if (ringing.length > 0) return talking ? 'callWaiting' : 'ring';
    const focus = this.#focusCall();
    if (focus?.state === 'ringback') return 'ringback';
    if (focus !== undefined) return undefined;
    if (this.#failureTone) return this.#failureTone.tone;
    if (this.#offHook && calls.length === 0) return 'dial';
    return undefined;
  }

  #update(): void {
    const sound = this.#sound();
    if (sound !== this.#lastSound) {
      this.#lastSound = sound;
      this.#o.audio.play(sound);
    }
    const conference = this.#conferenceLegs().map((c) => c.id);
    const confKey = conference.join(',');
    if (confKey !== this.#lastConference) {
      this.#lastConference = confKey;
      this.#o.audio.setConference(conference);
    }
    const audible = [...this.#calls.values()]
      .filter((c) => (c.state === 'connected' && !c.localHold) || c.state === 'early-media')
      .map((c) => c.id);
    const audibleKey = audible.join(',');
    if (audibleKey !== this.#lastAudible) {
      this.#lastAudible = audibleKey;
      this.#o.audio.setAudible(audible);
    }
    const muted = [...this.#calls.values()].filter((c) => c.muted).map((c) => c.id);
    const mutedKey = muted.join(',');
    if (mutedKey !== this.#lastMuted) {
      this.#lastMuted = mutedKey;
      this.#o.audio.setMuted(muted);
    }
    const snap = this.snapshot();
    for (const l of this.#changed) l(snap);
  }
}

function view(c: Call): CallView {
  return {
    id: c.id, line: c.line, direction: c.direction, state: c.state, remote: c.remote,
    ...(c.forwardedFrom ? { forwardedFrom: c.forwardedFrom } : {}),
    held: c.localHold, remoteHold: c.remoteHold, muted: c.muted, conference: c.conference, silent: c.silent,
    startedAt: c.startedAt,
    ...(c.answeredAt !== undefined ? { answeredAt: c.answeredAt } : {}),
    ...(c.transfer ? { transfer: { to: c.transfer.to, state: c.transfer.state, ...(c.transfer.reason ? { reason: c.transfer.reason } : {}) } } : {}),
    dtmfReceived: c.dtmfReceived,
  };
}
