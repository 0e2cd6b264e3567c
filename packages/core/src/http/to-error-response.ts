import { isTesseraError } from '../errors/tessera-error.js';
import { formatWwwAuthenticate, type BearerErrorCode } from './format-www-authenticate.js';

/** An HTTP answer ready to write: status, headers (lower-case names) and a JSON body. */
export interface HttpErrorResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  /** JSON text: `{ "error"?, "error_description", "code" }`. */
  readonly body: string;
}

/** Options of {@link toErrorResponse}. */
export interface ToErrorResponseOptions {
  /** Realm of the `WWW-Authenticate` challenge. */
  realm?: string;
  /**
   * `true` (default) on authentication paths: anything that is not a known 4xx Tessera error (an
   * unexpected exception, a 5xx such as `ERR_JWKS_FETCH_FAILED`, an `expose: false` error) becomes
   * a 401 `invalid_token`, never a 500 and never a pass (ARCHITECTURE.md, "Errors": fail closed).
   * `false` elsewhere: such errors become a generic 500.
   */
  authPath?: boolean;
}

const GENERIC_AUTH = 'the access token could not be verified';

/**
 * Maps any thrown value to the wire answer of a resource server, in one place (RFC 6750 §3):
 *
 * - `ERR_AUTH_TOKEN_MISSING` → 401, `WWW-Authenticate: Bearer realm="…"` with no `error` (§3.1);
 * - other 401 Tessera errors → 401 with `error="invalid_token"` and the error message;
 * - 403 (`ERR_AUTH_INSUFFICIENT_SCOPE`) → 403 with `error="insufficient_scope"` and `scope=` from
 *   `details.scope`;
 * - 400 (`ERR_AUTH_CREDENTIALS_CONFLICT`, ...) → 400 with `error="invalid_request"`;
 * - anything else → 401 `invalid_token` with a generic description on auth paths, or a generic 500.
 *
 * The message of an error with `expose: false` never reaches the caller.
 *
 * @example
 * ```ts
 * const { status, headers, body } = toErrorResponse(err, { realm: 'orders' });
 * res.writeHead(status, headers).end(body);
 * ```
 */
export function toErrorResponse(error: unknown, options: ToErrorResponseOptions = {}): HttpErrorResponse {
  const authPath = options.authPath ?? true;
  const realm = options.realm;
  if (isTesseraError(error) && error.expose && error.status >= 400 && error.status < 500) {
    if (error.code === 'ERR_AUTH_TOKEN_MISSING') {
      return answer(401, formatWwwAuthenticate({ realm }), { error_description: error.message, code: error.code });
    }
    let bearerError: BearerErrorCode | undefined;
    let status = error.status;
    if (error.status === 401) bearerError = 'invalid_token';
    else if (error.status === 403) bearerError = 'insufficient_scope';
    else if (error.status === 400) bearerError = 'invalid_request';
    else if (authPath) {
      // Some other 4xx on an auth path (e.g. a policy's 404): still an authentication failure.
      bearerError = 'invalid_token';
      status = 401;
    }
    if (bearerError === undefined)
      return answer(status, undefined, { error_description: error.message, code: error.code });
    const scope = bearerError === 'insufficient_scope' ? scopeOf(error.details) : undefined;
    return answer(
      status,
      formatWwwAuthenticate({ realm, error: bearerError, errorDescription: error.message, scope }),
      { error: bearerError, error_description: error.message, code: error.code },
    );
  }
  if (authPath) {
    return answer(401, formatWwwAuthenticate({ realm, error: 'invalid_token', errorDescription: GENERIC_AUTH }), {
      error: 'invalid_token',
      error_description: GENERIC_AUTH,
    });
  }
  return answer(500, undefined, { error: 'server_error', error_description: 'internal error' });
}

function scopeOf(details: Readonly<Record<string, unknown>> | undefined): string | readonly string[] | undefined {
  const scope = details?.['scope'];
  if (typeof scope === 'string') return scope;
  if (Array.isArray(scope) && scope.every((s) => typeof s === 'string')) return scope;
  return undefined;
}

function answer(status: number, challenge: string | undefined, body: Record<string, string>): HttpErrorResponse {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'cache-control': 'no-store' };
  if (challenge !== undefined) headers['www-authenticate'] = challenge;
  return { status, headers, body: JSON.stringify(body) };
}
