import Fastify, { type FastifyInstance } from 'fastify';
import { createRemoteJwks, createVerifier, type RemoteJwks } from '@tessera/core';
import { tesseraFastify } from '@tessera/core/fastify';

/**
 * The inventory service of scenario 5 (Fastify over HTTPS, Tessera's plugin): accepts only tokens
 * of the token service for audience `inventory` that carry the scope `place-order`.
 * `POST /inventory/reserve` answers who the order is for (`sub`, and `sub_id` when the user came
 * from another identity provider) and who asked for it (`act`).
 *
 * @example
 * ```ts
 * const { app, close } = await createInventory({ issuer, jwksUri, tls });
 * ```
 */
export async function createInventory(options: {
  issuer: string;
  jwksUri: string;
  tls: { cert: string; key: string };
  ca: string;
}): Promise<{ app: FastifyInstance; close(): void }> {
  // The token service is HTTPS too: its JWKS is fetched trusting the example CA.
  const jwks: RemoteJwks = createRemoteJwks(options.jwksUri, { ca: options.ca });
  const app = Fastify({ https: options.tls });
  await app.register(tesseraFastify, {
    verifier: createVerifier({ issuer: options.issuer, keys: jwks, audience: 'inventory' }),
    realm: 'inventory',
    scopes: ['place-order'],
  });
  app.post('/inventory/reserve', (request) => {
    const p = request.auth!.payload;
    return { status: 'reserved', sub: p.sub, sub_id: p['sub_id'], aud: p.aud, act: p.act, scope: p.scope };
  });
  return { app, close: () => jwks.close() };
}
