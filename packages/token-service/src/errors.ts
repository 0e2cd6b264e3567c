import { defineErrors, type ErrorCodeOf, type ErrorSpecsOf } from '@tessera/core';

/**
 * Every error code `@tessera/token-service` throws (ARCHITECTURE.md, "Errors"). Codes under
 * `ERR_OAUTH_*` map one-to-one onto the RFC 6749 §5.2 / RFC 8693 `error` values the token,
 * introspection and revocation endpoints answer (see `http/oauth-error.ts`); `ERR_TOKEN_SERVICE_*`
 * are the service's own (configuration, routing, body size, rate limit, availability);
 * `ERR_ADMIN_*` are rendered as RFC 9457 problem JSON. Add new codes here and to `docs/errors.md`;
 * never rename or reuse one: a code that should no longer be used is kept as a deprecated alias
 * (`replacedBy`) or marked `deprecated`.
 *
 * @example
 * ```ts
 * throw tokenServiceErrors.create('ERR_OAUTH_INVALID_GRANT', 'subject_token is expired');
 * ```
 */
export const tokenServiceErrors = defineErrors({
  ERR_TOKEN_SERVICE_CONFIG_INVALID: {
    status: 500,
    description:
      'The token service configuration (file, environment or defaults) fails validation; the message names the file and field path.',
  },
  ERR_OAUTH_INVALID_REQUEST: {
    status: 400,
    description:
      'RFC 6749 `invalid_request`: a parameter is missing, repeated, malformed or unsupported (RFC 8693: an unsupported `subject_token_type`, `actor_token_type` or `requested_token_type`, an invalid or unacceptable subject or actor token), or the body is not a form.',
  },
  ERR_OAUTH_INVALID_CLIENT: {
    status: 401,
    description:
      'RFC 6749 `invalid_client`: client authentication failed (unknown client, bad secret or assertion, disabled client, no or several methods).',
  },
  ERR_OAUTH_INVALID_GRANT: {
    status: 400,
    description:
      'RFC 6749 `invalid_grant`: the grant (subject token, actor token, password) is invalid, expired, revoked or not allowed.',
  },
  ERR_OAUTH_UNAUTHORIZED_CLIENT: {
    status: 400,
    description: 'RFC 6749 `unauthorized_client`: the client may not use this grant type.',
  },
  ERR_OAUTH_UNSUPPORTED_GRANT_TYPE: {
    status: 400,
    description: 'RFC 6749 `unsupported_grant_type`: the grant type is unknown or disabled.',
  },
  ERR_OAUTH_INVALID_SCOPE: {
    status: 400,
    description:
      'RFC 6749 `invalid_scope`: a requested scope is unknown, malformed or beyond what the client or subject token holds.',
  },
  ERR_OAUTH_INVALID_TARGET: {
    status: 400,
    description:
      'RFC 8693 `invalid_target`: the requested audience or resource is not allowed for this client, or more than one was asked for.',
  },
  ERR_TOKEN_SERVICE_RATE_LIMITED: {
    status: 429,
    description:
      'Too many requests to the token, introspection or revocation endpoint from this client or source address; answered as `temporarily_unavailable` with the `Retry-After` seconds.',
  },
  ERR_TOKEN_SERVICE_NOT_FOUND: { status: 404, description: 'No endpoint at this path and method.' },
  ERR_TOKEN_SERVICE_FORBIDDEN: {
    status: 403,
    description:
      "The client authenticated but lacks the permission the endpoint needs (the revocation feed and stream: `revocations: true`, answered as `access_denied`; a gateway's decision push: `reportDecisions: true`, answered as problem JSON).",
  },
  ERR_TOKEN_SERVICE_BODY_TOO_LARGE: { status: 413, description: 'The request body exceeds the configured limit.' },
  ERR_TOKEN_SERVICE_UNAVAILABLE: {
    status: 503,
    description: 'The service is starting or shutting down, or its storage is unavailable.',
  },
  ERR_ADMIN_UNAUTHORIZED: {
    status: 401,
    description: 'The admin API request carries no admin bearer token (or a wrong one) and no console session.',
  },
  ERR_ADMIN_FORBIDDEN: {
    status: 403,
    description:
      "The admin API caller may not do this: a user without `tessera:admin` or `tessera:viewer`, a viewer's change, or a console change without its CSRF token or from another origin.",
  },
  ERR_ADMIN_BAD_REQUEST: { status: 400, description: 'The admin API request body or parameters are invalid.' },
  ERR_ADMIN_NOT_FOUND: { status: 404, description: 'The admin API resource (client, key) does not exist.' },
  ERR_ADMIN_METHOD_NOT_ALLOWED: {
    status: 405,
    description: 'The admin API resource exists but does not answer this method; `Allow` lists the ones it does.',
  },
  ERR_ADMIN_CONFLICT: {
    status: 409,
    description:
      'The admin API change conflicts with the current state (the id exists, the key is in the wrong state).',
  },
  ERR_KEYRING_NO_ACTIVE_KEY: {
    status: 503,
    description: 'The key ring has no active signing key (storage empty or all keys retired).',
  },
  ERR_KEYRING_TRANSITION_INVALID: {
    status: 409,
    description:
      'The requested key state change breaks next → active → retired → removed, or would leave no active key.',
  },
  ERR_STORE_CONFIG_INVALID: {
    status: 500,
    description:
      'The storage configuration is invalid: unknown back-end, a concern the back-end cannot hold (keys on redis), missing url or data directory, bad schema name, key prefix or key-encryption key.',
  },
  ERR_STORE_INPUT_INVALID: {
    status: 400,
    description:
      'A record, id, cursor or limit given to a store is malformed (empty id, not plain JSON, wrong field type, oversized).',
  },
  ERR_STORE_CONFLICT: {
    status: 409,
    description:
      'The write lost a compare-and-set: the id already exists, or the record is no longer in the expected state or version.',
  },
  ERR_STORE_NOT_FOUND: { status: 404, description: 'The record to update does not exist.' },
  ERR_STORE_CORRUPT: {
    status: 500,
    description:
      'A stored file or row cannot be parsed or fails validation; the message names the file (or table) and it is never silently reset.',
  },
  ERR_STORE_KEK_INVALID: {
    status: 500,
    description:
      'The key-encryption key is malformed, or it cannot decrypt the stored private keys (a different `TESSERA_KEK` or `kek` file than the one they were written with).',
  },
  ERR_STORE_UNAVAILABLE: {
    status: 503,
    description:
      'The storage back-end (file system, PostgreSQL, Redis) cannot be reached or failed the operation, or the store is closed.',
  },

  // Deprecated (docs/errors.md, "Deprecated codes"). `ERR_TOKEN_*` shared its prefix with
  // `ERR_TOKEN_SERVICE_*`, so a code (or a prefix match) did not say whether it was an OAuth `error`
  // value or the service's own condition. Each stays an alias: `create` throws the replacement and
  // `isTesseraError(e, oldCode)` still matches.
  ERR_TOKEN_INVALID_REQUEST: {
    status: 400,
    description: 'RFC 6749 `invalid_request`.',
    replacedBy: 'ERR_OAUTH_INVALID_REQUEST',
  },
  ERR_TOKEN_INVALID_CLIENT: {
    status: 401,
    description: 'RFC 6749 `invalid_client`.',
    replacedBy: 'ERR_OAUTH_INVALID_CLIENT',
  },
  ERR_TOKEN_INVALID_GRANT: {
    status: 400,
    description: 'RFC 6749 `invalid_grant`.',
    replacedBy: 'ERR_OAUTH_INVALID_GRANT',
  },
  ERR_TOKEN_UNAUTHORIZED_CLIENT: {
    status: 400,
    description: 'RFC 6749 `unauthorized_client`.',
    replacedBy: 'ERR_OAUTH_UNAUTHORIZED_CLIENT',
  },
  ERR_TOKEN_UNSUPPORTED_GRANT_TYPE: {
    status: 400,
    description: 'RFC 6749 `unsupported_grant_type`.',
    replacedBy: 'ERR_OAUTH_UNSUPPORTED_GRANT_TYPE',
  },
  ERR_TOKEN_INVALID_SCOPE: {
    status: 400,
    description: 'RFC 6749 `invalid_scope`.',
    replacedBy: 'ERR_OAUTH_INVALID_SCOPE',
  },
  ERR_TOKEN_INVALID_TARGET: {
    status: 400,
    description: 'RFC 8693 `invalid_target`.',
    replacedBy: 'ERR_OAUTH_INVALID_TARGET',
  },
  ERR_TOKEN_RATE_LIMITED: {
    status: 429,
    description: 'Too many requests from this client or source address.',
    replacedBy: 'ERR_TOKEN_SERVICE_RATE_LIMITED',
  },
  ERR_TOKEN_UNSUPPORTED_TOKEN_TYPE: {
    status: 400,
    description: 'RFC 7009 §2.2.1 `unsupported_token_type`: the server cannot revoke tokens of this type.',
    deprecated:
      'Never thrown: the revocation endpoint answers 200 for a token it does not revoke (RFC 7009 §2.2), and token exchange answers an unsupported `subject_token_type`, `actor_token_type` or `requested_token_type` with `invalid_request` (RFC 8693 §2.2.2), that is `ERR_OAUTH_INVALID_REQUEST`.',
  },
});

/**
 * Every error code `@tessera/token-service` declares, as a closed union (`typeof tokenServiceErrors`
 * keys), deprecated aliases included.
 *
 * @example
 * ```ts
 * const code: TokenServiceErrorCode = 'ERR_OAUTH_INVALID_GRANT';
 * ```
 */
export type TokenServiceErrorCode = ErrorCodeOf<typeof tokenServiceErrors>;

// Adds these codes to the ones `isTesseraError` and `TesseraError.code` know.
declare module '@tessera/core' {
  interface TesseraErrorCodeRegistry {
    tokenService: ErrorSpecsOf<typeof tokenServiceErrors>;
  }
}
