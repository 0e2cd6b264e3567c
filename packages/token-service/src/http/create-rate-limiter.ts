import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';

/** Options of {@link createRateLimiter}. */
export interface RateLimiterOptions {
  /** Tokens added per second. */
  readonly ratePerSecond: number;
  /** Bucket size. */
  readonly burst: number;
  /** Clock in ms. */
  readonly clock: Clock;
  /** Most keys remembered; the least recently used are dropped beyond it (a full bucket is the default state anyway). */
  readonly maxKeys?: number;
}

/** A keyed token bucket. */
export interface RateLimiter {
  /** Takes one token for `key`; answers 0 when allowed, else the seconds to wait. */
  take(key: string): number;
}

/**
 * A token-bucket limiter keyed by client id or source address. State is a `Map` kept in insertion
 * order of last use, so evicting the least recently used key is O(1); an evicted key simply starts
 * again with a full bucket.
 *
 * @example
 * ```ts
 * const limiter = createRateLimiter({ ratePerSecond: 10, burst: 20, clock: Date.now });
 * const wait = limiter.take('client-a'); // 0 = go ahead
 * ```
 */
export function createRateLimiter(options: RateLimiterOptions): RateLimiter {
  if (!(options.ratePerSecond > 0) || !Number.isFinite(options.ratePerSecond))
    throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', 'ratePerSecond must be a positive number');
  if (!Number.isInteger(options.burst) || options.burst < 1)
    throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', 'burst must be an integer ≥ 1');
  const { ratePerSecond, burst, clock } = options;
  const maxKeys = options.maxKeys ?? 100_000;
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key) {
      const now = clock();
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { tokens: burst, at: now };
        if (buckets.size >= maxKeys) buckets.delete(buckets.keys().next().value as string);
      } else {
        buckets.delete(key);
        bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, now - bucket.at) / 1000) * ratePerSecond);
        bucket.at = now;
      }
      buckets.set(key, bucket);
      if (bucket.tokens >= 1) {
        bucket.tokens -= 1;
        return 0;
      }
      return (1 - bucket.tokens) / ratePerSecond;
    },
  };
}
