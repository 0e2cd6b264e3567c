import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { num, query, type PgContext } from '../internal/pg.js';
import { checkAudit, checkLimit, checkTime } from '../internal/validate.js';
import type { AuditEntry, AuditStore } from '../types.js';

/** Options of {@link createPostgresAuditStore}. */
export interface PostgresAuditStoreOptions {
  readonly pg: PgContext;
  readonly clock?: Clock;
}

interface Row {
  seq: string;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  details: Record<string, unknown> | null;
}

/**
 * The `postgres` audit log: table `<schema>.audit`, `seq` (bigserial) orders records.
 *
 * @example
 * ```ts
 * const audit = createPostgresAuditStore({ pg: pgContext(pool, 'tessera') });
 * await audit.append({ actor: 'admin', action: 'key.rotated', target: kid });
 * ```
 */
export function createPostgresAuditStore(options: PostgresAuditStoreOptions): AuditStore {
  const ctx = options.pg;
  const clock = options.clock ?? Date.now;
  const toEntry = (r: Row): AuditEntry => ({
    seq: num(r.seq),
    at: num(r.at),
    actor: r.actor,
    action: r.action,
    ...(r.target === null ? {} : { target: r.target }),
    ...(r.details === null ? {} : { details: r.details }),
  });
  return {
    async append(input) {
      const e = checkAudit(input, clock());
      const { rows } = await query<Row>(
        ctx,
        'appending an audit record',
        `INSERT INTO ${ctx.q}audit (at, actor, action, target, details) VALUES ($1, $2, $3, $4, $5::jsonb) RETURNING seq, at, actor, action, target, details`,
        [e.at, e.actor, e.action, e.target ?? null, e.details === undefined ? null : JSON.stringify(e.details)],
      );
      return toEntry(rows[0]!);
    },
    async list(opts) {
      const since = opts?.since === undefined ? 0 : checkTime('since', opts.since);
      const limit = checkLimit(opts?.limit, 100, 1000);
      if (opts?.order !== undefined && opts.order !== 'asc' && opts.order !== 'desc') throw tokenServiceErrors.create('ERR_STORE_INPUT_INVALID', 'order must be "asc" or "desc"');
      const { rows } = await query<Row>(
        ctx,
        'listing audit records',
        `SELECT seq, at, actor, action, target, details FROM ${ctx.q}audit WHERE at >= $1 ORDER BY seq ${opts?.order === 'desc' ? 'DESC' : 'ASC'} LIMIT $2`,
        [since, limit],
      );
      return rows.map(toEntry);
    },
  };
}
