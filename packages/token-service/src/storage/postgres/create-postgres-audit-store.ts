import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { num, query, type PgContext } from './pg-context.js';
import { checkAudit, checkAuditFilters, checkLimit, checkSeq, checkTime } from '../internal/validate.js';
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
  type Checked = ReturnType<typeof checkAudit>;
  let queue: Array<{ e: Checked; resolve: (entry: AuditEntry) => void; reject: (err: unknown) => void }> = [];
  let inFlight = 0;

  // Group commit: records that arrive while a batch is being written go out together in the next
  // one (one round trip and one commit for many), at most two batches in flight. Sequence numbers
  // are drawn first and handed out in call order, so within a batch `seq` follows the calls.
  const flush = async (): Promise<void> => {
    const items = queue.slice(0, 1000);
    queue = queue.slice(items.length);
    inFlight += 1;
    try {
      const { rows } = await query<{ seq: string }>(
        ctx,
        'appending audit records',
        `SELECT nextval(pg_get_serial_sequence($1, 'seq')) AS seq FROM generate_series(1, $2)`,
        [`${ctx.q}audit`, items.length],
      );
      const seqs = rows.map((r) => num(r.seq)).sort((a, b) => a - b);
      await query(
        ctx,
        'appending audit records',
        `INSERT INTO ${ctx.q}audit (seq, at, actor, action, target, details)
         SELECT s, a, ac, act, t, d::jsonb FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[]) AS u(s, a, ac, act, t, d)`,
        [
          seqs,
          items.map((i) => i.e.at),
          items.map((i) => i.e.actor),
          items.map((i) => i.e.action),
          items.map((i) => i.e.target ?? null),
          items.map((i) => (i.e.details === undefined ? null : JSON.stringify(i.e.details))),
        ],
      );
      items.forEach((item, n) => item.resolve({ seq: seqs[n]!, ...item.e }));
    } catch (err) {
      for (const item of items) item.reject(err);
    } finally {
      inFlight -= 1;
      if (queue.length > 0 && inFlight < 2) void flush();
    }
  };

  return {
    async append(input) {
      const e = checkAudit(input, clock());
      return new Promise<AuditEntry>((resolve, reject) => {
        queue.push({ e, resolve, reject });
        if (inFlight < 2) void flush();
      });
    },
    async list(opts) {
      const since = opts?.since === undefined ? 0 : checkTime('since', opts.since);
      const limit = checkLimit(opts?.limit, 100, 1000);
      if (opts?.order !== undefined && opts.order !== 'asc' && opts.order !== 'desc')
        throw tokenServiceErrors.create('ERR_STORE_INPUT_INVALID', 'order must be "asc" or "desc"');
      checkAuditFilters(opts);
      const where = ['at >= $1'];
      const params: unknown[] = [since];
      const add = (condition: string, value: unknown) => {
        params.push(value);
        where.push(condition.replace('?', `$${params.length}`));
      };
      if (opts?.afterSeq !== undefined) add('seq > ?', checkSeq('afterSeq', opts.afterSeq));
      if (opts?.beforeSeq !== undefined) add('seq < ?', checkSeq('beforeSeq', opts.beforeSeq));
      if (opts?.actor !== undefined) add('actor = ?', opts.actor);
      // A prefix match on the text as given: LIKE's wildcards in it are escaped.
      if (opts?.actionPrefix !== undefined)
        add("action LIKE ? ESCAPE '\\'", `${opts.actionPrefix.replace(/[\\%_]/g, '\\$&')}%`);
      params.push(limit);
      const { rows } = await query<Row>(
        ctx,
        'listing audit records',
        `SELECT seq, at, actor, action, target, details FROM ${ctx.q}audit WHERE ${where.join(' AND ')} ORDER BY seq ${opts?.order === 'desc' ? 'DESC' : 'ASC'} LIMIT $${params.length}`,
        params,
      );
      return rows.map(toEntry);
    },
  };
}
