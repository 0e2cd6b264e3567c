import type { ServerResponse } from 'node:http';
import type { ServiceContext } from '../http/service-context.js';

/**
 * `GET /.well-known/jwks.json`: the public keys of the signing ring (next, active and retired),
 * as the ring serialized them once per change.
 *
 * @example
 * ```ts
 * routes['GET /.well-known/jwks.json'] = (_req, res) => handleJwks(ctx, res);
 * ```
 */
export function handleJwks(ctx: ServiceContext, res: ServerResponse): void {
  const body = ctx.keyRing.jwksJson();
  // max-age = the rotation design's cache period: a next key is published at least this long
  // before it signs, so a verifier honouring it always knows the signing key in time.
  res.writeHead(200, {
    'content-type': 'application/jwk-set+json',
    'content-length': Buffer.byteLength(body),
    'cache-control': `public, max-age=${ctx.config.keys.jwksCacheSeconds}`,
  });
  res.end(body);
}
