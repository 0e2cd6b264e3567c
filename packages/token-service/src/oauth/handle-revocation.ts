import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenServiceErrors } from '../errors.js';
import type { ServiceContext } from '../http/service-context.js';
import { revokeAndPublish } from '../tokens/revoke-and-publish.js';
import { authenticateFormRequest } from './internal/authenticate-form-request.js';
import { sendOAuthError } from './internal/send-oauth-error.js';

/**
 * `POST /revoke` (RFC 7009): the client authenticates; a token that does not verify, is expired
 * or unknown is answered 200 all the same (§2.2); a valid token of another client is refused with
 * `unauthorized_client` (§2.1: the token must have been issued to the requester). A revocation
 * makes the token inactive at once (introspection, exchange) and is published on
 * `GET /revocations` and the event bus so gateways deny it too. It revokes the token's whole
 * family: every token exchanged from it (RFC 8693), and from those, each published as its own
 * entry (`revokeTokenFamily`, bounded in depth and count). A child's revocation leaves its parent
 * alone.
 *
 * @example
 * ```ts
 * if (req.method === 'POST' && path === '/revoke') return handleRevocation(ctx, req, res, body);
 * ```
 */
export async function handleRevocation(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  try {
    const { client, token } = await authenticateFormRequest(ctx, req, body);
    // token_type_hint is only a hint (§2.1); this server issues access tokens only.
    let verified;
    try {
      verified = await ctx.validator.validate(token);
    } catch {
      verified = undefined;
    }
    if (verified !== undefined && verified.issuer === 'self') {
      const p = verified.payload;
      if (p.client_id !== client.id)
        throw tokenServiceErrors.create('ERR_TOKEN_UNAUTHORIZED_CLIENT', 'the token was issued to another client');
      const family = await revokeAndPublish(
        { revocations: ctx.storage.revocations, events: ctx.storage.events, logger: ctx.logger },
        { root: { jti: p.jti!, exp: p.exp! * 1000 }, clientId: client.id },
      );
      const children = family.added.filter((e) => e.depth > 0).length;
      for (const entry of family.added) {
        const exp = Math.floor(entry.exp / 1000);
        ctx.metrics.revocations.inc();
        await ctx.audit({
          actor: client.id,
          action: 'token.revoked',
          target: entry.jti,
          details:
            entry.depth === 0
              ? { sub: p.sub, exp, children, ...(family.truncated ? { truncated: true } : {}) }
              : { exp, family_root: p.jti, depth: entry.depth },
        });
      }
    }
    res.writeHead(200, { 'cache-control': 'no-store', 'content-length': 0 });
    res.end();
  } catch (error) {
    sendOAuthError(ctx, req, res, error, { endpoint: 'revoke' });
  }
}
