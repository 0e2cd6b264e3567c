import type { Clock } from '@tessera/core';
import { num, query, transaction, type PgContext } from './pg-context.js';
import { checkCursor, checkId, checkLimit, checkTime } from '../internal/validate.js';
import type { RevocationStore, RevokedToken, TokenLink } from '../types.js';

/** Options of {@link createPostgresRevocationStore}. */
export interface PostgresRevocationStoreOptions {
  readonly pg: PgContext;
  readonly clock?: Clock;
}

interface Row {
  seq: string;
  jti: string;
  exp: string;
  revoked_at: string;
  client_id: string | null;
}

/**
 * The `postgres` revocation list: table `<schema>.revocations`, `seq` (bigserial) is the cursor.
 * A sequence value is taken before commit, so two concurrent inserts could commit out of order and
 * a poller between them would skip one; every revoke therefore takes a transaction-scoped
 * advisory lock, which makes commit order equal `seq` order. Expiry compares `exp` with the
 * injected clock; expired rows are deleted on each revoke and by `purgeExpired`. Token family
 * links are rows of `<schema>.token_links` (child `jti` → parent, `exp`), read by the parent index
 * and deleted by `purgeExpired` once the child has expired.
 *
 * @example
 * ```ts
 * const revocations = createPostgresRevocationStore({ pg: pgContext(pool, 'tessera') });
 * await revocations.revoke(jti, exp);
 * ```
 */
export function createPostgresRevocationStore(options: PostgresRevocationStoreOptions): RevocationStore {
  const ctx = options.pg;
  const clock = options.clock ?? Date.now;
  const lockName = `tessera-revocations:${ctx.schema}`;

  return {
    async revoke(jti, expiresAt, opts) {
      checkId('jti', jti);
      checkTime('expiresAt', expiresAt);
      if (opts?.clientId !== undefined) checkId('clientId', opts.clientId);
      const now = clock();
      if (expiresAt <= now) return false;
      return transaction(ctx, 'revoking a token', async (client) => {
        await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockName]);
        await client.query(`DELETE FROM ${ctx.q}revocations WHERE exp <= $1`, [now]);
        const { rowCount } = await client.query(
          `INSERT INTO ${ctx.q}revocations (jti, exp, revoked_at, client_id) VALUES ($1, $2, $3, $4) ON CONFLICT (jti) DO NOTHING`,
          [jti, expiresAt, now, opts?.clientId ?? null],
        );
        return (rowCount ?? 0) > 0;
      });
    },
    async isRevoked(jti) {
      checkId('jti', jti);
      const { rowCount } = await query(
        ctx,
        'checking a revocation',
        `SELECT 1 FROM ${ctx.q}revocations WHERE jti = $1 AND exp > $2`,
        [jti, clock()],
      );
      return (rowCount ?? 0) > 0;
    },
    async listSince(cursor, limit) {
      const after = checkCursor(cursor);
      const max = checkLimit(limit, 1000, 10_000);
      const { rows } = await query<Row>(
        ctx,
        'listing revocations',
        `SELECT seq, jti, exp, revoked_at, client_id FROM ${ctx.q}revocations WHERE seq > $1 AND exp > $2 ORDER BY seq LIMIT $3`,
        [after, clock(), max],
      );
      const items = rows.map((r): RevokedToken => ({
        jti: r.jti,
        exp: num(r.exp),
        revokedAt: num(r.revoked_at),
        ...(r.client_id === null ? {} : { clientId: r.client_id }),
      }));
      const last = rows.at(-1);
      return { items, cursor: last === undefined ? String(after) : String(last.seq) };
    },
    async purgeExpired() {
      const now = clock();
      await query(ctx, 'purging token links', `DELETE FROM ${ctx.q}token_links WHERE exp <= $1`, [now]);
      const { rowCount } = await query(ctx, 'purging revocations', `DELETE FROM ${ctx.q}revocations WHERE exp <= $1`, [
        now,
      ]);
      return rowCount ?? 0;
    },
    async linkChild(parentJti, childJti, expiresAt) {
      checkId('parentJti', parentJti);
      checkId('childJti', childJti);
      checkTime('expiresAt', expiresAt);
      if (expiresAt <= clock()) return;
      await query(
        ctx,
        'linking a token to its parent',
        `INSERT INTO ${ctx.q}token_links (jti, parent, exp) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING`,
        [childJti, parentJti, expiresAt],
      );
    },
    async listChildren(parentJti, limit) {
      checkId('parentJti', parentJti);
      const max = checkLimit(limit, 1000, 10_000);
      const { rows } = await query<{ jti: string; exp: string }>(
        ctx,
        'listing the children of a token',
        `SELECT jti, exp FROM ${ctx.q}token_links WHERE parent = $1 AND exp > $2 LIMIT $3`,
        [parentJti, clock(), max],
      );
      return rows.map((r): TokenLink => ({ jti: r.jti, exp: num(r.exp) }));
    },
  };
}
