import { coreErrors } from '../errors/errors.js';
import { getAlgorithm } from './algorithms.js';
import { toSeconds } from './internal/duration.js';
import { keyFacts, keyMismatch } from './internal/key-facts.js';
import { signBytes } from './internal/node-crypto.js';
import type { Clock, JwsAlgorithm, JwtPayload, SigningKey } from './types.js';

/**
 * Options of {@link signJwt}. Durations are seconds or strings like `'15m'`, `'2h'`.
 *
 * @example
 * ```ts
 * const options: SignJwtOptions = { issuer: 'https://ts.example', audience: 'orders', expiresIn: '5m', typ: 'at+jwt' };
 * ```
 */
export interface SignJwtOptions {
  /** Must equal the key's algorithm when given (the key decides, RFC 8725 §3.1). */
  readonly alg?: JwsAlgorithm;
  /** Header `kid`; default the key's `kid`; `null` leaves it out. */
  readonly kid?: string | null;
  /** Header `typ`; default `JWT` (RFC 7519 §5.1); `null` leaves it out. Use `at+jwt` for RFC 9068 access tokens. */
  readonly typ?: string | null;
  /** Other protected header members (not `alg`, `kid`, `typ`, `crit`, `b64`). */
  readonly header?: Readonly<Record<string, unknown>>;
  /** Sets `exp` = now + this. */
  readonly expiresIn?: number | string;
  /** Sets `nbf` = now + this (`0` for now). */
  readonly notBefore?: number | string;
  /** Sets `iat` = now; default true. */
  readonly issuedAt?: boolean;
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  readonly subject?: string;
  readonly jwtId?: string;
  /** Milliseconds since the epoch; default `Date.now`. */
  readonly clock?: Clock;
}

const RESERVED_HEADER = new Set(['alg', 'kid', 'typ', 'crit', 'b64', 'jku', 'jwk', 'x5u', 'x5c']);

// Encoded headers by (alg, kid, typ): a signer sends the same few headers over and over.
const encodedHeaders = new Map<string, string>();
const ENCODED_HEADERS_MAX = 256;

const bad = (message: string): never => {
  throw coreErrors.create('ERR_CONFIG_INVALID', message);
};

function duration(name: string, value: number | string): number {
  const seconds = toSeconds(value);
  if (seconds === undefined) bad(`${name} must be a non-negative number of seconds or a string like '15m'`);
  return seconds!;
}

/**
 * Signs a JWT (RFC 7519) as a compact JWS (RFC 7515 §7.1), synchronously on node:crypto.
 * Registered claims given as options override the same claims in `payload`; numeric dates are
 * whole seconds. ECDSA signatures are raw R‖S, RSA-PSS uses a salt as long as the hash.
 *
 * @example
 * ```ts
 * const { signingKey } = generateKey('ES256');
 * const token = signJwt({ scope: 'read' }, signingKey, { issuer: 'https://ts.example', audience: 'orders', subject: 'svc-a', expiresIn: '5m' });
 * ```
 */
export function signJwt(payload: JwtPayload, key: SigningKey, options: SignJwtOptions = {}): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) bad('payload must be a JSON object');
  const spec = getAlgorithm(key?.alg);
  if (spec === undefined) return bad('the signing key has no supported alg');
  if (options.alg !== undefined && options.alg !== key.alg)
    bad(`alg ${options.alg} does not match the key's ${key.alg}`);
  const facts = keyFacts(key.keyObject);
  const mismatch = keyMismatch(spec, facts, true) ?? (facts.isPrivate ? undefined : 'a public key cannot sign');
  if (mismatch !== undefined) throw coreErrors.create('ERR_JWK_INVALID', mismatch);

  const kid = options.kid === undefined ? key.kid : options.kid;
  const typ = options.typ === undefined ? 'JWT' : options.typ;
  // Length-prefixed kid, so no two (kid, typ) pairs can spell the same key.
  const cacheKey =
    options.header === undefined
      ? `${spec.alg}|${kid == null ? '-' : `${kid.length}:${kid}`}|${typ === null ? '-' : `+${typ}`}`
      : undefined;
  let encodedHeader = cacheKey === undefined ? undefined : encodedHeaders.get(cacheKey);
  if (encodedHeader === undefined) {
    const header: Record<string, unknown> = { alg: spec.alg };
    if (kid !== null && kid !== undefined) header.kid = kid;
    if (typ !== null) header.typ = typ;
    if (options.header !== undefined) {
      for (const [name, value] of Object.entries(options.header)) {
        if (RESERVED_HEADER.has(name) || name === '__proto__') bad(`header member ${name} cannot be set here`);
        header[name] = value;
      }
    }
    try {
      encodedHeader = Buffer.from(JSON.stringify(header)).toString('base64url');
    } catch (error) {
      throw coreErrors.create(
        'ERR_CONFIG_INVALID',
        `header cannot be serialized as JSON: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (cacheKey !== undefined) {
      if (encodedHeaders.size >= ENCODED_HEADERS_MAX) encodedHeaders.clear();
      encodedHeaders.set(cacheKey, encodedHeader);
    }
  }

  const now = Math.floor((options.clock ?? Date.now)() / 1000);
  const claims: JwtPayload = { ...payload };
  if (options.issuer !== undefined) claims.iss = options.issuer;
  if (options.subject !== undefined) claims.sub = options.subject;
  if (options.audience !== undefined)
    claims.aud = typeof options.audience === 'string' ? options.audience : [...options.audience];
  if (options.jwtId !== undefined) claims.jti = options.jwtId;
  if (options.issuedAt !== false && (options.issuedAt === true || claims.iat === undefined)) claims.iat = now;
  if (options.notBefore !== undefined) claims.nbf = now + Math.floor(duration('notBefore', options.notBefore));
  if (options.expiresIn !== undefined) claims.exp = now + Math.floor(duration('expiresIn', options.expiresIn));
  for (const name of ['exp', 'nbf', 'iat'] as const) {
    const value = claims[name];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value)))
      bad(`claim ${name} must be a finite number (RFC 7519 §2 NumericDate)`);
  }

  let input: string;
  try {
    input = `${encodedHeader}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  } catch (error) {
    throw coreErrors.create('ERR_CONFIG_INVALID', `payload cannot be serialized as JSON: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return `${input}.${signBytes(spec, key.keyObject, Buffer.from(input)).toString('base64url')}`;
}
