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
   * rejects an alg the key is not for), or, for a kid-less token, every key that may verify the
   * header's `alg` (Envoy tries each, see the jwt_authn vectors). `undefined` when nothing matches.
   */
  find(header: JwsHeader): readonly VerificationKey[] | undefined;
}

function add(map: Map<string, VerificationKey[]>, name: string, key: VerificationKey): void {
  const list = map.get(name);
  if (list) list.push(key);
  else map.set(name, [key]);
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
    if (key.kid !== undefined) add(byKid, key.kid, key);
    add(byAlg, key.alg, key);
    // An Ed25519 key without a declared `alg` also answers kid-less `Ed25519` tokens (RFC 9864;
    // the rule of internal/key-verifies.ts, which the verifier applies to every candidate).
    if (key.alg === 'EdDSA' && key.algInferred === true) add(byAlg, 'Ed25519', key);
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
