import { createHash, randomUUID } from 'node:crypto';
import type { JwtPayload } from '@tessera/core';
import type { RingSigner } from '../keys/create-key-ring.js';
import type { StoredUser } from '../storage/index.js';

/** What an ID token says (OpenID Connect Core §2, §3.1.3.6). */
export interface IdTokenRequest {
  readonly issuer: string;
  readonly user: StoredUser;
  readonly clientId: string;
  readonly scope: readonly string[];
  /** Epoch seconds of the login. */
  readonly authTime: number;
  readonly sid: string;
  readonly amr: readonly string[];
  readonly nonce?: string;
  /** The access token issued beside it: its `at_hash`. */
  readonly accessToken?: string;
  readonly lifetimeSeconds: number;
  /** Epoch seconds. */
  readonly now: number;
}

/** The OpenID Connect standard claims `profile` releases (Core §5.4), from the user's profile. */
const PROFILE_CLAIMS = [
  'name',
  'family_name',
  'given_name',
  'middle_name',
  'nickname',
  'preferred_username',
  'profile',
  'picture',
  'website',
  'gender',
  'birthdate',
  'zoneinfo',
  'locale',
];

/**
 * The claims a scope releases about a user (Core §5.4): `profile` the profile claims (and
 * `preferred_username`, the username, unless the profile sets it), `email` the address and whether
 * it is verified. For the ID token and the userinfo endpoint alike.
 *
 * @example
 * ```ts
 * userClaims(user, ['openid', 'email']); // { email: 'alice@example.test', email_verified: false }
 * ```
 */
export function userClaims(user: StoredUser, scope: readonly string[]): Record<string, unknown> {
  const claims: Record<string, unknown> = {};
  if (scope.includes('profile')) {
    claims['preferred_username'] = user.username;
    for (const name of PROFILE_CLAIMS) if (user.profile[name] !== undefined) claims[name] = user.profile[name];
    claims['updated_at'] = Math.floor(user.updatedAt / 1000);
  }
  if (scope.includes('email') && user.email !== undefined) {
    claims['email'] = user.email;
    claims['email_verified'] = user.emailVerified === true;
  }
  return claims;
}

/**
 * `at_hash` (Core §3.1.3.6): the left half of the hash of the access token's ASCII, base64url; the
 * hash of the ID token's `alg` (SHA-256 for RS256, ES256, PS256; SHA-512 for EdDSA).
 *
 * @example
 * ```ts
 * atHash(accessToken, 'RS256');
 * ```
 */
export function atHash(accessToken: string, alg: string): string {
  const bits = /(384)$/.test(alg)
    ? 'sha384'
    : /(512)$/.test(alg) || alg === 'EdDSA' || alg === 'Ed25519'
      ? 'sha512'
      : 'sha256';
  const digest = createHash(bits).update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/**
 * The authentication context class of a login (OpenID Connect Core §2 `acr`), from its methods
 * (RFC 8176 `amr`): `"2"` when more than one factor was used (`mfa`), else `"1"` (one factor: a
 * password). Discovery lists both in `acr_values_supported`.
 *
 * @example
 * ```ts
 * acrOf(['pwd']); // '1'
 * ```
 */
export function acrOf(amr: readonly string[]): '1' | '2' {
  return amr.includes('mfa') ? '2' : '1';
}

/**
 * Signs an ID token with the ring's active key (`typ: JWT`): `iss`, `sub` (the user id), `aud`
 * (the client), `azp`, `exp`, `iat`, `auth_time`, `sid`, `amr`, `acr` ({@link acrOf}), `nonce`
 * when the request had one, `at_hash` of the access token beside it, and the claims the scopes release.
 *
 * @example
 * ```ts
 * const idToken = await createIdToken(keyRing.signer(), { issuer, user, clientId, scope, authTime, sid, amr, nonce, accessToken, lifetimeSeconds: 300, now });
 * ```
 */
export function createIdToken(signer: RingSigner, request: IdTokenRequest): Promise<string> {
  const payload: JwtPayload = {
    iss: request.issuer,
    sub: request.user.userId,
    aud: request.clientId,
    azp: request.clientId,
    exp: request.now + request.lifetimeSeconds,
    iat: request.now,
    jti: randomUUID(),
    auth_time: request.authTime,
    sid: request.sid,
    amr: [...request.amr],
    acr: acrOf(request.amr),
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    ...(request.accessToken === undefined ? {} : { at_hash: atHash(request.accessToken, signer.alg) }),
    ...userClaims(request.user, request.scope),
  };
  return signer.signJwtAsync(payload);
}
