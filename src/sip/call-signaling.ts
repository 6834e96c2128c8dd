/**
 * Calls over JsSIP: the signaling port of the call core (src/phone/call-ports.ts CallSignaling, matched
 * structurally — src/sip does not import src/phone) plus the events the core is told. One JsSIP RTCSession
 * per call id; ids for our calls come from the core, ids for the network's calls are made here ("i1"…).
 *
 * JsSIP does the dialogs, re-INVITEs, REFER subscriptions and Replaces matching; this adapter translates its
 * session events into call facts (who is calling, early media, remote hold, redirect targets, transfer
 * progress) with the parsers of call-headers.ts, and picks the DTMF transport.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { createLogger } from '../util/log.js';
import { answerAfter, buildDiversion, buildReplaces, callerIdentity, forwardedFrom, reasonText, referToWithReplaces, splitHeaderList, type ReplacesSpec } from './call-headers.js';

const log = createLogger('calls');

/** The parts of JsSIP's message objects we read (its typings are incomplete). */
interface SipMessage {
  readonly status_code?: number;
  readonly reason_phrase?: string;
  readonly body?: string;
  getHeader(name: string): string | undefined;
  getHeaders(name: string): string[];
  hasHeader(name: string): boolean;
}

interface ReferEvent {
  readonly request: SipMessage & { readonly refer_to?: { readonly uri: { toString(): string; clone(): { clearHeaders(): void; toString(): string } } } };
  accept(initCallback?: (session: JsSipSession) => void, options?: Record<string, unknown>): void;
  reject(): void;
}

export interface JsSipSession extends NodeJS.EventEmitter {
  readonly connection?: unknown;
  readonly remote_identity?: { readonly uri: { toString(): string } };
  answer(options: Record<string, unknown>): void;
  terminate(options?: Record<string, unknown>): void;
  hold(options?: Record<string, unknown>, done?: () => void): boolean;
  unhold(options?: Record<string, unknown>, done?: () => void): boolean;
  sendDTMF(tones: string, options?: Record<string, unknown>): void;
  refer(target: string, options?: Record<string, unknown>): NodeJS.EventEmitter | false;
  isEnded(): boolean;
}

/** JsSIP internals the re-INVITE path uses (pinned JsSIP 3.13.8; covered by the glare interop test). */
interface JsSipReoffer {
  _localHold: boolean;
  readonly direction: 'incoming' | 'outgoing';
  isReadyToReOffer(): boolean;
  _onhold(originator: 'local'): void;
  _onunhold(originator: 'local'): void;
  _sendReinvite(options: { eventHandlers: { succeeded(): void; failed(response?: SipMessage): void } }): void;
}

export interface CallingUa extends NodeJS.EventEmitter {
  call(target: string, options: Record<string, unknown>): JsSipSession;
}

/** Mirrors src/phone/call-ports.ts (structural: the core's types fit these). */
export interface SignalIncomingInfo {
  remote: { uri: string; name?: string; number?: string; private?: boolean };
  forwardedFrom?: { uri: string; name?: string; reason?: string };
  diversions: number;
  answerAfterS?: number;
  replaces?: string;
}

export interface SignalEndInfo {
  originator: 'local' | 'remote' | 'system';
  status?: number;
  reason?: string;
  redirectTo?: string[];
}

export interface CallSignalingEvents {
  incoming: [id: string, info: SignalIncomingInfo];
  progress: [id: string, progress: { earlyMedia: boolean }];
  connected: [id: string];
  ended: [id: string, info: SignalEndInfo];
  remoteHold: [id: string, held: boolean];
  refer: [id: string, referId: string, target: string];
  transferProgress: [id: string, status: number, reason?: string];
  /** DTMF the peer sent by SIP INFO (RFC 4733 digits come from the media engine). */
  dtmf: [id: string, digit: string];
  /** A hold/resume re-INVITE was refused (not 491, 408, 481): the call goes on in its previous state. */
  reofferFailed: [id: string, hold: boolean, status?: number];
  /** Every new session, for the media engine's attachSession. */
  session: [id: string, session: JsSipSession];
}

export interface CallSignalingOptions {
  /** A fresh local audio stream per call (media's createPhoneMediaStream; app passes it in). */
  readonly mediaStream: () => unknown;
  /** JsSIP's pcConfig for every call (names this phone's media engine when several phones share a process). */
  readonly pcConfig?: object;
  /** 'rfc4733' sends DTMF in RTP (falls back to INFO when the peer has no telephone-event); 'info' always INFO. */
  readonly dtmf: 'rfc4733' | 'info';
}

const MEDIA_CONSTRAINTS = { audio: true, video: false };

/**
 * JsSIP handles a 491 to a re-INVITE itself: it resends the very same request after a fixed 1 s — with the
 * refused request's CSeq (it bumps the number but not the header; RFC 3261 §12.2.1.1 wants a higher one) and
 * without §14.1's backoff (2.1–4 s when we chose the Call-ID) — and tells the session only about a second 491.
 * For the hold/resume re-INVITEs #reoffer sends (their dialogs are in this set while one is in flight) the
 * first 491 goes straight to the session's failure handler instead, so #reoffer retries with a fresh
 * re-INVITE after the RFC's delay. Pinned JsSIP 3.13.8 internals (jssip/lib/Dialog/RequestSender.js).
 */
const reofferDialogs = new WeakSet<object>();
{
  interface DialogRequestSender {
    _reattempt: boolean;
    readonly _dialog: object;
    _receiveResponse: (this: DialogRequestSender, response: { readonly status_code?: number }) => void;
  }
  const sender = (createRequire(import.meta.url)('jssip/lib/Dialog/RequestSender.js') as { prototype: DialogRequestSender }).prototype;
  const jssipReceiveResponse = sender._receiveResponse;
  sender._receiveResponse = function (this: DialogRequestSender, response) {
    if (response.status_code === 491 && reofferDialogs.has(this._dialog)) this._reattempt = true; // → onErrorResponse
    jssipReceiveResponse.call(this, response);
  };
}

/**
 * Directed pickup of a call we placed (RFC 3891 §3): an INVITE whose Replaces names our *early* outgoing
 * dialog (a colleague picks up the call ringing at the phone we called) must be accepted, and the original
 * INVITE cancelled once the new call is up. JsSIP replaces only confirmed dialogs and answers 403 to this
 * one, so for an outgoing session in its early state we raise the same 'replaces' event JsSIP raises for a
 * confirmed one, with an accept that JsSIP's own refuses in this state. Pinned JsSIP 3.13.8 internals
 * (jssip/lib/RTCSession.js: receiveRequest, _status, _direction, _ua, init_incoming).
 */
{
  interface SessionInternals {
    _status: number;
    _direction: string | null;
    _ua: unknown;
    terminate(): void;
    emit(event: string, data: unknown): boolean;
    receiveRequest: (this: SessionInternals, request: { method: string; hasHeader(name: string): boolean; reply(code: number): void }) => void;
  }
  type SessionClass = { new (ua: unknown): SessionInternals & { on(ev: string, fn: () => void): void; init_incoming(req: unknown, cb?: unknown): void }; prototype: SessionInternals; C: { STATUS_1XX_RECEIVED: number } };
  const RTCSession = createRequire(import.meta.url)('jssip/lib/RTCSession.js') as SessionClass;
  const jssipReceiveRequest = RTCSession.prototype.receiveRequest;
  RTCSession.prototype.receiveRequest = function (this: SessionInternals, request) {
    if (request.method !== 'INVITE' || !request.hasHeader('replaces') || this._direction !== 'outgoing' || this._status !== RTCSession.C.STATUS_1XX_RECEIVED) {
      return jssipReceiveRequest.call(this, request);
    }
    this.emit('replaces', {
      request,
      accept: (initCallback?: unknown) => {
        const session = new RTCSession(this._ua);
        session.on('confirmed', () => this.terminate()); // CANCEL of the original INVITE
        session.init_incoming(request, initCallback);
      },
      reject: () => request.reply(486),
    });
  };
}

/** The URI inside a Contact/Refer-To value ("<sip:a@b>;expires=…" → "sip:a@b"). */
function uriOf(value: string): string {
  const m = /<([^>]*)>/.exec(value);
  return (m ? m[1]! : value.split(';')[0]!).trim();
}

export class JsSipCallSignaling extends EventEmitter<CallSignalingEvents> {
  readonly #ua: CallingUa;
  readonly #o: CallSignalingOptions;
  readonly #sessions = new Map<string, JsSipSession>();
  readonly #refers = new Map<string, { callId: string; event: ReferEvent }>();
  /** Requests of INVITEs with Replaces we accepted, → the id of the call they replace. */
  readonly #replacing = new WeakMap<object, string>();
  #pendingLocalId: string | undefined;
  #incoming = 0;
  #referCount = 0;

  constructor(ua: CallingUa, o: CallSignalingOptions) {
    super();
    this.#ua = ua;
    this.#o = o;
    ua.on('newRTCSession', (e: { originator: string; session: JsSipSession; request?: SipMessage }) => this.#onNewSession(e));
  }

  /** The call's JsSIP session (the media engine maps its peer connection to the call). */
  session(id: string): JsSipSession | undefined {
    return this.#sessions.get(id);
  }

  // ---- CallSignaling -----------------------------------------------------------------------------------

  dial(id: string, target: string, options: { replaces?: string; replacesDialog?: ReplacesSpec } = {}): void {
    const extraHeaders: string[] = [];
    const dialog = options.replacesDialog ?? (options.replaces !== undefined ? this.#dialogOf(options.replaces) : undefined);
    const replaces = dialog ? buildReplaces(dialog) : undefined;
    if (replaces !== undefined) extraHeaders.push(`Replaces: ${replaces}`);
    this.#pendingLocalId = id;
    try {
      this.#ua.call(target, { ...this.#media(), extraHeaders });
    } catch (err) {
      // JsSIP throws on a target it cannot make a URI of: the call fails like any other, asynchronously.
      log.warn(`${id}: cannot call ${target}: ${(err as Error).message}`);
      queueMicrotask(() => this.emit('ended', id, { originator: 'system', reason: 'Invalid number' }));
    } finally {
      this.#pendingLocalId = undefined;
    }
  }

  answer(id: string): void {
    this.#with(id, 'answer', (s) => s.answer(this.#media()));
  }

  reject(id: string, status: number): void {
    this.#with(id, 'reject', (s) => s.terminate({ status_code: status }));
  }

  redirect(id: string, to: string, diversion: { uri: string; reason: 'unconditional' | 'user-busy' | 'no-answer' | 'do-not-disturb' | 'deflection' }): void {
    const div = buildDiversion({ uri: diversion.uri, reason: diversion.reason });
    this.#with(id, 'redirect', (s) =>
      s.terminate({
        status_code: 302,
        reason_phrase: 'Moved Temporarily',
        extraHeaders: [`Contact: <${to}>`, ...(div !== undefined ? [`Diversion: ${div}`] : [])],
      }),
    );
  }

  hangup(id: string): void {
    this.#with(id, 'hang up', (s) => {
      if (!s.isEnded()) s.terminate();
    });
  }

  hold(id: string): void {
    this.#reoffer(id, true);
  }

  resume(id: string): void {
    this.#reoffer(id, false);
  }

  sendDtmf(id: string, digits: string): void {
    this.#with(id, 'DTMF', (s) => {
      if (this.#o.dtmf === 'rfc4733') {
        try {
          s.sendDTMF(digits, { transportType: 'RFC2833', duration: 100, interToneGap: 70 });
          return;
        } catch (err) {
          // The peer did not offer telephone-event: INFO (application/dtmf-relay) is the fallback.
          log.debug(`${id}: RTP DTMF not possible (${(err as Error).message}); using SIP INFO`);
        }
      }
      s.sendDTMF(digits, { transportType: 'INFO', duration: 100, interToneGap: 70 });
    });
  }

  transfer(id: string, target: string): void {
    this.#refer(id, target);
  }

  /**
   * Refer-To names the consultation party with Replaces of *that* dialog as the party will see it: its
   * to-tag is our remote tag (RFC 3891 §3). Built here from the dialog, not by JsSIP's refer({replaces}),
   * which writes the tags of a call we received the wrong way round.
   */
  transferReplacing(id: string, to: string): void {
    const other = this.#sessions.get(to);
    const dialog = this.#dialogOf(to);
    const target = other?.remote_identity && dialog ? referToWithReplaces(other.remote_identity.uri.toString(), dialog) : undefined;
    if (target === undefined) {
      queueMicrotask(() => this.emit('transferProgress', id, 481, 'Consultation call gone'));
      return;
    }
    this.#refer(id, target);
  }

  /** The call's dialog as the Replaces header of its remote party needs it. */
  #dialogOf(id: string): ReplacesSpec | undefined {
    const d = (this.#sessions.get(id) as { _dialog?: { id?: { call_id: string; local_tag: string; remote_tag: string } } } | undefined)?._dialog?.id;
    return d ? { callId: d.call_id, toTag: d.remote_tag, fromTag: d.local_tag } : undefined;
  }

  acceptRefer(id: string, referId: string, newId: string): void {
    const refer = this.#refers.get(referId)?.event;
    this.#refers.delete(referId);
    if (refer === undefined) {
      queueMicrotask(() => this.emit('ended', newId, { originator: 'system', reason: 'Transfer request gone' }));
      return;
    }
    // RFC 3892 §3: the triggered INVITE carries the REFER's Referred-By (JsSIP copies only Replaces), so the
    // target can tell who sent the caller (and an attended-transfer target can check it).
    const referredBy = refer.request.getHeader('Referred-By');
    this.#pendingLocalId = newId;
    try {
      refer.accept(undefined, { ...this.#media(), ...(referredBy ? { extraHeaders: [`Referred-By: ${referredBy}`] } : {}) });
    } catch (err) {
      log.warn(`${id}: cannot follow the transfer: ${(err as Error).message}`);
      queueMicrotask(() => this.emit('ended', newId, { originator: 'system', reason: 'Transfer failed' }));
    } finally {
      this.#pendingLocalId = undefined;
    }
    // JsSIP's accept() refuses silently when the call is no longer confirmed: no session was made then.
    if (!this.#sessions.has(newId)) queueMicrotask(() => this.#sessions.has(newId) || this.emit('ended', newId, { originator: 'system', reason: 'Transfer failed' }));
  }

  rejectRefer(_id: string, referId: string): void {
    this.#refers.get(referId)?.event.reject();
    this.#refers.delete(referId);
  }

  #media(): Record<string, unknown> {
    return { mediaStream: this.#o.mediaStream(), mediaConstraints: MEDIA_CONSTRAINTS, ...(this.#o.pcConfig ? { pcConfig: this.#o.pcConfig } : {}) };
  }

  // ---- JsSIP events ------------------------------------------------------------------------------------

  #onNewSession(e: { originator: string; session: JsSipSession; request?: SipMessage }): void {
    const session = e.session;
    const local = e.originator === 'local';
    const id = local ? this.#pendingLocalId ?? `o-unknown-${++this.#incoming}` : `i${++this.#incoming}`;
    this.#sessions.set(id, session);
    this.emit('session', id, session);
    this.#watch(id, session);
    if (local) return;

    const request = e.request;
    if (request === undefined) return;
    const info: SignalIncomingInfo = { remote: { uri: session.remote_identity?.uri.toString() ?? 'sip:unknown@invalid' }, diversions: 0 };
    try {
      const who = callerIdentity({
        pAssertedIdentity: request.getHeaders('P-Asserted-Identity'),
        remotePartyId: request.getHeaders('Remote-Party-ID'),
        from: request.getHeader('From') ?? '',
        privacy: request.getHeader('Privacy'),
      });
      if (who) info.remote = { uri: who.uri, ...(who.name ? { name: who.name } : {}), ...(who.number ? { number: who.number } : {}), private: who.private };
      const fwd = forwardedFrom({ diversion: request.getHeaders('Diversion'), historyInfo: request.getHeaders('History-Info') });
      if (fwd) {
        info.forwardedFrom = { uri: fwd.uri, ...(fwd.name ? { name: fwd.name } : {}), ...(fwd.reason ? { reason: fwd.reason } : {}) };
        info.diversions = fwd.count;
      }
      const after = answerAfter({ alertInfo: request.getHeaders('Alert-Info'), callInfo: request.getHeaders('Call-Info') });
      if (after !== undefined) info.answerAfterS = after;
    } catch (err) {
      // A header we cannot read must not cost the call: it rings with what JsSIP parsed.
      log.warn(`${id}: unreadable caller headers: ${(err as Error).message}`);
    }
    const replaced = this.#replacing.get(request);
    if (replaced !== undefined) info.replaces = replaced;
    this.emit('incoming', id, info);
  }

  #watch(id: string, s: JsSipSession): void {
    s.on('progress', (e: { originator: string; response?: SipMessage }) => {
      if (e.originator !== 'remote' || e.response === undefined) return;
      const early = e.response.status_code === 183 && (e.response.body ?? '').length > 0;
      this.emit('progress', id, { earlyMedia: early });
    });
    s.on('confirmed', () => this.emit('connected', id));
    s.on('hold', (e: { originator: string }) => e.originator === 'remote' && this.emit('remoteHold', id, true));
    s.on('unhold', (e: { originator: string }) => e.originator === 'remote' && this.emit('remoteHold', id, false));
    s.on('newDTMF', (e: { originator: string; dtmf?: { tone?: string } }) => {
      if (e.originator === 'remote' && typeof e.dtmf?.tone === 'string') this.emit('dtmf', id, e.dtmf.tone);
    });
    s.on('refer', (e: ReferEvent) => {
      const referId = `r${++this.#referCount}`;
      const uri = e.request.refer_to?.uri;
      if (uri === undefined) {
        e.reject();
        return;
      }
      const target = uri.clone();
      target.clearHeaders();
      this.#refers.set(referId, { callId: id, event: e });
      this.emit('refer', id, referId, target.toString());
    });
    s.on('replaces', (e: { request: object; accept(cb?: unknown): void }) => {
      // We are the target of an attended transfer (or our call is picked up): the new INVITE takes this
      // call's place; the core answers it without ringing.
      this.#replacing.set(e.request, id);
      e.accept();
    });
    const finish = (info: SignalEndInfo): void => {
      if (this.#sessions.get(id) !== s) return;
      this.#sessions.delete(id);
      for (const [rid, r] of this.#refers) if (r.callId === id) this.#refers.delete(rid);
      this.emit('ended', id, info);
    };
    s.on('ended', (e: { originator: string }) => finish({ originator: e.originator === 'local' ? 'local' : e.originator === 'remote' ? 'remote' : 'system' }));
    s.on('failed', (e: { originator: string; cause?: string; message?: SipMessage }) => {
      const status = e.originator === 'remote' ? e.message?.status_code : undefined;
      const info: SignalEndInfo = { originator: e.originator === 'local' ? 'local' : e.originator === 'remote' ? 'remote' : 'system' };
      if (status !== undefined) {
        info.status = status;
        info.reason = reasonText(status, e.message?.getHeader('Reason'));
        if (status >= 300 && status < 400) {
          info.redirectTo = (e.message?.getHeaders('Contact') ?? []).flatMap((v) => splitHeaderList(v)).map(uriOf).filter((u) => /^sips?:/i.test(u));
        }
      } else if (e.originator === 'system') {
        info.reason = e.cause === 'Request Timeout' || e.cause === 'No Answer' ? 'No answer' : e.cause === 'Connection Error' ? 'Network problem' : e.cause ?? 'Call failed';
      }
      finish(info);
    });
  }

  #refer(id: string, target: string): void {
    this.#with(id, 'transfer', (s) => {
      const report = (status: number, reason?: string): void => {
        this.emit('transferProgress', id, status, reason);
      };
      const subscriber = s.refer(target, {
        eventHandlers: {
          requestFailed: (e: { response?: SipMessage; cause?: string }) =>
            report(e.response?.status_code ?? 500, (e.response ? reasonText(e.response.status_code ?? 500, e.response.getHeader('Reason')) : undefined) ?? e.cause),
          accepted: (e: { status_line?: { status_code: number; reason_phrase: string } }) => report(e.status_line?.status_code ?? 200, e.status_line?.reason_phrase),
          failed: (e: { status_line?: { status_code: number; reason_phrase: string } }) => {
            const code = e.status_line?.status_code ?? 500;
            report(code, reasonText(code, undefined));
          },
        },
      });
      if (subscriber === false) queueMicrotask(() => report(491, 'Call not ready for transfer'));
    });
  }

  /**
   * hold/resume by re-INVITE, without JsSIP's rule that any failed re-INVITE ends the call (its hold() and
   * unhold() terminate on every non-2xx). Instead: 491 glare is retried after RFC 3261 §14.1's backoff
   * (2.1–4 s when we chose the Call-ID, else 0–2 s); 408 and 481 mean the dialog is gone (§12.2.1.2), so
   * the call ends with BYE; any other failure leaves the call as it was and is reported ('reofferFailed').
   * JsSIP also refuses while another re-INVITE is in flight: then we try again shortly.
   */
  #reoffer(id: string, hold: boolean, attempt = 0, busyTries = 0): void {
    const what = hold ? 'hold' : 'resume';
    this.#with(id, what, (s) => {
      const js = s as unknown as JsSipReoffer;
      if (js._localHold === hold) return;
      if (!js.isReadyToReOffer()) {
        if (busyTries < 10 && !s.isEnded()) setTimeout(() => this.#reoffer(id, hold, attempt, busyTries + 1), 200 * (busyTries + 1)).unref();
        else log.warn(`${id}: ${what} not possible now`);
        return;
      }
      const apply = (held: boolean): void => {
        js._localHold = held;
        if (held) js._onhold('local');
        else js._onunhold('local');
      };
      apply(hold);
      const dialog = (s as { _dialog?: object })._dialog;
      if (dialog !== undefined) reofferDialogs.add(dialog);
      const settled = (): void => {
        if (dialog !== undefined) reofferDialogs.delete(dialog);
      };
      js._sendReinvite({
        eventHandlers: {
          succeeded: settled,
          failed: (response?: SipMessage) => {
            settled();
            if (s.isEnded()) return;
            apply(!hold); // the offer was not taken: media stays as it was
            const status = response?.status_code;
            if (status === 491 && attempt < 3) {
              const ownCallId = js.direction === 'outgoing';
              const delay = ownCallId ? 2100 + Math.floor(Math.random() * 190) * 10 : Math.floor(Math.random() * 200) * 10;
              log.info(`${id}: ${what} met a crossing re-INVITE (491); again in ${delay} ms`);
              setTimeout(() => this.#reoffer(id, hold, attempt + 1), delay).unref();
            } else if (status === 408 || status === 481) {
              log.warn(`${id}: ${what} answered ${status}: the dialog is gone; ending the call`);
              s.terminate();
            } else {
              log.warn(`${id}: ${what} failed (${status ?? 'no answer'}); the call goes on as it was`);
              this.emit('reofferFailed', id, hold, status);
            }
          },
        },
      });
    });
  }

  #with(id: string, what: string, act: (s: JsSipSession) => void): void {
    const s = this.#sessions.get(id);
    if (s === undefined) {
      log.debug(`${id}: ${what}: no such call (already ended)`);
      return;
    }
    try {
      act(s);
    } catch (err) {
      // JsSIP throws on calls in the wrong state (e.g. answer after CANCEL crossed): the call's own events
      // tell the core what happened; the phone goes on.
      log.warn(`${id}: ${what} failed: ${(err as Error).message}`);
    }
  }
}
