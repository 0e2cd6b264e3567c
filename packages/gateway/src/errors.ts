import { defineErrors, type ErrorCodeOf, type ErrorSpecsOf } from '@tessera/core';

/**
 * Every error code `@tessera/gateway` throws or logs (ARCHITECTURE.md, "Errors"). Some are access-log
 * reasons rather than exceptions: the respond stage answers the request with the code's status and
 * writes the code as the access log's `reason` (`ERR_GATEWAY_ROUTE_NOT_FOUND`,
 * `ERR_GATEWAY_UPSTREAM_UNAVAILABLE`, `ERR_GATEWAY_UPSTREAM_TIMEOUT`, `ERR_GATEWAY_CLAIM_UNSAFE`,
 * `ERR_GATEWAY_DRAINING`, `ERR_GATEWAY_ACCESS_DENIED`, `ERR_GATEWAY_INTERNAL`). Add new codes here
 * and to `docs/errors.md`; never rename or reuse one.
 *
 * @example
 * ```ts
 * throw gatewayErrors.create('ERR_GATEWAY_CONFIG_INVALID', 'gateway.yaml:4: routes.0.upstream: invalid URL');
 * ```
 */
export const gatewayErrors = defineErrors({
  ERR_GATEWAY_CONFIG_INVALID: {
    status: 500,
    description:
      'The gateway configuration (file, environment or defaults) fails validation; the message names the file, line and field path.',
  },
  ERR_GATEWAY_POLICY_LOAD_FAILED: {
    status: 500,
    description: 'A policy source (file or folder) cannot be read or compiled; the previous policy set stays in force.',
  },
  ERR_GATEWAY_ROUTE_NOT_FOUND: {
    status: 404,
    description: 'Access-log reason: no route matches the request host and path.',
  },
  ERR_GATEWAY_BAD_REQUEST: {
    status: 400,
    description:
      'The request is malformed: bad path, too many headers, duplicate or conflicting credentials, or a header the gateway cannot forward.',
  },
  ERR_GATEWAY_UPSTREAM_UNAVAILABLE: {
    status: 502,
    description:
      'Access-log reason: the upstream refused or dropped the connection, or answered with something that is not HTTP.',
  },
  ERR_GATEWAY_UPSTREAM_TIMEOUT: {
    status: 504,
    description:
      'Access-log reason: the upstream did not connect, answer headers or finish the body within the configured timeout.',
  },
  ERR_GATEWAY_CLAIM_UNSAFE: {
    status: 401,
    description:
      'Access-log reason: a claim copied to a header holds CR, LF or another control character; the request is rejected rather than injected.',
  },
  ERR_GATEWAY_MINT_FAILED: {
    status: 503,
    description:
      'The gateway could not mint or exchange a token for the upstream (signing key or token service unavailable).',
  },
  ERR_GATEWAY_LOGIN_FAILED: {
    status: 401,
    description:
      "A person's login at the route's OpenID Connect provider could not complete: discovery or the token endpoint failed, or the ID token or logout token did not verify (ExtAuthPolicy `oidcAuthorizationCode`).",
  },
  ERR_GATEWAY_TOKEN_REVOKED: {
    status: 401,
    description: "The token's `jti` is on the revocation list published by the token service.",
  },
  ERR_GATEWAY_DRAINING: {
    status: 503,
    description: 'Access-log reason: the gateway is shutting down and no longer accepts new requests.',
  },
  ERR_GATEWAY_ACCESS_DENIED: {
    status: 403,
    description:
      "Access-log reason: an AuthorizationPolicy denied the request (`RBAC: access denied`; a CUSTOM provider's own answer is relayed with its status).",
  },
  ERR_GATEWAY_INTERNAL: {
    status: 500,
    description:
      'Access-log reason: an unexpected error on the auth path; the request is denied, never passed through (fail closed), and the details go to the log.',
  },
});

/**
 * Every error code `@tessera/gateway` declares, as a closed union (`typeof gatewayErrors` keys).
 *
 * @example
 * ```ts
 * const reason: GatewayErrorCode = 'ERR_GATEWAY_UPSTREAM_TIMEOUT';
 * ```
 */
export type GatewayErrorCode = ErrorCodeOf<typeof gatewayErrors>;

// Adds these codes to the ones `isTesseraError` and `TesseraError.code` know.
declare module '@tessera/core' {
  interface TesseraErrorCodeRegistry {
    gateway: ErrorSpecsOf<typeof gatewayErrors>;
  }
}
