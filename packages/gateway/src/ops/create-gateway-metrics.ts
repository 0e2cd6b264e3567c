import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** Counters for one route, bound once so the hot path only increments. */
export interface RouteCounters {
  readonly allowed: { inc(): void };
  readonly denied: { inc(): void };
  readonly dryRunAllowed: { inc(): void };
  readonly dryRunDenied: { inc(): void };
  readonly jwtAllowed: { inc(): void };
  readonly jwtDenied: { inc(): void };
  upstream(status: number): void;
}

/** The gateway's Prometheus metrics, on a registry of its own (never the global one). */
export interface GatewayMetrics {
  readonly registry: Registry;
  route(name: string): RouteCounters;
  readonly jwksFetch: { success(): void; failure(): void };
  readonly jwtCache: { hit(): void; miss(): void };
  readonly mintCache: { hit(): void; miss(): void };
  readonly policyReloads: { success(): void; failure(): void };
}

/**
 * Creates the gateway metrics with Envoy-like names: `tessera_gateway_rbac_allowed_total`,
 * `..._rbac_denied_total`, `..._rbac_shadow_allowed_total` / `..._shadow_denied_total` (dry-run),
 * `..._jwt_authn_allowed_total` / `..._denied_total`, `..._jwks_fetch_success_total` /
 * `..._failed_total`, `..._jwt_cache_hit_total` / `..._miss_total`, `..._upstream_rq_total{code_class}`.
 *
 * @example
 * ```ts
 * const metrics = createGatewayMetrics();
 * metrics.route('api').allowed.inc();
 * const text = await metrics.registry.metrics();
 * ```
 */
export function createGatewayMetrics(options: { defaultMetrics?: boolean } = {}): GatewayMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'tessera_gateway_' });
  const counter = (name: string, help: string, labelNames: string[] = ['route']) => new Counter({ name: `tessera_gateway_${name}`, help, labelNames, registers: [registry] });
  const allowed = counter('rbac_allowed_total', 'Requests allowed by authorization policies.');
  const denied = counter('rbac_denied_total', 'Requests denied by authorization policies (403).');
  const shadowAllowed = counter('rbac_shadow_allowed_total', 'Dry-run (istio.io/dry-run) policies that would allow.');
  const shadowDenied = counter('rbac_shadow_denied_total', 'Dry-run (istio.io/dry-run) policies that would deny.');
  const jwtAllowed = counter('jwt_authn_allowed_total', 'Requests whose token (or absence of one) passed authentication.');
  const jwtDenied = counter('jwt_authn_denied_total', 'Requests refused by authentication (401).');
  const upstream = counter('upstream_rq_total', 'Upstream responses by status class (and 502/504 produced by the gateway).', ['route', 'code_class']);
  const jwksOk = counter('jwks_fetch_success_total', 'Successful JWKS fetches.', []);
  const jwksFail = counter('jwks_fetch_failed_total', 'Failed JWKS fetches.', []);
  const cacheHit = counter('jwt_cache_hit_total', 'Verified-token cache hits.', []);
  const cacheMiss = counter('jwt_cache_miss_total', 'Verified-token cache misses.', []);
  const mintHit = counter('mint_cache_hit_total', 'Minted-token cache hits.', []);
  const mintMiss = counter('mint_cache_miss_total', 'Minted-token cache misses (a token was signed or exchanged).', []);
  const reloadOk = counter('policy_reload_success_total', 'Policy reloads that compiled and were swapped in.', []);
  const reloadFail = counter('policy_reload_failed_total', 'Policy reloads that failed (the old set stays).', []);
  const routes = new Map<string, RouteCounters>();
  const bound = <T extends { inc(): void }>(c: T) => ({ inc: () => c.inc() });
  return {
    registry,
    route(name) {
      let r = routes.get(name);
      if (r === undefined) {
        const classes = ['1xx', '2xx', '3xx', '4xx', '5xx'].map((k) => upstream.labels(name, k));
        r = {
          allowed: bound(allowed.labels(name)),
          denied: bound(denied.labels(name)),
          dryRunAllowed: bound(shadowAllowed.labels(name)),
          dryRunDenied: bound(shadowDenied.labels(name)),
          jwtAllowed: bound(jwtAllowed.labels(name)),
          jwtDenied: bound(jwtDenied.labels(name)),
          upstream(status) {
            classes[Math.min(Math.max(Math.floor(status / 100), 1), 5) - 1]!.inc();
          },
        };
        routes.set(name, r);
      }
      return r;
    },
    jwksFetch: { success: () => jwksOk.inc(), failure: () => jwksFail.inc() },
    jwtCache: { hit: () => cacheHit.inc(), miss: () => cacheMiss.inc() },
    mintCache: { hit: () => mintHit.inc(), miss: () => mintMiss.inc() },
    policyReloads: { success: () => reloadOk.inc(), failure: () => reloadFail.inc() },
  };
}
