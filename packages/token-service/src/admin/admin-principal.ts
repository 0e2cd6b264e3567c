import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { tokenServiceErrors } from '../errors.js';
import type { ServiceContext } from '../http/service-context.js';
import { liveSession } from '../login/live-session.js';
import { sameSitePost } from '../login/provider-pages.js';
import { ADMIN_UNAUTHORIZED, checkAdminToken } from './internal/admin-io.js';

/** The role that may change things through the admin API. */
export const ADMIN_ROLE = 'tessera:admin';
/** The role that may only look. */
export const VIEWER_ROLE = 'tessera:viewer';

/** Who calls the admin API, and what they may do. */
export interface AdminPrincipal {
  /** The audit records' actor: `admin` for the admin token, else the user's id. */
  readonly actor: string;
  readonly role: 'admin' | 'viewer';
  /** For a person: their login session (the console's), whose CSRF token changes must carry. */
  readonly session?: { readonly key: string; readonly userId: string };
}

/** The header a console's change carries its CSRF token in. */
export const CSRF_HEADER = 'x-tessera-csrf';

/**
 * The console's CSRF token for a login session: derived from the session's key (nothing to store),
 * under a label of its own (the account page's token opens nothing here).
 *
 * @example
 * ```ts
 * const csrf = consoleCsrf(session.key);
 * ```
 */
export function consoleCsrf(sessionKey: string): string {
  return createHash('sha256').update(`tessera-console-csrf:${sessionKey}`).digest('base64url');
}

/**
 * Who calls: with an `Authorization` header, the admin token (nothing else is accepted there);
 * without one, the provider's login session (the console's backend-for-frontend cookie) of an
 * enabled user with `tessera:admin` or `tessera:viewer` among their roles, read from the store at
 * each call (a role taken away is gone at once). `ERR_ADMIN_UNAUTHORIZED` when neither,
 * `ERR_ADMIN_FORBIDDEN` for a user with neither role.
 *
 * @example
 * ```ts
 * const principal = await adminPrincipal(ctx, req);
 * ```
 */
export async function adminPrincipal(ctx: ServiceContext, req: IncomingMessage): Promise<AdminPrincipal> {
  if (req.headers.authorization !== undefined) {
    checkAdminToken(req, ctx.adminToken);
    return { actor: 'admin', role: 'admin' };
  }
  const session = await liveSession(ctx, req);
  if (session === undefined) throw tokenServiceErrors.create('ERR_ADMIN_UNAUTHORIZED', ADMIN_UNAUTHORIZED);
  const user = await ctx.storage.users.get(session.userId);
  const role = user?.roles.includes(ADMIN_ROLE) ? 'admin' : user?.roles.includes(VIEWER_ROLE) ? 'viewer' : undefined;
  if (role === undefined)
    throw tokenServiceErrors.create('ERR_ADMIN_FORBIDDEN', `this needs the role ${VIEWER_ROLE} or ${ADMIN_ROLE}`);
  return { actor: session.userId, role, session: { key: session.key, userId: session.userId } };
}

/**
 * Requests that change nothing though not sent with GET (they carry a token or a policy to look
 * at): a viewer may make them, and they need no CSRF token.
 */
const READ_ONLY_POSTS = new Set(['tokens/inspect', 'policies/simulate']);

/**
 * Whether `principal` may make this call (`parts`: the path below `/admin/`): a viewer only looks
 * (GET and HEAD, and the read-only posts; of the jwt-factory only its `utils/` reads, since its
 * `GET keys/:kid` makes a key); a person's call other than a plain read must come from the issuer's own origin with the
 * session's CSRF token in `x-tessera-csrf`. Throws `ERR_ADMIN_FORBIDDEN` otherwise; the admin token may do anything.
 *
 * @example
 * ```ts
 * checkAdminCall(principal, req, ['keys', 'rotate'], ctx.issuerUrl());
 * ```
 */
export function checkAdminCall(
  principal: AdminPrincipal,
  req: IncomingMessage,
  parts: readonly string[],
  issuer: string,
): void {
  if (principal.session === undefined) return;
  const method = req.method ?? 'GET';
  // The jwt-factory's GET keys/:kid makes a key; its utils/ GETs (the key ids, a public key) only read.
  const factoryRead = parts[0] === 'jwt-factory' && parts[1] === 'utils';
  const readOnly =
    (parts[0] !== 'jwt-factory' || factoryRead) &&
    (method === 'GET' || method === 'HEAD' || (method === 'POST' && READ_ONLY_POSTS.has(parts.join('/'))));
  // Signing out changes only the caller's own session: a viewer may, with the CSRF token.
  const signOut = method === 'POST' && parts.join('/') === 'sign-out';
  if (!readOnly && !signOut && principal.role !== 'admin')
    throw tokenServiceErrors.create(
      'ERR_ADMIN_FORBIDDEN',
      `a ${VIEWER_ROLE} may look, not change: this needs ${ADMIN_ROLE}`,
    );
  // Only plain reads go without the token: the jwt-factory's GET makes a key, so it is a change
  // (else a link on another site could make one with an admin's cookie).
  if (readOnly && (method === 'GET' || method === 'HEAD')) return;
  const presented = Buffer.from(String(req.headers[CSRF_HEADER] ?? ''));
  const expected = Buffer.from(consoleCsrf(principal.session.key));
  const csrfOk = presented.length === expected.length && timingSafeEqual(presented, expected);
  if (!sameSitePost(req, issuer) || !csrfOk)
    throw tokenServiceErrors.create(
      'ERR_ADMIN_FORBIDDEN',
      `a change from the console must come from ${new URL(issuer).origin} with the session's CSRF token (${CSRF_HEADER})`,
    );
}
