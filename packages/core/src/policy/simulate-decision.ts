import { coreErrors } from '../errors/errors.js';
import { isTesseraError } from '../errors/tessera-error.js';
import type { PolicySet } from './compile-policies.js';
import type { Explanation, Identity, PolicyDocument, PolicyRequest } from './types.js';

/** The outcome of a simulated request: refused before authorization (401), or the decision and its account. */
export type SimulatedDecision =
  | { readonly status: 401; readonly error: { readonly code: string; readonly message: string } }
  | {
      readonly status: 200 | 403;
      readonly identity: Identity | undefined;
      readonly explanation: Explanation;
    };

/** A request principal assumed instead of a token: `iss/sub` and its claims. */
export interface AssumedPrincipal {
  readonly principal: string;
  readonly claims?: Readonly<Record<string, unknown>>;
}

/**
 * The claims the jwtRules of `issuer` split on spaces (`spaceDelimitedClaims`), for an assumed
 * identity: no rule verified it, so every rule of its issuer that applies to the route counts (the
 * rules a real token of that issuer would be verified by). Scope and permission are split anyway.
 */
function spaceDelimitedClaimsOf(
  documents: readonly PolicyDocument[],
  issuer: string,
  request: PolicyRequest,
  set: PolicySet,
): Set<string> {
  const names = new Set<string>();
  const labels = request.routeLabels ?? {};
  for (const doc of documents) {
    if (doc.kind !== 'RequestAuthentication') continue;
    // Istio's selection, as the set applies it: the route's namespace or the root one, and every label.
    const namespace = doc.metadata.namespace ?? set.defaultNamespace;
    if (namespace !== request.routeNamespace && namespace !== set.rootNamespace) continue;
    const match = doc.spec?.selector?.matchLabels ?? {};
    if (!Object.entries(match).every(([k, v]) => labels[k] === v)) continue;
    for (const rule of doc.spec?.jwtRules ?? [])
      if (rule.issuer === issuer) for (const name of rule.spaceDelimitedClaims ?? []) names.add(name);
  }
  return names;
}

/**
 * The identity of an assumed `iss/sub` principal, as if a token of it had been verified.
 * `ERR_CONFIG_INVALID` when the principal is not `iss/sub`.
 */
function assumedIdentity(
  assumed: AssumedPrincipal,
  documents: readonly PolicyDocument[],
  request: PolicyRequest,
  set: PolicySet,
): Identity {
  const { principal } = assumed;
  const slash = principal.lastIndexOf('/');
  if (slash <= 0 || slash === principal.length - 1)
    throw coreErrors.create('ERR_CONFIG_INVALID', `the principal is iss/sub, got ${JSON.stringify(principal)}`);
  const issuer = principal.slice(0, slash);
  const subject = principal.slice(slash + 1);
  const claims = assumed.claims ?? {};
  const aud = claims['aud'];
  return {
    requestPrincipal: principal,
    issuer,
    subject,
    audiences:
      typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud.filter((a): a is string => typeof a === 'string') : [],
    presenter: typeof claims['azp'] === 'string' ? claims['azp'] : undefined,
    claims: { iss: issuer, sub: subject, ...claims },
    rule: { policy: '(assumed)', index: 0, issuer },
    headersToAdd: [],
    tokenLocation: { kind: 'header', name: 'authorization', prefix: 'Bearer ' },
    forwardOriginalToken: false,
    spaceDelimitedClaims: spaceDelimitedClaimsOf(documents, issuer, request, set),
  };
}

/**
 * Decides a request as the gateway would, for `tessera policy check` and the console's policy
 * simulator: the token is verified by the set's RequestAuthentication rules (a token they refuse is
 * a 401 before any AuthorizationPolicy), or a principal is assumed instead; then the set explains
 * which policy and rule decided (200 or 403).
 *
 * @example
 * ```ts
 * const result = await simulateDecision(set, documents, request);
 * if (result.status === 401) console.log(result.error.code);
 * ```
 */
export async function simulateDecision(
  set: PolicySet,
  documents: readonly PolicyDocument[],
  request: PolicyRequest,
  assumed?: AssumedPrincipal,
): Promise<SimulatedDecision> {
  let identity: Identity | undefined;
  if (assumed !== undefined) identity = assumedIdentity(assumed, documents, request, set);
  else {
    try {
      identity = await set.authenticate(request);
    } catch (error) {
      if (!isTesseraError(error)) throw error;
      return { status: 401, error: { code: error.code, message: error.message } };
    }
  }
  const explanation = set.explain(request, identity);
  return { status: explanation.decision.allowed ? 200 : 403, identity, explanation };
}
