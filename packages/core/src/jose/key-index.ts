import type { JwsHeader, VerificationKey } from './types.js';

/**
 * Keys indexed for the verify hot path.
 *
 * @example
 * ```ts
 * const index: KeyIndex = createKeyIndex(keys);
 * index.find({ alg: 'ES256', kid: 'k1' });
 * ```
 */
export interface KeyIndex {
  readonly keys: readonly VerificationKey[];
  /**
   * Candidates for a header: the keys whose `kid` equals the header's (any alg — the verifier then
   * rejects an alg the key is not for), or, for a kid-less token, every key bound to the header's
   * `alg` (Envoy tries each, see the jwt_authn vectors). `undefined` when nothing matches.
   */
  find(header: JwsHeader): readonly VerificationKey[] | undefined;
}

/**
 * Builds a {@link KeyIndex}: two maps, built once, so a lookup is one `Map.get`.
 *
 * @example
 * ```ts
 * const index = createKeyIndex(importJwks(jwks).keys);
 * const candidates = index.find({ alg: 'RS256', kid: 'k1' });
 * ```
 */
export function createKeyIndex(keys: readonly VerificationKey[]): KeyIndex {
  const byKid = new Map<string, VerificationKey[]>();
  const byAlg = new Map<string, VerificationKey[]>();
  for (const key of keys) {
    if (key.kid !== undefined) {
      const list = byKid.get(key.kid);
      if (list) list.push(key);
      else byKid.set(key.kid, [key]);
    }
    const list = byAlg.get(key.alg);
    if (list) list.push(key);
    else byAlg.set(key.alg, [key]);
  }
  const frozen = Object.freeze([...keys]);
  return Object.freeze({
    keys: frozen,
    find(header: JwsHeader): readonly VerificationKey[] | undefined {
      const kid = header.kid;
      return typeof kid === 'string' ? byKid.get(kid) : kid === undefined ? byAlg.get(header.alg) : undefined;
    },
  });
}
