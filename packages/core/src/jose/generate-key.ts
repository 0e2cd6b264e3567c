import { createSecretKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { coreErrors } from '../errors/errors.js';
import { getAlgorithm } from './algorithms.js';
import { calculateJwkThumbprint } from './jwk-thumbprint.js';
import { importJwk } from './import-jwk.js';
import type { Jwk, JwsAlgorithm, SigningKey, VerificationKey } from './types.js';

/**
 * HMAC algorithms: their generated keys have no public half.
 *
 * @example
 * ```ts
 * const alg: HmacAlgorithm = 'HS256';
 * ```
 */
export type HmacAlgorithm = 'HS256' | 'HS384' | 'HS512';

/**
 * Options of {@link generateKey}.
 *
 * @example
 * ```ts
 * const options: GenerateKeyOptions = { modulusLength: 3072, kid: 'rsa-1' };
 * ```
 */
export interface GenerateKeyOptions {
  /** RSA modulus length in bits (RS*, PS*); at least 2048, default 2048. */
  readonly modulusLength?: number;
  /** Key id; default the RFC 7638 SHA-256 thumbprint. */
  readonly kid?: string;
  /** JWK `use`; default `sig` (the only use Tessera accepts). */
  readonly use?: 'sig';
}

/**
 * A freshly generated key in every form callers need.
 *
 * @example
 * ```ts
 * const key: GeneratedKey<'ES256'> = generateKey('ES256');
 * const jwks = { keys: [key.publicJwk] };
 * ```
 */
export interface GeneratedKey<A extends JwsAlgorithm = JwsAlgorithm> {
  readonly alg: A;
  readonly kid: string;
  /** The private JWK (for HS*, the secret `oct` JWK). Keep it secret. */
  readonly privateJwk: Jwk;
  /** The public JWK to publish in a JWKS; `undefined` for HMAC secrets. */
  readonly publicJwk: A extends HmacAlgorithm ? undefined : Jwk;
  readonly signingKey: SigningKey;
  readonly verificationKey: VerificationKey;
}

/**
 * Generates a key for `alg`: RSA (RS*, PS*; 2048 bits unless `modulusLength` says more), EC on the
 * algorithm's curve (ES*), Ed25519 (`Ed25519`, RFC 9864; or the deprecated `EdDSA`) or a random
 * secret as long as the hash (HS*, RFC 7518 §3.2). The `kid` defaults to the RFC 7638 thumbprint
 * of the public key.
 *
 * @example
 * ```ts
 * const { signingKey, publicJwk } = generateKey('ES256');
 * const jwks = { keys: [publicJwk] };
 * ```
 */
export function generateKey<A extends JwsAlgorithm>(alg: A, options: GenerateKeyOptions = {}): GeneratedKey<A> {
  const spec = getAlgorithm(alg);
  if (spec === undefined)
    throw coreErrors.create('ERR_CONFIG_INVALID', `cannot generate a key for alg ${JSON.stringify(String(alg))}`);
  if (options.use !== undefined && options.use !== 'sig')
    throw coreErrors.create('ERR_CONFIG_INVALID', 'generated keys are signature keys (use "sig")');
  if (options.kid !== undefined && (typeof options.kid !== 'string' || options.kid.length === 0))
    throw coreErrors.create('ERR_CONFIG_INVALID', 'kid must be a non-empty string');
  let privateKey: KeyObject;
  switch (spec.family) {
    case 'RSASSA-PKCS1-v1_5':
    case 'RSASSA-PSS': {
      const modulusLength = options.modulusLength ?? 2048;
      if (!Number.isInteger(modulusLength) || modulusLength < 2048 || modulusLength > 16384) {
        throw coreErrors.create(
          'ERR_CONFIG_INVALID',
          'modulusLength must be an integer from 2048 to 16384 (RFC 7518 §3.3)',
        );
      }
      privateKey = generateKeyPairSync('rsa', { modulusLength, publicExponent: 0x10001 }).privateKey;
      break;
    }
    case 'ECDSA':
      privateKey = generateKeyPairSync('ec', { namedCurve: spec.namedCurve! }).privateKey;
      break;
    case 'EdDSA':
      privateKey = generateKeyPairSync('ed25519').privateKey;
      break;
    case 'HMAC':
      privateKey = createSecretKey(randomBytes(spec.hashLength));
      break;
  }
  const exported = privateKey.export({ format: 'jwk' }) as Jwk;
  const kid = options.kid ?? calculateJwkThumbprint(exported);
  const privateJwk: Jwk = { ...exported, kid, use: 'sig', alg: spec.alg };
  const signingKey: SigningKey = Object.freeze({ kid, alg: spec.alg, keyObject: privateKey });
  const verificationKey = importJwk(privateJwk);
  const publicJwk = spec.family === 'HMAC' ? undefined : { ...verificationKey.jwk };
  return Object.freeze({ alg, kid, privateJwk, publicJwk, signingKey, verificationKey }) as GeneratedKey<A>;
}
