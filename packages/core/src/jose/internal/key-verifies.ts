// Whether a key may verify a token of a given `alg`: the check `createVerifier` makes on every
// candidate key. `createKeyIndex` files keys for kid-less lookups by the same rule: change both.
import type { VerificationKey } from '../types.js';

/**
 * RFC 8725 §3.1: the key decides. A key's `alg` must equal the token's, with one exception: an
 * OKP Ed25519 key whose JWK named no `alg` (imported as `EdDSA`, `algInferred`) also verifies
 * `Ed25519` tokens, since RFC 9864 defines that name as exactly EdDSA on Ed25519 — the same
 * signature. A key that declares `alg: Ed25519` never verifies an `EdDSA` token, nor the reverse:
 * a declared binding is kept strictly, whichever name it declares.
 *
 * @example
 * ```ts
 * keyVerifies(importJwk({ kty: 'OKP', crv: 'Ed25519', x }), 'Ed25519'); // true: no alg declared
 * keyVerifies(importJwk({ kty: 'OKP', crv: 'Ed25519', x, alg: 'Ed25519' }), 'EdDSA'); // false
 * ```
 */
export function keyVerifies(key: VerificationKey, alg: string): boolean {
  return key.alg === alg || (alg === 'Ed25519' && key.alg === 'EdDSA' && key.algInferred === true);
}
