// The colleague subscriptions against a fake JsSIP UA: a resource list feeds every contact's presence; a
// server without lists makes the phone fall back to one subscription per contact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { wireColleagues } from '../../src/app/colleagues-wiring.js';
import { parseConfig } from '../../src/config/load.js';
import type { SipStack } from '../../src/sip/sip-stack.js';

class FakeSub extends EventEmitter {
  data: unknown;
  state = 'init';
  subscribed = 0;
  constructor(readonly target: string, readonly event: string, readonly options: { extraHeaders?: string[] }) {
    super();
  }
  subscribe(): void {
    this.subscribed++;
  }
  terminate(): void {
    this.state = 'terminated';
  }
  /** What JsSIP's patched receiveRequest does with a NOTIFY body: the watcher's check, then 'notify'. */
  notify(body: string, contentType: string): string | undefined {
    const problem = (this.data as { sipdeskBodyCheck(b: string, c: string): string | undefined }).sipdeskBodyCheck(body, contentType);
    if (problem === undefined) this.emit('notify', false, {}, body, contentType);
    return problem;
  }
}

function fakeStack(): { stack: SipStack; subs: FakeSub[]; register(): void } {
  const subs: FakeSub[] = [];
  const ua = Object.assign(new EventEmitter(), {
    subscribe: (target: string, event: string, _accept: string, options: { extraHeaders?: string[] }) => {
      const s = new FakeSub(target, event, options);
      subs.push(s);
      return s;
    },
  });
  const registration = new EventEmitter();
  return { stack: { ua, registration, instanceId: '6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e31' } as unknown as SipStack, subs, register: () => registration.emit('state', { state: 'registered' }) };
}

const config = (colleagues: Record<string, unknown>) =>
  parseConfig({ account: { aor: 'sip:alice@example.com', password: 'x' }, api: { port: 0 }, colleagues: { voicemail: { subscribe: false }, watchRegistrations: false, ...colleagues } });

const pidf = (entity: string, basic: string, activity = '') =>
  `<?xml version="1.0"?><presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:rpid="urn:ietf:params:xml:ns:pidf:rpid" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="${entity}">` +
  `<tuple id="t"><status><basic>${basic}</basic></status></tuple>${activity ? `<dm:person id="p"><rpid:activities><rpid:${activity}/></rpid:activities></dm:person>` : ''}</presence>`;

function listBody(boundary: string): string {
  const part = (cid: string, doc: string) => `--${boundary}\r\nContent-Type: application/pidf+xml\r\nContent-ID: <${cid}>\r\n\r\n${doc}\r\n`;
  const rlmi = `<?xml version="1.0"?><list xmlns="urn:ietf:params:xml:ns:rlmi" uri="sip:team@example.com" version="0" fullState="true">` +
    `<resource uri="sip:bob@example.com"><instance id="b1" state="active" cid="bob@x"/></resource>` +
    `<resource uri="sip:carol@example.com"><instance id="c1" state="active" cid="carol@x"/></resource></list>`;
  return `--${boundary}\r\nContent-Type: application/rlmi+xml\r\nContent-ID: <list@x>\r\n\r\n${rlmi}\r\n` +
    part('bob@x', pidf('sip:bob@example.com', 'open', 'on-the-phone')) + part('carol@x', pidf('sip:carol@example.com', 'closed')) + `--${boundary}--\r\n`;
}

const contacts = [{ name: 'Bob', uri: 'sip:bob@example.com' }, { name: 'Carol', uri: 'sip:carol@example.com' }];

test('a resource list (RFC 4662) feeds every contact with one subscription; bad bodies are refused', () => {
  const f = fakeStack();
  const c = wireColleagues(config({ contacts, presenceList: 'sip:team@example.com' }), f.stack);
  assert.equal(f.subs.length, 0, 'nothing before registration');
  f.register();
  assert.equal(f.subs.length, 1);
  const list = f.subs[0]!;
  assert.equal(list.target, 'sip:team@example.com');
  assert.deepEqual(list.options.extraHeaders, ['Supported: eventlist']);
  list.emit('active');
  assert.equal(list.notify(listBody('zz'), 'multipart/related; type="application/rlmi+xml"; start="<list@x>"; boundary=zz'), undefined);
  const seen = Object.fromEntries(c.model.snapshot().contacts.map((x) => [x.name, x.presence?.state]));
  assert.deepEqual(seen, { Bob: 'busy', Carol: 'offline' });
  assert.match(list.notify('<presence', 'multipart/related; boundary=zz') ?? '', /./, 'a broken body is refused with a reason');
  assert.equal(c.model.find('sip:bob@example.com')?.presence?.state, 'busy', 'and changes nothing');
  c.stop();
});

test('a server without resource lists: the phone watches each contact instead', () => {
  const f = fakeStack();
  const c = wireColleagues(config({ contacts, presenceList: 'sip:team@example.com' }), f.stack);
  f.register();
  f.subs[0]!.emit('terminated', 2, undefined, undefined); // SUBSCRIBE refused (404)
  assert.deepEqual(f.subs.slice(1).map((s) => s.target).sort(), ['sip:bob@example.com', 'sip:carol@example.com']);
  assert.ok(f.subs.slice(1).every((s) => s.subscribed === 1 && s.options.extraHeaders === undefined));
  f.subs[1]!.emit('active');
  assert.equal(f.subs[1]!.notify(pidf(f.subs[1]!.target, 'open'), 'application/pidf+xml'), undefined);
  assert.equal(c.model.find(f.subs[1]!.target)?.presence?.state, 'available');
  c.stop();
  assert.ok(f.subs.slice(1).every((s) => s.state === 'terminated'), 'stop unsubscribes');
});
