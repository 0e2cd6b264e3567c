// The storage contract against a real PostgreSQL (TESSERA_TEST_PG_URL). Each run works in its own
// schema, dropped at the end, because other suites use the same server concurrently.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createKeyCipher, createStorage } from '../../src/storage/index.js';
import { createPostgresStateStore } from '../../src/storage/postgres/create-postgres-state-store.js';
import { pgContext, type PgContext } from '../../src/storage/postgres/pg-context.js';
import { migratePostgres } from '../../src/storage/postgres/migrate-postgres.js';
import { createPostgresAuditStore } from '../../src/storage/postgres/create-postgres-audit-store.js';
import { createPostgresClientStore } from '../../src/storage/postgres/create-postgres-client-store.js';
import { createPostgresUserStore } from '../../src/storage/postgres/create-postgres-user-store.js';
import { createPostgresEventBus } from '../../src/storage/postgres/create-postgres-event-bus.js';
import { createPostgresKeyStore } from '../../src/storage/postgres/create-postgres-key-store.js';
import { createPostgresReplayStore } from '../../src/storage/postgres/create-postgres-replay-store.js';
import { createPostgresRevocationStore } from '../../src/storage/postgres/create-postgres-revocation-store.js';
import {
  eventually,
  newKek,
  runAuditStoreContract,
  runClientStoreContract,
  runUserStoreContract,
  runStateStoreContract,
  runEventBusContract,
  runKeyStoreContract,
  runReplayStoreContract,
  runRevocationStoreContract,
  sampleKey,
} from './contract.js';

const url = process.env.TESSERA_TEST_PG_URL;

if (url === undefined || url === '') {
  test(
    'postgres storage contract',
    { skip: 'TESSERA_TEST_PG_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test)' },
    () => undefined,
  );
} else {
  const run = `t_${process.pid}_${randomBytes(4).toString('hex')}`;
  const pools: pg.Pool[] = [];
  const schemas: string[] = [];
  let n = 0;

  /** A fresh schema (migrated) on a fresh pool, for one test. */
  const freshContext = async (): Promise<PgContext> => {
    n += 1;
    const schema = `${run}_${n}`;
    schemas.push(schema);
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    pool.on('error', () => undefined);
    pools.push(pool);
    const ctx = pgContext(pool, schema);
    await migratePostgres(ctx);
    return ctx;
  };
  /** Another pool on an existing schema: a restart or a second replica. */
  const sameSchema = (schema: string): PgContext => {
    const pool = new pg.Pool({ connectionString: url, max: 5 });
    pool.on('error', () => undefined);
    pools.push(pool);
    return pgContext(pool, schema);
  };

  after(async () => {
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    } finally {
      await admin.end();
    }
    await Promise.all(pools.map((p) => p.end()));
  });

  runKeyStoreContract('postgres', async () => {
    const ctx = await freshContext();
    const kek = newKek();
    const cipher = (k: string) => createKeyCipher(Buffer.from(k, 'base64url'));
    const other = (k: string) => ({
      store: createPostgresKeyStore({ pg: sameSchema(ctx.schema), cipher: cipher(k) }),
      close: () => Promise.resolve(),
    });
    return {
      store: createPostgresKeyStore({ pg: ctx, cipher: cipher(kek) }),
      rawDump: async () =>
        (await ctx.pool.query(`SELECT k::text AS row FROM ${ctx.q}keys k`)).rows
          .map((r: { row: string }) => r.row)
          .join('\n'),
      reopen: (k) => Promise.resolve(other(k ?? kek)),
      replica: () => Promise.resolve(other(kek)),
      close: () => Promise.resolve(),
    };
  });

  runClientStoreContract('postgres', async (c) => {
    const ctx = await freshContext();
    return { store: createPostgresClientStore({ pg: ctx, clock: c.clock }), close: () => Promise.resolve() };
  });

  runUserStoreContract('postgres', async (c) => {
    const ctx = await freshContext();
    return { store: createPostgresUserStore({ pg: ctx, clock: c.clock }), close: () => Promise.resolve() };
  });

  runStateStoreContract('postgres', async (c) => {
    const ctx = await freshContext();
    return { store: createPostgresStateStore({ pg: ctx, clock: c.clock }), close: () => Promise.resolve() };
  });

  runRevocationStoreContract('postgres', async (c) => {
    const ctx = await freshContext();
    return { store: createPostgresRevocationStore({ pg: ctx, clock: c.clock }), close: () => Promise.resolve() };
  });

  runReplayStoreContract('postgres', async (c) => {
    const ctx = await freshContext();
    return { store: createPostgresReplayStore({ pg: ctx, clock: c.clock }), close: () => Promise.resolve() };
  });

  runAuditStoreContract('postgres', async (c) => {
    const ctx = await freshContext();
    return {
      store: createPostgresAuditStore({ pg: ctx, clock: c.clock }),
      rawDump: async () =>
        (await ctx.pool.query(`SELECT a::text AS row FROM ${ctx.q}audit a`)).rows
          .map((r: { row: string }) => r.row)
          .join('\n'),
      close: () => Promise.resolve(),
    };
  });

  runEventBusContract('postgres (LISTEN/NOTIFY)', async () => {
    const ctx = await freshContext();
    const a = createPostgresEventBus({ pg: ctx, url });
    const b = createPostgresEventBus({ pg: sameSchema(ctx.schema), url });
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
      },
    };
  });

  test('postgres: migrations run once even when replicas start together, and again is a no-op', async () => {
    n += 1;
    const schema = `${run}_${n}`;
    schemas.push(schema);
    await Promise.all([0, 1, 2].map(() => migratePostgres(sameSchema(schema))));
    await migratePostgres(sameSchema(schema));
    const { rows } = await sameSchema(schema).pool.query(
      `SELECT version FROM ${pg.escapeIdentifier(schema)}.migrations`,
    );
    assert.deepEqual(
      rows.map((r: { version: number }) => r.version),
      [1, 2, 3, 4],
    );
  });

  test('postgres: createStorage with every concern on postgres, survives a new connection pool', async () => {
    n += 1;
    const schema = `${run}_${n}`;
    schemas.push(schema);
    const kek = newKek();
    const config = { type: 'postgres' as const, postgres: { url, schema }, kek };
    const s1 = await createStorage(config);
    const key = sampleKey();
    try {
      assert.deepEqual(s1.backends, {
        keys: 'postgres',
        clients: 'postgres',
        users: 'postgres',
        state: 'postgres',
        revocations: 'postgres',
        replay: 'postgres',
        audit: 'postgres',
        events: 'postgres',
      });
      await s1.ping();
      await s1.keys.create(key);
      await s1.revocations.revoke('j', Date.now() + 60_000);
    } finally {
      await s1.close();
    }
    const s2 = await createStorage(config);
    try {
      assert.deepEqual(await s2.keys.get(key.kid), key);
      assert.equal(await s2.revocations.isRevoked('j'), true);
    } finally {
      await s2.close();
    }
  });

  test('postgres: an unreachable server is ERR_STORE_UNAVAILABLE, and a bad schema name ERR_STORE_CONFIG_INVALID', async () => {
    await assert.rejects(
      createStorage({ type: 'postgres', postgres: { url: 'postgres://postgres@127.0.0.1:1/none' }, kek: newKek() }),
      (err: Error & { code?: string }) => err.code === 'ERR_STORE_UNAVAILABLE',
    );
    await assert.rejects(
      createStorage({ type: 'postgres', postgres: { url, schema: 'x; DROP TABLE y' }, kek: newKek() }),
      (err: Error & { code?: string }) => err.code === 'ERR_STORE_CONFIG_INVALID',
    );
  });
}

if (url !== undefined && url !== '') {
  test('postgres events: a subscription comes back after its LISTEN session is killed', async () => {
    const schema = `t_${process.pid}_${randomBytes(4).toString('hex')}_ev`;
    const pool = new pg.Pool({ connectionString: url, max: 2 });
    pool.on('error', () => undefined);
    const ctx = pgContext(pool, schema);
    const bus = createPostgresEventBus({ pg: ctx, url });
    try {
      const got: string[] = [];
      await bus.subscribe((e) => got.push(String(e.data.n)));
      await bus.publish({ type: 't', data: { n: 'before' } });
      await eventually(() => got.includes('before'), 'the first event');
      const killed = await pool.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1',
        [`tessera-events-${bus.id}`],
      );
      assert.equal(killed.rowCount, 1);
      // Publish until one arrives through the new session (events during the gap are lost by design).
      for (let i = 0; i < 100 && !got.some((g) => g.startsWith('after')); i += 1) {
        await bus.publish({ type: 't', data: { n: `after-${i}` } });
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.ok(
        got.some((g) => g.startsWith('after')),
        'delivery resumed',
      );
    } finally {
      await bus.close();
      await pool.end();
    }
  });
}
