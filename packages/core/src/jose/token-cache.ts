import { coreErrors } from '../errors/errors.js';

/**
 * Options of {@link createTokenCache} (and of `createVerifier`'s `cache`).
 *
 * @example
 * ```ts
 * const cache: TokenCacheOptions = { max: 10_000, ttl: 60_000 };
 * ```
 */
export interface TokenCacheOptions {
  /** Most entries kept; the oldest are evicted first. Default 1000. */
  readonly max?: number;
  /** Longest time an entry is served, in milliseconds, whatever its `exp`. Default 600 000 (10 minutes). */
  readonly ttl?: number;
}

/**
 * A bounded cache of verification results keyed by the exact token string.
 *
 * @example
 * ```ts
 * const cache: TokenCache<VerifiedJwt> = createTokenCache();
 * ```
 */
export interface TokenCache<T> {
  /** The cached value when `now` (ms) lies in `[validFrom, expiresAt)`, else `undefined`. */
  get(token: string, now: number): T | undefined;
  /** Caches `value` from `validFrom` until `expiresAt` (ms), capped by the ttl. */
  set(token: string, value: T, validFrom: number, expiresAt: number, now: number): void;
  delete(token: string): void;
  clear(): void;
  readonly size: number;
}

interface Entry<T> {
  readonly value: T;
  readonly validFrom: number;
  readonly expiresAt: number;
}

/**
 * The verified-token cache behind `createVerifier` (one per verifier, so a result verified under one
 * set of options is never served to another). Keyed by the whole token string, so a hit needs the
 * exact bytes that were verified; an entry is never served at or after its `expiresAt` (the token's
 * `exp`), nor before its `validFrom` (`nbf`), by the injected clock. Eviction is in insertion order
 * (first in, first out) — cheap, and near enough to LRU for tokens that are reused for their
 * lifetime and then replaced.
 *
 * @example
 * ```ts
 * const cache = createTokenCache<VerifiedJwt>({ max: 5000 });
 * cache.set(token, result, nbf * 1000, exp * 1000, clock());
 * cache.get(token, clock());
 * ```
 */
export function createTokenCache<T>(options: TokenCacheOptions = {}): TokenCache<T> {
  const max = options.max ?? 1000;
  const ttl = options.ttl ?? 600_000;
  if (!Number.isInteger(max) || max < 1)
    throw coreErrors.create('ERR_CONFIG_INVALID', 'token cache max must be a positive integer');
  if (!Number.isFinite(ttl) || ttl <= 0)
    throw coreErrors.create('ERR_CONFIG_INVALID', 'token cache ttl must be a positive number of milliseconds');
  const entries = new Map<string, Entry<T>>();
  return {
    get(token, now) {
      const entry = entries.get(token);
      if (entry === undefined) return undefined;
      if (now >= entry.expiresAt) {
        entries.delete(token);
        return undefined;
      }
      return now >= entry.validFrom ? entry.value : undefined;
    },
    set(token, value, validFrom, expiresAt, now) {
      const until = Math.min(expiresAt, now + ttl);
      if (!(until > now)) return;
      if (entries.size >= max && !entries.has(token)) {
        // Map iterates in insertion order: the first key is the oldest entry.
        const oldest = entries.keys().next();
        if (!oldest.done) entries.delete(oldest.value);
      }
      entries.set(token, { value, validFrom, expiresAt: until });
    },
    delete(token) {
      entries.delete(token);
    },
    clear() {
      entries.clear();
    },
    get size() {
      return entries.size;
    },
  };
}
