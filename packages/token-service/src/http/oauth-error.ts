import { isTesseraError, toAsciiText } from '@tessera/core';

/** An error answer of the token, introspection or revocation endpoint, ready to write. */
export interface OAuthErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: { readonly error: string; readonly error_description?: string };
}

// The one place token-endpoint errors become RFC 6749 §5.2 JSON (ARCHITECTURE.md, "Errors").
const oauthErrorByCode: Readonly<Record<string, string>> = Object.freeze({
  ERR_OAUTH_INVALID_REQUEST: 'invalid_request',
  ERR_OAUTH_INVALID_CLIENT: 'invalid_client',
  ERR_OAUTH_INVALID_GRANT: 'invalid_grant',
  ERR_OAUTH_UNAUTHORIZED_CLIENT: 'unauthorized_client',
  ERR_OAUTH_UNSUPPORTED_GRANT_TYPE: 'unsupported_grant_type',
  ERR_OAUTH_INVALID_SCOPE: 'invalid_scope',
  ERR_OAUTH_INVALID_TARGET: 'invalid_target',
  ERR_TOKEN_UNSUPPORTED_TOKEN_TYPE: 'unsupported_token_type',
  // RFC 6749 has no rate-limit code; `temporarily_unavailable` (§4.1.2.1) is the registered value
  // with that meaning, and the 429 status plus Retry-After carry the rest (RFC 6585 §4).
  ERR_TOKEN_SERVICE_RATE_LIMITED: 'temporarily_unavailable',
  // The revocation feed: the client authenticated but lacks `revocations: true` (RFC 6749 §4.1.2.1
  // `access_denied`: "the authorization server denied the request").
  ERR_TOKEN_SERVICE_FORBIDDEN: 'access_denied',
  ERR_TOKEN_SERVICE_BODY_TOO_LARGE: 'invalid_request',
  ERR_TOKEN_SERVICE_UNAVAILABLE: 'temporarily_unavailable',
});

/**
 * Turns any thrown value into the RFC 6749 §5.2 answer: `{ error, error_description }`, the
 * status of the error's code, `Cache-Control: no-store`, and for `invalid_client` after HTTP Basic
 * a `WWW-Authenticate: Basic realm=…` challenge (§5.2 requires the scheme the client used).
 * Storage that is down (`ERR_STORE_UNAVAILABLE`) is a 503 `temporarily_unavailable` with
 * `Retry-After: 1`. Anything else that is not a known, exposable token-service error becomes a bare
 * 500 `server_error`: its message goes to the log, never to the client.
 *
 * @example
 * ```ts
 * const answer = toOAuthError(err, { basicAuthUsed: true, realm: 'tessera' });
 * res.writeHead(answer.status, answer.headers).end(JSON.stringify(answer.body));
 * ```
 */
export function toOAuthError(
  error: unknown,
  options: { basicAuthUsed?: boolean; realm?: string; retryAfterSeconds?: number } = {},
): OAuthErrorResponse {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'cache-control': 'no-store',
    pragma: 'no-cache',
  };
  // Storage down (PostgreSQL or Redis unreachable, the audit record not stored): fail closed with a
  // clean 503 the client may retry, never a 500. The driver's message stays in the log.
  if (isTesseraError(error) && error.code === 'ERR_STORE_UNAVAILABLE') {
    headers['retry-after'] = '1';
    return {
      status: 503,
      headers,
      body: { error: 'temporarily_unavailable', error_description: 'storage is unavailable; retry shortly' },
    };
  }
  const oauthError = isTesseraError(error) && error.expose ? oauthErrorByCode[error.code] : undefined;
  if (!isTesseraError(error) || oauthError === undefined) {
    return { status: 500, headers, body: { error: 'server_error' } };
  }
  if (error.code === 'ERR_OAUTH_INVALID_CLIENT' && options.basicAuthUsed) {
    headers['www-authenticate'] =
      `Basic realm="${(options.realm ?? 'tessera').replace(/["\\]/g, '')}", charset="UTF-8"`;
  }
  const retryAfter = error.details?.['retryAfterSeconds'];
  if (typeof retryAfter === 'number') headers['retry-after'] = String(Math.max(1, Math.ceil(retryAfter)));
  return { status: error.status, headers, body: { error: oauthError, error_description: printable(error.message) } };
}

/** RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E only. */
function printable(message: string): string {
  return toAsciiText(message)
    .replace(/[^\x20-\x21\x23-\x5b\x5d-\x7e]/g, "'")
    .slice(0, 300);
}
