import Fastify, { type FastifyInstance } from 'fastify';
import { createVerifier, importPem } from '@tessera/core';
import { tesseraFastify } from '@tessera/core/fastify';

/** Options of {@link createServiceC}. */
export interface ServiceCOptions {
  /** Service A's public key (PEM). */
  publicKeyPem: string;
  tls: { cert: string; key: string };
}

/**
 * Service C of scenario 4, on Fastify over HTTPS with Tessera's Fastify plugin: every route needs
 * a token from `https://service-issuer` for audience `servicec`; failures are RFC 6750 answers
 * (`401`, `WWW-Authenticate: Bearer error="invalid_token"`). `GET /scenario4-server` answers the
 * verified claims.
 *
 * @example
 * ```ts
 * const c = await createServiceC({ publicKeyPem, tls });
 * await c.listen({ port: 0, host: '127.0.0.1' });
 * ```
 */
export async function createServiceC(options: ServiceCOptions): Promise<FastifyInstance> {
  const app = Fastify({ https: options.tls });
  const verifier = createVerifier({
    issuer: 'https://service-issuer',
    keys: [importPem(options.publicKeyPem, 'RS256', { kid: 'servicea' })],
    audience: 'servicec',
    subject: 'servicea',
    algorithms: ['RS256'],
  });
  await app.register(tesseraFastify, { verifier, realm: 'servicec' });
  app.get('/scenario4-server', (request) => ({ valid: true, claims: request.auth?.payload }));
  return app;
}
