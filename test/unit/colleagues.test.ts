// The colleagues model (src/phone/colleagues.ts): buddy-list presence, busy lamps with the ringing call to
// pick up, message waiting and other devices; what each setter changes, when listeners hear about it, and
// that a watch going down hides state instead of showing it stale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Colleagues, sameUri, type ColleaguesSnapshot, type RingingDialog } from '../../src/phone/colleagues.js';

const BOB = 'sip:bob@example.com';
const DAVE = 'sip:dave@example.com';

function setup() {
  const model = new Colleagues([
    { name: 'Bob', uri: BOB },
    { name: 'Dave', uri: DAVE, blf: true },
  ]);
  const changes: ColleaguesSnapshot[] = [];
  model.onChange((s) => changes.push(s));
  return { model, changes };
}

const ringing: RingingDialog = { callId: 'c1@pbx', localTag: 'dave-tag', remoteTag: 'caller-tag', caller: 'sip:erin@example.com', callerTarget: 'sip:erin@10.0.0.9' };

test('sameUri ignores scheme case, sips, parameters, headers and the default port, but not user or host', () => {
  assert.ok(sameUri('sip:bob@example.com', 'SIP:Bob@Example.com'));
  assert.ok(sameUri('sip:bob@example.com', 'sips:bob@example.com'));
  assert.ok(sameUri('sip:bob@example.com:5060', 'sip:bob@example.com;transport=tcp'));
  assert.ok(sameUri(' sip:bob@example.com?subject=x', 'sip:bob@example.com'));
  assert.ok(!sameUri('sip:bob@example.com', 'sip:bobby@example.com'));
  assert.ok(!sameUri('sip:bob@example.com', 'sip:bob@example.org'));
  assert.ok(!sameUri('sip:bob@example.com:5070', 'sip:bob@example.com'));
});

test('a new model: lamps idle for BLF contacts only, no presence, no messages, no other devices', () => {
  const { model, changes } = setup();
  const s = model.snapshot();
  assert.deepEqual(s.contacts, [
    { name: 'Bob', uri: BOB },
    { name: 'Dave', uri: DAVE, lamp: 'idle' },
  ]);
  assert.deepEqual(s.messages, { waiting: false, newMessages: 0, oldMessages: 0, urgentNew: 0 });
  assert.deepEqual(s.otherDevices, []);
  assert.equal(changes.length, 0);
});

test('presence: set, found by an equivalent URI, repeated values do not notify, unknown contacts are ignored', () => {
  const { model, changes } = setup();
  model.setPresence('sip:BOB@example.com;transport=tcp', { state: 'available', canIm: false });
  assert.deepEqual(model.find(BOB)?.presence, { state: 'available', canIm: false }, 'canIm false is kept, not dropped as falsy');
  assert.equal(changes.length, 1);
  model.setPresence(BOB, { state: 'available', canIm: false });
  assert.equal(changes.length, 1, 'the same presence again is no change');
  model.setPresence(BOB, { state: 'dnd', note: 'In a meeting' });
  assert.deepEqual(changes.at(-1)?.contacts[0]?.presence, { state: 'dnd', note: 'In a meeting' });
  model.setPresence(BOB, { state: 'busy', note: '' });
  assert.deepEqual(model.find(BOB)?.presence, { state: 'busy' }, 'an empty note is no note');
  model.setPresence('sip:mallory@example.com', { state: 'away' });
  assert.equal(changes.length, 3);
  assert.equal(model.find('sip:mallory@example.com'), undefined);
});

test('lamp: ringing keeps the dialog to pick up; busy and idle drop it; ringing without a dialog has none', () => {
  const { model, changes } = setup();
  model.setLamp(DAVE, 'ringing', ringing);
  assert.equal(model.find(DAVE)?.lamp, 'ringing');
  assert.deepEqual(model.find(DAVE)?.ringing, ringing);
  model.setLamp(DAVE, 'busy', ringing);
  assert.equal(model.find(DAVE)?.lamp, 'busy');
  assert.equal(model.find(DAVE)?.ringing, undefined, 'a busy lamp offers no pickup');
  model.setLamp(DAVE, 'ringing');
  assert.equal(model.find(DAVE)?.ringing, undefined);
  model.setLamp(DAVE, 'idle');
  assert.deepEqual(changes.map((s) => s.contacts[1]?.lamp), ['ringing', 'busy', 'ringing', 'idle']);
});

test('a watch that goes down hides the state it fed; an active one keeps it', () => {
  const { model } = setup();
  model.setPresence(BOB, { state: 'busy' });
  model.setLamp(DAVE, 'ringing', ringing);
  model.setWatch(BOB, 'presence', 'active');
  model.setWatch(DAVE, 'lamp', 'active');
  assert.equal(model.find(BOB)?.presence?.state, 'busy');
  assert.equal(model.find(DAVE)?.lamp, 'ringing');

  model.setWatch(BOB, 'presence', 'retrying');
  assert.equal(model.find(BOB)?.presence, undefined);
  assert.equal(model.find(BOB)?.presenceWatch, 'retrying');
  model.setWatch(DAVE, 'lamp', 'closed');
  assert.equal(model.find(DAVE)?.lamp, 'idle');
  assert.equal(model.find(DAVE)?.ringing, undefined);
  assert.equal(model.find(DAVE)?.lampWatch, 'closed');
  // Neither watch touched the other kind of state.
  assert.equal(model.find(BOB)?.lamp, undefined);
});

test('message waiting: counts default to 0, an identical summary is no change', () => {
  const { model, changes } = setup();
  model.setMessages({ waiting: true, newMessages: 2, oldMessages: 5 });
  assert.deepEqual(model.snapshot().messages, { waiting: true, newMessages: 2, oldMessages: 5, urgentNew: 0 });
  model.setMessages({ waiting: true, newMessages: 2, oldMessages: 5, urgentNew: 0 });
  assert.equal(changes.length, 1);
  model.setMessages({ waiting: false });
  assert.deepEqual(changes.at(-1)?.messages, { waiting: false, newMessages: 0, oldMessages: 0, urgentNew: 0 });
  assert.equal(changes.length, 2);
});

test('other devices: kept without empty fields, an identical list is no change, an empty list clears', () => {
  const { model, changes } = setup();
  model.setOtherDevices([{ uri: 'sip:alice@10.0.0.7', instance: 'urn:uuid:abc', expires: 300 }, { uri: 'sip:alice@10.0.0.8', instance: '' }]);
  assert.deepEqual(model.snapshot().otherDevices, [{ uri: 'sip:alice@10.0.0.7', instance: 'urn:uuid:abc', expires: 300 }, { uri: 'sip:alice@10.0.0.8' }]);
  model.setOtherDevices([{ uri: 'sip:alice@10.0.0.7', instance: 'urn:uuid:abc', expires: 300 }, { uri: 'sip:alice@10.0.0.8' }]);
  assert.equal(changes.length, 1);
  model.setOtherDevices([]);
  assert.deepEqual(model.snapshot().otherDevices, []);
  assert.equal(changes.length, 2);
});

test('snapshots are copies, and a listener that unsubscribed hears nothing more', () => {
  const { model } = setup();
  const s = model.snapshot();
  (s.otherDevices as unknown as unknown[]).push({ uri: 'sip:x@y' });
  (s.contacts[1] as { lamp?: string }).lamp = 'busy';
  assert.deepEqual(model.snapshot().otherDevices, []);
  assert.equal(model.find(DAVE)?.lamp, 'idle');

  const heard: ColleaguesSnapshot[] = [];
  const off = model.onChange((x) => heard.push(x));
  model.setLamp(DAVE, 'busy');
  off();
  model.setLamp(DAVE, 'idle');
  assert.equal(heard.length, 1);
});
