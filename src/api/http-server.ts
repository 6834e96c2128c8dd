/**
 * The local control API: HTTP + JSON on 127.0.0.1, the basis for the simulator, the tests and later the
 * web admin. Routes are data (method + path → handler) so later issues add to the table, not to a switch.
 * Every failure is a JSON error with a status code; a handler that throws gets 500 and the phone goes on.
 */
import http from 'node:http';
import type { z } from 'zod';
import type { AddressInfo } from 'node:net';
import { createLogger } from '../util/log.js';

const log = createLogger('api');

export interface ApiRequest {
  method: string;
  path: string;
  /** Values of the route's `:name` segments (already URI-decoded). */
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
}

export interface ApiResponse {
  status: number;
  /** JSON, or a Buffer sent as it is with `contentType` (the screen as PNG). */
  body: unknown;
  contentType?: string;
}

export type ApiHandler = (req: ApiRequest) => ApiResponse | Promise<ApiResponse>;

export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Exact path, or segments with `:name` placeholders (`/api/v1/calls/:id/hold`); exact paths win. */
  path: string;
  handler: ApiHandler;
}

/** The `:name` values when `pattern` matches `path`, else undefined. A placeholder matches one non-empty segment. */
export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (w.startsWith(':')) {
      if (g === '') return undefined;
      try {
        params[w.slice(1)] = decodeURIComponent(g);
      } catch {
        return undefined; // bad %-escape: no such resource
      }
    } else if (w !== g) return undefined;
  }
  return params;
}

const MAX_BODY_BYTES = 64 * 1024;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** Validates a request body (or query) with a zod schema; a mismatch is a 400 naming the field. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  throw new ApiError(400, `bad request body: ${issue ? `${issue.path.join('.') || '(body)'}: ${issue.message}` : 'invalid'}`);
}

function readBody(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new ApiError(413, `request body larger than ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (size === 0) return resolve(undefined);
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      } catch (err) {
        reject(new ApiError(400, `body is not valid JSON: ${(err as Error).message}`));
      }
    });
    req.on('error', reject);
  });
}

export class ApiServer {
  private readonly server: http.Server;

  constructor(private readonly routes: Route[]) {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        log.error(`unhandled API failure: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
      });
    });
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 30_000;
  }

  async listen(port: number, host: string): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    // Exact paths first, so /api/v1/calls/swap is never taken for a call id.
    const exact = this.routes.filter((r) => r.path === url.pathname);
    const matches = (exact.length > 0 ? exact.map((r) => ({ r, params: {} })) : this.routes.flatMap((r) => {
      const params = r.path.includes(':') ? matchPath(r.path, url.pathname) : undefined;
      return params ? [{ r, params }] : [];
    }));
    if (matches.length === 0) return send(res, 404, { error: `no such resource: ${url.pathname}` });
    const hit = matches.find((m) => m.r.method === req.method);
    if (!hit) {
      res.setHeader('Allow', [...new Set(matches.map((m) => m.r.method))].join(', '));
      return send(res, 405, { error: `${req.method ?? '?'} not allowed on ${url.pathname}` });
    }
    const route = hit.r;
    try {
      const body = req.method === 'GET' ? undefined : await readBody(req);
      const out = await route.handler({ method: route.method, path: url.pathname, params: hit.params, query: url.searchParams, body });
      if (Buffer.isBuffer(out.body)) {
        res.writeHead(out.status, { 'content-type': out.contentType ?? 'application/octet-stream', 'cache-control': 'no-store' });
        res.end(out.body);
        return;
      }
      send(res, out.status, out.body);
    } catch (err) {
      if (err instanceof ApiError) return send(res, err.status, { error: err.message });
      log.error(`${req.method ?? '?'} ${url.pathname} failed: ${(err as Error).stack ?? String(err)}`);
      send(res, 500, { error: 'internal error' });
    }
  }
}

function send(res: http.ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(text);
}
