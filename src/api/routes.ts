/**
 * API v1 routes. The status shape is a contract (issue 3): { registration: {...}, calls: [] }; later
 * issues extend it without renaming what is here.
 */
import type { Route } from './http-server.js';

/** GET /api/v1/status body: the contract the simulator, the tests and provisioning read. */
export interface StatusBody {
  registration: {
    state: 'registered' | 'registering' | 'unregistered' | 'failed';
    reason?: string;
    aor: string;
    contact: string;
    gruu?: string;
    expires?: number;
  };
  calls: unknown[];
  /** Message waiting (RFC 3842): { waiting, newMessages, oldMessages, urgentNew }. */
  messages?: unknown;
  /** Busy-lamp field: one entry per monitored extension, { name, uri, lamp: idle|ringing|busy }. */
  lamps?: unknown[];
}

export interface PhoneStatusSource {
  registration(): StatusBody['registration'];
  calls(): StatusBody['calls'];
  messages?(): StatusBody['messages'];
  lamps?(): NonNullable<StatusBody['lamps']>;
}

export function statusRoutes(phone: PhoneStatusSource): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/status',
      handler: () => {
        const body: StatusBody = {
          registration: phone.registration(),
          calls: phone.calls(),
          ...(phone.messages ? { messages: phone.messages() } : {}),
          ...(phone.lamps ? { lamps: phone.lamps() } : {}),
        };
        return { status: 200, body };
      },
    },
  ];
}
