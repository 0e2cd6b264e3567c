import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { isUniqueViolation, num, pgFailure, query, transaction, type PgContext } from './pg-context.js';
import { checkClient, checkId, checkTime, mergeClient } from '../internal/validate.js';
import type { ClientStore, StoredClient } from '../types.js';

/** Options of {@link createPostgresClientStore}. */
export interface PostgresClientStoreOptions {
  readonly pg: PgContext;
  readonly clock?: Clock;
}

/**
 * The `postgres` client store: table `<schema>.clients`, the record as jsonb. `update` reads the
 * row `FOR UPDATE` and writes the merge in one transaction, so concurrent updates never lose one
 * another.
 *
 * @example
 * ```ts
 * const clients = createPostgresClientStore({ pg: pgContext(pool, 'tessera') });
 * await clients.update('billing', { enabled: false });
 * ```
 */
export function createPostgresClientStore(options: PostgresClientStoreOptions): ClientStore {
  const ctx = options.pg;
  const clock = options.clock ?? Date.now;
  const table = `${ctx.schema}.clients`;
  const decode = (row: { record: unknown }): StoredClient => {
    try {
      return checkClient(row.record);
    } catch (err) {
      throw tokenServiceErrors.create('ERR_STORE_CORRUPT', `${table}: a row is invalid (${(err as Error).message})`, {
        cause: err,
      });
    }
  };

  return {
    async list() {
      const { rows } = await query<{ record: unknown }>(
        ctx,
        'listing clients',
        `SELECT record FROM ${ctx.q}clients ORDER BY client_id COLLATE "C"`,
      );
      return rows.map(decode);
    },
    async get(clientId) {
      checkId('clientId', clientId);
      const { rows } = await query<{ record: unknown }>(
        ctx,
        'reading a client',
        `SELECT record FROM ${ctx.q}clients WHERE client_id = $1`,
        [clientId],
      );
      return rows[0] === undefined ? undefined : decode(rows[0]);
    },
    async create(client) {
      const c = checkClient(client);
      try {
        await ctx.pool.query(`INSERT INTO ${ctx.q}clients (client_id, updated_at, record) VALUES ($1, $2, $3::jsonb)`, [
          c.clientId,
          c.updatedAt,
          JSON.stringify(c),
        ]);
      } catch (err) {
        if (isUniqueViolation(err))
          throw tokenServiceErrors.create('ERR_STORE_CONFLICT', `a client with id "${c.clientId}" already exists`);
        throw pgFailure(err, 'creating a client');
      }
      return c;
    },
    async put(client) {
      const c = checkClient(client);
      await query(
        ctx,
        'writing a client',
        `INSERT INTO ${ctx.q}clients (client_id, updated_at, record) VALUES ($1, $2, $3::jsonb) ON CONFLICT (client_id) DO UPDATE SET updated_at = EXCLUDED.updated_at, record = EXCLUDED.record`,
        [c.clientId, c.updatedAt, JSON.stringify(c)],
      );
      return c;
    },
    async update(clientId, patch, opts) {
      checkId('clientId', clientId);
      if (opts?.expectedUpdatedAt !== undefined) checkTime('expectedUpdatedAt', opts.expectedUpdatedAt);
      return transaction(ctx, 'updating a client', async (client) => {
        const { rows } = await client.query<{ record: unknown; updated_at: string }>(
          `SELECT record, updated_at FROM ${ctx.q}clients WHERE client_id = $1 FOR UPDATE`,
          [clientId],
        );
        if (rows[0] === undefined)
          throw tokenServiceErrors.create('ERR_STORE_NOT_FOUND', `no client with id "${clientId}"`);
        const current = decode(rows[0]);
        if (opts?.expectedUpdatedAt !== undefined && num(rows[0].updated_at) !== opts.expectedUpdatedAt) {
          throw tokenServiceErrors.create(
            'ERR_STORE_CONFLICT',
            `client "${clientId}" was changed since ${opts.expectedUpdatedAt}`,
            { details: { actual: num(rows[0].updated_at) } },
          );
        }
        const next = mergeClient(current, patch, clock());
        await client.query(`UPDATE ${ctx.q}clients SET updated_at = $2, record = $3::jsonb WHERE client_id = $1`, [
          clientId,
          next.updatedAt,
          JSON.stringify(next),
        ]);
        return next;
      });
    },
    async delete(clientId) {
      checkId('clientId', clientId);
      const { rowCount } = await query(ctx, 'deleting a client', `DELETE FROM ${ctx.q}clients WHERE client_id = $1`, [
        clientId,
      ]);
      return (rowCount ?? 0) > 0;
    },
  };
}
