// Raw SIP over one TCP or TLS connection, for what no off-the-shelf peer here can do: a tiny hand-driven
// SIP client for CRLF keep-alive ping/pong (RFC 5626 4.4.1) and digest authentication with SHA-256 (RFC 8760;
// SIPp 3.6 only does MD5), framed by Content-Length as on any stream; and, at the end, a dumb byte sender
// for hostile-input tests.
import { randomBytes } from 'node:crypto';
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { digestResponse } from '../../src/sip/digest.js';

export interface SipStreamOptions {
  host?: string;
  port: number;
  /** Connect with TLS, trusting `ca` (PEM text or Buffer). */
  tls?: { ca: string | Buffer; servername?: string };
  connectTimeoutMs?: number;
}

export interface SipMessage {
  /** Request line or status line. */
  startLine: string;
  /** Lower-cased header names; repeated headers keep every value. */
  headers: Map<string, string[]>;
  body: string;
  raw: string;
  /** Status code for responses, undefined for requests. */
  status: number | undefined;
  header(name: string): string | undefined;
}

export interface SipStream {
  readonly socket: Socket | TLSSocket;
  /** Local port of this connection (the "flow" a registrar sees). */
  readonly localPort: number;
  send(text: string): void;
  /** The next complete SIP message received (skips CRLF pongs). */
  nextMessage(timeoutMs?: number): Promise<SipMessage>;
  /** Sends CRLFCRLF and resolves when a bare CRLF pong arrives. */
  ping(timeoutMs?: number): Promise<void>;
  close(): void;
}

function parseMessage(head: string, body: string): SipMessage {
  const lines = head.split('\r\n');
  const startLine = lines[0] ?? '';
  const headers = new Map<string, string[]>();
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    const list = headers.get(name) ?? [];
    list.push(line.slice(i + 1).trim());
    headers.set(name, list);
  }
  const m = /^SIP\/2\.0 (\d{3})/.exec(startLine);
  return {
    startLine,
    headers,
    body,
    raw: `${head}\r\n\r\n${body}`,
    status: m?.[1] !== undefined ? Number(m[1]) : undefined,
    header: (name) => headers.get(name.toLowerCase())?.[0],
  };
}

export async function openSipStream(options: SipStreamOptions): Promise<SipStream> {
  const host = options.host ?? '127.0.0.1';
  const timeoutMs = options.connectTimeoutMs ?? 3000;
  const socket = await new Promise<Socket | TLSSocket>((resolve, reject) => {
    const s = options.tls !== undefined
      ? tlsConnect({ host, port: options.port, ca: options.tls.ca, servername: options.tls.servername })
      : netConnect({ host, port: options.port });
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${host}:${options.port} timed out`));
    }, timeoutMs);
    s.once(options.tls !== undefined ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      resolve(s);
    });
    s.once('error', (err: Error) => {
      clearTimeout(timer);
      reject(err);
    });
  });
  return wrapSocket(socket);
}

/** A SipStream over an already connected socket (e.g. one a test's listener accepted, playing a phone). */
export function wrapSocket(socket: Socket | TLSSocket): SipStream {
  let buffer = '';
  const messages: SipMessage[] = [];
  let pongs = 0;
  let closed = false;
  const wakers = new Set<() => void>();
  const wake = (): void => {
    for (const w of [...wakers]) w();
  };

  const parse = (): void => {
    for (;;) {
      if (buffer.startsWith('\r\n')) {
        // A CRLF outside a message: a keep-alive pong (or the second half of a ping).
        buffer = buffer.slice(2);
        pongs++;
        continue;
      }
      const end = buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const head = buffer.slice(0, end);
      const cl = /^(?:content-length|l)\s*:\s*(\d+)/im.exec(head);
      const length = cl?.[1] !== undefined ? Number(cl[1]) : 0;
      if (buffer.length < end + 4 + length) return;
      messages.push(parseMessage(head, buffer.slice(end + 4, end + 4 + length)));
      buffer = buffer.slice(end + 4 + length);
    }
  };
  // SIP is UTF-8; Content-Length counts bytes, which equals characters for the ASCII the tests send.
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    buffer += chunk;
    parse();
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  socket.on('error', () => undefined);

  const waitUntil = <T>(take: () => T | undefined, what: string, ms: number): Promise<T> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const value = take();
        if (value !== undefined) {
          done();
          resolve(value);
        } else if (closed) {
          done();
          reject(new Error(`connection closed while waiting for ${what}`));
        }
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`no ${what} within ${ms} ms`));
      }, ms);
      const done = (): void => {
        clearTimeout(timer);
        wakers.delete(check);
      };
      wakers.add(check);
      check();
    });

  return {
    socket,
    localPort: socket.localPort ?? 0,
    send: (text) => {
      socket.write(text);
    },
    nextMessage: (ms = 3000) => waitUntil(() => messages.shift(), 'SIP message', ms),
    ping: async (ms = 2000) => {
      const before = pongs;
      socket.write('\r\n\r\n');
      await waitUntil(() => (pongs > before ? true : undefined), 'CRLF pong', ms);
    },
    close: () => {
      socket.destroy();
    },
  };
}

// ---- digest authentication (RFC 7616 / RFC 8760 for SIP)

export type DigestAlgorithm = 'MD5' | 'SHA-256';

/** Parses `Digest realm="x", nonce="y", algorithm=SHA-256, qop="auth"` into lower-cased keys. */
export function parseChallenge(header: string): Record<string, string> {
  const params: Record<string, string> = {};
  const body = header.replace(/^\s*Digest\s+/i, '');
  const re = /([A-Za-z-]+)\s*=\s*(?:"([^"]*)"|([^,\s]+))/g;
  for (let m = re.exec(body); m !== null; m = re.exec(body)) {
    const key = m[1];
    if (key !== undefined) params[key.toLowerCase()] = m[2] ?? m[3] ?? '';
  }
  return params;
}

export interface DigestInput {
  algorithm: DigestAlgorithm;
  username: string;
  password: string;
  realm: string;
  nonce: string;
  method: string;
  uri: string;
  /** 'auth' when the challenge offered qop=auth. */
  qop?: 'auth';
  nc?: string;
  cnonce?: string;
  opaque?: string;
}

/** The value of an Authorization / Proxy-Authorization header answering a digest challenge. */
export function digestAuthorization(input: DigestInput): string {
  const nc = input.nc ?? '00000001';
  const cnonce = input.cnonce ?? randomBytes(8).toString('hex');
  // The same RFC 7616/8760 computation the phone uses (checked there against the RFC test vectors).
  const { response } = digestResponse({ ...input, qop: input.qop ?? null, nc, cnonce });
  const parts = [
    `username="${input.username}"`, `realm="${input.realm}"`, `nonce="${input.nonce}"`, `uri="${input.uri}"`,
    `response="${response}"`, `algorithm=${input.algorithm}`,
  ];
  if (input.qop === 'auth') parts.push('qop=auth', `nc=${nc}`, `cnonce="${cnonce}"`);
  if (input.opaque !== undefined) parts.push(`opaque="${input.opaque}"`);
  return `Digest ${parts.join(', ')}`;
}

export interface RegisterOverStreamOptions {
  stream: SipStream;
  /** 'tcp' or 'tls' (for Via and Contact). */
  transport: 'tcp' | 'tls';
  domain: string;
  registrar: string;
  user: string;
  password: string;
  expires?: number;
  /** Which algorithm to answer with (default: the one the challenge names, else MD5). */
  algorithm?: DigestAlgorithm;
  /** Port in the Contact (default: this connection's local port). */
  contactPort?: number;
}

export interface RegisterOutcome {
  challenge: SipMessage;
  final: SipMessage;
}

/** REGISTER, answer the 401 with digest credentials, return the challenge and the final response. */
export async function registerOverStream(o: RegisterOverStreamOptions): Promise<RegisterOutcome> {
  const callId = `${randomBytes(8).toString('hex')}@sipdesk.test`;
  const tag = randomBytes(4).toString('hex');
  const uri = `sip:${o.registrar}`;
  const request = (cseq: number, auth?: string): string => [
    `REGISTER ${uri} SIP/2.0`,
    `Via: SIP/2.0/${o.transport.toUpperCase()} 127.0.0.1:${o.stream.localPort};branch=z9hG4bK${randomBytes(6).toString('hex')}`,
    'Max-Forwards: 70',
    `From: <sip:${o.user}@${o.domain}>;tag=${tag}`,
    `To: <sip:${o.user}@${o.domain}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${cseq} REGISTER`,
    `Contact: <sip:${o.user}@127.0.0.1:${o.contactPort ?? o.stream.localPort};transport=${o.transport}>`,
    ...(auth !== undefined ? [`Authorization: ${auth}`] : []),
    `Expires: ${o.expires ?? 60}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');

  o.stream.send(request(1));
  const challenge = await o.stream.nextMessage();
  if (challenge.status !== 401) return { challenge, final: challenge };
  const params = parseChallenge(challenge.header('www-authenticate') ?? '');
  const offered = (params.algorithm ?? 'MD5').toUpperCase();
  const algorithm: DigestAlgorithm = o.algorithm ?? (offered === 'SHA-256' ? 'SHA-256' : 'MD5');
  const auth = digestAuthorization({
    algorithm,
    username: o.user,
    password: o.password,
    realm: params.realm ?? o.domain,
    nonce: params.nonce ?? '',
    method: 'REGISTER',
    uri,
    qop: (params.qop ?? '').split(',').map((q) => q.trim()).includes('auth') ? 'auth' : undefined,
    opaque: params.opaque,
  });
  o.stream.send(request(2, auth));
  const final = await o.stream.nextMessage();
  return { challenge, final };
}

// ---- a deliberately dumb client for hostile-input tests: sends bytes exactly as given and collects
// whatever comes back, so tests can see the phone's answers (or its silence) to malformed SIP.

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
  const socket = netConnect({ port, host, allowHalfOpen: true });
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
