import type { Clock } from '@tessera/core';
import { run, type RedisContext } from './redis-context.js';
import { checkId, checkTime } from '../internal/validate.js';
import type { ReplayStore } from '../types.js';

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions {
  readonly redis: RedisContext;
  readonly clock?: Clock;
}

/**
 * The `redis` replay cache: `SET <prefix>replay:<key> 1 NX PX <exp - now>` — Redis decides
 * atomically which caller is first, and drops the key when it expires.
 *
 * @example
 * ```ts
 * const replay = createRedisReplayStore({ redis: redisContext(client, 'tessera:') });
 * await replay.markUsed('assertion:client-a:jti-1', exp);
 * ```
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): ReplayStore {
  const { client, prefix } = options.redis;
  const clock = options.clock ?? Date.now;
  return {
    async markUsed(key, expiresAt) {
      checkId('replay key', key);
      checkTime('expiresAt', expiresAt);
      const ttl = expiresAt - clock();
      if (ttl <= 0) return false;
      const ok = await run('marking an id used', () => client.set(`${prefix}replay:${key}`, '1', 'PX', ttl, 'NX'));
      return ok === 'OK';
    },
    // Redis expires the keys itself.
    purgeExpired() {
      return Promise.resolve(0);
    },
  };
}
