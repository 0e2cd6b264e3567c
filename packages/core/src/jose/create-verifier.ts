import { coreErrors } from '../errors/errors.js';
import { TesseraError } from '../errors/tessera-error.js';
import { getAlgorithm, JWS_ALGORITHMS } from './algorithms.js';
import { toSeconds } from './internal/duration.js';
import { deepFreeze } from './internal/deep-freeze.js';
import {
  decodeJsonSegment,
  decodeSignature,
  DEFAULT_LIMITS,
  splitToken,
  type JwsLimits,
} from './internal/parse-jws.js';
import { createLocalJwks } from './local-jwks.js';
import { createTokenCache, type TokenCache, type TokenCacheOptions } from './token-cache.js';
import { verifySignature } from './verify-signature.js';
import type {
  Clock,
  Jwks,
  JwsAlgorithm,
  JwsHeader,
  JwtPayload,
  KeySource,
  VerificationKey,
  VerifiedJwt,
  Verifier,
} from './types.js';

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
}

/**
 * A {@link Verifier} with a synchronous variant and its cache.
 *
 * @example
 * ```ts
 * const verifier: TesseraVerifier = createVerifier({ issuer, audience, keys });
 * const { payload } = verifier.verifySync(token); // local keys: no await needed
 * ```
 */
export interface TesseraVerifier extends Verifier {
  /** Resolves to the verified token or rejects with a `TesseraError`; awaits only when a key source fetches. */
  verify(token: string): Promise<VerifiedJwt>;
  /**
   * Same checks, synchronously. Throws `ERR_JWKS_NOT_READY` when a key source has to fetch first
   * (call `verify`, or warm the source up).
   */
  verifySync(token: string): VerifiedJwt;
  /** The verified-token cache, when on. */
  readonly cache: { readonly size: number; clear(): void } | undefined;
}

interface Trust {
  readonly issuer: string | undefined;
  readonly source: KeySource;
  readonly audience: ReadonlySet<string> | undefined;
  readonly algorithms: ReadonlySet<string>;
}

// RFC 7515 §4.1 and RFC 7516 §4.1: registered names that must not appear in `crit` (§4.1.11).
const REGISTERED_HEADERS = new Set([
  'alg',
  'jku',
  'jwk',
  'kid',
  'x5u',
  'x5c',
  'x5t',
  'x5t#S256',
  'typ',
  'cty',
  'crit',
  'enc',
  'zip',
]);
const HEADER_CACHE_MAX = 256;

const config = (message: string): never => {
  throw coreErrors.create('ERR_CONFIG_INVALID', `createVerifier: ${message}`);
};
const fail = (
  code: Parameters<typeof coreErrors.create>[0],
  message: string,
  details?: Record<string, unknown>,
): never => {
  throw coreErrors.create(code, message, details === undefined ? undefined : { details });
};
/** A NumericDate for a message; finite but absurd dates (±1e300) have no ISO form. */
const isoTime = (seconds: number): string =>
  Math.abs(seconds) < 8.64e12 ? new Date(seconds * 1000).toISOString() : `${seconds} s`;
/** Attacker-controlled strings in messages: short and escaped. */
const show = (value: unknown): string => JSON.stringify(String(value).slice(0, 64));

function toSource(keys: unknown, where: string): KeySource {
  if (typeof keys === 'object' && keys !== null && typeof (keys as KeySource).getKeys === 'function')
    return keys as KeySource;
  if (Array.isArray(keys) || (typeof keys === 'object' && keys !== null && Array.isArray((keys as Jwks).keys))) {
    return createLocalJwks(keys as Jwks | readonly VerificationKey[]);
  }
  return config(`${where} must be a KeySource, a JWKS or an array of imported keys`);
}

function toAudience(audience: unknown, where: string): ReadonlySet<string> | undefined {
  if (audience === undefined) return undefined;
  const list = typeof audience === 'string' ? [audience] : audience;
  if (!Array.isArray(list) || list.length === 0 || !list.every((a) => typeof a === 'string' && a.length > 0))
    config(`${where} must be a non-empty string or array of strings`);
  return new Set(list as string[]);
}

function toAlgorithms(algorithms: unknown, where: string): ReadonlySet<string> {
  if (algorithms === undefined) return new Set(JWS_ALGORITHMS);
  if (!Array.isArray(algorithms) || algorithms.length === 0) return config(`${where} must be a non-empty array`);
  for (const alg of algorithms)
    if (getAlgorithm(alg) === undefined) config(`${where}: ${show(alg)} is not a supported algorithm`);
  return new Set(algorithms as string[]);
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1)
    return config(`${name} must be a positive integer`);
  return value;
}

function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return lower.startsWith('application/') ? lower.slice(12) : lower;
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

/** Fail closed: anything that is not already a TesseraError becomes one. */
function asTesseraError(error: unknown, code: 'ERR_JWT_MALFORMED' | 'ERR_JWKS_FETCH_FAILED'): TesseraError {
  if (error instanceof TesseraError) return error;
  return coreErrors.create(
    code,
    code === 'ERR_JWT_MALFORMED' ? 'token could not be processed' : 'the key source failed',
    { cause: error },
  );
}

/**
 * Creates a JWT verifier (RFC 7519 §7.2 with the RFC 8725 rules). Checks, in order: size and
 * compact form (exactly three canonical base64url segments, UTF-8 JSON objects, no duplicate or
 * `__proto__` members, bounded nesting); header (`alg` supported, allowed, never `none`; `crit`
 * understood; `b64` absent; `typ` if asked); issuer (selects the only key source that may verify
 * it); key (by `kid`, or every key of the header's `alg` when there is none; the key's own `alg`
 * must equal the header's; `jwk`, `jku`, `x5u`, `x5c` headers are never used); signature;
 * claims (`exp` required, numeric dates finite numbers, `nbf`, `maxTokenAge`, `aud` exact match,
 * `sub`, required claims). Every failure is a `TesseraError` with a stable `code`.
 *
 * Verified results are cached per verifier (keyed by the token string, never served past `exp`);
 * cached results are shared, so they are deeply frozen; `cache: false` turns the cache off (results
 * are then fresh objects, not frozen — treat them as read-only either way). The hot path is
 * synchronous on node:crypto and only awaits when a key source returns a promise.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({
 *   issuers: [
 *     { issuer: 'https://ts.internal', keys: createRemoteJwks(new URL('https://ts.internal/jwks')) },
 *     { issuer: 'https://partner.example', keys: createLocalJwks({ path: 'partner-jwks.json' }) },
 *   ],
 *   audience: 'orders',
 * });
 * const { payload } = await verifier.verify(token); // throws TesseraError, e.g. code 'ERR_JWT_EXPIRED'
 * ```
 */
export function createVerifier(options: VerifierOptions): TesseraVerifier {
  if (typeof options !== 'object' || options === null) config('options must be an object');
  const audience = toAudience(options.audience, 'audience');
  const algorithms = toAlgorithms(options.algorithms, 'algorithms');
  const trusts = new Map<string, Trust>();
  let anyIssuer: Trust | undefined;
  if (options.issuers !== undefined) {
    if (options.issuer !== undefined || options.keys !== undefined)
      config('give either issuers, or issuer and keys, not both');
    if (!Array.isArray(options.issuers) || options.issuers.length === 0) config('issuers must be a non-empty array');
    // Annotated: Array.isArray above narrows the readonly array to any[].
    options.issuers.forEach((entry: IssuerOptions, i) => {
      if (typeof entry !== 'object' || entry === null || typeof entry.issuer !== 'string' || entry.issuer.length === 0)
        config(`issuers[${i}].issuer must be a non-empty string`);
      if (trusts.has(entry.issuer)) config(`issuers[${i}]: issuer ${show(entry.issuer)} is listed twice`);
      trusts.set(entry.issuer, {
        issuer: entry.issuer,
        source: toSource(entry.keys, `issuers[${i}].keys`),
        audience: entry.audience === undefined ? audience : toAudience(entry.audience, `issuers[${i}].audience`),
        algorithms:
          entry.algorithms === undefined ? algorithms : toAlgorithms(entry.algorithms, `issuers[${i}].algorithms`),
      });
    });
  } else {
    if (options.issuer !== undefined && (typeof options.issuer !== 'string' || options.issuer.length === 0))
      config('issuer must be a non-empty string');
    const trust: Trust = { issuer: options.issuer, source: toSource(options.keys, 'keys'), audience, algorithms };
    if (options.issuer === undefined) anyIssuer = trust;
    else trusts.set(options.issuer, trust);
  }
  const allAlgorithms = new Set<string>();
  for (const trust of anyIssuer ? [anyIssuer] : trusts.values())
    for (const alg of trust.algorithms) allAlgorithms.add(alg);
  // Key sources whose keys can change, with the version last seen: a change empties the cache.
  const versioned = [...new Set([...(anyIssuer ? [anyIssuer] : trusts.values())].map((t) => t.source))].filter(
    (s) => s.version !== undefined,
  );
  const seenVersions = versioned.map((s) => s.version);
  const keysChanged = (): boolean => {
    let changed = false;
    for (let i = 0; i < versioned.length; i++) {
      if (versioned[i]!.version !== seenVersions[i]) {
        seenVersions[i] = versioned[i]!.version;
        changed = true;
      }
    }
    return changed;
  };

  const toleranceSeconds = options.clockTolerance === undefined ? 0 : toSeconds(options.clockTolerance);
  if (toleranceSeconds === undefined)
    config('clockTolerance must be a non-negative number of seconds or a string like "30s"');
  const tolerance = toleranceSeconds!;
  const maxTokenAge = options.maxTokenAge === undefined ? undefined : toSeconds(options.maxTokenAge);
  if (options.maxTokenAge !== undefined && maxTokenAge === undefined)
    config('maxTokenAge must be a non-negative number of seconds or a string like "5m"');
  const requiredClaims = options.requiredClaims ?? [];
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((c) => typeof c === 'string'))
    config('requiredClaims must be an array of strings');
  const requireExpiration = options.requireExpiration ?? true;
  if (typeof requireExpiration !== 'boolean') config('requireExpiration must be a boolean');
  if (options.typ !== undefined && (typeof options.typ !== 'string' || options.typ.length === 0))
    config('typ must be a non-empty string');
  const typ = options.typ === undefined ? undefined : normalizeTyp(options.typ);
  if (options.subject !== undefined && typeof options.subject !== 'string') config('subject must be a string');
  const subject = options.subject;
  const crit = new Set(options.crit ?? []);
  for (const name of crit)
    if (typeof name !== 'string' || name === 'b64' || REGISTERED_HEADERS.has(name))
      config(`crit cannot list ${show(name)}`);
  if (options.clock !== undefined && typeof options.clock !== 'function')
    config('clock must be a function returning milliseconds');
  const clock = options.clock ?? Date.now;
  const limits: JwsLimits = {
    maxTokenLength: positive(options.maxTokenLength, 'maxTokenLength', DEFAULT_LIMITS.maxTokenLength),
    maxJsonDepth: positive(options.maxJsonDepth, 'maxJsonDepth', DEFAULT_LIMITS.maxJsonDepth),
  };
  let cache: TokenCache<VerifiedJwt> | undefined;
  if (options.cache === undefined || options.cache === true) cache = createTokenCache();
  else if (typeof options.cache === 'object' && options.cache !== null) cache = createTokenCache(options.cache);
  else if (options.cache !== false) config('cache must be a boolean or { max, ttl }');

  // Signing input scratch: verification is synchronous once the keys are known, so one buffer serves.
  const scratch = Buffer.allocUnsafe(limits.maxTokenLength);
  // Validated headers by their exact base64url segment: an issuer's tokens share a few headers.
  const headers = new Map<string, JwsHeader>();
  let lastHeaderSegment = ''; // never matches: splitToken refuses an empty header segment
  let lastHeader: JwsHeader | undefined;
  // A view of the scratch buffer of the last signing-input length (an issuer's tokens have few).
  let scratchView = scratch.subarray(0, 0);

  function checkHeader(header: Record<string, unknown>): JwsHeader {
    const alg = header.alg;
    if (typeof alg !== 'string') fail('ERR_JWT_MALFORMED', 'header alg must be a string');
    // RFC 8725 §3.1, §2.1: `none` (any case) and unknown names are never accepted.
    if (getAlgorithm(alg) === undefined) fail('ERR_JWT_ALG_NOT_ALLOWED', `alg ${show(alg)} is not supported`);
    if (!allAlgorithms.has(alg as string)) fail('ERR_JWT_ALG_NOT_ALLOWED', `alg ${show(alg)} is not allowed`);
    if (header.kid !== undefined && typeof header.kid !== 'string')
      fail('ERR_JWT_MALFORMED', 'header kid must be a string');
    if (header.typ !== undefined && typeof header.typ !== 'string')
      fail('ERR_JWT_MALFORMED', 'header typ must be a string');
    if (typ !== undefined && (header.typ === undefined || normalizeTyp(header.typ as string) !== typ)) {
      fail(
        'ERR_JWT_TYP_INVALID',
        `header typ ${header.typ === undefined ? 'is missing' : show(header.typ)}, expected ${show(options.typ)}`,
      );
    }
    // RFC 7797 §3: an unencoded payload changes what is signed; we never support it.
    if (header.b64 !== undefined) fail('ERR_JWT_CRIT_UNSUPPORTED', 'header b64 (RFC 7797) is not supported');
    if (header.crit !== undefined) {
      const list = header.crit;
      // RFC 7515 §4.1.11: a non-empty array of names, each present in the header and understood.
      if (!Array.isArray(list) || list.length === 0) fail('ERR_JWT_MALFORMED', 'header crit must be a non-empty array');
      for (const name of list as unknown[]) {
        if (typeof name !== 'string' || REGISTERED_HEADERS.has(name) || !Object.hasOwn(header, name))
          fail('ERR_JWT_MALFORMED', `header crit names ${show(name)}, which is registered or absent`);
        if (!crit.has(name as string))
          fail('ERR_JWT_CRIT_UNSUPPORTED', `header crit names ${show(name)}, which is not understood`);
      }
    }
    return deepFreeze(header) as JwsHeader;
  }

  function selectTrust(payload: JwtPayload): Trust {
    const iss = payload.iss;
    if (iss !== undefined && typeof iss !== 'string') fail('ERR_JWT_CLAIM_INVALID', 'iss must be a string');
    if (anyIssuer !== undefined) return anyIssuer;
    if (iss === undefined) fail('ERR_JWT_CLAIM_MISSING', 'token has no iss');
    const trust = trusts.get(iss as string);
    if (trust === undefined) fail('ERR_JWT_ISSUER_INVALID', `issuer ${show(iss)} is not trusted`);
    return trust!;
  }

  function checkClaims(payload: JwtPayload, trust: Trust, nowMs: number): void {
    const now = nowMs / 1000;
    const { exp, nbf, iat } = payload;
    // RFC 7519 §4.1.4-4.1.6: NumericDate is a JSON number; 1e400 parses to Infinity and is refused.
    if (exp !== undefined) {
      if (typeof exp !== 'number' || !Number.isFinite(exp))
        fail('ERR_JWT_CLAIM_INVALID', 'exp must be a finite number');
      if (now - tolerance >= exp)
        fail('ERR_JWT_EXPIRED', `token expired at ${isoTime(exp)}`, { expiredAt: exp, now: Math.floor(now) });
    } else if (requireExpiration) {
      fail('ERR_JWT_CLAIM_MISSING', 'token has no exp');
    }
    if (nbf !== undefined) {
      if (typeof nbf !== 'number' || !Number.isFinite(nbf))
        fail('ERR_JWT_CLAIM_INVALID', 'nbf must be a finite number');
      if (now + tolerance < nbf)
        fail('ERR_JWT_NOT_YET_VALID', `token is not valid before ${isoTime(nbf)}`, {
          notBefore: nbf,
          now: Math.floor(now),
        });
    }
    if (iat !== undefined && (typeof iat !== 'number' || !Number.isFinite(iat)))
      fail('ERR_JWT_CLAIM_INVALID', 'iat must be a finite number');
    if (maxTokenAge !== undefined) {
      if (iat === undefined) fail('ERR_JWT_CLAIM_MISSING', 'token has no iat, which maxTokenAge needs');
      if ((iat as number) > now + tolerance)
        fail('ERR_JWT_NOT_YET_VALID', 'token iat is in the future', { issuedAt: iat, now: Math.floor(now) });
      if (now - tolerance - (iat as number) > maxTokenAge)
        fail('ERR_JWT_TOO_OLD', `token is older than ${maxTokenAge} s`, { issuedAt: iat, now: Math.floor(now) });
    }
    if (payload.sub !== undefined && typeof payload.sub !== 'string')
      fail('ERR_JWT_CLAIM_INVALID', 'sub must be a string');
    if (payload.jti !== undefined && typeof payload.jti !== 'string')
      fail('ERR_JWT_CLAIM_INVALID', 'jti must be a string');
    const aud = payload.aud;
    if (
      aud !== undefined &&
      typeof aud !== 'string' &&
      !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))
    ) {
      fail('ERR_JWT_CLAIM_INVALID', 'aud must be a string or an array of strings');
    }
    const accepted = trust.audience;
    if (accepted !== undefined) {
      // RFC 7519 §4.1.3: one of the token's audiences must be ours, compared exactly.
      if (aud === undefined) fail('ERR_JWT_CLAIM_MISSING', 'token has no aud');
      if (typeof aud === 'string' ? !accepted.has(aud) : !(aud as string[]).some((a) => accepted.has(a)))
        fail('ERR_JWT_AUDIENCE_INVALID', 'token aud does not match');
    }
    if (subject !== undefined && payload.sub !== subject) fail('ERR_JWT_SUBJECT_INVALID', 'token sub does not match');
    for (let i = 0; i < requiredClaims.length; i++) {
      if (!Object.hasOwn(payload, requiredClaims[i]!))
        fail('ERR_JWT_CLAIM_MISSING', `token has no ${show(requiredClaims[i])}`);
    }
  }

  function finish(
    token: string,
    second: number,
    header: JwsHeader,
    payload: JwtPayload,
    signature: Buffer,
    keys: readonly VerificationKey[],
    trust: Trust,
    now: number,
  ): VerifiedJwt {
    if (!Array.isArray(keys)) fail('ERR_JWKS_NO_MATCHING_KEY', 'the key source returned no keys');
    const alg = header.alg as JwsAlgorithm;
    scratch.write(token, 0, second, 'latin1');
    if (scratchView.length !== second) scratchView = scratch.subarray(0, second);
    const input = scratchView;
    let verifiedBy: VerificationKey | undefined;
    let candidates = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      // RFC 8725 §3.1: the key's algorithm, fixed at import, must be the token's.
      if (key.alg !== alg) continue;
      candidates++;
      if (verifySignature(alg, key.keyObject, input, signature)) {
        verifiedBy = key;
        break;
      }
    }
    if (candidates === 0)
      fail(
        keys.length === 0 ? 'ERR_JWKS_NO_MATCHING_KEY' : 'ERR_JWT_ALG_NOT_ALLOWED',
        `no key for alg ${alg}${header.kid === undefined ? '' : ` and kid ${show(header.kid)}`}`,
      );
    if (verifiedBy === undefined) fail('ERR_JWT_SIGNATURE_INVALID', 'signature does not verify');
    checkClaims(payload, trust, now);
    // Cached results are shared between callers, so they are frozen; uncached ones are not (cheaper).
    const result: VerifiedJwt =
      cache === undefined
        ? { header, payload, key: verifiedBy! }
        : Object.freeze({ header, payload: deepFreeze(payload), key: verifiedBy! });
    if (cache !== undefined) {
      let until = typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity;
      if (maxTokenAge !== undefined) until = Math.min(until, ((payload.iat as number) + maxTokenAge) * 1000);
      const from = typeof payload.nbf === 'number' ? (payload.nbf - tolerance) * 1000 : -Infinity;
      cache.set(token, result, from, until, now);
    }
    return result;
  }

  function run(token: string): VerifiedJwt | Promise<VerifiedJwt> {
    const now = clock();
    // Oversized input is refused before it is hashed for the cache lookup.
    if (cache !== undefined && typeof token === 'string' && token.length <= limits.maxTokenLength) {
      if (keysChanged()) cache.clear();
      const hit = cache.get(token, now);
      if (hit !== undefined) return hit;
    }
    const { first, second } = splitToken(token, limits);
    let header: JwsHeader;
    // Most tokens repeat the last header seen: compare in place, no slice and no hashing.
    if (first === lastHeaderSegment.length && token.startsWith(lastHeaderSegment)) {
      header = lastHeader!;
    } else {
      const headerSegment = token.slice(0, first);
      const known = headers.get(headerSegment);
      if (known !== undefined) {
        header = known;
      } else {
        header = checkHeader(decodeJsonSegment(headerSegment, 'header', limits));
        if (headers.size >= HEADER_CACHE_MAX) headers.clear();
        headers.set(headerSegment, header);
      }
      lastHeaderSegment = headerSegment;
      lastHeader = header;
    }
    const payload = decodeJsonSegment(token.slice(first + 1, second), 'payload', limits) as JwtPayload;
    const signature = decodeSignature(token.slice(second + 1));
    const trust = selectTrust(payload);
    if (!trust.algorithms.has(header.alg))
      fail('ERR_JWT_ALG_NOT_ALLOWED', `alg ${header.alg} is not allowed for this issuer`);
    let keys: readonly VerificationKey[] | Promise<readonly VerificationKey[]>;
    try {
      keys = trust.source.getKeys(header);
    } catch (error) {
      throw asTesseraError(error, 'ERR_JWKS_FETCH_FAILED');
    }
    if (!Array.isArray(keys) && isPromise(keys)) {
      const h = header;
      return keys.then(
        (resolved) => finish(token, second, h, payload, signature, resolved, trust, clock()),
        (error: unknown) => {
          throw asTesseraError(error, 'ERR_JWKS_FETCH_FAILED');
        },
      );
    }
    return finish(token, second, header, payload, signature, keys as readonly VerificationKey[], trust, now);
  }

  return Object.freeze({
    verify(token: string): Promise<VerifiedJwt> {
      try {
        const result = run(token);
        return isPromise(result)
          ? result.catch((error: unknown) => Promise.reject(asTesseraError(error, 'ERR_JWT_MALFORMED')))
          : Promise.resolve(result);
      } catch (error) {
        return Promise.reject(asTesseraError(error, 'ERR_JWT_MALFORMED'));
      }
    },
    verifySync(token: string): VerifiedJwt {
      let result: VerifiedJwt | Promise<VerifiedJwt>;
      try {
        result = run(token);
      } catch (error) {
        throw asTesseraError(error, 'ERR_JWT_MALFORMED');
      }
      if (isPromise(result)) {
        result.catch(() => undefined); // the fetch goes on for later calls; this one cannot wait
        throw coreErrors.create(
          'ERR_JWKS_NOT_READY',
          'the key source is fetching keys; use verify() or warm it up first',
        );
      }
      return result;
    },
    cache:
      cache === undefined
        ? undefined
        : Object.freeze({
            get size() {
              return cache.size;
            },
            clear: () => cache.clear(),
          }),
  });
}
