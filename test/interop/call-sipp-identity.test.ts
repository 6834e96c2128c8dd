// The last interop gaps of call control, against scripted SIPp peers (test/scenarios/call-gap-*.xml): who is
// calling (P-Asserted-Identity over From, Diversion, Privacy: id) and the reject status; intercom auto-answer
// asked for by Call-Info answer-after; early media (183 with SDP) versus ringback (180 without); a blind
// transfer the far end reports as failed (NOTIFY 603) bringing the caller back; and mute that is only the
// microphone (no re-INVITE).
//
// Same rig as call-sipp.test.ts: one Kamailio and one phone (r.alice) for the whole file, each test leaving the
// phone without calls; SIPp over UDP; a SIPp UAS is reached by dialing sip:<user>@127.0.0.1:<SIPp's port>
// (Kamailio relays it), a SIPp UAC calls sip:alice@127.0.0.1 from a foreign domain (example.net), so
// Kamailio asks it for no credentials. Timing comes from SIPp's message trace.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { phoneSentSince, sipHeader, sippTrace, type TraceEntry } from '../harness/sip-trace.js';
import { sippCallRig, sleep, type CallView } from '../harness/sipp-call-rig.js';


/**
 * The dial plan of the phone under test. Incoming numbers go through the same rules as dialed ones
 * (dial-plan.ts displayNumber → normalize): the second rule turns a number of the office's own DID range
 * into its extension, so the PBX's +31201234567 shows as 4567 — only the rule can produce that. The first
 * (the usual national → E.164 rule) must not get in its way: first match wins, and it does not match.
 */
const DIAL_RULES = [
  { pattern: '^0(\\d{9})$', replace: '+31$1', description: 'national → E.164' },
  { pattern: '^\\+3120123(\\d{4})$', replace: '$1', description: 'own DID range → extension' },
];

// ---- SIP traces ---------------------------------------------------------------------------------------




const sent = (trace: TraceEntry[], start: string): TraceEntry | undefined => trace.find((e) => e.dir === 'out' && e.firstLine.startsWith(start));
const received = (trace: TraceEntry[], start: string): TraceEntry[] => trace.filter((e) => e.dir === 'in' && e.firstLine.startsWith(start));



// ---- peers --------------------------------------------------------------------------------------------




// ---- the shared rig -----------------------------------------------------------------------------------

describe('call control against SIPp peers: identity, intercom, early media, failed transfer, mute', () => {
  // SIPp sends no RTP: no media timeout; no sound device needed. calls.rejectStatus and
  // calls.autoAnswer.honorRequests stay at their defaults (486, true): the tests check those defaults.
  const r = sippCallRig('call-sipp-identity', { media: { codecs: ['PCMU'], mediaTimeout: 0 }, audio: { device: 'null' }, dialPlan: { rules: DIAL_RULES } });
  const { w, calls, snapshot, idle, uas, uac, finished, post, dial, hangup } = r;
  const ringingCall = async (): Promise<CallView> => (await calls((s) => s.calls.length === 1 && s.calls[0]!.state === 'ringing')).calls[0]!;

  test('caller identity: P-Asserted-Identity name, dial-plan number, Diversion; Privacy: id hides both; reject is 486', w.guard(async (t: TestContext) => {
    await idle();
    const named = await uac('identity', 'call-gap-uac-identity.xml', { privacy: 'none' });
    const call = await ringingCall();
    assert.equal(call.direction, 'incoming');
    assert.equal(call.remote.name, 'Bob Builder', 'the asserted name wins over From\'s "Unknown"');
    assert.equal(call.remote.number, '4567', 'the asserted +31201234567 through the dial plan (own DID range → extension)');
    assert.match(call.remote.uri, /^sip:\+31201234567@example\.net\b/);
    assert.notEqual(call.remote.private, true);
    assert.equal(call.forwardedFrom?.uri, 'sip:reception@example.net');
    assert.equal(call.forwardedFrom?.reason, 'unconditional');
    await post(`/api/v1/calls/${call.id}/reject`);
    const first = sippTrace((await finished(named)).messages);
    assert.equal(received(first, 'SIP/2.0 ').at(-1)?.firstLine, 'SIP/2.0 486 Busy Here');
    await idle();
    t.diagnostic(`identity: name "${call.remote.name}", number ${call.remote.number} (asserted +31201234567), forwarded from ${call.forwardedFrom?.uri} (${call.forwardedFrom?.reason})`);

    const hidden = await uac('identity-private', 'call-gap-uac-identity.xml', { privacy: 'id' });
    const anonymous = await ringingCall();
    assert.equal(anonymous.remote.private, true);
    assert.equal(anonymous.remote.name, undefined, 'no name for a caller who withholds identity');
    assert.equal(anonymous.remote.number, undefined, 'no number for a caller who withholds identity');
    await post(`/api/v1/calls/${anonymous.id}/reject`);
    const trace = sippTrace((await finished(hidden)).messages);
    const final = received(trace, 'SIP/2.0 ').map((e) => e.firstLine).filter((l) => !/^SIP\/2\.0 1\d\d/.test(l));
    assert.deepEqual(final, ['SIP/2.0 486 Busy Here'], 'rejected with calls.rejectStatus (default 486)');
    t.diagnostic(`Privacy: id → remote ${JSON.stringify(anonymous.remote)}; rejected: ${final[0]}`);
  }));

  test('intercom: Call-Info answer-after=0 is answered without the user; an ordinary call keeps ringing', w.guard(async (t: TestContext) => {
    await idle();
    const pager = await uac('intercom', 'call-gap-uac-intercom.xml', { call_info: ';answer-after=0' });
    // No API call: the phone answers by itself.
    const connected = await calls((s) => s.calls.length === 1 && s.calls[0]!.state === 'connected', 5000);
    const live = sippTrace(pager.messages());
    const invite = sent(live, 'INVITE ');
    const ok = received(live, 'SIP/2.0 200')[0];
    assert.ok(invite && ok, `INVITE and 200 in the trace:\n${pager.messages()}`);
    const delay = ok.at - invite.at;
    assert.ok(delay < 2000, `answered ${delay} ms after the INVITE`);
    t.diagnostic(`answer-after=0: answered ${delay} ms after the INVITE (SIPp clock), call ${connected.calls[0]!.id}`);
    await hangup(connected.calls[0]!.id);
    await finished(pager);

    const caller = await uac('no-intercom', 'call-gap-uac-intercom.xml', { call_info: ';purpose=info' });
    const ringing = await ringingCall();
    const ringingSince = Date.now();
    await sleep(1500); // an auto-answer (0 s) would have happened long before
    const still = await snapshot();
    assert.equal(still.calls.length, 1);
    assert.equal(still.calls[0]!.state, 'ringing', 'a call that asks for nothing is not answered');
    assert.equal(still.sound, 'ring');
    assert.equal(received(sippTrace(caller.messages()), 'SIP/2.0 200').length, 0, 'no 200 OK reached the caller');
    const ringMs = Date.now() - ringingSince;
    await post(`/api/v1/calls/${ringing.id}/reject`);
    const trace = sippTrace((await finished(caller)).messages);
    assert.equal(received(trace, 'SIP/2.0 ').at(-1)?.firstLine, 'SIP/2.0 486 Busy Here');
    t.diagnostic(`Call-Info ;purpose=info: still ringing after ${ringMs} ms, then rejected 486`);
  }));

  /** Polls the call until it is connected; returns every (state, sound) seen on the way. */
  const statesUntilConnected = async (id: string): Promise<{ state: string; sound?: string; at: number }[]> => {
    const seen: { state: string; sound?: string; at: number }[] = [];
    for (const end = Date.now() + 8000; Date.now() < end; await sleep(40)) {
      const s = await snapshot();
      const c = s.calls.find((x) => x.id === id);
      assert.ok(c, `call ${id} ended before it connected: ${JSON.stringify(s)}`);
      seen.push({ state: c.state, ...(s.sound !== undefined ? { sound: s.sound } : {}), at: Date.now() });
      if (c.state === 'connected') return seen;
    }
    throw new Error(`call ${id} did not connect; seen ${JSON.stringify(seen.slice(-5))}`);
  };

  test('early media: 183 with SDP shows early-media and no ringback tone; 180 without SDP gives ringback', w.guard(async (t: TestContext) => {
    await idle();
    const early = await uas('early-media', 'call-gap-uas-183.xml');
    const id = await dial(`sip:bob@127.0.0.1:${early.localPort}`);
    const seen = await statesUntilConnected(id);
    const during = seen.filter((e) => e.state === 'early-media');
    assert.ok(during.length >= 5, `early-media seen ${during.length} times in 1.5 s: ${JSON.stringify(seen)}`);
    assert.ok(!seen.some((e) => e.state === 'ringback'), `never ringback: ${JSON.stringify(seen.map((e) => e.state))}`);
    assert.ok(!during.some((e) => e.sound === 'ringback'), `no ringback tone over early media: ${JSON.stringify(during)}`);
    const earlyMs = during.at(-1)!.at - during[0]!.at;
    await hangup(id);
    const trace = sippTrace((await finished(early)).messages);
    const progress = sent(trace, 'SIP/2.0 183')!;
    const answer = sent(trace, 'SIP/2.0 200')!;
    t.diagnostic(`183 → 200 after ${answer.at - progress.at} ms (SIPp); phone showed early-media for ≥${earlyMs} ms, sounds ${JSON.stringify([...new Set(during.map((e) => e.sound ?? 'none'))])}`);

    const ringer = await uas('ringback', 'call-gap-uas-180.xml');
    const id2 = await dial(`sip:bob@127.0.0.1:${ringer.localPort}`);
    const seen2 = await statesUntilConnected(id2);
    const ringback = seen2.filter((e) => e.state === 'ringback');
    assert.ok(ringback.length >= 5, `ringback seen ${ringback.length} times in 1.5 s: ${JSON.stringify(seen2)}`);
    assert.ok(ringback.every((e) => e.sound === 'ringback'), `ringback tone while it rings: ${JSON.stringify(ringback)}`);
    assert.ok(!seen2.some((e) => e.state === 'early-media'), '180 without SDP is not early media');
    assert.notEqual(seen2.at(-1)!.sound, 'ringback', 'the ringback tone stops when the call connects');
    await hangup(id2);
    await finished(ringer);
    t.diagnostic(`180 without SDP: state ringback with sound ringback for ≥${ringback.at(-1)!.at - ringback[0]!.at} ms`);
  }));

  test('blind transfer answered NOTIFY 603: the caller is resumed (sendrecv re-INVITE), transfer failed, "Transfer failed" notice', w.guard(async (t: TestContext) => {
    await idle();
    // SIPp may see a request "while sending" (it sends on its next tick); without abortunexp it drops it and
    // the retransmission comes (see the scenario).
    const peer = await uas('refer-603', 'call-gap-uas-refer-603.xml', { extraArgs: ['-default_behaviors', 'all,-abortunexp'] });
    const id = await dial(`sip:bob@127.0.0.1:${peer.localPort}`);
    await calls((s) => s.calls[0]?.state === 'connected');
    const mark = r.alice.process.output().length;
    await post(`/api/v1/calls/${id}/transfer`, { to: 'sip:carol@example.net' });

    const back = await calls((s) => s.calls[0]?.transfer?.state === 'failed' && s.calls[0].held === false);
    const call = back.calls[0]!;
    assert.equal(call.state, 'connected');
    assert.match(back.notice?.text ?? '', /Transfer failed/);
    assert.equal(call.transfer?.to, 'sip:carol@example.net');

    // The phone's own trace: REFER, the hold re-INVITE (sendonly) and the resume re-INVITE (sendrecv).
    let reinvites: string[] = [];
    for (const end = Date.now() + 5000; Date.now() < end; await sleep(50)) {
      reinvites = phoneSentSince(r.alice, mark).filter((m) => m.startsWith('INVITE '));
      if (reinvites.length >= 2) break;
    }
    const directions = reinvites.map((m) => /^a=(sendrecv|sendonly|recvonly|inactive)\r?$/m.exec(m)?.[1] ?? 'sendrecv (implied)');
    assert.deepEqual(directions, ['sendonly', 'sendrecv'], 'held for the transfer, then resumed');
    const refer = phoneSentSince(r.alice, mark).find((m) => m.startsWith('REFER '));
    assert.match(sipHeader(refer ?? '', 'Refer-To') ?? '', /sip:carol@example\.net/);

    assert.ok(sent(sippTrace(peer.messages()), 'NOTIFY '), 'SIPp sent its NOTIFY');
    const notifyAnswer = phoneSentSince(r.alice, mark).find((m) => /^CSeq:\s*\d+ NOTIFY\r?$/m.test(m));
    assert.match(notifyAnswer ?? '', /^SIP\/2\.0 200 /, 'the phone answered the NOTIFY 200');
    t.diagnostic(`NOTIFY 603 → notice "${back.notice?.text}", transfer ${JSON.stringify(call.transfer)}, re-INVITE directions ${directions.join(' → ')}`);
    await hangup(id);
    await finished(peer);
  }));

  test('mute is the microphone only: the call stays connected and no re-INVITE is sent', w.guard(async (t: TestContext) => {
    await idle();
    const peer = await uas('mute', 'call-uas-answer.xml');
    const id = await dial(`sip:bob@127.0.0.1:${peer.localPort}`);
    await calls((s) => s.calls[0]?.state === 'connected');
    const mark = r.alice.process.output().length;

    await post(`/api/v1/calls/${id}/mute`);
    const muted = await calls((s) => s.calls[0]?.muted === true);
    assert.equal(muted.muted, true, 'the Mute lamp follows the focused call');
    assert.equal(muted.calls[0]!.state, 'connected');
    assert.equal(muted.calls[0]!.held, false, 'mute is not hold');
    await sleep(1000); // a hold-style re-INVITE would go out at once
    await post(`/api/v1/calls/${id}/unmute`);
    const unmuted = await calls((s) => s.calls[0]?.muted === false);
    assert.equal(unmuted.muted, false);
    assert.equal(unmuted.calls[0]!.state, 'connected');
    await sleep(300);

    const sentSince = phoneSentSince(r.alice, mark).map((m) => m.split(/\r?\n/)[0]!);
    assert.ok(!sentSince.some((l) => /^(INVITE|UPDATE) /.test(l)), `no re-INVITE or UPDATE after mute/unmute: ${JSON.stringify(sentSince)}`);
    await hangup(id);
    const trace = sippTrace((await finished(peer)).messages); // call-uas-answer.xml would fail on a re-INVITE, too
    assert.equal(received(trace, 'INVITE ').length, 1);
    t.diagnostic(`mute/unmute: call stayed connected; requests the phone sent meanwhile: ${JSON.stringify(sentSince)}`);
  }));
});
