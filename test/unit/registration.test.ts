import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { RegistrationController, backoffSeconds, retryAfterSeconds, type ResponseLike } from '../../src/sip/registration.js';

const INSTANCE = '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01';

class FakeUa extends EventEmitter {
  registers = 0;
  unregisters = 0;
  registered = false;
  contact = { pub_gruu: null as string | null, temp_gruu: null as string | null };
  register() {
    this.registers++;
  }
  unregister() {
    this.unregisters++;
    if (this.registered) {
      this.registered = false;
      queueMicrotask(() => this.emit('unregistered', { response: null, cause: null }));
    }
  }
  isRegistered() {
    return this.registered;
  }
}

function response(status: number, reason: string, headers: Record<string, string> = {}): ResponseLike {
  return {
    status_code: status,
    reason_phrase: reason,
    getHeader: (n) => headers[n],
    headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [{ raw: v }]])),
  };
}

function setup(extra: Partial<ConstructorParameters<typeof RegistrationController>[1]> = {}) {
  const ua = new FakeUa();
  const timers: { fn: () => void; ms: number }[] = [];
  const ctl = new RegistrationController(ua, {
    aor: 'sip:alice@example.com',
    contact: 'sip:alice@10.0.0.5:5072;transport=tcp',
    instanceId: INSTANCE,
    retryMinSeconds: 2,
    retryMaxSeconds: 60,
    random: () => 0.5,
    setTimer: (fn, ms) => {
      const t = { fn, ms };
      timers.push(t);
      return t;
    },
    clearTimer: (h) => {
      const i = timers.indexOf(h as never);
      if (i >= 0) timers.splice(i, 1);
    },
    ...extra,
  });
  return { ua, ctl, timers };
}

test('registered: expires from our Contact, GRUU from JsSIP', () => {
  const { ua, ctl } = setup();
  ua.emit('connecting');
  assert.equal(ctl.status().state, 'registering');
  ua.contact.pub_gruu = 'sip:alice@example.com;gr=urn:uuid:' + INSTANCE;
  ua.registered = true;
  ua.emit('registered', {
    response: response(200, 'OK', {
      Contact: `<sip:alice@10.0.0.9:5060>;expires=3600, <sip:alice@10.0.0.5:5072;transport=tcp>;expires=300;+sip.instance="<urn:uuid:${INSTANCE}>";reg-id=1`,
    }),
  });
  assert.deepEqual(ctl.status(), {
    state: 'registered',
    aor: 'sip:alice@example.com',
    contact: 'sip:alice@10.0.0.5:5072;transport=tcp',
    gruu: 'sip:alice@example.com;gr=urn:uuid:' + INSTANCE,
    expires: 300,
  });
});

test('wrong password (401 after credentials): failed with the reason, no retry, JsSIP told to stop', async () => {
  const { ua, ctl, timers } = setup();
  ua.registered = true; // a refresh refused: JsSIP still says registered while it emits registrationFailed
  ua.emit('registrationFailed', { response: response(401, 'Unauthorized'), cause: 'Rejected' });
  assert.equal(ua.unregisters, 0, 'not during the event: that would send Expires 0 to the registrar that refused us');
  ua.registered = false; // what JsSIP does right after emitting
  await Promise.resolve();
  assert.equal(ctl.status().state, 'failed');
  assert.match(ctl.status().reason!, /^401 Unauthorized: wrong user name or password/);
  assert.equal(timers.length, 0);
  assert.equal(ua.unregisters, 1, 'ua.unregister() clears JsSIP\'s register-on-reconnect');
  ua.emit('disconnected', { error: true });
  assert.equal(ctl.status().state, 'failed', 'a flow change does not hide the rejection');
});

test('403 and 404 stop; with retryRejectedAfter they retry after that pause', () => {
  const { ua, ctl, timers } = setup({ retryRejectedAfterSeconds: 600 });
  ua.emit('registrationFailed', { response: response(403, 'Forbidden'), cause: 'Rejected' });
  assert.equal(ctl.status().state, 'failed');
  assert.equal(timers.length, 1);
  assert.equal(timers[0]!.ms, 600_000);
  timers[0]!.fn();
  assert.equal(ua.registers, 1);
});

test('503 with Retry-After waits exactly that long; 500 without backs off exponentially', () => {
  const { ua, ctl, timers } = setup();
  ua.emit('registrationFailed', { response: response(503, 'Service Unavailable', { 'Retry-After': '7 (maintenance)' }), cause: 'SIP Failure Code' });
  assert.equal(ctl.status().state, 'registering');
  assert.match(ctl.status().reason!, /503 Service Unavailable; retrying in 7 s/);
  assert.equal(timers.at(-1)!.ms, 7000);
  timers.pop()!.fn();
  assert.equal(ua.registers, 1);
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) {
    ua.emit('registrationFailed', { response: response(500, 'Server Internal Error'), cause: 'SIP Failure Code' });
    delays.push(timers.pop()!.ms);
  }
  // random 0.5: min + (ceil - min)/2 with ceil = min(60, 2·2^n)
  assert.deepEqual(delays, [2000, 3000, 5000, 9000, 17000, 31000, 31000, 31000]);
});

test('request timeout: the flow is given up (failover); without that hook a backoff retry', () => {
  let dropped = 0;
  const withHook = setup({ onRequestTimeout: () => dropped++ });
  withHook.ua.emit('registrationFailed', { response: null, cause: 'Request Timeout' });
  assert.equal(dropped, 1);
  assert.equal(withHook.timers.length, 0, 'the reconnect registers again, no second timer');
  assert.equal(withHook.ctl.status().state, 'registering');
  const { ua, ctl, timers } = setup();
  ua.emit('registrationFailed', { response: null, cause: 'Request Timeout' });
  assert.equal(timers.length, 1);
  timers.pop();
  ua.emit('registrationFailed', { response: null, cause: 'Connection Error' });
  assert.equal(timers.length, 0);
  assert.equal(ctl.status().state, 'registering');
});

test('stop() unregisters and resolves on the answer', async () => {
  const { ua, ctl } = setup();
  ua.registered = true;
  ua.emit('registered', { response: response(200, 'OK', { Expires: '600' }) });
  await ctl.stop(1000);
  assert.equal(ua.unregisters, 1);
  assert.equal(ctl.status().state, 'unregistered');
});

test('stop() while a REGISTER is in flight waits for it, then unregisters', async () => {
  const { ua, ctl } = setup({ isConnected: () => true });
  ua.emit('connecting');
  setTimeout(() => {
    ua.registered = true;
    ua.emit('registered', { response: response(200, 'OK', { Expires: '600' }) });
  }, 30);
  await ctl.stop(1000);
  assert.equal(ua.unregisters, 1, 'the binding made during shutdown is removed');
  assert.equal(ctl.status().state, 'unregistered');
});

test('helpers', () => {
  assert.equal(retryAfterSeconds('120;duration=60'), 120);
  assert.equal(retryAfterSeconds('soon'), undefined);
  assert.equal(backoffSeconds(0, 2, 60, () => 1), 2);
  assert.equal(backoffSeconds(3, 2, 60, () => 1), 16);
  assert.equal(backoffSeconds(10, 2, 60, () => 1), 60);
  assert.equal(backoffSeconds(10, 2, 60, () => 0), 2);
});
