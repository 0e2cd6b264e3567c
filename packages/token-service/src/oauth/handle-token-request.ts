import type { IncomingMessage, ServerResponse } from 'node:http';
import { tokenServiceErrors } from '../errors.js';
import type { AuthenticatedClient } from '../clients/create-client-authenticator.js';
import { sendJson } from '../http/send-json.js';
import type { ServiceContext } from '../http/service-context.js';
import { enforceRateLimit } from './internal/enforce-rate-limit.js';
import { readOAuthForm } from './internal/read-oauth-form.js';
import { sendOAuthError } from './internal/send-oauth-error.js';

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * `POST /token` (ARCHITECTURE.md, "Token path"): parse form → authenticate client → grant handler
 * → sign with the active key → audit → RFC 6749 §5.1 / RFC 8693 §2.2.1 response, `no-store`.
 * Every failure is answered by `toOAuthError` (RFC 6749 §5.2) and changes nothing stored; only a
 * client assertion's `jti` is remembered (RFC 7523 §3), and only after it verified.
 *
 * @example
 * ```ts
 * if (req.method === 'POST' && path === '/token') return handleTokenRequest(ctx, req, res, body);
 * ```
 */
export async function handleTokenRequest(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  body: Buffer,
): Promise<void> {
  let grantType = 'unknown';
  let authenticated: AuthenticatedClient | undefined;
  try {
    enforceRateLimit(ctx, 'address', ctx.remoteAddress(req));
    const form = readOAuthForm(req, body);
    const requested = form.get('grant_type');
    if (requested === undefined) throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'grant_type is missing');
    const grant = ctx.grants.get(requested);
    if (grant === undefined)
      throw tokenServiceErrors.create('ERR_TOKEN_UNSUPPORTED_GRANT_TYPE', 'unsupported grant_type');
    grantType = grant.grantType;
    authenticated = await ctx.authenticator.authenticate({
      authorization: req.headersDistinct.authorization,
      form,
      source: ctx.remoteAddress(req),
    });
    const { client } = authenticated;
    enforceRateLimit(ctx, 'client', client.id);
    if (!client.grantTypes.includes(grant.grantType))
      throw tokenServiceErrors.create('ERR_TOKEN_UNAUTHORIZED_CLIENT', 'the client may not use this grant type');
    for (const name of grant.parameters.required) {
      if (!form.has(name)) throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', `${name} is missing`);
    }
    const decision = await grant.handle({
      client: authenticated,
      form,
      now: ctx.clock(),
      source: ctx.remoteAddress(req),
    });
    const issued = await ctx.issuer.issue(decision);
    // No token without its audit record (`audit.required`, the default): storage that cannot take
    // the record makes this a 503 and the token is never sent. Otherwise the record is written
    // after the answer, a failure logged and counted (tessera_audit_failures_total).
    const record = {
      actor: client.id,
      action: 'token.issued',
      target: issued.jti,
      details: {
        grant_type: grant.grantType,
        sub: decision.subject,
        aud: decision.audience,
        scope: decision.scope.join(' '),
        kid: issued.kid,
        exp: issued.exp,
        auth_method: authenticated.method,
        ...decision.auditDetails,
      },
    };
    // The grant's own writes (refresh token, code bookkeeping) go to storage beside the audit
    // record, not after it: the answer waits for both, one disk round trip instead of two.
    const [, extra] = await Promise.all([
      ctx.config.audit.required ? ctx.audit.required(record) : void ctx.audit(record),
      decision.complete?.(issued),
    ]);
    ctx.metrics.tokensIssued.inc({ grant_type: grant.grantType });
    ctx.metrics.tokenRequests.inc({ grant_type: grant.grantType, outcome: 'issued' });
    const answer: Record<string, unknown> = {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
    };
    if (extra !== undefined) Object.assign(answer, extra);
    if (decision.issuedTokenType !== undefined) answer['issued_token_type'] = decision.issuedTokenType;
    if (decision.scope.length > 0) answer['scope'] = decision.scope.join(' ');
    sendJson(res, 200, answer, noStore);
  } catch (error) {
    const answer = sendOAuthError(ctx, req, res, error, {
      endpoint: 'token',
      grant_type: grantType,
      client_id: authenticated?.client.id,
    });
    ctx.metrics.tokenRequests.inc({ grant_type: grantType, outcome: answer.body.error });
  }
}
