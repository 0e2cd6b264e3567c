import {
  decodeJsonSegment,
  decodeSignature,
  DEFAULT_LIMITS,
  splitToken,
  type JwsLimits,
} from './internal/parse-jws.js';
import type { JwsHeader, JwtPayload } from './types.js';

/**
 * What {@link decodeJwt} returns: NOTHING in it has been verified.
 *
 * @example
 * ```ts
 * const unverified: UnverifiedJwt = decodeJwt(token); // unverified.verified === false
 * ```
 */
export interface UnverifiedJwt {
  readonly header: JwsHeader;
  readonly payload: JwtPayload;
  readonly signature: Buffer;
  /** Always `false`: a reminder that the signature and claims were not checked. */
  readonly verified: false;
}

/**
 * Decodes a compact JWT WITHOUT verifying it — for display and debugging (`tessera token decode`),
 * never for decisions. Parsing is as strict as the verifier's: exactly three segments, canonical
 * base64url, UTF-8 JSON objects without duplicate members, size and depth caps. Malformed input
 * throws `ERR_JWT_MALFORMED`. The header `alg` is not checked.
 *
 * @example
 * ```ts
 * const { header, payload } = decodeJwt(token);
 * const shown = { kid: header.kid, exp: payload.exp }; // for display only: unverified!
 * ```
 */
export function decodeJwt(token: string, limits: Partial<JwsLimits> = {}): UnverifiedJwt {
  const effective: JwsLimits = { ...DEFAULT_LIMITS, ...limits };
  const { first, second } = splitToken(token, effective);
  const header = decodeJsonSegment(token.slice(0, first), 'header', effective) as JwsHeader;
  const payload = decodeJsonSegment(token.slice(first + 1, second), 'payload', effective) as JwtPayload;
  const signature = decodeSignature(token.slice(second + 1));
  return { header, payload, signature, verified: false };
}
