/**
 * The simulator's web server: the page (sim/web, served from the source tree whether the launcher runs
 * from sim/ or from dist/sim/ — tsc does not copy it), `GET /sim/phones` (the phones and their control
 * APIs), and one WebSocket per phone at `/ws/<name>` (phone-channel.ts).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
import type { SimPhone } from './sim-phone.js';
import { servePhoneChannel } from './phone-channel.js';
import { AudioFloor } from './browser-audio.js';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/**
 * Where the page's files are: the script compiled by tsc next to this module (dist/sim/web: app.js, its
 * modules — audio-worklet.js, the AudioWorklet of "use my microphone and speakers", among them — and source maps), the HTML, CSS and icon in the source tree (sim/web, which tsc does not copy).
 * From dist/sim/server the source folder is three levels up; both lists are searched in order.
 */
export function webRoots(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const roots = [join(here, '..', 'web'), join(here, '..', '..', '..', 'sim', 'web')].filter((dir) => existsSync(dir));
  for (const needed of ['index.html', 'app.js']) {
    if (!roots.some((dir) => existsSync(join(dir, needed)))) {
      throw new Error(`the simulator's page is incomplete: no ${needed} in ${roots.join(' or ') || join(here, '..', 'web')} (run npm run build)`);
    }
  }
  return roots;
}

export interface SimWebServer {
  readonly port: number;
  readonly url: string;
  close(): Promise<void>;
}

export interface SimWebServerOptions {
  readonly host: string;
  readonly port: number;
  readonly phones: readonly SimPhone[];
  /** Shown on the page's header: which PBX the phones use. */
  readonly pbxDescription: string;
}

function sendText(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8'): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

export async function startWebServer(o: SimWebServerOptions): Promise<SimWebServer> {
  const roots = webRoots();
  const byName = new Map(o.phones.map((p) => [p.name, p]));

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const path = new URL(req.url ?? '/', 'http://sim').pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'method not allowed');
    if (path === '/sim/phones') {
      const phones = o.phones.map((p) => ({ name: p.name, aor: p.aor, extension: p.extension, apiUrl: p.apiUrl, ...(p.hotline !== undefined ? { hotline: p.hotline } : {}) }));
      return sendText(res, 200, JSON.stringify({ pbx: o.pbxDescription, phones }), 'application/json');
    }
    // Only plain file names in the page's folder: no subfolders, so no way out of it.
    const file = path === '/' ? 'index.html' : path.slice(1);
    const type = CONTENT_TYPES[extname(file)];
    if (!/^[a-z0-9][a-z0-9._-]*$/i.test(file) || type === undefined) return sendText(res, 404, 'not found');
    const full = roots.map((root) => resolve(root, file)).find((path) => existsSync(path));
    if (full === undefined) return sendText(res, 404, 'not found');
    res.writeHead(200, { 'content-type': type, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : readFileSync(full));
  };

  const server = createServer(handle);
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  // One "my microphone and speakers" for all the page's phones (and all pages): one person, one headset.
  const microphone = new AudioFloor();
  server.on('upgrade', (req, socket, head) => {
    const m = /^\/ws\/([^/?]+)$/.exec(new URL(req.url ?? '/', 'http://sim').pathname);
    const phone = m ? byName.get(decodeURIComponent(m[1]!)) : undefined;
    if (phone === undefined) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => servePhoneChannel(ws, phone, microphone));
  });

  await new Promise<void>((resolvePromise, reject) => {
    server.once('error', (err) => reject(new Error(`web page cannot listen on ${o.host}:${o.port}: ${err.message}`)));
    server.listen(o.port, o.host, () => resolvePromise());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  const shownHost = o.host.includes(':') ? `[${o.host}]` : o.host;
  return {
    port,
    url: `http://${shownHost}:${port}/`,
    close: async () => {
      for (const client of wss.clients) client.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
