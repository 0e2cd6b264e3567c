import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { GatewayContext } from '../context/gateway-context.js';
import { prepareRequest } from '../request/prepare-request.js';
import { writeText } from '../respond/write-outcome.js';

/** What the admin listener reports on. */
export interface AdminServerOptions {
  readonly ctx: GatewayContext;
  /** True when every listener accepts connections and a policy set compiled. */
  ready(): boolean;
  /** The `/metrics` text (this gateway's registry, or the whole cluster's in a worker). */
  metricsText(): Promise<string>;
}

const JSON_TYPE = { 'content-type': 'application/json' };

/**
 * The gateway's admin listener (loopback by default): `GET /healthz`, `/readyz`, `/metrics`, and
 * `/explain?method=&path=&host=` with the caller's `Authorization`, which says which policy and
 * rule decide that request and why, through the same request preparation as the proxy.
 *
 * @example
 * ```ts
 * const admin = createAdminServer({ ctx, ready: () => listening, metricsText: () => registry.metrics() });
 * admin.listen(15000, '127.0.0.1');
 * ```
 */
export function createAdminServer(options: AdminServerOptions): Server {
  const { ctx } = options;
  const { config, logger } = ctx;

  const explain = async (req: IncomingMessage, res: ServerResponse) => {
    const q = new URL(req.url ?? '/', 'http://admin').searchParams;
    const listener = config.listeners.find((l) => !l.decisionOnly) ?? config.listeners[0]!;
    const p = prepareRequest(ctx, req, listener, {
      method: (q.get('method') ?? 'GET').toUpperCase(),
      url: q.get('path') ?? '/',
      host: q.get('host') ?? undefined,
    });
    if ('error' in p)
      return writeText(res, p.error === 404 ? 404 : 400, JSON.stringify({ error: p.reason }), JSON_TYPE);
    const enforcer = p.state.enforcer;
    if (enforcer.explain === undefined) {
      return writeText(res, 501, JSON.stringify({ error: 'this enforcer cannot explain' }), JSON_TYPE);
    }
    const e = await enforcer.explain(p.request, p.route.config);
    const body = {
      route: p.route.config.name,
      path: p.request.path,
      decision: e.decision,
      text: e.text,
      policies: e.policies,
    };
    writeText(res, 200, JSON.stringify(body), JSON_TYPE);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return writeText(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
    }
    if (path === '/healthz') return writeText(res, 200, 'ok');
    if (path === '/readyz') {
      const ready = options.ready();
      return writeText(res, ready ? 200 : 503, ready ? 'ready' : ctx.draining() ? 'draining' : 'not ready');
    }
    if (path === '/explain') return explain(req, res);
    if (path === '/metrics') {
      const text = await options.metricsText();
      res.writeHead(200, { 'content-type': ctx.metrics.registry.contentType });
      res.end(text);
      return;
    }
    writeText(res, 404, 'not found');
  };

  // The server does not await its handler: a rejection is handled here (logged, answered 500)
  // rather than left unhandled.
  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      logger.error({ err, path: (req.url ?? '').split('?')[0] }, 'admin request failed');
      writeText(res, 500, 'internal error');
    });
  });
}
