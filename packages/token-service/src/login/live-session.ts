import type { IncomingMessage } from 'node:http';
import type { ServiceContext } from '../http/service-context.js';
import type { StateRecord } from '../storage/index.js';
import { readSessionId } from './cookies.js';

/**
 * The browser's live login session at the provider, if any, for a user who still exists and is
 * enabled (the login routes and the account page read it the same way).
 *
 * @example
 * ```ts
 * const session = await liveSession(ctx, req);
 * ```
 */
export async function liveSession(
  ctx: ServiceContext,
  req: IncomingMessage,
): Promise<(StateRecord & { readonly userId: string }) | undefined> {
  const sid = readSessionId(req, ctx.issuerUrl().startsWith('https:'));
  if (sid === undefined) return undefined;
  const session = await ctx.storage.state.get('session', sid);
  if (session?.userId === undefined) return undefined;
  const user = await ctx.storage.users.get(session.userId);
  if (user === undefined || user.disabled) return undefined;
  return session as StateRecord & { userId: string };
}
