import { coreErrors } from '../errors/errors.js';
import { createLocalJwks } from '../jose/local-jwks.js';
import { createRemoteJwks, type RemoteJwks, type RemoteJwksOptions } from '../jose/remote-jwks.js';
import type { RevocationSource } from '../jose/revocation-feed.js';
import type { Clock, Jwks, JwsAlgorithm, KeySource } from '../jose/types.js';
import {
  Authenticator,
  compileJwtRules,
  type JwtKeySourceRequest,
  type KeySourceFactory,
} from './internal/authenticator.js';
import { Authorizer, compileAuthorizationPolicy, type CompiledPolicy } from './internal/authorizer.js';
import { formatFieldPath } from './field-position.js';
import { validateDocument } from './internal/validate.js';
import { policyInvalid } from './parse-policies.js';
import type {
  Decision,
  Explanation,
  ExternalAuthorizationResult,
  ExternalAuthorizer,
  Identity,
  PolicyDocument,
  PolicyIssue,
  PolicyRequest,
} from './types.js';

export type { JwtKeySourceRequest, KeySourceFactory };

/**
 * Options of {@link compilePolicies}.
 *
 * @example
 * ```ts
 * compilePolicies(documents, { rootNamespace: 'mesh', defaultAction: 'deny', clockTolerance: 30, remoteJwksOptions: { logger } });
 * ```
 */
export interface CompilePoliciesOptions {
  /** Policies in this namespace apply to every route (Istio's root namespace). Default `istio-system`. */
  readonly rootNamespace?: string;
  /** Namespace of documents without `metadata.namespace` and of requests without `routeNamespace`. Default `default`. */
  readonly defaultNamespace?: string;
  /**
   * What happens when no enforced AuthorizationPolicy (ALLOW, DENY or CUSTOM, not dry-run) selects
   * the route. Istio allows; Tessera denies by default (fail closed). Default `'deny'`.
   */
  readonly defaultAction?: 'allow' | 'deny';
  /**
   * Builds each jwtRule's key source. Default: inline `jwks` → `createLocalJwks`; `jwksUri` →
   * `createRemoteJwks(jwksUri)`; neither → `createRemoteJwks({ issuer })` (OIDC discovery), with the
   * rule's `timeout`, one source per URL (or issuer) in the set. Inject a caching factory to share
   * remote JWKS between reloads (the sources it returns are then the caller's to close).
   */
  readonly createKeySource?: KeySourceFactory;
  /**
   * Used by the default factory for `jwksUri` and discovery rules instead of `createRemoteJwks`
   * (inline `jwks` stay local). Sources it returns are the caller's to close.
   */
  readonly createRemoteKeySource?: KeySourceFactory;
  /** Options for the remote key sources the default factory creates (logger, onEvent, ca, cacheMaxAge, ...). */
  readonly remoteJwksOptions?: Omit<RemoteJwksOptions, 'issuer' | 'timeoutDuration'>;
  readonly clock?: Clock;
  /** Seconds of leeway for `exp`/`nbf`; default 0. */
  readonly clockTolerance?: number;
  /** Require `exp` in tokens (RFC 8725); default true. Envoy does not. */
  readonly requireExpiration?: boolean;
  readonly algorithms?: readonly JwsAlgorithm[];
  /** Verified-token cache per jwtRule; default on. */
  readonly tokenCache?: boolean;
  /** Revocations every jwtRule's verifier honours (`createRevocationFeed`): revoked tokens are a 401. */
  readonly revocations?: RevocationSource;
}

/**
 * A summary of one compiled document, for status pages and the CLI.
 *
 * @example
 * ```ts
 * for (const p of policySet.policies) log.info(`${p.kind} ${p.id} ${p.action ?? ''} ${p.file}:${p.line}`);
 * ```
 */
export interface PolicySummary {
  readonly id: string;
  readonly kind: 'AuthorizationPolicy' | 'RequestAuthentication';
  readonly action: string | undefined;
  readonly dryRun: boolean;
  readonly file: string | undefined;
  readonly line: number | undefined;
}

/**
 * An immutable, compiled set of policies. A reload compiles a new set and swaps the reference.
 *
 * @example
 * ```ts
 * const identity = await policySet.authenticate(request);
 * const decision = policySet.authorize(request, identity);
 * ```
 */
export interface PolicySet {
  readonly rootNamespace: string;
  readonly defaultNamespace: string;
  readonly defaultAction: 'allow' | 'deny';
  readonly policies: readonly PolicySummary[];
  /** Whether any RequestAuthentication jwtRule applies to the request's route. */
  hasRequestAuthentication(request: PolicyRequest): boolean;
  /**
   * RequestAuthentication: resolves to the identity of a valid token, to `undefined` when the
   * request carries no token at any location the applicable rules read (Istio: no principal; the
   * AuthorizationPolicy decides), and rejects with a `TesseraError` (401 `ERR_JWT_*`,
   * `ERR_JWKS_*`; 400 `ERR_AUTH_CREDENTIALS_CONFLICT` for two different tokens) when a token is
   * present but not valid for any rule of its issuer.
   */
  authenticate(request: PolicyRequest): Promise<Identity | undefined>;
  /**
   * `authenticate` without a promise, for hot paths: same results, but throws `ERR_JWKS_NOT_READY`
   * (503) when a remote key source has to fetch first; then call `authenticate`.
   */
  authenticateSync(request: PolicyRequest): Identity | undefined;
  /** AuthorizationPolicy evaluation, synchronous. Never throws for a deny. */
  authorize(request: PolicyRequest, identity?: Identity): Decision;
  /** `authorize`, then asks the matched CUSTOM providers through `externalAuthorizer` (a failure denies). */
  authorizeWithProviders(
    request: PolicyRequest,
    identity: Identity | undefined,
    externalAuthorizer: ExternalAuthorizer,
  ): Promise<Decision>;
  /** Which policy and rule decided and why, with every policy considered. */
  explain(request: PolicyRequest, identity?: Identity): Explanation;
  /** Fetches every remote key source the set created, so the first requests do not wait. */
  warmup(): Promise<void>;
  /** Closes the remote key sources the set created itself (not those of an injected factory). */
  close(): void;
}

function defaultKeySourceFactory(options: CompilePoliciesOptions, owned: RemoteJwks[]): KeySourceFactory {
  const remote = new Map<string, RemoteJwks>();
  return (request: JwtKeySourceRequest): KeySource => {
    if (request.jwks !== undefined) return createLocalJwks(JSON.parse(request.jwks) as Jwks);
    if (options.createRemoteKeySource !== undefined) return options.createRemoteKeySource(request);
    const key = `${request.jwksUri ?? `discovery:${request.issuer}`} ${request.timeoutMs}`;
    let source = remote.get(key);
    if (source === undefined) {
      const base: RemoteJwksOptions = {
        ...options.remoteJwksOptions,
        timeoutDuration: request.timeoutMs,
        ...(options.clock ? { clock: options.clock } : {}),
      };
      source =
        request.jwksUri !== undefined
          ? createRemoteJwks(request.jwksUri, base)
          : createRemoteJwks({ ...base, issuer: request.issuer });
      remote.set(key, source);
      owned.push(source);
    }
    return source;
  };
}

/**
 * Compiles validated policy documents (from `parsePolicies` / `loadPolicies`, or built in code,
 * which are validated here too) into an immutable {@link PolicySet}. Matchers are precomputed:
 * exact sets, prefixes, suffixes, path templates as anchored expressions, CIDR blocks as masked
 * words; per-route policy selection is cached.
 *
 * Namespaces: a document without `metadata.namespace` is in `defaultNamespace`; it applies to
 * routes of its namespace, or to every route when it is in `rootNamespace`; `selector.matchLabels`
 * narrows it to routes whose labels include them. Two documents of one kind with the same
 * namespace and name are an error.
 *
 * Throws `ERR_POLICY_INVALID` (with `details.issues`) for invalid documents or keys.
 *
 * @example
 * ```ts
 * const set = compilePolicies(documents, { rootNamespace: 'istio-system', defaultAction: 'deny' });
 * const identity = await set.authenticate(request);   // 401 on a bad token
 * const decision = set.authorize(request, identity);  // 403 when !decision.allowed
 * ```
 */
export function compilePolicies(documents: readonly PolicyDocument[], options: CompilePoliciesOptions = {}): PolicySet {
  const rootNamespace = options.rootNamespace ?? 'istio-system';
  const defaultNamespace = options.defaultNamespace ?? 'default';
  const defaultAction = options.defaultAction ?? 'deny';
  if (typeof rootNamespace !== 'string' || rootNamespace.length === 0)
    throw coreErrors.create('ERR_CONFIG_INVALID', 'rootNamespace must be a non-empty string');
  if (typeof defaultNamespace !== 'string' || defaultNamespace.length === 0)
    throw coreErrors.create('ERR_CONFIG_INVALID', 'defaultNamespace must be a non-empty string');
  if (defaultAction !== 'allow' && defaultAction !== 'deny')
    throw coreErrors.create('ERR_CONFIG_INVALID', "defaultAction must be 'allow' or 'deny'");
  if (!Array.isArray(documents)) throw coreErrors.create('ERR_CONFIG_INVALID', 'documents must be an array');
  const owned: RemoteJwks[] = [];
  const createKeySource = options.createKeySource ?? defaultKeySourceFactory(options, owned);

  const issues: PolicyIssue[] = [];
  const where = (doc: PolicyDocument | undefined, index: number) => ({
    ...(doc?.source?.file !== undefined ? { file: doc.source.file } : {}),
    ...(doc?.source?.line !== undefined ? { line: doc.source.line, column: doc.source.column ?? 1 } : {}),
    ...(doc?.source === undefined ? { documentIndex: index } : {}),
  });
  const valid: PolicyDocument[] = [];
  // Annotated: Array.isArray above narrows the readonly array to any[]; a JavaScript caller may
  // still pass holes, hence `| undefined`.
  documents.forEach((doc: PolicyDocument | undefined, index) => {
    const result = validateDocument(doc, doc?.source);
    for (const issue of result.issues)
      issues.push({ ...where(doc, index), path: formatFieldPath(issue.path), message: issue.message });
    if (result.skipped !== undefined) issues.push({ ...where(doc, index), path: 'kind', message: result.skipped });
    if (result.document !== undefined) valid.push(result.document);
  });
  if (issues.length > 0) throw policyInvalid(issues);

  const seen = new Map<string, PolicyDocument>();
  const authz: CompiledPolicy[] = [];
  const authn: ReturnType<typeof compileJwtRules> = [];
  const summaries: PolicySummary[] = [];
  valid.forEach((doc, index) => {
    const id = `${doc.metadata.namespace ?? defaultNamespace}/${doc.metadata.name}`;
    const key = `${doc.kind}:${id}`;
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      const at = earlier.source?.file
        ? ` (first at ${earlier.source.file}${earlier.source.line ? `:${earlier.source.line}` : ''})`
        : '';
      issues.push({ ...where(doc, index), path: 'metadata.name', message: `${doc.kind} ${id} is defined twice${at}` });
      return;
    }
    seen.set(key, doc);
    try {
      if (doc.kind === 'AuthorizationPolicy') {
        const compiled = compileAuthorizationPolicy(doc, defaultNamespace);
        authz.push(compiled);
        summaries.push({
          id,
          kind: doc.kind,
          action: compiled.action,
          dryRun: compiled.dryRun,
          file: doc.source?.file,
          line: doc.source?.line,
        });
      } else {
        authn.push(
          ...compileJwtRules(doc, defaultNamespace, createKeySource, {
            ...(options.clock ? { clock: options.clock } : {}),
            ...(options.clockTolerance !== undefined ? { clockTolerance: options.clockTolerance } : {}),
            ...(options.requireExpiration !== undefined ? { requireExpiration: options.requireExpiration } : {}),
            ...(options.algorithms ? { algorithms: options.algorithms } : {}),
            ...(options.tokenCache !== undefined ? { cache: options.tokenCache } : {}),
            ...(options.revocations !== undefined ? { revocations: options.revocations } : {}),
          }),
        );
        summaries.push({
          id,
          kind: doc.kind,
          action: undefined,
          dryRun: false,
          file: doc.source?.file,
          line: doc.source?.line,
        });
      }
    } catch (error) {
      issues.push({
        ...where(doc, index),
        path: 'spec',
        message: error instanceof Error ? error.message : String(error),
      });
    }
  });
  if (issues.length > 0) throw policyInvalid(issues);

  const authorizer = new Authorizer(Object.freeze(authz), { rootNamespace, defaultNamespace, defaultAction });
  const authenticator = new Authenticator(Object.freeze(authn), rootNamespace, defaultNamespace);

  const set: PolicySet = {
    rootNamespace,
    defaultNamespace,
    defaultAction,
    policies: Object.freeze(summaries),
    hasRequestAuthentication: (request) => authenticator.select(request).rules.length > 0,
    authenticate: (request) => authenticator.authenticate(request),
    authenticateSync: (request) => authenticator.authenticateSync(request),
    authorize: (request, identity) => authorizer.authorize(request, identity),
    authorizeWithProviders: async (request, identity, externalAuthorizer) => {
      const decision = authorizer.evaluate(request, identity);
      // Providers are asked only when the rest allows: a DENY match or a missing ALLOW match
      // denies whatever the provider says, so the network call is skipped.
      if (!decision.allowed || decision.custom.length === 0) return decision;
      for (const check of decision.custom) {
        let answer: ExternalAuthorizationResult | undefined;
        try {
          answer = await externalAuthorizer({ provider: check.provider, policy: check.policy, request, identity });
        } catch {
          answer = undefined;
        }
        if (answer?.allowed !== true) {
          return {
            ...decision,
            allowed: false,
            action: 'CUSTOM',
            policy: check.policy,
            rule: check.rule,
            reason: answer === undefined ? 'custom-error' : 'custom-denied',
            ...(answer === undefined ? {} : { providerResult: answer }),
          };
        }
      }
      return decision;
    },
    explain: (request, identity) => authorizer.explain(request, identity),
    warmup: async () => {
      await Promise.all(owned.map((source) => source.warmup()));
    },
    close: () => {
      for (const source of owned) source.close();
    },
  };
  return Object.freeze(set);
}
