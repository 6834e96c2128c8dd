/**
 * API v1 routes. The status shape is a contract (issue 3): { registration: {...}, calls: [] }; later
 * issues extend it without renaming what is here.
 */
import type { Route } from './http-server.js';

export interface PhoneStatusSource {
  registration(): {
    state: 'registered' | 'registering' | 'unregistered' | 'failed';
    reason?: string;
    aor: string;
    contact: string;
    gruu?: string;
    expires?: number;
  };
  calls(): unknown[];
}

export function statusRoutes(phone: PhoneStatusSource): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/status',
      handler: () => ({ status: 200, body: { registration: phone.registration(), calls: phone.calls() } }),
    },
  ];
}
