// A deliberately dumb TCP client for hostile-input tests: sends bytes exactly as given and collects
// whatever comes back, so tests can see the phone's answers (or its silence) to malformed SIP.
import net from 'node:net';

export interface RawClient {
  send(data: string | Buffer): void;
  /** Half-close (FIN) our side; the phone may still answer. */
  end(): void;
  /** Everything received so far. */
  received(): string;
  /** Waits until the received text matches `re` (rejects after timeoutMs with what came). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves when the phone closed its side (FIN) or the connection is gone. */
  readonly closed: Promise<void>;
  destroy(): void;
}

export async function rawConnect(port: number, host = '127.0.0.1'): Promise<RawClient> {
  const socket = net.connect({ port, host, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
  });
  return {
    send: (data) => socket.write(data),
    end: () => socket.end(),
    received: () => text,
    async waitFor(re, timeoutMs = 3000) {
      const end = Date.now() + timeoutMs;
      for (;;) {
        const m = text.match(re);
        if (m) return m;
        if (Date.now() > end) throw new Error(`no ${re} within ${timeoutMs} ms; received:\n${text || '(nothing)'}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    closed,
    destroy: () => socket.destroy(),
  };
}

let counter = 0;

/** A syntactically complete request from a fake peer, with overridable parts. */
export function sipRequest(o: {
  method: string;
  uri: string;
  headers?: string[];
  body?: string;
  contentLength?: number;
  omit?: string[];
}): string {
  const n = ++counter;
  const body = o.body ?? '';
  const base: [string, string][] = [
    ['Via', `SIP/2.0/TCP 127.0.0.1:5999;branch=z9hG4bKraw${n}x${Date.now()}`],
    ['Max-Forwards', '70'],
    ['From', `<sip:mallory@127.0.0.1>;tag=raw${n}`],
    ['To', `<${o.uri}>`],
    ['Call-ID', `raw-${n}-${Date.now()}@127.0.0.1`],
    ['CSeq', `1 ${o.method}`],
  ];
  const lines = base.filter(([k]) => !o.omit?.includes(k)).map(([k, v]) => `${k}: ${v}`);
  lines.push(...(o.headers ?? []));
  if (!o.omit?.includes('Content-Length')) lines.push(`Content-Length: ${o.contentLength ?? Buffer.byteLength(body)}`);
  return `${o.method} ${o.uri} SIP/2.0\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}
