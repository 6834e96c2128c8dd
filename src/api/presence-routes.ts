/**
 * The phone's own presence over the local API.
 *   GET /api/v1/presence                 → { presence: {state, source, availability, activity, note?, manual?, since}, publication }
 *   PUT /api/v1/presence {state?, note?}  state: available|busy|dnd|brb|away|offline (manual), null = back to automatic;
 *                                         note: text, null = none
 */
import { z } from 'zod';
import { ApiError, parseBody, type Route } from './http-server.js';
import { MANUAL_STATES, PresenceError, type ManualState, type PresenceState } from '../phone/presence.js';

export interface PresenceControl {
  status(): { presence: PresenceState; publication: string };
  setManual(state: ManualState | undefined): void;
  setNote(note: string | undefined): void;
}

const body = z.strictObject({
  state: z.enum(MANUAL_STATES).nullable().optional(),
  note: z.string().max(256).nullable().optional(),
});

export function presenceRoutes(presence: PresenceControl): Route[] {
  return [
    { method: 'GET', path: '/api/v1/presence', handler: () => ({ status: 200, body: presence.status() }) },
    {
      method: 'PUT',
      path: '/api/v1/presence',
      handler: (req) => {
        const b = parseBody(body, req.body);
        try {
          if (b.state !== undefined) presence.setManual(b.state ?? undefined);
          if (b.note !== undefined) presence.setNote(b.note ?? undefined);
        } catch (err) {
          if (err instanceof PresenceError) throw new ApiError(400, err.message);
          throw err;
        }
        return { status: 200, body: presence.status() };
      },
    },
  ];
}
