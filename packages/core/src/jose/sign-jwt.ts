import { badSigningOption, prepareSigning, signingInput } from './internal/prepare-signing.js';
import { signBytes } from './internal/node-crypto.js';
import type { JwtSignerOptions } from './create-jwt-signer.js';
import type { JwtPayload, SigningKey } from './types.js';

/**
 * Options of {@link signJwt}: the same as {@link createJwtSigner}'s. Durations are seconds or
 * strings like `'15m'`, `'2h'`.
 *
 * @example
 * ```ts
 * const options: SignJwtOptions = { issuer: 'https://ts.example', audience: 'orders', expiresIn: '5m', typ: 'at+jwt' };
 * ```
 */
export type SignJwtOptions = JwtSignerOptions;

/**
 * Signs one JWT (RFC 7519) as a compact JWS (RFC 7515 §7.1), synchronously on node:crypto: the
 * same token `createJwtSigner(key, options).sign(payload)` gives. Registered claims given as
 * options override the same claims in `payload`; numeric dates are whole seconds. ECDSA
 * signatures are raw R‖S, RSA-PSS uses a salt as long as the hash. To sign many tokens with one
 * key, or off the event loop, use {@link createJwtSigner}.
 *
 * @example
 * ```ts
 * const { signingKey } = generateKey('ES256');
 * const token = signJwt({ scope: 'read' }, signingKey, { issuer: 'https://ts.example', audience: 'orders', subject: 'svc-a', expiresIn: '5m' });
 * ```
 */
export function signJwt(payload: JwtPayload, key: SigningKey, options: SignJwtOptions = {}): string {
  // The payload first, as before signers existed: a bad payload is reported before a bad key.
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    badSigningOption('payload must be a JSON object');
  // No signer object per call: the setup (key checks, cached header) is all a single token needs.
  const setup = prepareSigning(key, options);
  const input = signingInput(setup, payload);
  return `${input}.${signBytes(setup.key, Buffer.from(input)).toString('base64url')}`;
}
