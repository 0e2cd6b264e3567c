import type { StateStore } from '../storage/index.js';

/**
 * Remembers an access token issued to a login session (kind `access`, key: its `jti`, linked to
 * the user and the session) until it expires, so that the session's end, or a withdrawn consent,
 * can put it on the revocation feed (issue "People": "its access tokens' `jti` are published").
 *
 * @example
 * ```ts
 * await trackAccessToken(storage.state, { jti, exp, userId, sid, clientId });
 * ```
 */
export async function trackAccessToken(
  state: StateStore,
  token: {
    readonly jti: string;
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
    data: { clientId: token.clientId },
    expiresAt: token.exp * 1000,
    userId: token.userId,
    sid: token.sid,
  });
}
