import type { ServiceContext } from '../http/service-context.js';
import { revokeAndPublish } from '../tokens/revoke-and-publish.js';
import { forgetConsent } from './consent.js';

/**
 * Withdraws a user's consent to a client, and what the consent gave: the client's refresh tokens
 * for this user (offline ones too) and its access tokens still tracked for the user's sessions,
 * revoked on the feed. The next authorization request asks again. Audited as `consent.revoked`.
 * False when there was no consent and nothing issued under one.
 *
 * @example
 * ```ts
 * await revokeConsent(ctx, userId, 'partner-app', 'admin');
 * ```
 */
export async function revokeConsent(
  ctx: ServiceContext,
  userId: string,
  clientId: string,
  actor: string,
): Promise<boolean> {
  const state = ctx.storage.state;
  const forgotten = await forgetConsent(state, userId, clientId);
  let refreshTokens = 0;
  for (const token of await state.find('refresh', { userId }))
    if (token.data['clientId'] === clientId && (await state.delete('refresh', token.key))) refreshTokens += 1;
  let accessTokens = 0;
  for (const token of await state.find('access', { userId })) {
    if (token.data['clientId'] !== clientId) continue;
    const family = await revokeAndPublish(
      { revocations: ctx.storage.revocations, events: ctx.storage.events, logger: ctx.logger },
      { root: { jti: token.key, exp: token.expiresAt }, clientId },
    );
    accessTokens += family.added.length;
    await state.delete('access', token.key);
  }
  if (!forgotten && refreshTokens === 0 && accessTokens === 0) return false;
  await ctx.audit({
    actor,
    action: 'consent.revoked',
    target: userId,
    details: { client: clientId, refreshTokens, accessTokens },
  });
  return true;
}
