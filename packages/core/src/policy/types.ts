import type { JwtPayload, VerifiedJwt } from '../jose/types.js';

// ---------------------------------------------------------------------------------------------
// Documents: Istio's `security.istio.io/v1` and `v1beta1` resources, field names unchanged.
// ---------------------------------------------------------------------------------------------

/** Where a document (or one of its fields) came from, for error messages. */
export interface PolicySourceLocation {
  readonly file?: string;
  /** 1-based. */
  readonly line?: number;
  /** 1-based. */
  readonly column?: number;
}

/** The Kubernetes metadata Tessera reads; other metadata members are accepted and ignored. */
export interface PolicyMetadata {
  readonly name: string;
  /** When absent the document is in the compile option `defaultNamespace` (`default`), like `kubectl apply`. */
  readonly namespace?: string;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly labels?: Readonly<Record<string, string>>;
}

/** Istio `WorkloadSelector`; here it selects gateway routes by their labels. */
export interface WorkloadSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
}

/** Istio `Source` (AuthorizationPolicy `rules[].from[].source`). */
export interface PolicySource {
  readonly principals?: readonly string[];
  readonly notPrincipals?: readonly string[];
  readonly requestPrincipals?: readonly string[];
  readonly notRequestPrincipals?: readonly string[];
  readonly namespaces?: readonly string[];
  readonly notNamespaces?: readonly string[];
  /** `<namespace>/<service account>` (Istio ≥ 1.24). */
  readonly serviceAccounts?: readonly string[];
  readonly notServiceAccounts?: readonly string[];
  readonly ipBlocks?: readonly string[];
  readonly notIpBlocks?: readonly string[];
  readonly remoteIpBlocks?: readonly string[];
  readonly notRemoteIpBlocks?: readonly string[];
}

/** Istio `Operation` (AuthorizationPolicy `rules[].to[].operation`). */
export interface PolicyOperation {
  readonly hosts?: readonly string[];
  readonly notHosts?: readonly string[];
  readonly ports?: readonly string[];
  readonly notPorts?: readonly string[];
  readonly methods?: readonly string[];
  readonly notMethods?: readonly string[];
  readonly paths?: readonly string[];
  readonly notPaths?: readonly string[];
}

/** Istio `Condition` (AuthorizationPolicy `rules[].when[]`). */
export interface PolicyCondition {
  readonly key: string;
  readonly values?: readonly string[];
  readonly notValues?: readonly string[];
}

/** Istio `Rule`. `{}` matches every request. */
export interface PolicyRule {
  readonly from?: readonly { readonly source?: PolicySource }[];
  readonly to?: readonly { readonly operation?: PolicyOperation }[];
  readonly when?: readonly PolicyCondition[];
}

/** AuthorizationPolicy actions. */
export type PolicyAction = 'ALLOW' | 'DENY' | 'AUDIT' | 'CUSTOM';

/** Istio `AuthorizationPolicy.spec`. `{}` (ALLOW, no rules) denies everything. */
export interface AuthorizationPolicySpec {
  readonly selector?: WorkloadSelector;
  /** Default `ALLOW`. */
  readonly action?: PolicyAction;
  /** Required with `CUSTOM`, forbidden otherwise. */
  readonly provider?: { readonly name: string };
  readonly rules?: readonly PolicyRule[];
}

/** Istio `JWTHeader`. */
export interface JwtHeaderLocation {
  readonly name: string;
  /** Stripped from the header value before the token is read, e.g. `'Bearer '`. */
  readonly prefix?: string;
}

/** Istio `ClaimToHeader`. */
export interface ClaimToHeader {
  readonly header: string;
  /** A claim name; `a.b` reads a nested claim. */
  readonly claim: string;
}

/** Istio `JWTRule` (RequestAuthentication `spec.jwtRules[]`). */
export interface JwtRule {
  readonly issuer: string;
  readonly audiences?: readonly string[];
  readonly jwksUri?: string;
  /** An inline JWKS, as a JSON string (Istio's type). */
  readonly jwks?: string;
  readonly fromHeaders?: readonly JwtHeaderLocation[];
  readonly fromParams?: readonly string[];
  readonly fromCookies?: readonly string[];
  readonly outputPayloadToHeader?: string;
  readonly forwardOriginalToken?: boolean;
  readonly outputClaimToHeaders?: readonly ClaimToHeader[];
  /** Fetch timeout for `jwksUri` / discovery, a duration like `'5s'`, `'500ms'`. Default 5s. */
  readonly timeout?: string;
  /**
   * Claims that `request.auth.claims[name]` conditions read as space-delimited lists, in addition
   * to `scope` and `permission` (always), for tokens this rule verifies (Istio ≥ 1.28). Each name is
   * one top-level claim, dots included (`provider.login.scope` is the claim of that name, not a
   * nested one), as Envoy looks it up. At most 64.
   */
  readonly spaceDelimitedClaims?: readonly string[];
}

/** Istio `RequestAuthentication.spec`. */
export interface RequestAuthenticationSpec {
  readonly selector?: WorkloadSelector;
  readonly jwtRules?: readonly JwtRule[];
}

/** A `security.istio.io` AuthorizationPolicy. */
export interface AuthorizationPolicyDocument {
  readonly apiVersion: 'security.istio.io/v1' | 'security.istio.io/v1beta1';
  readonly kind: 'AuthorizationPolicy';
  readonly metadata: PolicyMetadata;
  readonly spec?: AuthorizationPolicySpec;
  /** Set by the loader. */
  readonly source?: PolicySourceLocation;
}

/** A `security.istio.io` RequestAuthentication. */
export interface RequestAuthenticationDocument {
  readonly apiVersion: 'security.istio.io/v1' | 'security.istio.io/v1beta1';
  readonly kind: 'RequestAuthentication';
  readonly metadata: PolicyMetadata;
  readonly spec?: RequestAuthenticationSpec;
  readonly source?: PolicySourceLocation;
}

/** Any policy document Tessera understands. *
 * @example
 * ```ts
 * const doc: PolicyDocument = { apiVersion: 'security.istio.io/v1', kind: 'AuthorizationPolicy', metadata: { name: 'allow-all' }, spec: { rules: [{}] } };
 * compilePolicies([doc]);
 * ```
 */
export type PolicyDocument = AuthorizationPolicyDocument | RequestAuthenticationDocument;

/**
 * One problem found in a policy document: where, which field, what.
 *
 * @example
 * ```ts
 * catch (e) { if (isTesseraError(e, 'ERR_POLICY_INVALID')) for (const i of e.details!.issues as PolicyIssue[]) log.error(formatIssue(i)); }
 * ```
 */
export interface PolicyIssue {
  readonly file?: string;
  readonly line?: number;
  readonly column?: number;
  /** Field path inside the document, e.g. `spec.rules[0].to[0].operation.paths[1]`. */
  readonly path: string;
  readonly message: string;
}

// ---------------------------------------------------------------------------------------------
// Requests, identities, decisions.
// ---------------------------------------------------------------------------------------------

/**
 * Everything the engine looks at in one request. Build it once per request (the gateway uses
 * `policyRequestFromHttp`); the same object drives routing, authorization and forwarding.
 *
 * @example
 * ```ts
 * const request: PolicyRequest = { method: 'GET', host: 'orders.example', path: '/orders/42', port: 8443, headers: {}, peerPrincipal: 'cluster.local/ns/shop/sa/web' };
 * policySet.authorize(request, identity);
 * ```
 */
export interface PolicyRequest {
  /** HTTP method, as sent (case-sensitive, like Envoy's `:method`). */
  readonly method: string;
  /** The `Host` / `:authority` value as received (with `:port` when the client sent one), lower-case. */
  readonly host: string;
  /** The normalized path (see `normalizePath`), without query. */
  readonly path: string;
  /** The raw query string without `?`, if any; read by `fromParams`. */
  readonly query?: string;
  /** Destination (listener) port: `ports` and `destination.port`. */
  readonly port: number;
  /** Request headers with lower-case names; duplicates joined with `, ` (node:http's `req.headers`). */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The peer address of the connection (`source.ip`, `ipBlocks`). */
  readonly sourceIp?: string;
  /** The original client address (`remote.ip`, `remoteIpBlocks`): from trusted `X-Forwarded-For` hops; defaults to `sourceIp`. */
  readonly remoteIp?: string;
  /** The local address the request arrived on (`destination.ip`). */
  readonly destinationIp?: string;
  /** TLS SNI (`connection.sni`). */
  readonly sni?: string;
  /** mTLS peer identity: the SPIFFE ID without `spiffe://`, e.g. `cluster.local/ns/default/sa/webui`. */
  readonly peerPrincipal?: string;
  /** mTLS peer namespace; derived from `peerPrincipal` (`…/ns/<ns>/…`) when absent. */
  readonly peerNamespace?: string;
  /** Labels of the matched route: `selector.matchLabels` select on them. */
  readonly routeLabels?: Readonly<Record<string, string>>;
  /** Namespace of the matched route; default `default`. Policies of this namespace and of the root namespace apply. */
  readonly routeNamespace?: string;
}

/** Where a token was found. */
export type TokenLocation =
  | { readonly kind: 'header'; readonly name: string; readonly prefix: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'cookie'; readonly name: string };

/**
 * The request principal established by a RequestAuthentication from a verified JWT.
 *
 * @example
 * ```ts
 * const identity = await policySet.authenticate(request); // Identity | undefined
 * if (identity) log.info({ principal: identity.requestPrincipal, via: identity.tokenLocation.kind });
 * ```
 */
export interface Identity {
  /** `iss/sub`, what `requestPrincipals` and `request.auth.principal` match. */
  readonly requestPrincipal: string;
  readonly issuer: string;
  readonly subject: string;
  /** `aud` as a list (empty when absent). */
  readonly audiences: readonly string[];
  /** `azp` (`request.auth.presenter`). */
  readonly presenter: string | undefined;
  /** The verified payload. */
  readonly claims: Readonly<JwtPayload>;
  /** Which RequestAuthentication rule accepted the token. */
  readonly rule: { readonly policy: string; readonly index: number; readonly issuer: string };
  /**
   * Headers to set on the upstream request (`outputPayloadToHeader`, `outputClaimToHeaders`), names
   * lower-case. Values come from the token as they are: the caller must refuse values with CR, LF
   * or other control characters (the gateway answers `ERR_GATEWAY_CLAIM_UNSAFE`).
   */
  readonly headersToAdd: readonly (readonly [name: string, value: string])[];
  readonly tokenLocation: TokenLocation;
  /** `forwardOriginalToken` of the rule: when false the gateway removes the token from the upstream request. */
  readonly forwardOriginalToken: boolean;
  /**
   * Top-level claims whose string value `request.auth.claims[name]` conditions split on spaces:
   * `scope`, `permission` and the accepting rule's `spaceDelimitedClaims` (one set per compiled
   * rule, shared by its identities). `scope` and `permission` are split even when an identity
   * built by hand leaves them out of this set, or leaves the field out.
   */
  readonly spaceDelimitedClaims?: ReadonlySet<string>;
  /** The verified token (header, payload, key) when a RequestAuthentication rule verified it; absent for identities built by hand. */
  readonly verified?: VerifiedJwt;
}

/** What decided a request. `DEFAULT` means no enforced policy selected the route (`defaultAction`). */
export type DecisionAction = 'ALLOW' | 'DENY' | 'CUSTOM' | 'DEFAULT';

/** Stable reason codes of a {@link Decision}, for logs and counters. */
export type DecisionReason =
  | 'deny-matched'
  | 'allow-matched'
  | 'no-allow-policy'
  | 'no-allow-matched'
  | 'no-policy'
  | 'custom-pending'
  | 'custom-denied'
  | 'custom-error';

/** A CUSTOM policy that matched: the external authorizer `provider` must be asked. */
export interface CustomCheck {
  readonly provider: string;
  readonly policy: string;
  readonly rule: number;
}

/**
 * What the dry-run (`istio.io/dry-run: "true"`) policies of one action would have done, as Envoy's
 * shadow engine reports it: DENY → `denied` if one matched; ALLOW → `allowed` if one matched;
 * CUSTOM → `denied` standing for "the provider would have been asked".
 */
export interface DryRunResult {
  readonly action: PolicyAction;
  readonly result: 'allowed' | 'denied';
  /** The dry-run policy that matched, if any. */
  readonly policy: string | undefined;
  readonly rule: number | undefined;
}

/**
 * The outcome of `authorize`. A deny is a value, never an exception (ARCHITECTURE.md, "Errors").
 *
 * @example
 * ```ts
 * const d = policySet.authorize(request, identity);
 * if (!d.allowed) return reply(403, 'RBAC: access denied'); // d.policy, d.rule, d.reason say why
 * for (const r of d.dryRun) metrics.dryRun.inc({ result: r.result });
 * ```
 */
export interface Decision {
  readonly allowed: boolean;
  readonly action: DecisionAction;
  /** `namespace/name` of the deciding policy, if a policy decided. */
  readonly policy: string | undefined;
  /** Index of the deciding rule in that policy. */
  readonly rule: number | undefined;
  readonly reason: DecisionReason;
  readonly dryRun: readonly DryRunResult[];
  /** An AUDIT policy matched: the request should be audited. */
  readonly audit: boolean;
  readonly auditPolicy: string | undefined;
  /**
   * CUSTOM policies that matched. When not empty and the rest would allow, `authorize` returns
   * `allowed: false, reason: 'custom-pending'` (fail closed); `authorizeWithProviders` asks them.
   */
  readonly custom: readonly CustomCheck[];
  /** The CUSTOM provider's answer that denied (set by `authorizeWithProviders`), with its status, headers and body. */
  readonly providerResult?: ExternalAuthorizationResult;
}

/** Why one rule of one policy matched or not. */
export interface RuleExplanation {
  readonly index: number;
  readonly matched: boolean;
  /** Failed conditions, e.g. `to[0].operation.paths: "/admin" matches none of ["/api/*"]`. Empty when matched. */
  readonly failures: readonly string[];
}

/** How one policy fared for a request. */
export interface PolicyExplanation {
  readonly policy: string;
  readonly action: PolicyAction;
  readonly dryRun: boolean;
  readonly selected: boolean;
  /** Why it does not apply to this route, when `selected` is false. */
  readonly notSelectedBecause: string | undefined;
  readonly matched: boolean;
  readonly matchedRule: number | undefined;
  readonly rules: readonly RuleExplanation[];
  readonly file: string | undefined;
  readonly line: number | undefined;
}

/**
 * The answer of `explain`: the decision, every policy considered, and a readable summary.
 *
 * @example
 * ```ts
 * const { text, policies } = policySet.explain(request, identity);
 * log.info({ policies }, text); // DENIED: ALLOW policies apply but none matched …
 * ```
 */
export interface Explanation {
  readonly decision: Decision;
  readonly policies: readonly PolicyExplanation[];
  /** Multi-line English summary for logs and the CLI. */
  readonly text: string;
}

/** An HTTP external authorizer call for a CUSTOM policy (implemented by the gateway with undici). */
export interface ExternalAuthorizationRequest {
  readonly provider: string;
  readonly policy: string;
  readonly request: PolicyRequest;
  readonly identity: Identity | undefined;
}

/** The external authorizer's answer. */
export interface ExternalAuthorizationResult {
  readonly allowed: boolean;
  /** Status to answer the client with on deny (default 403). */
  readonly status?: number;
  /** Headers the authorizer wants on the upstream request (allow) or on the response (deny). */
  readonly headers?: readonly (readonly [name: string, value: string])[];
  readonly body?: string;
}

/**
 * Asks a CUSTOM provider. Must resolve (never hang: the implementation applies its own timeout);
 * a rejection counts as deny (fail closed).
 *
 * @example
 * ```ts
 * const ask: ExternalAuthorizer = async ({ provider, request }) => {
 *   const res = await fetch(providers[provider].url, { headers: { 'x-original-path': request.path }, signal: AbortSignal.timeout(2000) });
 *   return { allowed: res.status === 200, status: res.status, body: await res.text() };
 * };
 * ```
 */
export type ExternalAuthorizer = (check: ExternalAuthorizationRequest) => Promise<ExternalAuthorizationResult>;
