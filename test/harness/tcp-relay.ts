// A TCP relay between the phone and its proxy that can go silent on command: both directions stop
// forwarding while the connections stay open, like a NAT binding that expired or a cable pulled behind a
// switch. That is what RFC 5626 keep-alives exist to detect (a closed connection would be noticed anyway).
import net from 'node:net';
import { freePort } from './ports.js';

export interface TcpRelay {
  readonly port: number;
  /** Stop forwarding (bytes are swallowed) on every current and future connection. */
  freeze(): void;
  thaw(): void;
  /** Resets every current connection (both sides see it close), as a rebooted NAT box would. */
  dropAll(): void;
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

export async function startTcpRelay(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpRelay> {
  let frozen = false;
  let accepted = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    accepted++;
    const upstream = net.connect({ port: targetPort, host: targetHost });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d: Buffer) => {
      if (!frozen) upstream.write(d);
    });
    upstream.on('data', (d: Buffer) => {
      if (!frozen) client.write(d);
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    freeze: () => void (frozen = true),
    thaw: () => void (frozen = false),
    dropAll: () => {
      for (const s of sockets) s.destroy();
    },
    connections: () => accepted,
    close: () => {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
