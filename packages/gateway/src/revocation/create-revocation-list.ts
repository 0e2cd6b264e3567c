import type { Logger } from 'pino';
import { createRevocationFeed, type Clock, type RevocationFeed } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';
import type { GatewayMetrics } from '../ops/create-gateway-metrics.js';

/** The gateway's revocation list: core's revocation feed (`isRevoked`, `withdrawnKeys`, `stale`, ...). */
export type RevocationList = RevocationFeed;

/** Options of {@link createRevocationList}. */
export interface RevocationListOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Told of each key the token service withdraws, after `withdrawnKeys` has it. */
  readonly onKeyWithdrawn?: (kid: string) => void;
  /** Counts the feed's reads and failures (`tessera_gateway_revocation_feed_*_total`). */
  readonly metrics?: GatewayMetrics;
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
 * if (revoked.isRevoked(payload.jti)) deny();
 * ```
 */
export function createRevocationList(options: RevocationListOptions): RevocationList {
  const ts = options.config.tokenService;
  if (ts?.clientId === undefined || ts.clientSecret === undefined)
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      "the revocation feed needs the gateway's client credentials: set tokenService.clientId and tokenService.clientSecret (or TESSERA_GATEWAY_CLIENT_SECRET)",
    );
  return createRevocationFeed({
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
      else if (event.type === 'synced' || event.type === 'stream_opened') options.metrics?.revocationFeed.success();
      else if (event.type === 'sync_failed') options.metrics?.revocationFeed.failure();
    },
  });
}
