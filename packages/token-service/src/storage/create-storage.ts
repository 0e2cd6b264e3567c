import { access, constants } from 'node:fs/promises';
import { resolve } from 'node:path';
import type pg from 'pg';
import type { Redis } from 'ioredis';
import { tokenServiceErrors } from '../errors.js';
import { createFileAuditStore } from './file/create-file-audit-store.js';
import { createFileClientStore } from './file/create-file-client-store.js';
import { createFileKeyStore } from './file/create-file-key-store.js';
import { createFileReplayStore } from './file/create-file-replay-store.js';
import { createFileStateStore } from './file/create-file-state-store.js';
import { createFileUserStore } from './file/create-file-user-store.js';
import { createFileRevocationStore } from './file/create-file-revocation-store.js';
import { createMemoryEventBus } from './file/create-memory-event-bus.js';
import type { Closable } from './internal/closable.js';
import { lockDataDir } from './internal/data-dir-lock.js';
import { loadPg } from './internal/load-driver.js';
import { ensureDir } from './internal/json-document.js';
import { createKeyCipher, resolveKek } from './key-cipher.js';
import { pgContext, pgFailure, type PgContext } from './postgres/pg-context.js';
import { connectRedis, redisContext, run, type RedisContext } from './redis/redis-context.js';
import { createPostgresAuditStore } from './postgres/create-postgres-audit-store.js';
import { createPostgresClientStore } from './postgres/create-postgres-client-store.js';
import { createPostgresEventBus } from './postgres/create-postgres-event-bus.js';
import { createPostgresKeyStore } from './postgres/create-postgres-key-store.js';
import { createPostgresReplayStore } from './postgres/create-postgres-replay-store.js';
import { createPostgresRevocationStore } from './postgres/create-postgres-revocation-store.js';
import { createPostgresStateStore } from './postgres/create-postgres-state-store.js';
import { createPostgresUserStore } from './postgres/create-postgres-user-store.js';
import { migratePostgres } from './postgres/migrate-postgres.js';
import { createRedisEventBus } from './redis/create-redis-event-bus.js';
import { createRedisReplayStore } from './redis/create-redis-replay-store.js';
import { createRedisRevocationStore } from './redis/create-redis-revocation-store.js';
import { createRedisStateStore } from './redis/create-redis-state-store.js';
import type {
  AuditStore,
  ClientStore,
  EventBus,
  KeyStore,
  ReplayStore,
  RevocationStore,
  Storage,
  StorageBackend,
  StorageConcern,
  StateStore,
  StorageConfig,
  UserStore,
} from './types.js';

const CONCERNS: readonly StorageConcern[] = [
  'keys',
  'clients',
  'users',
  'state',
  'revocations',
  'replay',
  'audit',
  'events',
];

/** Which back-end can hold which concern (issue 3, "Storage"). */
export const STORAGE_CAPABILITIES: Readonly<Record<StorageBackend, readonly StorageConcern[]>> = Object.freeze({
  file: CONCERNS,
  postgres: CONCERNS,
  redis: ['state', 'revocations', 'replay', 'events'],
});

function configError(message: string): never {
  throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', `storage: ${message}`);
}

/**
 * Works out which back-end holds each concern and checks that each one can and has its settings.
 * Pure: no I/O. Throws ERR_STORE_CONFIG_INVALID naming the field.
 *
 * @example
 * ```ts
 * resolveStorageBackends({ type: 'postgres', postgres: { url }, redis: { url: r }, backends: { replay: 'redis' } });
 * // → { keys: 'postgres', clients: 'postgres', users: 'postgres', state: 'postgres', revocations: 'postgres', replay: 'redis', audit: 'postgres', events: 'postgres' }
 * ```
 */
export function resolveStorageBackends(config: StorageConfig): Record<StorageConcern, StorageBackend> {
  if (typeof config !== 'object' || config === null) configError('the configuration must be an object');
  const known = Object.keys(STORAGE_CAPABILITIES);
  const type = config.type ?? 'file';
  if (!known.includes(type)) configError(`type "${String(type)}" is not one of ${known.join(', ')}`);
  const overrides = config.backends ?? {};
  if (typeof overrides !== 'object' || overrides === null) configError('backends must be an object');
  for (const [concern, backend] of Object.entries(overrides)) {
    if (!CONCERNS.includes(concern as StorageConcern))
      configError(`backends.${concern}: unknown concern (one of ${CONCERNS.join(', ')})`);
    if (backend !== undefined && !known.includes(backend))
      configError(`backends.${concern}: "${String(backend)}" is not one of ${known.join(', ')}`);
  }
  const out = {} as Record<StorageConcern, StorageBackend>;
  for (const concern of CONCERNS) {
    const backend = overrides[concern] ?? type;
    if (!STORAGE_CAPABILITIES[backend].includes(concern)) {
      configError(
        `${overrides[concern] === undefined ? 'type' : `backends.${concern}`}: the ${backend} back-end cannot hold ${concern} (it holds ${STORAGE_CAPABILITIES[backend].join(', ')}); choose another for backends.${concern}`,
      );
    }
    out[concern] = backend;
  }
  const used = new Set(Object.values(out));
  if (used.has('file') && (typeof config.dataDir !== 'string' || config.dataDir === ''))
    configError('dataDir is required by the file back-end');
  if (used.has('postgres') && (typeof config.postgres?.url !== 'string' || config.postgres.url === ''))
    configError('postgres.url is required by the postgres back-end');
  if (used.has('redis') && (typeof config.redis?.url !== 'string' || config.redis.url === ''))
    configError('redis.url is required by the redis back-end');
  const max = config.postgres?.maxConnections;
  if (max !== undefined && (!Number.isInteger(max) || max < 1 || max > 1000))
    configError('postgres.maxConnections must be an integer from 1 to 1000');
  return out;
}

/**
 * Opens the storage the token service runs on (issue 3, "Storage"): `file` by default, or
 * PostgreSQL and Redis per concern. PostgreSQL tables are created (or migrated) on start; private
 * keys are sealed with the key-encryption key (`kek`, `TESSERA_KEK` or a generated `kek` file in
 * `dataDir`). Whatever fails on the way is closed again before the error is thrown.
 *
 * @example
 * ```ts
 * const storage = await createStorage({ dataDir: './.tessera' });
 * const shared = await createStorage({ type: 'postgres', postgres: { url: process.env.PG_URL! },
 *   redis: { url: 'redis://127.0.0.1:6379' }, backends: { revocations: 'redis', replay: 'redis', events: 'redis' } });
 * ```
 */
export async function createStorage(config: StorageConfig): Promise<Storage> {
  const backends = resolveStorageBackends(config);
  const clock = config.clock ?? Date.now;
  const env = config.env ?? process.env;
  const dataDir = config.dataDir === undefined ? undefined : resolve(config.dataDir);
  const used = new Set(Object.values(backends));
  const closers: Array<() => Promise<void>> = [];
  const own = <T extends Closable>(c: T): T => {
    closers.push(() => c.close());
    return c;
  };
  const closeAll = async () => {
    for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
  };

  try {
    if (used.has('file')) {
      await ensureDir(dataDir!);
      closers.push(await lockDataDir(dataDir!));
    }
    let pgCtx: PgContext | undefined;
    let pool: pg.Pool | undefined;
    if (used.has('postgres')) {
      const { Pool } = await loadPg();
      const p = new Pool({ connectionString: config.postgres!.url, max: config.postgres!.maxConnections ?? 10 });
      // An idle client that dies emits 'error' on the pool; unhandled, it would end the process.
      p.on('error', () => undefined);
      pool = p;
      closers.push(() => p.end());
      pgCtx = pgContext(p, config.postgres!.schema ?? 'tessera');
      await migratePostgres(pgCtx);
    }
    let redisCtx: RedisContext | undefined;
    let redis: Redis | undefined;
    if (used.has('redis')) {
      const r = await connectRedis(config.redis!.url);
      redis = r;
      closers.push(async () => {
        await r.quit().catch(() => r.disconnect());
      });
      redisCtx = redisContext(r, config.redis!.keyPrefix ?? 'tessera:');
    }

    let keys: KeyStore;
    const cipher = createKeyCipher(
      await resolveKek({
        kek: config.kek,
        env,
        dataDir,
        kekFile: config.kekFile,
        generate: backends.keys === 'file',
        warn: config.warn,
      }),
    );
    if (backends.keys === 'file') keys = own(await createFileKeyStore({ dataDir: dataDir!, cipher, clock }));
    else keys = createPostgresKeyStore({ pg: pgCtx!, cipher });

    const clients: ClientStore =
      backends.clients === 'file'
        ? own(await createFileClientStore({ dataDir: dataDir!, clock }))
        : createPostgresClientStore({ pg: pgCtx!, clock });

    const users: UserStore =
      backends.users === 'file'
        ? own(await createFileUserStore({ dataDir: dataDir!, clock }))
        : createPostgresUserStore({ pg: pgCtx!, clock });

    let state: StateStore;
    if (backends.state === 'file') state = own(await createFileStateStore({ dataDir: dataDir!, clock }));
    else if (backends.state === 'postgres') state = createPostgresStateStore({ pg: pgCtx!, clock });
    else state = createRedisStateStore({ redis: redisCtx!, clock });

    let revocations: RevocationStore;
    if (backends.revocations === 'file')
      revocations = own(await createFileRevocationStore({ dataDir: dataDir!, clock }));
    else if (backends.revocations === 'postgres') revocations = createPostgresRevocationStore({ pg: pgCtx!, clock });
    else revocations = createRedisRevocationStore({ redis: redisCtx!, clock });

    let replay: ReplayStore;
    if (backends.replay === 'file') replay = own(await createFileReplayStore({ dataDir: dataDir!, clock }));
    else if (backends.replay === 'postgres') replay = createPostgresReplayStore({ pg: pgCtx!, clock });
    else replay = createRedisReplayStore({ redis: redisCtx!, clock });

    const audit: AuditStore =
      backends.audit === 'file'
        ? own(await createFileAuditStore({ dataDir: dataDir!, clock }))
        : createPostgresAuditStore({ pg: pgCtx!, clock });

    let events: EventBus;
    if (backends.events === 'file') events = own(createMemoryEventBus({ channel: dataDir!, clock }));
    else if (backends.events === 'postgres')
      events = own(createPostgresEventBus({ pg: pgCtx!, url: config.postgres!.url, clock }));
    else events = own(createRedisEventBus({ redis: redisCtx!, clock }));

    let closing: Promise<void> | undefined;
    return {
      keys,
      clients,
      users,
      state,
      revocations,
      replay,
      audit,
      events,
      secrets: cipher,
      backends: Object.freeze({ ...backends }),
      async ping() {
        if (dataDir !== undefined && used.has('file')) {
          await access(dataDir, constants.W_OK).catch((err: unknown) => {
            throw tokenServiceErrors.create(
              'ERR_STORE_UNAVAILABLE',
              `the data directory ${dataDir} is not writable: ${(err as Error).message}`,
              { cause: err },
            );
          });
        }
        if (pool !== undefined)
          await pool.query('SELECT 1').catch((err: unknown) => {
            throw pgFailure(err, 'ping');
          });
        if (redis !== undefined) await run('ping', () => redis.ping());
      },
      close() {
        closing ??= closeAll();
        return closing;
      },
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
