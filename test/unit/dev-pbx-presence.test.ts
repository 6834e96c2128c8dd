// The dev PBX's presence agent and notifier (sim/pbx/presence-agent.ts, pidf.ts) without sockets: PUBLISH
// rules (RFC 3903: ETag, SIP-If-Match refresh/modify/remove, 412, 489, 415), SUBSCRIBE/NOTIFY (RFC 6665) with
// the composed PIDF, expiry of publications and subscriptions, the dialog and message-summary packages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeader, type SipRequest } from '../../sim/pbx/message.js';
import { PresenceAgent, type AgentContext } from '../../sim/pbx/presence-agent.js';
import { composePidf, splitPidf } from '../../sim/pbx/pidf.js';

const DOMAIN = 'pbx.test';
let seq = 0;

function request(method: string, uri: string, headers: Record<string, string>, body = ''): SipRequest {
  const n = ++seq;
  const base: Record<string, string> = {
    Via: `SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bK${n}`,
    From: `<sip:carol@${DOMAIN}>;tag=from${n}`,
    To: `<${uri}>`,
    'Call-ID': `call-${n}`,
    CSeq: `1 ${method}`,
  };
  const all = { ...base, ...headers };
  return { kind: 'request', method, uri, headers: Object.entries(all).map(([name, value]) => ({ name, value })), body: Buffer.from(body) };
}

const tuple = (id: string, basic: string, extra = ''): string =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<!-- from a phone -->\n<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:bob@${DOMAIN}">` +
  `<tuple id="${id}"><status><basic>${basic}</basic></status></tuple>${extra}</presence>`;

interface Rig {
  agent: PresenceAgent;
  notifies: SipRequest[];
  /** What the subscriber answers to the next NOTIFYs (default 200). */
  answer: { status: number };
}

function rig(): Rig {
  const notifies: SipRequest[] = [];
  const answer = { status: 200 };
  const ctx: AgentContext = {
    domain: DOMAIN,
    contact: () => '<sip:127.0.0.1:5060;transport=tcp>',
    isUser: (u) => ['alice', 'bob', 'carol'].includes(u),
    sendNotify: (req, _flow, onFinal) => {
      notifies.push(req);
      onFinal(answer.status);
    },
    now: Date.now,
  };
  const agent = new PresenceAgent(ctx);
  return { agent, notifies, answer };
}

const tick = (ms = 0): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BOB = `sip:bob@${DOMAIN}`;

function publish(agent: PresenceAgent, headers: Record<string, string>, body = ''): ReturnType<PresenceAgent['publish']> {
  return agent.publish(request('PUBLISH', BOB, { Event: 'presence', ...(body ? { 'Content-Type': 'application/pidf+xml' } : {}), ...headers }, body));
}

function subscribe(agent: PresenceAgent, event: string, headers: Record<string, string> = {}): ReturnType<PresenceAgent['subscribe']> {
  return agent.subscribe(request('SUBSCRIBE', BOB, { Event: event, Contact: '<sip:carol@127.0.0.1:5999;transport=tcp>', Expires: '600', ...headers }), 't1');
}

test('SUBSCRIBE presence: 200 with Contact and Expires, then a NOTIFY with a closed document when nothing is published', async () => {
  const { agent, notifies } = rig();
  const res = subscribe(agent, 'presence');
  assert.equal(res.status, 200);
  assert.equal(getHeader(res, 'Expires'), '600');
  assert.equal(getHeader(res, 'Contact'), '<sip:127.0.0.1:5060;transport=tcp>');
  assert.ok(getHeader(res, 'To')!.includes(';tag='));
  assert.equal(notifies.length, 0, 'the NOTIFY comes after the 200');
  await tick();
  assert.equal(notifies.length, 1);
  const n = notifies[0]!;
  assert.equal(n.uri, 'sip:carol@127.0.0.1:5999;transport=tcp');
  assert.match(getHeader(n, 'Subscription-State')!, /^active;expires=(600|599)$/);
  assert.equal(getHeader(n, 'Content-Type'), 'application/pidf+xml');
  assert.match(getHeader(n, 'To')!, /^<sip:carol@pbx\.test>;tag=from\d+$/, "the subscriber's From, with its tag");
  assert.equal(getHeader(n, 'From'), `<${BOB}>;tag=${/tag=([^;]+)/.exec(getHeader(res, 'To')!)![1]}`, 'our To tag from the 200');
  assert.equal(getHeader(n, 'Event'), 'presence');
  assert.match(n.body.toString(), /<basic>closed<\/basic>/);
  agent.stop();
});

test('PUBLISH: ETag on each answer; modify, refresh and remove with SIP-If-Match; watchers notified of changes only', async () => {
  const { agent, notifies } = rig();
  subscribe(agent, 'presence');
  await tick();
  const first = publish(agent, { Expires: '600' }, tuple('desk', 'open'));
  assert.equal(first.status, 200);
  const etag1 = getHeader(first, 'SIP-ETag')!;
  assert.match(etag1, /^[0-9a-f]+$/);
  assert.equal(getHeader(first, 'Expires'), '600');
  await tick();
  assert.equal(notifies.length, 2);
  assert.match(notifies[1]!.body.toString(), /<tuple id="desk"><status><basic>open<\/basic>/);

  // A second device publishes too: one composed document with both tuples and the person element.
  const second = publish(agent, { Expires: '600' }, tuple('mobile', 'closed', '<dm:person id="p1"><note>away</note></dm:person>'));
  await tick();
  const composed = notifies.at(-1)!.body.toString();
  assert.match(composed, /<tuple id="desk">[\s\S]*<tuple id="mobile">[\s\S]*<dm:person id="p1">/);
  assert.match(composed, /^<\?xml[^>]*>\n<presence xmlns="urn:ietf:params:xml:ns:pidf" xmlns:dm="urn:ietf:params:xml:ns:pidf:data-model" entity="sip:bob@pbx\.test">/m);
  assert.equal(composed.match(/<presence /g)?.length, 1, 'one document');

  // Modify: new body, new ETag; the old ETag is now unknown (412).
  const modified = publish(agent, { 'SIP-If-Match': etag1, Expires: '600' }, tuple('desk', 'closed'));
  assert.equal(modified.status, 200);
  const etag2 = getHeader(modified, 'SIP-ETag')!;
  assert.notEqual(etag2, etag1);
  assert.equal(publish(agent, { 'SIP-If-Match': etag1 }).status, 412);
  await tick();
  assert.match(notifies.at(-1)!.body.toString(), /<tuple id="desk"><status><basic>closed/);

  // Refresh: no body, a new ETag, no NOTIFY.
  const before = notifies.length;
  const refreshed = publish(agent, { 'SIP-If-Match': etag2, Expires: '300' });
  assert.equal(refreshed.status, 200);
  assert.equal(getHeader(refreshed, 'Expires'), '300');
  await tick();
  assert.equal(notifies.length, before);

  // Remove: Expires 0; the desk tuple is gone from the next NOTIFY, the mobile one stays.
  const removed = publish(agent, { 'SIP-If-Match': getHeader(refreshed, 'SIP-ETag')!, Expires: '0' });
  assert.equal(removed.status, 200);
  await tick();
  const after = notifies.at(-1)!.body.toString();
  assert.doesNotMatch(after, /id="desk"/);
  assert.match(after, /id="mobile"/);
  assert.equal(getHeader(second, 'SIP-ETag') !== undefined, true);
  agent.stop();
});

test('PUBLISH refusals: 489 unknown event (with Allow-Events), 415 wrong type, 400 without body or with Expires 0, 404 unknown user', () => {
  const { agent } = rig();
  const bad = agent.publish(request('PUBLISH', BOB, { Event: 'dialog', 'Content-Type': 'application/dialog-info+xml' }, '<x/>'));
  assert.equal(bad.status, 489);
  assert.equal(getHeader(bad, 'Allow-Events'), 'presence');
  assert.equal(agent.publish(request('PUBLISH', BOB, { Event: 'presence', 'Content-Type': 'text/plain' }, 'hi')).status, 415);
  assert.equal(publish(agent, {}).status, 400);
  assert.equal(publish(agent, { Expires: '0' }, tuple('x', 'open')).status, 400);
  assert.equal(publish(agent, { Expires: 'never' }, tuple('x', 'open')).status, 400);
  assert.equal(agent.publish(request('PUBLISH', `sip:eve@${DOMAIN}`, { Event: 'presence', 'Content-Type': 'application/pidf+xml' }, tuple('x', 'open'))).status, 404);
  agent.stop();
});

test('expiry: a publication that runs out is dropped (NOTIFY), a subscription that runs out ends with terminated;reason=timeout', async () => {
  const { agent, notifies } = rig();
  subscribe(agent, 'presence', { Expires: '2' });
  publish(agent, { Expires: '1' }, tuple('desk', 'open'));
  await tick(20);
  assert.match(notifies.at(-1)!.body.toString(), /id="desk"/);
  await tick(1100);
  assert.match(notifies.at(-1)!.body.toString(), /<basic>closed<\/basic>/, 'the expired publication is gone');
  assert.match(getHeader(notifies.at(-1)!, 'Subscription-State')!, /^active/);
  await tick(1000);
  assert.equal(getHeader(notifies.at(-1)!, 'Subscription-State'), 'terminated;reason=timeout');
  assert.equal(agent.subscriptionCount(), 0);
  agent.stop();
});

test('in-dialog SUBSCRIBE: refresh keeps the dialog, Expires 0 ends it with a final NOTIFY; unknown dialog 481; 481 to a NOTIFY drops it', async () => {
  const { agent, notifies, answer } = rig();
  const res = subscribe(agent, 'presence');
  await tick();
  const toTag = /tag=([^;]+)/.exec(getHeader(res, 'To')!)![1]!;
  const first = notifies[0]!;
  const inDialog = (expires: string, tag = toTag): ReturnType<PresenceAgent['subscribe']> => agent.subscribe(request('SUBSCRIBE', 'sip:127.0.0.1:5060;transport=tcp', {
    Event: 'presence', Contact: '<sip:carol@127.0.0.1:5999;transport=tcp>', Expires: expires,
    From: getHeader(first, 'To')!, To: `<${BOB}>;tag=${tag}`, 'Call-ID': getHeader(first, 'Call-ID')!, CSeq: '2 SUBSCRIBE',
  }), 't1');
  assert.equal(inDialog('600', 'nope').status, 481);
  assert.equal(inDialog('300').status, 200);
  await tick();
  assert.match(getHeader(notifies.at(-1)!, 'Subscription-State')!, /^active;expires=(300|299)$/);
  assert.equal(getHeader(notifies.at(-1)!, 'CSeq'), '2 NOTIFY', 'NOTIFY CSeq counts up in the dialog');
  assert.equal(inDialog('0').status, 200);
  await tick();
  assert.equal(getHeader(notifies.at(-1)!, 'Subscription-State'), 'terminated;reason=timeout');
  assert.equal(agent.subscriptionCount(), 0);

  subscribe(agent, 'presence');
  answer.status = 481;
  await tick();
  assert.equal(agent.subscriptionCount(), 0, 'the watcher said the dialog does not exist');
  agent.stop();
});

test('dialog package: full dialog-info documents with rising versions follow a call leg; message-summary says no messages', async () => {
  const { agent, notifies } = rig();
  subscribe(agent, 'dialog');
  await tick();
  const doc = (i: number): string => notifies[i]!.body.toString();
  assert.equal(getHeader(notifies[0]!, 'Content-Type'), 'application/dialog-info+xml');
  assert.match(doc(0), /<dialog-info xmlns="urn:ietf:params:xml:ns:dialog-info" version="0" state="full" entity="sip:bob@pbx\.test">\n<\/dialog-info>/);
  const leg = { id: 'c1:r', callId: 'c1', remoteTag: 'caller-tag', direction: 'recipient' as const, state: 'early' as const, localIdentity: BOB, remoteIdentity: `sip:alice@${DOMAIN}`, remoteTarget: 'sip:alice@127.0.0.1:4000' };
  agent.dialogChanged('bob', { ...leg, localTag: 'bob-tag' });
  assert.match(doc(1), /version="1"/);
  assert.match(doc(1), /<dialog id="c1:r" call-id="c1" local-tag="bob-tag" remote-tag="caller-tag" direction="recipient">\n\s*<state>early<\/state>/);
  assert.match(doc(1), /<remote><identity>sip:alice@pbx\.test<\/identity><target uri="sip:alice@127\.0\.0\.1:4000"\/><\/remote>/);
  agent.dialogChanged('bob', { ...leg, localTag: 'bob-tag', state: 'confirmed' });
  agent.dialogChanged('bob', { ...leg, localTag: 'bob-tag', state: 'terminated' });
  assert.match(doc(3), /version="3"[\s\S]*<state>terminated<\/state>/);
  assert.equal(agent.legs('bob').length, 0, 'an ended leg is forgotten after it was reported');
  agent.dialogChanged('alice', { ...leg, id: 'other' });
  assert.equal(notifies.length, 4, "alice's calls do not concern bob's watchers");

  subscribe(agent, 'message-summary');
  await tick();
  assert.equal(getHeader(notifies.at(-1)!, 'Content-Type'), 'application/simple-message-summary');
  assert.match(notifies.at(-1)!.body.toString(), /^Messages-Waiting: no\r\nMessage-Account: sip:bob@pbx\.test\r\n$/);
  const refused = subscribe(agent, 'conference');
  assert.equal(refused.status, 489);
  assert.equal(getHeader(refused, 'Allow-Events'), 'presence, dialog, message-summary');
  agent.stop();
});

test('PIDF composition: prolog and comments skipped, prefixed roots merged, non-PIDF documents ignored', () => {
  const prefixed = '<?xml version="1.0"?><pidf:presence xmlns:pidf="urn:ietf:params:xml:ns:pidf" entity="sip:x@y"><pidf:tuple id="a"><pidf:status><pidf:basic>open</pidf:basic></pidf:status></pidf:tuple></pidf:presence>';
  assert.equal(splitPidf(prefixed)?.namespaces.get('xmlns:pidf'), 'urn:ietf:params:xml:ns:pidf');
  assert.equal(splitPidf('<presence xmlns="urn:example:other"><tuple/></presence>'), undefined, 'wrong namespace');
  assert.equal(splitPidf('<presence xmlns="urn:ietf:params:xml:ns:pidf"><tuple/></presence> trailing'), undefined);
  assert.equal(splitPidf('not xml'), undefined);
  const out = composePidf('sip:bob@pbx.test', [prefixed, tuple('b', 'closed'), '<garbage']);
  assert.match(out, /xmlns:pidf="urn:ietf:params:xml:ns:pidf"/);
  assert.match(out, /<pidf:tuple id="a">[\s\S]*<tuple id="b">/);
  assert.match(out, /entity="sip:bob@pbx\.test"/);
  assert.match(composePidf('sip:a@b', []), /<tuple id="pbx-offline"><status><basic>closed<\/basic><\/status><\/tuple>/);
});
