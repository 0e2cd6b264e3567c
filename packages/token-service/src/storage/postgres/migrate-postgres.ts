import { quoteIdentifier } from '../internal/load-driver.js';
import { transaction, type PgContext } from './pg-context.js';

/** Schema versions, applied in order, each once (recorded in `<schema>.migrations`). */
const MIGRATIONS: ReadonlyArray<(s: string) => string[]> = [
  (s) => [
    `CREATE TABLE ${s}keys (kid text PRIMARY KEY, purpose text NOT NULL, state text NOT NULL, created_at bigint NOT NULL, record jsonb NOT NULL, private_key_encrypted text)`,
    `CREATE TABLE ${s}clients (client_id text PRIMARY KEY, updated_at bigint NOT NULL, record jsonb NOT NULL)`,
    `CREATE TABLE ${s}revocations (seq bigserial PRIMARY KEY, jti text NOT NULL UNIQUE, exp bigint NOT NULL, revoked_at bigint NOT NULL, client_id text)`,
    `CREATE INDEX revocations_exp ON ${s}revocations (exp)`,
    // Numbers start at wall-clock ms × 1000 (as in the file and redis stores): a schema dropped and
    // created again still numbers new revocations above every cursor a poller holds.
    `SELECT setval(pg_get_serial_sequence('${s}revocations', 'seq'), (extract(epoch from clock_timestamp()) * 1000000)::bigint)`,
    `CREATE TABLE ${s}replay (key text PRIMARY KEY, exp bigint NOT NULL)`,
    `CREATE INDEX replay_exp ON ${s}replay (exp)`,
    `CREATE TABLE ${s}audit (seq bigserial PRIMARY KEY, at bigint NOT NULL, actor text NOT NULL, action text NOT NULL, target text, details jsonb)`,
    `CREATE INDEX audit_at ON ${s}audit (at)`,
  ],
  // Token families (RFC 8693 exchange): which token was exchanged from which, until the child's exp.
  (s) => [
    `CREATE TABLE ${s}token_links (jti text PRIMARY KEY, parent text NOT NULL, exp bigint NOT NULL)`,
    `CREATE INDEX token_links_parent ON ${s}token_links (parent)`,
    `CREATE INDEX token_links_exp ON ${s}token_links (exp)`,
  ],
  // People (issue "People"): the username is unique, so replicas can never give one name twice.
  (s) => [
    `CREATE TABLE ${s}users (user_id text PRIMARY KEY, username text NOT NULL CONSTRAINT users_username_key UNIQUE, updated_at bigint NOT NULL, record jsonb NOT NULL)`,
  ],
  // Login state: sessions, authorization codes, consents, refresh tokens, found by their links.
  (s) => [
    `CREATE TABLE ${s}state (kind text NOT NULL, key text NOT NULL, record jsonb NOT NULL, expires_at bigint NOT NULL, user_id text, sid text, family_id text, used_at bigint, PRIMARY KEY (kind, key))`,
    `CREATE INDEX state_user ON ${s}state (kind, user_id) WHERE user_id IS NOT NULL`,
    `CREATE INDEX state_sid ON ${s}state (kind, sid) WHERE sid IS NOT NULL`,
    `CREATE INDEX state_family ON ${s}state (kind, family_id) WHERE family_id IS NOT NULL`,
    `CREATE INDEX state_expires ON ${s}state (expires_at)`,
  ],
];

/**
 * Creates the schema and its tables, or brings them up to date. Replicas starting together are
 * serialised by a transaction-scoped advisory lock, so each migration runs exactly once.
 *
 * @example
 * ```ts
 * await migratePostgres(pgContext(pool, 'tessera'));
 * ```
 */
export async function migratePostgres(ctx: PgContext): Promise<void> {
  await transaction(ctx, 'migration', async (client) => {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`tessera-migrate:${ctx.schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(ctx.schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${ctx.q}migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${ctx.q}migrations`);
    const applied = rows[0]?.v ?? 0;
    for (let version = applied + 1; version <= MIGRATIONS.length; version += 1) {
      for (const sql of MIGRATIONS[version - 1]!(ctx.q)) await client.query(sql);
      await client.query(`INSERT INTO ${ctx.q}migrations (version) VALUES ($1)`, [version]);
    }
  });
}
