import type { Routes } from '../http/routes.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceMetrics } from './create-service-metrics.js';

/**
 * The health endpoints, served on the main listener and the operations listener alike:
 * `GET /healthz` (the process answers) and `GET /readyz` (this instance should get traffic:
 * `checkReady` resolves, 200 with what it resolves to, such as `{ storage: 'up' }`; else 503).
 *
 * @example
 * ```ts
 * const routes = healthRoutes({ checkReady: async () => ({ storage: 'up' }) });
 * ```
 */
export function healthRoutes(options: {
  /** Rejects when the instance should not get traffic (starting, closing, no signing key); resolves to details. */
  readonly checkReady: () => Promise<Record<string, unknown>>;
}): Routes {
  const { checkReady } = options;
  return {
    'GET /healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    'GET /readyz': async (_req, res) => {
      try {
        sendJson(res, 200, { status: 'ready', ...(await checkReady()) });
      } catch {
        sendJson(res, 503, { status: 'unavailable' });
      }
    },
  };
}

/**
 * The operations endpoints, served on the operations listener only (`server.operations`, loopback
 * by default): the {@link healthRoutes} and `GET /metrics` (Prometheus text of this instance).
 * Metrics stay off the OAuth port, which faces every client.
 *
 * @example
 * ```ts
 * const routes = opsRoutes({ metrics, checkReady: async () => ({ storage: 'up' }) });
 * ```
 */
export function opsRoutes(options: {
  readonly metrics: ServiceMetrics;
  /** Rejects when the instance should not get traffic (starting, closing, no signing key); resolves to details. */
  readonly checkReady: () => Promise<Record<string, unknown>>;
}): Routes {
  const { metrics } = options;
  return {
    ...healthRoutes(options),
    'GET /metrics': async (_req, res) => {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
  };
}
