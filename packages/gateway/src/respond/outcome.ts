import { formatWwwAuthenticate, type TesseraErrorCode } from '@tessera/core';
import type { Verdict } from '../auth/verdict.js';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import type { GatewayRequest } from '../request/gateway-request.js';

/**
 * The stable code of the access log's `reason`: `allowed` for a request that reached its
 * upstream (or got the decision API's 200), else the error code that says why it did not
 * (`ERR_JWT_EXPIRED`, `ERR_GATEWAY_ACCESS_DENIED`, `ERR_GATEWAY_UPSTREAM_TIMEOUT`, ...,
 * listed in docs/errors.md). The human account goes to `detail`.
 */
export type AccessReason = 'allowed' | TesseraErrorCode;

/**
 * What the gateway answers when a request goes no further: status, body, headers, and the
 * access log's `reason` and `detail`. Every entry (HTTP, WebSocket upgrade, decision API)
 * writes the same outcome for the same refusal, so their answers cannot drift apart.
 *
 * @example
 * ```ts
 * const o: Outcome = { status: 403, body: 'RBAC: access denied', headers: {}, reason: 'ERR_GATEWAY_ACCESS_DENIED', detail: 'deny-matched ns/p rule 0' };
 * ```
 */
export interface Outcome {
  readonly status: number;
  readonly body: string;
  /** Response headers; a list is sent as one header line each (`Set-Cookie`). */
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly reason: AccessReason;
  /** Why, for the access log (policy and rule, verifier message); never holds a token. */
  readonly detail: string;
  /** Close the connection after answering: the request could not be trusted to frame. */
  readonly close?: boolean;
}

const NONE: Readonly<Record<string, string>> = Object.freeze({});

/** `realm` of `WWW-Authenticate`: the configured one, or the request URL as Envoy does. */
export function realmOf(config: GatewayConfig, r: GatewayRequest): string {
  return config.realm ?? `${r.scheme}://${r.authority || r.host}${r.path}`;
}

/**
 * The outcome of a verdict that is not `allow`: 401 with Envoy's text and the RFC 6750
 * challenge, 403 `RBAC: access denied` (or a CUSTOM provider's own answer, relayed as Envoy's
 * ext_authz does), 400.
 *
 * @example
 * ```ts
 * if (verdict.kind !== 'allow') write(refusalOf(verdict, realmOf(config, request)));
 * ```
 */
export function refusalOf(verdict: Exclude<Verdict, { kind: 'allow' }>, realm: string): Outcome {
  switch (verdict.kind) {
    case 'unauthenticated':
      return {
        status: 401,
        body: verdict.body,
        headers: {
          'www-authenticate': formatWwwAuthenticate(
            verdict.invalidToken ? { realm, error: 'invalid_token' } : { realm },
          ),
        },
        reason: verdict.code,
        detail: verdict.reason,
      };
    case 'denied': {
      const custom = verdict.response;
      if (custom === undefined) return denied(verdict.reason);
      return {
        status: custom.status,
        body: custom.body,
        headers: Object.fromEntries(custom.headers),
        reason: 'ERR_GATEWAY_ACCESS_DENIED',
        detail: verdict.reason,
      };
    }
    case 'bad-request':
      return badRequest(verdict.reason, verdict.code);
  }
}

/** 403 `RBAC: access denied`, Envoy's RBAC answer. */
export function denied(detail: string): Outcome {
  return { status: 403, body: 'RBAC: access denied', headers: NONE, reason: 'ERR_GATEWAY_ACCESS_DENIED', detail };
}

/** 400 for a request that cannot be read one way only (the connection closes). */
export function badRequest(
  detail: string,
  reason: AccessReason = 'ERR_GATEWAY_BAD_REQUEST',
  body = 'Bad Request',
): Outcome {
  return { status: 400, body, headers: NONE, reason, detail, close: true };
}

/** A request the parsing stage refused: 400, 431 (too many or too large headers) or 404 (no route). */
export function notPrepared(error: 400 | 404 | 431, detail: string): Outcome {
  if (error === 404) {
    return { status: 404, body: 'route not found', headers: NONE, reason: 'ERR_GATEWAY_ROUTE_NOT_FOUND', detail };
  }
  if (error === 431) {
    return { ...badRequest(detail), status: 431, body: 'request header fields too large' };
  }
  return badRequest(detail);
}

/** 401: a claim bound for a header holds characters a header cannot carry (`onUnsafeClaim: reject`). */
export function claimUnsafe(realm: string, detail: string): Outcome {
  return {
    status: 401,
    body: 'Jwt claim cannot be forwarded',
    headers: { 'www-authenticate': formatWwwAuthenticate({ realm, error: 'invalid_token' }) },
    reason: 'ERR_GATEWAY_CLAIM_UNSAFE',
    detail,
  };
}

/** 503: no last-mile token could be minted or exchanged for the upstream. */
export const MINT_FAILED: Outcome = Object.freeze({
  status: 503,
  body: 'upstream token unavailable',
  headers: NONE,
  reason: 'ERR_GATEWAY_MINT_FAILED',
  detail: 'mint failed',
});

/** 503 while the gateway drains. */
export const DRAINING: Outcome = Object.freeze({
  status: 503,
  body: 'gateway is draining',
  headers: NONE,
  reason: 'ERR_GATEWAY_DRAINING',
  detail: 'draining',
  close: true,
});

/** 500: an unexpected error on the auth path; the request is denied, never passed (fail closed). */
export const INTERNAL: Outcome = Object.freeze({
  status: 500,
  body: 'internal error',
  headers: NONE,
  reason: 'ERR_GATEWAY_INTERNAL',
  detail: 'internal error',
});

/** 502: the upstream refused or dropped the connection, or did not speak HTTP (Envoy's text). */
export const UPSTREAM_UNAVAILABLE: Outcome = Object.freeze({
  status: 502,
  body: 'upstream connect error or disconnect/reset before headers',
  headers: NONE,
  reason: 'ERR_GATEWAY_UPSTREAM_UNAVAILABLE',
  detail: 'upstream unavailable',
});

/** 504: the upstream did not connect or answer in time (Envoy's text). */
export const UPSTREAM_TIMEOUT: Outcome = Object.freeze({
  status: 504,
  body: 'upstream request timeout',
  headers: NONE,
  reason: 'ERR_GATEWAY_UPSTREAM_TIMEOUT',
  detail: 'upstream timeout',
});
