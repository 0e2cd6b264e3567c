import { tokenServiceErrors } from '../errors.js';
import { toProblem } from '../http/problem.js';
import type { RouteHandler } from '../http/routes.js';
import { sendJson } from '../http/send-json.js';
import { opsRoutes } from '../ops/ops-routes.js';
import type { ServiceMetrics } from '../ops/create-service-metrics.js';
import type { Router } from './create-router.js';

/** Options of {@link createOperationsRouter}. */
export interface OperationsRouterOptions {
  readonly metrics: ServiceMetrics;
  /** Rejects when this instance should not get traffic (`GET /readyz`). */
  readonly checkReady: () => Promise<Record<string, unknown>>;
  /** True once shutdown began: answers then carry `Connection: close`. */
  readonly closing: () => boolean;
}

/**
 * Creates the router of the operations listener (`server.operations`): `GET /metrics`,
 * `GET /healthz`, `GET /readyz` and a 404 problem for anything else. Nothing of the OAuth or
 * admin API is reachable here, and scrapes are not timed into the request metrics.
 *
 * @example
 * ```ts
 * const router = createOperationsRouter({ metrics, checkReady, closing: () => false });
 * ```
 */
export function createOperationsRouter(options: OperationsRouterOptions): Router {
  const routes = new Map<string, RouteHandler>(
    Object.entries(opsRoutes({ metrics: options.metrics, checkReady: options.checkReady })),
  );
  return async (req, res) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    if (options.closing()) res.setHeader('connection', 'close');
    const route = routes.get(`${req.method} ${path}`);
    try {
      if (route !== undefined) return await route(req, res, new URLSearchParams(q === -1 ? '' : url.slice(q + 1)));
    } catch {
      if (res.headersSent) res.destroy();
      else sendJson(res, 500, { status: 'error' });
      return;
    }
    const problem = toProblem(
      tokenServiceErrors.create(
        'ERR_TOKEN_SERVICE_NOT_FOUND',
        `no endpoint ${req.method ?? 'GET'} ${path.slice(0, 100)}`,
      ),
    );
    sendJson(res, 404, problem, { 'content-type': 'application/problem+json' });
  };
}
