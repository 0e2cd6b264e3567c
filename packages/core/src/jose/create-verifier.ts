import { coreErrors } from '../errors/errors.js';
import { TesseraError } from '../errors/tessera-error.js';
import { checkClaims } from './internal/check-claims.js';
import { checkHeader } from './internal/check-header.js';
import { deepFreeze } from './internal/deep-freeze.js';
import { keyVerifies } from './internal/key-verifies.js';
import { fail, show } from './internal/fail.js';
import { decodeJsonSegment, decodeSignature, splitToken } from './internal/parse-jws.js';
import { resolveVerifierOptions, type Trust } from './internal/verifier-options.js';
import { verifySignature } from './verify-signature.js';
import type { VerifierOptions } from './verifier-options.js';
import type { JwsAlgorithm, JwsHeader, JwtPayload, VerificationKey, VerifiedJwt, Verifier } from './types.js';

export type { IssuerOptions, KeysInput, VerifierOptions } from './verifier-options.js';

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

const HEADER_CACHE_MAX = 256;

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
  const {
    trusts,
    anyIssuer,
    sources,
    header: headerRules,
    claims: claimRules,
    clock,
    limits,
    cache,
    revocations,
  } = resolveVerifierOptions(options);
  const { tolerance, maxTokenAge } = claimRules;
  // Key sources whose keys can change, with the version last seen: a change empties the cache.
  const versioned = sources.filter((s) => s.version !== undefined);
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

  // Signing input scratch: verification is synchronous once the keys are known, so one buffer serves.
  const scratch = Buffer.allocUnsafe(limits.maxTokenLength);
  // Validated headers by their exact base64url segment: an issuer's tokens share a few headers.
  const headers = new Map<string, JwsHeader>();
  let lastHeaderSegment = '';
  let lastHeader: JwsHeader | undefined;
  // A view of the scratch buffer of the last signing-input length (an issuer's tokens have few).
  let scratchView = scratch.subarray(0, 0);

  function selectTrust(payload: JwtPayload): Trust {
    const iss = payload.iss;
    if (iss !== undefined && typeof iss !== 'string') fail('ERR_JWT_CLAIM_INVALID', 'iss must be a string');
    if (anyIssuer !== undefined) return anyIssuer;
    if (iss === undefined) fail('ERR_JWT_CLAIM_MISSING', 'token has no iss');
    const trust = trusts.get(iss);
    if (trust === undefined) fail('ERR_JWT_ISSUER_INVALID', `issuer ${show(iss)} is not trusted`);
    return trust;
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
    // A key source is not trusted to keep its type: anything but an array is no keys at all.
    const returned: unknown = keys;
    if (!Array.isArray(returned)) fail('ERR_JWKS_NO_MATCHING_KEY', 'the key source returned no keys');
    const alg = header.alg as JwsAlgorithm;
    scratch.write(token, 0, second, 'latin1');
    if (scratchView.length !== second) scratchView = scratch.subarray(0, second);
    const input = scratchView;
    let verifiedBy: VerificationKey | undefined;
    let candidates = 0;
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      // RFC 8725 §3.1: the key's algorithm, fixed at import, must be the token's (keyVerifies).
      if (!keyVerifies(key, alg)) continue;
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
    checkClaims(payload, trust.audience, now, claimRules);
    refuseRevoked(payload);
    // Cached results are shared between callers, so they are frozen; uncached ones are not (cheaper).
    const result: VerifiedJwt =
      cache === undefined
        ? { header, payload, key: verifiedBy }
        : Object.freeze({ header, payload: deepFreeze(payload), key: verifiedBy });
    if (cache !== undefined) {
      let until = typeof payload.exp === 'number' ? payload.exp * 1000 : Infinity;
      if (maxTokenAge !== undefined) until = Math.min(until, ((payload.iat as number) + maxTokenAge) * 1000);
      const from = typeof payload.nbf === 'number' ? (payload.nbf - tolerance) * 1000 : -Infinity;
      cache.set(token, result, from, until, now);
    }
    return result;
  }

  /** A verified (or cached) token whose `jti` the revocation source names is refused. */
  function refuseRevoked(payload: JwtPayload): void {
    const jti = payload.jti;
    if (revocations !== undefined && typeof jti === 'string' && revocations.isRevoked(jti))
      fail('ERR_JWT_REVOKED', `token revoked (jti ${show(jti)})`);
  }

  function run(token: string): VerifiedJwt | Promise<VerifiedJwt> {
    const now = clock();
    // Fail closed: without a current revocation list no token can be vouched for.
    if (revocations?.stale?.() === true)
      throw coreErrors.create(
        'ERR_REVOCATIONS_UNAVAILABLE',
        'the revocation feed has not been reached for too long; tokens are refused until it answers',
      );
    // Oversized input is refused before it is hashed for the cache lookup.
    if (cache !== undefined && typeof token === 'string' && token.length <= limits.maxTokenLength) {
      if (keysChanged()) cache.clear();
      const hit = cache.get(token, now);
      if (hit !== undefined) {
        refuseRevoked(hit.payload);
        return hit;
      }
    }
    const { first, second } = splitToken(token, limits);
    let header: JwsHeader;
    // Most tokens repeat the last header seen: compare in place, no slice and no hashing.
    if (lastHeader !== undefined && first === lastHeaderSegment.length && token.startsWith(lastHeaderSegment)) {
      header = lastHeader;
    } else {
      const headerSegment = token.slice(0, first);
      const known = headers.get(headerSegment);
      if (known !== undefined) {
        header = known;
      } else {
        header = checkHeader(decodeJsonSegment(headerSegment, 'header', limits), headerRules);
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
