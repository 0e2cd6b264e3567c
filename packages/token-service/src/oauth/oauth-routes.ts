import type { IncomingMessage } from 'node:http';
import { readBody } from '../http/read-body.js';
import type { Routes } from '../http/routes.js';
import type { ServiceContext } from '../http/service-context.js';
import type { RevocationStreams } from './create-revocation-streams.js';
import { ENDPOINT_PATHS } from './endpoint-paths.js';
import { handleDiscovery } from './handle-discovery.js';
import { handleIntrospection } from './handle-introspection.js';
import { handleJwks } from './handle-jwks.js';
import { handleRevocation } from './handle-revocation.js';
import { handleRevocationList } from './handle-revocation-list.js';
import { handleTokenRequest } from './handle-token-request.js';
import { authorizeRevocationReader } from './internal/authorize-revocation-reader.js';
import { openRevocationStream } from './open-revocation-stream.js';

/**
 * The OAuth 2.0 endpoints for workloads: token (RFC 6749 / 8693), introspection (RFC 7662),
 * revocation (RFC 7009), the revocation feed and its stream, discovery (RFC 8414) and the JWKS.
 *
 * @example
 * ```ts
 * const routes = { ...oauthRoutes(ctx, createRevocationStreams()), ...opsRoutes(ops) };
 * ```
 */
export function oauthRoutes(ctx: ServiceContext, streams: RevocationStreams): Routes {
  const body = (req: IncomingMessage) => readBody(req, ctx.config.server.bodyLimitBytes);
  return {
    'GET /.well-known/openid-configuration': (_req, res) => handleDiscovery(ctx, res),
    'GET /.well-known/oauth-authorization-server': (_req, res) => handleDiscovery(ctx, res),
    [`GET ${ENDPOINT_PATHS.jwks}`]: (_req, res) => handleJwks(ctx, res),
    [`POST ${ENDPOINT_PATHS.token}`]: async (req, res) => handleTokenRequest(ctx, req, res, await body(req)),
    [`POST ${ENDPOINT_PATHS.introspection}`]: async (req, res) => handleIntrospection(ctx, req, res, await body(req)),
    [`POST ${ENDPOINT_PATHS.revocation}`]: async (req, res) => handleRevocation(ctx, req, res, await body(req)),
    // The revocation feed needs an authenticated client with `revocations: true` (hardening issue).
    [`GET ${ENDPOINT_PATHS.revocations}`]: (req, res, query) =>
      authorizeRevocationReader(ctx, req, res, 'revocations', () => handleRevocationList(ctx, res, query)),
    [`GET ${ENDPOINT_PATHS.revocationStream}`]: (req, res, query) =>
      authorizeRevocationReader(ctx, req, res, 'revocations-stream', () =>
        openRevocationStream(ctx, streams, req, res, query),
      ),
  };
}
