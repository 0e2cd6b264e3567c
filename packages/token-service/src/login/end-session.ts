import type { ServiceContext } from '../http/service-context.js';
import { revokeAndPublish } from '../tokens/revoke-and-publish.js';
import { sendBackchannelLogout } from './send-backchannel-logout.js';

/** Why a login session ended, as its audit record says. */
export type SessionEndReason = 'logout' | 'admin' | 'user-disabled' | 'user-deleted';

/**
 * Ends the login session `sid` everywhere it reached:
 * - the session, and its codes not yet redeemed;
 * - its refresh tokens, except those granted `offline_access` (OpenID Connect Core §11);
 * - the access tokens issued to it that have not expired: revoked with what was exchanged from
 *   them, each `jti` on the revocation feed, so gateways and verifiers following it refuse them now;
 * - each client that took part and registered a `backchannelLogoutUri` gets a logout token.
 * Audited as `session.ended` with the reason. True when the session itself was still there (its
 * tokens are ended either way).
 *
 * @example
 * ```ts
 * await endSession(ctx, sid, 'logout');
 * ```
 */
export async function endSession(ctx: ServiceContext, sid: string, reason: SessionEndReason): Promise<boolean> {
  const state = ctx.storage.state;
  const session = await state.get('session', sid);
  await state.delete('session', sid);
  await state.deleteLinked('code', { sid });
  const clientIds = new Set<string>();
  let userId = session?.userId;
  for (const token of await state.find('refresh', { sid })) {
    clientIds.add(String(token.data['clientId']));
    userId ??= token.userId;
    if (token.data['offline'] !== true) await state.delete('refresh', token.key);
  }
  let revoked = 0;
  for (const token of await state.find('access', { sid })) {
    const clientId = String(token.data['clientId']);
    clientIds.add(clientId);
    userId ??= token.userId;
    const family = await revokeAndPublish(
      { revocations: ctx.storage.revocations, events: ctx.storage.events, logger: ctx.logger },
      { root: { jti: token.key, exp: token.expiresAt }, clientId },
    );
    revoked += family.added.length;
    await state.delete('access', token.key);
  }
  if (userId === undefined) return false;
  await ctx.audit({
    actor: reason === 'logout' ? (userId ?? 'anonymous') : reason === 'admin' ? 'admin' : 'system',
    action: 'session.ended',
    target: sid.slice(0, 8),
    details: { reason, revokedTokens: revoked, clients: [...clientIds] },
  });
  await sendBackchannelLogout(ctx, { userId, sid, clientIds });
  return session !== undefined;
}

/**
 * Ends every login session of a user ({@link endSession} for each); how many there were.
 *
 * @example
 * ```ts
 * const sessions = await endUserSessions(ctx, userId, 'admin');
 * ```
 */
export async function endUserSessions(ctx: ServiceContext, userId: string, reason: SessionEndReason): Promise<number> {
  const sids = new Set<string>();
  for (const session of await ctx.storage.state.find('session', { userId })) sids.add(session.key);
  // Tokens can outlive their session record (it expired): their sessions are ended too.
  for (const kind of ['access', 'refresh'] as const)
    for (const record of await ctx.storage.state.find(kind, { userId }))
      if (record.sid !== undefined) sids.add(record.sid);
  let ended = 0;
  for (const sid of sids) if (await endSession(ctx, sid, reason)) ended += 1;
  // Whatever is left unlinked to a session (none is issued so) goes too.
  await ctx.storage.state.deleteLinked('code', { userId });
  return ended;
}
