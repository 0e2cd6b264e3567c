import type { StateStore } from '../storage/index.js';

/**
 * Remembers an access token issued to a login session (kind `access`, key: its `jti`, linked to
 * the user and the session) until it expires, so that the session's end, or a withdrawn consent,
 * can put it on the revocation feed (issue "People": "its access tokens' `jti` are published").
 *
 * @example
 * ```ts
 * await trackAccessToken(storage.state, { jti, iat, exp, userId, sid, clientId });
 * ```
 */
export async function trackAccessToken(
  state: StateStore,
  token: {
    readonly jti: string;
    /** Epoch seconds: when it was issued (the account page's "last active" of its session). */
    readonly iat: number;
    /** Epoch seconds. */
    readonly exp: number;
    readonly userId: string;
    readonly sid: string;
    readonly clientId: string;
  },
): Promise<void> {
  await state.put({
    kind: 'access',
    key: token.jti,
    data: { clientId: token.clientId, issuedAt: token.iat },
    expiresAt: token.exp * 1000,
    userId: token.userId,
    sid: token.sid,
  });
}
