import type { Routes } from '../http/routes.js';
import type { ServiceContext } from '../http/service-context.js';
import { ENDPOINT_PATHS } from '../oauth/endpoint-paths.js';

/**
 * The public side of the jwt-factory: `GET /jwt-factory/jwks.json`, the public halves of the named
 * keys, for verifiers of factory-issued tokens (e.g. a gateway rule with issuer
 * `https://jwt-factory/`). Public keys only; the factory API itself is admin-only
 * (`handleJwtFactoryRequest` under `/admin/jwt-factory/`).
 *
 * @example
 * ```ts
 * const routes = { ...oauthRoutes(ctx, streams), ...jwtFactoryRoutes(ctx) };
 * ```
 */
export function jwtFactoryRoutes(ctx: ServiceContext): Routes {
  return {
    [`GET ${ENDPOINT_PATHS.factoryJwks}`]: async (_req, res) => {
      const keys = (await ctx.storage.keys.list({ purpose: 'named' })).map((k) => ({
        ...k.publicJwk,
        kid: k.kid,
        alg: k.alg,
        use: 'sig',
      }));
      const body = JSON.stringify({ keys });
      res.writeHead(200, {
        'content-type': 'application/jwk-set+json',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'public, max-age=60',
      });
      res.end(body);
    },
  };
}
