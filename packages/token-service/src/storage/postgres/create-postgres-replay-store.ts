import type { Clock } from '@tessera/core';
import { query, type PgContext } from './pg-context.js';
import { checkId, checkTime } from '../internal/validate.js';
import type { ReplayStore } from '../types.js';

/** Options of {@link createPostgresReplayStore}. */
export interface PostgresReplayStoreOptions {
  readonly pg: PgContext;
  readonly clock?: Clock;
  /** Delete expired rows once every this many `markUsed` calls (default 500). */
  readonly purgeEvery?: number;
}

/**
 * The `postgres` replay cache: one `INSERT … ON CONFLICT DO UPDATE … WHERE exp <= now` statement,
 * so the unique index decides atomically which of concurrent callers is first, and an expired
 * entry counts as unused.
 *
 * @example
 * ```ts
 * const replay = createPostgresReplayStore({ pg: pgContext(pool, 'tessera') });
 * await replay.markUsed('assertion:client-a:jti-1', exp);
 * ```
 */
export function createPostgresReplayStore(options: PostgresReplayStoreOptions): ReplayStore {
  const ctx = options.pg;
  const clock = options.clock ?? Date.now;
  const purgeEvery = options.purgeEvery ?? 500;
  let calls = 0;
  const purge = async () => {
    const { rowCount } = await query(ctx, 'purging the replay cache', `DELETE FROM ${ctx.q}replay WHERE exp <= $1`, [
      clock(),
    ]);
    return rowCount ?? 0;
  };
  return {
    async markUsed(key, expiresAt) {
      checkId('replay key', key);
      checkTime('expiresAt', expiresAt);
      const now = clock();
      if (expiresAt <= now) return false;
      calls += 1;
      if (calls % purgeEvery === 0) await purge();
      const { rowCount } = await query(
        ctx,
        'marking an id used',
        `INSERT INTO ${ctx.q}replay AS r (key, exp) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET exp = EXCLUDED.exp WHERE r.exp <= $3`,
        [key, expiresAt, now],
      );
      return (rowCount ?? 0) > 0;
    },
    purgeExpired: purge,
  };
}
