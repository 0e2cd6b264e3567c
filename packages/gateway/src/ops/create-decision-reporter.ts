import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { Agent, request } from 'undici';
import { clientSecretBasic, type Clock } from '@tessera/core';
import type { GatewayIdentity } from '../auth/verdict.js';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';
import type { PolicySnapshot } from '../policy/read-policy-documents.js';
import type { Prepared } from '../request/prepare-request.js';
import type { AccessReason } from '../respond/outcome.js';
import type { GatewayMetrics } from './create-gateway-metrics.js';

/** A decision as the token service takes it (its `POST /admin/gateways/:id/decisions` schema). */
interface WireDecision {
  at: number;
  action: 'allow' | 'deny' | 'dry-run';
  status: number;
  reason: string;
  detail?: string;
  route: string;
  method: string;
  host: string;
  path: string;
  principal?: string;
  requestPrincipal?: string;
  source?: string;
  destination?: string;
}

/** A decision as recorded on the request path: the values, nothing computed or copied yet. */
interface Recorded {
  readonly at: number;
  readonly action: 'allow' | 'deny' | 'dry-run';
  readonly status: number;
  readonly reason: string;
  readonly detail: string;
  readonly route: string;
  readonly method: string;
  readonly host: string;
  readonly path: string;
  readonly principal: string | undefined;
  readonly requestPrincipal: string | undefined;
  readonly source: string | undefined;
  readonly destination: string;
}

/** Records the gateway's decisions and pushes them to the token service (issue 17). */
export interface DecisionReporter {
  /**
   * Records the decision on one request whose route was found (the access log's arguments). Cheap:
   * one object into a ring, no serialisation, no I/O.
   */
  record(
    p: Prepared,
    status: number,
    reason: AccessReason,
    detail: string,
    identity: GatewayIdentity | undefined,
    dryRun: 'allow' | 'deny' | undefined,
  ): void;
  /** The policy set in force now (after a load or reload): its documents go with the next push. */
  setPolicies(snapshot: PolicySnapshot): void;
  /** Starts pushing every `intervalMs`. */
  start(): void;
  /** Pushes what is waiting now (and the heartbeat); resolves when done, never rejects. */
  flush(): Promise<void>;
  /** Stops the timer, pushes what is left once (within `tokenService.timeoutMs`), closes its connections. */
  close(): Promise<void>;
}

/** Options of {@link createDecisionReporter}. */
export interface DecisionReporterOptions {
  /** A configuration whose `tokenService` has client credentials (the loader checks). */
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly clock?: Clock;
}

/**
 * The default gateway id: the host name (in Kubernetes, the pod name), each character outside
 * `[A-Za-z0-9._-]` replaced by `-`, cut to 64.
 *
 * @example
 * ```ts
 * defaultGatewayId(); // 'gateway-7d9f8-abcde'
 * ```
 */
export function defaultGatewayId(): string {
  const id = hostname()
    .replace(/[^A-Za-z0-9._-]/g, '-')
    .slice(0, 64);
  return id === '' ? 'gateway' : id;
}

// What a bearer token looks like (a compact JWS or JWE): never sent, even inside a path or a
// detail; the token service refuses a push that holds one.
const TOKEN_LIKE = /eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_.-]*/g;
const clean = (value: string, max: number) => {
  const v = value.includes('eyJ') ? value.replace(TOKEN_LIKE, '[redacted]') : value;
  return v.length > max ? v.slice(0, max) : v;
};
const claim = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

// The gateway allowed these: only what came after (the upstream) failed.
const ALLOWED_REASONS: ReadonlySet<string> = new Set([
  'allowed',
  'ERR_GATEWAY_UPSTREAM_UNAVAILABLE',
  'ERR_GATEWAY_UPSTREAM_TIMEOUT',
]);

function toWire(d: Recorded): WireDecision {
  const w: WireDecision = {
    at: d.at,
    action: d.action,
    status: d.status,
    reason: clean(d.reason, 128),
    route: clean(d.route, 256),
    method: clean(d.method, 32),
    host: clean(d.host, 512),
    path: clean(d.path, 2048),
    destination: clean(d.destination, 256),
  };
  if (d.detail !== '') w.detail = clean(d.detail, 512);
  if (d.principal !== undefined) w.principal = clean(d.principal, 512);
  if (d.requestPrincipal !== undefined) w.requestPrincipal = clean(d.requestPrincipal, 1024);
  if (d.source !== undefined) w.source = clean(d.source, 512);
  return w;
}

/**
 * Creates the decision reporter (`tokenService.decisions`, issue 17). Every decision on a routed
 * request (the HTTP proxy, the WebSocket upgrade and the decision API, as the access log sees
 * them) is recorded: `allow`, `deny`, or `dry-run` (allowed, but a DRY_RUN policy would deny), with
 * status, reason, route, method, host, path (never the query), the peer principal, the token's
 * `iss/sub` and the calling workload (`source`: the peer's SPIFFE id, else the token's
 * `client_id`, `azp` or `sub`) and the called one (`destination`: the route's `app` label, else
 * its name). Never a token or a header value.
 *
 * Every `intervalMs` the oldest `maxBatch` are POSTed to `<tokenService.url>/admin/gateways/<id>/decisions`
 * with HTTP Basic client credentials (an empty batch too: the push is the heartbeat), split to stay
 * under `maxBodyBytes`, with the policy set's hash, and its documents on the first push, after a
 * change, and when the token service asks. The queue is a ring of `maxBuffered`: while the token
 * service is down the batch stays and is retried, and past the bound the oldest decisions are
 * dropped and counted (`tessera_gateway_decisions_dropped_total`, `dropped` in the next push). A
 * failed push is logged at warn (once per kind of failure, never with a secret) and never touches
 * a request.
 *
 * @example
 * ```ts
 * const reporter = createDecisionReporter({ config, logger, metrics });
 * reporter.start();
 * reporter.record(p, 403, 'ERR_GATEWAY_ACCESS_DENIED', 'deny-matched ns/p rule 0', undefined, undefined);
 * ```
 */
export function createDecisionReporter(options: DecisionReporterOptions): DecisionReporter {
  const { config, logger, metrics } = options;
  const ts = config.tokenService;
  if (ts?.clientId === undefined || ts.clientSecret === undefined)
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      "reporting decisions needs the gateway's client credentials: set tokenService.clientId and tokenService.clientSecret (or TESSERA_GATEWAY_CLIENT_SECRET)",
    );
  const settings = ts.decisions;
  const clock = options.clock ?? Date.now;
  const gatewayId = settings.gatewayId ?? defaultGatewayId();
  const url = `${ts.url.replace(/\/+$/, '')}/admin/gateways/${encodeURIComponent(gatewayId)}/decisions`;
  const authorization = clientSecretBasic(ts.clientId, ts.clientSecret);
  const agent = new Agent({ connections: 2, keepAliveTimeout: Math.max(settings.intervalMs * 2, 4000) });

  // The queue: a ring of `cap` slots holding the decisions numbered [first, next).
  const cap = settings.maxBuffered;
  const slots: (Recorded | undefined)[] = new Array<Recorded | undefined>(cap);
  let first = 0;
  let next = 0;
  let droppedUnreported = 0;

  let policies: PolicySnapshot | undefined;
  /** The hash whose documents the token service has (from this gateway's pushes); undefined: send them. */
  let acknowledged: string | undefined;
  let tooLargeWarned: string | undefined;
  /** A policy set the token service refused (400/413) when sent with it: reported by hash only from then on. */
  let refusedDocuments: string | undefined;
  let lastFailure: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let inflight: Promise<void> | undefined;
  let closed = false;

  const drop = (n: number) => {
    droppedUnreported += n;
    metrics.decisionReports.dropped(n);
  };

  const failed = (kind: string, fields: Record<string, unknown>) => {
    metrics.decisionReports.failed();
    // Once per kind of failure until a push works again: a token service that is down for an hour
    // is one warning, not 1800.
    if (lastFailure !== kind)
      logger.warn(
        { url, gateway: gatewayId, ...fields },
        'pushing decisions to the token service failed; keeping them to retry',
      );
    else logger.debug({ url, gateway: gatewayId, ...fields }, 'pushing decisions still fails');
    lastFailure = kind;
  };

  /** One POST of the oldest waiting decisions; true when it was accepted and more should go at once. */
  const pushOnce = async (): Promise<boolean> => {
    const from = first;
    const decisions: WireDecision[] = [];
    for (let seq = from; seq < Math.min(next, from + settings.maxBatch); seq += 1)
      decisions.push(toWire(slots[seq % cap]!));
    const dropped = droppedUnreported;
    const snapshot = policies;
    // A set known to be too large, or refused with its documents, goes by hash only: it is not
    // serialized again at every push to find that out once more.
    let withDocuments =
      snapshot !== undefined &&
      acknowledged !== snapshot.hash &&
      refusedDocuments !== snapshot.hash &&
      tooLargeWarned !== snapshot.hash;
    const bodyOf = () =>
      JSON.stringify({
        intervalMs: settings.intervalMs,
        dropped,
        ...(snapshot === undefined
          ? {}
          : { policies: { hash: snapshot.hash, ...(withDocuments ? { documents: snapshot.documents } : {}) } }),
        decisions,
      });
    const planned = decisions.length;
    const tooLarge = () => Buffer.byteLength(bodyOf()) > settings.maxBodyBytes;
    // Over the token service's body limit: first the policy documents go (when they alone are too
    // large: reported by hash), then fewer decisions (the rest go in the next push).
    if (withDocuments) {
      const waiting = decisions.splice(0);
      const documentsFit = !tooLarge();
      decisions.push(...waiting);
      if (!documentsFit) {
        if (tooLargeWarned !== snapshot!.hash)
          logger.warn(
            { gateway: gatewayId, maxBodyBytes: settings.maxBodyBytes },
            "the policy set is larger than one push may be: reported by its hash only (raise the token service's server.bodyLimitBytes and tokenService.decisions.maxBodyBytes)",
          );
        tooLargeWarned = snapshot!.hash;
        withDocuments = false;
      }
    }
    while (decisions.length > 1 && tooLarge()) decisions.length = Math.floor(decisions.length / 2);
    // The documents fit alone but not beside a decision: they go first, alone; the decisions follow.
    if (decisions.length === 1 && withDocuments && tooLarge()) decisions.length = 0;
    if (decisions.length === 1 && tooLarge()) {
      // One decision over the whole budget (cannot happen with the field caps and maxBodyBytes ≥ 16 KiB): never loop on it.
      first = Math.max(first, from + 1);
      drop(1);
      return true;
    }
    const body = bodyOf();
    const count = decisions.length;
    let status: number;
    let answer: unknown;
    try {
      const res = await request(url, {
        method: 'POST',
        dispatcher: agent,
        headers: { authorization, 'content-type': 'application/json' },
        body,
        headersTimeout: ts.timeoutMs,
        bodyTimeout: ts.timeoutMs,
        signal: AbortSignal.timeout(ts.timeoutMs),
      });
      status = res.statusCode;
      const text = await res.body.text();
      try {
        answer = JSON.parse(text);
      } catch {
        answer = undefined;
      }
    } catch (err) {
      failed('network', { err: { code: (err as { code?: string }).code, message: (err as Error).message } });
      return false;
    }
    const code = (answer as { code?: unknown } | undefined)?.code;
    if (status === 200) {
      first = Math.max(first, from + count);
      droppedUnreported -= dropped;
      metrics.decisionReports.sent(count);
      if (withDocuments) acknowledged = snapshot!.hash;
      // The replica that took this push lacks the documents (a new replica, or one the relay missed).
      if ((answer as { needPolicies?: unknown } | undefined)?.needPolicies === true) acknowledged = undefined;
      if (lastFailure !== undefined)
        logger.info({ gateway: gatewayId }, 'pushing decisions to the token service works again');
      lastFailure = undefined;
      // More waiting than this push could take (a full batch, or one split for size): push on now.
      return next > first && (count < planned || next - first >= settings.maxBatch);
    }
    if ((status === 400 || status === 413) && withDocuments) {
      // Refused with the policy documents: they are the likelier cause. Never again with these
      // documents (the hash still goes); the decisions stay and go in the next push.
      refusedDocuments = snapshot!.hash;
      failed(`refused ${status} with the policy documents`, { status, code });
      return false;
    }
    if (status === 400 || status === 413) {
      // The token service will refuse this batch however often it is sent: drop it, counted.
      first = Math.max(first, from + count);
      drop(count);
      failed(`refused ${status}`, { status, code });
      return false;
    }
    failed(`status ${status}`, {
      status,
      code,
      ...(status === 401 || status === 403
        ? { hint: `client "${ts.clientId}" needs its secret right and reportDecisions: true at the token service` }
        : {}),
    });
    return false;
  };

  const flush = (): Promise<void> => {
    inflight ??= (async () => {
      try {
        // More waiting than one batch holds (a burst): push on now, a few times, not only next tick.
        for (let i = 0; i < 10 && (await pushOnce()); i += 1);
      } catch (err) {
        logger.error({ err }, 'decision reporter: unexpected error');
      } finally {
        inflight = undefined;
      }
    })();
    return inflight;
  };

  return {
    record(p, status, reason, detail, identity, dryRun) {
      if (closed) return;
      const claims = identity?.payload;
      const r = p.request;
      slots[next % cap] = {
        at: clock(),
        action: ALLOWED_REASONS.has(reason) ? (dryRun === 'deny' ? 'dry-run' : 'allow') : 'deny',
        status,
        reason,
        detail,
        route: p.route.config.name,
        method: r.method,
        host: r.host,
        path: r.path,
        principal: r.peerPrincipal,
        requestPrincipal: identity?.requestPrincipal,
        source: r.peerPrincipal ?? claim(claims?.['client_id']) ?? claim(claims?.['azp']) ?? claim(claims?.sub),
        destination: p.route.config.labels['app'] ?? p.route.config.name,
      };
      next += 1;
      // Full: the oldest is overwritten, and counted.
      if (next - first > cap) {
        first = next - cap;
        drop(1);
      }
    },
    setPolicies(snapshot) {
      policies = snapshot;
    },
    start() {
      if (timer !== undefined || closed) return;
      void flush();
      timer = setInterval(() => void flush(), settings.intervalMs);
      timer.unref();
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      // A last push, so a rolling restart loses nothing that was decided; the whole of it within
      // twice tokenService.timeoutMs (a slow token service must not hold the shutdown), then any
      // push still in flight is cut.
      const last = (async () => {
        await inflight;
        if (next > first) await flush();
      })().catch(() => undefined);
      let deadline: NodeJS.Timeout | undefined;
      await Promise.race([last, new Promise<void>((resolve) => (deadline = setTimeout(resolve, 2 * ts.timeoutMs)))]);
      clearTimeout(deadline);
      await agent.destroy().catch(() => undefined);
    },
  };
}
