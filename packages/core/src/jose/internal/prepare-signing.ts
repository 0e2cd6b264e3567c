// What signJwt and createJwtSigner share: the key checks (the key decides the algorithm, RFC 8725
// §3.1), the encoded protected header, the claim options and the signing input. One code path, so
// a token from `signJwt` and one from a signer with the same options are byte for byte the same.
import { coreErrors } from '../../errors/errors.js';
import { getAlgorithm } from '../algorithms.js';
import type { JwtSignerOptions } from '../jwt-signer-options.js';
import type { Clock, JwsAlgorithm, JwtPayload, SigningKey } from '../types.js';
import { toSeconds } from './duration.js';
import { keyFacts, keyMismatch } from './key-facts.js';
import { prepareSigningKey, type PreparedSigningKey } from './node-crypto.js';

/** Everything a signature needs that does not depend on the payload. */
export interface SigningSetup {
  readonly key: PreparedSigningKey;
  readonly alg: JwsAlgorithm;
  /** The header `kid`, if the header has one. */
  readonly kid: string | undefined;
  /** `BASE64URL(UTF8(JWS Protected Header))` followed by the `.` separator. */
  readonly headerPrefix: string;
  readonly issuer: string | undefined;
  readonly subject: string | undefined;
  readonly audience: string | readonly string[] | undefined;
  readonly jwtId: string | undefined;
  readonly issuedAt: boolean | undefined;
  /** Whole seconds, or undefined when not set. */
  readonly notBefore: number | undefined;
  readonly expiresIn: number | undefined;
  readonly clock: Clock;
}

// Members a caller may not set through `header`: the ones the key decides, and the ones that would
// tell a verifier where to fetch a key or change what is signed (RFC 8725 §3.1, RFC 7797).
const RESERVED_HEADER = new Set(['alg', 'kid', 'typ', 'crit', 'b64', 'jku', 'jwk', 'x5u', 'x5c']);

// Encoded headers (with the `.` that follows) by (alg, kid, typ): signJwt sends the same few
// headers over and over.
const encodedHeaders = new Map<string, string>();
const ENCODED_HEADERS_MAX = 256;

/** RFC 7519 §4.1.4-4.1.6: the claims that hold a NumericDate. */
const NUMERIC_DATES = ['exp', 'nbf', 'iat'] as const;

/** Throws `ERR_CONFIG_INVALID`; declared `never` so the compiler narrows after a check. */
export function badSigningOption(message: string): never {
  throw coreErrors.create('ERR_CONFIG_INVALID', message);
}

function duration(name: string, value: number | string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const seconds = toSeconds(value);
  if (seconds === undefined)
    badSigningOption(`${name} must be a non-negative number of seconds or a string like '15m'`);
  return Math.floor(seconds);
}

/** `BASE64URL(header) '.'`, cached by (alg, kid, typ) when there are no extra members. */
function headerPrefix(
  alg: JwsAlgorithm,
  kid: string | undefined,
  typ: string | null,
  extra: JwtSignerOptions['header'],
): string {
  // Length-prefixed kid, so no two (kid, typ) pairs can spell the same key.
  const cacheKey =
    extra === undefined
      ? `${alg}|${kid === undefined ? '-' : `${kid.length}:${kid}`}|${typ === null ? '-' : `+${typ}`}`
      : undefined;
  const cached = cacheKey === undefined ? undefined : encodedHeaders.get(cacheKey);
  if (cached !== undefined) return cached;
  const header: Record<string, unknown> = { alg };
  if (kid !== undefined) header.kid = kid;
  if (typ !== null) header.typ = typ;
  if (extra !== undefined) {
    for (const [name, value] of Object.entries(extra)) {
      if (RESERVED_HEADER.has(name) || name === '__proto__')
        badSigningOption(`header member ${name} cannot be set here`);
      header[name] = value;
    }
  }
  let encoded: string;
  try {
    encoded = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.`;
  } catch (error) {
    throw coreErrors.create('ERR_CONFIG_INVALID', `header cannot be serialized as JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (cacheKey !== undefined) {
    if (encodedHeaders.size >= ENCODED_HEADERS_MAX) encodedHeaders.clear();
    encodedHeaders.set(cacheKey, encoded);
  }
  return encoded;
}

/**
 * Checks `key` and `options` once: the key must be private (or a secret), of a supported `alg`,
 * and fit it (type, curve, RSA ≥ 2048 bits, HMAC secret ≥ hash length); `options.alg`, when given,
 * must equal the key's. Throws `ERR_JWK_INVALID` for the key, `ERR_CONFIG_INVALID` for options.
 */
export function prepareSigning(key: SigningKey, options: JwtSignerOptions): SigningSetup {
  if (typeof options !== 'object' || options === null) badSigningOption('options must be an object');
  const spec = getAlgorithm(key?.alg);
  if (spec === undefined) badSigningOption('the signing key has no supported alg');
  if (options.alg !== undefined && options.alg !== spec.alg)
    badSigningOption(`alg ${options.alg} does not match the key's ${spec.alg}`);
  const facts = keyFacts(key.keyObject);
  const mismatch = keyMismatch(spec, facts, true) ?? (facts.isPrivate ? undefined : 'a public key cannot sign');
  if (mismatch !== undefined) throw coreErrors.create('ERR_JWK_INVALID', mismatch);
  if (options.clock !== undefined && typeof options.clock !== 'function')
    badSigningOption('clock must be a function returning milliseconds');

  const kid = (options.kid === undefined ? key.kid : options.kid) ?? undefined;
  const typ = options.typ === undefined ? 'JWT' : options.typ;
  return {
    key: prepareSigningKey(spec, key.keyObject),
    alg: spec.alg,
    kid,
    headerPrefix: headerPrefix(spec.alg, kid, typ, options.header),
    issuer: options.issuer,
    subject: options.subject,
    audience: options.audience,
    jwtId: options.jwtId,
    issuedAt: options.issuedAt,
    notBefore: duration('notBefore', options.notBefore),
    expiresIn: duration('expiresIn', options.expiresIn),
    clock: options.clock ?? Date.now,
  };
}

/**
 * `BASE64URL(header) '.' BASE64URL(claims)` for `payload` with the setup's claim options applied
 * (they override the same claims in `payload`). Throws `ERR_CONFIG_INVALID` when the payload is not
 * a JSON object, a numeric date is not a finite number (RFC 7519 §2), or JSON cannot hold it.
 */
export function signingInput(setup: SigningSetup, payload: JwtPayload): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload))
    badSigningOption('payload must be a JSON object');
  const claims: JwtPayload = { ...payload };
  if (setup.issuer !== undefined) claims.iss = setup.issuer;
  if (setup.subject !== undefined) claims.sub = setup.subject;
  if (setup.audience !== undefined)
    claims.aud = typeof setup.audience === 'string' ? setup.audience : [...setup.audience];
  if (setup.jwtId !== undefined) claims.jti = setup.jwtId;
  const stampIat = setup.issuedAt !== false && (setup.issuedAt === true || claims.iat === undefined);
  if (stampIat || setup.notBefore !== undefined || setup.expiresIn !== undefined) {
    const now = Math.floor(setup.clock() / 1000);
    if (stampIat) claims.iat = now;
    if (setup.notBefore !== undefined) claims.nbf = now + setup.notBefore;
    if (setup.expiresIn !== undefined) claims.exp = now + setup.expiresIn;
  }
  for (const name of NUMERIC_DATES) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      badSigningOption(`claim ${name} must be a finite number (RFC 7519 §2 NumericDate)`);
  }
  try {
    return setup.headerPrefix + Buffer.from(JSON.stringify(claims)).toString('base64url');
  } catch (error) {
    throw coreErrors.create('ERR_CONFIG_INVALID', `payload cannot be serialized as JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
