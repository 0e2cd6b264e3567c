import { coreErrors } from '../errors/errors.js';
import { toPublicJwk } from './export-jwk.js';
import type { Jwks, SigningKey, VerificationKey } from './types.js';

/**
 * A publishable JWK Set (RFC 7517 §5) of the public halves of `keys`: public members plus `kid`,
 * `use: "sig"` and `alg`, never a private member. HMAC keys have no public half and throw
 * `ERR_JWK_INVALID` (a JWKS is public). Two keys with the same `kid` and `alg` throw too, since a
 * verifier could not tell them apart.
 *
 * @example
 * ```ts
 * const jwks = exportJwks([active.signingKey, next.signingKey]);
 * res.end(JSON.stringify(jwks));
 * ```
 */
export function exportJwks(keys: readonly (SigningKey | VerificationKey)[]): Jwks {
  const seen = new Set<string>();
  return {
    keys: keys.map((key) => {
      if (key.kid !== undefined) {
        const id = `${key.alg} ${key.kid}`;
        if (seen.has(id))
          throw coreErrors.create(
            'ERR_JWK_INVALID',
            `two keys share kid ${JSON.stringify(key.kid)} and alg ${key.alg}`,
          );
        seen.add(id);
      }
      return toPublicJwk(key);
    }),
  };
}
