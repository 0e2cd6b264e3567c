import type { Server as HttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

const sockets = new WeakMap<HttpServer | HttpsServer, Set<Socket>>();

/** Listens on 127.0.0.1 (port 0 = a free one) and resolves to the base URL. */
export async function listen(
  server: HttpServer | HttpsServer,
  port = 0,
  protocol: 'http' | 'https' = 'http',
): Promise<string> {
  // Track raw sockets (TLS ones too, even mid-handshake) so close() can end them all.
  const open = new Set<Socket>();
  sockets.set(server, open);
  server.on('connection', (socket: Socket) => {
    open.add(socket);
    socket.once('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return `${protocol}://127.0.0.1:${address.port}`;
}

/**
 * Closes a server: stops accepting, ends idle keep-alive connections at once, and destroys what is
 * still open after `graceMs` (a peer that never finishes its handshake must not hold the example up).
 */
export function closeServer(server: HttpServer | HttpsServer, graceMs = 500): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    const timer = setTimeout(() => {
      for (const socket of sockets.get(server) ?? []) socket.destroy();
    }, graceMs);
    timer.unref();
    server.close(() => {
      clearTimeout(timer);
      resolve();
    });
    server.closeIdleConnections();
  });
}
