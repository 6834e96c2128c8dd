/**
 * One long-lived event subscription (RFC 6665) on JsSIP's Subscriber: presence of a colleague (RFC 3856),
 * a monitored line's dialogs (RFC 4235), our own registrations (RFC 3680), message waiting (RFC 3842).
 *
 * What JsSIP leaves to us, done here:
 *   - a subscription that ends (server restart, 481, timeout, rejection, final NOTIFY) is made again after a
 *     backoff (Retry-After wins; 5 s doubling to 10 min), until the watcher is closed;
 *   - every NOTIFY body is checked by the caller's parser *before* it is accepted: a malformed one is answered
 *     400 with the parser's reason and changes nothing (JsSIP would answer 200 and pass it on), so one bad
 *     document never disturbs this or any other subscription's state.
 */
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { createLogger } from '../util/log.js';

const require = createRequire(import.meta.url);
const log = createLogger('watch');

interface IncomingNotify {
  readonly body?: string;
  getHeader(name: string): string | undefined;
  reply(code: number, reason?: string): void;
}

interface JsSipSubscriber extends NodeJS.EventEmitter {
  data: unknown;
  subscribe(body?: string): void;
  terminate(body?: string): void;
  /** JsSIP's state constant (a number; SubscriberC.STATE_TERMINATED when over). */
  readonly state: unknown;
}

interface SubscriberClass {
  prototype: { receiveRequest: (this: JsSipSubscriber, request: IncomingNotify & { method: string }) => void };
  C: { STATE_TERMINATED: unknown; SUBSCRIBE_NON_OK_RESPONSE: number };
}

const SubscriberC = (require('jssip/lib/Subscriber.js') as SubscriberClass).C;

/** The check a watcher attaches to its JsSIP Subscriber (kept in its `data`). */
interface BodyCheck {
  readonly sipdeskBodyCheck: (body: string, contentType: string | undefined) => string | undefined;
}

function isBodyCheck(d: unknown): d is BodyCheck {
  return typeof d === 'object' && d !== null && typeof (d as BodyCheck).sipdeskBodyCheck === 'function';
}

// Installed once: a NOTIFY whose body the watcher's parser refuses is answered 400 before JsSIP sees it.
{
  const Subscriber = require('jssip/lib/Subscriber.js') as SubscriberClass;
  const jssipReceive = Subscriber.prototype.receiveRequest;
  Subscriber.prototype.receiveRequest = function (this: JsSipSubscriber, request) {
    const check = isBodyCheck(this.data) ? this.data.sipdeskBodyCheck : undefined;
    if (check !== undefined && request.method === 'NOTIFY' && request.body) {
      let problem: string | undefined;
      try {
        problem = check(request.body, request.getHeader('Content-Type'));
      } catch (err) {
        problem = `unreadable body (${(err as Error).message})`;
      }
      if (problem !== undefined) {
        log.warn(`NOTIFY refused: ${problem.replace(/\s+/g, ' ').slice(0, 200)}`);
        // Reason phrases are one line of printable text.
        request.reply(400, `Bad Body: ${problem.replace(/[^\x20-\x7e]/g, ' ').slice(0, 80)}`);
        return;
      }
    }
    jssipReceive.call(this, request);
  };
}

export interface SubscribingUa {
  subscribe(target: string, eventName: string, accept: string, options: Record<string, unknown>): JsSipSubscriber;
}

export interface WatcherOptions<T> {
  readonly target: string;
  /** Event package, e.g. 'presence', 'dialog', 'reg', 'message-summary'. */
  readonly event: string;
  /** Accept header value: the body types we understand. */
  readonly accept: string;
  /** Parses a NOTIFY body; an Error-like `{ error }` makes the NOTIFY get 400 and be ignored. */
  readonly parse: (body: string, contentType: string | undefined) => { ok: true; value: T } | { ok: false; error: string };
  readonly expires?: number;
  /** e.g. `Supported: eventlist` for an RFC 4662 resource list. */
  readonly extraHeaders?: readonly string[];
  readonly retryMinMs?: number;
  readonly retryMaxMs?: number;
}

export type WatchState = 'subscribing' | 'pending' | 'active' | 'retrying' | 'closed';

export interface WatcherEvents<T> {
  state: [state: WatchState, detail?: string];
  /** A parsed document from a NOTIFY (full or partial, as the package says). */
  update: [value: T];
}

export class Watcher<T> extends EventEmitter<WatcherEvents<T>> {
  readonly #ua: SubscribingUa;
  readonly #o: WatcherOptions<T>;
  #sub: JsSipSubscriber | undefined;
  #timer: NodeJS.Timeout | undefined;
  #retryMs: number;
  #closed = false;
  #everActive = false;
  /** SUBSCRIBEs refused in a row before the first success. */
  #refusals = 0;
  #state: WatchState = 'subscribing';
  /** The last parsed value per subscription attempt, handed from the check to the 'notify' handler. */
  #parsed = new WeakMap<object, T>();

  constructor(ua: SubscribingUa, o: WatcherOptions<T>) {
    super();
    this.#ua = ua;
    this.#o = o;
    this.#retryMs = o.retryMinMs ?? 5000;
  }

  get state(): WatchState {
    return this.#state;
  }

  get target(): string {
    return this.#o.target;
  }

  start(): void {
    if (this.#closed || this.#sub !== undefined) return;
    this.#setState('subscribing');
    let sub: JsSipSubscriber;
    try {
      sub = this.#ua.subscribe(this.#o.target, this.#o.event, this.#o.accept, {
        expires: this.#o.expires ?? 3600,
        contentType: this.#o.accept.split(',')[0]!.trim(),
        ...(this.#o.extraHeaders ? { extraHeaders: [...this.#o.extraHeaders] } : {}),
      });
    } catch (err) {
      this.#retry(`cannot subscribe: ${(err as Error).message}`);
      return;
    }
    this.#sub = sub;
    const key = {};
    const check: BodyCheck = {
      sipdeskBodyCheck: (body, contentType) => {
        const r = this.#o.parse(body, contentType);
        if (!r.ok) return r.error;
        this.#parsed.set(key, r.value);
        return undefined;
      },
    };
    sub.data = check;
    sub.on('pending', () => this.#setState('pending'));
    sub.on('active', () => {
      this.#everActive = true;
      this.#refusals = 0;
      this.#retryMs = this.#o.retryMinMs ?? 5000;
      this.#setState('active');
    });
    sub.on('notify', () => {
      const value = this.#parsed.get(key);
      this.#parsed.delete(key);
      if (value !== undefined) this.emit('update', value);
    });
    sub.on('terminated', (code: number, reason?: string, retryAfter?: number) => {
      if (this.#sub !== sub) return;
      this.#sub = undefined;
      if (this.#closed) return;
      // A server that refuses the package outright (405, 489: JsSIP does not say which) would be asked again
      // every few minutes for ever: after three refusals in a row without ever being active, once an hour.
      if (code === SubscriberC.SUBSCRIBE_NON_OK_RESPONSE && !this.#everActive && ++this.#refusals === 3) {
        log.info(`${this.#o.event} ${this.#o.target}: refused three times; asking once an hour from now`);
        this.#retryMs = Math.max(this.#retryMs, 3_600_000);
      }
      const wait = this.#refusals >= 3 ? 3_600_000 : undefined;
      this.#retry(`ended (code ${code}${reason ? `, ${reason}` : ''})`, retryAfter !== undefined && retryAfter > 0 ? retryAfter * 1000 : wait);
    });
    sub.subscribe();
  }

  /** Ends the current subscription and makes a new one (the caller lost track of partial state). */
  resubscribe(): void {
    if (this.#closed) return;
    const sub = this.#sub;
    this.#sub = undefined; // its 'terminated' is ours, not a failure to retry
    try {
      if (sub !== undefined && sub.state !== SubscriberC.STATE_TERMINATED) sub.terminate();
    } catch (err) {
      log.debug(`${this.#o.event} ${this.#o.target}: unsubscribe: ${(err as Error).message}`);
    }
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.start();
  }

  /** Unsubscribes (Expires: 0) and stops retrying. */
  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    const sub = this.#sub;
    this.#sub = undefined;
    try {
      if (sub !== undefined && sub.state !== SubscriberC.STATE_TERMINATED) sub.terminate();
    } catch (err) {
      log.debug(`${this.#o.event} ${this.#o.target}: unsubscribe: ${(err as Error).message}`);
    }
    this.#setState('closed');
  }

  #retry(why: string, afterMs?: number): void {
    const delay = afterMs ?? this.#retryMs;
    this.#retryMs = Math.min(this.#o.retryMaxMs ?? 600_000, this.#retryMs * 2);
    log.info(`${this.#o.event} ${this.#o.target}: ${why}; subscribing again in ${Math.round(delay / 1000)} s`);
    this.#setState('retrying', why);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.start();
    }, delay);
    this.#timer.unref();
  }

  #setState(state: WatchState, detail?: string): void {
    if (state === this.#state && detail === undefined) return;
    this.#state = state;
    this.emit('state', state, detail);
  }
}
