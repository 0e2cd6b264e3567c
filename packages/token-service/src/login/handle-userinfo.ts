import type { IncomingMessage, ServerResponse } from 'node:http';
import { extractBearerToken, isTesseraError } from '@tessera/core';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { userClaims } from '../tokens/create-id-token.js';

/** An RFC 6750 §3 error answer of the userinfo endpoint. */
function refuse(res: ServerResponse, status: number, error: string, description: string): void {
  res
    .writeHead(status, {
      'www-authenticate': `Bearer error="${error}", error_description="${description}"`,
      'cache-control': 'no-store',
    })
    .end();
}

/**
 * `GET`/`POST /userinfo` (OpenID Connect Core §5.3): the claims about the user that the access
 * token's scopes release (`profile`, `email`), with `sub`. It takes this service's own access
 * tokens, whatever their audience, that carry the `openid` scope and whose user still exists and is
 * enabled; anything else is an RFC 6750 answer (401 `invalid_token`, 403 `insufficient_scope`).
 *
 * @example
 * ```ts
 * routes['GET /userinfo'] = (req, res) => handleUserinfo(ctx, req, res);
 * ```
 */
export async function handleUserinfo(ctx: ServiceContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let token: string | undefined;
  try {
    token = extractBearerToken(req.headersDistinct);
  } catch {
    return refuse(res, 400, 'invalid_request', 'malformed Authorization header');
  }
  if (token === undefined) {
    res.writeHead(401, { 'www-authenticate': 'Bearer', 'cache-control': 'no-store' }).end();
    return;
  }
  let verified;
  try {
    verified = await ctx.validator.validate(token);
  } catch (error) {
    if (!isTesseraError(error) || error.code.startsWith('ERR_STORE')) throw error;
    return refuse(res, 401, 'invalid_token', 'the access token is invalid, expired or revoked');
  }
  if (verified.issuer !== 'self') return refuse(res, 401, 'invalid_token', 'not an access token of this service');
  const scope = typeof verified.payload.scope === 'string' ? verified.payload.scope.split(' ') : [];
  if (!scope.includes('openid')) return refuse(res, 403, 'insufficient_scope', 'the openid scope is required');
  const user = await ctx.storage.users.get(verified.payload.sub!);
  if (user === undefined || user.disabled) return refuse(res, 401, 'invalid_token', 'the user is no longer active');
  sendJson(res, 200, { sub: user.userId, ...userClaims(user, scope) }, { 'cache-control': 'no-store' });
}
