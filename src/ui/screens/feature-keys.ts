/**
 * The fixed feature keys of a desk phone (mute, hold, transfer, conference, redial, DND, message, speaker,
 * headset) as intents, whatever screen shows: on Yealink, Poly and Cisco sets these keys act directly on
 * the call in focus rather than through the screen. Keys that make no sense in the state (hold with no
 * call) give no intent, so nothing happens.
 */
import type { KeyCode } from '../core/keys.js';
import { type PhoneIntent, type PhoneView, focusedCall } from './phone-view.js';

export function featureKeyIntent(code: KeyCode, view: PhoneView): PhoneIntent | undefined {
  const calls = view.calls.calls;
  const focus = focusedCall(calls);
  const talking = focus?.state === 'connected' ? focus : undefined;
  switch (code) {
    case 'mute':
      return talking ? { type: 'mute', callId: talking.id, on: !talking.muted } : undefined;
    case 'hold':
      return talking ? { type: talking.held ? 'resume' : 'hold', callId: talking.id } : undefined;
    case 'transfer':
      return talking && !talking.held ? { type: 'transfer', callId: talking.id } : undefined;
    case 'conference':
      return calls.filter((c) => c.state === 'connected').length >= 2 ? { type: 'conference' } : undefined;
    case 'redial':
      return calls.length === 0 ? { type: 'redial' } : undefined;
    case 'dnd':
      return { type: 'dnd', on: !view.calls.dnd };
    case 'message':
      return calls.length === 0 ? { type: 'voicemail' } : undefined;
    case 'speaker':
    case 'headset':
      // Hands-free (or headset) works like lifting and laying down the handset: answers a ringing call,
      // ends the call in progress, or gives dial tone.
      return { type: 'hook', offHook: !view.calls.offHook };
    default:
      return undefined;
  }
}
