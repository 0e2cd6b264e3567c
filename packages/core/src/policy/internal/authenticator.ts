// RequestAuthentication as Envoy's jwt_authn filter runs it for Istio: find a token in the rule's
// locations, pick the rules of its issuer, verify; no token → no identity (the AuthorizationPolicy
// decides), a bad token → 401. https://istio.io/latest/docs/reference/config/security/jwt/
import { cookieValues } from '../cookie-values.js';
import { coreErrors } from '../../errors/errors.js';
import { TesseraError } from '../../errors/tessera-error.js';
import { createVerifier, type TesseraVerifier } from '../../jose/create-verifier.js';
import { decodeJwt } from '../../jose/decode-jwt.js';
import type { RevocationSource } from '../../jose/revocation-feed.js';
import type { Clock, JwsAlgorithm, JwtPayload, KeySource, VerifiedJwt } from '../../jose/types.js';
import { notSelectedBecause } from './authorizer.js';
import { spaceDelimitedClaimSet } from './space-delimited-claims.js';
import type { Identity, PolicyRequest, RequestAuthenticationDocument, TokenLocation } from '../types.js';

/** What a key-source factory is asked for: one `jwtRules` entry's keys. */
export interface JwtKeySourceRequest {
  readonly issuer: string;
  /** The rule's `jwksUri`; with neither this nor `jwks`, keys come from OIDC discovery at `issuer`. */
  readonly jwksUri: string | undefined;
  /** The rule's inline JWKS (JSON text). */
  readonly jwks: string | undefined;
  /** The rule's `timeout` in milliseconds (default 5000). */
  readonly timeoutMs: number;
  /** `namespace/name` of the RequestAuthentication and the rule index, for logs. */
  readonly policy: string;
  readonly rule: number;
}

/**
 * Builds the key source of a jwtRule. Inject one to share remote JWKS caches between policy-set
 * reloads and with the rest of the process (the gateway keys its cache by URI).
 */
export type KeySourceFactory = (request: JwtKeySourceRequest) => KeySource;

/** Verification settings applied to every jwtRule. */
export interface AuthenticationOptions {
  readonly clock?: Clock;
  /** Seconds of leeway for `exp`/`nbf`; default 0 (Envoy allows 60; set it if you want Envoy's). */
  readonly clockTolerance?: number;
  /** Require `exp` (RFC 8725); default true. Envoy accepts tokens without `exp`. */
  readonly requireExpiration?: boolean;
  readonly algorithms?: readonly JwsAlgorithm[];
  /** Verified-token cache per rule; default on. */
  readonly cache?: boolean;
  /** Revocations each rule's verifier honours. */
  readonly revocations?: RevocationSource;
}

interface CompiledJwtRule {
  readonly policy: string;
  readonly namespace: string;
  readonly matchLabels: readonly (readonly [string, string])[] | undefined;
  readonly index: number;
  readonly issuer: string;
  readonly locations: readonly TokenLocation[];
  readonly verifier: TesseraVerifier;
  readonly outputPayloadToHeader: string | undefined;
  readonly outputClaimToHeaders: readonly (readonly [header: string, claim: string])[];
  readonly forwardOriginalToken: boolean;
  /** `scope`, `permission` and the rule's `spaceDelimitedClaims`, built once and shared by its identities. */
  readonly spaceDelimitedClaims: ReadonlySet<string>;
  /**
   * Identities already built from a cached verification: the verifier returns the same frozen
   * result for a token it has cached, so a repeated token costs no new identity (Envoy's jwt_cache
   * keeps the verified payload the same way). Entries go with the results the cache drops.
   */
  readonly identities: WeakMap<VerifiedJwt, Identity>;
}

const DEFAULT_LOCATIONS: readonly TokenLocation[] = Object.freeze([
  Object.freeze({ kind: 'header', name: 'authorization', prefix: 'Bearer ' } as const),
  Object.freeze({ kind: 'param', name: 'access_token' } as const),
]);

const locationKey = (l: TokenLocation): string =>
  l.kind === 'header' ? `h:${l.name}:${l.prefix.toLowerCase()}` : `${l.kind[0]}:${l.name}`;

/** Go-style durations as Istio writes them (`5s`, `1m30s`, `250ms`) → milliseconds. */
export function parseDurationMs(text: string): number {
  const units: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  let total = 0;
  for (const m of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) total += Number(m[1]) * units[m[2]!]!;
  return total;
}

export function compileJwtRules(
  doc: RequestAuthenticationDocument,
  defaultNamespace: string,
  createKeySource: KeySourceFactory,
  options: AuthenticationOptions,
): CompiledJwtRule[] {
  const namespace = doc.metadata.namespace ?? defaultNamespace;
  const policy = `${namespace}/${doc.metadata.name}`;
  const labels = doc.spec?.selector?.matchLabels;
  const matchLabels = labels === undefined || Object.keys(labels).length === 0 ? undefined : Object.entries(labels);
  return (doc.spec?.jwtRules ?? []).map((rule, index) => {
    const located: TokenLocation[] = [
      ...(rule.fromHeaders ?? []).map(
        (h) => ({ kind: 'header', name: h.name.toLowerCase(), prefix: h.prefix ?? '' }) as const,
      ),
      ...(rule.fromParams ?? []).map((name) => ({ kind: 'param', name }) as const),
      ...(rule.fromCookies ?? []).map((name) => ({ kind: 'cookie', name }) as const),
    ];
    const locations = located.length === 0 ? DEFAULT_LOCATIONS : located;
    const keys = createKeySource({
      issuer: rule.issuer,
      jwksUri: rule.jwks === undefined ? rule.jwksUri : undefined,
      jwks: rule.jwks,
      timeoutMs: rule.timeout === undefined ? 5000 : parseDurationMs(rule.timeout),
      policy,
      rule: index,
    });
    const verifier = createVerifier({
      issuer: rule.issuer,
      keys,
      ...(rule.audiences && rule.audiences.length > 0 ? { audience: rule.audiences } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.clockTolerance !== undefined ? { clockTolerance: options.clockTolerance } : {}),
      ...(options.requireExpiration !== undefined ? { requireExpiration: options.requireExpiration } : {}),
      ...(options.algorithms ? { algorithms: options.algorithms } : {}),
      ...(options.cache !== undefined ? { cache: options.cache } : {}),
      ...(options.revocations !== undefined ? { revocations: options.revocations } : {}),
    });
    return {
      policy,
      namespace,
      matchLabels,
      index,
      issuer: rule.issuer,
      locations,
      verifier,
      outputPayloadToHeader: rule.outputPayloadToHeader?.toLowerCase(),
      outputClaimToHeaders: (rule.outputClaimToHeaders ?? []).map((c) => [c.header.toLowerCase(), c.claim] as const),
      forwardOriginalToken: rule.forwardOriginalToken ?? false,
      spaceDelimitedClaims: spaceDelimitedClaimSet(rule.spaceDelimitedClaims),
      identities: new WeakMap(),
    };
  });
}

/** Tokens in a header or cookie location (several when a cookie is repeated). */
function extract(req: PolicyRequest, location: TokenLocation): string[] {
  if (location.kind === 'header') {
    const value = req.headers[location.name];
    if (typeof value !== 'string') return [];
    const prefix = location.prefix;
    // Envoy strips the prefix; a value without it holds no token for this location (e.g. Basic).
    // The scheme of `Authorization` is case-insensitive (RFC 7235 §2.1), so the prefix is too.
    if (prefix.length > 0 && value.slice(0, prefix.length).toLowerCase() !== prefix.toLowerCase()) return [];
    const token = value.slice(prefix.length).trim();
    return token.length === 0 ? [] : [token];
  }
  const cookie = req.headers.cookie;
  return cookieValues(typeof cookie === 'string' ? cookie : undefined, location.name).filter((t) => t.length > 0);
}

function claimAt(payload: JwtPayload, claim: string): unknown {
  if (Object.hasOwn(payload, claim)) return payload[claim];
  let value: unknown = payload;
  for (const part of claim.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, part))
      return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** A claim as a header value: scalars as text, arrays of scalars joined with `,`; objects give nothing. */
function claimHeaderValue(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) {
    const parts = value
      .filter((v) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
      .map(String);
    return parts.length === value.length ? parts.join(',') : undefined;
  }
  return undefined;
}

/** One token location of a route and the rules that read it, computed once per route. */
interface LocationEntry {
  readonly location: TokenLocation;
  readonly rules: readonly CompiledJwtRule[];
  /** All these rules trust one issuer: their verifier checks `iss`, no unverified decode needed. */
  readonly singleIssuer: boolean;
}

/** The RequestAuthentication rules of a route and where they look for tokens. */
interface AuthSelection {
  readonly rules: readonly CompiledJwtRule[];
  readonly locations: readonly LocationEntry[];
}

const NO_SELECTION: AuthSelection = Object.freeze({ rules: Object.freeze([]), locations: Object.freeze([]) });

export class Authenticator {
  readonly rules: readonly CompiledJwtRule[];
  readonly #rootNamespace: string;
  readonly #defaultNamespace: string;
  readonly #cache = new WeakMap<object, Map<string, AuthSelection>>();

  constructor(rules: readonly CompiledJwtRule[], rootNamespace: string, defaultNamespace: string) {
    this.rules = rules;
    this.#rootNamespace = rootNamespace;
    this.#defaultNamespace = defaultNamespace;
  }

  select(req: PolicyRequest): AuthSelection {
    if (this.rules.length === 0) return NO_SELECTION;
    const labels = req.routeLabels ?? EMPTY;
    const ns = req.routeNamespace ?? this.#defaultNamespace;
    let byNs = this.#cache.get(labels);
    if (byNs === undefined) this.#cache.set(labels, (byNs = new Map<string, AuthSelection>()));
    let selection = byNs.get(ns);
    if (selection === undefined) {
      const rules = this.rules.filter((r) => notSelectedBecause(r, ns, labels, this.#rootNamespace) === undefined);
      const byKey = new Map<string, { location: TokenLocation; rules: CompiledJwtRule[] }>();
      for (const rule of rules) {
        for (const location of rule.locations) {
          const key = locationKey(location);
          let entry = byKey.get(key);
          if (entry === undefined) byKey.set(key, (entry = { location, rules: [] }));
          entry.rules.push(rule);
        }
      }
      const locations = [...byKey.values()].map((e) => ({
        location: e.location,
        rules: e.rules,
        singleIssuer: e.rules.every((r) => r.issuer === e.rules[0]!.issuer),
      }));
      selection = rules.length === 0 ? NO_SELECTION : { rules, locations };
      if (byNs.size < 1024) byNs.set(ns, selection);
    }
    return selection;
  }

  /** The token of the request and the location entries it was found at; throws on two different tokens. */
  #locate(req: PolicyRequest, selection: AuthSelection): { token: string; found: LocationEntry[] } | undefined {
    let params: URLSearchParams | undefined;
    let token: string | undefined;
    let found: LocationEntry[] | undefined;
    for (const entry of selection.locations) {
      const location = entry.location;
      let tokens: readonly string[];
      if (location.kind === 'param') {
        if (req.query === undefined || req.query.length === 0) continue;
        params ??= new URLSearchParams(req.query);
        tokens = params.getAll(location.name).filter((t) => t.length > 0);
      } else {
        tokens = extract(req, location);
      }
      for (const t of tokens) {
        if (token !== undefined && t !== token) {
          // Istio leaves several tokens undefined; refusing is the fail-closed reading (RFC 6750 §2).
          throw coreErrors.create('ERR_AUTH_CREDENTIALS_CONFLICT', 'the request carries more than one token');
        }
        token = t;
        (found ??= []).push(entry);
      }
    }
    return token === undefined ? undefined : { token, found: found! };
  }

  /** The rules that may verify `token`: its issuer's, among those reading where it was found. */
  #candidates(token: string, found: readonly LocationEntry[]): readonly CompiledJwtRule[] {
    // One location with one issuer (the common case): its verifier checks `iss` itself.
    if (found.length === 1 && found[0]!.singleIssuer) return found[0]!.rules;
    const located = [...new Set(found.flatMap((e) => e.rules))];
    let iss: unknown;
    try {
      iss = decodeJwt(token).payload.iss;
    } catch (error) {
      throw error instanceof TesseraError
        ? error
        : coreErrors.create('ERR_JWT_MALFORMED', 'Jwt is not in the form of Header.Payload.Signature');
    }
    const candidates = located.filter((r) => r.issuer === iss);
    if (candidates.length === 0) throw coreErrors.create('ERR_JWT_ISSUER_INVALID', 'Jwt issuer is not configured');
    return candidates;
  }

  async authenticate(req: PolicyRequest): Promise<Identity | undefined> {
    const selection = this.select(req);
    if (selection.rules.length === 0) return undefined;
    const located = this.#locate(req, selection);
    if (located === undefined) return undefined;
    const { token, found } = located;
    let firstError: unknown;
    for (const rule of this.#candidates(token, found)) {
      try {
        return this.#identity(rule, token, await rule.verifier.verify(token), found);
      } catch (error) {
        firstError ??= error;
      }
    }
    throw asAuthError(firstError);
  }

  /** {@link authenticate} without awaiting; throws `ERR_JWKS_NOT_READY` when a key source must fetch first. */
  authenticateSync(req: PolicyRequest): Identity | undefined {
    const selection = this.select(req);
    if (selection.rules.length === 0) return undefined;
    const located = this.#locate(req, selection);
    if (located === undefined) return undefined;
    const { token, found } = located;
    let firstError: unknown;
    let notReady: unknown;
    for (const rule of this.#candidates(token, found)) {
      try {
        return this.#identity(rule, token, rule.verifier.verifySync(token), found);
      } catch (error) {
        if (error instanceof TesseraError && error.code === 'ERR_JWKS_NOT_READY') notReady ??= error;
        else firstError ??= error;
      }
    }
    // A rule still fetching keys might accept the token: the caller must wait (`authenticate`).
    throw asAuthError(notReady ?? firstError);
  }

  #identity(rule: CompiledJwtRule, token: string, verified: VerifiedJwt, found: readonly LocationEntry[]): Identity {
    const payload = verified.payload;
    const tokenLocation = found.find((e) => e.rules.includes(rule))!.location;
    const known = rule.identities.get(verified);
    if (known !== undefined && known.tokenLocation === tokenLocation) return known;
    const issuer = String(payload.iss);
    const subject = typeof payload.sub === 'string' ? payload.sub : '';
    const aud = payload.aud;
    const audiences =
      typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [];
    const headersToAdd: (readonly [string, string])[] = [];
    if (rule.outputPayloadToHeader !== undefined) {
      // Envoy forwards the payload base64url-encoded: that is the token's second segment, verbatim.
      const first = token.indexOf('.');
      headersToAdd.push([rule.outputPayloadToHeader, token.slice(first + 1, token.indexOf('.', first + 1))]);
    }
    for (const [header, claim] of rule.outputClaimToHeaders) {
      const value = claimHeaderValue(claimAt(payload, claim));
      if (value !== undefined) headersToAdd.push([header, value]);
    }
    const identity: Identity = Object.freeze({
      requestPrincipal: `${issuer}/${subject}`,
      issuer,
      subject,
      audiences: Object.freeze(audiences),
      presenter: typeof payload.azp === 'string' ? payload.azp : undefined,
      claims: payload,
      rule: Object.freeze({ policy: rule.policy, index: rule.index, issuer: rule.issuer }),
      headersToAdd: Object.freeze(headersToAdd),
      tokenLocation,
      forwardOriginalToken: rule.forwardOriginalToken,
      spaceDelimitedClaims: rule.spaceDelimitedClaims,
      verified,
    });
    // Only a cached (frozen, shared) result comes back for the same token; fresh ones never do.
    if (Object.isFrozen(verified)) rule.identities.set(verified, identity);
    return identity;
  }
}

const EMPTY: Readonly<Record<string, string>> = Object.freeze({});

/** Fail closed: whatever a verifier threw becomes a TesseraError. */
function asAuthError(error: unknown): TesseraError {
  // Same words as Envoy's jwt_authn for a token of an issuer no rule names.
  if (error instanceof TesseraError && error.code === 'ERR_JWT_ISSUER_INVALID')
    return coreErrors.create('ERR_JWT_ISSUER_INVALID', 'Jwt issuer is not configured', { cause: error });
  return error instanceof TesseraError
    ? error
    : coreErrors.create('ERR_JWT_SIGNATURE_INVALID', 'Jwt verification fails', { cause: error });
}
