import type { KeyObject } from 'node:crypto';
import { coreErrors } from '../errors/errors.js';
import { getAlgorithm } from './algorithms.js';
import { keyFacts, keyMismatch } from './internal/key-facts.js';
import { verifyBytes } from './internal/node-crypto.js';
import type { JwsAlgorithm } from './types.js';

/**
 * The raw JWS signature check (RFC 7515 §5.2 step 8) on node:crypto, synchronous.
 *
 * Returns whether `signature` is valid for `signingInput` (`BASE64URL(header) '.' BASE64URL(payload)`
 * as bytes) under `key`. Enforces what node:crypto leaves to the caller (RFC 8725 §3.1, §3.4):
 * the key must fit `alg` (type, EC curve, RSA ≥ 2048 bits), ECDSA signatures are raw R‖S of the
 * exact length (RFC 7518 §3.4), RSA signatures are exactly the modulus length (RFC 8017 §8.2.2),
 * RSA-PSS salt length equals the hash length (RFC 7518 §3.5), HMAC tags are the full hash length
 * and compared in constant time. The HMAC secret length is enforced when a key is imported
 * ({@link importJwk}), not here.
 *
 * A wrong signature returns `false`; an unknown `alg` (including `none`) or a key that does not fit
 * it throws `ERR_JWT_ALG_NOT_ALLOWED`.
 *
 * @example
 * ```ts
 * const ok = verifySignature('ES256', key.keyObject, Buffer.from(`${h}.${p}`), decodeBase64Url(s));
 * ```
 */
export function verifySignature(alg: JwsAlgorithm, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const spec = getAlgorithm(alg);
  if (spec === undefined)
    throw coreErrors.create('ERR_JWT_ALG_NOT_ALLOWED', `unsupported alg ${JSON.stringify(String(alg))}`);
  const facts = keyFacts(key);
  const mismatch = keyMismatch(spec, facts, false);
  if (mismatch !== undefined) throw coreErrors.create('ERR_JWT_ALG_NOT_ALLOWED', `key does not fit alg: ${mismatch}`);
  const expectedLength = spec.signatureLength ?? (facts.bits + 7) >>> 3;
  if (signature.length !== expectedLength) return false;
  return verifyBytes(spec, key, signingInput, signature);
}
