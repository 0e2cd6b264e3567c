import { KeyObject, createPublicKey } from 'node:crypto';
import { coreErrors } from '../errors/errors.js';
import { importJwk } from './import-jwk.js';
import type { Jwk, JwsAlgorithm, SigningKey, VerificationKey } from './types.js';

/**
 * Imports a PEM public key (SPKI, or PKCS#1 RSA) for verification, bound to `alg`. A PEM private
 * key is accepted too and only its public half is kept. Same rules as {@link importJwk}.
 *
 * @example
 * ```ts
 * const key = importPem(readFileSync('issuer.pub.pem', 'utf8'), 'RS256', { kid: 'k1' });
 * ```
 */
export function importPem(pem: string, alg: JwsAlgorithm, options: { readonly kid?: string } = {}): VerificationKey {
  if (typeof pem !== 'string' || !pem.includes('-----BEGIN'))
    throw coreErrors.create('ERR_JWK_INVALID', 'not a PEM key');
  let jwk: Jwk;
  try {
    jwk = createPublicKey(pem).export({ format: 'jwk' }) as Jwk;
  } catch (error) {
    throw coreErrors.create('ERR_JWK_INVALID', `PEM key cannot be imported: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return importJwk(jwk, { alg, ...(options.kid === undefined ? {} : { kid: options.kid }) });
}

/**
 * Exports a key as PEM: private keys as PKCS#8, public keys as SPKI. HMAC secrets have no PEM form.
 *
 * @example
 * ```ts
 * writeFileSync('key.pem', exportPem(signingKey), { mode: 0o600 });
 * ```
 */
export function exportPem(key: KeyObject | VerificationKey | SigningKey): string {
  const keyObject = key instanceof KeyObject ? key : key.keyObject;
  if (keyObject.type === 'secret') throw coreErrors.create('ERR_JWK_INVALID', 'an HMAC secret has no PEM form');
  return keyObject.type === 'private'
    ? (keyObject.export({ format: 'pem', type: 'pkcs8' }) as string)
    : (keyObject.export({ format: 'pem', type: 'spki' }) as string);
}
