import type { ServerResponse } from 'node:http';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { discoveryDocument } from './discovery-document.js';

/**
 * `GET /.well-known/oauth-authorization-server` and `GET /.well-known/openid-configuration`: the
 * RFC 8414 metadata of this issuer, listing the grants enabled in the configuration. Cached like
 * the JWKS, since it names the signing algorithm.
 *
 * @example
 * ```ts
 * routes['GET /.well-known/openid-configuration'] = (_req, res) => handleDiscovery(ctx, res);
 * ```
 */
export function handleDiscovery(ctx: ServiceContext, res: ServerResponse): void {
  sendJson(res, 200, discoveryDocument(ctx.issuerUrl(), [...ctx.grants.keys()], ctx.config.keys.algorithm), {
    'cache-control': `public, max-age=${ctx.config.keys.jwksCacheSeconds}`,
  });
}
