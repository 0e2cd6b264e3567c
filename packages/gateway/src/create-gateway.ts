import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import pino, { type Logger } from 'pino';
import type { Clock } from '@tessera/core';
import { createAdminServer } from './admin/create-admin-server.js';
import type { GatewayConfig } from './config/load-gateway-config.js';
import type { GatewayContext, GatewayState } from './context/gateway-context.js';
import { createDecisionHandler } from './decision/create-decision-handler.js';
import { gatewayErrors } from './errors.js';
import { createListeners } from './listeners/create-listeners.js';
import { createManagedHeaders } from './mutate/managed-headers.js';
import { createTokenMinter, type MintingKeys, type TokenMinter } from './mutate/create-token-minter.js';
import { createGatewayMetrics, type GatewayMetrics } from './ops/create-gateway-metrics.js';
import { createDecisionReporter, type DecisionReporter } from './ops/create-decision-reporter.js';
import { createPipeline } from './pipeline/create-pipeline.js';
import { createLoginRegistry } from './login/create-login-registry.js';
import { createPolicyStore, type PolicyStore } from './policy/create-policy-store.js';
import { readPolicyDocuments } from './policy/read-policy-documents.js';
import { answerUnexpected, createHttpEntry } from './proxy/create-http-entry.js';
import { createUpgradeEntry } from './proxy/create-upgrade-entry.js';
import { createUpstreams } from './proxy/create-upstreams.js';
import { createTrustedProxies } from './request/create-trusted-proxies.js';
import { createRouteTable } from './request/route-table.js';
import { createAccessLog, type AccessLog } from './respond/create-access-log.js';
import { createRevocationList, type RevocationList } from './revocation/create-revocation-list.js';

/** A running (or ready to run) gateway. */
export interface Gateway {
  /** Binds every listener and the admin listener; resolves when all accept connections. */
  listen(): Promise<void>;
  /** Graceful drain: stop accepting, let in-flight requests finish (up to `limits.drainTimeoutMs`), close pools. */
  close(): Promise<void>;
  /** Base URL per listener name (`http://127.0.0.1:8080`), plus `admin`; filled by `listen()`. */
  readonly urls: Readonly<Record<string, string>>;
  /** Recompiles the policy sources; on failure the old set stays and the error is thrown. */
  reload(): Promise<void>;
  /** The gateway's metrics (its own prom-client registry). */
  readonly metrics: GatewayMetrics;
  /** Switches to a new minting key schedule (a worker following its primary's rotation); no-op without minting. */
  adoptMintingKeys(keys: MintingKeys): void;
}

/** Options of {@link createGateway} beyond the configuration file. */
export interface CreateGatewayOptions {
  /** Milliseconds since the epoch; default `Date.now`. Drives token checks and minting. */
  readonly clock?: Clock;
  /** pino logger; default a JSON logger on stdout at `logging.level`. */
  readonly logger?: Logger;
  /** A minting key schedule decided elsewhere (workers follow their primary's); default generated and rotated here. */
  readonly mintingKeys?: MintingKeys;
  /** Builds the enforcer for a policy set; the default compiles RequestAuthentication / AuthorizationPolicy with `@tessera/core`. */
  readonly enforcerFactory?: PolicyStore['factory'];
  /** What `/metrics` answers; default this gateway's registry (workers answer for the whole cluster). */
  readonly metricsText?: () => Promise<string>;
}

/**
 * Creates the gateway from a loaded configuration (`loadGatewayConfig`): listeners (HTTP, TLS,
 * mTLS), routes to undici pools, policy sources with hot reload, the decision API, minting, the
 * revocation list, the decision reporter (`tokenService.decisions`), `/metrics`, `/healthz`,
 * `/readyz`. Nothing listens until `listen()`.
 *
 * @example
 * ```ts
 * const gateway = createGateway(loadGatewayConfig({ file: 'gateway.yaml', env: process.env }));
 * await gateway.listen();
 * process.once('SIGTERM', () => void gateway.close());
 * ```
 */
export function createGateway(config: GatewayConfig, options: CreateGatewayOptions = {}): Gateway {
  // Checked as `unknown`: a JavaScript caller may pass anything, and Array.isArray would widen
  // the typed listener list to any[].
  const given: unknown = config;
  if (given === null || typeof given !== 'object' || !Array.isArray((given as { listeners?: unknown }).listeners)) {
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      'createGateway needs the object loadGatewayConfig returns',
    );
  }
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? pino({ level: config.logging.level, base: { svc: 'tessera-gateway' } });
  const metrics = createGatewayMetrics({ defaultMetrics: true });
  const routes = createRouteTable(config.routes);
  const revocations: RevocationList | undefined = config.tokenService?.checkRevocations
    ? createRevocationList({
        config,
        logger,
        clock,
        metrics,
        // The replacement of a withdrawn active key signs at once: fetch it past the kid cooldown.
        onKeyWithdrawn: () => policyStore.refreshKeys(),
      })
    : undefined;
  const policyStore = createPolicyStore({
    config,
    clock,
    logger,
    metrics,
    isRevoked: revocations ? (jti) => revocations.isRevoked(jti) || revocations.stale() : undefined,
    withdrawnKeys: revocations?.withdrawnKeys,
    factory: options.enforcerFactory,
  });
  const minter: TokenMinter | undefined = config.routes.some((r) => r.mutations.mint !== undefined)
    ? createTokenMinter({
        config,
        clock,
        onCache: (hit) => (hit ? metrics.mintCache.hit() : metrics.mintCache.miss()),
        ...(options.mintingKeys ? { keys: options.mintingKeys } : {}),
      })
    : undefined;
  const upstreams = createUpstreams(config);

  let draining = false;
  let listening = false;
  let state: GatewayState = { routes, enforcer: policyStore.current() };
  policyStore.onSwap((enforcer) => {
    state = { routes, enforcer };
  });
  const isTrustedProxy = createTrustedProxies(config.trustedProxies);
  const ctx: GatewayContext = {
    config,
    state: () => state,
    metrics,
    logger,
    minter,
    isTrustedProxy,
    draining: () => draining,
  };

  // Decisions pushed to the token service (issue 17): recorded where the access log is written,
  // the one place every entry's every answer passes, and only for requests that found a route.
  const reporter: DecisionReporter | undefined = config.tokenService?.decisions.enabled
    ? createDecisionReporter({ config, logger, metrics, clock })
    : undefined;
  let policyReads = 0;
  let reportingPolicies = false;
  /** Reads the policy files in force for the reporter; a slower, older read never wins. */
  const reportPolicies = async (): Promise<void> => {
    if (reporter === undefined) return;
    const mine = ++policyReads;
    try {
      const snapshot = await readPolicyDocuments(config.policies.sources);
      if (mine === policyReads) reporter.setPolicies(snapshot);
    } catch (err) {
      logger.warn({ err }, 'reading the policy files to report them failed; the previous set is reported');
    }
  };

  // The request path (ARCHITECTURE.md, "Request path (gateway)"): three entries, one pipeline.
  const access = createAccessLog(logger, config.logging.accessLog);
  const log: AccessLog =
    reporter === undefined
      ? access.log
      : (req, p, started, status, reason, detail, identity, dryRun) => {
          access.log(req, p, started, status, reason, detail, identity, dryRun);
          if (p !== undefined) reporter.record(p, status, reason, detail, identity, dryRun);
        };
  const pipeline = createPipeline(ctx, log);
  const managedFor = createManagedHeaders(config);
  const tunnels = new Set<Duplex>();
  const entryOptions = { ctx, pipeline, log, timed: access.enabled, managedFor, upstreams };
  const decision = createDecisionHandler({ ctx, pipeline, log });
  const logins = createLoginRegistry({ config, logger, clock });
  policyStore.onSwap(() => {
    // The ExtAuthPolicies live in the same files: they reload with the Istio policies.
    logins.reload().catch(() => undefined);
    // The set the token service keeps for this gateway follows every reload.
    if (reportingPolicies) void reportPolicies();
  });
  const http = createHttpEntry({ ...entryOptions, decision, logins });
  const listeners = createListeners(
    config,
    logger,
    {
      request: http,
      upgrade: createUpgradeEntry({ ...entryOptions, tunnels, http, logins }),
      unexpected: answerUnexpected,
    },
    isTrustedProxy,
  );
  const admin: Server | undefined = config.admin.enabled
    ? createAdminServer({
        ctx,
        ready: () => !draining && listening && policyStore.ready(),
        metricsText: options.metricsText ?? (() => metrics.registry.metrics()),
      })
    : undefined;

  const urls: Record<string, string> = {};
  const inflight = new Set<Socket>();
  const bind = (server: Server, host: string, port: number) =>
    new Promise<AddressInfo>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve(server.address() as AddressInfo);
      });
    });
  const origin = (a: AddressInfo) => (a.family === 'IPv6' ? `[${a.address}]` : a.address);

  return {
    urls,
    metrics,
    adoptMintingKeys: (keys) => minter?.adopt(keys),
    async listen() {
      await policyStore.start();
      await logins.start();
      revocations?.start();
      // The first push carries the policy set: read it before the reporter starts (and re-read it
      // at every reload from now on).
      reportingPolicies = reporter !== undefined;
      await reportPolicies();
      reporter?.start();
      for (const { server, config: listener } of listeners) {
        server.on('connection', (s: Socket) => {
          inflight.add(s);
          s.once('close', () => inflight.delete(s));
        });
        const a = await bind(server, listener.host, listener.port);
        urls[listener.name] = `${listener.tls ? 'https' : 'http'}://${origin(a)}:${a.port}`;
      }
      if (admin) {
        const a = await bind(admin, config.admin.host, config.admin.port);
        urls.admin = `http://${origin(a)}:${a.port}`;
      }
      listening = true;
      logger.info({ urls, routes: config.routes.length, policies: policyStore.current().size }, 'gateway listening');
    },
    async close() {
      if (draining) return;
      draining = true;
      // An upgraded connection (WebSocket) has no request boundary to drain at: end it now.
      for (const t of tunnels) t.destroy();
      const closed = listeners.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const { server } of listeners) server.closeIdleConnections();
      const deadline = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, config.limits.drainTimeoutMs);
        t.unref();
      });
      await Promise.race([Promise.all(closed), deadline]);
      for (const { server } of listeners) server.closeAllConnections();
      for (const s of inflight) s.destroy();
      await Promise.all(upstreams.map((u) => u.pool.close().catch(() => undefined)));
      // After the drain, so the decisions of the last requests go with its final push.
      await reporter?.close();
      if (admin) await new Promise<void>((resolve) => admin.close(() => resolve()));
      admin?.closeAllConnections();
      policyStore.close();
      logins.close();
      revocations?.close();
      minter?.close();
      listening = false;
    },
    reload: () => policyStore.reload(),
  };
}
