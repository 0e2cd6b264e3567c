import { createServer } from 'node:net';

/**
 * A port on 127.0.0.1 that nobody listens on right now, for a server whose URL must be known before
 * it listens (the token service's issuer at `http://localhost:<port>`, when port 0 was asked for).
 *
 * @example
 * ```ts
 * const port = await freePort();
 * ```
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
