// The options of createVerifier, in their own file so the option checks (internal/verifier-options.ts)
// and the verifier both import them without importing each other.
import type { Clock, Jwks, JwsAlgorithm, KeySource, VerificationKey } from './types.js';
import type { RevocationSource } from './revocation-feed.js';
import type { TokenCacheOptions } from './token-cache.js';

/**
 * Where a verifier finds an issuer's keys: a key source (local or remote), a JWKS, or imported keys.
 *
 * @example
 * ```ts
 * const keys: KeysInput = createRemoteJwks(new URL('https://ts.internal/.well-known/jwks.json'));
 * ```
 */
export type KeysInput = KeySource | Jwks | readonly VerificationKey[];

/**
 * One trusted issuer and the only keys that may verify its tokens.
 *
 * @example
 * ```ts
 * const partner: IssuerOptions = { issuer: 'https://partner.example', keys: createLocalJwks({ path: 'partner.json' }), audience: 'partner-api' };
 * ```
 */
export interface IssuerOptions {
  /** Exact `iss` value (RFC 7519 §4.1.1, compared as a case-sensitive string). */
  readonly issuer: string;
  readonly keys: KeysInput;
  /** Overrides the verifier's `audience` for this issuer. */
  readonly audience?: string | readonly string[];
  /** Overrides the verifier's `algorithms` for this issuer. */
  readonly algorithms?: readonly JwsAlgorithm[];
}

/**
 * Options of {@link createVerifier}. Give either `issuer` + `keys` (one issuer; leave `issuer` out
 * to accept any `iss` signed by these keys) or `issuers` (several, each bound to its own keys).
 * Times are in seconds (as in jose), or strings like `'30s'`, `'5m'`.
 *
 * @example
 * ```ts
 * const options: VerifierOptions = { issuer: 'https://ts.internal', audience: 'orders', keys, clockTolerance: '30s', typ: 'at+jwt' };
 * ```
 */
export interface VerifierOptions {
  readonly issuer?: string;
  readonly keys?: KeysInput;
  readonly issuers?: readonly IssuerOptions[];
  /** Accepted audiences: the token's `aud` (string or array) must contain one, exactly. Unset: `aud` is not checked. */
  readonly audience?: string | readonly string[];
  /** Accepted algorithms; default all supported. The key still decides: a token's `alg` must equal its key's. */
  readonly algorithms?: readonly JwsAlgorithm[];
  /** Leeway for `exp`, `nbf`, `iat`, in seconds; default 0. */
  readonly clockTolerance?: number | string;
  /** Reject tokens whose `iat` is older than this (seconds); makes `iat` required. */
  readonly maxTokenAge?: number | string;
  /** Claims that must be present, in addition to `exp`. */
  readonly requiredClaims?: readonly string[];
  /** Require `exp` (RFC 8725 §3.10 short-lived tokens); default true. */
  readonly requireExpiration?: boolean;
  /** Expected header `typ` (RFC 8725 §3.11), compared case-insensitively, `application/` prefix optional (RFC 7515 §4.1.9). */
  readonly typ?: string;
  /** Expected `sub`. */
  readonly subject?: string;
  /** Header parameters this application understands when listed in `crit` (RFC 7515 §4.1.11); default none. `b64` is never supported. */
  readonly crit?: readonly string[];
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly clock?: Clock;
  /** Verified-token cache: on by default; `false` turns it off. */
  readonly cache?: boolean | TokenCacheOptions;
  /** Longest token accepted, in characters; default 8192. */
  readonly maxTokenLength?: number;
  /** Deepest JSON nesting accepted in header and payload; default 16. */
  readonly maxJsonDepth?: number;
  /**
   * Revocations to honour, usually a `createRevocationFeed` shared by the process: a token whose
   * `jti` it names is refused (`ERR_JWT_REVOKED`), cached results included; keys it lists as
   * withdrawn verify nothing (results they verified are dropped from the cache); while it is stale
   * every token is refused (`ERR_REVOCATIONS_UNAVAILABLE`). A token without `jti` cannot be revoked:
   * add `'jti'` to `requiredClaims` to refuse such tokens.
   */
  readonly revocations?: RevocationSource;
}
