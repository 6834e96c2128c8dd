// The call core in fake time with recording ports: every office scenario as the network would play it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CallControl, CallError, type FinishedCall } from '../../src/phone/call-control.js';
import { FakeClock } from '../../src/phone/clock.js';
import type { CallAudio, CallSignaling, IncomingCallInfo } from '../../src/phone/call-ports.js';
import { callsSchema, type CallsConfig } from '../../src/config/calls-schema.js';

type Op = [string, ...unknown[]];

function setup(config: Partial<CallsConfig> | Record<string, unknown> = {}) {
  const ops: Op[] = [];
  const sounds: (string | undefined)[] = [];
  const audible: string[][] = [];
  const conference: string[][] = [];
  const rec = (name: string) => (...args: unknown[]) => void ops.push([name, ...args]);
  const signaling: CallSignaling = {
    dial: rec('dial'), answer: rec('answer'), reject: rec('reject'), redirect: rec('redirect'), hangup: rec('hangup'),
    hold: rec('hold'), resume: rec('resume'), sendDtmf: rec('dtmf'), transfer: rec('transfer'),
    transferReplacing: rec('transferReplacing'), acceptRefer: rec('acceptRefer'), rejectRefer: rec('rejectRefer'),
  };
  const audio: CallAudio = {
    play: (s) => void sounds.push(s),
    setMuted: rec('muted'),
    setAudible: (ids) => void audible.push([...ids]),
    setConference: (ids) => void conference.push([...ids]),
  };
  const clock = new FakeClock();
  const ended: FinishedCall[] = [];
  const core = new CallControl({
    config: callsSchema.parse(config),
    signaling,
    audio,
    clock,
    ownAor: 'sip:alice@example.com',
    dialPlan: { toTarget: (s) => (s.startsWith('sip:') ? s : `sip:${s}@example.com`) },
  });
  core.onCallEnded((c) => ended.push(c));
  const take = (name?: string): Op[] => {
    const out = name === undefined ? ops.splice(0) : ops.filter((o) => o[0] === name);
    if (name !== undefined) for (const o of out) ops.splice(ops.indexOf(o), 1);
    return out;
  };
  return { core, ops, take, sounds, audible, conference, clock, ended };
}

/** Bob's call answered and connected, then a second (outgoing) call connected: the two-call starting point. */
function twoCalls(t: ReturnType<typeof setup>): string {
  t.core.signalIncoming('i1', BOB);
  t.core.answer();
  t.core.signalConnected('i1');
  const other = t.core.dial('2005');
  t.core.signalConnected(other);
  t.take();
  return other;
}

const BOB: IncomingCallInfo = { remote: { uri: 'sip:bob@example.com', name: 'Bob', number: '2002' }, diversions: 0 };
const CAROL: IncomingCallInfo = { remote: { uri: 'sip:carol@example.com', name: 'Carol' }, diversions: 0 };

test('outgoing call: dial → ringback tone → connected (audible) → hang up; logged as answered', () => {
  const t = setup();
  const id = t.core.dial('2002');
  assert.deepEqual(t.take(), [['dial', id, 'sip:2002@example.com']]);
  t.core.signalProgress(id, { earlyMedia: false });
  assert.equal(t.sounds.at(-1), 'ringback');
  t.core.signalProgress(id, { earlyMedia: true });
  assert.equal(t.sounds.at(-1), undefined, 'early media replaces the local ringback');
  assert.deepEqual(t.audible.at(-1), [id]);
  t.clock.advance(5000);
  t.core.signalConnected(id);
  assert.equal(t.core.snapshot().calls[0]?.state, 'connected');
  t.clock.advance(60_000);
  t.core.hangup();
  assert.deepEqual(t.take(), [['hangup', id]]);
  t.core.signalEnded(id, { originator: 'local' });
  assert.equal(t.core.snapshot().calls.length, 0);
  assert.equal(t.ended[0]?.outcome, 'answered');
  assert.equal(t.ended[0].endedAt - t.ended[0].answeredAt!, 60_000);
});

test('outgoing call refused busy: notice, busy tone for a while, logged busy; cancel before answer is "cancelled"', () => {
  const t = setup();
  const id = t.core.dial('2002');
  t.core.signalEnded(id, { originator: 'remote', status: 486, reason: 'Busy' });
  assert.equal(t.core.snapshot().notice?.text, 'Busy');
  assert.equal(t.sounds.at(-1), 'busy');
  t.clock.advance(3000);
  assert.equal(t.sounds.at(-1), undefined, 'the busy tone stops by itself');
  assert.equal(t.ended[0]?.outcome, 'busy');
  const id2 = t.core.dial('2003');
  t.core.hangup(id2);
  t.core.signalEnded(id2, { originator: 'local' });
  assert.equal(t.ended[1]?.outcome, 'cancelled');
  assert.notEqual(t.sounds.at(-1), 'congestion', 'a call the user cancelled plays no failure tone');
});

test('3xx redirect is followed on the same line up to the loop limit', () => {
  const t = setup({ redirectLimit: 2 });
  const id = t.core.dial('2002');
  t.take();
  t.core.signalEnded(id, { originator: 'remote', status: 302, redirectTo: ['sip:desk@example.com'] });
  const [d1] = t.take('dial');
  assert.equal(d1?.[2], 'sip:desk@example.com');
  const id2 = d1[1] as string;
  assert.equal(t.core.snapshot().calls[0]?.line, 1);
  t.core.signalEnded(id2, { originator: 'remote', status: 302, redirectTo: ['sip:desk2@example.com'] });
  const id3 = t.take('dial')[0]![1] as string;
  t.core.signalEnded(id3, { originator: 'remote', status: 302, redirectTo: ['sip:desk@example.com'] });
  assert.equal(t.take('dial').length, 0, 'third redirect is refused');
  assert.equal(t.core.snapshot().notice?.text, 'Too many redirects');
  assert.equal(t.ended.length, 1, 'one call in the log, not one per redirect');
});

test('incoming call rings; answer; caller hangs up; logged received. Unanswered → missed', () => {
  const t = setup();
  t.core.signalIncoming('i1', BOB);
  assert.equal(t.sounds.at(-1), 'ring');
  assert.equal(t.core.snapshot().calls[0]?.remote.name, 'Bob');
  t.core.answer();
  assert.deepEqual(t.take(), [['answer', 'i1']]);
  t.core.signalConnected('i1');
  assert.equal(t.sounds.at(-1), undefined);
  t.core.signalEnded('i1', { originator: 'remote' });
  t.core.signalIncoming('i2', CAROL);
  t.core.signalEnded('i2', { originator: 'remote' });
  assert.deepEqual(t.ended.map((e) => e.outcome), ['answered', 'missed']);
});

test('reject uses the configured status; lines full → 486 and logged busy', () => {
  const t = setup({ rejectStatus: 603, lines: 1 });
  t.core.signalIncoming('i1', BOB);
  t.core.reject();
  assert.deepEqual(t.take(), [['reject', 'i1', 603]]);
  t.core.signalEnded('i1', { originator: 'local' });
  assert.equal(t.ended[0]?.outcome, 'rejected');
  const id = t.core.dial('2003');
  t.core.signalConnected(id);
  t.take();
  t.core.signalIncoming('i2', CAROL);
  assert.deepEqual(t.take(), [['reject', 'i2', 486]]);
  t.core.signalEnded('i2', { originator: 'local' });
  assert.equal(t.ended[1]?.outcome, 'busy');
  assert.throws(() => t.core.dial('2004'), (e: unknown) => e instanceof CallError && e.code === 'no-free-line');
});

test('call waiting: beep during a call, answering holds the first; swap; hang up resumes nothing by itself', () => {
  const t = setup();
  t.core.signalIncoming('i1', BOB);
  t.core.answer('i1');
  t.core.signalConnected('i1');
  t.take();
  t.core.signalIncoming('i2', CAROL);
  assert.equal(t.sounds.at(-1), 'callWaiting');
  t.core.answer('i2');
  assert.deepEqual(t.take(), [['hold', 'i1'], ['answer', 'i2']]);
  t.core.signalConnected('i2');
  assert.deepEqual(t.audible.at(-1), ['i2']);
  t.core.swap();
  assert.deepEqual(t.take(), [['hold', 'i2'], ['resume', 'i1']]);
  assert.deepEqual(t.audible.at(-1), ['i1']);
  const snap = t.core.snapshot();
  assert.deepEqual(snap.calls.map((c) => [c.id, c.held]), [['i1', false], ['i2', true]]);
});

test('call waiting off: a second call while talking is busy', () => {
  const t = setup({ callWaiting: false });
  t.core.signalIncoming('i1', BOB);
  t.core.answer();
  t.core.signalConnected('i1');
  t.take();
  t.core.signalIncoming('i2', CAROL);
  assert.deepEqual(t.take(), [['reject', 'i2', 486]]);
});

test('remote hold is shown; mute is the microphone only', () => {
  const t = setup();
  const id = t.core.dial('2002');
  t.core.signalConnected(id);
  t.core.signalRemoteHold(id, true);
  assert.equal(t.core.snapshot().calls[0]?.remoteHold, true);
  t.core.mute();
  assert.equal(t.core.snapshot().muted, true);
  assert.equal(t.core.snapshot().calls[0]?.muted, true);
  assert.deepEqual(t.take('muted').at(-1), ['muted', [id]]);
  assert.equal(t.core.snapshot().calls.length, 1);
  t.core.mute(id, false);
  assert.deepEqual(t.take('muted').at(-1), ['muted', []]);
  t.core.signalRemoteHold(id, false);
  assert.equal(t.core.snapshot().calls[0]?.remoteHold, false);
});

test('DTMF goes to the focused call; bad digits are refused', () => {
  const t = setup();
  const id = t.core.dial('2002');
  t.core.signalConnected(id);
  t.take();
  t.core.sendDtmf('12#');
  assert.deepEqual(t.take(), [['dtmf', id, '12#']]);
  assert.throws(() => t.core.sendDtmf('1x'), CallError);
  for (const d of ['1', '#', 'x', '9']) t.core.signalDtmf(id, d);
  assert.equal(t.core.snapshot().calls[0]?.dtmfReceived, '1#9', 'received digits are shown; junk is ignored');
});

test('blind transfer: held, REFER, NOTIFY 200 → we hang up; failure → caller back', () => {
  const t = setup();
  t.core.signalIncoming('i1', BOB);
  t.core.answer();
  t.core.signalConnected('i1');
  t.take();
  t.core.transfer('i1', '2005');
  assert.deepEqual(t.take(), [['hold', 'i1'], ['transfer', 'i1', 'sip:2005@example.com']]);
  t.core.signalTransferProgress('i1', 100);
  t.core.signalTransferProgress('i1', 603, 'Declined');
  assert.deepEqual(t.take(), [['resume', 'i1']]);
  assert.equal(t.core.snapshot().calls[0]?.transfer?.state, 'failed');
  assert.match(t.core.snapshot().notice?.text ?? '', /Transfer failed: Declined/);
  t.core.transfer('i1', '2006');
  t.take();
  t.core.signalTransferProgress('i1', 200, 'OK');
  assert.deepEqual(t.take(), [['hangup', 'i1']]);
});

test('attended transfer: consult call, REFER with Replaces, success leaves both legs', () => {
  const t = setup();
  const consult = twoCalls(t);
  t.core.transferTo('i1', consult);
  assert.deepEqual(t.take(), [['transferReplacing', 'i1', consult]]);
  t.core.signalTransferProgress('i1', 200);
  assert.deepEqual(t.take(), [['hangup', 'i1']]);
  t.core.signalEnded('i1', { originator: 'local' });
  t.clock.advance(5000);
  assert.deepEqual(t.take(), [['hangup', consult]], 'the consult leg is ended if the target did not replace it');
});

test('transferee: REFER accepted per config starts a new call; refused when off', () => {
  const t = setup();
  const id = t.core.dial('2002');
  t.core.signalConnected(id);
  t.take();
  t.core.signalRefer(id, 'r1', 'sip:carol@example.com');
  const [op] = t.take();
  assert.equal(op?.[0], 'acceptRefer');
  const newId = op[3] as string;
  assert.equal(t.core.snapshot().calls.find((c) => c.id === newId)?.remote.uri, 'sip:carol@example.com');
  t.core.signalConnected(newId);
  assert.deepEqual(t.take(), [], 'the call being transferred away is not held: the transferor ends it');

  const u = setup({ acceptTransfer: false });
  const id2 = u.core.dial('2002');
  u.core.signalConnected(id2);
  u.take();
  u.core.signalRefer(id2, 'r9', 'sip:carol@example.com');
  assert.deepEqual(u.take(), [['rejectRefer', id2, 'r9']]);
});

test('transfer target: INVITE with Replaces is answered without ringing', () => {
  const t = setup();
  t.core.signalIncoming('i1', BOB);
  t.core.answer();
  t.core.signalConnected('i1');
  t.take();
  const ringsBefore = t.sounds.filter((s) => s === 'ring').length;
  t.core.signalIncoming('i2', { ...CAROL, replaces: 'i1' });
  assert.deepEqual(t.take(), [['answer', 'i2']]);
  assert.equal(t.sounds.filter((s) => s === 'ring').length, ringsBefore);
  t.core.signalEnded('i1', { originator: 'local' });
  t.core.signalConnected('i2');
  assert.deepEqual(t.core.snapshot().calls.map((c) => [c.id, c.line, c.state]), [['i2', 1, 'connected']]);
});

test('forwarding by the phone: always → 302; busy; no answer after N s; loops and self refused', () => {
  const t = setup({ forwarding: { always: '2009' } });
  t.core.signalIncoming('i1', BOB);
  assert.deepEqual(t.take(), [['redirect', 'i1', 'sip:2009@example.com', { uri: 'sip:alice@example.com', reason: 'unconditional' }]]);
  t.core.signalEnded('i1', { originator: 'local' });
  assert.equal(t.ended[0]?.outcome, 'forwarded');
  // A call already diverted maxDiversions times is not forwarded again: it rings here.
  t.core.signalIncoming('i2', { ...BOB, diversions: 5 });
  assert.equal(t.take('redirect').length, 0);
  assert.equal(t.core.snapshot().calls.find((c) => c.id === 'i2')?.state, 'ringing');

  const n = setup({ forwarding: { noAnswer: '2010', noAnswerS: 15 } });
  n.core.signalIncoming('i1', BOB);
  n.clock.advance(14_000);
  assert.equal(n.take('redirect').length, 0);
  n.clock.advance(1000);
  assert.deepEqual(n.take('redirect'), [['redirect', 'i1', 'sip:2010@example.com', { uri: 'sip:alice@example.com', reason: 'no-answer' }]]);
  n.core.signalIncoming('i2', CAROL);
  n.core.answer('i2');
  n.clock.advance(60_000);
  assert.equal(n.take('redirect').length, 0, 'an answered call is not forwarded');

  const b = setup({ lines: 1, forwarding: { busy: '2011' } });
  const id = b.core.dial('2002');
  b.core.signalConnected(id);
  b.take();
  b.core.signalIncoming('i1', BOB);
  assert.deepEqual(b.take(), [['redirect', 'i1', 'sip:2011@example.com', { uri: 'sip:alice@example.com', reason: 'user-busy' }]]);

  assert.throws(() => t.core.setForwarding('always', 'alice'), /itself/);
  t.core.setForwarding('always', undefined);
  assert.deepEqual(t.core.snapshot().forwarding, {});
});

test('forwarding by the PBX dials the feature codes and hangs up after the confirmation', () => {
  const t = setup({ forwarding: { mode: 'pbx' } });
  t.core.setForwarding('always', '2009');
  const [op] = t.take();
  assert.deepEqual(op?.slice(2), ['sip:*722009@example.com']);
  t.core.signalConnected(op[1] as string);
  t.clock.advance(2000);
  assert.deepEqual(t.take(), [['hangup', op[1]]]);
  t.core.signalEnded(op[1] as string, { originator: 'local' });
  assert.equal(t.ended.length, 0, 'feature-code calls stay out of the call log');
  t.core.setForwarding('always', '');
  assert.deepEqual(t.take()[0]?.slice(2), ['sip:*73@example.com']);
  t.core.signalIncoming('i1', BOB);
  assert.equal(t.take('redirect').length, 0, 'in pbx mode the phone itself does not redirect');
});

test('DND: reject mode answers 486; silent mode rings without sound', () => {
  const t = setup({ dnd: { enabled: true, mode: 'reject' } });
  t.core.signalIncoming('i1', BOB);
  assert.deepEqual(t.take(), [['reject', 'i1', 486]]);
  const s = setup({ dnd: { enabled: true, mode: 'silent' } });
  s.core.signalIncoming('i1', BOB);
  assert.equal(s.core.snapshot().calls[0]?.silent, true);
  assert.notEqual(s.sounds.at(-1), 'ring');
  s.core.setDnd(false);
  s.core.signalIncoming('i2', CAROL);
  assert.equal(s.sounds.at(-1), 'ring');
});

test('three-way conference: merge, both audible and mixed; one leg leaves, the other goes on', () => {
  const t = setup();
  const c = twoCalls(t);
  t.core.conference();
  assert.deepEqual(t.take(), [['resume', 'i1']]);
  assert.deepEqual(t.conference.at(-1), ['i1', c]);
  assert.deepEqual([...t.audible.at(-1)!].sort(), ['i1', c].sort());
  t.core.hold('i1');
  assert.deepEqual(t.take().map((o) => o[0]), ['hold', 'hold'], 'holding a leg holds the conference');
  t.core.resume(c);
  t.take();
  t.core.signalEnded('i1', { originator: 'remote' });
  assert.deepEqual(t.conference.at(-1), []);
  assert.deepEqual(t.audible.at(-1), [c]);
  assert.throws(() => t.core.conference(), /two connected calls/);
});

test('hook: off-hook answers a ringing call, gives dial tone when idle, dials the hotline; on-hook hangs up', () => {
  const t = setup();
  t.core.hook(true);
  assert.equal(t.sounds.at(-1), 'dial');
  t.core.hook(false);
  assert.equal(t.sounds.at(-1), undefined);
  t.core.signalIncoming('i1', BOB);
  t.take();
  t.core.hook(true);
  assert.deepEqual(t.take(), [['answer', 'i1']]);
  t.core.signalConnected('i1');
  t.core.hook(false);
  assert.deepEqual(t.take(), [['hangup', 'i1']]);

  const k = setup({ hotline: '2000' });
  k.core.hook(true);
  assert.deepEqual(k.take()[0]?.slice(2), ['sip:2000@example.com']);
});

test('auto-answer: config delay, Call-Info answer-after, never during another call', () => {
  const t = setup({ autoAnswer: { enabled: true, delayS: 2 } });
  t.core.signalIncoming('i1', BOB);
  t.clock.advance(1999);
  assert.equal(t.take('answer').length, 0);
  t.clock.advance(1);
  assert.deepEqual(t.take('answer'), [['answer', 'i1']]);

  const h = setup();
  h.core.signalIncoming('i1', { ...BOB, answerAfterS: 0 });
  h.clock.advance(0);
  assert.deepEqual(h.take('answer'), [['answer', 'i1']]);
  h.core.signalConnected('i1');
  h.core.signalIncoming('i2', { ...CAROL, answerAfterS: 0 });
  h.clock.advance(1000);
  assert.equal(h.take('answer').length, 0, 'an intercom call does not barge into a call in progress');

  const off = setup({ autoAnswer: { enabled: false, delayS: 0, honorRequests: false } });
  off.core.signalIncoming('i1', { ...BOB, answerAfterS: 0 });
  off.clock.advance(1000);
  assert.equal(off.take('answer').length, 0);
});

test('signals for unknown calls and intents in the wrong state are harmless or clear errors', () => {
  const t = setup();
  t.core.signalConnected('nope');
  t.core.signalEnded('nope', { originator: 'remote' });
  t.core.signalProgress('nope', { earlyMedia: true });
  t.core.signalTransferProgress('nope', 200);
  assert.throws(() => t.core.answer(), (e: unknown) => e instanceof CallError && e.code === 'no-such-call');
  assert.throws(() => t.core.hold('x'), CallError);
  assert.throws(() => t.core.dial('  '), CallError);
  const id = t.core.dial('2002');
  assert.throws(() => t.core.hold(id), (e: unknown) => e instanceof CallError && e.code === 'bad-state');
  assert.throws(() => t.core.transferTo(id, id), CallError);
});

test('a refused hold leaves the call as it was and says so', () => {
  const t = setup();
  const id = t.core.dial('2002');
  t.core.signalConnected(id);
  t.core.hold(id);
  assert.equal(t.core.snapshot().calls[0]?.held, true);
  t.core.signalHoldFailed(id, true);
  assert.equal(t.core.snapshot().calls[0]?.held, false);
  assert.equal(t.core.snapshot().notice?.text, 'Hold failed');
  assert.deepEqual(t.audible.at(-1), [id], 'still talking');
});

test('directed pickup: an INVITE to the caller replacing the early dialog, early-only', () => {
  const t = setup();
  const id = t.core.pickup('sip:bob@example.com', { callId: 'abc@host', toTag: 'dave-tag', fromTag: 'bob-tag' });
  assert.deepEqual(t.take(), [['dial', id, 'sip:bob@example.com', { replacesDialog: { callId: 'abc@host', toTag: 'dave-tag', fromTag: 'bob-tag', earlyOnly: true } }]]);
});

test('clearNotice (kiosk idle reset) forgets the notice and stops the failure tone', () => {
  const t = setup();
  const id = t.core.dial('2002');
  t.core.signalEnded(id, { originator: 'remote', status: 404, reason: 'Number not found' });
  assert.equal(t.core.snapshot().sound, 'congestion');
  t.core.clearNotice();
  assert.equal(t.core.snapshot().notice, undefined);
  assert.equal(t.core.snapshot().sound, undefined);
  assert.equal(t.clock.pending, 0, 'the failure tone timer is gone');
});
