import { defineErrors, type ErrorCodeOf, type ErrorSpecsOf } from './define-errors.js';

/**
 * Every error code `@tessera/core` throws. Add new codes here and to `docs/errors.md`; never rename
 * or reuse one.
 *
 * @example
 * ```ts
 * throw coreErrors.create('ERR_JWT_MALFORMED', 'token is not a compact JWS');
 * ```
 */
export const coreErrors = defineErrors({
  ERR_CONFIG_INVALID: { status: 500, description: 'An option passed to a factory is missing or invalid.' },
  ERR_JWT_MALFORMED: {
    status: 401,
    description: 'The token is not a well-formed compact JWS/JWT (segments, base64url, JSON, size or nesting caps).',
  },
  ERR_JWT_ALG_NOT_ALLOWED: {
    status: 401,
    description: 'The header `alg` is `none`, unknown, not allowed by the verifier, or does not match the key.',
  },
  ERR_JWT_SIGNATURE_INVALID: { status: 401, description: 'The signature does not verify with any candidate key.' },
  ERR_JWT_EXPIRED: { status: 401, description: 'The token is past its `exp` (beyond the clock tolerance).' },
  ERR_JWT_NOT_YET_VALID: { status: 401, description: 'The token `nbf` (or `iat`) lies in the future.' },
  ERR_JWT_TOO_OLD: { status: 401, description: 'The token `iat` is older than `maxTokenAge`.' },
  ERR_JWT_REVOKED: {
    status: 401,
    description: "The token's `jti` was revoked at its issuer (the verifier's `revocations` source says so).",
  },
  ERR_JWT_CLAIM_INVALID: {
    status: 401,
    description: 'A registered claim has the wrong type or value (numeric dates must be finite numbers).',
  },
  ERR_JWT_CLAIM_MISSING: { status: 401, description: 'A required claim (e.g. `exp`) is absent.' },
  ERR_JWT_ISSUER_INVALID: { status: 401, description: 'The `iss` claim is not an accepted issuer.' },
  ERR_JWT_AUDIENCE_INVALID: { status: 401, description: 'No `aud` value matches an accepted audience.' },
  ERR_JWT_SUBJECT_INVALID: { status: 401, description: 'The `sub` claim does not match the expected subject.' },
  ERR_JWT_TYP_INVALID: { status: 401, description: 'The header `typ` is not the expected type.' },
  ERR_JWT_CRIT_UNSUPPORTED: {
    status: 401,
    description: 'The header `crit` names an extension the verifier does not understand.',
  },
  ERR_JWK_INVALID: {
    status: 500,
    description: 'A JWK or PEM key cannot be imported, is too weak, or does not fit its algorithm.',
  },
  ERR_JWKS_INVALID: { status: 500, description: 'A JWKS document is not a JSON object with a `keys` array.' },
  ERR_JWKS_NO_MATCHING_KEY: {
    status: 401,
    description: 'No key in the key set matches the token header (`kid`, `alg`).',
  },
  ERR_JWKS_FETCH_FAILED: {
    status: 503,
    description:
      'The remote JWKS could not be fetched (network, status, size, timeout) and no usable cached set remains.',
  },
  ERR_JWKS_NOT_READY: {
    status: 503,
    description:
      'A synchronous verification needed keys the key source is still fetching (use the asynchronous verify or warm the source up).',
  },
  ERR_REVOCATIONS_UNAVAILABLE: {
    status: 503,
    description:
      "The verifier's revocation feed has not been reached for longer than its `maxStaleDuration`: every token is refused until it answers (fail closed).",
  },
  ERR_DISCOVERY_FAILED: {
    status: 503,
    description: 'The OIDC discovery document could not be fetched or its `issuer` does not match.',
  },
  ERR_AUTH_TOKEN_MISSING: { status: 401, description: 'The request carries no bearer token where one is required.' },
  ERR_AUTH_CREDENTIALS_CONFLICT: {
    status: 400,
    description: 'The request carries more than one credential (duplicate headers, header plus query).',
  },
  ERR_AUTH_FAILED: {
    status: 401,
    description:
      'Authentication failed for an unexpected reason (the verifier threw something other than a 4xx TesseraError); the caller gets a generic 401, the details go to the log.',
  },
  ERR_AUTH_INSUFFICIENT_SCOPE: {
    status: 403,
    description: 'The token is valid but lacks a scope or claim the route requires.',
  },
  ERR_AUTH_ACCESS_DENIED: {
    status: 403,
    description:
      'An AuthorizationPolicy enforced by the middleware denied the request (answered `RBAC: access denied`, as the gateway does).',
  },
  ERR_AUTH_POLICIES_NOT_LOADED: {
    status: 503,
    description:
      "The middleware's policy files have not loaded (yet, or their first load failed): every request is refused until they do.",
  },
  ERR_POLICY_INVALID: {
    status: 500,
    description: 'A RequestAuthentication or AuthorizationPolicy document fails validation.',
  },
  ERR_HTTP_HOST_INVALID: {
    status: 400,
    description:
      'The `Host` header has no single canonical reading (userinfo, a stray character, a bad port, brackets around a non-IPv6 name).',
  },
  ERR_HTTP_PATH_INVALID: {
    status: 400,
    description: 'The request path cannot be normalized safely (e.g. `%00`, backslash, bad escape).',
  },
});

/**
 * Every error code `@tessera/core` declares, as a closed union (`typeof coreErrors` keys).
 *
 * @example
 * ```ts
 * const code: CoreErrorCode = 'ERR_JWT_EXPIRED';
 * ```
 */
export type CoreErrorCode = ErrorCodeOf<typeof coreErrors>;

// Core's own entry of the registry every package adds its codes to (tessera-error.ts).
declare module './tessera-error.js' {
  interface TesseraErrorCodeRegistry {
    core: ErrorSpecsOf<typeof coreErrors>;
  }
}
