import { decodeJwt, getAlgorithm, tryDecodeBase64Url, type JwsHeader, type JwtPayload } from '@tessera/core/jose';
import { isTesseraError } from '@tessera/core/errors';
import { cliErrors } from '../errors.js';

/** What `tessera token decode` reports: the parts of a token and why a verifier would refuse it. */
export interface TokenInspection {
  header: JwsHeader;
  payload: JwtPayload;
  /** Human-readable `exp`, `nbf`, `iat`. */
  times: Record<string, string>;
  /** Problems found offline; the signature is never checked here (no key). */
  problems: { code: string; message: string }[];
}

function decodeSegment(segment: string, name: string): Record<string, unknown> {
  const bytes = tryDecodeBase64Url(segment);
  if (bytes === undefined)
    throw cliErrors.create('ERR_CLI_INPUT_INVALID', `the token ${name} is not strict base64url (RFC 7515 §2)`);
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw cliErrors.create('ERR_CLI_INPUT_INVALID', `the token ${name} is not JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw cliErrors.create('ERR_CLI_INPUT_INVALID', `the token ${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Decodes a compact JWS without verifying it (like jwt.io, offline) and lists what would make a
 * verifier following RFC 8725 refuse it: `alg: none` or unknown, missing or past `exp`, future
 * `nbf`/`iat`, non-numeric dates, `crit`, key-carrying headers. Throws `ERR_CLI_INPUT_INVALID`
 * when it is not a JWS at all.
 *
 * @example
 * ```ts
 * const { payload, problems } = inspectToken(token, Date.now());
 * ```
 */
export function inspectToken(token: string, nowMs: number): TokenInspection {
  const parts = token.trim().split('.');
  if (parts.length !== 3) {
    throw cliErrors.create(
      'ERR_CLI_INPUT_INVALID',
      parts.length === 5
        ? 'this is a JWE (5 segments); Tessera handles signed tokens only'
        : `a compact JWS has 3 segments separated by dots, this has ${parts.length}`,
    );
  }
  const header = decodeSegment(parts[0]!, 'header') as JwsHeader;
  const payload = decodeSegment(parts[1]!, 'payload') as JwtPayload;
  const problems: { code: string; message: string }[] = [];
  const add = (code: string, message: string) => problems.push({ code, message });
  // The verifier's own parser is stricter (duplicate members, size and depth caps): report what it says.
  try {
    decodeJwt(token.trim());
  } catch (error) {
    if (isTesseraError(error)) add(error.code, error.message);
    else throw error;
  }
  const spec = getAlgorithm(header.alg);
  if (header.alg === 'none')
    add('ERR_JWT_ALG_NOT_ALLOWED', 'alg "none": unsigned tokens are never accepted (RFC 8725 §3.1)');
  else if (spec === undefined)
    add('ERR_JWT_ALG_NOT_ALLOWED', `alg ${JSON.stringify(header.alg)} is not a supported JWS algorithm`);
  if (header.crit !== undefined)
    add(
      'ERR_JWT_CRIT_UNSUPPORTED',
      `header "crit" ${JSON.stringify(header.crit)} names extensions a verifier must understand (RFC 7515 §4.1.11)`,
    );
  for (const name of ['jku', 'jwk', 'x5u', 'x5c']) {
    if (name in header)
      add(
        'NOTE',
        `header "${name}" is ignored: keys come from the verifier's configured key set, never from the token (RFC 8725 §3.10)`,
      );
  }
  const now = nowMs / 1000;
  const times: Record<string, string> = {};
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[name];
    if (value === undefined) continue;
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      add(
        'ERR_JWT_CLAIM_INVALID',
        `"${name}" must be a finite NumericDate (RFC 7519 §2), got ${JSON.stringify(value)}`,
      );
      continue;
    }
    times[name] = new Date(value * 1000).toISOString();
  }
  if (payload.exp === undefined)
    add('ERR_JWT_CLAIM_MISSING', 'no "exp": Tessera verifiers require an expiry by default');
  else if (typeof payload.exp === 'number' && payload.exp <= now) add('ERR_JWT_EXPIRED', `expired at ${times['exp']}`);
  if (typeof payload.nbf === 'number' && payload.nbf > now)
    add('ERR_JWT_NOT_YET_VALID', `not valid before ${times['nbf']}`);
  if (typeof payload.iat === 'number' && payload.iat > now + 60)
    add('ERR_JWT_NOT_YET_VALID', `issued in the future (${times['iat']})`);
  if (
    payload.aud !== undefined &&
    typeof payload.aud !== 'string' &&
    !(Array.isArray(payload.aud) && payload.aud.every((a) => typeof a === 'string'))
  ) {
    add('ERR_JWT_CLAIM_INVALID', '"aud" must be a string or an array of strings (RFC 7519 §4.1.3)');
  }
  if (payload.iss !== undefined && typeof payload.iss !== 'string')
    add('ERR_JWT_CLAIM_INVALID', '"iss" must be a string');
  if (payload.sub !== undefined && typeof payload.sub !== 'string')
    add('ERR_JWT_CLAIM_INVALID', '"sub" must be a string');
  return { header, payload, times, problems };
}
