// The options of createJwtSigner, in their own file so the signing setup (internal/prepare-signing.ts)
// and the signer both import them without importing each other.
import type { Clock, JwsAlgorithm } from './types.js';

/**
 * Options of {@link createJwtSigner} (and of {@link signJwt}): the protected header, and claims
 * set on every token. Durations are seconds or strings like `'15m'`, `'2h'`; they are checked when
 * the signer is created.
 *
 * @example
 * ```ts
 * const options: JwtSignerOptions = { issuer: 'https://ts.example', audience: 'orders', expiresIn: '5m', typ: 'at+jwt' };
 * ```
 */
export interface JwtSignerOptions {
  /** Must equal the key's algorithm when given (the key decides, RFC 8725 §3.1). */
  readonly alg?: JwsAlgorithm;
  /** Header `kid`; default the key's `kid`; `null` leaves it out. */
  readonly kid?: string | null;
  /** Header `typ`; default `JWT` (RFC 7519 §5.1); `null` leaves it out. Use `at+jwt` for RFC 9068 access tokens. */
  readonly typ?: string | null;
  /** Other protected header members (not `alg`, `kid`, `typ`, `crit`, `b64`, `jku`, `jwk`, `x5u`, `x5c`). */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Sets `exp` = now + this. */
  readonly expiresIn?: number | string;
  /** Sets `nbf` = now + this (`0` for now). */
  readonly notBefore?: number | string;
  /** `true`: `iat` = now, always; `false`: never set; default: set to now when the payload has none. */
  readonly issuedAt?: boolean;
  /** Sets `iss`. */
  readonly issuer?: string;
  /** Sets `aud`. */
  readonly audience?: string | readonly string[];
  /** Sets `sub`. */
  readonly subject?: string;
  /** Sets `jti`. */
  readonly jwtId?: string;
  /** Milliseconds since the epoch, read at each signature when a time claim is set; default `Date.now`. */
  readonly clock?: Clock;
}
