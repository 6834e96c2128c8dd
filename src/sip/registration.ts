/**
 * Registration policy on top of JsSIP's Registrator, which registers, refreshes before expiry and follows
 * 423 Min-Expires and one stale=true re-challenge by itself, but gives up for good on any other failure.
 * What a desk phone must do instead (RFC 3261 §10, RFC 5626 §4.5):
 * - 5xx, 408: retry with exponential backoff and jitter, or after Retry-After when given;
 * - no answer at all: the server is treated as failed (RFC 3263 §4.3): the flow is dropped, and JsSIP's
 *   reconnect (to the next target) registers again;
 * - 401/407 after our credentials (wrong password), 403, 404, 6xx: stop and say why — retrying cannot
 *   succeed and would only make a REGISTER storm (optionally retry after a long pause, from config);
 * - the flow broke: JsSIP reconnects and re-registers on connect; we only show "registering".
 * State is what the status API reports.
 */
import { EventEmitter } from 'node:events';
import { splitHeaderValues } from './message-head.js';

export type RegistrationState = 'unregistered' | 'registering' | 'registered' | 'failed';

export interface RegistrationStatus {
  state: RegistrationState;
  reason?: string;
  aor: string;
  contact: string;
  gruu?: string;
  expires?: number;
}

/** What we read of a JsSIP IncomingResponse. */
export interface ResponseLike {
  status_code: number;
  reason_phrase: string;
  getHeader(name: string): string | undefined;
  headers: Record<string, { parsed?: unknown; raw: string }[]>;
}

/** The part of a JsSIP UA this controller drives (a fake one in unit tests). */
export interface RegistrarUa {
  on(event: 'registered', fn: (e: { response: ResponseLike }) => void): void;
  on(event: 'unregistered', fn: (e: { response: ResponseLike | null; cause?: string | null }) => void): void;
  on(event: 'registrationFailed', fn: (e: { response: ResponseLike | null; cause: string }) => void): void;
  on(event: 'connecting' | 'connected', fn: () => void): void;
  on(event: 'disconnected', fn: (e: { error?: boolean; reason?: string }) => void): void;
  register(): void;
  unregister(options?: { all?: boolean }): void;
  isRegistered(): boolean;
  contact: { pub_gruu: string | null; temp_gruu: string | null };
}

export interface RegistrationOptions {
  aor: string;
  contact: string;
  instanceId: string;
  retryMinSeconds: number;
  retryMaxSeconds: number;
  retryRejectedAfterSeconds?: number;
  random?: () => number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (handle: unknown) => void;
  /** Why the flow is down, when JsSIP only says "connection error". */
  transportError?: () => string | undefined;
  /** A REGISTER went unanswered (Timer F): give up on the flow so the transport fails over. */
  onRequestTimeout?: () => void;
  /** Whether the flow to the registrar is up (a REGISTER can be in flight only then). */
  isConnected?: () => boolean;
}

/** Responses after which retrying cannot help (RFC 3261 §21.4.x, §21.6). */
export function isRejection(status: number): boolean {
  return status === 401 || status === 407 || status === 403 || status === 404 || status === 400 || status === 420 || status >= 600;
}

/** Retry-After: seconds, possibly with a comment or params (RFC 3261 §20.33). */
export function retryAfterSeconds(value: string | undefined): number | undefined {
  const m = value?.trim().match(/^(\d{1,9})/);
  return m ? Number(m[1]) : undefined;
}

/** Full-jitter exponential backoff: uniform in [min, min(max, min·2^attempt)]. */
export function backoffSeconds(attempt: number, min: number, max: number, random: () => number): number {
  const ceiling = Math.min(max, min * 2 ** Math.min(attempt, 30));
  return min + (ceiling - min) * random();
}

const REASONS: Record<number, string> = {
  401: 'wrong user name or password',
  407: 'wrong user name or password',
  403: 'forbidden by the registrar (account disabled or wrong password)',
  404: 'unknown user at this registrar',
};

function describeFailure(response: ResponseLike | null, cause: string): string {
  if (!response) return cause;
  const hint = REASONS[response.status_code];
  return `${response.status_code} ${response.reason_phrase}${hint ? `: ${hint}` : ''}`;
}

export class RegistrationController extends EventEmitter {
  private state: RegistrationState = 'unregistered';
  private reason: string | undefined;
  private expires: number | undefined;
  private gruu: string | undefined;
  private attempts = 0;
  private retryTimer: unknown;
  private stopping = false;
  private readonly random: () => number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (handle: unknown) => void;

  constructor(
    private readonly ua: RegistrarUa,
    private readonly opts: RegistrationOptions,
  ) {
    super();
    this.random = opts.random ?? Math.random;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((h) => clearTimeout(h as NodeJS.Timeout));
    ua.on('connecting', () => {
      if (this.state !== 'registered' && this.state !== 'failed') this.set('registering', this.reason);
    });
    ua.on('registered', (e) => this.onRegistered(e.response));
    ua.on('unregistered', (e) => this.onUnregistered(e.cause ?? undefined));
    ua.on('registrationFailed', (e) => this.onFailed(e.response, e.cause));
    ua.on('disconnected', (e) => {
      if (this.stopping || this.state === 'failed') return;
      this.set('registering', `no connection to the proxy${e.reason ? `: ${e.reason}` : ''}`);
    });
  }

  status(): RegistrationStatus {
    const s: RegistrationStatus = { state: this.state, aor: this.opts.aor, contact: this.opts.contact };
    if (this.reason) s.reason = this.reason;
    if (this.state === 'registered') {
      if (this.gruu) s.gruu = this.gruu;
      if (this.expires !== undefined) s.expires = this.expires;
    }
    return s;
  }

  /**
   * Unregisters (Expires: 0) and resolves when the registrar answered or the time is up. A REGISTER still in
   * flight is waited for first (within the same time): its binding would otherwise outlive the phone.
   */
  async stop(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    this.stopping = true;
    this.cancelRetry();
    if (!this.ua.isRegistered() && this.state === 'registering' && this.opts.isConnected?.()) {
      await this.nextState(timeoutMs / 2);
    }
    if (this.ua.isRegistered()) {
      const settled = this.nextState(Math.max(0, deadline - Date.now()));
      this.ua.unregister();
      await settled;
    }
    this.set('unregistered', undefined);
  }

  /** Resolves on the next state change, or after ms. */
  private nextState(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.off('state', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.on('state', done);
    });
  }

  private set(state: RegistrationState, reason: string | undefined): void {
    const changed = state !== this.state || reason !== this.reason;
    this.state = state;
    this.reason = reason;
    if (changed) this.emit('state', this.status());
  }

  private onRegistered(response: ResponseLike): void {
    this.attempts = 0;
    if (this.stopping) {
      // Registered while stopping (the REGISTER was in flight): stop() unregisters right after.
      this.set('registered', undefined);
      return;
    }
    this.cancelRetry();
    this.expires = this.ourExpires(response);
    this.gruu = this.ua.contact.pub_gruu ?? undefined;
    this.set('registered', undefined);
  }

  /** The expires JsSIP acted on: our Contact's expires param, else the Expires header. */
  private ourExpires(response: ResponseLike): number | undefined {
    const instance = this.opts.instanceId.toLowerCase();
    for (const h of response.headers['Contact'] ?? []) {
      for (const value of splitHeaderValues(h.raw)) {
        if (!value.toLowerCase().includes(instance)) continue;
        const m = value.match(/;\s*expires\s*=\s*(\d+)/i);
        if (m) return Number(m[1]);
      }
    }
    const header = response.getHeader('Expires');
    return header !== undefined && /^\d+$/.test(header.trim()) ? Number(header.trim()) : undefined;
  }

  private onUnregistered(cause: string | undefined): void {
    this.gruu = undefined;
    this.expires = undefined;
    if (this.stopping) {
      this.set('unregistered', undefined);
    } else if (this.state !== 'failed' && this.retryTimer === undefined) {
      // Flow lost: JsSIP reconnects and registers again on connect.
      this.set('registering', cause ?? this.opts.transportError?.() ?? 'connection lost');
    }
  }

  private onFailed(response: ResponseLike | null, cause: string): void {
    if (this.stopping) {
      this.set('unregistered', cause);
      return;
    }
    this.gruu = undefined;
    const reason = describeFailure(response, cause);
    if (response && isRejection(response.status_code)) {
      this.set('failed', reason);
      // Keep JsSIP from registering again on its next reconnect: the user or provisioning must act.
      // Deferred: JsSIP emits registrationFailed before it clears its own "registered" flag, and an
      // unregister() now would send Expires: 0 to the registrar that just refused us.
      queueMicrotask(() => this.ua.unregister());
      if (this.opts.retryRejectedAfterSeconds) this.scheduleRetry(this.opts.retryRejectedAfterSeconds, reason, 'failed');
      return;
    }
    if (!response && /connection error/i.test(cause)) {
      // The flow broke mid-transaction: the transport's reconnect re-registers on connect.
      this.set('registering', this.opts.transportError?.() ?? cause);
      return;
    }
    if (!response && /request timeout/i.test(cause) && this.opts.onRequestTimeout) {
      this.set('registering', `${cause}: no answer from the registrar, trying the flow again`);
      this.opts.onRequestTimeout();
      return;
    }
    const after = retryAfterSeconds(response?.getHeader('Retry-After'));
    // The server's Retry-After is its own schedule; only our guesses grow the backoff.
    const delay = after ?? backoffSeconds(this.attempts++, this.opts.retryMinSeconds, this.opts.retryMaxSeconds, this.random);
    this.scheduleRetry(delay, reason, 'registering');
  }

  private scheduleRetry(seconds: number, reason: string, state: RegistrationState): void {
    this.cancelRetry();
    this.set(state, `${reason}; retrying in ${Math.round(seconds)} s`);
    this.retryTimer = this.setTimer(() => {
      this.retryTimer = undefined;
      if (this.stopping) return;
      this.set('registering', reason);
      this.ua.register();
    }, seconds * 1000);
  }

  private cancelRetry(): void {
    if (this.retryTimer !== undefined) this.clearTimer(this.retryTimer);
    this.retryTimer = undefined;
  }
}
