import { createHash } from 'node:crypto';
import { coreErrors } from '../errors/errors.js';
import type { Jwk } from './types.js';

// RFC 7638 §3.2: the required members of each key type, in lexicographic order (RFC 8037 §2 for OKP).
const REQUIRED: Readonly<Record<string, readonly string[]>> = Object.freeze(
  Object.assign(Object.create(null) as Record<string, readonly string[]>, {
    RSA: ['e', 'kty', 'n'],
    EC: ['crv', 'kty', 'x', 'y'],
    OKP: ['crv', 'kty', 'x'],
    oct: ['k', 'kty'],
  }),
);

/**
 * The RFC 7638 JWK thumbprint: base64url of the hash of the required members, serialized in
 * lexicographic order without whitespace. Tessera uses it (SHA-256) as the default `kid`.
 * Private members are ignored, so a private JWK and its public half have the same thumbprint.
 *
 * @example
 * ```ts
 * calculateJwkThumbprint({ kty: 'RSA', n: '0vx7...', e: 'AQAB' }); // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs'
 * ```
 */
export function calculateJwkThumbprint(jwk: Jwk, digest: 'sha256' | 'sha384' | 'sha512' = 'sha256'): string {
  if (typeof jwk !== 'object' || jwk === null) throw coreErrors.create('ERR_JWK_INVALID', 'JWK must be an object');
  const members = typeof jwk.kty === 'string' ? REQUIRED[jwk.kty] : undefined;
  if (members === undefined) throw coreErrors.create('ERR_JWK_INVALID', 'JWK kty must be RSA, EC, OKP or oct');
  let json = '{';
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string' || value.length === 0)
      throw coreErrors.create('ERR_JWK_INVALID', `JWK member ${name} is required for the thumbprint (RFC 7638 §3.2)`);
    json += `${json.length > 1 ? ',' : ''}${JSON.stringify(name)}:${JSON.stringify(value)}`;
  }
  return createHash(digest).update(`${json}}`).digest('base64url');
}
