import { coreErrors } from '../errors/errors.js';
import { isTesseraError } from '../errors/tessera-error.js';
import { importJwk } from './import-jwk.js';
import type { Jwk, VerificationKey } from './types.js';

/**
 * A key of a set that could not be used, and why.
 *
 * @example
 * ```ts
 * const onInvalidKey = (d: DroppedJwk) => log.warn({ index: d.index, kid: d.kid, reason: d.reason }, 'JWK dropped');
 * ```
 */
export interface DroppedJwk {
  /** Position in the set's `keys` array. */
  readonly index: number;
  readonly kid: string | undefined;
  readonly reason: string;
}

/**
 * What {@link importJwks} returns.
 *
 * @example
 * ```ts
 * const { keys, dropped }: ImportedJwks = importJwks(document);
 * ```
 */
export interface ImportedJwks {
  readonly keys: readonly VerificationKey[];
  readonly dropped: readonly DroppedJwk[];
}

/**
 * Options of {@link importJwks}.
 *
 * @example
 * ```ts
 * const options: ImportJwksOptions = { onInvalidKey: (d) => droppedKeys.inc() };
 * ```
 */
export interface ImportJwksOptions {
  /** Called once per key that is dropped (e.g. to log it); never receives key material. */
  readonly onInvalidKey?: (dropped: DroppedJwk) => void;
}

/**
 * Imports every usable key of a JWK Set (RFC 7517 §5). A bad key is dropped alone, with its reason
 * (weak, wrong curve, `use: "enc"`, unknown `kty`, …), so one bad entry never takes down the set.
 * The document itself must be an object with a `keys` array, else `ERR_JWKS_INVALID`. Used by
 * `createLocalJwks` and `createRemoteJwks`.
 *
 * @example
 * ```ts
 * const { keys, dropped } = importJwks(JSON.parse(body), { onInvalidKey: (d) => log.warn(d, 'JWK dropped') });
 * ```
 */
export function importJwks(jwks: unknown, options: ImportJwksOptions = {}): ImportedJwks {
  if (typeof jwks !== 'object' || jwks === null || !Array.isArray((jwks as { keys?: unknown }).keys)) {
    throw coreErrors.create('ERR_JWKS_INVALID', 'a JWKS must be a JSON object with a "keys" array (RFC 7517 §5)');
  }
  const keys: VerificationKey[] = [];
  const dropped: DroppedJwk[] = [];
  (jwks as { keys: unknown[] }).keys.forEach((jwk, index) => {
    const kid =
      typeof jwk === 'object' && jwk !== null && typeof (jwk as Jwk).kid === 'string'
        ? ((jwk as Jwk).kid as string)
        : undefined;
    try {
      keys.push(importJwk(jwk as Jwk));
    } catch (error) {
      if (!isTesseraError(error)) throw error;
      const entry: DroppedJwk = Object.freeze({ index, kid, reason: error.message });
      dropped.push(entry);
      options.onInvalidKey?.(entry);
    }
  });
  return Object.freeze({ keys: Object.freeze(keys), dropped: Object.freeze(dropped) });
}
