import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { num, query, type PgContext } from './pg-context.js';
import { checkId, checkStateKind, checkStateLink, checkStateRecord } from '../internal/validate.js';
import type { StateKind, StateLink, StateRecord, StateStore } from '../types.js';

/** Options of {@link createPostgresStateStore}. */
export interface PostgresStateStoreOptions {
  readonly pg: PgContext;
  readonly clock?: Clock;
}

interface Row {
  record: unknown;
  used_at: string | null;
}

/**
 * The `postgres` state store: table `<schema>.state`, keyed by (kind, key), the links in indexed
 * columns. `use` is one conditional `UPDATE … WHERE used_at IS NULL`: of concurrent callers, the
 * row lock lets exactly one set it.
 *
 * @example
 * ```ts
 * const state = createPostgresStateStore({ pg: pgContext(pool, 'tessera') });
 * const used = await state.use('refresh', tokenHash);
 * ```
 */
export function createPostgresStateStore(options: PostgresStateStoreOptions): StateStore {
  const ctx = options.pg;
  const clock = options.clock ?? Date.now;
  const decode = (row: Row): StateRecord => {
    try {
      const record = checkStateRecord(row.record);
      return row.used_at === null ? record : { ...record, usedAt: num(row.used_at) };
    } catch (err) {
      throw tokenServiceErrors.create(
        'ERR_STORE_CORRUPT',
        `${ctx.schema}.state: a row is invalid (${(err as Error).message})`,
        {
          cause: err,
        },
      );
    }
  };
  /** `AND user_id = $n …` for the links given, and their values after `offset` parameters. */
  const linkSql = (link: StateLink, offset: number): [string, string[]] => {
    const clauses: string[] = [];
    const values: string[] = [];
    for (const [column, value] of [
      ['user_id', link.userId],
      ['sid', link.sid],
      ['family_id', link.familyId],
    ] as const)
      if (value !== undefined) {
        values.push(value);
        clauses.push(`AND ${column} = $${offset + values.length}`);
      }
    return [clauses.join(' '), values];
  };

  return {
    async put(record) {
      const r = checkStateRecord(record);
      await query(
        ctx,
        'writing login state',
        `INSERT INTO ${ctx.q}state (kind, key, record, expires_at, user_id, sid, family_id, used_at) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7, $8)
         ON CONFLICT (kind, key) DO UPDATE SET record = EXCLUDED.record, expires_at = EXCLUDED.expires_at, user_id = EXCLUDED.user_id, sid = EXCLUDED.sid, family_id = EXCLUDED.family_id, used_at = EXCLUDED.used_at`,
        [
          r.kind,
          r.key,
          JSON.stringify(r),
          r.expiresAt,
          r.userId ?? null,
          r.sid ?? null,
          r.familyId ?? null,
          r.usedAt ?? null,
        ],
      );
    },
    async get(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      const { rows } = await query<Row>(
        ctx,
        'reading login state',
        `SELECT record, used_at FROM ${ctx.q}state WHERE kind = $1 AND key = $2 AND expires_at > $3`,
        [kind, key, clock()],
      );
      return rows[0] === undefined ? undefined : decode(rows[0]);
    },
    async use(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      const now = clock();
      const first = await query<Row>(
        ctx,
        'using login state',
        `UPDATE ${ctx.q}state SET used_at = $3 WHERE kind = $1 AND key = $2 AND expires_at > $3 AND used_at IS NULL RETURNING record, used_at`,
        [kind, key, now],
      );
      if (first.rows[0] !== undefined) return { record: decode(first.rows[0]), first: true };
      const again = await this.get(kind, key);
      return again === undefined ? undefined : { record: again, first: false };
    },
    async delete(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      const { rows } = await query<{ live: boolean }>(
        ctx,
        'deleting login state',
        `DELETE FROM ${ctx.q}state WHERE kind = $1 AND key = $2 RETURNING expires_at > $3 AS live`,
        [kind, key, clock()],
      );
      return rows[0]?.live === true;
    },
    async find(kind: StateKind, link: StateLink) {
      checkStateKind(kind);
      const [clauses, values] = linkSql(checkStateLink(link), 2);
      const { rows } = await query<Row>(
        ctx,
        'finding login state',
        `SELECT record, used_at FROM ${ctx.q}state WHERE kind = $1 AND expires_at > $2 ${clauses} ORDER BY key COLLATE "C"`,
        [kind, clock(), ...values],
      );
      return rows.map(decode);
    },
    async deleteLinked(kind, link) {
      checkStateKind(kind);
      const [clauses, values] = linkSql(checkStateLink(link), 2);
      const { rows } = await query<{ live: boolean }>(
        ctx,
        'deleting login state',
        `DELETE FROM ${ctx.q}state WHERE kind = $1 ${clauses} RETURNING expires_at > $2 AS live`,
        [kind, clock(), ...values],
      );
      return rows.filter((r) => r.live).length;
    },
    async purgeExpired() {
      const { rowCount } = await query(ctx, 'purging login state', `DELETE FROM ${ctx.q}state WHERE expires_at <= $1`, [
        clock(),
      ]);
      return rowCount ?? 0;
    },
  };
}
