import { randomBytes } from 'node:crypto';
import type { ServiceContext } from '../http/service-context.js';

/** The event a logout token carries (OpenID Connect Back-Channel Logout 1.0 §2.4). */
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** How long a client's back-channel endpoint may take before the provider moves on. */
const TIMEOUT_MS = 5_000;

/** A logout token lives only long enough to be delivered and checked. */
const LOGOUT_TOKEN_LIFETIME_SECONDS = 120;

/**
 * Tells each client of an ended session that registered a `backchannelLogoutUri` (OpenID Connect
 * Back-Channel Logout 1.0): a logout token (`typ: logout+jwt`, signed with the ring's active key;
 * `iss`, `aud` = the client, `iat`, `exp`, `jti`, `sub`, `sid`, the logout event and no `nonce`)
 * POSTed as `logout_token`. The clients are told in parallel, each within 5 s; redirects are not
 * followed (the URI is registered, its answer is not a place to go). A client that does not answer
 * 2xx is logged and audited (`logout.backchannel.failed`), never retried and never fatal: the
 * session has ended at the provider either way.
 *
 * @example
 * ```ts
 * await sendBackchannelLogout(ctx, { userId, sid, clientIds: ['webui'] });
 * ```
 */
export async function sendBackchannelLogout(
  ctx: ServiceContext,
  session: { readonly userId: string; readonly sid: string; readonly clientIds: Iterable<string> },
): Promise<void> {
  const deliver = async (clientId: string): Promise<void> => {
    const client = await ctx.getClient(clientId).catch(() => undefined);
    const uri = client?.backchannelLogoutUri;
    if (uri === undefined || !client!.enabled) return;
    const now = Math.floor(ctx.clock() / 1000);
    const token = await ctx.keyRing.signer().signJwtAsync(
      {
        iss: ctx.issuerUrl(),
        aud: clientId,
        iat: now,
        exp: now + LOGOUT_TOKEN_LIFETIME_SECONDS,
        jti: randomBytes(16).toString('base64url'),
        sub: session.userId,
        sid: session.sid,
        events: { [LOGOUT_EVENT]: {} },
      },
      'logout+jwt',
    );
    let outcome: string;
    try {
      const answer = await fetch(uri, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ logout_token: token }).toString(),
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      await answer.body?.cancel();
      if (answer.status >= 200 && answer.status < 300) return;
      outcome = `answered ${answer.status}`;
    } catch (error) {
      outcome = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'unreachable';
    }
    ctx.logger.warn({ client: clientId, outcome }, 'back-channel logout not acknowledged');
    await ctx.audit({
      actor: 'system',
      action: 'logout.backchannel.failed',
      target: clientId,
      details: { outcome, sid: session.sid.slice(0, 8) },
    });
  };
  await Promise.allSettled([...new Set(session.clientIds)].map(deliver));
}
