import type { Clock, KeySource } from '@tessera/core';
import type { Logger } from 'pino';
import { createDecisionHub } from '../admin/create-decision-hub.js';
import { createClientAuthenticator } from '../clients/create-client-authenticator.js';
import { createClientCache } from '../clients/create-client-cache.js';
import { createCredentialGuard } from '../clients/create-credential-guard.js';
import { hashThreads, type HashWorkers } from '../clients/create-hash-workers.js';
import type { TokenServiceConfig } from '../config/load-config.js';
import { createRateLimiter } from '../http/create-rate-limiter.js';
import { remoteAddress } from '../http/remote-address.js';
import type { ServiceContext } from '../http/service-context.js';
import { createKeyRing } from '../keys/create-key-ring.js';
import { createAuditWriter } from '../ops/create-audit-writer.js';
import { createUserAuthenticator } from '../users/authenticate-user.js';
import type { ServiceMetrics } from '../ops/create-service-metrics.js';
import type { Storage } from '../storage/index.js';
import { createAccessTokenIssuer } from '../tokens/create-access-token-issuer.js';
import { createTokenValidator } from '../tokens/create-token-validator.js';
import { createEnabledGrants } from './internal/create-enabled-grants.js';

/** What {@link createServiceContext} wires together. */
export interface ServiceContextOptions {
  readonly config: TokenServiceConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
  /** The open storage. */
  readonly storage: Storage;
  readonly adminToken: string;
  /** The issuer URL; a function because the default one names the port, known only once bound. */
  readonly issuerUrl: () => string;
  /** Key sources of the trusted external issuers of token exchange, by issuer. */
  readonly trustedIssuers: ReadonlyMap<string, KeySource>;
  /** The threads that check secrets and passwords (the caller closes them at stop). */
  readonly hashWorkers: HashWorkers;
}

/**
 * Wires the parts every endpoint uses into one {@link ServiceContext}: the key ring (not started
 * yet: its changes are audited, published on the event bus and logged), the validator, the enabled
 * grants, the client cache and authenticator, the access token issuer, the rate limiters, audit.
 * Pure wiring: no I/O happens here.
 *
 * @example
 * ```ts
 * const context = createServiceContext({ config, clock, logger, metrics, storage, adminToken, issuerUrl, trustedIssuers, hashWorkers });
 * await context.keyRing.start();
 * ```
 */
export function createServiceContext(options: ServiceContextOptions): ServiceContext {
  const { config, clock, logger, metrics, storage, issuerUrl } = options;
  const audit = createAuditWriter({ store: storage.audit, clock, metrics, logger });
  const keyRing = createKeyRing({
    store: storage.keys,
    algorithm: config.keys.algorithm,
    clock,
    rotationIntervalSeconds: config.keys.rotationIntervalSeconds,
    jwksCacheSeconds: config.keys.jwksCacheSeconds,
    maxTokenLifetimeSeconds: config.tokens.maxLifetimeSeconds,
    clockSkewSeconds: config.tokens.clockSkewSeconds,
    onChange: async (change) => {
      const withdrawn = change.withdrawnAt !== undefined;
      await audit({
        actor: change.actor ?? (change.reason === 'manual' || change.reason === 'withdrawal' ? 'admin' : 'system'),
        action: withdrawn ? 'key.withdrawn' : `key.${change.to}`,
        target: change.kid,
        details: { alg: change.alg, from: change.from, reason: change.reason, note: change.note },
      });
      // Other replicas reload their ring on this event, and every replica's revocation streams
      // announce a withdrawal (server/internal/follow-storage-events.ts).
      await storage.events
        .publish({
          type: 'key.changed',
          data: { kid: change.kid, state: change.to, ...(withdrawn ? { withdrawnAt: change.withdrawnAt } : {}) },
        })
        .catch((err: unknown) => logger.warn({ err }, 'key event not published'));
      const fields = { kid: change.kid, from: change.from, to: change.to, reason: change.reason };
      if (withdrawn) logger.warn(fields, 'signing key withdrawn');
      else logger.info(fields, 'signing key state changed');
    },
  });
  const validator = createTokenValidator({
    issuer: issuerUrl,
    ownKeys: keyRing.keySource,
    trustedIssuers: options.trustedIssuers,
    revocations: storage.revocations,
    clock,
    clockSkewSeconds: config.tokens.clockSkewSeconds,
  });
  const clients = createClientCache({ store: storage.clients, clock });
  const throttle = config.authThrottle;
  const guard = createCredentialGuard({
    clock,
    delayAfter: throttle.delayAfterFailures,
    blockAfter: throttle.blockAfterFailures,
    maxDelayMs: throttle.maxDelayMs,
    windowMs: throttle.failureWindowSeconds * 1000,
    maxConcurrentHashes: hashThreads(throttle.maxConcurrentHashes),
    maxQueuedHashes: throttle.maxQueuedHashes,
    onThrottle: (action) => metrics.authThrottled.inc({ action }),
  });
  const authenticator = createClientAuthenticator({
    getClient: clients.get,
    replay: storage.replay,
    clock,
    guard,
    scrypt: options.hashWorkers.scrypt,
    // draft-ietf-oauth-rfc7523bis §4: a client assertion names the issuer identifier, and only it.
    assertionAudience: issuerUrl,
    assertionMaxLifetimeSeconds: config.tokens.clientAssertionMaxLifetimeSeconds,
    clockSkewSeconds: config.tokens.clockSkewSeconds,
  });
  const people = createUserAuthenticator({ users: storage.users, guard, workers: options.hashWorkers, logger });
  const limits = config.rateLimit;
  return {
    config,
    clock,
    logger,
    storage,
    keyRing,
    grants: createEnabledGrants(config, validator, people, { storage, keyRing, issuer: issuerUrl, logger }),
    people,
    authenticator,
    issuer: createAccessTokenIssuer({ issuer: issuerUrl, keyRing, clock, families: storage.revocations }),
    validator,
    metrics,
    perAddress: limits.enabled ? createRateLimiter({ ...limits.perAddress, clock }) : undefined,
    perClient: limits.enabled ? createRateLimiter({ ...limits.perClient, clock }) : undefined,
    adminToken: options.adminToken,
    audit,
    hashWorkers: options.hashWorkers,
    getClient: clients.get,
    decisions: createDecisionHub({
      config: config.decisions,
      clock,
      logger,
      metrics,
      // The file back-end's bus stays in this process: there is no other replica to relay to.
      events: storage.backends.events === 'file' ? undefined : storage.events,
    }),
    forgetClient: (id) => {
      clients.forget(id);
      authenticator.forget(id);
    },
    issuerUrl,
    remoteAddress: (req) => remoteAddress(req, config.server.trustProxy),
  };
}
