import { createServer, type Server } from 'node:https';
import { createVerifier, importPem } from '@tessera/core';
import { verifyEndpoint } from '../internal/verify-endpoint.js';

/** Options of {@link createServiceB}. */
export interface ServiceBOptions {
  /** Service A's public key (PEM): the only key B trusts. */
  publicKeyPem: string;
  /** B's own TLS certificate and key (one-way TLS protects the token in transit). */
  tls: { cert: string; key: string };
  /** The audience B accepts: its own name. */
  audience: string;
}

/**
 * Service B of scenario 3: HTTPS only; `GET /scenario3-server` verifies the caller's token with
 * service A's public key — issuer `https://service-issuer`, subject `servicea`, audience `serviceb`.
 *
 * @example
 * ```ts
 * const b = createServiceB({ publicKeyPem, tls, audience: 'serviceb' });
 * ```
 */
export function createServiceB(options: ServiceBOptions): Server {
  const verifier = createVerifier({
    issuer: 'https://service-issuer',
    keys: [importPem(options.publicKeyPem, 'RS256', { kid: 'servicea' })],
    audience: options.audience,
    subject: 'servicea',
    algorithms: ['RS256'],
  });
  const verify = verifyEndpoint(verifier);
  return createServer(options.tls, (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && (path === '/scenario3-server' || path === '/scenario4-server')) {
      void verify(req, res);
      return;
    }
    res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
  });
}
