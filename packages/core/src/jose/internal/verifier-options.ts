// createVerifier's option checks: everything is checked once, when the verifier is made
// (ARCHITECTURE.md, "Style": factories check their options at once), and turned into the plain
// values the verify path reads.
import { coreErrors } from '../../errors/errors.js';
import { getAlgorithm, JWS_ALGORITHMS } from '../algorithms.js';
import type { IssuerOptions, VerifierOptions } from '../verifier-options.js';
import { excludeWithdrawnKeys } from '../exclude-withdrawn-keys.js';
import { createLocalJwks } from '../local-jwks.js';
import type { RevocationSource, WithdrawnKeys } from '../revocation-feed.js';
import { createTokenCache, type TokenCache } from '../token-cache.js';
import type { Clock, Jwks, KeySource, VerificationKey, VerifiedJwt } from '../types.js';
import type { ClaimRules } from './check-claims.js';
import { normalizeTyp, REGISTERED_HEADERS, type HeaderRules } from './check-header.js';
import { toSeconds } from './duration.js';
import { show } from './fail.js';
import { DEFAULT_LIMITS, type JwsLimits } from './parse-jws.js';

/** One trusted issuer: the only key source that may verify its tokens, and what it may use. */
export interface Trust {
  readonly issuer: string | undefined;
  readonly source: KeySource;
  readonly audience: ReadonlySet<string> | undefined;
  readonly algorithms: ReadonlySet<string>;
}

/** A verifier's options, checked and resolved. */
export interface ResolvedVerifierOptions {
  /** Trusted issuers by exact `iss`; empty when `anyIssuer` is set. */
  readonly trusts: ReadonlyMap<string, Trust>;
  /** Set when no issuer was named: any `iss` (or none) signed by these keys. */
  readonly anyIssuer: Trust | undefined;
  /** Every distinct key source, once. */
  readonly sources: readonly KeySource[];
  readonly header: HeaderRules;
  readonly claims: ClaimRules;
  readonly clock: Clock;
  readonly limits: JwsLimits;
  /** The verified-token cache; undefined when turned off. */
  readonly cache: TokenCache<VerifiedJwt> | undefined;
  /** Revocations to honour; the key sources above already leave out its withdrawn keys. */
  readonly revocations: RevocationSource | undefined;
}

function config(message: string): never {
  throw coreErrors.create('ERR_CONFIG_INVALID', `createVerifier: ${message}`);
}

function toSource(keys: unknown, where: string, withdrawn: WithdrawnKeys | undefined): KeySource {
  let source: KeySource;
  if (typeof keys === 'object' && keys !== null && typeof (keys as KeySource).getKeys === 'function')
    source = keys as KeySource;
  else if (Array.isArray(keys) || (typeof keys === 'object' && keys !== null && Array.isArray((keys as Jwks).keys)))
    source = createLocalJwks(keys as Jwks | readonly VerificationKey[]);
  else return config(`${where} must be a KeySource, a JWKS or an array of imported keys`);
  return withdrawn === undefined ? source : excludeWithdrawnKeys(source, withdrawn);
}

function toRevocations(value: unknown): RevocationSource | undefined {
  if (value === undefined) return undefined;
  const source = value as RevocationSource;
  if (typeof value !== 'object' || value === null || typeof source.isRevoked !== 'function')
    config('revocations must have an isRevoked(jti) method (createRevocationFeed)');
  if (source.stale !== undefined && typeof source.stale !== 'function') config('revocations.stale must be a function');
  const withdrawn = source.withdrawnKeys;
  if (
    withdrawn !== undefined &&
    (typeof withdrawn !== 'object' || withdrawn === null || typeof withdrawn.has !== 'function')
  )
    config('revocations.withdrawnKeys must have a has(kid) method');
  return source;
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
  if (!Array.isArray(algorithms) || algorithms.length === 0) config(`${where} must be a non-empty array`);
  for (const alg of algorithms as unknown[])
    if (getAlgorithm(alg) === undefined) config(`${where}: ${show(alg)} is not a supported algorithm`);
  return new Set(algorithms as string[]);
}

function positive(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) config(`${name} must be a positive integer`);
  return value;
}

function toTrusts(
  options: VerifierOptions,
  audience: ReadonlySet<string> | undefined,
  algorithms: ReadonlySet<string>,
  withdrawn: WithdrawnKeys | undefined,
): { trusts: Map<string, Trust>; anyIssuer: Trust | undefined } {
  const trusts = new Map<string, Trust>();
  if (options.issuers === undefined) {
    if (options.issuer !== undefined && (typeof options.issuer !== 'string' || options.issuer.length === 0))
      config('issuer must be a non-empty string');
    const trust: Trust = {
      issuer: options.issuer,
      source: toSource(options.keys, 'keys', withdrawn),
      audience,
      algorithms,
    };
    if (options.issuer === undefined) return { trusts, anyIssuer: trust };
    trusts.set(options.issuer, trust);
    return { trusts, anyIssuer: undefined };
  }
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
      source: toSource(entry.keys, `issuers[${i}].keys`, withdrawn),
      audience: entry.audience === undefined ? audience : toAudience(entry.audience, `issuers[${i}].audience`),
      algorithms:
        entry.algorithms === undefined ? algorithms : toAlgorithms(entry.algorithms, `issuers[${i}].algorithms`),
    });
  });
  return { trusts, anyIssuer: undefined };
}

/** Checks every option of {@link createVerifier} (throwing `ERR_CONFIG_INVALID`) and resolves them. */
export function resolveVerifierOptions(options: VerifierOptions): ResolvedVerifierOptions {
  if (typeof options !== 'object' || options === null) config('options must be an object');
  const audience = toAudience(options.audience, 'audience');
  const revocations = toRevocations(options.revocations);
  const { trusts, anyIssuer } = toTrusts(
    options,
    audience,
    toAlgorithms(options.algorithms, 'algorithms'),
    revocations?.withdrawnKeys,
  );
  const all = anyIssuer === undefined ? [...trusts.values()] : [anyIssuer];
  const algorithms = new Set<string>();
  for (const trust of all) for (const alg of trust.algorithms) algorithms.add(alg);

  const tolerance = options.clockTolerance === undefined ? 0 : toSeconds(options.clockTolerance);
  if (tolerance === undefined) config('clockTolerance must be a non-negative number of seconds or a string like "30s"');
  const maxTokenAge = options.maxTokenAge === undefined ? undefined : toSeconds(options.maxTokenAge);
  if (options.maxTokenAge !== undefined && maxTokenAge === undefined)
    config('maxTokenAge must be a non-negative number of seconds or a string like "5m"');
  const requiredClaims: unknown = options.requiredClaims ?? [];
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((c) => typeof c === 'string'))
    config('requiredClaims must be an array of strings');
  const requireExpiration: unknown = options.requireExpiration ?? true;
  if (typeof requireExpiration !== 'boolean') config('requireExpiration must be a boolean');
  const typ: unknown = options.typ;
  if (typ !== undefined && (typeof typ !== 'string' || typ.length === 0)) config('typ must be a non-empty string');
  const subject: unknown = options.subject;
  if (subject !== undefined && typeof subject !== 'string') config('subject must be a string');
  const crit = new Set(options.crit ?? []);
  for (const name of crit)
    if (typeof name !== 'string' || name === 'b64' || REGISTERED_HEADERS.has(name))
      config(`crit cannot list ${show(name)}`);
  if (options.clock !== undefined && typeof options.clock !== 'function')
    config('clock must be a function returning milliseconds');
  const limits: JwsLimits = {
    maxTokenLength: positive(options.maxTokenLength, 'maxTokenLength', DEFAULT_LIMITS.maxTokenLength),
    maxJsonDepth: positive(options.maxJsonDepth, 'maxJsonDepth', DEFAULT_LIMITS.maxJsonDepth),
  };
  let cache: TokenCache<VerifiedJwt> | undefined;
  if (options.cache === undefined || options.cache === true) cache = createTokenCache();
  else if (typeof options.cache === 'object' && options.cache !== null) cache = createTokenCache(options.cache);
  else if (options.cache !== false) config('cache must be a boolean or { max, ttl }');

  return {
    trusts,
    anyIssuer,
    sources: [...new Set(all.map((t) => t.source))],
    header: { algorithms, typ: typ === undefined ? undefined : normalizeTyp(typ), typLabel: typ, crit },
    claims: { tolerance, maxTokenAge, requireExpiration, subject, requiredClaims },
    clock: options.clock ?? Date.now,
    limits,
    cache,
    revocations,
  };
}
