// The token service's door to JOSE key handling: generating, converting and importing keys through
// @tessera/core. Signing itself is core's `createJwtSigner` (one algorithm table, one set of key
// checks), which callers use directly.
import {
  calculateJwkThumbprint,
  generateKey,
  importJwk,
  importSigningKey,
  type Jwk,
  type JwsAlgorithm,
  type SigningKey,
  type VerificationKey,
} from '@tessera/core';

/**
 * Algorithms the token service signs and accepts signatures with: RS256 (the default), PS256, ES256,
 * and Ed25519 twice over: `Ed25519` is RFC 9864's fully-specified name, `EdDSA` the polymorphic one
 * it deprecates, kept so existing keys and clients go on working.
 */
export const RING_ALGORITHMS = ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'] as const;

/** One of {@link RING_ALGORITHMS}. */
export type RingAlgorithm = (typeof RING_ALGORITHMS)[number];

/** A freshly generated key pair as JWKs (private includes the public members). */
export interface GeneratedKeyPair {
  readonly kid: string;
  readonly alg: RingAlgorithm;
  readonly privateJwk: Jwk;
  readonly publicJwk: Jwk;
}

/**
 * Generates a key pair for `alg` with core's `generateKey`; the kid defaults to the RFC 7638 thumbprint.
 *
 * @example
 * ```ts
 * const { kid, privateJwk, publicJwk } = generateKeyPairJwk('ES256');
 * ```
 */
export function generateKeyPairJwk(alg: RingAlgorithm, kid?: string): GeneratedKeyPair {
  const key = generateKey(alg, kid === undefined ? {} : { kid });
  return {
    kid: key.kid,
    alg,
    privateJwk: { ...key.privateJwk, kid: key.kid, alg, use: 'sig' },
    publicJwk: { ...key.publicJwk, kid: key.kid },
  };
}

/**
 * RFC 7638 thumbprint (SHA-256, base64url).
 *
 * @example
 * ```ts
 * const kid = jwkThumbprint(publicJwk);
 * ```
 */
export function jwkThumbprint(jwk: Jwk): string {
  return calculateJwkThumbprint(jwk);
}

/**
 * Builds a signing key from a private JWK, bound to one algorithm (core checks key strength and fit).
 *
 * @example
 * ```ts
 * const key = toSigningKey(record.privateJwk, 'RS256', record.kid);
 * ```
 */
export function toSigningKey(privateJwk: Jwk, alg: JwsAlgorithm, kid: string): SigningKey {
  return importSigningKey(privateJwk, alg, { kid });
}

/**
 * Builds a verification key from a public JWK, bound to one algorithm.
 *
 * @example
 * ```ts
 * const key = toVerificationKey(record.publicJwk, 'RS256', record.kid);
 * ```
 */
export function toVerificationKey(publicJwk: Jwk, alg: JwsAlgorithm, kid: string): VerificationKey {
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...publicOnly } = publicJwk;
  return importJwk({ ...publicOnly, alg }, { alg, kid });
}

/**
 * Imports a client's public JWKS for `private_key_jwt`: asymmetric keys of the ring's algorithms only, each bound to its `alg` or the kty default.
 *
 * @example
 * ```ts
 * const keys = importClientJwks(client.jwks);
 * ```
 */
export function importClientJwks(jwks: { readonly keys: readonly Jwk[] }): VerificationKey[] {
  const out: VerificationKey[] = [];
  for (const jwk of jwks.keys) {
    if (jwk.d !== undefined) continue; // never accept private material as a client's public key
    try {
      // Core binds each key to one algorithm: its `alg`, or the one its type implies (RSA: RS256,
      // P-256: ES256; an Ed25519 key without `alg` answers to EdDSA and Ed25519, RFC 9864), and
      // refuses weak keys (RSA under 2048 bits).
      const key = importJwk(jwk, { kid: typeof jwk.kid === 'string' ? jwk.kid : jwkThumbprint(jwk) });
      if ((RING_ALGORITHMS as readonly string[]).includes(key.alg)) out.push(key);
    } catch {
      // an unusable key in a client JWKS is skipped, not fatal
    }
  }
  return out;
}
