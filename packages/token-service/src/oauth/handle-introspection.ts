import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenServiceErrors } from '../errors.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { authenticateFormRequest } from './internal/authenticate-form-request.js';
import { sendOAuthError } from './internal/send-oauth-error.js';

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * `POST /introspect` (RFC 7662): the caller authenticates as a client; the answer is
 * `{ active: false }` for anything that does not verify, is expired, revoked or not ours (§2.2),
 * else the token's claims with `active: true`, `token_type` and `act` when present.
 *
 * @example
 * ```ts
 * if (req.method === 'POST' && path === '/introspect') return handleIntrospection(ctx, req, res, body);
 * ```
 */
export async function handleIntrospection(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  try {
    const { client, form } = await authenticateFormRequest(ctx, req, body);
    const token = form.get('token');
    if (token === undefined) throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'token is missing');
    let answer: Record<string, unknown> = { active: false };
    try {
      const verified = await ctx.validator.validate(token);
      if (verified.issuer === 'self') {
        const p = verified.payload;
        answer = {
          active: true,
          token_type: 'Bearer',
          iss: p.iss,
          sub: p.sub,
          aud: p.aud,
          exp: p.exp,
          iat: p.iat,
          jti: p.jti,
          client_id: p.client_id,
        };
        if (p.scope !== undefined) answer['scope'] = p.scope;
        if (p.nbf !== undefined) answer['nbf'] = p.nbf;
        if (p.act !== undefined) answer['act'] = p.act;
      }
    } catch {
      // §2.2: an invalid token is simply inactive; the reason is not disclosed.
    }
    ctx.logger.debug({ endpoint: 'introspect', client_id: client.id, active: answer['active'] }, 'introspection');
    sendJson(res, 200, answer, noStore);
  } catch (error) {
    sendOAuthError(ctx, req, res, error, { endpoint: 'introspect' });
  }
}
