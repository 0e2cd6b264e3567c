import type { Clock } from '@tessera/core';
import type { TokenServiceConfig } from '../../config/load-config.js';
import { createStorage, type Storage, type StorageConfig } from '../../storage/index.js';

/**
 * Opens the storage the `storage` block of the configuration describes. The block is loose (other
 * members go to the back-end as they are); its `url` is the postgres or redis connection URL,
 * depending on `type` (so `TESSERA_STORAGE_URL` needs no per-back-end variable).
 *
 * @example
 * ```ts
 * const storage = await openStorage(config.storage, { clock, env: process.env });
 * ```
 */
export function openStorage(
  storage: TokenServiceConfig['storage'],
  options: {
    readonly clock: Clock;
    readonly env: Readonly<Record<string, string | undefined>>;
    readonly warn?: StorageConfig['warn'];
  },
): Promise<Storage> {
  const { type, dataDir, url, ...rest } = storage as {
    type: StorageConfig['type'];
    dataDir: string;
    url?: string;
    postgres?: Record<string, unknown>;
    redis?: Record<string, unknown>;
  } & Record<string, unknown>;
  return createStorage({
    ...(rest as Partial<StorageConfig>),
    type,
    dataDir,
    clock: options.clock,
    env: options.env,
    ...(options.warn === undefined ? {} : { warn: options.warn }),
    // `url` names the connection only: the back-end's other settings (schema, keyPrefix) stay.
    ...(typeof url === 'string' && type === 'postgres' ? { postgres: { ...rest.postgres, url } } : {}),
    ...(typeof url === 'string' && type === 'redis' ? { redis: { ...rest.redis, url } } : {}),
  });
}
