import { readFileSync } from 'node:fs';
import { coreErrors } from '../errors/errors.js';
import { importJwks, type DroppedJwk, type ImportJwksOptions } from './import-jwks.js';
import { createKeyIndex } from './key-index.js';
import type { Jwks, JwsHeader, KeySource, VerificationKey } from './types.js';

/**
 * A key source over a fixed set of keys.
 *
 * @example
 * ```ts
 * const local: LocalJwks = createLocalJwks(jwks);
 * if (local.dropped.length > 0) log.warn({ dropped: local.dropped }, 'some keys were dropped');
 * ```
 */
export interface LocalJwks extends KeySource {
  readonly keys: readonly VerificationKey[];
  /** Keys of the set that were dropped, with the reason. */
  readonly dropped: readonly DroppedJwk[];
  getKeys(header: JwsHeader): readonly VerificationKey[];
}

/**
 * A {@link KeySource} over a JWKS given inline, read from a file (`{ path }`, read once, now), or
 * over keys already imported. Bad keys are dropped alone (see `dropped` and `onInvalidKey`); a set
 * with no usable key at all is still accepted (every token then fails with
 * `ERR_JWKS_NO_MATCHING_KEY`), but a document without a `keys` array throws `ERR_JWKS_INVALID`.
 * Answers synchronously, so verification with it never awaits.
 *
 * @example
 * ```ts
 * const keys = createLocalJwks({ path: '/etc/tessera/jwks.json' });
 * const verifier = createVerifier({ issuer: 'https://ts.example', audience: 'orders', keys });
 * ```
 */
export function createLocalJwks(
  source: Jwks | { readonly path: string } | readonly VerificationKey[],
  options: ImportJwksOptions = {},
): LocalJwks {
  let keys: readonly VerificationKey[];
  let dropped: readonly DroppedJwk[] = [];
  if (Array.isArray(source)) {
    // Typed again: Array.isArray narrows the readonly array to any[].
    const array: readonly VerificationKey[] = source;
    for (const key of array) {
      if (typeof key !== 'object' || key === null || typeof key.alg !== 'string' || key.keyObject === undefined) {
        throw coreErrors.create(
          'ERR_CONFIG_INVALID',
          'createLocalJwks: an array must hold imported VerificationKeys (see importJwk)',
        );
      }
    }
    keys = array;
  } else {
    let document: unknown = source;
    if (typeof source === 'object' && source !== null && typeof (source as { path?: unknown }).path === 'string') {
      const path = (source as { path: string }).path;
      try {
        document = JSON.parse(readFileSync(path, 'utf8'));
      } catch (error) {
        throw coreErrors.create('ERR_JWKS_INVALID', `cannot read a JWKS from ${path}: ${(error as Error).message}`, {
          cause: error,
        });
      }
    }
    ({ keys, dropped } = importJwks(document, options));
  }
  const index = createKeyIndex(keys);
  return Object.freeze({
    keys: index.keys,
    dropped,
    getKeys(header: JwsHeader): readonly VerificationKey[] {
      const found = index.find(header);
      if (found === undefined) {
        throw coreErrors.create(
          'ERR_JWKS_NO_MATCHING_KEY',
          header.kid === undefined
            ? `no key for alg ${String(header.alg)}`
            : `no key with kid ${JSON.stringify(String(header.kid).slice(0, 64))}`,
        );
      }
      return found;
    },
  });
}
