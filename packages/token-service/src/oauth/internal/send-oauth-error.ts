import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTesseraError } from '@tessera/core';
import { toOAuthError, type OAuthErrorResponse } from '../../http/oauth-error.js';
import { sendJson } from '../../http/send-json.js';
import type { ServiceContext } from '../../http/service-context.js';

/**
 * Answers a failed OAuth request (token, introspection, revocation) with RFC 6749 §5.2 JSON and
 * logs it: a refusal at info, an unexpected failure at error with its cause; never a token or
 * secret. After HTTP Basic, `invalid_client` carries a `WWW-Authenticate: Basic` challenge in the
 * issuer's realm (§5.2 requires the scheme the client used). Answers what it sent, for metrics.
 *
 * @example
 * ```ts
 * } catch (error) {
 *   sendOAuthError(ctx, req, res, error, { endpoint: 'revoke' });
 * }
 * ```
 */
export function sendOAuthError(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  error: unknown,
  logFields: Record<string, unknown>,
): OAuthErrorResponse {
  const answer = toOAuthError(error, { basicAuthUsed: usedBasicAuth(req), realm: ctx.issuerUrl() });
  if (answer.status >= 500) ctx.logger.error({ ...logFields, err: error }, 'request failed');
  else
    ctx.logger.info(
      {
        ...logFields,
        code: isTesseraError(error) ? error.code : undefined,
        reason: isTesseraError(error) ? error.message : undefined,
      },
      'request refused',
    );
  sendJson(res, answer.status, answer.body, answer.headers);
  return answer;
}

/** True when the request tried HTTP Basic client authentication. */
function usedBasicAuth(req: IncomingMessage): boolean {
  return req.headersDistinct.authorization?.some((v) => /^basic\s/i.test(v)) ?? false;
}
