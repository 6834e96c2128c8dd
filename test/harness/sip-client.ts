// A bare sipdesk SIP stack (createSipStack, no media, no API) registered at a test PBX, and a presence
// watcher on it: what the presence tests use to play "a colleague's phone".
import { EventEmitter } from 'node:events';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parseConfig } from '../../src/config/load.js';
import { createSipStack, type SipStack } from '../../src/sip/sip-stack.js';
import { freePort } from './ports.js';
import { within } from './media-phone.js';

export async function startSipClient(user: string, pbx: { ip: string; port: number; domain: string }, instanceId: string): Promise<SipStack> {
  const config = parseConfig({
    account: { aor: `sip:${user}@${pbx.domain}`, password: 'secret', proxy: `sip:${pbx.ip}:${pbx.port};transport=tcp` },
    api: { port: 0 },
    sip: { listenPort: await freePort(), listenAddress: '127.0.0.1', contactHost: '127.0.0.1' },
    device: { instanceId },
    log: { sipTrace: process.env.SIP_TRACE === '1' },
  });
  const sip = await createSipStack(config);
  const registered = new Promise<void>((resolve) => {
    const wait = (s: { state: string }) => (s.state === 'registered' ? resolve() : sip.registration.once('state', wait));
    sip.registration.once('state', wait);
  });
  sip.start();
  await within(10_000, `${user} registered`, registered);
  return sip;
}

export interface PresenceWatch {
  /** Every NOTIFY body with a document, in order. */
  readonly bodies: string[];
  /** Resolves with the first body (already received or coming) for which `check` holds. */
  waitFor(what: string, check: (body: string) => boolean, ms?: number): Promise<string>;
  close(): void;
}

type Subscribing = { subscribe(target: string, event: string, accept: string, o: object): EventEmitter & { subscribe(): void; terminate(): void } };

/** SUBSCRIBEs from `client` to `target`'s presence and collects the NOTIFY bodies. */
export function watchPresence(client: SipStack, target: string): PresenceWatch {
  const bodies: string[] = [];
  const seen = new EventEmitter();
  const sub = (client.ua as unknown as Subscribing).subscribe(target, 'presence', 'application/pidf+xml', { expires: 300, contentType: 'application/pidf+xml' });
  sub.on('notify', (_final: boolean, _req: unknown, body: string | undefined) => {
    if (body === undefined) return;
    bodies.push(body);
    seen.emit('body', body);
  });
  sub.subscribe();
  return {
    bodies,
    waitFor(what, check, ms = 8000) {
      const done = bodies.find(check);
      if (done !== undefined) return Promise.resolve(done);
      return within(ms, `watcher sees ${what} (last body: ${bodies.at(-1)?.slice(0, 600) ?? 'none'})`, new Promise<string>((resolve) => {
        const on = (b: string): void => {
          if (!check(b)) return;
          seen.off('body', on);
          resolve(b);
        };
        seen.on('body', on);
      }));
    },
    close: () => sub.terminate(),
  };
}

/** Resolves once Kamailio's presence table holds no live publication for `user` (polled: its write may trail its answer). */
export async function waitNoPublication(kamailioDir: string, user: string, ms = 5000): Promise<void> {
  const live = (): number => {
    const db = new Database(join(kamailioDir, 'kamailio.sqlite'), { readonly: true });
    try {
      return (db.prepare("SELECT COUNT(*) AS n FROM presentity WHERE username = ? AND expires > strftime('%s','now')").get(user) as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const end = Date.now() + ms;
  while (live() > 0) {
    if (Date.now() > end) throw new Error(`a live publication for ${user} is still on the server after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
