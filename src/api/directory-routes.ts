/**
 * Directory search over the local API (the dialer's suggestions and the directory screen use the same).
 *   GET  /api/v1/directory?q=TEXT   → { entries: [{source, id, name, numbers: [{kind, number, normalized}], email?, …}], truncated, ldapError? }
 *   POST /api/v1/directory/sync     → { ok, error? } (CardDAV now; 409 without CardDAV)
 */
import { z } from 'zod';
import { ApiError, parseBody, type Route } from './http-server.js';

export interface DirectorySearch {
  search(query: string): Promise<unknown>;
  sync(): Promise<unknown>;
}

export function directoryRoutes(directory: DirectorySearch): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/v1/directory',
      handler: async (req) => {
        const { q } = parseBody(z.strictObject({ q: z.string().trim().min(1, 'type something to search for').max(64) }), Object.fromEntries(req.query));
        return { status: 200, body: await directory.search(q) };
      },
    },
    {
      method: 'POST',
      path: '/api/v1/directory/sync',
      handler: async () => {
        const r = await directory.sync();
        if (r === undefined) throw new ApiError(409, 'no CardDAV address book configured (directory.carddav)');
        return { status: 200, body: r };
      },
    },
  ];
}
