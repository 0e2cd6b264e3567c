import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { formatIssue, loadPolicies, type PolicyIssue } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';
import type { ExtAuthPolicy } from './ext-auth-policy.js';
import { createOidcRelyingParty, type OidcRelyingParty } from './oidc-relying-party.js';
import { extAuthPolicyInvalid, parseExtAuthPolicies } from './parse-ext-auth-policies.js';
import { readSecret } from './read-secret.js';
import { createRouteLogin, type RouteLogin } from './route-login.js';
import { createSessionSealer } from './session-sealer.js';
import { createTrackedReads, type TrackedReads } from './tracked-redis-reads.js';
import { createCookieSessionStore, createEndedSessions, createRedisSessionStore } from './session-store.js';

/** The logins in force, per route (by its index in the configuration), swapped on every policy reload. */
export interface LoginRegistry {
  /** First load: a bad ExtAuthPolicy, a route selected twice or an unreadable secret stops the start. */
  start(): Promise<void>;
  /** Reloads after the policy files changed; on failure the logins in force stay (and the error is logged). */
  reload(): Promise<void>;
  forRoute(routeIndex: number): RouteLogin | undefined;
  /** How many routes have a login, for logs. */
  readonly size: () => number;
  close(): void;
}

/** ioredis, an optional peer dependency: loaded only when an ExtAuthPolicy keeps its sessions in Redis. */
async function loadRedis(): Promise<{ Redis: typeof Redis }> {
  try {
    return { Redis: (await import('ioredis')).Redis };
  } catch (err) {
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      'an ExtAuthPolicy keeps its sessions in Redis (session.redis): install ioredis beside @tessera/gateway',
      { cause: err },
    );
  }
}

/** One Redis host's connection for sessions, and its tracked reads. */
interface RedisSessions {
  readonly redis: Redis;
  readonly reads: TrackedReads;
}

/** Every pair of `selector` is among the route's `routeLabels`. */
function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/**
 * Reads the ExtAuthPolicy documents in the gateway's policy sources (the same files as the Istio
 * policies) and builds a login for each route they select by `routeLabels`. Relying parties are
 * kept across reloads while their settings stay the same (so discovery and keys are not fetched
 * again). A session sealing key comes from `cipherConfig.keyRef` (the Secret's `key`: one key per
 * line, the first seals, the others still open older sessions) or, without one, is generated at
 * start: sessions then end when the gateway restarts and do not cross replicas (the log says so).
 *
 * @example
 * ```ts
 * const logins = createLoginRegistry({ config, logger, clock: Date.now });
 * await logins.start();
 * const login = logins.forRoute(prepared.route.index);
 * ```
 */
export function createLoginRegistry(options: {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly clock: () => number;
}): LoginRegistry {
  const { config, logger, clock } = options;
  const ended = createEndedSessions(clock);
  const generatedKey = randomBytes(32);
  let warnedGenerated = false;
  let byRoute: (RouteLogin | undefined)[] = [];
  let parties = new Map<string, OidcRelyingParty>();
  // One connection per Redis host for every policy that keeps its sessions there (Gloo's session.redis).
  const redisClients = new Map<string, Promise<RedisSessions>>();
  const redisFor = (host: string, db: number): Promise<RedisSessions> => {
    const key = `${host}/${db}`;
    let client = redisClients.get(key);
    if (client === undefined) {
      client = loadRedis().then(({ Redis }) => {
        const r = new Redis(`redis://${host}/${db}`, {
          // A request waits at most a second for its session; then it is treated as a store failure.
          commandTimeout: 1_000,
          maxRetriesPerRequest: 1,
          // Concurrent requests' reads go out in one write and come back in one read: under load,
          // far fewer system calls per session read than one round trip each.
          enableAutoPipelining: true,
        });
        r.on('error', (err: Error) => logger.warn({ err: err.message, host }, 'login sessions: Redis unavailable'));
        return { redis: r, reads: createTrackedReads(r, (message) => logger.warn({ host }, message)) };
      });
      redisClients.set(key, client);
    }
    return client;
  };

  const load = async (): Promise<void> => {
    const redisNeeded = new Map<string, RedisSessions>();
    const sources = config.policies.sources;
    const files = sources.length === 0 ? [] : (await loadPolicies(sources)).files;
    const policies: ExtAuthPolicy[] = [];
    const issues: PolicyIssue[] = [];
    for (const file of files) {
      const parsed = parseExtAuthPolicies(await readFile(file, 'utf8'), file);
      policies.push(...parsed.policies);
      issues.push(...parsed.issues);
      for (const w of parsed.warnings) logger.warn({ warning: formatIssue(w) }, 'policy document skipped');
    }
    if (issues.length > 0) throw extAuthPolicyInvalid(issues);
    const next: (RouteLogin | undefined)[] = [];
    const nextParties = new Map<string, OidcRelyingParty>();
    // Redis first (its module and connection are asynchronous), so the routes below are built at once.
    for (const p of policies) {
      const r = p.oidc.session.redis;
      if (r !== undefined) redisNeeded.set(`${r.host}/${r.db}`, await redisFor(r.host, r.db));
    }
    config.routes.forEach((route, index) => {
      const matching = policies.filter((p) => p.applyToRoutes.some((s) => selects(s, route.routeLabels)));
      if (matching.length > 1)
        throw gatewayErrors.create(
          'ERR_GATEWAY_CONFIG_INVALID',
          `route ${route.name} is selected by more than one ExtAuthPolicy: ${matching.map((p) => p.source).join(', ')}`,
        );
      const policy = matching[0];
      if (policy === undefined) return;
      const o = policy.oidc;
      const clientSecret =
        o.clientSecretRef === undefined ? undefined : readSecret(config.secretsDir, o.clientSecretRef, 'client-secret');
      const keys =
        o.session.cipherKeyRef === undefined
          ? [generatedKey]
          : readSecret(config.secretsDir, o.session.cipherKeyRef, 'key')
              .split('\n')
              .filter((k) => k.length > 0);
      if (o.session.cipherKeyRef === undefined && !warnedGenerated) {
        warnedGenerated = true;
        logger.warn(
          { policy: policy.source },
          'no session.cipherConfig.keyRef: login sessions are sealed with a key generated at start (they end when the gateway restarts and do not cross replicas)',
        );
      }
      const rpKey = JSON.stringify([o.issuerUrl, o.clientId, clientSecret ?? '', o.scopes, o.authEndpointQueryParams]);
      const rp =
        nextParties.get(rpKey) ??
        parties.get(rpKey) ??
        createOidcRelyingParty({
          issuerUrl: o.issuerUrl,
          clientId: o.clientId,
          clientSecret,
          scopes: o.scopes,
          authEndpointQueryParams: o.authEndpointQueryParams,
          clock,
        });
      nextParties.set(rpKey, rp);
      const sealer = createSessionSealer(keys);
      const purpose = `${policy.namespace}/${policy.name} session`;
      const redis = o.session.redis;
      next[index] = createRouteLogin(policy, o.appUrl.startsWith('https:'), {
        rp,
        sealer,
        clock,
        sessions: (cookie) =>
          redis === undefined
            ? createCookieSessionStore({ sealer, purpose, cookie, ended, clock })
            : createRedisSessionStore({
                ...redisNeeded.get(`${redis.host}/${redis.db}`)!,
                keyPrefix: redis.keyPrefix,
                headerName: redis.headerName,
                sealer,
                purpose,
                cookie,
                clock,
              }),
      });
    });
    for (const [key, rp] of parties) if (!nextParties.has(key)) rp.close();
    parties = nextParties;
    byRoute = next;
  };

  return {
    start: load,
    async reload() {
      try {
        await load();
      } catch (err) {
        logger.error({ err }, 'ExtAuthPolicy reload failed; the logins in force stay');
        throw err;
      }
    },
    forRoute: (index) => byRoute[index],
    size: () => byRoute.filter((l) => l !== undefined).length,
    close() {
      for (const rp of parties.values()) rp.close();
      for (const client of redisClients.values())
        void client
          .then(({ redis, reads }) => {
            reads.close();
            redis.disconnect();
          })
          .catch(() => undefined);
    },
  };
}
