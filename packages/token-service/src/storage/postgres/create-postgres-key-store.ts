import type pg from 'pg';
import { tokenServiceErrors } from '../../errors.js';
import type { KeyCipher } from '../key-cipher.js';
import { isUniqueViolation, pgFailure, query, transaction, type PgContext } from './pg-context.js';
import { applyKeyPatch, checkId, checkKey, checkKeyPatch } from '../internal/validate.js';
import type { KeyStore, StoredKey } from '../types.js';

/** Options of {@link createPostgresKeyStore}. */
export interface PostgresKeyStoreOptions {
  readonly pg: PgContext;
  readonly cipher: KeyCipher;
}

interface Row {
  record: Record<string, unknown>;
  private_key_encrypted: string | null;
}

/**
 * The `postgres` key store: table `<schema>.keys`, public fields in `record` (jsonb), the private
 * JWK sealed with AES-256-GCM in `private_key_encrypted`. `updateState` locks the row
 * (`SELECT … FOR UPDATE`) inside a transaction, so of two replicas rotating at once one wins and
 * the other sees the new state and gets ERR_STORE_CONFLICT.
 *
 * @example
 * ```ts
 * const keys = createPostgresKeyStore({ pg: pgContext(pool, 'tessera'), cipher });
 * await keys.updateState(kid, 'next', { state: 'active', activatedAt: Date.now() });
 * ```
 */
export function createPostgresKeyStore(options: PostgresKeyStoreOptions): KeyStore {
  const ctx = options.pg;
  const { cipher } = options;
  const table = `${ctx.schema}.keys`;

  const decode = (row: Row): StoredKey => {
    const kid = String(row.record?.kid);
    const privateJwk =
      row.private_key_encrypted === null ? undefined : cipher.decrypt(kid, row.private_key_encrypted, table);
    try {
      return checkKey(privateJwk === undefined ? row.record : { ...row.record, privateJwk });
    } catch (err) {
      throw tokenServiceErrors.create(
        'ERR_STORE_CORRUPT',
        `${table}: the row of kid "${kid}" is invalid (${(err as Error).message})`,
        { cause: err },
      );
    }
  };
  const encode = (key: StoredKey): [string, string, string, number, string, string | null] => {
    const { privateJwk, ...record } = key;
    return [
      key.kid,
      key.purpose,
      key.state,
      key.createdAt,
      JSON.stringify(record),
      privateJwk === undefined ? null : cipher.encrypt(key.kid, privateJwk),
    ];
  };
  const COLUMNS =
    '(kid, purpose, state, created_at, record, private_key_encrypted) VALUES ($1, $2, $3, $4, $5::jsonb, $6)';

  return {
    async list(opts) {
      const purpose = opts?.purpose;
      const { rows } = await query<Row>(
        ctx,
        'listing keys',
        `SELECT record, private_key_encrypted FROM ${ctx.q}keys WHERE ($1::text IS NULL OR purpose = $1) ORDER BY created_at, kid COLLATE "C"`,
        [purpose ?? null],
      );
      return rows.map(decode);
    },
    async get(kid) {
      checkId('kid', kid);
      const { rows } = await query<Row>(
        ctx,
        'reading a key',
        `SELECT record, private_key_encrypted FROM ${ctx.q}keys WHERE kid = $1`,
        [kid],
      );
      return rows[0] === undefined ? undefined : decode(rows[0]);
    },
    async create(key) {
      const checked = checkKey(key);
      try {
        await ctx.pool.query(`INSERT INTO ${ctx.q}keys ${COLUMNS}`, encode(checked));
      } catch (err) {
        if (isUniqueViolation(err))
          throw tokenServiceErrors.create('ERR_STORE_CONFLICT', `a key with kid "${checked.kid}" already exists`);
        throw pgFailure(err, 'creating a key');
      }
      return checked;
    },
    async put(key) {
      const checked = checkKey(key);
      await query(
        ctx,
        'writing a key',
        `INSERT INTO ${ctx.q}keys ${COLUMNS} ON CONFLICT (kid) DO UPDATE SET purpose = EXCLUDED.purpose, state = EXCLUDED.state, created_at = EXCLUDED.created_at, record = EXCLUDED.record, private_key_encrypted = EXCLUDED.private_key_encrypted`,
        encode(checked),
      );
      return checked;
    },
    async updateState(kid, expected, patch) {
      checkId('kid', kid);
      const p = checkKeyPatch(expected, patch);
      return transaction(ctx, 'updating a key', async (client: pg.PoolClient) => {
        const { rows } = await client.query<Row>(
          `SELECT record, private_key_encrypted FROM ${ctx.q}keys WHERE kid = $1 FOR UPDATE`,
          [kid],
        );
        if (rows[0] === undefined) throw tokenServiceErrors.create('ERR_STORE_NOT_FOUND', `no key with kid "${kid}"`);
        const current = decode(rows[0]);
        if (current.state !== expected) {
          throw tokenServiceErrors.create('ERR_STORE_CONFLICT', `key "${kid}" is ${current.state}, not ${expected}`, {
            details: { actual: current.state },
          });
        }
        const next = applyKeyPatch(current, p);
        const [, purpose, state, createdAt, record, sealed] = encode(next);
        await client.query(
          `UPDATE ${ctx.q}keys SET purpose = $2, state = $3, created_at = $4, record = $5::jsonb, private_key_encrypted = $6 WHERE kid = $1`,
          [kid, purpose, state, createdAt, record, sealed],
        );
        return next;
      });
    },
    async delete(kid) {
      checkId('kid', kid);
      const { rowCount } = await query(ctx, 'deleting a key', `DELETE FROM ${ctx.q}keys WHERE kid = $1`, [kid]);
      return (rowCount ?? 0) > 0;
    },
  };
}
