/**
 * Colleagues over the local API: the buddy list with presence, IM capability and busy lamps; message
 * waiting and the voicemail key; the user's other devices; directed pickup of a ringing monitored line.
 *   GET  /api/v1/contacts                → { contacts: [{name, uri, presence?: {state, note?, canIm?}, lamp?, ringing?}] }
 *   POST /api/v1/contacts/pickup {uri}   → 201 { id } (the call ringing at that extension, picked up here)
 *   GET  /api/v1/voicemail               → { waiting, newMessages, oldMessages, urgentNew, number? }
 *   POST /api/v1/voicemail/call          → 201 { id }
 *   GET  /api/v1/devices                 → { otherDevices: [{uri, instance?, expires?}] }
 */
import { z } from 'zod';
import { ApiError, parseBody, type Route } from './http-server.js';
import type { CallControl } from '../phone/call-control.js';
import { act } from './call-routes.js';
import { pickUp } from '../phone/line-keys.js';
import type { Colleagues } from '../phone/colleagues.js';

export interface ColleagueRouteOptions {
  readonly voicemailNumber?: string;
  readonly pickup: { readonly mode: 'code' | 'replaces'; readonly code: string };
}

/** A call placed for the user: 201 with its id; the call core's refusals as call-routes.ts maps them. */
const placed = (fn: () => string): { status: number; body: unknown } => act(() => ({ id: fn() }), 201);

export function colleagueRoutes(colleagues: Colleagues, calls: CallControl, o: ColleagueRouteOptions): Route[] {
  return [
    { method: 'GET', path: '/api/v1/contacts', handler: () => ({ status: 200, body: { contacts: colleagues.snapshot().contacts } }) },
    {
      method: 'POST',
      path: '/api/v1/contacts/pickup',
      handler: (req) => {
        const { uri } = parseBody(z.strictObject({ uri: z.string().min(1).max(256) }), req.body);
        const contact = colleagues.find(uri);
        if (contact === undefined) throw new ApiError(404, `no contact ${uri}`);
        return placed(() => pickUp(calls, contact, o.pickup));
      },
    },
    {
      method: 'GET',
      path: '/api/v1/voicemail',
      handler: () => ({ status: 200, body: { ...colleagues.snapshot().messages, ...(o.voicemailNumber ? { number: o.voicemailNumber } : {}) } }),
    },
    {
      method: 'POST',
      path: '/api/v1/voicemail/call',
      handler: () => {
        if (o.voicemailNumber === undefined) throw new ApiError(409, 'no voicemail number configured (colleagues.voicemail.number)');
        return placed(() => calls.dial(o.voicemailNumber!));
      },
    },
    { method: 'GET', path: '/api/v1/devices', handler: () => ({ status: 200, body: { otherDevices: colleagues.snapshot().otherDevices } }) },
  ];
}
