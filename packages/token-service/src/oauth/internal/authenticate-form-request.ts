import type { IncomingMessage } from 'node:http';
import type { ClientRecord } from '../../clients/client-record.js';
import { tokenServiceErrors } from '../../errors.js';
import type { ServiceContext } from '../../http/service-context.js';
import { enforceRateLimit } from './enforce-rate-limit.js';
import { readOAuthForm } from './read-oauth-form.js';

/**
 * The shared start of the endpoints where a client acts on a token it holds (introspection,
 * revocation): the per-address rate limit (before any authentication work, so a flood of bad
 * credentials costs no scrypt), the strict form body, client authentication with the same
 * methods as the token endpoint (RFC 7662 §2.1, RFC 7009 §2.1), and the `token` parameter both
 * require (`invalid_request` without it).
 *
 * @example
 * ```ts
 * const { client, token } = await authenticateFormRequest(ctx, req, body);
 * ```
 */
export async function authenticateFormRequest(
  ctx: ServiceContext,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ readonly client: ClientRecord; readonly token: string }> {
  const source = ctx.remoteAddress(req);
  enforceRateLimit(ctx, 'address', source);
  const form = readOAuthForm(req, body);
  const { client } = await ctx.authenticator.authenticate({
    authorization: req.headersDistinct.authorization,
    form,
    source,
  });
  const token = form.get('token');
  if (token === undefined) throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'token is missing');
  return { client, token };
}
