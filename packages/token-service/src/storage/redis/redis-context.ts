// Shared Redis plumbing: connecting, key-prefix checks and error mapping.
import type { Redis } from 'ioredis';
import { isTesseraError } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { loadIoredis } from '../internal/load-driver.js';

/** Key prefixes Tessera accepts (they also name the pub/sub channel). */
export const PREFIX_PATTERN = /^[A-Za-z0-9:_.-]{1,64}$/;

/** What every Redis store is built from. */
export interface RedisContext {
  readonly client: Redis;
  /** Validated key prefix, e.g. `tessera:`. */
  readonly prefix: string;
}

/** Checks the prefix and builds the context. */
export function redisContext(client: Redis, prefix: string): RedisContext {
  if (typeof prefix !== 'string' || !PREFIX_PATTERN.test(prefix)) {
    throw tokenServiceErrors.create(
      'ERR_STORE_CONFIG_INVALID',
      `redis keyPrefix "${String(prefix)}" must match ${PREFIX_PATTERN}`,
    );
  }
  return { client, prefix };
}

/** Maps a client error to ERR_STORE_UNAVAILABLE (TesseraErrors pass through). */
export function redisFailure(err: unknown, what: string): Error {
  if (isTesseraError(err)) return err;
  return tokenServiceErrors.create(
    'ERR_STORE_UNAVAILABLE',
    `redis: ${what} failed: ${(err as Error)?.message ?? String(err)}`,
    { cause: err },
  );
}

/** Runs a command, mapping failures. */
export async function run<T>(what: string, command: () => Promise<T>): Promise<T> {
  try {
    return await command();
  } catch (err) {
    throw redisFailure(err, what);
  }
}

/**
 * Opens a connection and waits until it is ready. Commands fail fast (one retry, no offline queue
 * once connected) so a Redis outage surfaces as ERR_STORE_UNAVAILABLE rather than a hang.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const { Redis } = await loadIoredis();
  let client: Redis;
  try {
    client = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 1,
      connectTimeout: 5000,
      enableOfflineQueue: true,
    });
  } catch (err) {
    throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', `redis url is invalid: ${(err as Error).message}`, {
      cause: err,
    });
  }
  // Without a listener ioredis reports connection errors on stderr as unhandled; the commands that
  // fail carry the error to the caller instead.
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (err) {
    client.disconnect();
    throw redisFailure(err, `connecting to ${safeUrl(url)}`);
  }
  return client;
}

/** The URL without credentials, for messages. */
export function safeUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString();
  } catch {
    return '(unparseable url)';
  }
}
