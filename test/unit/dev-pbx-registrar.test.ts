// Registrar rules of the dev PBX (sim/pbx/registrar.ts) in fake time: add, refresh, several contacts, expiry,
// Expires 0 and `*`, 423 with Min-Expires, someone else's or an unknown AOR, out-of-order CSeq, outbound
// (+sip.instance/reg-id) replacing a binding, and GRUU: pub-gruu/temp-gruu in the 200 and routing by GRUU.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeader, getHeaderValues, parseNameAddr, parseUri, type SipRequest } from '../../sim/pbx/message.js';
import { Registrar } from '../../sim/pbx/registrar.js';
import { parseCli } from '../../sim/pbx/cli.js';

const DOMAIN = 'pbx.test';

function register(o: { user?: string; contacts: string[]; expires?: number; callId?: string; cseq?: number; gruu?: boolean }): SipRequest {
  const user = o.user ?? 'alice';
  const headers = [
    { name: 'Via', value: 'SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK1' },
    { name: 'From', value: `<sip:${user}@${DOMAIN}>;tag=f` },
    { name: 'To', value: `<sip:${user}@${DOMAIN}>` },
    { name: 'Call-ID', value: o.callId ?? 'call-1' },
    { name: 'CSeq', value: `${o.cseq ?? 1} REGISTER` },
    ...o.contacts.map((value) => ({ name: 'Contact', value })),
  ];
  if (o.expires !== undefined) headers.push({ name: 'Expires', value: String(o.expires) });
  if (o.gruu) headers.push({ name: 'Supported', value: 'path, gruu, outbound' });
  return { kind: 'request', method: 'REGISTER', uri: `sip:${DOMAIN}`, headers, body: Buffer.alloc(0) };
}

function rig(): { r: Registrar; advance: (s: number) => void } {
  let now = 1_000_000;
  const r = new Registrar({ domain: DOMAIN, users: ['alice', 'bob'], minExpires: 60, maxExpires: 3600, now: () => now });
  return { r, advance: (s) => (now += s * 1000) };
}

const INSTANCE = 'urn:uuid:6a8c1f52-1d1e-4c5a-9d43-3b1a6f0d2e01';
const OB = (port: number, regId = 1): string => `<sip:x${port}@127.0.0.1:${port};transport=tcp;ob>;+sip.instance="<${INSTANCE}>";reg-id=${regId}`;

test('add, list in the 200, refresh, expire', () => {
  const { r, advance } = rig();
  const res = r.register(register({ contacts: ['<sip:alice@10.0.0.1:5060>'], expires: 120 }), 'alice', 't1');
  assert.equal(res.status, 200);
  assert.deepEqual(getHeaderValues(res, 'Contact'), ['<sip:alice@10.0.0.1:5060>;expires=120']);
  assert.equal(r.live('alice').length, 1);
  advance(100);
  const refreshed = r.register(register({ contacts: ['<sip:alice@10.0.0.1:5060>'], expires: 120, cseq: 2 }), 'alice', 't1');
  assert.deepEqual(getHeaderValues(refreshed, 'Contact'), ['<sip:alice@10.0.0.1:5060>;expires=120']);
  advance(119);
  assert.equal(r.live('alice').length, 1, 'the refresh counts from when it came');
  advance(2);
  assert.equal(r.live('alice').length, 0);
  assert.deepEqual(r.snapshot(), []);
});

test('several contacts; a per-contact expires parameter wins over Expires; the maximum caps', () => {
  const { r } = rig();
  r.register(register({ contacts: ['<sip:alice@10.0.0.1>;expires=90', '<sip:alice@10.0.0.2>'], expires: 99999 }), 'alice', 't1');
  const res = r.register(register({ contacts: ['<sip:alice@10.0.0.3>'], expires: 300, callId: 'other' }), 'alice', 't2');
  assert.deepEqual(getHeaderValues(res, 'Contact'), ['<sip:alice@10.0.0.1>;expires=90', '<sip:alice@10.0.0.2>;expires=3600', '<sip:alice@10.0.0.3>;expires=300']);
  assert.equal(r.resolve(parseUri(`sip:alice@${DOMAIN}`)!).length, 3, 'the AOR reaches every contact');
});

test('Expires 0 removes one contact; * with Expires 0 removes all; * needs Expires 0 and no other Contact', () => {
  const { r } = rig();
  r.register(register({ contacts: ['<sip:alice@10.0.0.1>', '<sip:alice@10.0.0.2>'], expires: 300 }), 'alice', 't1');
  r.register(register({ contacts: ['<sip:alice@10.0.0.1>;expires=0'], cseq: 2 }), 'alice', 't1');
  assert.deepEqual(r.live('alice').map((b) => b.uri), ['sip:alice@10.0.0.2']);
  assert.equal(r.register(register({ contacts: ['*'], expires: 300, cseq: 3 }), 'alice', 't1').status, 400);
  assert.equal(r.register(register({ contacts: ['*', '<sip:alice@10.0.0.9>'], expires: 0, cseq: 3 }), 'alice', 't1').status, 400);
  const all = r.register(register({ contacts: ['*'], expires: 0, cseq: 4 }), 'alice', 't1');
  assert.equal(all.status, 200);
  assert.equal(getHeader(all, 'Contact'), undefined);
  assert.equal(r.live('alice').length, 0);
});

test('423 Interval Too Brief with Min-Expires, and nothing changes', () => {
  const { r } = rig();
  const res = r.register(register({ contacts: ['<sip:alice@10.0.0.1>'], expires: 30 }), 'alice', 't1');
  assert.equal(res.status, 423);
  assert.equal(getHeader(res, 'Min-Expires'), '60');
  assert.equal(r.live('alice').length, 0);
});

test("403 for someone else's AOR, 404 for an unknown user, 400 for a bad Contact or Expires, 500 for an old CSeq", () => {
  const { r } = rig();
  assert.equal(r.register(register({ user: 'bob', contacts: ['<sip:bob@10.0.0.1>'] }), 'alice', 't1').status, 403);
  assert.equal(r.register(register({ user: 'eve', contacts: ['<sip:eve@10.0.0.1>'] }), 'eve', 't1').status, 404);
  assert.equal(r.register(register({ contacts: ['<mailto:x>'] }), 'alice', 't1').status, 400);
  assert.equal(r.register(register({ contacts: ['<sip:alice@10.0.0.1>;expires=soon'] }), 'alice', 't1').status, 400);
  assert.equal(r.register(register({ contacts: ['<sip:alice@10.0.0.1>'], cseq: 5 }), 'alice', 't1').status, 200);
  assert.equal(r.register(register({ contacts: ['<sip:alice@10.0.0.1>'], cseq: 5 }), 'alice', 't1').status, 500, 'same Call-ID, CSeq not higher');
  assert.equal(r.register(register({ contacts: ['<sip:alice@10.0.0.1>'], cseq: 1, callId: 'new' }), 'alice', 't1').status, 200, 'a new Call-ID starts over');
});

test('outbound: the same +sip.instance and reg-id replaces the binding even with a new Contact URI; the flow is kept', () => {
  const { r } = rig();
  r.register(register({ contacts: [OB(40001)], expires: 600 }), 'alice', 't1');
  const res = r.register(register({ contacts: [OB(40002)], expires: 600, callId: 'after-reboot' }), 'alice', 't7');
  assert.equal(getHeader(res, 'Require'), 'outbound');
  const live = r.live('alice');
  assert.equal(live.length, 1);
  assert.equal(live[0]!.uri, 'sip:x40002@127.0.0.1:40002;transport=tcp;ob');
  assert.equal(live[0]!.flowId, 't7');
  assert.equal(live[0]!.instance, INSTANCE);
  assert.equal(r.registeredOn('alice', 't7'), true);
  assert.equal(r.registeredOn('alice', 't1'), false);
  r.register(register({ contacts: [OB(40003, 2)], expires: 600, callId: 'second-flow' }), 'alice', 't8');
  assert.equal(r.live('alice').length, 2, 'another reg-id is another flow');
  assert.equal(r.byContact(parseUri('sip:x40003@127.0.0.1:40003')!)?.flowId, 't8');
});

test('GRUU: pub-gruu and temp-gruu in the 200 with Supported: gruu; both route to that instance only; temp GRUUs reset with a new Call-ID', () => {
  const { r } = rig();
  r.register(register({ contacts: ['<sip:alice@10.0.0.5>'], expires: 600, callId: 'plain' }), 'alice', 't0');
  const res = r.register(register({ contacts: [OB(40001)], expires: 600, gruu: true }), 'alice', 't1');
  const mine = getHeaderValues(res, 'Contact').map((c) => parseNameAddr(c)!).find((c) => c.params.has('+sip.instance'))!;
  assert.equal(mine.params.get('pub-gruu'), `"sip:alice@${DOMAIN};gr=${INSTANCE}"`);
  const temp1 = /^"(sip:tgruu\.[^@]+@pbx\.test;gr)"$/.exec(mine.params.get('temp-gruu') ?? '')?.[1];
  assert.ok(temp1, mine.params.get('temp-gruu'));
  assert.deepEqual(r.resolve(parseUri(`sip:alice@${DOMAIN};gr=${INSTANCE}`)!).map((b) => b.flowId), ['t1'], 'pub-gruu: that instance only');
  assert.deepEqual(r.resolve(parseUri(temp1)!).map((b) => b.flowId), ['t1']);
  assert.equal(r.resolve(parseUri(`sip:alice@${DOMAIN}`)!).length, 2, 'the AOR forks to both');
  assert.equal(r.resolve(parseUri(`sip:alice@${DOMAIN};gr=urn:uuid:00000000-0000-0000-0000-000000000000`)!).length, 0);

  const refresh = r.register(register({ contacts: [OB(40001)], expires: 600, gruu: true, cseq: 2 }), 'alice', 't1');
  const temp2 = /"(sip:[^"]+)"/.exec(getHeaderValues(refresh, 'Contact').find((c) => c.includes('temp-gruu'))!.split('temp-gruu=')[1]!)?.[1];
  assert.notEqual(temp2, temp1, 'each refresh hands out a new temporary GRUU');
  assert.equal(r.resolve(parseUri(temp1)!).length, 1, 'and the earlier ones still work');
  r.register(register({ contacts: [OB(40001)], expires: 600, gruu: true, callId: 'rebooted' }), 'alice', 't2');
  assert.equal(r.resolve(parseUri(temp1)!).length, 0, 'a new Call-ID invalidates the old temporary GRUUs');
  // Without Supported: gruu, no GRUUs in the answer.
  const noGruu = r.register(register({ contacts: [OB(40001)], expires: 600, callId: 'rebooted', cseq: 9 }), 'alice', 't2');
  assert.ok(getHeaderValues(noGruu, 'Contact').every((c) => !c.includes('gruu=')));
});

test('cli: options parsed and checked', () => {
  assert.deepEqual(parseCli(['--port', '5070', '--users', 'a, b', '--quiet']), { host: '127.0.0.1', port: 5070, users: ['a', 'b'], password: 'secret', quiet: true });
  assert.throws(() => parseCli(['--port', 'x']), /--port/);
  assert.throws(() => parseCli(['--users', ',']), /--users/);
  assert.throws(() => parseCli(['--nope']), /nope/);
});
