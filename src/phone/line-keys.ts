/**
 * What the keys beside the screen do, as on Yealink, Poly and Cisco sets: a line key answers the call ringing
 * on that line, takes back the call held there, or with nothing on it gives dial tone; a busy-lamp key picks
 * up the call ringing at that colleague's phone, or else calls the colleague (speed dial). Directed pickup
 * is the PBX's feature code plus the extension, or an INVITE to the caller with Replaces of the early dialog
 * the lamp reported (RFC 3891 early-only), as the config says.
 */
import type { ColleaguesConfig } from '../config/colleagues-schema.js';
import { CallError, type CallControl } from './call-control.js';
import type { CallId } from './call-ports.js';
import type { ContactView } from './colleagues.js';
import { lineKeyLamps } from './lamps.js';
import type { ColleaguesSnapshot } from './colleagues.js';

/** Picks up the call ringing at a watched colleague's phone; CallError when there is none to pick up. */
export function pickUp(calls: CallControl, contact: ContactView, pickup: ColleaguesConfig['pickup']): CallId {
  if (contact.lamp !== 'ringing') throw new CallError('bad-state', `${contact.name} has no ringing call to pick up`);
  if (pickup.mode === 'code') {
    // The PBX's directed pickup: code + the extension's user part (Asterisk/FreePBX "**2001").
    const user = contact.uri.replace(/^sips?:/i, '').split('@')[0]!;
    return calls.dial(`${pickup.code}${user}`);
  }
  const r = contact.ringing;
  if (r?.callerTarget === undefined || r.remoteTag === undefined || r.localTag === undefined) {
    throw new CallError('bad-state', `${contact.name}'s ringing call cannot be picked up by Replaces: its dialog state names no caller target or tags`);
  }
  // The caller's early dialog, as the caller's UA sees it: its To tag is the extension's tag.
  return calls.pickup(r.callerTarget, { callId: r.callId, toTag: r.localTag, fromTag: r.remoteTag });
}

/** Acts on line key `index` (1-based, top to bottom, as lineKeyLamps lays them out); false if it has no key. */
export function pressLineKey(
  index: number,
  calls: CallControl,
  colleagues: ColleaguesSnapshot | undefined,
  pickup: ColleaguesConfig['pickup'],
  keyCount: number,
): boolean {
  const key = lineKeyLamps(calls.snapshot(), colleagues, keyCount)[index - 1];
  if (!key) return false;
  if (key.kind === 'busy-lamp') {
    if (key.contact.lamp === 'ringing') pickUp(calls, key.contact, pickup);
    else calls.dial(key.contact.uri);
    return true;
  }
  const snap = calls.snapshot();
  const call = snap.calls.find((c) => c.line === key.line);
  if (call?.state === 'ringing') calls.answer(call.id);
  else if (call?.held) calls.resume(call.id);
  else if (!call && snap.calls.length === 0) calls.hook(true);
  return true;
}
