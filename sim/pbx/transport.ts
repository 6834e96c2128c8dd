// The dev PBX's transport layer (RFC 3261 section 18): TCP and UDP on one port number. Every TCP connection
// and every UDP peer address is a "flow" with an id; the registrar remembers the flow a REGISTER came on so
// requests to that phone go back over the same connection (RFC 5626: a phone behind ;ob may not be reachable
// any other way). Stream framing is by Content-Length; a CRLFCRLF keep-alive is answered with CRLF (RFC 5626
// 4.4.1). Bad bytes never throw: a readable-enough request gets a 400, a stream that cannot be framed is closed.
import { createServer, connect, type Server, type Socket } from 'node:net';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { MAX_HEADER_BYTES, MAX_MESSAGE_BYTES, makeResponse, parseMessage, serialize, type SipMessage } from './message.js';

export type TransportName = 'tcp' | 'udp';

export interface Flow {
  readonly id: string;
  readonly transport: TransportName;
  readonly remoteAddress: string;
  readonly remotePort: number;
}

export interface TransportHandlers {
  onMessage(message: SipMessage, flow: Flow): void;
  /** Every SIP message in and out, as text (for the simulator's ladder). */
  log?: (line: string) => void;
}

/** Frames cut from a byte stream: a whole message, a keep-alive ping, or an error that ends the stream. */
export type Frame =
  | { type: 'message'; bytes: Buffer }
  | { type: 'ping' }
  | { type: 'error'; reason: string; head?: Buffer };

/** Cuts SIP messages out of a TCP byte stream by Content-Length (RFC 3261 18.3), with size limits. */
export class StreamFramer {
  private buf = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    for (;;) {
      // Keep-alives between messages: CRLFCRLF is a ping; a lone CRLF (a pong, or stray) is skipped.
      if (this.buf.length >= 4 && this.buf.subarray(0, 4).toString('latin1') === '\r\n\r\n') {
        frames.push({ type: 'ping' });
        this.buf = this.buf.subarray(4);
        continue;
      }
      if (this.buf.length >= 2 && this.buf[0] === 0x0d && this.buf[1] === 0x0a) {
        if (this.buf.length < 4 && this.buf.every((b) => b === 0x0d || b === 0x0a)) break; // maybe half a ping
        this.buf = this.buf.subarray(2);
        continue;
      }
      const end = this.buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.buf.length > MAX_HEADER_BYTES) frames.push({ type: 'error', reason: 'Headers too long' });
        break;
      }
      if (end > MAX_HEADER_BYTES) {
        frames.push({ type: 'error', reason: 'Headers too long' });
        break;
      }
      const head = this.buf.subarray(0, end + 4);
      const cl = /\r\n(?:content-length|l)[ \t]*:[ \t]*(\S*)[ \t]*\r\n/i.exec(head.toString('latin1'));
      if (!cl) {
        frames.push({ type: 'error', reason: 'Missing Content-Length', head });
        break;
      }
      if (!/^\d{1,9}$/.test(cl[1]!)) {
        frames.push({ type: 'error', reason: 'Bad Content-Length', head });
        break;
      }
      const total = end + 4 + Number(cl[1]);
      if (total > MAX_MESSAGE_BYTES) {
        frames.push({ type: 'error', reason: 'Message Too Large', head });
        break;
      }
      if (this.buf.length < total) break;
      frames.push({ type: 'message', bytes: Buffer.from(this.buf.subarray(0, total)) });
      this.buf = this.buf.subarray(total);
    }
    return frames;
  }
}

export interface Destination {
  transport: TransportName;
  host: string;
  port: number;
}

export class Transport {
  private readonly connections = new Map<string, { flow: Flow; socket: Socket }>();
  /** Open connections by far end "ip:port": reused for sends to that address (RFC 3261 18.4). */
  private readonly byAddress = new Map<string, string>();
  private nextConnection = 1;
  private closing = false;

  private constructor(
    readonly host: string,
    readonly port: number,
    private readonly server: Server,
    private readonly udp: UdpSocket,
    private readonly handlers: TransportHandlers,
  ) {}

  /** Listens on TCP and UDP with the same port number (port 0: a free one for both). */
  static async listen(host: string, port: number, handlers: TransportHandlers): Promise<Transport> {
    for (let attempt = 0; ; attempt++) {
      const server = createServer();
      const udp = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      try {
        await new Promise<void>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, () => resolve());
        });
        const bound = (server.address() as { port: number }).port;
        await new Promise<void>((resolve, reject) => {
          udp.once('error', reject);
          udp.bind(bound, host, () => resolve());
        });
        const t = new Transport(host, bound, server, udp, handlers);
        t.wire();
        return t;
      } catch (err) {
        server.close();
        try {
          udp.close();
        } catch {
          // not bound: nothing to close
        }
        // With port 0 the free TCP port may be taken for UDP: try another pair.
        if (port !== 0 || attempt >= 10) throw err;
      }
    }
  }

  private wire(): void {
    this.server.on('connection', (socket) => this.adopt(socket));
    this.server.on('error', (err) => this.handlers.log?.(`transport: TCP server error ${err.message}`));
    this.udp.on('message', (data, rinfo) => {
      const flow: Flow = { id: udpFlowId(rinfo.address, rinfo.port), transport: 'udp', remoteAddress: rinfo.address, remotePort: rinfo.port };
      if (data.every((b) => b === 0x0d || b === 0x0a)) {
        // RFC 5626 STUN keep-alives are not supported over UDP; a CRLF datagram is simply ignored.
        return;
      }
      this.receive(data, flow);
    });
    this.udp.on('error', (err) => this.handlers.log?.(`transport: UDP error ${err.message}`));
  }

  private adopt(socket: Socket): Flow {
    const flow: Flow = {
      id: `t${this.nextConnection++}`,
      transport: 'tcp',
      remoteAddress: normalizeAddress(socket.remoteAddress ?? '?'),
      remotePort: socket.remotePort ?? 0,
    };
    const address = `${flow.remoteAddress}:${flow.remotePort}`;
    this.connections.set(flow.id, { flow, socket });
    this.byAddress.set(address, flow.id);
    socket.setNoDelay(true);
    const framer = new StreamFramer();
    socket.on('data', (chunk: Buffer) => {
      for (const frame of framer.push(chunk)) {
        if (frame.type === 'ping') {
          socket.write('\r\n');
        } else if (frame.type === 'message') {
          this.receive(frame.bytes, flow);
        } else {
          this.handlers.log?.(`transport: closing ${flow.id} (${address}): ${frame.reason}`);
          if (frame.head) this.answerBadRequest(frame.head, frame.reason, flow);
          socket.end();
          socket.destroySoon();
          return;
        }
      }
    });
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.connections.delete(flow.id);
      if (this.byAddress.get(address) === flow.id) this.byAddress.delete(address);
    });
    return flow;
  }

  private answerBadRequest(head: Buffer, reason: string, flow: Flow): void {
    const parsed = parseMessage(head);
    const req = parsed.ok ? (parsed.message.kind === 'request' ? parsed.message : undefined) : parsed.partial;
    if (req && req.method !== 'ACK') this.send(flow, makeResponse(req, reason === 'Message Too Large' ? 513 : 400, reason));
  }

  private receive(data: Buffer, flow: Flow): void {
    const parsed = parseMessage(data);
    this.handlers.log?.(`<<< ${flow.transport.toUpperCase()} from ${flow.remoteAddress}:${flow.remotePort}\n${data.toString('latin1')}`);
    if (!parsed.ok) {
      this.handlers.log?.(`transport: dropped a message from ${flow.remoteAddress}:${flow.remotePort}: ${parsed.reason}`);
      if (parsed.partial && parsed.partial.method !== 'ACK') {
        this.send(flow, makeResponse(parsed.partial, parsed.reason === 'Message Too Large' ? 513 : 400, parsed.reason));
      }
      return;
    }
    try {
      this.handlers.onMessage(parsed.message, flow);
    } catch (err) {
      // A bug in one handler must not take the PBX down; answer 500 so the peer is not left waiting.
      this.handlers.log?.(`pbx: error handling a message: ${(err as Error).stack ?? String(err)}`);
      const msg = parsed.message;
      if (msg.kind === 'request' && msg.method !== 'ACK') this.send(flow, makeResponse(msg, 500));
    }
  }

  /** The flow if it is still usable (TCP: the connection is open; UDP: always). */
  flow(id: string): Flow | undefined {
    if (id.startsWith('u')) {
      const m = /^u(.*)_(\d+)$/.exec(id);
      return m ? { id, transport: 'udp', remoteAddress: m[1]!, remotePort: Number(m[2]) } : undefined;
    }
    return this.connections.get(id)?.flow;
  }

  /** Sends over a known flow; false if that connection is gone. */
  send(flow: Flow, msg: SipMessage): boolean {
    const bytes = serialize(msg);
    if (flow.transport === 'udp') {
      if (this.closing) return false;
      try {
        this.udp.send(bytes, flow.remotePort, flow.remoteAddress);
      } catch (err) {
        // e.g. a bad port or address from a peer's Contact: that peer is unreachable, the PBX carries on.
        this.handlers.log?.(`transport: cannot send to ${flow.remoteAddress}:${flow.remotePort}: ${(err as Error).message}`);
        return false;
      }
    } else {
      const c = this.connections.get(flow.id);
      if (!c || c.socket.destroyed || !c.socket.writable) return false;
      c.socket.write(bytes);
    }
    this.handlers.log?.(`>>> ${flow.transport.toUpperCase()} to ${flow.remoteAddress}:${flow.remotePort}\n${bytes.toString('latin1')}`);
    return true;
  }

  /** Sends to an address: over an open connection to it if there is one, else a new one (TCP) or a datagram. */
  async sendTo(dest: Destination, msg: SipMessage): Promise<Flow> {
    const flow = await this.open(dest);
    if (!this.send(flow, msg)) throw new Error(`cannot send to ${dest.host}:${dest.port}`);
    return flow;
  }

  /** A flow to an address: the open connection to it, a new connection, or the UDP peer. */
  async open(dest: Destination): Promise<Flow> {
    return dest.transport === 'udp'
      ? { id: udpFlowId(dest.host, dest.port), transport: 'udp', remoteAddress: dest.host, remotePort: dest.port }
      : await this.connectionTo(dest.host, dest.port);
  }

  private async connectionTo(host: string, port: number): Promise<Flow> {
    const open = this.byAddress.get(`${host}:${port}`);
    const existing = open !== undefined ? this.connections.get(open) : undefined;
    if (existing) return existing.flow;
    if (this.closing) throw new Error('transport closed');
    const socket = connect({ host, port });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new Error(`TCP connect to ${host}:${port} timed out`));
      }, 5000);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
    return this.adopt(socket);
  }

  /** For SIP Via/Record-Route: how a peer reaches us. */
  address(): string {
    return this.host.includes(':') ? `[${this.host}]:${this.port}` : `${this.host}:${this.port}`;
  }

  async close(): Promise<void> {
    this.closing = true;
    for (const { socket } of this.connections.values()) socket.destroy();
    this.connections.clear();
    await Promise.all([
      new Promise<void>((resolve) => this.server.close(() => resolve())),
      new Promise<void>((resolve) => this.udp.close(() => resolve())),
    ]);
  }
}

function normalizeAddress(a: string): string {
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/** A UDP "flow" is the peer's address; the id is also used as a URI parameter value (Record-Route). */
function udpFlowId(address: string, port: number): string {
  return `u${address}_${port}`;
}
