import { randomBytes } from 'node:crypto';
import type { StateStore } from '../storage/index.js';
import { codeKey } from './issued-code.js';

/** What a refresh token stands for, as stored (under the SHA-256 of the token). */
export interface RefreshGrant {
  readonly clientId: string;
  readonly userId: string;
  readonly sid: string;
  readonly scope: readonly string[];
  readonly audience: string;
  /** Epoch seconds of the login. */
  readonly authTime: number;
  readonly amr: readonly string[];
  /** `offline_access` was granted: the token outlives the session (OpenID Connect Core §11). */
  readonly offline: boolean;
  /** Epoch ms after which no token of this family is valid, however recently used. */
  readonly absoluteExpiresAt: number;
}

/**
 * Issues a refresh token of family `familyId`: opaque (32 random bytes), stored hashed, valid until
 * `idleSeconds` from now or the family's absolute end, whichever comes first.
 *
 * @example
 * ```ts
 * const refreshToken = await issueRefreshToken(storage.state, grant, familyId, { now, idleSeconds: 86400 });
 * ```
 */
export async function issueRefreshToken(
  state: StateStore,
  grant: RefreshGrant,
  familyId: string,
  options: { readonly now: number; readonly idleSeconds: number },
): Promise<string> {
  const token = randomBytes(32).toString('base64url');
  await state.put({
    kind: 'refresh',
    key: codeKey(token),
    data: grant as unknown as Record<string, unknown>,
    expiresAt: Math.min(options.now + options.idleSeconds * 1000, grant.absoluteExpiresAt),
    userId: grant.userId,
    sid: grant.sid,
    familyId,
  });
  return token;
}
