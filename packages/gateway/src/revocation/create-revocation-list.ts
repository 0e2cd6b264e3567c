import type { Logger } from 'pino';
import { createRevocationFeed, type Clock, type WithdrawnKeys } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';

/** The `jti`s the token service has revoked, kept in memory and refreshed from its feed. */
export interface RevocationList {
  has(jti: string): boolean;
  /** Signing keys the token service withdrew in an emergency; key sources drop them (`excludeWithdrawnKeys`). */
  readonly withdrawnKeys: WithdrawnKeys;
  /** True when `tokenService.revocationsMaxStaleMs` is set and the feed has not answered for longer. */
  stale(): boolean;
  /** Starts following the feed (`tokenService.revocationsMode`). */
  start(): void;
  /** Reads the feed once now; resolves when the list is up to date or the read failed (logged). */
  refresh(): Promise<void>;
  close(): void;
  readonly size: number;
}

/** Options of {@link createRevocationList}. */
export interface RevocationListOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Told of each key the token service withdraws, after `withdrawnKeys` has it. */
  readonly onKeyWithdrawn?: (kid: string) => void;
}

/**
 * The gateway's follower of the token service's revocation feed: core's `createRevocationFeed`
 * (the same one a library verifier uses) configured from the `tokenService` section. The feed needs
 * client authentication: `tokenService.clientId` / `clientSecret` of a client with
 * `revocations: true`; without both this throws `ERR_GATEWAY_CONFIG_INVALID` at once (the
 * configuration loader reports it first, with its path).
 *
 * @example
 * ```ts
 * const revoked = createRevocationList({ config, logger });
 * revoked.start();
 * if (revoked.has(payload.jti)) deny();
 * ```
 */
export function createRevocationList(options: RevocationListOptions): RevocationList {
  const ts = options.config.tokenService;
  if (ts?.clientId === undefined || ts.clientSecret === undefined)
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      "the revocation feed needs the gateway's client credentials: set tokenService.clientId and tokenService.clientSecret (or TESSERA_GATEWAY_CLIENT_SECRET)",
    );
  const feed = createRevocationFeed({
    url: ts.url,
    path: ts.revocationsPath,
    clientId: ts.clientId,
    clientSecret: ts.clientSecret,
    mode: ts.revocationsMode,
    pollInterval: ts.revocationsPollMs,
    timeoutDuration: ts.timeoutMs,
    // 0: never stale (keep accepting what is not known to be revoked while the feed is down).
    maxStaleDuration: ts.revocationsMaxStaleMs > 0 ? ts.revocationsMaxStaleMs : Infinity,
    logger: options.logger,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    onEvent: (event) => {
      if (event.type === 'key_withdrawn') options.onKeyWithdrawn?.(event.kid);
    },
  });
  return {
    has: (jti) => feed.isRevoked(jti),
    withdrawnKeys: feed.withdrawnKeys,
    stale: () => feed.stale(),
    start: () => feed.start(),
    // A failed read is logged by the feed and retried at its next tick; the known list stays.
    refresh: () => feed.refresh().catch(() => undefined),
    close: () => feed.close(),
    get size() {
      return feed.size;
    },
  };
}
