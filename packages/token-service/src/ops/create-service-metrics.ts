import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The token service's Prometheus metrics, in a registry of its own (several services can share a process). */
export interface ServiceMetrics {
  readonly registry: Registry;
  readonly tokenRequests: Counter<'grant_type' | 'outcome'>;
  readonly tokensIssued: Counter<'grant_type'>;
  readonly rateLimited: Counter<'scope'>;
  readonly authThrottled: Counter<'action'>;
  readonly revocations: Counter;
  readonly auditFailures: Counter;
  readonly httpDuration: Histogram<'route' | 'status'>;
  readonly keys: Gauge<'state'>;
  /** Decisions gateways pushed to this replica (`POST /admin/gateways/:id/decisions`), by action. */
  readonly decisionsReported: Counter<'action'>;
  /** Decision streams (`GET /admin/decisions/stream`) open on this replica. */
  readonly decisionStreams: Gauge;
}

/**
 * Creates the metrics of one token service instance with its own `prom-client` registry.
 *
 * @example
 * ```ts
 * const metrics = createServiceMetrics({ defaultMetrics: true });
 * res.end(await metrics.registry.metrics());
 * ```
 */
export function createServiceMetrics(
  options: { defaultMetrics?: boolean; keyStates?: () => Record<string, number> } = {},
): ServiceMetrics {
  const registry = new Registry();
  if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'tessera_token_service_' });
  const keyStates = options.keyStates;
  return {
    registry,
    tokenRequests: new Counter({
      name: 'tessera_token_requests_total',
      help: 'Token endpoint requests by grant type and outcome (OAuth error code or "issued").',
      labelNames: ['grant_type', 'outcome'],
      registers: [registry],
    }),
    tokensIssued: new Counter({
      name: 'tessera_tokens_issued_total',
      help: 'Access tokens issued by grant type.',
      labelNames: ['grant_type'],
      registers: [registry],
    }),
    rateLimited: new Counter({
      name: 'tessera_rate_limited_total',
      help: 'Token requests refused by the rate limit, by scope (client or address).',
      labelNames: ['scope'],
      registers: [registry],
    }),
    authThrottled: new Counter({
      name: 'tessera_auth_throttled_total',
      help: 'Secret checks slowed or refused by the brute-force guard, by action (delayed, blocked, shed).',
      labelNames: ['action'],
      registers: [registry],
    }),
    revocations: new Counter({ name: 'tessera_revocations_total', help: 'Tokens revoked.', registers: [registry] }),
    auditFailures: new Counter({
      name: 'tessera_audit_failures_total',
      help: 'Audit records that could not be written.',
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: 'tessera_http_request_duration_seconds',
      help: 'HTTP request duration by route and status.',
      labelNames: ['route', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
      registers: [registry],
    }),
    keys: new Gauge({
      name: 'tessera_signing_keys',
      help: 'Keys of the signing ring by state.',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        if (keyStates === undefined) return;
        for (const [state, count] of Object.entries(keyStates())) this.set({ state }, count);
      },
    }),
    decisionsReported: new Counter({
      name: 'tessera_gateway_decisions_reported_total',
      help: 'Decisions gateways pushed to this replica, by action (allow, deny, dry-run).',
      labelNames: ['action'],
      registers: [registry],
    }),
    decisionStreams: new Gauge({
      name: 'tessera_decision_streams',
      help: 'Decision streams (GET /admin/decisions/stream) open on this replica.',
      registers: [registry],
    }),
  };
}
