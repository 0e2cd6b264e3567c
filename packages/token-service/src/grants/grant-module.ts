import type { JwtPayload } from '@tessera/core';
import type { AuthenticatedClient } from '../clients/create-client-authenticator.js';
import type { AccessTokenRequest, IssuedAccessToken } from '../tokens/create-access-token-issuer.js';

/** What a grant handler gets: the authenticated client and the parsed form (duplicates already refused). */
export interface GrantContext {
  readonly client: AuthenticatedClient;
  readonly form: ReadonlyMap<string, string>;
  /** Clock time in ms. */
  readonly now: number;
  /** The request's source address, for the failure counters of grants that check a password. */
  readonly source: string;
}

/** What a grant decided: the token to issue, and the RFC 8693 `issued_token_type` when it is an exchange. */
export interface GrantDecision extends AccessTokenRequest {
  readonly issuedTokenType?: string;
  /** Extra audit facts (never secrets or whole tokens). */
  readonly auditDetails?: Readonly<Record<string, unknown>>;
  /**
   * Runs once the access token is issued (and audited), before the answer: more members for the
   * token response (an `id_token`), and what must be recorded about the issue (the authorization
   * code grant remembers which token its code gave, to revoke it if the code is replayed).
   */
  readonly complete?: (issued: IssuedAccessToken) => Promise<Readonly<Record<string, unknown>>>;
}

/**
 * A grant type (ARCHITECTURE.md, "Token path"): every grant is one module, registered in one table.
 * `parameters.required` are checked before `handle` runs (missing → `invalid_request`); `handle`
 * reads the optional ones it knows, and any other parameter is ignored as RFC 6749 §3.2 asks.
 *
 * @example
 * ```ts
 * export const passwordGrant: GrantModule = { grantType: 'password', parameters: { required: ['username', 'password'] }, handle };
 * ```
 */
export interface GrantModule {
  readonly grantType: string;
  readonly parameters: { readonly required: readonly string[] };
  handle(context: GrantContext): Promise<GrantDecision>;
}

/**
 * RFC 8693 §3 token type identifiers.
 *
 * @example
 * ```ts
 * form.get('subject_token_type') === TOKEN_TYPE_ACCESS_TOKEN;
 * ```
 */
export const TOKEN_TYPE_ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
/**
 * RFC 8693 §3 token type identifier for a JWT.
 *
 * @example
 * ```ts
 * form.get('subject_token_type') === TOKEN_TYPE_JWT;
 * ```
 */
export const TOKEN_TYPE_JWT = 'urn:ietf:params:oauth:token-type:jwt';
/**
 * The RFC 8693 grant type.
 *
 * @example
 * ```ts
 * grants.get(TOKEN_EXCHANGE_GRANT);
 * ```
 */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';

/** A verified incoming token (subject or actor token of an exchange). */
export interface VerifiedToken {
  readonly payload: JwtPayload;
  /** `self` for this service's own tokens, else the trusted external issuer. */
  readonly issuer: string;
}
