import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTesseraError } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import { parseForm } from '../http/parse-form.js';
import { toOAuthError } from '../http/oauth-error.js';
import type { AuthenticatedClient } from '../clients/create-client-authenticator.js';
import { isFormRequest, sendJson } from './internal/http-io.js';
import type { ServiceContext } from './internal/context.js';

const noStore = { 'cache-control': 'no-store', pragma: 'no-cache' } as const;

/**
 * True when the request tried HTTP Basic client authentication (RFC 6749 §5.2: answer with a Basic challenge).
 *
 * @example
 * ```ts
 * const challenge = usedBasicAuth(req); // true → answer invalid_client with WWW-Authenticate: Basic
 * ```
 */
export function usedBasicAuth(req: IncomingMessage): boolean {
  return req.headersDistinct.authorization?.some((v) => /^basic\s/i.test(v)) ?? false;
}

/**
 * Parses the form body of an OAuth endpoint: form content type, no query string, strict parameters.
 *
 * @example
 * ```ts
 * const form = readOAuthForm(req, await readBody(req, 65536));
 * ```
 */
export function readOAuthForm(req: IncomingMessage, body: Buffer): Map<string, string> {
  // RFC 6749 §2.3.1 / §3.2: credentials and parameters travel in the body, never in the URI.
  if (req.url !== undefined && req.url.includes('?'))
    throw tokenServiceErrors.create(
      'ERR_TOKEN_INVALID_REQUEST',
      'parameters must be sent in the request body, not the URI',
    );
  if (!isFormRequest(req))
    throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', 'the body must be application/x-www-form-urlencoded');
  return parseForm(body);
}

/**
 * Takes a rate-limit token or throws `ERR_TOKEN_RATE_LIMITED` with the wait in `details.retryAfterSeconds`.
 *
 * @example
 * ```ts
 * enforceRateLimit(ctx, 'address', ctx.remoteAddress(req));
 * ```
 */
export function enforceRateLimit(ctx: ServiceContext, scope: 'client' | 'address', key: string): void {
  const limiter = scope === 'client' ? ctx.perClient : ctx.perAddress;
  if (limiter === undefined) return;
  const wait = limiter.take(key);
  if (wait > 0) {
    ctx.metrics.rateLimited.inc({ scope });
    throw tokenServiceErrors.create('ERR_TOKEN_RATE_LIMITED', `too many requests from this ${scope}`, {
      details: { retryAfterSeconds: wait },
    });
  }
}

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
    authenticated = await ctx.authenticator.authenticate({ authorization: req.headersDistinct.authorization, form });
    const { client } = authenticated;
    enforceRateLimit(ctx, 'client', client.id);
    if (!client.grantTypes.includes(grant.grantType))
      throw tokenServiceErrors.create('ERR_TOKEN_UNAUTHORIZED_CLIENT', 'the client may not use this grant type');
    for (const name of grant.parameters.required) {
      if (!form.has(name)) throw tokenServiceErrors.create('ERR_TOKEN_INVALID_REQUEST', `${name} is missing`);
    }
    const decision = await grant.handle({ client: authenticated, form, now: ctx.clock() });
    const issued = await ctx.issuer.issue(decision);
    // The audit record is queued before the answer is written, but not awaited: the file store
    // fsyncs each batch (tens of ms here), which would otherwise sit in every token's latency.
    // A failed write is logged and counted (tessera_audit_failures_total), never silent.
    void ctx.audit({
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
    });
    ctx.metrics.tokensIssued.inc({ grant_type: grant.grantType });
    ctx.metrics.tokenRequests.inc({ grant_type: grant.grantType, outcome: 'issued' });
    const answer: Record<string, unknown> = {
      access_token: issued.token,
      token_type: 'Bearer',
      expires_in: issued.expiresIn,
    };
    if (decision.issuedTokenType !== undefined) answer['issued_token_type'] = decision.issuedTokenType;
    if (decision.scope.length > 0) answer['scope'] = decision.scope.join(' ');
    sendJson(res, 200, answer, noStore);
  } catch (error) {
    const answer = toOAuthError(error, { basicAuthUsed: usedBasicAuth(req), realm: ctx.issuerUrl() });
    ctx.metrics.tokenRequests.inc({ grant_type: grantType, outcome: answer.body.error });
    logFailure(ctx, error, answer.status, {
      endpoint: 'token',
      grant_type: grantType,
      client_id: authenticated?.client.id,
    });
    sendJson(res, answer.status, answer.body, answer.headers);
  }
}

/**
 * Logs a refused request (info) or an unexpected failure (error, with the cause). Never a token or secret.
 *
 * @example
 * ```ts
 * logFailure(ctx, error, 400, { endpoint: 'token' });
 * ```
 */
export function logFailure(ctx: ServiceContext, error: unknown, status: number, fields: Record<string, unknown>): void {
  if (status >= 500) ctx.logger.error({ ...fields, err: error }, 'request failed');
  else
    ctx.logger.info(
      {
        ...fields,
        code: isTesseraError(error) ? error.code : undefined,
        reason: isTesseraError(error) ? error.message : undefined,
      },
      'request refused',
    );
}
