// Shared PostgreSQL plumbing: identifier quoting, error mapping, transactions. Every query is
// parameterised; only the schema name (checked against a strict pattern, then quoted) is spliced.
import type pg from 'pg';
import { isTesseraError } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { quoteIdentifier } from '../internal/load-driver.js';

/** What every PostgreSQL store is built from. */
export interface PgContext {
  readonly pool: pg.Pool;
  /** The schema name, already validated. */
  readonly schema: string;
  /** `"schema".` — prefix for table names. */
  readonly q: string;
}

/** Schema names Tessera accepts: lower-case identifiers short enough for a NOTIFY channel. */
export const SCHEMA_PATTERN = /^[a-z_][a-z0-9_]{0,39}$/;

/** Builds the context, checking the schema name. */
export function pgContext(pool: pg.Pool, schema: string): PgContext {
  if (typeof schema !== 'string' || !SCHEMA_PATTERN.test(schema)) {
    throw tokenServiceErrors.create(
      'ERR_STORE_CONFIG_INVALID',
      `postgres schema "${String(schema)}" must match ${SCHEMA_PATTERN}`,
    );
  }
  return { pool, schema, q: `${quoteIdentifier(schema)}.` };
}

/** True for a unique-constraint violation (SQLSTATE 23505). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown })?.code === '23505';
}

/** Maps a driver error to ERR_STORE_UNAVAILABLE (TesseraErrors pass through). */
export function pgFailure(err: unknown, what: string): Error {
  if (isTesseraError(err)) return err;
  return tokenServiceErrors.create(
    'ERR_STORE_UNAVAILABLE',
    `postgres: ${what} failed: ${(err as Error)?.message ?? String(err)}`,
    { cause: err },
  );
}

/** Runs one parameterised query, mapping failures. */
export async function query<R extends pg.QueryResultRow = pg.QueryResultRow>(
  ctx: PgContext,
  what: string,
  sql: string,
  params: unknown[] = [],
): Promise<pg.QueryResult<R>> {
  try {
    return await ctx.pool.query<R>(sql, params);
  } catch (err) {
    throw pgFailure(err, what);
  }
}

/** Runs `work` in a transaction on one connection; rolls back on any error. */
export async function transaction<T>(
  ctx: PgContext,
  what: string,
  work: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  let client: pg.PoolClient;
  try {
    client = await ctx.pool.connect();
  } catch (err) {
    throw pgFailure(err, what);
  }
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = true;
    }
    throw pgFailure(err, what);
  } finally {
    client.release(broken);
  }
}

/** A bigint column (returned by pg as a string) as a number. */
export function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
}
