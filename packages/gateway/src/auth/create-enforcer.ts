import {
  cookieValues,
  compilePolicies,
  isTesseraError,
  explainRequest,
  loadPolicies,
  type Decision,
  type Identity,
  type PolicyDocument,
  type PolicyRequest,
  type PolicySet,
  type TokenLocation,
} from '@tessera/core';
import type { EnforcerFactoryInput } from './verdict.js';
import { gatewayErrors } from '../errors.js';
import type { GatewayRequest } from '../request/gateway-request.js';
import type { Enforcer, GatewayIdentity, RouteFacts, Verdict } from './verdict.js';
import { createExternalAuthorizer } from './create-external-authorizer.js';
import { checkMintSubjectPrefixes } from '../mutate/check-mint-subject-prefixes.js';

/**
 * Envoy's jwt_authn status texts (envoy `source/common/jwt/status.cc`), the bodies users already
 * grep for, by the core error code that stands for each status.
 */
const ENVOY_TEXT: Readonly<Record<string, string>> = {
  ERR_AUTH_TOKEN_MISSING: 'Jwt is missing',
  ERR_JWT_EXPIRED: 'Jwt is expired',
  ERR_JWT_NOT_YET_VALID: 'Jwt not yet valid',
  ERR_JWT_ISSUER_INVALID: 'Jwt issuer is not configured',
  ERR_JWT_AUDIENCE_INVALID: 'Audiences in Jwt are not allowed',
  ERR_JWKS_FETCH_FAILED: 'Jwks remote fetch is failed',
  ERR_DISCOVERY_FAILED: 'Jwks remote fetch is failed',
  ERR_JWKS_NOT_READY: 'Jwks remote fetch is failed',
  ERR_JWKS_NO_MATCHING_KEY: "Jwks doesn't have key to match kid or alg from Jwt",
  ERR_JWT_MALFORMED: 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections',
};
const VERIFICATION_FAILS = 'Jwt verification fails';
const IDENTITY_TTL_MS = 60_000;
const IDENTITY_CACHE_MAX = 10_000;
const NO_HEADERS: readonly (readonly [string, string])[] = Object.freeze([]);

/** The Envoy body text for an authentication error code. */
export function envoyText(code: string): string {
  return ENVOY_TEXT[code] ?? VERIFICATION_FAILS;
}

/** The token at the location core found it, so it can be minted from, exchanged or stripped. */
function tokenAt(request: GatewayRequest, location: TokenLocation): string | undefined {
  if (location.kind === 'header') {
    const value = request.headers[location.name];
    const v = Array.isArray(value) ? value[0] : value;
    if (v === undefined) return undefined;
    const trimmed = v.trim();
    return location.prefix && trimmed.toLowerCase().startsWith(location.prefix.toLowerCase().trim())
      ? trimmed.slice(location.prefix.trim().length).trim()
      : trimmed;
  }
  if (location.kind === 'param') return new URLSearchParams(request.query.slice(1)).get(location.name) ?? undefined;
  // The first non-empty value, as core's authenticator reads the same location.
  return cookieValues(request.headers.cookie, location.name).find((t) => t.length > 0);
}

function toGatewayIdentity(request: GatewayRequest, identity: Identity): GatewayIdentity | undefined {
  const token = tokenAt(request, identity.tokenLocation);
  if (token === undefined) return undefined;
  const loc = identity.tokenLocation;
  return {
    token,
    payload: identity.claims,
    requestPrincipal: identity.requestPrincipal,
    tokenHeader: loc.kind === 'header' ? loc.name.toLowerCase() : undefined,
    tokenParam: loc.kind === 'param' ? loc.name : undefined,
    forwardOriginalToken: identity.forwardOriginalToken,
    headersToAdd: identity.headersToAdd,
  };
}

/** The policy request core evaluates, from the gateway's one normalized request. */
function toPolicyRequest(r: GatewayRequest, route: RouteFacts): PolicyRequest {
  return {
    method: r.method,
    host: r.authority || r.host,
    path: r.path,
    query: r.query.length > 1 ? r.query.slice(1) : undefined,
    port: r.port,
    headers: r.headers as Readonly<Record<string, string | undefined>>,
    sourceIp: r.sourceIp,
    remoteIp: r.remoteIp,
    destinationIp: r.destinationIp,
    sni: r.sni,
    peerPrincipal: r.peerPrincipal,
    routeLabels: route.labels,
    routeNamespace: route.namespace,
  };
}

/** Headers every jwtRule may write: client copies of them never reach an upstream. */
function outputHeaders(documents: readonly PolicyDocument[]): Set<string> {
  const set = new Set<string>();
  for (const doc of documents) {
    if (doc.kind !== 'RequestAuthentication') continue;
    for (const rule of doc.spec?.jwtRules ?? []) {
      if (rule.outputPayloadToHeader) set.add(rule.outputPayloadToHeader.toLowerCase());
      for (const c of rule.outputClaimToHeaders ?? []) set.add(c.header.toLowerCase());
    }
  }
  return set;
}

/**
 * The default enforcer factory: loads RequestAuthentication and AuthorizationPolicy documents from
 * the sources and compiles them with `@tessera/core` (Istio's order: CUSTOM → DENY → ALLOW;
 * `defaultAction` when no policy selects a route). Per request: authenticate (no token → no
 * identity; a bad token → 401 with Envoy's text), refuse revoked `jti`s, require a token on routes
 * that say so, then authorize (403 `RBAC: access denied`). Dry-run results are reported, never
 * enforced.
 *
 * @example
 * ```ts
 * const enforcer = await createEnforcer({ sources: ['./policies'], config, clock: Date.now, logger, metrics, isRevoked: undefined, remoteKeySource });
 * const verdict = await enforcer.evaluate(request, route);
 * ```
 */
export async function createEnforcer(input: EnforcerFactoryInput): Promise<Enforcer> {
  const { config } = input;
  const documents = input.sources.length > 0 ? (await loadPolicies(input.sources)).documents : [];
  // Every issuer a `self`-minting route accepts needs a subject prefix (RFC 9493 sub_id hardening).
  checkMintSubjectPrefixes(documents, config);
  // Cross-references the compiler cannot see: a CUSTOM policy must name a configured provider; a
  // selector that matches no route is allowed (routes change) but said out loud.
  const providers = new Set(config.policies.extensionProviders.map((p) => p.name));
  const where = (d: PolicyDocument) => `${d.source?.file ?? '<policy>'}${d.source?.line ? `:${d.source.line}` : ''}`;
  for (const d of documents) {
    if (d.kind !== 'AuthorizationPolicy') continue;
    const provider = d.spec?.action === 'CUSTOM' ? d.spec.provider?.name : undefined;
    if (provider !== undefined && !providers.has(provider)) {
      throw gatewayErrors.create(
        'ERR_GATEWAY_POLICY_LOAD_FAILED',
        `${where(d)}: spec.provider.name: "${provider}" is not in policies.extensionProviders`,
        { details: { file: d.source?.file, line: d.source?.line, field: 'spec.provider.name' } },
      );
    }
    const match = d.spec?.selector?.matchLabels;
    if (match && !config.routes.some((r) => Object.entries(match).every(([k, v]) => r.labels[k] === v))) {
      input.logger.warn(
        { policy: `${d.metadata.namespace ?? 'default'}/${d.metadata.name}`, at: where(d) },
        'AuthorizationPolicy selector matches no route',
      );
    }
  }
  let set: PolicySet;
  try {
    set = compilePolicies(documents, {
      rootNamespace: config.policies.rootNamespace,
      defaultAction: config.policies.defaultAction,
      clock: input.clock,
      ...(input.remoteKeySource ? { createRemoteKeySource: input.remoteKeySource } : {}),
    });
  } catch (cause) {
    if (isTesseraError(cause)) throw cause;
    throw gatewayErrors.create(
      'ERR_GATEWAY_POLICY_LOAD_FAILED',
      `cannot compile the policies: ${(cause as Error).message}`,
      { cause },
    );
  }
  const isRevoked = input.isRevoked;
  const clock = input.clock;
  const metrics = input.metrics;
  // Identity cache (Envoy's jwt_cache): when every jwtRule reads only Istio's default locations
  // (`Authorization: Bearer`, `access_token` query parameter), the identity of a request whose only
  // credential is one Bearer header depends on the route and the token alone, so a verified identity
  // is reused — within its `exp`, for at most IDENTITY_TTL_MS, and only with this compiled set (a
  // reload starts empty). Revocation and authorization still run on every request; failures are
  // never cached.
  const cacheable = documents.every(
    (d) =>
      d.kind !== 'RequestAuthentication' ||
      (d.spec?.jwtRules ?? []).every(
        (r) => r.fromHeaders === undefined && r.fromParams === undefined && r.fromCookies === undefined,
      ),
  );
  type RememberedIdentity = { readonly identity: Identity; readonly gateway: GatewayIdentity; readonly until: number };
  let identities = new WeakMap<RouteFacts, Map<string, RememberedIdentity>>();
  // A key withdrawn by the token service (a stolen key) invalidates every identity it verified.
  const withdrawn = input.withdrawnKeys;
  let withdrawalsSeen = withdrawn?.version ?? 0;
  const maxAuthorization = config.limits.maxTokenBytes + 'Bearer '.length;
  const requireJwtRoutes = new Set(config.routes.filter((r) => r.requireJwt).map((r) => r.name));

  const external = createExternalAuthorizer(config.policies.extensionProviders);
  const authorize = (
    request: GatewayRequest,
    pr: PolicyRequest,
    identity: Identity | undefined,
    route: RouteFacts,
    cached?: GatewayIdentity,
  ): Verdict | Promise<Verdict> => {
    let gatewayIdentity: GatewayIdentity | undefined = cached;
    if (identity !== undefined) {
      const jti = identity.claims.jti;
      if (isRevoked !== undefined && typeof jti === 'string' && isRevoked(jti)) {
        return {
          kind: 'unauthenticated',
          body: VERIFICATION_FAILS,
          invalidToken: true,
          code: 'ERR_GATEWAY_TOKEN_REVOKED',
          reason: `token revoked (jti ${jti.slice(0, 64)})`,
        };
      }
      gatewayIdentity ??= toGatewayIdentity(request, identity);
      if (gatewayIdentity === undefined)
        return { kind: 'bad-request', code: 'ERR_GATEWAY_BAD_REQUEST', reason: 'token location unreadable' };
    } else if (requireJwtRoutes.has(route.name)) {
      return {
        kind: 'unauthenticated',
        body: 'Jwt is missing',
        invalidToken: false,
        code: 'ERR_AUTH_TOKEN_MISSING',
        reason: 'no token on a route that requires one',
      };
    }
    const d = set.authorize(pr, identity);
    // A CUSTOM policy matched and nothing else denies: ask its provider (fail closed on error).
    if (d.reason === 'custom-pending') {
      // Core keeps only a denying provider's answer; collect the allowing ones' upstream headers here.
      const allowedHeaders: (readonly [string, string])[] = [];
      const ask: typeof external = (check) =>
        external(check).then((r) => {
          if (r.allowed && r.headers) allowedHeaders.push(...r.headers);
          return r;
        });
      return set.authorizeWithProviders(pr, identity, ask).then((d2) => finish(d2, gatewayIdentity, allowedHeaders));
    }
    return finish(d, gatewayIdentity, NO_HEADERS);
  };

  const finish = (
    d: Decision,
    gatewayIdentity: GatewayIdentity | undefined,
    allowedHeaders: readonly (readonly [string, string])[],
  ): Verdict => {
    let dryRun: 'allow' | 'deny' | undefined;
    for (const r of d.dryRun) {
      // Envoy's shadow engine: a DENY shadow that matched or an ALLOW shadow that did not → denied.
      dryRun = r.result === 'denied' ? 'deny' : (dryRun ?? 'allow');
    }
    const reason = `${d.reason}${d.policy ? ` ${d.policy}` : ''}${d.rule !== undefined ? ` rule ${d.rule}` : ''}${dryRun ? ` dry-run ${dryRun}` : ''}`;
    const provider = d.providerResult;
    if (!d.allowed) {
      if (provider !== undefined && !provider.allowed) {
        return {
          kind: 'denied',
          reason,
          dryRun,
          identity: gatewayIdentity,
          response: { status: provider.status ?? 403, body: provider.body ?? '', headers: provider.headers ?? [] },
        };
      }
      return { kind: 'denied', reason, dryRun, identity: gatewayIdentity };
    }
    return { kind: 'allow', identity: gatewayIdentity, reason, dryRun, extraHeaders: allowedHeaders };
  };

  const unauthenticated = (err: unknown, request: GatewayRequest): Verdict => {
    if (isTesseraError(err)) {
      if (err.status === 400) return { kind: 'bad-request', code: err.code, reason: err.message };
      if (
        err.status === 401 ||
        err.status === 503 ||
        err.code.startsWith('ERR_JWKS_') ||
        err.code === 'ERR_DISCOVERY_FAILED'
      ) {
        // Envoy says "two dots and 3 sections" only for that; other malformed tokens fail verification.
        const auth = request.headers.authorization;
        const body =
          err.code === 'ERR_JWT_MALFORMED' && typeof auth === 'string' && auth.split('.').length === 3
            ? VERIFICATION_FAILS
            : envoyText(err.code);
        return {
          kind: 'unauthenticated',
          body,
          invalidToken: true,
          code: err.code,
          reason: `${err.code}: ${err.message}`,
        };
      }
    }
    // Anything else on the auth path is unexpected: deny (fail closed), let the caller log it.
    throw err;
  };

  const remember = (
    route: RouteFacts,
    token: string,
    identity: Identity | undefined,
    request: GatewayRequest,
  ): Identity | undefined => {
    if (identity === undefined) return identity;
    const exp = identity.claims.exp;
    const gateway = toGatewayIdentity(request, identity);
    if (typeof exp !== 'number' || gateway === undefined || gateway.token !== token) return identity;
    let perRoute = identities.get(route);
    if (perRoute === undefined) identities.set(route, (perRoute = new Map<string, RememberedIdentity>()));
    if (perRoute.size >= IDENTITY_CACHE_MAX) perRoute.delete(perRoute.keys().next().value!);
    perRoute.set(token.slice(-32), { identity, gateway, until: Math.min(exp * 1000, clock() + IDENTITY_TTL_MS) });
    return identity;
  };

  return {
    managedHeaders: outputHeaders(documents),
    size: set.policies.length,
    explain: (request, route) => explainRequest(set, toPolicyRequest(request, route)),
    evaluate(request, route) {
      const auth = request.headers.authorization;
      if (auth !== undefined && auth.length > maxAuthorization) {
        return {
          kind: 'unauthenticated',
          body: VERIFICATION_FAILS,
          invalidToken: true,
          code: 'ERR_JWT_MALFORMED',
          reason: `Authorization header longer than ${maxAuthorization} characters`,
        };
      }
      const pr = toPolicyRequest(request, route);
      if (cacheable && !request.query.includes('access_token')) {
        if (auth === undefined) return authorize(request, pr, undefined, route);
        if (auth.startsWith('Bearer ') && auth.indexOf(' ', 7) === -1 && auth.length > 7) {
          const token = auth.slice(7);
          if (withdrawn !== undefined && withdrawn.version !== withdrawalsSeen) {
            withdrawalsSeen = withdrawn.version;
            identities = new WeakMap();
          }
          // Keyed by the signature's tail (cheap to hash), confirmed by comparing the whole token.
          const hit = identities.get(route)?.get(token.slice(-32));
          if (hit !== undefined && hit.gateway.token === token && hit.until > clock()) {
            metrics.jwtCache.hit();
            return authorize(request, pr, hit.identity, route, hit.gateway);
          }
          metrics.jwtCache.miss();
          return set.authenticate(pr).then(
            (identity) => authorize(request, pr, remember(route, token, identity, request), route),
            (err: unknown) => unauthenticated(err, request),
          );
        }
      }
      return set.authenticate(pr).then(
        (identity) => authorize(request, pr, identity, route),
        (err: unknown) => unauthenticated(err, request),
      );
    },
  };
}
