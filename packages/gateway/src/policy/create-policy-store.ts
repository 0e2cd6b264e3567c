import { existsSync } from 'node:fs';
import type { Logger } from 'pino';
import {
  createRemoteJwks,
  excludeWithdrawnKeys,
  watchPolicySources,
  type Clock,
  type KeySourceFactory,
  type RemoteJwks,
  type WithdrawnKeys,
} from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import type { Enforcer, EnforcerFactory } from '../auth/verdict.js';
import type { GatewayMetrics } from '../ops/create-gateway-metrics.js';
import { createEnforcer } from '../auth/create-enforcer.js';
import { gatewayErrors } from '../errors.js';

/** Holds the compiled policy set and swaps it atomically on reload. */
export interface PolicyStore {
  current(): Enforcer;
  /** True once a policy set compiled (the empty set counts when there are no sources). */
  ready(): boolean;
  /** First load (throws when it fails: a gateway does not start on broken policies) and start watching. */
  start(): Promise<void>;
  /** Reload now; on failure the old set stays and the error is thrown (and logged). */
  reload(): Promise<void>;
  onSwap(listener: (enforcer: Enforcer) => void): void;
  /**
   * Refetches every remote JWKS now, past the unknown-kid cooldown: after a key withdrawal the
   * token service signs with a key the cached sets may not hold yet. Failures are logged by the sources.
   */
  refreshKeys(): void;
  close(): void;
  readonly factory: EnforcerFactory | undefined;
}

/** Options of {@link createPolicyStore}. */
export interface PolicyStoreOptions {
  readonly config: GatewayConfig;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: GatewayMetrics;
  readonly isRevoked: ((jti: string) => boolean) | undefined;
  /** Keys the token service withdrew: no remote key set ever verifies with them. */
  readonly withdrawnKeys?: WithdrawnKeys | undefined;
  readonly factory?: EnforcerFactory | undefined;
}

/**
 * Creates the policy store: compile, then swap the reference (ARCHITECTURE.md, "Request path").
 * With `policies.watch`, changes to the sources reload after `policies.debounceMs` of quiet; a
 * reload that fails keeps the old set and logs the file, line and field the compiler reported.
 *
 * @example
 * ```ts
 * const store = createPolicyStore({ config, clock: Date.now, logger, metrics, isRevoked: undefined });
 * await store.start();
 * store.current().evaluate(request, route);
 * ```
 */
export function createPolicyStore(options: PolicyStoreOptions): PolicyStore {
  const { config, logger, metrics } = options;
  const factory: EnforcerFactory = options.factory ?? createEnforcer;
  let enforcer: Enforcer | undefined;
  const listeners: ((e: Enforcer) => void)[] = [];
  let watching: { close(): void } | undefined;
  let generation = 0;
  let closed = false;
  // One remote key source per (jwksUri | issuer, timeout), kept across reloads so a reload does not
  // refetch every JWKS, and so fetch counters are the gateway's (Envoy jwks_fetch_success/failed).
  const remotes = new Map<string, RemoteJwks>();
  const remoteKeySource: KeySourceFactory = (request) => {
    const key = `${request.jwksUri ?? `discovery:${request.issuer}`}\0${request.timeoutMs}`;
    let source = remotes.get(key);
    if (source === undefined) {
      const common = {
        timeoutDuration: request.timeoutMs,
        cacheMaxAge: config.policies.jwks.cacheMaxAgeMs,
        cooldownDuration: config.policies.jwks.cooldownMs,
        staleIfErrorDuration: config.policies.jwks.staleIfErrorMs,
        clock: options.clock,
        logger,
        onEvent: (e: { type: string }) => {
          if (e.type === 'fetched') metrics.jwksFetch.success();
          else if (e.type === 'fetch_failed') metrics.jwksFetch.failure();
        },
      };
      source =
        request.jwksUri !== undefined
          ? createRemoteJwks(request.jwksUri, common)
          : createRemoteJwks({ ...common, issuer: request.issuer });
      remotes.set(key, source);
    }
    return options.withdrawnKeys === undefined ? source : excludeWithdrawnKeys(source, options.withdrawnKeys);
  };

  // Until the first load, every request is refused: nothing passes before policies are in force.
  const notReady: Enforcer = {
    evaluate: () => ({ kind: 'denied', reason: 'policies not loaded yet', dryRun: undefined }),
    managedHeaders: new Set(),
    size: 0,
  };

  const compile = async (): Promise<Enforcer> => {
    return factory({
      sources: config.policies.sources,
      config,
      clock: options.clock,
      logger,
      metrics,
      isRevoked: options.isRevoked,
      remoteKeySource,
      withdrawnKeys: options.withdrawnKeys,
    });
  };

  const reload = async (): Promise<void> => {
    const mine = ++generation;
    let next: Enforcer;
    try {
      next = await compile();
    } catch (err) {
      metrics.policyReloads.failure();
      // The first load has no previous set to keep: its failure stops the start, and the caller
      // reports it (once). Only a reload is logged here.
      if (enforcer !== undefined)
        logger.error(
          {
            err: {
              code: (err as { code?: string }).code,
              message: (err as Error).message,
              details: (err as { details?: unknown }).details,
            },
          },
          'policy reload failed; the previous policy set stays in force',
        );
      throw err;
    }
    // A slower, older reload must not overwrite a newer one.
    if (mine !== generation || closed) return;
    enforcer = next;
    metrics.policyReloads.success();
    logger.info({ policies: next.size }, 'policy set loaded');
    for (const l of listeners) l(next);
  };

  return {
    factory: options.factory,
    current: () => enforcer ?? notReady,
    ready: () => enforcer !== undefined,
    async start() {
      // A source that is not there is a configuration mistake, said as such (not as a policy
      // file that cannot be read).
      config.policies.sources.forEach((source, i) => {
        if (!existsSync(source))
          throw gatewayErrors.create(
            'ERR_GATEWAY_CONFIG_INVALID',
            `policies.sources[${i}]: ${source} does not exist (create the folder, or fix the path)`,
            { details: { field: `policies.sources[${i}]` } },
          );
      });
      await reload();
      if (config.policies.watch && !closed)
        watching = watchPolicySources(
          config.policies.sources,
          { debounceMs: config.policies.debounceMs, logger },
          () => void reload().catch(() => undefined),
        );
    },
    reload,
    onSwap(l) {
      listeners.push(l);
    },
    refreshKeys() {
      for (const r of remotes.values()) r.refresh().catch(() => undefined);
    },
    close() {
      closed = true;
      watching?.close();
      for (const r of remotes.values()) r.close();
    },
  };
}
