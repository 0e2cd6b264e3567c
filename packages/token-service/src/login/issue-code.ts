import { randomBytes } from 'node:crypto';
import { codeKey, type IssuedCode } from './issued-code.js';
import type { StateStore } from '../storage/index.js';
import type { AuthorizationRequest } from './authorization-request.js';

/**
 * Issues an authorization code for `request`, logged in as the session says, and answers the URL
 * to send the browser to: the redirect URI with `code`, `state` and `iss` (RFC 9207). The code is
 * 32 random bytes; only its hash is stored, for `lifetimeSeconds`.
 *
 * @example
 * ```ts
 * const location = await issueCode(storage.state, request, { userId, sid, authTime, amr: ['pwd'] }, { issuer, now, lifetimeSeconds: 60 });
 * ```
 */
export async function issueCode(
  state: StateStore,
  request: AuthorizationRequest,
  login: { readonly userId: string; readonly sid: string; readonly authTime: number; readonly amr: readonly string[] },
  options: { readonly issuer: string; readonly now: number; readonly lifetimeSeconds: number },
): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  const data: IssuedCode = {
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scope: request.scope,
    audience: request.audience,
    codeChallenge: request.codeChallenge,
    ...(request.nonce === undefined ? {} : { nonce: request.nonce }),
    ...login,
  };
  await state.put({
    kind: 'code',
    key: codeKey(code),
    data: data as unknown as Record<string, unknown>,
    expiresAt: options.now + options.lifetimeSeconds * 1000,
    userId: login.userId,
    sid: login.sid,
  });
  return redirectTo(request.redirectUri, { code, state: request.state, iss: options.issuer });
}

/** The redirect URI with these parameters added to its query (RFC 6749 §4.1.2: keep its own). */
export function redirectTo(redirectUri: string, params: Readonly<Record<string, string | undefined>>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== undefined) url.searchParams.append(name, value);
  return url.href;
}
