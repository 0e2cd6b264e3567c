import type { KeyObject } from 'node:crypto';

/**
 * JWS algorithms Tessera signs and verifies (RFC 7518 §3, RFC 8037, RFC 9864). `none` is never one of
 * them. `Ed25519` is RFC 9864's fully-specified name for EdDSA on Ed25519; `EdDSA` (polymorphic,
 * deprecated by RFC 9864) is still signed and verified, and means Ed25519 only here.
 *
 * @example
 * ```ts
 * const alg: JwsAlgorithm = 'ES256';
 * ```
 */
export type JwsAlgorithm =
  | 'RS256'
  | 'RS384'
  | 'RS512'
  | 'PS256'
  | 'PS384'
  | 'PS512'
  | 'ES256'
  | 'ES384'
  | 'ES512'
  | 'EdDSA'
  | 'Ed25519'
  | 'HS256'
  | 'HS384'
  | 'HS512';

/**
 * A JSON Web Key (RFC 7517), public, private or symmetric.
 *
 * @example
 * ```ts
 * const jwk: Jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo', kid: 'ed1' };
 * ```
 */
export interface Jwk {
  // `string & {}` keeps the known values as editor suggestions while any string is accepted.
  kty: 'RSA' | 'EC' | 'OKP' | 'oct' | (string & {});
  kid?: string;
  use?: string;
  alg?: string;
  key_ops?: string[];
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  k?: string;
  [member: string]: unknown;
}

/**
 * A JWK Set (RFC 7517 §5).
 *
 * @example
 * ```ts
 * const jwks: Jwks = { keys: [publicJwk] };
 * ```
 */
export interface Jwks {
  keys: Jwk[];
}

/**
 * A protected JWS header as parsed from a token.
 *
 * @example
 * ```ts
 * const header: JwsHeader = { alg: 'RS256', kid: 'k1', typ: 'JWT' };
 * ```
 */
export interface JwsHeader {
  alg: string;
  kid?: string;
  typ?: string;
  cty?: string;
  crit?: string[];
  [member: string]: unknown;
}

/**
 * JWT claims (RFC 7519 §4), plus anything else the issuer put there.
 *
 * @example
 * ```ts
 * const claims: JwtPayload = { iss: 'https://ts.internal', sub: 'svc-a', aud: 'orders', exp: 1_900_000_000 };
 * ```
 */
export interface JwtPayload {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
  nbf?: number;
  iat?: number;
  jti?: string;
  scope?: string;
  client_id?: string;
  act?: JwtPayload;
  [claim: string]: unknown;
}

/**
 * A key ready for the verify hot path: the `KeyObject` is built once, when the key is imported, and
 * the key is bound to exactly one algorithm (RFC 8725 §3.1: the key decides, not the token).
 *
 * @example
 * ```ts
 * const key: VerificationKey = importJwk(publicJwk); // key.alg fixed at import
 * ```
 */
export interface VerificationKey {
  readonly kid: string | undefined;
  readonly alg: JwsAlgorithm;
  /**
   * True when the JWK had no `alg` and `alg` was inferred from its key type and curve. Only then
   * may an OKP Ed25519 key (inferred as `EdDSA`) also verify `Ed25519` tokens: both names mean
   * the same signature for it (RFC 9864), and no declared `alg` says otherwise. A key that
   * declares its `alg` verifies that algorithm alone (RFC 8725 §3.1).
   */
  readonly algInferred?: boolean;
  /** Public key (asymmetric) or secret key (HMAC). */
  readonly keyObject: KeyObject;
  /** The public JWK (no private members); for `oct` keys, the JWK itself. */
  readonly jwk: Readonly<Jwk>;
}

/**
 * A key ready to sign: private `KeyObject` (or secret for HMAC) bound to one algorithm.
 *
 * @example
 * ```ts
 * const key: SigningKey = importSigningKey(privatePem, 'RS256', { kid: 'k1' });
 * ```
 */
export interface SigningKey {
  readonly kid: string | undefined;
  readonly alg: JwsAlgorithm;
  readonly keyObject: KeyObject;
}

/**
 * Where a verifier finds keys. `getKeys` returns the candidates for a header: the key whose `kid`
 * matches, or every key usable with `alg` when the token has no `kid` (Envoy's behaviour). It may
 * answer synchronously (keys cached) or with a promise (a fetch is needed); it throws
 * `ERR_JWKS_NO_MATCHING_KEY` when nothing matches.
 *
 * @example
 * ```ts
 * const source: KeySource = createLocalJwks({ keys: [publicJwk] });
 * source.getKeys({ alg: 'ES256', kid: 'k1' });
 * ```
 */
export interface KeySource {
  getKeys(header: JwsHeader): readonly VerificationKey[] | Promise<readonly VerificationKey[]>;
  /**
   * Changes whenever the set of keys changes (a remote set fetched with other keys). A verifier
   * drops its cached results when it does, so a key taken out of a set stops verifying at once,
   * not only when the cached tokens expire. Sources whose keys never change leave it undefined.
   */
  readonly version?: number;
}

/**
 * A verified token.
 *
 * @example
 * ```ts
 * const { header, payload, key }: VerifiedJwt = await verifier.verify(token);
 * ```
 */
export interface VerifiedJwt {
  readonly header: JwsHeader;
  readonly payload: JwtPayload;
  /** The key that verified the signature. */
  readonly key: VerificationKey;
}

/**
 * A clock in milliseconds since the epoch; injected everywhere time matters (tests never patch globals).
 *
 * @example
 * ```ts
 * let now = Date.UTC(2026, 0, 1);
 * const clock: Clock = () => now;
 * ```
 */
export type Clock = () => number;

/**
 * What `createVerifier` returns and every consumer (middleware, gateway, token service) depends on.
 * `verify` resolves to the verified token or rejects with a `TesseraError` (`ERR_JWT_*`,
 * `ERR_JWKS_*`); it never rejects with anything else.
 *
 * @example
 * ```ts
 * const verifier: Verifier = createVerifier({ issuer, audience, keys });
 * ```
 */
export interface Verifier {
  verify(token: string): Promise<VerifiedJwt>;
}
