import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that nobody listens on right now, for a service whose own URL goes into
 * another's configuration before it starts (a gateway's `appUrl`, a client's redirect URI).
 *
 * @example
 * ```ts
 * const port = await freePort();
 * ```
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
