import { createServer, type Server, type ServerResponse } from 'node:http';
import {
  createRemoteJwks,
  createRevocationFeed,
  createVerifier,
  withTessera,
  type RemoteJwks,
  type RevocationFeed,
} from '@tessera/core';

/** Options of {@link createOrdersService}. */
export interface OrdersServiceOptions {
  /** Issuer and JWKS of the token service. */
  issuer: string;
  jwksUri: string;
  /**
   * Follow the token service's revocation feed (stream) as this client, which needs
   * `revocations: true` there: a revoked token is refused within a second.
   */
  revocations?: { clientId: string; clientSecret: string };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/**
 * A service that verifies tokens itself with Tessera's node:http adapter (the "library in every
 * service" pattern of the brief): tokens of the token service for audience `orders`;
 * `GET /orders` needs scope `orders:read`, `POST /orders` needs `orders:write`; `GET /health` is open.
 *
 * @example
 * ```ts
 * const orders = createOrdersService({ issuer, jwksUri });
 * orders.server.listen(7401);
 * ```
 */
export function createOrdersService(options: OrdersServiceOptions): { server: Server; close(): void } {
  const jwks: RemoteJwks = createRemoteJwks(options.jwksUri);
  const feed: RevocationFeed | undefined =
    options.revocations === undefined
      ? undefined
      : createRevocationFeed({ url: options.issuer, ...options.revocations, mode: 'stream' });
  feed?.start();
  const verifier = createVerifier({
    issuer: options.issuer,
    keys: jwks,
    audience: 'orders',
    ...(feed === undefined ? {} : { revocations: feed }),
  });
  const handler = withTessera(
    (req, res) => {
      const route = `${req.method ?? 'GET'} ${new URL(req.url ?? '/', 'http://orders').pathname}`;
      const payload = req.auth?.payload;
      if (route === 'GET /health') json(res, 200, { status: 'ok' });
      else if (route === 'GET /orders')
        json(res, 200, {
          orders: [{ id: 1, item: 'tessera tiles', quantity: 12 }],
          caller: payload?.sub,
          scope: payload?.scope,
        });
      else if (route === 'POST /orders') json(res, 201, { status: 'order created successfully', caller: payload?.sub });
      else json(res, 404, { error: 'not found' });
    },
    {
      verifier,
      realm: 'orders',
      exempt: ['GET /health'],
      requirements: [
        { route: 'GET /orders', scopes: ['orders:read'] },
        { route: 'POST /orders', scopes: ['orders:write'] },
      ],
    },
  );
  return {
    server: createServer(handler),
    close: () => {
      jwks.close();
      feed?.close();
    },
  };
}
