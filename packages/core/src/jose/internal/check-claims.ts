// The claim checks of RFC 7519 §4.1 and §7.2 with the RFC 8725 rules, run on every verified token
// (after the signature: claims of an unverified token are not worth a look).
import type { JwtPayload } from '../types.js';
import { fail, show } from './fail.js';

/** What a verifier requires of claims, resolved from its options once. */
export interface ClaimRules {
  /** Leeway for `exp`, `nbf` and `iat`, in seconds. */
  readonly tolerance: number;
  /** Oldest `iat` accepted, in seconds; makes `iat` required. */
  readonly maxTokenAge: number | undefined;
  readonly requireExpiration: boolean;
  readonly subject: string | undefined;
  readonly requiredClaims: readonly string[];
}

/** One value or a few of a list, for a message (which says what came and what was expected). */
function list(values: string | readonly string[]): string {
  const all = typeof values === 'string' ? [values] : values;
  const shown = all.slice(0, 3).map(show).join(' or ');
  return all.length > 3 ? `${shown} (and ${all.length - 3} more)` : shown;
}

/** A NumericDate for a message; finite but absurd dates (±1e300) have no ISO form. */
function isoTime(seconds: number): string {
  return Math.abs(seconds) < 8.64e12 ? new Date(seconds * 1000).toISOString() : `${seconds} s`;
}

/**
 * Checks the claims of a verified token at `nowMs`: numeric dates finite numbers, `exp`
 * (required unless turned off), `nbf`, `iat` not in the future and against `maxTokenAge`, `sub` and `jti` strings,
 * `aud` against the issuer's `audience` (exact match, one suffices), `subject`, required claims.
 */
export function checkClaims(
  payload: JwtPayload,
  audience: ReadonlySet<string> | undefined,
  nowMs: number,
  rules: ClaimRules,
): void {
  const now = nowMs / 1000;
  const { tolerance, maxTokenAge } = rules;
  const { exp, nbf, iat } = payload;
  // RFC 7519 §4.1.4-4.1.6: NumericDate is a JSON number; 1e400 parses to Infinity and is refused.
  if (exp !== undefined) {
    if (typeof exp !== 'number' || !Number.isFinite(exp)) fail('ERR_JWT_CLAIM_INVALID', 'exp must be a finite number');
    if (now - tolerance >= exp)
      fail('ERR_JWT_EXPIRED', `token expired at ${isoTime(exp)}`, { expiredAt: exp, now: Math.floor(now) });
  } else if (rules.requireExpiration) {
    fail('ERR_JWT_CLAIM_MISSING', 'token has no exp');
  }
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) fail('ERR_JWT_CLAIM_INVALID', 'nbf must be a finite number');
    if (now + tolerance < nbf)
      fail('ERR_JWT_NOT_YET_VALID', `token is not valid before ${isoTime(nbf)}`, {
        notBefore: nbf,
        now: Math.floor(now),
      });
  }
  if (iat !== undefined) {
    if (typeof iat !== 'number' || !Number.isFinite(iat)) fail('ERR_JWT_CLAIM_INVALID', 'iat must be a finite number');
    // A token issued in the future comes from a wrong clock or was minted to outlive its `exp`
    // window (RFC 7519 §4.1.6); refuse it beyond the tolerance, with or without maxTokenAge.
    if (iat > now + tolerance)
      fail('ERR_JWT_NOT_YET_VALID', `token iat ${isoTime(iat)} is in the future`, {
        issuedAt: iat,
        now: Math.floor(now),
      });
  }
  if (maxTokenAge !== undefined) {
    if (iat === undefined) fail('ERR_JWT_CLAIM_MISSING', 'token has no iat, which maxTokenAge needs');
    if (now - tolerance - iat > maxTokenAge)
      fail('ERR_JWT_TOO_OLD', `token is older than ${maxTokenAge} s`, { issuedAt: iat, now: Math.floor(now) });
  }
  if (payload.sub !== undefined && typeof payload.sub !== 'string')
    fail('ERR_JWT_CLAIM_INVALID', 'sub must be a string');
  if (payload.jti !== undefined && typeof payload.jti !== 'string')
    fail('ERR_JWT_CLAIM_INVALID', 'jti must be a string');
  const aud = payload.aud;
  if (aud !== undefined && typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string')))
    fail('ERR_JWT_CLAIM_INVALID', 'aud must be a string or an array of strings');
  if (audience !== undefined) {
    // RFC 7519 §4.1.3: one of the token's audiences must be ours, compared exactly.
    if (aud === undefined) fail('ERR_JWT_CLAIM_MISSING', 'token has no aud');
    if (typeof aud === 'string' ? !audience.has(aud) : !aud.some((a) => audience.has(a)))
      fail('ERR_JWT_AUDIENCE_INVALID', `token aud ${list(aud)} is not ${list([...audience])}`);
  }
  if (rules.subject !== undefined && payload.sub !== rules.subject)
    fail('ERR_JWT_SUBJECT_INVALID', `token sub ${show(payload.sub)} is not ${show(rules.subject)}`);
  const required = rules.requiredClaims;
  for (let i = 0; i < required.length; i++) {
    const name = required[i]!;
    if (!Object.hasOwn(payload, name)) fail('ERR_JWT_CLAIM_MISSING', `token has no ${show(name)}`);
  }
}
