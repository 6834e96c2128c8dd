// The event-subscription watcher (src/sip/watcher.ts) over a fake UA whose subscribe() returns what JsSIP's
// Subscriber looks like from outside: re-subscribing after termination with doubling backoff (Retry-After
// wins, the cap holds, a success resets it), close() and resubscribe(); then the NOTIFY check that answers a
// body its parser refuses with 400 before JsSIP sees it, driven through JsSIP's real Subscriber code.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { createRequire } from 'node:module';
import { Watcher, type SubscribingUa, type WatchState, type WatcherOptions } from '../../src/sip/watcher.js';

const require = createRequire(import.meta.url);

/** What Watcher touches of a JsSIP Subscriber. */
class FakeSubscriber extends EventEmitter {
  data: unknown;
  state = 'init';
  subscribeCalls = 0;
  terminateCalls = 0;
  subscribe(): void {
    this.subscribeCalls++;
    this.state = 'notify_wait';
  }
  terminate(): void {
    this.terminateCalls++;
  }
}

interface SubscribeCall {
  target: string;
  event: string;
  accept: string;
  options: Record<string, unknown>;
}

class FakeUa implements SubscribingUa {
  readonly calls: SubscribeCall[] = [];
  readonly subs: FakeSubscriber[] = [];
  failNext = 0;
  subscribe(target: string, event: string, accept: string, options: Record<string, unknown>): FakeSubscriber {
    this.calls.push({ target, event, accept, options });
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error('transport not ready');
    }
    const sub = new FakeSubscriber();
    this.subs.push(sub);
    return sub;
  }
  get last(): FakeSubscriber {
    const s = this.subs.at(-1);
    assert.ok(s, 'no subscription made');
    return s;
  }
}

/** Accepts bodies "ok:<value>", refuses anything else with a reason. */
const parse: WatcherOptions<string>['parse'] = (body) => (body.startsWith('ok:') ? { ok: true, value: body.slice(3) } : { ok: false, error: `not ok: ${body}` });

function setup(t: TestContext, options: Partial<WatcherOptions<string>> = {}) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const ua = new FakeUa();
  const watcher = new Watcher<string>(ua, { target: 'sip:dave@example.com', event: 'dialog', accept: 'application/dialog-info+xml, multipart/related', parse, ...options });
  const states: [WatchState, string | undefined][] = [];
  const updates: string[] = [];
  watcher.on('state', (s, detail) => states.push([s, detail]));
  watcher.on('update', (v) => updates.push(v));
  return { ua, watcher, states, updates, tick: (ms: number) => t.mock.timers.tick(ms) };
}

test('start subscribes once with the event, Accept, default expiry and the first Accept type; active follows JsSIP', (t) => {
  const { ua, watcher, states } = setup(t);
  watcher.start();
  watcher.start(); // already running: no second subscription
  assert.equal(ua.calls.length, 1);
  assert.deepEqual(ua.calls[0], {
    target: 'sip:dave@example.com', event: 'dialog', accept: 'application/dialog-info+xml, multipart/related',
    options: { expires: 3600, contentType: 'application/dialog-info+xml' },
  });
  assert.equal(ua.last.subscribeCalls, 1);
  assert.equal(watcher.state, 'subscribing');
  ua.last.emit('pending');
  assert.equal(watcher.state, 'pending');
  ua.last.emit('active');
  assert.equal(watcher.state, 'active');
  assert.deepEqual(states.map(([s]) => s), ['pending', 'active'], "'subscribing' was already the initial state");
});

test('a terminated subscription is made again after 5 s, then 10 s, 20 s; an active one resets the backoff', (t) => {
  const { ua, watcher, states, tick } = setup(t);
  watcher.start();
  ua.last.emit('terminated', 6, 'noresource');
  assert.equal(watcher.state, 'retrying');
  assert.match(states.at(-1)?.[1] ?? '', /code 6, noresource/);
  tick(4999);
  assert.equal(ua.calls.length, 1, 'not before the backoff');
  tick(1);
  assert.equal(ua.calls.length, 2);
  assert.equal(watcher.state, 'subscribing');

  ua.last.emit('terminated', 1);
  tick(9999);
  assert.equal(ua.calls.length, 2);
  tick(1);
  assert.equal(ua.calls.length, 3, 'second wait doubled to 10 s');

  ua.last.emit('terminated', 1);
  tick(19_999);
  assert.equal(ua.calls.length, 3);
  tick(1);
  assert.equal(ua.calls.length, 4, 'third wait 20 s');

  ua.last.emit('active');
  ua.last.emit('terminated', 1);
  tick(5000);
  assert.equal(ua.calls.length, 5, 'after a success the wait is 5 s again');
});

test('Retry-After from the final NOTIFY or response wins over the backoff; zero or absent does not', (t) => {
  const { ua, watcher, tick } = setup(t);
  watcher.start();
  ua.last.emit('terminated', 2, 'probation', 30);
  tick(29_999);
  assert.equal(ua.calls.length, 1);
  tick(1);
  assert.equal(ua.calls.length, 2, 'waited exactly Retry-After');
  ua.last.emit('terminated', 2, 'probation', 0);
  // The backoff advanced while Retry-After was in force: 5 s then 10 s.
  tick(9999);
  assert.equal(ua.calls.length, 2);
  tick(1);
  assert.equal(ua.calls.length, 3);
});

test('the backoff stops growing at retryMaxMs and starts from retryMinMs', (t) => {
  const { ua, watcher, tick } = setup(t, { retryMinMs: 1000, retryMaxMs: 3000 });
  watcher.start();
  const waits: number[] = [];
  for (let i = 0; i < 5; i++) {
    const before = ua.calls.length;
    ua.last.emit('terminated', 1);
    let waited = 0;
    while (ua.calls.length === before) {
      tick(100);
      waited += 100;
      assert.ok(waited <= 10_000, 'never re-subscribed');
    }
    waits.push(waited);
  }
  assert.deepEqual(waits, [1000, 2000, 3000, 3000, 3000]);
});

test('a UA that throws on subscribe is retried like a failed subscription', (t) => {
  const { ua, watcher, states, tick } = setup(t);
  ua.failNext = 1;
  watcher.start();
  assert.equal(watcher.state, 'retrying');
  assert.match(states.at(-1)?.[1] ?? '', /cannot subscribe: transport not ready/);
  tick(5000);
  assert.equal(ua.calls.length, 2);
  assert.equal(ua.subs.length, 1);
  assert.equal(watcher.state, 'subscribing');
});

test('close() unsubscribes, stops retrying, and ignores the old subscription ending afterwards', (t) => {
  const { ua, watcher, tick } = setup(t);
  watcher.start();
  ua.last.emit('active');
  const sub = ua.last;
  watcher.close();
  assert.equal(sub.terminateCalls, 1, 'unsubscribed (Expires: 0)');
  assert.equal(watcher.state, 'closed');
  sub.emit('terminated', 0);
  tick(3_600_000);
  assert.equal(ua.calls.length, 1, 'no new subscription after close');
  assert.equal(watcher.state, 'closed');
  watcher.start();
  watcher.resubscribe();
  assert.equal(ua.calls.length, 1, 'a closed watcher stays closed');
});

test('close() while waiting to retry cancels the retry', (t) => {
  const { ua, watcher, tick } = setup(t);
  watcher.start();
  ua.last.emit('terminated', 1);
  watcher.close();
  tick(600_000);
  assert.equal(ua.calls.length, 1);
  assert.equal(watcher.state, 'closed');
});

test('resubscribe() ends the current subscription and makes a new one at once; the old one ending is not a failure', (t) => {
  const { ua, watcher, tick } = setup(t);
  watcher.start();
  const first = ua.last;
  first.emit('active');
  watcher.resubscribe();
  assert.equal(first.terminateCalls, 1);
  assert.equal(ua.calls.length, 2);
  assert.notEqual(ua.last, first);
  first.emit('terminated', 0);
  assert.equal(watcher.state, 'subscribing', 'the old subscription ending changes nothing');
  tick(600_000);
  assert.equal(ua.calls.length, 2, 'and schedules no retry');
  // resubscribe() while a retry is pending replaces the timer, it does not add a second subscription.
  ua.last.emit('terminated', 1);
  watcher.resubscribe();
  tick(600_000);
  assert.equal(ua.calls.length, 3);
});

test('the body check on the subscriber hands parsed documents to update listeners, and only those', (t) => {
  const { ua, watcher, updates } = setup(t);
  watcher.start();
  const check = (ua.last.data as { sipdeskBodyCheck: (body: string, type: string | undefined) => string | undefined }).sipdeskBodyCheck;
  assert.equal(typeof check, 'function', 'the watcher put its check in the subscriber data');
  assert.equal(check('ok:first', 'application/dialog-info+xml'), undefined);
  ua.last.emit('notify', false, {}, 'ok:first', 'application/dialog-info+xml');
  assert.equal(check('garbage', undefined), 'not ok: garbage');
  ua.last.emit('notify', false, {}, 'garbage', undefined); // (JsSIP would not get here; nothing parsed anyway)
  assert.deepEqual(updates, ['first']);
});

// ---- the 400 refusal, through JsSIP's real Subscriber.receiveRequest (patched by watcher.ts) -------------

interface JsSipSubscriberClass {
  prototype: { receiveRequest(this: unknown, request: unknown): void };
  C: { STATE_ACTIVE: number; STATE_WAITING_NOTIFY: number };
}
const Subscriber = require('jssip/lib/Subscriber.js') as JsSipSubscriberClass;

type RealSubscriber = FakeSubscriber & { _state: number };

/**
 * A JsSIP Subscriber that sent its SUBSCRIBE and waits for the first NOTIFY, without a UA or dialog: JsSIP's own receiveRequest runs on it, while
 * subscribe()/terminate() (which would send requests) are the fake's.
 */
function realSubscriber(eventName: string): RealSubscriber {
  const s = Object.create(Subscriber.prototype) as RealSubscriber;
  (EventEmitter as unknown as (this: object) => void).call(s);
  Object.assign(s, { _event_name: eventName, _event_id: undefined, _state: Subscriber.C.STATE_WAITING_NOTIFY, _expires_timestamp: 0, _dialog: null, subscribeCalls: 0, terminateCalls: 0 });
  s.subscribe = () => undefined;
  s.terminate = () => undefined;
  return s;
}

interface Reply {
  code: number;
  reason?: string;
}

function notify(body: string | undefined, o: { event?: string; state?: string; reason?: string; retryAfter?: number; contentType?: string } = {}) {
  const replies: Reply[] = [];
  const request = {
    method: 'NOTIFY',
    body,
    getHeader: (name: string) => (name.toLowerCase() === 'content-type' ? o.contentType ?? 'application/dialog-info+xml' : undefined),
    parseHeader: (name: string) => {
      const n = name.toLowerCase();
      if (n === 'event') return { event: o.event ?? 'dialog', params: {} };
      if (n === 'subscription-state') return { state: o.state ?? 'active', ...(o.reason ? { reason: o.reason } : {}), params: o.retryAfter !== undefined ? { 'retry-after': String(o.retryAfter) } : {} };
      return undefined;
    },
    reply: (code: number, reason?: string) => replies.push({ code, ...(reason !== undefined ? { reason } : {}) }),
  };
  return { request, replies };
}

function watchedByRealSubscriber(t: TestContext, parser: WatcherOptions<string>['parse'] = parse) {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const subs: RealSubscriber[] = [];
  const ua: SubscribingUa = {
    subscribe: () => {
      const s = realSubscriber('dialog');
      subs.push(s);
      return s;
    },
  };
  const watcher = new Watcher<string>(ua, { target: 'sip:dave@example.com', event: 'dialog', accept: 'application/dialog-info+xml', parse: parser });
  const updates: string[] = [];
  watcher.on('update', (v) => updates.push(v));
  watcher.start();
  const receive = (r: ReturnType<typeof notify>): Reply[] => {
    Subscriber.prototype.receiveRequest.call(subs.at(-1), r.request);
    return r.replies;
  };
  return { watcher, updates, subs, receive, tick: (ms: number) => t.mock.timers.tick(ms) };
}

test('a NOTIFY whose body parses is left to JsSIP: 200, and the parsed value reaches update listeners', (t) => {
  const { updates, receive } = watchedByRealSubscriber(t);
  assert.deepEqual(receive(notify('ok:idle')), [{ code: 200 }]);
  assert.deepEqual(updates, ['idle']);
});

test('a NOTIFY whose body the parser refuses gets 400 with the reason, no update, and the subscription lives on', (t) => {
  const { watcher, updates, subs, receive } = watchedByRealSubscriber(t);
  receive(notify('ok:ringing'));
  const replies = receive(notify('<dialog-info'));
  assert.equal(replies.length, 1, 'one answer, not 400 and then 200');
  assert.equal(replies[0]?.code, 400);
  assert.equal(replies[0]?.reason, 'Bad Body: not ok: <dialog-info');
  assert.deepEqual(updates, ['ringing'], 'the refused body changed nothing');
  assert.equal(subs[0]?._state, Subscriber.C.STATE_ACTIVE, 'JsSIP did not end the subscription');
  assert.equal(watcher.state, 'active');
  // The next good NOTIFY is taken as usual, with its own value (not a leftover).
  assert.deepEqual(receive(notify('ok:busy')), [{ code: 200 }]);
  assert.deepEqual(updates, ['ringing', 'busy']);
});

test('the 400 reason phrase is one short line of printable ASCII whatever the parser says', (t) => {
  const { receive } = watchedByRealSubscriber(t, () => ({ ok: false, error: `line one\r\nline two ünïcode ${'x'.repeat(200)}` }));
  const [reply] = receive(notify('anything'));
  assert.equal(reply?.code, 400);
  assert.match(reply?.reason ?? '', /^Bad Body: line one {2}line two [ -~]+$/);
  assert.ok((reply?.reason ?? '').length <= 'Bad Body: '.length + 80);
});

test('a parser that throws is a refused body, not a crash', (t) => {
  const { updates, receive } = watchedByRealSubscriber(t, () => {
    throw new Error('stack overflow in XML');
  });
  const [reply] = receive(notify('<x/>'));
  assert.equal(reply?.code, 400);
  assert.match(reply?.reason ?? '', /unreadable body \(stack overflow in XML\)/);
  assert.deepEqual(updates, []);
});

test('a NOTIFY without a body is not checked (JsSIP answers 200, nothing to update)', (t) => {
  const { updates, receive } = watchedByRealSubscriber(t);
  assert.deepEqual(receive(notify(undefined)), [{ code: 200 }]);
  assert.deepEqual(updates, []);
});

test('a final NOTIFY with a good body updates, then the watcher re-subscribes after its Retry-After', (t) => {
  const { watcher, updates, subs, receive, tick } = watchedByRealSubscriber(t);
  assert.deepEqual(receive(notify('ok:idle', { state: 'terminated', reason: 'probation', retryAfter: 12 })), [{ code: 200 }]);
  assert.deepEqual(updates, ['idle']);
  assert.equal(watcher.state, 'retrying');
  tick(11_999);
  assert.equal(subs.length, 1);
  tick(1);
  assert.equal(subs.length, 2);
});

test('subscribers that are not a watcher\'s are untouched by the check: JsSIP answers their NOTIFYs as before', () => {
  const plain = realSubscriber('presence');
  const r = notify('<not-xml', { event: 'presence' });
  Subscriber.prototype.receiveRequest.call(plain, r.request);
  assert.deepEqual(r.replies, [{ code: 200 }]);
  // And a NOTIFY with the wrong Event still gets JsSIP's 489, the check does not mask it.
  const wrong = notify('<not-xml', { event: 'reg' });
  Subscriber.prototype.receiveRequest.call(realSubscriber('presence'), wrong.request);
  assert.deepEqual(wrong.replies, [{ code: 489 }]);
});

test('a package refused three times before ever working is asked for once an hour, not every few minutes', (t) => {
  const { ua, watcher, tick } = setup(t);
  watcher.start();
  for (const wait of [5000, 10_000]) {
    ua.last.emit('terminated', 2); // SUBSCRIBE_NON_OK_RESPONSE (405, 489, …)
    tick(wait);
  }
  assert.equal(ua.calls.length, 3);
  ua.last.emit('terminated', 2);
  tick(3_599_999);
  assert.equal(ua.calls.length, 3, 'the third refusal waits an hour');
  tick(1);
  assert.equal(ua.calls.length, 4);
  ua.last.emit('active'); // the server learned the package: back to the normal backoff
  ua.last.emit('terminated', 2);
  tick(5000);
  assert.equal(ua.calls.length, 5);
  watcher.close();
});
