/**
 * RFC 3903 event state publication (PUBLISH) on JsSIP's own transaction layer: JsSIP has no publisher, so
 * requests are built with its OutgoingRequest and sent with its RequestSender (which answers 401/407
 * challenges) — one SIP stack, one flow, one digest state. What RFC 3903 leaves to the publisher is here:
 *   - the entity tag: the first PUBLISH carries the body; later ones carry SIP-If-Match (refresh: no body;
 *     modify: the new body; remove: Expires: 0);
 *   - refresh before expiry (at 90 % of the granted time, at least 5 s early);
 *   - 412 Conditional Request Failed: the server lost our state, publish the whole body again;
 *   - 423 Interval Too Brief: again with Min-Expires;
 *   - 5xx, 408, timeout, transport error: retry with backoff (2 s doubling to 5 min, Retry-After wins);
 *   - 405/489/501: the server cannot take it; stop and say so.
 * One publication per instance (one event package, one entity).
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { createLogger } from '../util/log.js';

const require = createRequire(import.meta.url);
const log = createLogger('publish');

interface JsSipResponse {
  readonly status_code: number;
  readonly reason_phrase: string;
  getHeader(name: string): string | undefined;
}

interface OutgoingRequestCtor {
  new (method: string, ruri: unknown, ua: unknown, params: Record<string, unknown>, extraHeaders: string[], body?: string): object;
}
interface RequestSenderCtor {
  new (ua: unknown, request: object, handlers: { onReceiveResponse(r: JsSipResponse): void; onRequestTimeout(): void; onTransportError(): void }): { send(): void };
}

const { OutgoingRequest } = require('jssip/lib/SIPMessage.js') as { OutgoingRequest: OutgoingRequestCtor };
const RequestSender = require('jssip/lib/RequestSender.js') as RequestSenderCtor;
const URI = require('jssip/lib/URI.js') as { parse(uri: string): unknown };

export type PublicationState = 'idle' | 'publishing' | 'published' | 'retrying' | 'unsupported' | 'removed';

export interface PublisherOptions {
  /** The presentity: our AOR (Request-URI, From and To). */
  readonly aor: string;
  readonly event: string;
  readonly contentType: string;
  /** Lifetime asked for, seconds (default 3600). */
  readonly expires?: number;
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export interface PublisherEvents {
  state: [state: PublicationState, detail?: string];
}

export class Publisher extends EventEmitter<PublisherEvents> {
  readonly #ua: unknown;
  readonly #o: Required<PublisherOptions>;
  #etag: string | undefined;
  /** The document we want the server to hold (undefined = none: removed or never set). */
  #body: string | undefined;
  #inFlight = false;
  /** Something changed while a PUBLISH was in flight: send again when it completes. */
  #pending = false;
  #timer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #expiresAsked: number;
  #state: PublicationState = 'idle';
  #removing: { resolve(): void } | undefined;

  constructor(ua: unknown, o: PublisherOptions) {
    super();
    this.#ua = ua;
    this.#o = { expires: 3600, retryMinMs: 2000, retryMaxMs: 300_000, ...o };
    this.#retryMs = this.#o.retryMinMs;
    this.#expiresAsked = this.#o.expires;
  }

  get state(): PublicationState {
    return this.#state;
  }

  get etag(): string | undefined {
    return this.#etag;
  }

  /** Publishes `body` (initial, or a modification of what the server holds). */
  publish(body: string): void {
    if (this.#state === 'unsupported') return;
    this.#body = body;
    this.#kick();
  }

  /** Removes our state from the server (Expires: 0); resolves when answered or after timeoutMs. */
  remove(timeoutMs = 2000): Promise<void> {
    this.#body = undefined;
    this.#clearTimer();
    if (this.#etag === undefined || this.#state === 'unsupported') {
      this.#setState('removed');
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), timeoutMs);
      const done = (): void => {
        clearTimeout(timer);
        this.#removing = undefined;
        resolve();
      };
      this.#removing = { resolve: done };
      this.#kick();
    });
  }

  /** Stops timers without telling the server (the process is going away or the flow is dead). */
  close(): void {
    this.#clearTimer();
    this.#body = undefined;
  }

  #kick(): void {
    if (this.#inFlight) {
      this.#pending = true;
      return;
    }
    this.#clearTimer();
    this.#send();
  }

  #send(refreshOnly = false): void {
    const removing = this.#body === undefined;
    if (removing && this.#etag === undefined) {
      this.#setState('removed');
      this.#removing?.resolve();
      return;
    }
    const headers = [`Event: ${this.#o.event}`, `Expires: ${removing ? 0 : this.#expiresAsked}`];
    if (this.#etag !== undefined) headers.push(`SIP-If-Match: ${this.#etag}`);
    const withBody = !removing && !refreshOnly;
    if (withBody) headers.push(`Content-Type: ${this.#o.contentType}`);
    const uri = URI.parse(this.#o.aor);
    const request = new OutgoingRequest('PUBLISH', uri, this.#ua, { to_uri: uri }, headers, withBody ? this.#body : undefined);
    this.#inFlight = true;
    if (!removing) this.#setState(this.#state === 'published' ? 'published' : 'publishing');
    const sent = this.#body;
    const sender = new RequestSender(this.#ua, request, {
      onReceiveResponse: (r) => this.#onResponse(r, removing, sent),
      onRequestTimeout: () => this.#onFailure('no answer', undefined, removing),
      onTransportError: () => this.#onFailure('transport error', undefined, removing),
    });
    sender.send();
  }

  #onResponse(r: JsSipResponse, removing: boolean, sent: string | undefined): void {
    const status = r.status_code;
    if (status < 200) return;
    this.#inFlight = false;
    if (status >= 200 && status < 300) {
      this.#retryMs = this.#o.retryMinMs;
      if (removing) {
        this.#etag = undefined;
        this.#setState('removed');
        this.#removing?.resolve();
        return;
      }
      this.#etag = r.getHeader('SIP-ETag') ?? this.#etag;
      const granted = Number(r.getHeader('Expires') ?? this.#expiresAsked);
      const lifetime = Number.isFinite(granted) && granted > 0 ? granted : this.#expiresAsked;
      this.#setState('published');
      if (this.#pending || sent !== this.#body) {
        this.#pending = false;
        this.#send();
        return;
      }
      // Refresh at 90 % of the lifetime and at least 5 s before it ends (RFC 3903 §4.1 leaves the margin to us).
      const refreshIn = Math.max(1, Math.min(lifetime * 0.9, lifetime - 5)) * 1000;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        if (this.#body !== undefined) this.#send(true);
      }, refreshIn);
      this.#timer.unref();
      return;
    }
    if (status === 412) {
      // RFC 3903 §4.6: our entity tag is unknown to the server (it restarted or expired us): start over.
      log.info(`412 for entity tag ${this.#etag ?? '-'}: publishing the whole state again`);
      this.#etag = undefined;
      if (removing) {
        this.#setState('removed');
        this.#removing?.resolve();
        return;
      }
      this.#setState('publishing', 'the server lost our publication (412); publishing it whole');
      this.#send();
      return;
    }
    if (status === 423) {
      const min = Number(r.getHeader('Min-Expires'));
      if (Number.isFinite(min) && min > this.#expiresAsked && min <= 86400) {
        this.#expiresAsked = min;
        this.#send();
        return;
      }
    }
    if (status === 405 || status === 489 || status === 501) {
      this.#setState('unsupported', `${status} ${r.reason_phrase}`);
      this.#removing?.resolve();
      return;
    }
    const retryAfter = Number(r.getHeader('Retry-After'));
    this.#onFailure(`${status} ${r.reason_phrase}`, Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined, removing);
  }

  #onFailure(why: string, retryAfterMs: number | undefined, removing: boolean): void {
    this.#inFlight = false;
    if (removing) {
      // Going away: the server drops our state at expiry anyway.
      this.#setState('removed', why);
      this.#removing?.resolve();
      return;
    }
    const delay = retryAfterMs ?? this.#retryMs;
    this.#retryMs = Math.min(this.#o.retryMaxMs, this.#retryMs * 2);
    log.warn(`PUBLISH ${this.#o.event} failed (${why}); again in ${Math.round(delay / 1000)} s`);
    this.#setState('retrying', why);
    this.#clearTimer();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      if (this.#body !== undefined) this.#send();
    }, delay);
    this.#timer.unref();
  }

  #clearTimer(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #setState(state: PublicationState, detail?: string): void {
    if (state === this.#state && detail === undefined) return;
    this.#state = state;
    this.emit('state', state, detail);
  }
}
