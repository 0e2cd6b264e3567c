import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTesseraError } from '@tessera/core';
import { handleAdminRequest } from '../admin/handle-admin-request.js';
import { createConsoleHandler } from '../console/serve-console.js';
import { jwtFactoryRoutes } from '../admin/jwt-factory-routes.js';
import { tokenServiceErrors } from '../errors.js';
import { toOAuthError } from '../http/oauth-error.js';
import { toProblem } from '../http/problem.js';
import { readBody } from '../http/read-body.js';
import type { RouteHandler } from '../http/routes.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import type { RevocationStreams } from '../oauth/create-revocation-streams.js';
import { loginRoutes } from '../login/login-routes.js';
import { accountRoutes } from '../login/account-routes.js';
import { oauthRoutes } from '../oauth/oauth-routes.js';
import { healthRoutes } from '../ops/ops-routes.js';

/** Options of {@link createRouter}. */
export interface RouterOptions {
  readonly context: ServiceContext;
  readonly streams: RevocationStreams;
  /** Rejects when this instance should not get traffic (`GET /readyz`). */
  readonly checkReady: () => Promise<Record<string, unknown>>;
  /** True once shutdown began: answers then carry `Connection: close` so keep-alive clients move on. */
  readonly closing: () => boolean;
  /** Called as each request reaches the router, before it is handled (see `TokenServiceOptions.onRequest`). */
  readonly onRequest?: ((req: IncomingMessage) => void) | undefined;
}

/** Answers every request of the HTTP server. */
export type Router = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/**
 * Creates the router: one table of exact `METHOD /path` routes merged from each endpoint group, the
 * admin API under `/admin/` (when `admin.enabled`), and a 404 problem for anything else. A plain
 * map lookup, because signing dominates the cost of a token request and the HTTP layer should
 * add next to nothing. Every answer is timed into `tessera_http_request_duration_seconds`.
 *
 * @example
 * ```ts
 * const router = createRouter({ context, streams, checkReady, closing: () => false });
 * const server = createServer((req, res) => void router(req, res));
 * ```
 */
export function createRouter(options: RouterOptions): Router {
  const { context: ctx, onRequest } = options;
  const routes = new Map<string, RouteHandler>(
    Object.entries({
      ...oauthRoutes(ctx, options.streams),
      ...loginRoutes(ctx),
      ...accountRoutes(ctx),
      ...jwtFactoryRoutes(ctx),
      // /healthz and /readyz here too; /metrics only on the operations listener (create-operations-router.ts).
      ...healthRoutes({ checkReady: options.checkReady }),
      // OpenID Connect user login (authorize, login page, userinfo, logout) is planned as one more
      // group here, from src/login/ (ARCHITECTURE.md, "Token path").
    }),
  );
  const adminEnabled = ctx.config.admin.enabled;
  // The console is the admin API's web face: served with it, or not at all.
  const serveConsole = adminEnabled ? createConsoleHandler(ctx) : undefined;

  return async (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const key = `${req.method} ${path}`;
    const t0 = performance.now();
    res.on('close', () => {
      // Label by route, never by raw path: a scanner must not create a series per URL it tries.
      const route = routes.has(key)
        ? path
        : path.startsWith('/admin/')
          ? '/admin'
          : path.startsWith('/console')
            ? '/console'
            : 'other';
      ctx.metrics.httpDuration.observe({ route, status: String(res.statusCode) }, (performance.now() - t0) / 1000);
    });
    try {
      onRequest?.(req);
      if (options.closing()) res.setHeader('connection', 'close');
      const route = routes.get(key);
      if (route !== undefined) return await route(req, res, query);
      if (serveConsole !== undefined && (path === '/console' || path.startsWith('/console/')))
        return await serveConsole(req, res, path);
      if (path.startsWith('/admin/') && adminEnabled)
        return await handleAdminRequest(
          ctx,
          req,
          res,
          path,
          query,
          await readBody(req, ctx.config.server.bodyLimitBytes),
        );
      const problem = toProblem(
        tokenServiceErrors.create(
          'ERR_TOKEN_SERVICE_NOT_FOUND',
          `no endpoint ${req.method ?? 'GET'} ${path.slice(0, 100)}`,
        ),
      );
      sendJson(res, 404, problem, { 'content-type': 'application/problem+json' });
    } catch (error) {
      // Errors before a handler took over (body too large, storage down): the OAuth endpoints
      // answer RFC 6749 JSON, everything else a bare status.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!isTesseraError(error) || error.status >= 500) ctx.logger.error({ err: error, path }, 'request failed');
      const answer = toOAuthError(error);
      sendJson(res, answer.status, answer.body, answer.headers);
    }
  };
}
