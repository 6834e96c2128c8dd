// Call control against scripted SIP peers: the sipdesk phone (the real CLI, driven through its control API)
// behind Kamailio, and SIPp scenarios (test/scenarios/call-*.xml) as the far ends, for the answers no
// softphone gives on demand: 302 (followed, and a redirect loop cut off at calls.redirectLimit), 486, 491 glare
// on a hold re-INVITE (retried after RFC 3261 §14.1's 2.1–4 s), a re-INVITE refused with 500 or 481, an
// incoming REFER with Replaces (sipdesk the transferee) and an INVITE with Replaces (sipdesk the target).
//
// One Kamailio and one phone (r.alice) serve every test of the file; each test leaves the phone without calls.
// SIPp runs over UDP. The phone reaches a SIPp UAS by its address: it dials sip:<user>@127.0.0.1:<SIPp's port>,
// which Kamailio relays (it is not one of Kamailio's own addresses). A SIPp UAC calls sip:alice@127.0.0.1
// through Kamailio from a foreign domain (example.net), so Kamailio asks it for no credentials.
// Timing is measured on SIPp's side, from the timestamps of its message trace.
import { describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { startPhone } from '../harness/phone.js';
import { freePort } from '../harness/ports.js';
import { phoneSentSince, sipBody, sipHeader, sippTrace, type TraceEntry } from '../harness/sip-trace.js';
import { sippCallRig, sleep, type LogBody, type Snapshot } from '../harness/sipp-call-rig.js';

const REDIRECT_LIMIT = 3;


// ---- SIP traces ---------------------------------------------------------------------------------------







// ---- peers --------------------------------------------------------------------------------------------




// ---- the shared rig -----------------------------------------------------------------------------------

describe('call control against SIPp peers', () => {
  // SIPp sends no RTP: no media timeout; no sound device needed.
  const r = sippCallRig('call-sipp', { media: { codecs: ['PCMU'], mediaTimeout: 0 }, audio: { device: 'null' }, calls: { redirectLimit: REDIRECT_LIMIT } });
  const { w, calls, snapshot, idle, uas, uac, finished, dial, hangup } = r;

  test('302: the call follows the Contact on the same line and connects there', w.guard(async (t: TestContext) => {
    await idle();
    const carol = await uas('redirect-target', 'call-uas-answer.xml', { service: 'carol' });
    const carolUri = `sip:carol@127.0.0.1:${carol.localPort}`;
    const redirector = await uas('redirector', 'call-uas-302.xml', { keys: { contact: carolUri } });

    const id = await dial(`sip:bob@127.0.0.1:${redirector.localPort}`);
    const first = (await calls(() => true)).calls.find((c) => c.id === id);
    const line = first?.line ?? 1;
    const connected = await calls((s) => s.calls.length === 1 && s.calls[0]!.state === 'connected');
    const call = connected.calls[0]!;
    assert.equal(call.remote.uri, carolUri, 'the call is now with the redirect target');
    assert.equal(call.line, line, 'the redirected call stays on its line');
    assert.equal(call.direction, 'outgoing');

    await finished(redirector);
    const invite = sippTrace(carol.messages()).find((e) => e.dir === 'in' && e.firstLine.startsWith('INVITE '));
    assert.equal(invite?.firstLine, `INVITE ${carolUri} SIP/2.0`);
    t.diagnostic(`302 followed: call ${id} → ${call.id} on line ${call.line}, connected to ${call.remote.uri}`);
    await hangup(call.id);
    await finished(carol);
  }));

  test(`302 loop: the phone stops after calls.redirectLimit (${REDIRECT_LIMIT}) redirects and says why`, w.guard(async (t: TestContext) => {
    await idle();
    const port = await freePort();
    // Each INVITE is one SIPp "call": the original plus REDIRECT_LIMIT followed redirects. A further INVITE
    // would find no SIPp (it has exited) and the call would end for another reason than the limit.
    const loop = await uas('redirect-loop', 'call-uas-302.xml', { localPort: port, calls: REDIRECT_LIMIT + 1, service: 'loop', keys: { contact: `sip:loop@127.0.0.1:${port}` } });
    const since = r.k.mark();
    await dial(`sip:loop@127.0.0.1:${port}`);
    const ended = await calls((s) => s.calls.length === 0 && s.notice !== undefined);
    assert.equal(ended.notice?.text, 'Too many redirects');
    const result = await finished(loop);
    const invites = sippTrace(result.messages).filter((e) => e.dir === 'in' && e.firstLine.startsWith('INVITE ')).length;
    assert.equal(invites, REDIRECT_LIMIT + 1);
    await sleep(300); // a stray further INVITE would reach Kamailio by now
    // Kamailio logs each INVITE twice when the phone authenticates (407, then with credentials).
    const relayed = r.k.log().slice(since).match(/REQ INVITE sip:loop@[^\n]*/g) ?? [];
    assert.equal(relayed.length, 2 * (REDIRECT_LIMIT + 1), relayed.join('\n'));
    t.diagnostic(`redirect loop: ${invites} INVITEs, notice "${ended.notice?.text}"`);
  }));

  test('no RTP from the far end for media.mediaTimeout seconds: the phone ends the call with BYE', w.guard(async (t: TestContext) => {
    // A phone of its own: the shared one runs without a media timeout because SIPp sends no RTP.
    const dora = await startPhone({
      workdir: w.path, name: 'dora', user: 'dave', domain: r.k.domain, proxy: `sip:${r.k.ip}:${r.k.port};transport=tcp`,
      config: { media: { codecs: ['PCMU'], mediaTimeout: 2 }, audio: { device: 'null' } },
    });
    w.defer(() => dora.stop());
    await dora.waitForState('registered');
    const silent = await uas('silent', 'call-uas-answer.xml');
    const res = await dora.api('POST', '/api/v1/calls', { to: `sip:bob@127.0.0.1:${silent.localPort}` });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    await dora.waitForApi<Snapshot>('/api/v1/calls', (s) => s.calls[0]?.state === 'connected');
    const connectedAt = Date.now();
    await dora.waitForApi<Snapshot>('/api/v1/calls', (s) => s.calls.length === 0, 8000);
    const after = Date.now() - connectedAt;
    await finished(silent); // the scenario ends on the BYE it received
    assert.ok(after >= 1500 && after < 6000, `ended ${after} ms after connecting (timeout 2 s)`);
    assert.match(dora.process.output(), />>> [^\n]*\nBYE sip:/, 'the phone sent BYE');
    t.diagnostic(`media timeout 2 s: BYE ${after} ms after the call connected`);
  }));

  test('forwarding by the PBX: setting it dials the feature code + target, the PBX answers, the phone hangs up; not logged', w.guard(async (t: TestContext) => {
    const pbx = await uas('feature-codes', 'call-uas-answer.xml', { service: '*722009' });
    // The PBX's feature codes are reached like any number: the dial plan's domain is this SIPp "PBX".
    const fran = await startPhone({
      workdir: w.path, name: 'fran', user: 'carol', domain: r.k.domain, proxy: `sip:${r.k.ip}:${r.k.port};transport=tcp`,
      config: { media: { codecs: ['PCMU'], mediaTimeout: 0 }, audio: { device: 'null' }, calls: { forwarding: { mode: 'pbx' } }, dialPlan: { domain: `127.0.0.1:${pbx.localPort}` } },
    });
    w.defer(() => fran.stop());
    await fran.waitForState('registered');
    const put = await fran.api('PUT', '/api/v1/forwarding', { always: '2009' });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await finished(pbx); // INVITE answered, then the phone's BYE
    const invite = sippTrace(pbx.messages()).find((e) => e.dir === 'in' && e.firstLine.startsWith('INVITE '));
    assert.equal(invite?.firstLine, `INVITE sip:*722009@127.0.0.1:${pbx.localPort} SIP/2.0`);
    const bye = sippTrace(pbx.messages()).find((e) => e.dir === 'in' && e.firstLine.startsWith('BYE '));
    assert.ok(bye && invite && bye.at - invite.at >= 1500, 'hung up after the PBX confirmed (about 2 s)');
    await fran.waitForApi<Snapshot>('/api/v1/calls', (s) => s.calls.length === 0);
    const log = (await fran.api('GET', '/api/v1/calllog')).body as LogBody;
    assert.equal(log.entries.length, 0, 'feature-code calls stay out of the call log');
    t.diagnostic(`feature code dialed: ${invite?.firstLine ?? '?'}; BYE after ${bye && invite ? bye.at - invite.at : '?'} ms`);
  }));

  test('session timers (RFC 4028): with Session-Expires 90 and the refresh ours, a re-INVITE refreshes the call at about 45 s', w.guard(async (t: TestContext) => {
    await idle();
    const peer = await uas('session-timer', 'call-uas-session-timer.xml', { timeoutSec: 90 });
    const id = await dial(`sip:bob@127.0.0.1:${peer.localPort}`);
    await calls((s) => s.calls[0]?.state === 'connected');
    const connectedAt = Date.now();
    const mark = r.alice.process.output().length;
    // From the phone's own trace: SIPp writes its message trace out only when it ends.
    const refreshes = (): string[] => phoneSentSince(r.alice, mark).filter((m) => m.startsWith('INVITE '));
    for (const end = Date.now() + 60_000; refreshes().length === 0 && Date.now() < end; await sleep(500));
    const after = Date.now() - connectedAt;
    assert.equal(refreshes().length, 1, 'the refresh re-INVITE came');
    assert.ok(after > 35_000 && after < 60_000, `refreshed ${after} ms after the call started (half of 90 s)`);
    assert.match(refreshes()[0]!, /^Session-Expires: 90;refresher=uac/im);
    assert.equal((await snapshot()).calls[0]?.state, 'connected', 'the call goes on');
    t.diagnostic(`session refresh by re-INVITE ${after} ms after the call started`);
    await hangup(id);
    await finished(peer);
  }));

  test('486: the call ends with "Busy", the busy tone for a moment, and is logged as outgoing/busy', w.guard(async (t: TestContext) => {
    await idle();
    const busy = await uas('busy', 'call-uas-486.xml');
    const target = `sip:bob@127.0.0.1:${busy.localPort}`;
    const dialedAt = Date.now();
    await dial(target);
    const ended = await calls((s) => s.calls.length === 0 && s.notice !== undefined, 5000);
    assert.equal(ended.notice?.text, 'Busy');
    assert.equal(ended.sound, 'busy');
    const quiet = await calls((s) => s.sound === undefined, 6000);
    assert.equal(quiet.notice?.text, 'Busy', 'the notice stays until the next call');
    await finished(busy);
    const log = await r.alice.waitForApi<LogBody>('/api/v1/calllog?category=dialed', (b) => b.entries.some((e) => e.remoteUri === target));
    const entry = log.entries.find((e) => e.remoteUri === target);
    assert.equal(entry?.direction, 'outgoing');
    assert.equal(entry?.outcome, 'busy');
    t.diagnostic(`486: notice "${ended.notice?.text}", busy tone for about ${Date.now() - dialedAt} ms from dialing until quiet`);
  }));

  test('491 on hold: the call stays up, the hold is retried after 2.1–4 s and then held', w.guard(async (t: TestContext) => {
    await idle();
    const peer = await uas('glare', 'call-uas-glare.xml');
    const id = await dial(`sip:bob@127.0.0.1:${peer.localPort}`);
    await calls((s) => s.calls[0]?.state === 'connected');
    assert.equal((await r.alice.api('POST', `/api/v1/calls/${id}/hold`)).status, 200);

    // The retry arrives at SIPp; meanwhile the call must still be there.
    const retried = async (): Promise<TraceEntry[]> => {
      for (const end = Date.now() + 8000; Date.now() < end; await sleep(50)) {
        const trace = sippTrace(peer.messages());
        if (trace.filter((e) => e.dir === 'in' && e.firstLine.startsWith('INVITE ')).length >= 3) return trace;
        const s = (await r.alice.api('GET', '/api/v1/calls')).body as Snapshot;
        assert.equal(s.calls.length, 1, 'the call survives the 491');
      }
      throw new Error(`no retried re-INVITE:\n${peer.messages()}`);
    };
    const trace = await retried();
    const refused = trace.find((e) => e.dir === 'out' && e.firstLine.startsWith('SIP/2.0 491'))!;
    const retry = trace.filter((e) => e.dir === 'in' && e.firstLine.startsWith('INVITE '))[2]!;
    const delay = retry.at - refused.at;
    // The phone waits 2100–3990 ms (RFC 3261 §14.1, it chose the Call-ID); the relay through Kamailio adds
    // a few ms both ways.
    assert.ok(delay >= 2100 && delay <= 4100, `retry after ${delay} ms`);
    const planned = /hold met a crossing re-INVITE \(491\); again in (\d+) ms/.exec(r.alice.process.output());
    assert.ok(planned, 'the phone logs the planned retry');
    const plannedMs = Number(planned[1]);
    assert.ok(plannedMs >= 2100 && plannedMs <= 4000, `planned ${plannedMs} ms`);
    assert.equal(sipHeader(retry.text, 'Call-ID'), sipHeader(refused.text, 'Call-ID'), 'the retry is in the same dialog');
    // A new request in the dialog, not the refused one sent again (RFC 3261 §12.2.1.1: CSeq goes up).
    const cseq = (e: TraceEntry): number => Number.parseInt(sipHeader(e.text, 'CSeq') ?? '', 10);
    assert.ok(cseq(retry) > cseq(refused), `CSeq ${cseq(refused)} refused, retried with ${cseq(retry)}`);

    const held = await calls((s) => s.calls[0]?.held === true && s.calls[0].state === 'connected');
    assert.equal(held.calls.length, 1);
    t.diagnostic(`491 glare: hold retried ${delay} ms after the 491 (SIPp clock); phone planned ${plannedMs} ms`);
    await hangup(id);
    await finished(peer);
  }));

  test('a hold re-INVITE answered 500 leaves the call up and not held ("Hold failed")', w.guard(async (t: TestContext) => {
    await idle();
    const peer = await uas('reinvite-500', 'call-uas-reinvite-500.xml');
    const id = await dial(`sip:bob@127.0.0.1:${peer.localPort}`);
    await calls((s) => s.calls[0]?.state === 'connected');
    assert.equal((await r.alice.api('POST', `/api/v1/calls/${id}/hold`)).status, 200);
    const failed = await calls((s) => s.notice?.text === 'Hold failed');
    assert.equal(failed.calls.length, 1);
    assert.equal(failed.calls[0]!.state, 'connected');
    assert.equal(failed.calls[0]!.held, false);
    await sleep(500); // no BYE, no retry follows a 500
    const still = (await r.alice.api('GET', '/api/v1/calls')).body as Snapshot;
    assert.equal(still.calls.length, 1);
    const reinvites = sippTrace(peer.messages()).filter((e) => e.dir === 'in' && e.firstLine.startsWith('INVITE ')).length;
    assert.equal(reinvites, 2, 'one INVITE and one re-INVITE, no retry');
    t.diagnostic(`500 to re-INVITE: call ${id} still connected, held=${failed.calls[0]!.held}, notice "${failed.notice?.text}"`);
    await hangup(id);
    await finished(peer);
  }));

  test('a hold re-INVITE answered 481 ends the call with BYE', w.guard(async (t: TestContext) => {
    await idle();
    const peer = await uas('reinvite-481', 'call-uas-reinvite-481.xml');
    const id = await dial(`sip:bob@127.0.0.1:${peer.localPort}`);
    await calls((s) => s.calls[0]?.state === 'connected');
    assert.equal((await r.alice.api('POST', `/api/v1/calls/${id}/hold`)).status, 200);
    await idle();
    const result = await finished(peer); // its last steps: BYE received, 200 sent
    assert.ok(sippTrace(result.messages).some((e) => e.dir === 'in' && e.firstLine.startsWith('BYE ')));
    t.diagnostic(`481 to re-INVITE: call ${id} ended with BYE`);
  }));

  test('incoming REFER with Replaces: sipdesk (transferee) answers 202, NOTIFYs 100 and 200, calls the target with Replaces', w.guard(async (t: TestContext) => {
    await idle();
    const carol = await uas('transfer-target', 'call-uas-answer.xml', { service: 'carol' });
    const carolUri = `sip:carol@127.0.0.1:${carol.localPort}`;
    const replaces = `consult-${randomBytes(4).toString('hex')}@127.0.0.1;to-tag=carol-7;from-tag=transferor-9`;
    const transferor = await uac('transferor', 'call-uac-refer.xml', { refer_to: `${carolUri}?Replaces=${encodeURIComponent(replaces)}` });

    const ringing = await calls((s) => s.calls[0]?.state === 'ringing');
    assert.equal((await r.alice.api('POST', `/api/v1/calls/${ringing.calls[0]!.id}/answer`)).status, 200);
    const result = await finished(transferor);

    const trace = sippTrace(result.messages);
    assert.ok(trace.some((e) => e.dir === 'in' && e.firstLine.startsWith('SIP/2.0 202')), 'REFER accepted with 202');
    const notifies = trace.filter((e) => e.dir === 'in' && e.firstLine.startsWith('NOTIFY '));
    for (const n of notifies) {
      assert.match(sipHeader(n.text, 'Event') ?? '', /^refer\b/i);
      assert.match(sipHeader(n.text, 'Content-Type') ?? '', /^message\/sipfrag\b/i);
    }
    const frags = notifies.map((n) => sipBody(n.text).split(/\r?\n/)[0]);
    assert.match(frags[0] ?? '', /^SIP\/2\.0 100\b/, `NOTIFY bodies: ${JSON.stringify(frags)}`);
    assert.match(frags.at(-1) ?? '', /^SIP\/2\.0 200\b/, `NOTIFY bodies: ${JSON.stringify(frags)}`);
    assert.match(sipHeader(notifies.at(-1)!.text, 'Subscription-State') ?? '', /^terminated/);

    // The INVITE to carol carries the Replaces header, unescaped, as sent and as received.
    const sent = phoneSentSince(r.alice).filter((m) => m.startsWith(`INVITE ${carolUri}`));
    assert.ok(sent.length > 0, 'the phone sent an INVITE to the transfer target');
    assert.equal(sipHeader(sent.at(-1)!, 'Replaces'), replaces);
    const received = sippTrace(carol.messages()).find((e) => e.dir === 'in' && e.firstLine.startsWith('INVITE '));
    assert.equal(sipHeader(received?.text ?? '', 'Replaces'), replaces);
    assert.match(sipHeader(received?.text ?? '', 'Referred-By') ?? '', /transferor@example\.net/);

    // The transferor left (BYE); the new call is with carol.
    const after = await calls((s) => s.calls.length === 1 && s.calls[0]!.state === 'connected' && s.calls[0]!.remote.uri === carolUri);
    t.diagnostic(`REFER: NOTIFY bodies ${JSON.stringify(frags)}; INVITE to carol with Replaces: ${sipHeader(sent.at(-1)!, 'Replaces')}`);
    await hangup(after.calls[0]!.id);
    await finished(carol);
  }));

  test('INVITE with Replaces: sipdesk (transfer target) answers at once and ends the replaced call; an unknown dialog gets 481', w.guard(async (t: TestContext) => {
    await idle();
    const first = await uac('replaced-call', 'call-uac-answered.xml');
    const ringing = await calls((s) => s.calls[0]?.state === 'ringing');
    const firstCall = ringing.calls[0]!;
    assert.equal((await r.alice.api('POST', `/api/v1/calls/${firstCall.id}/answer`)).status, 200);
    await calls((s) => s.calls[0]?.state === 'connected');

    // The dialog as SIPp sees it: its Call-ID and From tag, and sipdesk's tag (the To tag of its 200 OK).
    let dialog: { callId: string; fromTag: string; toTag: string } | undefined;
    for (const end = Date.now() + 5000; dialog === undefined && Date.now() < end; await sleep(50)) {
      const trace = sippTrace(first.messages());
      const invite = trace.find((e) => e.dir === 'out' && e.firstLine.startsWith('INVITE '));
      const ok = trace.find((e) => e.dir === 'in' && e.firstLine.startsWith('SIP/2.0 200'));
      const tagOf = (text: string, name: string): string | undefined => /;\s*tag=([^;>\s]+)/.exec(sipHeader(text, name) ?? '')?.[1];
      const callId = invite && sipHeader(invite.text, 'Call-ID');
      const fromTag = invite && tagOf(invite.text, 'From');
      const toTag = ok && tagOf(ok.text, 'To');
      if (callId && fromTag && toTag) dialog = { callId, fromTag, toTag };
    }
    assert.ok(dialog !== undefined, 'the dialog of call 1 is in SIPp\'s trace');

    const replacer = await uac('replacer', 'call-uac-replaces.xml', { replaces: `${dialog.callId};to-tag=${dialog.toTag};from-tag=${dialog.fromTag}` });
    const replaced = await finished(first); // got its BYE
    assert.ok(sippTrace(replaced.messages).some((e) => e.dir === 'in' && e.firstLine.startsWith('BYE ')));
    const now = await calls((s) => s.calls.length === 1 && s.calls[0]!.id !== firstCall.id && s.calls[0]!.state === 'connected');
    const newCall = now.calls[0]!;
    assert.match(newCall.remote.uri, /^sip:target@example\.net/);
    assert.equal(newCall.line, firstCall.line, 'the new call takes the replaced call\'s line');

    // Answered without waiting for anyone (no auto-answer configured): the 200 follows the INVITE at once.
    const rtrace = sippTrace(replacer.messages());
    const invite = rtrace.find((e) => e.dir === 'out' && e.firstLine.startsWith('INVITE '))!;
    const ok = rtrace.find((e) => e.dir === 'in' && e.firstLine.startsWith('SIP/2.0 200'))!;
    const answerMs = ok.at - invite.at;
    assert.ok(answerMs < 1500, `answered after ${answerMs} ms`);
    const rang = rtrace.some((e) => e.dir === 'in' && e.firstLine.startsWith('SIP/2.0 180'));
    t.diagnostic(`Replaces: answered ${answerMs} ms after the INVITE${rang ? ' (JsSIP sent 180 first)' : ''}; call ${firstCall.id} ended with BYE; new call ${newCall.id} on line ${newCall.line}`);
    await hangup(newCall.id);
    await finished(replacer);

    const stray = await uac('replaces-unknown', 'call-uac-replaces-481.xml', { replaces: `nosuch-${randomBytes(4).toString('hex')}@127.0.0.1;to-tag=x1;from-tag=y2` });
    await finished(stray);
    const s = await calls(() => true);
    assert.equal(s.calls.length, 0, 'an INVITE replacing nothing does not ring');
    t.diagnostic('Replaces naming no dialog: 481');
  }));
});
