import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { isUniqueViolation, num, pgFailure, query, transaction, type PgContext } from './pg-context.js';
import { checkId, checkTime, checkUser, mergeUser } from '../internal/validate.js';
import type { StoredUser, UserStore } from '../types.js';

/** Options of {@link createPostgresUserStore}. */
export interface PostgresUserStoreOptions {
  readonly pg: PgContext;
  readonly clock?: Clock;
}

/**
 * The `postgres` user store: table `<schema>.users`, the record as jsonb beside a unique
 * `username` column, so two replicas can never give one name to two users. `update` reads the row
 * `FOR UPDATE` and writes the merge in one transaction.
 *
 * @example
 * ```ts
 * const users = createPostgresUserStore({ pg: pgContext(pool, 'tessera') });
 * const alice = await users.findByUsername('alice');
 * ```
 */
export function createPostgresUserStore(options: PostgresUserStoreOptions): UserStore {
  const ctx = options.pg;
  const clock = options.clock ?? Date.now;
  const table = `${ctx.schema}.users`;
  const decode = (row: { record: unknown }): StoredUser => {
    try {
      return checkUser(row.record);
    } catch (err) {
      throw tokenServiceErrors.create('ERR_STORE_CORRUPT', `${table}: a row is invalid (${(err as Error).message})`, {
        cause: err,
      });
    }
  };
  /** A unique violation is a taken id on insert, else a taken username. */
  const conflict = (err: unknown, user: StoredUser, what: string): never => {
    if (isUniqueViolation(err)) {
      const onUsername = (err as { constraint?: string }).constraint?.includes('username') ?? false;
      throw tokenServiceErrors.create(
        'ERR_STORE_CONFLICT',
        onUsername ? `the username "${user.username}" is taken` : `a user with id "${user.userId}" already exists`,
      );
    }
    throw pgFailure(err, what);
  };

  return {
    async list() {
      const { rows } = await query<{ record: unknown }>(
        ctx,
        'listing users',
        `SELECT record FROM ${ctx.q}users ORDER BY user_id COLLATE "C"`,
      );
      return rows.map(decode);
    },
    async get(userId) {
      checkId('userId', userId);
      const { rows } = await query<{ record: unknown }>(
        ctx,
        'reading a user',
        `SELECT record FROM ${ctx.q}users WHERE user_id = $1`,
        [userId],
      );
      return rows[0] === undefined ? undefined : decode(rows[0]);
    },
    async findByUsername(username) {
      if (typeof username !== 'string') return undefined;
      const { rows } = await query<{ record: unknown }>(
        ctx,
        'finding a user',
        `SELECT record FROM ${ctx.q}users WHERE username = $1`,
        [username],
      );
      return rows[0] === undefined ? undefined : decode(rows[0]);
    },
    async create(user) {
      const u = checkUser(user);
      try {
        await ctx.pool.query(
          `INSERT INTO ${ctx.q}users (user_id, username, updated_at, record) VALUES ($1, $2, $3, $4::jsonb)`,
          [u.userId, u.username, u.updatedAt, JSON.stringify(u)],
        );
      } catch (err) {
        conflict(err, u, 'creating a user');
      }
      return u;
    },
    async put(user) {
      const u = checkUser(user);
      try {
        await ctx.pool.query(
          `INSERT INTO ${ctx.q}users (user_id, username, updated_at, record) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (user_id) DO UPDATE SET username = EXCLUDED.username, updated_at = EXCLUDED.updated_at, record = EXCLUDED.record`,
          [u.userId, u.username, u.updatedAt, JSON.stringify(u)],
        );
      } catch (err) {
        conflict(err, u, 'writing a user');
      }
      return u;
    },
    async update(userId, patch, opts) {
      checkId('userId', userId);
      if (opts?.expectedUpdatedAt !== undefined) checkTime('expectedUpdatedAt', opts.expectedUpdatedAt);
      return transaction(ctx, 'updating a user', async (client) => {
        const { rows } = await client.query<{ record: unknown; updated_at: string }>(
          `SELECT record, updated_at FROM ${ctx.q}users WHERE user_id = $1 FOR UPDATE`,
          [userId],
        );
        if (rows[0] === undefined)
          throw tokenServiceErrors.create('ERR_STORE_NOT_FOUND', `no user with id "${userId}"`);
        const current = decode(rows[0]);
        if (opts?.expectedUpdatedAt !== undefined && num(rows[0].updated_at) !== opts.expectedUpdatedAt)
          throw tokenServiceErrors.create(
            'ERR_STORE_CONFLICT',
            `user "${userId}" was changed since ${opts.expectedUpdatedAt}`,
            {
              details: { actual: num(rows[0].updated_at) },
            },
          );
        const next = mergeUser(current, patch, clock());
        try {
          await client.query(
            `UPDATE ${ctx.q}users SET username = $2, updated_at = $3, record = $4::jsonb WHERE user_id = $1`,
            [userId, next.username, next.updatedAt, JSON.stringify(next)],
          );
        } catch (err) {
          conflict(err, next, 'updating a user');
        }
        return next;
      });
    },
    async delete(userId) {
      checkId('userId', userId);
      const { rowCount } = await query(ctx, 'deleting a user', `DELETE FROM ${ctx.q}users WHERE user_id = $1`, [
        userId,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}
