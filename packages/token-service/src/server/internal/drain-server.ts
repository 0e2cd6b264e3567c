import type { Server } from 'node:http';

/**
 * Stops accepting connections, closes idle keep-alive ones at once, lets requests in flight finish
 * for up to `timeoutMs`, then cuts whatever is left: a slow client must not hold shutdown forever.
 *
 * @example
 * ```ts
 * await drainServer(server, config.server.shutdownTimeoutMs);
 * ```
 */
export async function drainServer(server: Server, timeoutMs: number): Promise<void> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const deadline = new Promise<void>((resolve) => {
    const t = setTimeout(resolve, timeoutMs);
    t.unref();
    void closed.then(() => clearTimeout(t));
  });
  await Promise.race([closed, deadline]);
  server.closeAllConnections();
  await closed;
}
