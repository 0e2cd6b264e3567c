import type { IncomingMessage } from 'node:http';
import { coreErrors } from '../errors/errors.js';
import { isTesseraError, type TesseraError } from '../errors/tessera-error.js';
import { extractBearerToken, type HttpHeaders } from '../http/extract-bearer-token.js';
import { policyRequestFromHttp } from '../http/policy-request-from-http.js';
import { toErrorResponse } from '../http/to-error-response.js';
import type { Logger } from '../jose/remote-jwks.js';
import type { JwtPayload, VerifiedJwt, Verifier } from '../jose/types.js';
import type { PolicySet } from '../policy/compile-policies.js';
import { createPolicyWatcher, type PolicyWatcher } from '../policy/create-policy-watcher.js';
import { explainRequest } from '../policy/explain-request.js';
import type { Decision, Explanation, Identity, PolicyRequest } from '../policy/types.js';
import { compilePattern, matchLoose, matchStrict, type RoutePattern } from './internal/route-patterns.js';
import { parseRequestPath, type RequestPath } from './internal/request-path.js';

/** A claim value a requirement can ask for. */
export type ClaimValue = string | number | boolean;

/**
 * Claims a token must carry: `{ tenant: 'acme' }` (equal) or `{ tier: ['gold', 'silver'] }` (one of).
 * When the token's claim is an array, one of its elements must match. Types are compared strictly
 * (`'1'` is not `1`).
 */
export type ClaimRequirements = Readonly<Record<string, ClaimValue | readonly ClaimValue[]>>;

/** What a route needs beyond a valid token. */
export interface RouteRequirement {
  /**
   * Route patterns: `"/admin"` (exact), `"/admin/*"` (everything under `/admin/`), `"*"`, each
   * optionally preceded by methods: `"POST,PUT /orders/*"`. Requirements match loosely (case,
   * trailing slash, percent-encoding, dot segments, `HEAD` for `GET`) so a router's leniency never
   * skips them.
   */
  route: string | readonly string[];
  /** Scopes the token must all hold (from the space-delimited `scope` claim or the `scp` array). */
  scopes?: readonly string[];
  /** Claims the token must carry. */
  claims?: ClaimRequirements;
}

/** Options of {@link createAuthenticator}. */
export interface AuthenticatorOptions {
  /** Verifies the token (`createVerifier(...)`). Required unless `policies` authenticate. */
  verifier?: Verifier;
  /**
   * Istio `RequestAuthentication` / `AuthorizationPolicy` enforced in process by the gateway's
   * engine: policy files or folders (loaded and hot-reloaded), a {@link PolicyWatcher}, or a
   * compiled {@link PolicySet}. Tokens are then verified by the RequestAuthentication rules (not by
   * `verifier`, which must be left out), and the AuthorizationPolicies decide: a denial is 403.
   * `exempt`, `scopes`, `claims` and `requirements` still apply on top. Until files have loaded,
   * every request gets 503 (`ERR_AUTH_POLICIES_NOT_LOADED`).
   */
  policies?: string | readonly string[] | PolicyWatcher | PolicySet;
  /** Labels of this service, matched by `selector.matchLabels` (the gateway's route labels). */
  labels?: Readonly<Record<string, string>>;
  /** Namespace of this service; default the policies' default namespace (`default`). */
  namespace?: string;
  /**
   * How a policy denial is answered: `'rbac'` (default) as the gateway and Envoy do, 403 with the
   * body `RBAC: access denied`; `'insufficient_scope'`, RFC 6750's 403 with `WWW-Authenticate`.
   */
  denyAs?: 'rbac' | 'insufficient_scope';
  /**
   * Proxies in front of this service that append to `X-Forwarded-For` and are trusted, for the
   * `remoteIpBlocks` of the policies (Istio `numTrustedProxies`). Default 0: the peer address.
   */
  trustedProxies?: number;
  /** Realm of the `WWW-Authenticate` challenges. */
  realm?: string;
  /**
   * Routes that need no token, e.g. `['GET /health', '/public/*']`. Every other route requires a
   * valid token. Exemptions match exactly (case-sensitive) and only on paths every router reads
   * the same way: a path with dot segments, `//`, backslashes or escaped unreserved characters is
   * never exempt.
   */
  exempt?: readonly string[];
  /** Scopes every authenticated route requires. */
  scopes?: readonly string[];
  /** Claims every authenticated route requires. */
  claims?: ClaimRequirements;
  /** Per-route requirements; every matching entry applies (they add up). */
  requirements?: readonly RouteRequirement[];
  /** Accept `?access_token=` (RFC 6750 §2.3). Default `false`: it leaks into logs. */
  allowQueryToken?: boolean;
  /** Longest token accepted, in characters. Default 16384. */
  maxTokenLength?: number;
  /** Receives a line when the verifier fails unexpectedly. Default silent. */
  logger?: Logger;
}

/** The request as the authenticator sees it; adapters build it from their framework's request. */
export interface AuthRequest {
  /** HTTP method. */
  method: string;
  /** Request target as received (`/path?query`), not decoded. */
  url: string;
  /** Headers with duplicates visible (node:http `req.headersDistinct`). */
  headers: HttpHeaders;
  /**
   * The connection, for policies: peer and local addresses, the destination port, and the mTLS
   * peer principal when this service terminates TLS itself. The adapters pass `req.socket`.
   */
  socket?: IncomingMessage['socket'];
}

/**
 * Outcome of {@link Authenticator.authenticate}. A failure carries the full answer to send. With
 * policies, `identity` and `decision` say who was authenticated and which policy allowed; a request
 * allowed without a token is `exempt: true`.
 */
export type AuthResult =
  | {
      readonly ok: true;
      readonly exempt: false;
      readonly token: VerifiedJwt;
      readonly identity?: Identity;
      readonly decision?: Decision;
    }
  | { readonly ok: true; readonly exempt: true; readonly token: undefined; readonly decision?: Decision }
  | {
      readonly ok: false;
      readonly status: number;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: string;
      readonly error: TesseraError;
    };

/** A framework-agnostic authenticator. */
export interface Authenticator {
  /** Never rejects: every failure, expected or not, is an `{ ok: false }` answer (401/403/400). */
  authenticate(request: AuthRequest): Promise<AuthResult>;
}

/**
 * The authenticator {@link createAuthenticator} makes: `authenticate`, and for policies `explain`
 * and `close`.
 *
 * @example
 * ```ts
 * const auth = createAuthenticator({ policies: './policies', labels: { app: 'orders' } });
 * logger.info((await auth.explain(request))?.text);
 * ```
 */
export interface TesseraAuthenticator extends Authenticator {
  /**
   * Which policy and rule decide `request` and why, every policy considered (the gateway's and
   * `tessera policy check`'s explanation); `undefined` without policies. For the application's logs.
   */
  explain(request: AuthRequest): Promise<Explanation | undefined>;
  /** Stops the policy watcher this authenticator created from file names (not one it was given). */
  close(): void;
}

interface CompiledRequirement {
  readonly patterns: readonly RoutePattern[];
  readonly scopes: readonly string[];
  readonly claims: readonly (readonly [string, readonly ClaimValue[]])[];
}

const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

/**
 * Creates the framework-agnostic authenticator the Express, Fastify and node:http adapters share.
 * Every route requires a valid bearer token unless exempted; per-route scope and claim
 * requirements apply on top. Failures are RFC 6750 answers: 401 with `WWW-Authenticate` (no
 * `error` when the token is missing), 403 `insufficient_scope`, 400 `invalid_request` for
 * conflicting credentials — never a 500, and an unexpected verifier failure is a 401.
 *
 * @example
 * ```ts
 * const auth = createAuthenticator({
 *   verifier,
 *   realm: 'orders',
 *   exempt: ['GET /health'],
 *   requirements: [{ route: 'POST /orders/*', scopes: ['orders:write'] }],
 * });
 * const result = await auth.authenticate({ method: req.method, url: req.url, headers: req.headersDistinct });
 * if (!result.ok) res.writeHead(result.status, result.headers).end(result.body);
 * ```
 */
export function createAuthenticator(options: AuthenticatorOptions): TesseraAuthenticator {
  if (typeof options !== 'object' || options === null)
    throw coreErrors.create('ERR_CONFIG_INVALID', 'createAuthenticator needs an options object');
  const { verifier, realm, logger } = options;
  const policies = resolvePolicies(options);
  if (policies === undefined) {
    if (typeof verifier !== 'object' || verifier === null || typeof verifier.verify !== 'function')
      throw coreErrors.create('ERR_CONFIG_INVALID', 'createAuthenticator: verifier must have a verify(token) method');
  } else if (verifier !== undefined) {
    throw coreErrors.create(
      'ERR_CONFIG_INVALID',
      'createAuthenticator: give verifier or policies, not both (with policies the RequestAuthentication rules verify tokens)',
    );
  }
  const denyAs = options.denyAs ?? 'rbac';
  if (denyAs !== 'rbac' && denyAs !== 'insufficient_scope')
    throw coreErrors.create('ERR_CONFIG_INVALID', "createAuthenticator: denyAs is 'rbac' or 'insufficient_scope'");
  if (realm !== undefined && typeof realm !== 'string')
    throw coreErrors.create('ERR_CONFIG_INVALID', 'createAuthenticator: realm must be a string');
  const maxTokenLength = options.maxTokenLength ?? 16_384;
  if (!Number.isInteger(maxTokenLength) || maxTokenLength < 1)
    throw coreErrors.create('ERR_CONFIG_INVALID', 'createAuthenticator: maxTokenLength must be a positive integer');
  const allowQueryToken = options.allowQueryToken === true;
  const exempt = listOf(options.exempt, 'exempt').map((p, i) => compilePattern(p, `exempt[${i}]`));
  const global = compileRequirement({ route: '*', scopes: options.scopes, claims: options.claims }, 'options');
  const requirements = listOf(options.requirements, 'requirements').map((r, i) =>
    compileRequirement(r, `requirements[${i}]`),
  );

  const fail = (error: unknown): AuthResult => {
    const response = toErrorResponse(error, { realm, authPath: true });
    const tesseraError =
      isTesseraError(error) && error.expose && error.status < 500
        ? error
        : coreErrors.create('ERR_AUTH_FAILED', 'the access token could not be verified', { cause: error });
    return { ok: false, ...response, error: tesseraError };
  };

  /** The requirements that apply: the global one and every per-route one whose pattern matches. */
  const neededFor = (method: string, path: RequestPath): CompiledRequirement[] => {
    const list: CompiledRequirement[] = [global];
    for (const r of requirements)
      if (r.patterns.some((p) => path.forms().some((f) => matchLoose(p, method, f)))) list.push(r);
    return list;
  };

  /** The request as the policy engine sees it, built by the gateway's function (canonical path and host). */
  const policyRequest = (request: AuthRequest): PolicyRequest =>
    policyRequestFromHttp(
      {
        method: request.method,
        url: request.url,
        headers: request.headers,
        socket: request.socket ?? {},
      } as IncomingMessage,
      {
        ...(options.labels === undefined ? {} : { routeLabels: options.labels }),
        ...(options.namespace === undefined ? {} : { routeNamespace: options.namespace }),
        ...(options.trustedProxies === undefined ? {} : { trustedProxies: options.trustedProxies }),
      },
    );

  // Not the caller's fault, and over once the files load: 503 with Retry-After, not a 401 challenge.
  const notLoaded = (): AuthResult => ({
    ok: false,
    status: 503,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' },
    body: 'policies not loaded',
    error: coreErrors.create('ERR_AUTH_POLICIES_NOT_LOADED', 'the policies are not loaded; every request is refused'),
  });

  /** Authentication by the RequestAuthentication rules, authorization by the AuthorizationPolicies. */
  async function enforce(set: PolicySet, request: AuthRequest, method: string, path: RequestPath): Promise<AuthResult> {
    const pr = policyRequest(request);
    let identity: Identity | undefined;
    try {
      identity = await set.authenticate(pr);
    } catch (error) {
      if (!(isTesseraError(error) && error.expose && error.status < 500)) logUnexpected(logger, error, undefined);
      return fail(error);
    }
    // A CUSTOM policy has no provider here: `custom-pending` is a denial (fail closed).
    const decision = set.authorize(pr, identity);
    if (!decision.allowed) {
      const reason = `${decision.reason}${decision.policy === undefined ? '' : ` ${decision.policy}`}`;
      if (denyAs === 'insufficient_scope')
        return fail(coreErrors.create('ERR_AUTH_INSUFFICIENT_SCOPE', `access denied: ${reason}`));
      return {
        ok: false,
        status: 403,
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: 'RBAC: access denied',
        error: coreErrors.create('ERR_AUTH_ACCESS_DENIED', `access denied: ${reason}`, {
          details: { reason: decision.reason, policy: decision.policy, rule: decision.rule },
        }),
      };
    }
    const requirements = neededFor(method, path);
    const demanding = requirements.some((r) => r.scopes.length > 0 || r.claims.length > 0);
    if (identity === undefined || identity.verified === undefined) {
      if (demanding) return fail(coreErrors.create('ERR_AUTH_TOKEN_MISSING', 'the request carries no bearer token'));
      return { ok: true, exempt: true, token: undefined, decision };
    }
    const denied = checkRequirements(requirements, identity.claims);
    if (denied !== undefined) return fail(denied);
    return { ok: true, exempt: false, token: identity.verified, identity, decision };
  }

  async function authenticate(request: AuthRequest): Promise<AuthResult> {
    let token: string | undefined;
    try {
      const method = String(request.method).toUpperCase();
      const path = parseRequestPath(String(request.url));
      if (path.clean && exempt.some((p) => matchStrict(p, method, path.raw)))
        return { ok: true, exempt: true, token: undefined };
      if (policies !== undefined) {
        const set = policies.current();
        return set === undefined ? notLoaded() : await enforce(set, request, method, path);
      }

      token = extractBearerToken(request.headers, { url: request.url, allowQueryToken, maxTokenLength });
      if (token === undefined)
        return fail(coreErrors.create('ERR_AUTH_TOKEN_MISSING', 'the request carries no bearer token'));

      let verified: VerifiedJwt;
      try {
        verified = await verifier!.verify(token);
      } catch (error) {
        if (!(isTesseraError(error) && error.expose && error.status < 500)) logUnexpected(logger, error, token);
        return fail(error);
      }
      if (
        typeof verified !== 'object' ||
        verified === null ||
        typeof verified.payload !== 'object' ||
        verified.payload === null
      ) {
        logUnexpected(logger, new Error('verifier resolved without a payload'), token);
        return fail(undefined);
      }

      const denied = checkRequirements(neededFor(method, path), verified.payload);
      if (denied !== undefined) return fail(denied);
      return { ok: true, exempt: false, token: verified };
    } catch (error) {
      // Anything unexpected on the auth path denies (ARCHITECTURE.md, "Errors": fail closed).
      if (!isTesseraError(error)) logUnexpected(logger, error, token);
      return fail(error);
    }
  }

  return Object.freeze({
    authenticate,
    async explain(request: AuthRequest): Promise<Explanation | undefined> {
      const set = policies?.current();
      return set === undefined ? undefined : explainRequest(set, policyRequest(request));
    },
    close() {
      policies?.close();
    },
  });
}

/**
 * The policies option as one shape: `current()` (undefined until loaded) and `close()` for what this
 * authenticator created itself.
 */
function resolvePolicies(
  options: AuthenticatorOptions,
): { current(): PolicySet | undefined; close(): void } | undefined {
  const given = options.policies;
  if (given === undefined) return undefined;
  if (typeof given === 'string' || Array.isArray(given)) {
    const watcher = createPolicyWatcher(given as string | readonly string[], {
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    return { current: () => watcher.current(), close: () => watcher.close() };
  }
  if (typeof given === 'object' && given !== null) {
    if (typeof (given as PolicyWatcher).current === 'function')
      return { current: () => (given as PolicyWatcher).current(), close: () => undefined };
    if (typeof (given as PolicySet).authorize === 'function')
      return { current: () => given as PolicySet, close: () => undefined };
  }
  throw coreErrors.create(
    'ERR_CONFIG_INVALID',
    'createAuthenticator: policies must be policy files or folders, a PolicyWatcher or a compiled PolicySet',
  );
}

function listOf<T>(value: readonly T[] | undefined, name: string): readonly T[] {
  if (value === undefined) return [];
  if (!Array.isArray(value))
    throw coreErrors.create('ERR_CONFIG_INVALID', `createAuthenticator: ${name} must be an array`);
  // Typed again: Array.isArray narrows the readonly array to any[].
  const list: readonly T[] = value;
  return list;
}

function compileRequirement(r: RouteRequirement, where: string): CompiledRequirement {
  if (typeof r !== 'object' || r === null)
    throw coreErrors.create('ERR_CONFIG_INVALID', `createAuthenticator: ${where} must be an object`);
  const routes = typeof r.route === 'string' ? [r.route] : listOf(r.route, `${where}.route`);
  if (routes.length === 0)
    throw coreErrors.create('ERR_CONFIG_INVALID', `createAuthenticator: ${where}.route is empty`);
  const patterns = routes.map((p, i) => compilePattern(p, `${where}.route[${i}]`));
  const scopes = listOf(r.scopes, `${where}.scopes`);
  for (const s of scopes) {
    if (typeof s !== 'string' || !SCOPE_TOKEN.test(s))
      throw coreErrors.create(
        'ERR_CONFIG_INVALID',
        `createAuthenticator: ${where}.scopes has an invalid scope token ${JSON.stringify(s)} (RFC 6749 §3.3)`,
      );
  }
  const claims: (readonly [string, readonly ClaimValue[]])[] = [];
  if (r.claims !== undefined) {
    if (typeof r.claims !== 'object' || r.claims === null || Array.isArray(r.claims))
      throw coreErrors.create('ERR_CONFIG_INVALID', `createAuthenticator: ${where}.claims must be an object`);
    for (const [name, value] of Object.entries(r.claims)) {
      const allowed = Array.isArray(value) ? value : [value];
      if (
        allowed.length === 0 ||
        !allowed.every(
          (v) => typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)),
        )
      ) {
        throw coreErrors.create(
          'ERR_CONFIG_INVALID',
          `createAuthenticator: ${where}.claims.${name} must be a string, number, boolean or a non-empty list of them`,
        );
      }
      claims.push([name, allowed as ClaimValue[]]);
    }
  }
  return { patterns, scopes, claims };
}

/** Scopes of a token: the space-delimited `scope` (RFC 8693 §4.2, RFC 9068 §2.2.3) and `scp` (array or string). */
function tokenScopes(payload: JwtPayload): Set<string> {
  const out = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string') {
      for (const s of value.split(' ')) if (s.length > 0) out.add(s);
    } else if (Array.isArray(value)) {
      for (const s of value) if (typeof s === 'string' && s.length > 0) out.add(s);
    }
  };
  add(payload.scope);
  add(payload['scp']);
  return out;
}

function checkRequirements(needed: readonly CompiledRequirement[], payload: JwtPayload): TesseraError | undefined {
  let scopes: Set<string> | undefined;
  const missing: string[] = [];
  const required: string[] = [];
  for (const r of needed) {
    for (const s of r.scopes) {
      scopes ??= tokenScopes(payload);
      if (!required.includes(s)) required.push(s);
      if (!scopes.has(s) && !missing.includes(s)) missing.push(s);
    }
  }
  if (missing.length > 0) {
    return coreErrors.create('ERR_AUTH_INSUFFICIENT_SCOPE', `the token lacks the scope ${missing.join(' ')}`, {
      details: { scope: required },
    });
  }
  for (const r of needed) {
    for (const [name, allowed] of r.claims) {
      const value = Object.hasOwn(payload, name) ? payload[name] : undefined;
      const values = Array.isArray(value) ? value : [value];
      if (!values.some((v) => allowed.includes(v as ClaimValue))) {
        return coreErrors.create(
          'ERR_AUTH_INSUFFICIENT_SCOPE',
          `the token's ${name} claim does not have a required value`,
          { details: { claim: name, scope: required } },
        );
      }
    }
  }
  return undefined;
}

function logUnexpected(logger: Logger | undefined, error: unknown, token: string | undefined): void {
  if (logger === undefined) return;
  let message = error instanceof Error ? error.message : String(error);
  // Never log the token, even when a verifier put it in its message.
  if (token !== undefined && token.length > 0) message = message.split(token).join('[token]');
  const name = error instanceof Error ? error.name : typeof error;
  const code = isTesseraError(error) ? error.code : undefined;
  try {
    logger.error({ err: { name, code, message } }, 'authentication failed unexpectedly; answering 401');
  } catch {
    /* a broken logger must not turn a 401 into a crash */
  }
}
