import type { Routes } from '../http/routes.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceMetrics } from './create-service-metrics.js';

/**
 * The operations endpoints: `GET /healthz` (the process answers), `GET /readyz` (this instance
 * should get traffic: `checkReady` resolves) and `GET /metrics` (Prometheus text of this instance).
 *
 * @example
 * ```ts
 * const routes = opsRoutes({ metrics, checkReady: async () => void (await storage.ping()) });
 * ```
 */
export function opsRoutes(options: {
  readonly metrics: ServiceMetrics;
  /** Rejects when the instance should not get traffic (starting, closing, storage down, no signing key). */
  readonly checkReady: () => Promise<void>;
}): Routes {
  const { metrics, checkReady } = options;
  return {
    'GET /healthz': (_req, res) => sendJson(res, 200, { status: 'ok' }),
    'GET /readyz': async (_req, res) => {
      try {
        await checkReady();
        sendJson(res, 200, { status: 'ready' });
      } catch {
        sendJson(res, 503, { status: 'unavailable' });
      }
    },
    'GET /metrics': async (_req, res) => {
      const text = await metrics.registry.metrics();
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
      res.end(text);
    },
  };
}
