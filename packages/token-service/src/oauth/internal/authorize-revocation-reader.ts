import type { IncomingMessage, ServerResponse } from 'node:http';
import { isTesseraError } from '@tessera/core';
import type { ClientRecord } from '../../clients/client-record.js';
import { tokenServiceErrors } from '../../errors.js';
import { toOAuthError } from '../../http/oauth-error.js';
import { sendJson } from '../../http/send-json.js';
import type { ServiceContext } from '../../http/service-context.js';
import { enforceRateLimit } from './enforce-rate-limit.js';

/** No form on a GET: the authenticator sees HTTP Basic only (and refuses anything else). */
const NO_FORM: ReadonlyMap<string, string> = new Map();

/**
 * The shared start of `GET /revocations` and `GET /revocations/stream`: the per-address rate limit
 * (before any authentication work, as at the other endpoints, so guessing secrets here costs the
 * same as at `/token`), HTTP Basic client authentication (RFC 6749 §2.3.1; a GET has no body, so
 * `client_secret_post` and `private_key_jwt` cannot be used) through the token service's client
 * authenticator, then the client's `revocations` permission. Only then does `serve` run; a refusal
 * is answered here and never reaches it:
 *
 * - no, malformed or wrong credentials → 401 `invalid_client` with `WWW-Authenticate: Basic`
 *   (RFC 9110 §11.6.1: a 401 always names the scheme to use, here even without a Basic attempt);
 * - a client without `revocations: true` → 403 `access_denied` (`ERR_TOKEN_SERVICE_FORBIDDEN`);
 * - too many requests from the address → 429 with `Retry-After`.
 *
 * @example
 * ```ts
 * 'GET /revocations': (req, res, query) =>
 *   authorizeRevocationReader(ctx, req, res, 'revocations', () => handleRevocationList(ctx, res, query)),
 * ```
 */
export async function authorizeRevocationReader(
  ctx: ServiceContext,
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: 'revocations' | 'revocations-stream',
  serve: (client: ClientRecord) => Promise<void> | void,
): Promise<void> {
  let client: ClientRecord;
  try {
    enforceRateLimit(ctx, 'address', ctx.remoteAddress(req));
    ({ client } = await ctx.authenticator.authenticate({
      authorization: req.headersDistinct.authorization,
      form: NO_FORM,
      source: ctx.remoteAddress(req),
    }));
    if (!client.revocations)
      throw tokenServiceErrors.create(
        'ERR_TOKEN_SERVICE_FORBIDDEN',
        `client "${client.id}" may not read the revocation feed (its record needs revocations: true)`,
      );
  } catch (error) {
    const answer = toOAuthError(error, { basicAuthUsed: true, realm: ctx.issuerUrl() });
    if (answer.status >= 500) ctx.logger.error({ endpoint, err: error }, 'request failed');
    else
      ctx.logger.info(
        {
          endpoint,
          code: isTesseraError(error) ? error.code : undefined,
          reason: isTesseraError(error) ? error.message : undefined,
        },
        'request refused',
      );
    sendJson(res, answer.status, answer.body, answer.headers);
    return;
  }
  await serve(client);
}
