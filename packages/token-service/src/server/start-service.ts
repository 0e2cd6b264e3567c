import type { IncomingMessage } from 'node:http';
import { createRemoteJwks, type Clock, type KeySource } from '@tessera/core';
import type { Logger } from 'pino';
import { seedConfigClients } from '../clients/seed-config-clients.js';
import { fromLegacyUser, seedConfigUsers } from '../users/seed-config-users.js';
import type { TokenServiceConfig } from '../config/load-config.js';
import type { KeyRing } from '../keys/create-key-ring.js';
import { createRevocationStreams } from '../oauth/create-revocation-streams.js';
import type { ServiceMetrics } from '../ops/create-service-metrics.js';
import type { Storage } from '../storage/index.js';
import { operationsPort } from '../config/schema.js';
import { createOperationsRouter } from './create-operations-router.js';
import { createRouter } from './create-router.js';
import { createHashWorkers, hashThreads } from '../clients/create-hash-workers.js';
import { createServiceContext } from './create-service-context.js';
import { createShutdownStack } from './internal/create-shutdown-stack.js';
import { drainServer } from './internal/drain-server.js';
import { followStorageEvents } from './internal/follow-storage-events.js';
import { listenHttp } from './internal/listen-http.js';
import { loadAdminToken } from './internal/load-admin-token.js';
import { openStorage } from './internal/open-storage.js';
import { scheduleRotation, type ServiceTimers } from './schedule-rotation.js';

/** What {@link startService} needs: the options of `createTokenService`, resolved. */
export interface ServiceSetup {
  readonly config: TokenServiceConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Outlives a start: `metricsText()` works before `listen()` and after `close()`. */
  readonly metrics: ServiceMetrics;
  /** `false`: no rotation timer (the caller ticks). */
  readonly timers: ServiceTimers | false;
  /** A storage to use instead of opening one from `config.storage`; `stop()` leaves it open. */
  readonly storage: Storage | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly onRequest: ((req: IncomingMessage) => void) | undefined;
}

/** Everything that exists only while the service runs, from {@link startService}. */
export interface StartedService {
  /** The base URL the server listens on. */
  readonly url: string;
  /** The base URL of the operations listener (`/metrics`, `/healthz`, `/readyz`). */
  readonly operationsUrl: string;
  readonly adminToken: string;
  readonly storage: Storage;
  readonly keyRing: KeyRing;
  /**
   * Stops: answers `Connection: close` and `/readyz` 503 from now on, stops the rotation timer and
   * the event subscription, ends revocation and decision streams, drains requests in flight (up to
   * `server.shutdownTimeoutMs`), closes the remote JWKS and, when it opened it, the storage.
   */
  stop(): Promise<void>;
}

/**
 * Starts the token service: opens storage, loads the admin token, wires the context, binds the
 * server, seeds the configured clients, starts the key ring, follows storage events and arms the
 * rotation timer, in that order. A step that fails undoes the ones before it, so a failed start
 * leaves no port bound, no timer armed and no storage open.
 *
 * @example
 * ```ts
 * const started = await startService(setup);
 * // … later
 * await started.stop();
 * ```
 */
export async function startService(setup: ServiceSetup): Promise<StartedService> {
  const { config, clock, logger, metrics } = setup;
  const shutdown = createShutdownStack();
  let phase: 'starting' | 'serving' | 'stopping' = 'starting';
  try {
    const storage =
      setup.storage ??
      (await openStorage(config.storage, {
        clock,
        env: setup.env,
        warn: (message, fields) => logger.warn(fields, message),
      }));
    if (setup.storage === undefined) shutdown.defer(() => storage.close());
    const adminToken = await loadAdminToken(config.admin.token, config.storage.dataDir, logger);
    // Trusted external issuers for token exchange: their keys come from their JWKS (cached and
    // refreshed by core's remote JWKS, failing closed when it cannot be fetched).
    const trustedIssuers = new Map<string, KeySource>();
    for (const trusted of config.grants.tokenExchange.trustedIssuers) {
      const remote = createRemoteJwks(trusted.jwksUri, { clock, logger });
      shutdown.defer(() => remote.close());
      trustedIssuers.set(trusted.issuer, remote);
    }
    // The default issuer names the bound port (port 0 in tests), known only after listenHttp.
    let url = '';
    const issuerUrl = () => config.server.issuer ?? url;
    const hashWorkers = createHashWorkers({ size: hashThreads(config.authThrottle.maxConcurrentHashes) });
    shutdown.defer(() => hashWorkers.close());
    const context = createServiceContext({
      config,
      clock,
      logger,
      metrics,
      storage,
      adminToken,
      issuerUrl,
      trustedIssuers,
      hashWorkers,
    });
    const streams = createRevocationStreams();
    // Ready = this replica can serve: started, not draining, holding a signing key. Storage is
    // reported, not required: every replica shares it, so failing readiness on it would take them
    // all out of rotation at once, turning a database outage into connection errors for JWKS and
    // discovery too (they need no storage), where each request can instead get a clean 503. The
    // report is the last background ping (at most one a second): a probe never waits on storage.
    // Storage has just opened (the start fails otherwise): up until a ping says not.
    let storageState: 'up' | 'unavailable' = 'up';
    let lastPing = Date.now();
    const pingStorage = () => {
      if (Date.now() - lastPing < 1000) return;
      lastPing = Date.now();
      const timeout = new Promise<'unavailable'>((resolve) => setTimeout(resolve, 2000, 'unavailable').unref());
      void Promise.race([
        storage.ping().then(
          () => 'up' as const,
          () => 'unavailable' as const,
        ),
        timeout,
      ]).then((state) => (storageState = state));
    };
    const checkReady = async () => {
      if (phase !== 'serving') throw new Error(`not serving (${phase})`);
      context.keyRing.signer();
      pingStorage();
      return Promise.resolve({ storage: storageState });
    };
    const closing = () => phase === 'stopping';
    const router = createRouter({ context, streams, checkReady, closing, onRequest: setup.onRequest });
    const http = await listenHttp(config.server, (req, res) => void router(req, res));
    url = http.url;
    shutdown.defer(async () => {
      // An open SSE stream is a request in flight that never ends: end them before draining.
      streams.endAll();
      context.decisions.close();
      await drainServer(http.server, config.server.shutdownTimeoutMs);
    });
    // The operations listener (/metrics, /healthz, /readyz) after the OAuth port, so a taken OAuth
    // port is the error reported; it is drained first at stop, while /readyz already answers 503.
    const opsRouter = createOperationsRouter({ metrics, checkReady, closing });
    const ops = await listenHttp(
      { host: config.server.operations.host, port: operationsPort(config.server) },
      (req, res) => void opsRouter(req, res),
    );
    shutdown.defer(() => drainServer(ops.server, config.server.shutdownTimeoutMs));
    // After the bind: the issuer must be known before the first key signs or the first client is checked.
    await seedConfigClients({
      clients: config.clients,
      store: storage.clients,
      clock,
      maxLifetimeSeconds: config.tokens.maxLifetimeSeconds,
      audit: context.audit,
    });
    // Top-level `users:`, and the deprecated `grants.password.users` read as users.
    const legacyUsers = config.grants.password.users;
    if (legacyUsers.length > 0)
      logger.warn(
        { count: legacyUsers.length },
        'grants.password.users is deprecated: declare the users at the top level (users:)',
      );
    await seedConfigUsers({
      users: [...config.users, ...legacyUsers.map(fromLegacyUser)],
      store: storage.users,
      clock,
      audit: context.audit,
      workers: hashWorkers,
    });
    await context.keyRing.start();
    const unsubscribe = await followStorageEvents({
      events: storage.events,
      streams,
      ring: context.keyRing,
      forgetClient: context.forgetClient,
      logger,
      decisions: context.decisions,
    });
    shutdown.defer(() => unsubscribe().catch(() => undefined));
    if (setup.timers !== false) {
      const rotation = scheduleRotation({
        ring: context.keyRing,
        timers: setup.timers,
        clock,
        checkIntervalMs: config.keys.checkIntervalSeconds * 1000,
        logger,
      });
      shutdown.defer(() => rotation.stop());
    }
    phase = 'serving';
    logger.info(
      {
        url,
        operationsUrl: ops.url,
        issuer: issuerUrl(),
        storage: storage.backends,
        algorithm: config.keys.algorithm,
      },
      'token service listening',
    );
    return {
      url,
      operationsUrl: ops.url,
      adminToken,
      storage,
      keyRing: context.keyRing,
      async stop() {
        phase = 'stopping';
        await shutdown.run();
      },
    };
  } catch (error) {
    phase = 'stopping';
    await shutdown.run().catch(() => undefined);
    throw error;
  }
}
