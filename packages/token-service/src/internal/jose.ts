// The token service's only door to JOSE primitives. Everything that signs, generates or converts
// keys goes through here, so the service depends on one small surface (and on @tessera/core's
// contract types), and signing stays a synchronous `crypto.sign` with a KeyObject prepared once.
import { sign as cryptoSign, constants } from 'node:crypto';
import {
  calculateJwkThumbprint,
  generateKey,
  importJwk,
  importSigningKey,
  type Jwk,
  type JwsAlgorithm,
  type JwtPayload,
  type SigningKey,
  type VerificationKey,
} from '@tessera/core';

/** Algorithms the key ring signs with (issue 3: RS256 default; ES256, EdDSA, PS256). */
export type RingAlgorithm = 'RS256' | 'PS256' | 'ES256' | 'EdDSA';

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

/** A precompiled signer: the header segment is encoded once per key (hot path: one JSON.stringify + one crypto.sign). */
export interface CompactSigner {
  readonly kid: string;
  readonly alg: JwsAlgorithm;
  sign(payload: JwtPayload): string;
  /**
   * The same token, signed on libuv's thread pool (`crypto.sign` with a callback). An RS256
   * signature costs ~250 µs of CPU; off the event loop, signatures run on every core while the main
   * thread keeps parsing requests, so a token server is not capped at one core's signing rate.
   */
  signAsync(payload: JwtPayload): Promise<string>;
}

/**
 * Creates a {@link CompactSigner} for `key` with the given `typ` (RFC 9068 §2.1: `at+jwt`).
 *
 * @example
 * ```ts
 * const token = createCompactSigner(signingKey, 'at+jwt').sign({ sub: 'svc-a' });
 * ```
 */
export function createCompactSigner(key: SigningKey, typ: string): CompactSigner {
  const kid = key.kid ?? '';
  const header = Buffer.from(JSON.stringify({ alg: key.alg, kid, typ })).toString('base64url');
  const digest = key.alg === 'EdDSA' ? null : `sha${key.alg.slice(2)}`;
  const signKey = key.alg.startsWith('PS')
    ? { key: key.keyObject, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: Number(key.alg.slice(2)) / 8 }
    : key.alg.startsWith('ES')
      ? { key: key.keyObject, dsaEncoding: 'ieee-p1363' as const }
      : key.keyObject;
  return {
    kid,
    alg: key.alg,
    sign(payload) {
      const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return `${input}.${cryptoSign(digest, Buffer.from(input), signKey).toString('base64url')}`;
    },
    signAsync(payload) {
      const input = `${header}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}`;
      return new Promise((resolve, reject) => {
        cryptoSign(digest, Buffer.from(input), signKey, (error, signature) =>
          error ? reject(error) : resolve(`${input}.${signature.toString('base64url')}`),
        );
      });
    },
  };
}

/**
 * Imports a client's public JWKS for `private_key_jwt`: asymmetric keys only, each bound to its `alg` or the kty default.
 *
 * @example
 * ```ts
 * const keys = importClientJwks(client.jwks);
 * ```
 */
export function importClientJwks(jwks: { readonly keys: readonly Jwk[] }): VerificationKey[] {
  const out: VerificationKey[] = [];
  for (const jwk of jwks.keys) {
    const alg = (jwk.alg ??
      (jwk.kty === 'RSA'
        ? 'RS256'
        : jwk.kty === 'EC' && jwk.crv === 'P-256'
          ? 'ES256'
          : jwk.kty === 'OKP' && jwk.crv === 'Ed25519'
            ? 'EdDSA'
            : undefined)) as JwsAlgorithm | undefined;
    if (alg === undefined || !['RS256', 'PS256', 'ES256', 'EdDSA'].includes(alg)) continue;
    if (jwk.d !== undefined) continue; // never accept private material as a client's public key
    try {
      const key = toVerificationKey(jwk, alg, typeof jwk.kid === 'string' ? jwk.kid : jwkThumbprint(jwk));
      if (key.keyObject.asymmetricKeyType === 'rsa' && (key.keyObject.asymmetricKeyDetails?.modulusLength ?? 0) < 2048)
        continue;
      out.push(key);
    } catch {
      // an unusable key in a client JWKS is skipped, not fatal
    }
  }
  return out;
}
