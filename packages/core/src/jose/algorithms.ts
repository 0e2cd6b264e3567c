import type { JwsAlgorithm } from './types.js';

/**
 * What each JWS algorithm requires of its key and signature (RFC 7518 §3, RFC 8037 §3.1, RFC 9864).
 *
 * @example
 * ```ts
 * const spec: AlgorithmSpec = ALGORITHMS.PS256; // spec.hashLength === 32, the PSS salt length
 * ```
 */
export interface AlgorithmSpec {
  readonly alg: JwsAlgorithm;
  /** RFC 7518 family. */
  readonly family: 'RSASSA-PKCS1-v1_5' | 'RSASSA-PSS' | 'ECDSA' | 'EdDSA' | 'HMAC';
  /** JWK `kty` of a key for this algorithm. */
  readonly kty: 'RSA' | 'EC' | 'OKP' | 'oct';
  /** node:crypto digest name; `undefined` for EdDSA (the hash is part of Ed25519). */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | undefined;
  /** Digest length in bytes (RSA-PSS salt length, HMAC minimum secret and tag length). */
  readonly hashLength: number;
  /** JWK `crv` for EC and OKP keys. */
  readonly crv: 'P-256' | 'P-384' | 'P-521' | 'Ed25519' | undefined;
  /** node:crypto `namedCurve` for EC keys. */
  readonly namedCurve: 'prime256v1' | 'secp384r1' | 'secp521r1' | undefined;
  /** Exact signature length in bytes where it is fixed (ECDSA R‖S, Ed25519, HMAC); RSA: the modulus length. */
  readonly signatureLength: number | undefined;
  /** Minimum key size in bits: RSA modulus (RFC 7518 §3.3), HMAC secret (§3.2), curve size otherwise. */
  readonly minKeyBits: number;
}

const rsa = (alg: JwsAlgorithm, family: 'RSASSA-PKCS1-v1_5' | 'RSASSA-PSS', bits: 256 | 384 | 512): AlgorithmSpec =>
  Object.freeze({
    alg,
    family,
    kty: 'RSA',
    hash: `sha${bits}`,
    hashLength: bits / 8,
    crv: undefined,
    namedCurve: undefined,
    signatureLength: undefined,
    minKeyBits: 2048,
  });
const ec = (
  alg: JwsAlgorithm,
  bits: 256 | 384 | 512,
  crv: 'P-256' | 'P-384' | 'P-521',
  namedCurve: 'prime256v1' | 'secp384r1' | 'secp521r1',
  size: number,
): AlgorithmSpec =>
  Object.freeze({
    alg,
    family: 'ECDSA',
    kty: 'EC',
    hash: `sha${bits}`,
    hashLength: bits / 8,
    crv,
    namedCurve,
    signatureLength: 2 * size,
    minKeyBits: crv === 'P-521' ? 521 : bits,
  });
// Ed25519 under either of its JWS names: the same key (OKP, crv Ed25519) and signature (RFC 8037 §3.1).
const ed25519 = (alg: 'EdDSA' | 'Ed25519'): AlgorithmSpec =>
  Object.freeze({
    alg,
    family: 'EdDSA',
    kty: 'OKP',
    hash: undefined,
    hashLength: 64,
    crv: 'Ed25519',
    namedCurve: undefined,
    signatureLength: 64,
    minKeyBits: 256,
  });
const hmac = (alg: JwsAlgorithm, bits: 256 | 384 | 512): AlgorithmSpec =>
  Object.freeze({
    alg,
    family: 'HMAC',
    kty: 'oct',
    hash: `sha${bits}`,
    hashLength: bits / 8,
    crv: undefined,
    namedCurve: undefined,
    signatureLength: bits / 8,
    minKeyBits: bits,
  });

/**
 * The algorithm table. A frozen object without a prototype, so `ALGORITHMS[header.alg]` can never
 * reach `constructor` or `__proto__`.
 *
 * @example
 * ```ts
 * ALGORITHMS.ES256.signatureLength; // 64
 * ```
 */
export const ALGORITHMS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = Object.freeze(
  Object.assign(Object.create(null) as Record<JwsAlgorithm, AlgorithmSpec>, {
    RS256: rsa('RS256', 'RSASSA-PKCS1-v1_5', 256),
    RS384: rsa('RS384', 'RSASSA-PKCS1-v1_5', 384),
    RS512: rsa('RS512', 'RSASSA-PKCS1-v1_5', 512),
    PS256: rsa('PS256', 'RSASSA-PSS', 256),
    PS384: rsa('PS384', 'RSASSA-PSS', 384),
    PS512: rsa('PS512', 'RSASSA-PSS', 512),
    ES256: ec('ES256', 256, 'P-256', 'prime256v1', 32),
    ES384: ec('ES384', 384, 'P-384', 'secp384r1', 48),
    ES512: ec('ES512', 512, 'P-521', 'secp521r1', 66),
    // RFC 8037's EdDSA names a family of curves; this table only ever accepts Ed25519 for it.
    // RFC 9864 deprecates the polymorphic name, so it stays here for verifying existing tokens.
    EdDSA: ed25519('EdDSA'),
    // RFC 9864: the fully-specified name, exactly EdDSA on Ed25519 (RFC 8032 §5.1).
    Ed25519: ed25519('Ed25519'),
    HS256: hmac('HS256', 256),
    HS384: hmac('HS384', 384),
    HS512: hmac('HS512', 512),
  }),
);

/**
 * Every algorithm Tessera signs and verifies, in a stable order.
 *
 * @example
 * ```ts
 * JWS_ALGORITHMS.includes('none' as JwsAlgorithm); // false
 * ```
 */
export const JWS_ALGORITHMS: readonly JwsAlgorithm[] = Object.freeze(Object.keys(ALGORITHMS) as JwsAlgorithm[]);

/**
 * True when `alg` names a supported JWS algorithm (case-sensitive, RFC 7515 §4.1.1; `none` is never one).
 *
 * @example
 * ```ts
 * isJwsAlgorithm('RS256'); // true
 * isJwsAlgorithm('none'); // false
 * ```
 */
export function isJwsAlgorithm(alg: unknown): alg is JwsAlgorithm {
  return typeof alg === 'string' && ALGORITHMS[alg as JwsAlgorithm] !== undefined;
}

/**
 * The table row for `alg`, or `undefined` for an unknown or unsupported name (including `none`).
 *
 * @example
 * ```ts
 * getAlgorithm('PS256')?.hashLength; // 32 — the RSA-PSS salt length
 * ```
 */
export function getAlgorithm(alg: unknown): AlgorithmSpec | undefined {
  return typeof alg === 'string' ? ALGORITHMS[alg as JwsAlgorithm] : undefined;
}
