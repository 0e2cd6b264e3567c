import { createServer, type Server } from 'node:http';
import express from 'express';
import { createRemoteJwks, createVerifier, withTessera, type RemoteJwks } from '@tessera/core';
import { tesseraExpress } from '@tessera/core/express';

/** Options of {@link createReceiver}. */
export interface ReceiverOptions {
  /** The service's own name: the only audience it accepts. */
  name: string;
  issuer: string;
  jwksUri: string;
  /** Which adapter to show: node:http (`withTessera`) or Express (`tesseraExpress`). */
  framework: 'node' | 'express';
}

/**
 * A receiving service of scenario 2: verifies tokens of the token service itself (JWKS fetched
 * once and cached), audience = its own name, and answers `GET /scenario2-server` with
 * `{ valid: true, claims }`. A bad token never reaches the handler: Tessera answers 401 with
 * `WWW-Authenticate`.
 *
 * @example
 * ```ts
 * const { server, close } = createReceiver({ name: 'serviceb', issuer, jwksUri, framework: 'node' });
 * ```
 */
export function createReceiver(options: ReceiverOptions): { server: Server; close(): void } {
  const jwks: RemoteJwks = createRemoteJwks(options.jwksUri);
  const verifier = createVerifier({ issuer: options.issuer, keys: jwks, audience: options.name });
  const auth = { verifier, realm: options.name, exempt: ['GET /health'] };
  let server: Server;
  if (options.framework === 'express') {
    const app = express();
    app.use(tesseraExpress(auth));
    app.get('/scenario2-server', (req, res) => {
      res.json({ valid: true, claims: req.auth?.payload });
    });
    server = createServer(app);
  } else {
    server = createServer(
      withTessera((req, res) => {
        if (req.url !== '/scenario2-server') {
          res.writeHead(404).end();
          return;
        }
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ valid: true, claims: req.auth?.payload }));
      }, auth),
    );
  }
  return { server, close: () => jwks.close() };
}
