import { readFileSync } from 'node:fs';
import { Pool } from 'undici';
import type { GatewayConfig } from '../config/load-gateway-config.js';

/** Client TLS settings for an `https` upstream (read once at start). */
export interface UpstreamTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  readonly servername?: string;
}

/** One route's upstream: its URL, TLS settings and undici keep-alive pool. */
export interface Upstream {
  readonly url: URL;
  readonly tls: UpstreamTls | undefined;
  readonly pool: Pool;
}

/**
 * Builds one undici pool per route (index = route index), with the configured connection count
 * and timeouts, and the route's client TLS files read once.
 *
 * @example
 * ```ts
 * const upstreams = createUpstreams(config);
 * upstreams[route.index].pool.stream(...);
 * ```
 */
export function createUpstreams(config: GatewayConfig): readonly Upstream[] {
  return config.routes.map((r) => {
    const url = new URL(r.upstream);
    const t = r.upstreamTls;
    const tls: UpstreamTls | undefined =
      t === undefined
        ? undefined
        : {
            ...(t.ca ? { ca: readFileSync(t.ca) } : {}),
            ...(t.cert ? { cert: readFileSync(t.cert) } : {}),
            ...(t.key ? { key: readFileSync(t.key) } : {}),
            ...(t.servername ? { servername: t.servername } : {}),
          };
    const pool = new Pool(url.origin, {
      ...(tls ? { connect: { ...tls, rejectUnauthorized: true } } : {}),
      connections: config.limits.upstreamConnections,
      connectTimeout: config.limits.upstreamConnectTimeoutMs,
      headersTimeout: config.limits.upstreamHeadersTimeoutMs,
      bodyTimeout: config.limits.upstreamBodyTimeoutMs,
      keepAliveTimeout: 4000,
      pipelining: 1,
    });
    return { url, tls, pool };
  });
}
