import { KeyObject, createPublicKey } from 'node:crypto';
import { coreErrors } from '../errors/errors.js';
import { importJwk } from './import-jwk.js';
import type { Jwk, JwsAlgorithm, SigningKey, VerificationKey } from './types.js';

function exportKeyObject(key: KeyObject): Jwk {
  try {
    return key.export({ format: 'jwk' }) as Jwk;
  } catch (error) {
    throw coreErrors.create('ERR_JWK_INVALID', `key cannot be exported as JWK: ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/**
 * Exports a key as a JWK. A `VerificationKey` gives its public JWK; a `SigningKey` gives the
 * private JWK (with `kid`, `alg`, `use: "sig"`) — keep that one secret; a bare `KeyObject` gives
 * what node:crypto exports. Use {@link toPublicJwk} to publish a key.
 *
 * @example
 * ```ts
 * const privateJwk = exportJwk(signingKey);
 * ```
 */
export function exportJwk(key: KeyObject | VerificationKey | SigningKey): Jwk {
  if (key instanceof KeyObject) return exportKeyObject(key);
  if ('jwk' in key) return { ...key.jwk };
  const jwk = exportKeyObject(key.keyObject);
  return { ...jwk, ...(key.kid === undefined ? {} : { kid: key.kid }), use: 'sig', alg: key.alg };
}

/**
 * The public JWK of a signing key (or of a private JWK), ready for a JWKS: public members plus
 * `kid`, `use: "sig"` and `alg`. HMAC secrets have no public half and throw `ERR_JWK_INVALID`.
 *
 * @example
 * ```ts
 * const jwks = { keys: [toPublicJwk(signingKey)] };
 * ```
 */
export function toPublicJwk(
  key: SigningKey | { readonly keyObject: KeyObject; readonly alg: JwsAlgorithm; readonly kid?: string | undefined },
): Jwk {
  if (key.keyObject.type === 'secret') throw coreErrors.create('ERR_JWK_INVALID', 'an HMAC secret has no public JWK');
  const jwk = exportKeyObject(key.keyObject.type === 'private' ? createPublicKey(key.keyObject) : key.keyObject);
  return { ...importJwk({ ...jwk, alg: key.alg }, key.kid === undefined ? {} : { kid: key.kid }).jwk };
}
