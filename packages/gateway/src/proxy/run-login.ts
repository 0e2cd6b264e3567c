import type { Logger } from 'pino';
import type { Verdict } from '../auth/verdict.js';
import { withBearer, type LoginStep, type RouteLogin } from '../login/route-login.js';
import type { Exchange, Pipeline, PipelineEntry } from '../pipeline/create-pipeline.js';
import type { GatewayRequest } from '../request/gateway-request.js';
import type { Prepared } from '../request/prepare-request.js';
import { INTERNAL } from '../respond/outcome.js';

/** What a route's login hands on: headers for the upstream and, after a refresh, cookies for the client. */
export interface LoginHandoff {
  /** The login's token and claim headers, and the `Cookie` without the gateway's own cookies. */
  readonly upstreamHeaders: readonly (readonly [string, string])[];
  readonly setCookies?: readonly string[];
}

/** An exchange (HTTP or WebSocket) on a route that may have a login. */
export interface LoginExchange extends Exchange {
  /** The request as the policies saw it: with a session, carrying the session's token. */
  p: Prepared;
  /** Set when the login hands the upstream its own headers. */
  login: LoginHandoff | undefined;
  /** Headers the route's login sets, so a client's own copies never reach the upstream. */
  readonly loginManaged: ReadonlySet<string> | undefined;
}

type SessionStep = Extract<LoginStep, { kind: 'session' }>;

/**
 * The headers an exchange's upstream request must not carry from the client: the managed ones,
 * the login's, and, when the login hands on headers of its own, the `Cookie` (forwarded without
 * the gateway's cookies). Built once per (managed set, login) pair, not per request.
 *
 * @example
 * ```ts
 * const dropFor = createLoginDrop(managedFor);
 * const built = upstreamHeaders(ctx, x.req, x.p, v.identity, minted, dropFor(x), false, extra);
 * ```
 */
export function createLoginDrop(
  managedFor: (p: Prepared) => ReadonlySet<string>,
): (x: LoginExchange) => ReadonlySet<string> {
  const dropSets = new WeakMap<
    ReadonlySet<string>,
    WeakMap<ReadonlySet<string>, [ReadonlySet<string>, ReadonlySet<string>]>
  >();
  return (x) => {
    const managed = managedFor(x.p);
    if (x.loginManaged === undefined) return managed;
    let byLogin = dropSets.get(managed);
    if (byLogin === undefined) dropSets.set(managed, (byLogin = new WeakMap()));
    let pair = byLogin.get(x.loginManaged);
    if (pair === undefined) {
      const withLogin = new Set([...managed, ...x.loginManaged]);
      byLogin.set(x.loginManaged, (pair = [withLogin, new Set([...withLogin, 'cookie'])]));
    }
    return x.login === undefined ? pair[0] : pair[1];
  };
}

/**
 * Runs a route's login ahead of the pipeline, for one entry: the login answers itself (callback,
 * logout, redirect to the provider, 401) as the entry writes outcomes, or lets the policies decide, for a
 * session with the first of its tokens they accept (the access token, else the ID token).
 * Synchronous as far as the login and the enforcer are (a cookie session and a remembered token),
 * as `pipeline.run` is; no closures are made per request. An unexpected error is a 500 (fail closed).
 *
 * @example
 * ```ts
 * const runLogin = createLoginRunner(pipeline, entry, logger);
 * runLogin(login, x);
 * ```
 */
export function createLoginRunner<X extends LoginExchange, H>(
  pipeline: Pipeline,
  entry: PipelineEntry<X, H>,
  logger: Logger,
): (login: RouteLogin, x: X) => void {
  function failed(x: X, err: unknown): void {
    logger.error({ err, route: x.p.route.config.name }, 'unexpected error in the login; request denied');
    pipeline.respond(entry, x, INTERNAL);
  }

  function afterLogin(x: X, step: LoginStep): void {
    if (step.kind === 'pass') {
      if (step.upstreamHeaders !== undefined) x.login = { upstreamHeaders: step.upstreamHeaders };
      pipeline.run(entry, x);
    } else if (step.kind === 'answer') {
      const { status, body, headers, reason, detail } = step.answer;
      pipeline.respond(entry, x, { status, body, headers, reason, detail });
    } else decideSession(x, step, 0);
  }

  /** The policies' verdict on a session's `i`th candidate token. */
  function decideSession(x: X, step: SessionStep, i: number): void {
    const chosen = withBearer(x.p.request, step.candidates[i]!);
    const verdict = x.p.state.enforcer.evaluate(chosen, x.p.route.config);
    if (verdict instanceof Promise)
      verdict.then((v) => sessionVerdict(x, step, i, chosen, v)).catch((err: unknown) => failed(x, err));
    else sessionVerdict(x, step, i, chosen, verdict);
  }

  /** A refusal for want of a token the policies accept tries the next candidate; anything else decides. */
  function sessionVerdict(x: X, step: SessionStep, i: number, chosen: GatewayRequest, v: Verdict): void {
    if (v.kind === 'unauthenticated' && i + 1 < step.candidates.length) decideSession(x, step, i + 1);
    else {
      const { route, counters, state } = x.p;
      x.p = { request: chosen, route, counters, state };
      x.login = step;
      pipeline.decide(entry, x, v);
    }
  }

  return (login, x) => {
    try {
      const step = login.handle(x.req, x.p.request, x.req.headers.authorization !== undefined);
      if (step instanceof Promise) step.then((s) => afterLogin(x, s)).catch((err: unknown) => failed(x, err));
      else afterLogin(x, step);
    } catch (err) {
      failed(x, err);
    }
  };
}
