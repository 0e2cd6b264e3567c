import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/** Counters for one route. `inc()` is a plain integer add: prom-client reads them at scrape time. */
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
  /** Reads of the token service's revocation feed (a poll, or a stream opened), and failed ones. */
  readonly revocationFeed: { success(): void; failure(): void };
  /** Decisions pushed to the token service, dropped before they could be (queue full, refused), and failed pushes. */
  readonly decisionReports: { sent(n: number): void; dropped(n: number): void; failed(): void };
}

class Tally {
  n = 0;
  inc(): void {
    this.n++;
  }
}

const CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;

/**
 * Creates the gateway metrics with Envoy-like names: `tessera_gateway_rbac_allowed_total`,
 * `..._rbac_denied_total`, `..._rbac_shadow_allowed_total` / `..._shadow_denied_total` (dry-run),
 * `..._jwt_authn_allowed_total` / `..._denied_total`, `..._jwks_fetch_success_total` /
 * `..._failed_total`, `..._jwt_cache_hit_total` / `..._miss_total`, `..._upstream_rq_total{code_class}`.
 * The request path only adds to plain integers; prom-client copies them when `/metrics` is scraped
 * (its own `inc` hashes and validates the labels on every call, which the hot path cannot afford).
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
  const routes = new Map<
    string,
    {
      readonly tallies: Record<
        'allowed' | 'denied' | 'dryRunAllowed' | 'dryRunDenied' | 'jwtAllowed' | 'jwtDenied',
        Tally
      >;
      readonly classes: Tally[];
      readonly counters: RouteCounters;
    }
  >();
  const perRoute = (
    name: string,
    help: string,
    key: 'allowed' | 'denied' | 'dryRunAllowed' | 'dryRunDenied' | 'jwtAllowed' | 'jwtDenied',
  ) =>
    new Counter({
      name: `tessera_gateway_${name}`,
      help,
      labelNames: ['route'],
      registers: [registry],
      collect() {
        this.reset();
        for (const [route, r] of routes) this.inc({ route }, r.tallies[key].n);
      },
    });
  perRoute('rbac_allowed_total', 'Requests allowed by authorization policies.', 'allowed');
  perRoute('rbac_denied_total', 'Requests denied by authorization policies (403).', 'denied');
  perRoute('rbac_shadow_allowed_total', 'Dry-run (istio.io/dry-run) policies that would allow.', 'dryRunAllowed');
  perRoute('rbac_shadow_denied_total', 'Dry-run (istio.io/dry-run) policies that would deny.', 'dryRunDenied');
  perRoute('jwt_authn_allowed_total', 'Requests whose token (or absence of one) passed authentication.', 'jwtAllowed');
  perRoute('jwt_authn_denied_total', 'Requests refused by authentication (401).', 'jwtDenied');
  new Counter({
    name: 'tessera_gateway_upstream_rq_total',
    help: 'Upstream responses by status class (and 502/504 produced by the gateway).',
    labelNames: ['route', 'code_class'],
    registers: [registry],
    collect() {
      this.reset();
      for (const [route, r] of routes)
        CLASSES.forEach((code_class, i) => this.inc({ route, code_class }, r.classes[i]!.n));
    },
  });
  const global = (name: string, help: string) => {
    const t = new Tally();
    new Counter({
      name: `tessera_gateway_${name}`,
      help,
      registers: [registry],
      collect() {
        this.reset();
        this.inc(t.n);
      },
    });
    return t;
  };
  const jwksOk = global('jwks_fetch_success_total', 'Successful JWKS fetches.');
  const jwksFail = global('jwks_fetch_failed_total', 'Failed JWKS fetches.');
  const cacheHit = global('jwt_cache_hit_total', 'Verified-token cache hits.');
  const cacheMiss = global('jwt_cache_miss_total', 'Verified-token cache misses.');
  const mintHit = global('mint_cache_hit_total', 'Minted-token cache hits.');
  const mintMiss = global('mint_cache_miss_total', 'Minted-token cache misses (a token was signed or exchanged).');
  const reloadOk = global('policy_reload_success_total', 'Policy reloads that compiled and were swapped in.');
  const reloadFail = global('policy_reload_failed_total', 'Policy reloads that failed (the old set stays).');
  const feedOk = global('revocation_feed_success_total', 'Revocation feed polls that answered, and streams opened.');
  const feedFail = global(
    'revocation_feed_failed_total',
    'Revocation feed polls and streams that failed (the known list stays; refused past revocationsMaxStaleMs).',
  );
  const reportsSent = global(
    'decisions_reported_total',
    'Decisions pushed to the token service (tokenService.decisions) and accepted.',
  );
  const reportsDropped = global(
    'decisions_dropped_total',
    'Decisions never reported: dropped when the queue was full (token service slow or down) or refused by it.',
  );
  const pushesFailed = global(
    'decision_push_failed_total',
    'Pushes of decisions to the token service that failed (the batch is kept and retried, within maxBuffered).',
  );
  return {
    registry,
    route(name) {
      let r = routes.get(name);
      if (r === undefined) {
        const tallies = {
          allowed: new Tally(),
          denied: new Tally(),
          dryRunAllowed: new Tally(),
          dryRunDenied: new Tally(),
          jwtAllowed: new Tally(),
          jwtDenied: new Tally(),
        };
        const classes = CLASSES.map(() => new Tally());
        r = {
          tallies,
          classes,
          counters: {
            ...tallies,
            upstream(status) {
              classes[Math.min(Math.max(Math.floor(status / 100), 1), 5) - 1]!.n++;
            },
          },
        };
        routes.set(name, r);
      }
      return r.counters;
    },
    jwksFetch: { success: () => jwksOk.inc(), failure: () => jwksFail.inc() },
    jwtCache: { hit: () => cacheHit.inc(), miss: () => cacheMiss.inc() },
    mintCache: { hit: () => mintHit.inc(), miss: () => mintMiss.inc() },
    policyReloads: { success: () => reloadOk.inc(), failure: () => reloadFail.inc() },
    revocationFeed: { success: () => feedOk.inc(), failure: () => feedFail.inc() },
    decisionReports: {
      sent: (n) => (reportsSent.n += n),
      dropped: (n) => (reportsDropped.n += n),
      failed: () => pushesFailed.inc(),
    },
  };
}
