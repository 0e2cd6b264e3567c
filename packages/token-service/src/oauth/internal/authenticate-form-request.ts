import type { IncomingMessage } from 'node:http';
import type { ClientRecord } from '../../clients/client-record.js';
import type { ServiceContext } from '../../http/service-context.js';
import { enforceRateLimit } from './enforce-rate-limit.js';
import { readOAuthForm } from './read-oauth-form.js';

/**
 * The shared start of the endpoints where a client acts on a token it holds (introspection,
 * revocation): the per-address rate limit (before any authentication work, so a flood of bad
 * credentials costs no scrypt), the strict form body, then client authentication with the same
 * methods as the token endpoint (RFC 7662 §2.1, RFC 7009 §2.1).
 *
 * @example
 * ```ts
 * const { client, form } = await authenticateFormRequest(ctx, req, body);
 * ```
 */
export async function authenticateFormRequest(
  ctx: ServiceContext,
  req: IncomingMessage,
  body: Buffer,
): Promise<{ readonly client: ClientRecord; readonly form: ReadonlyMap<string, string> }> {
  enforceRateLimit(ctx, 'address', ctx.remoteAddress(req));
  const form = readOAuthForm(req, body);
  const { client } = await ctx.authenticator.authenticate({
    authorization: req.headersDistinct.authorization,
    form,
    source: ctx.remoteAddress(req),
  });
  return { client, form };
}
