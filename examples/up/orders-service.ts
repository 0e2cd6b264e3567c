import { createServer, type Server } from 'node:http';
import express from 'express';
import {
  createRemoteJwks,
  createRevocationFeed,
  createVerifier,
  tesseraExpress,
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

/**
 * A service that verifies tokens itself with Tessera's Express middleware (the "library in every
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
  const app = express();
  app.use(
    tesseraExpress({
      verifier,
      realm: 'orders',
      exempt: ['GET /health'],
      requirements: [
        { route: 'GET /orders', scopes: ['orders:read'] },
        { route: 'POST /orders', scopes: ['orders:write'] },
      ],
    }),
  );
  app.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/orders', (req, res) => {
    res.json({
      orders: [{ id: 1, item: 'tessera tiles', quantity: 12 }],
      caller: req.auth?.payload.sub,
      scope: req.auth?.payload.scope,
    });
  });
  app.post('/orders', (req, res) => {
    res.status(201).json({ status: 'order created successfully', caller: req.auth?.payload.sub });
  });
  return {
    server: createServer(app),
    close: () => {
      jwks.close();
      feed?.close();
    },
  };
}
