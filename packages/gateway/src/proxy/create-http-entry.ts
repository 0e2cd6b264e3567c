import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayListenerConfig } from '../config/load-gateway-config.js';
import type { GatewayContext } from '../context/gateway-context.js';
import type { DecisionHandler } from '../decision/create-decision-handler.js';
import { connectionRefusal } from '../mutate/managed-headers.js';
import { upstreamHeaders } from '../mutate/upstream-headers.js';
import type { Exchange, Pipeline, PipelineEntry } from '../pipeline/create-pipeline.js';
import { prepareRequest, type Prepared } from '../request/prepare-request.js';
import type { AccessLog } from '../respond/create-access-log.js';
import { DRAINING, INTERNAL, notPrepared } from '../respond/outcome.js';
import { writeOutcome } from '../respond/write-outcome.js';
import type { Verdict } from '../auth/verdict.js';
import type { GatewayRequest } from '../request/gateway-request.js';
import type { LoginRegistry } from '../login/create-login-registry.js';
import { withBearer, type LoginStep, type RouteLogin } from '../login/route-login.js';
import type { Upstream } from './create-upstreams.js';
import { forward } from './forward.js';

/** What the HTTP entry needs, built once by `createGateway`. */
export interface HttpEntryOptions {
  readonly ctx: GatewayContext;
  readonly pipeline: Pipeline;
  readonly log: AccessLog;
  /** True when the access log is on: only then is the arrival time taken. */
  readonly timed: boolean;
  readonly managedFor: (p: Prepared) => ReadonlySet<string>;
  readonly upstreams: readonly Upstream[];
  readonly decision: DecisionHandler;
  /** The people's logins of the routes that have one (ExtAuthPolicy). */
  readonly logins?: LoginRegistry;
}

type SessionStep = Extract<LoginStep, { kind: 'session' }>;

interface HttpExchange extends Exchange {
  readonly res: ServerResponse;
  /** The request as the policies saw it: on a login route with a session, with the session's token. */
  p: Prepared;
  /**
   * On a login route, what the login gives the upstream (token and claim headers, the `Cookie`
   * without the gateway's own) and the client (a refreshed session's cookies).
   */
  login:
    | { readonly upstreamHeaders: readonly (readonly [string, string])[]; readonly setCookies?: readonly string[] }
    | undefined;
  /** Headers the route's login sets, so a client's own copies never reach the upstream. */
  readonly loginManaged: ReadonlySet<string> | undefined;
}

interface UpstreamHead {
  readonly headers: string[];
  readonly query: string;
}

/**
 * The HTTP entry of the gateway: per listener, a `request` handler that answers draining, the
 * minting JWKS and the decision API, prepares the request once and runs the pipeline, whose
 * finish forwards the request to the route's upstream pool.
 *
 * @example
 * ```ts
 * server.on('request', createHttpEntry(options)(listener));
 * ```
 */
export function createHttpEntry(
  options: HttpEntryOptions,
): (listener: GatewayListenerConfig) => (req: IncomingMessage, res: ServerResponse) => void {
  const { ctx, pipeline, log, timed, managedFor, upstreams, decision, logins } = options;
  const { config, minter } = ctx;

  // Managed headers, plus the login's; when the login hands the upstream its own headers, the cookie
  // too (forwarded without the gateway's own). Built once per (managed set, login) pair, not per request.
  const dropSets = new WeakMap<
    ReadonlySet<string>,
    WeakMap<ReadonlySet<string>, [ReadonlySet<string>, ReadonlySet<string>]>
  >();
  const dropFor = (x: HttpExchange): ReadonlySet<string> => {
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

  const entry: PipelineEntry<HttpExchange, UpstreamHead> = {
    mutate(x, v, minted) {
      const extra = x.login === undefined ? v.extraHeaders : [...v.extraHeaders, ...x.login.upstreamHeaders];
      const built = upstreamHeaders(ctx, x.req, x.p, v.identity, minted, dropFor(x), false, extra);
      return built.ok ? { ok: true, value: built } : built;
    },
    finish(x, v, built) {
      const { p, req, res } = x;
      forward(
        upstreams[p.route.index]!.pool,
        req,
        res,
        p.request.method,
        p.request.path + built.query,
        built.headers,
        (status, error) => {
          p.counters.upstream(status);
          if (error === undefined) log(req, p, x.started, status, 'allowed', v.reason, v.identity);
          else {
            const reason = status === 504 ? 'ERR_GATEWAY_UPSTREAM_TIMEOUT' : 'ERR_GATEWAY_UPSTREAM_UNAVAILABLE';
            log(req, p, x.started, status, reason, `${v.reason}; upstream: ${error}`, v.identity);
          }
        },
        x.login?.setCookies,
      );
    },
    write: (x, outcome) => writeOutcome(x.res, outcome),
  };

  return (listener) => {
    const decisionHere = listener.decisionOnly || config.decision.onProxyListeners;
    return (req, res) => {
      const started = timed ? performance.now() : 0;
      if (ctx.draining()) {
        writeOutcome(res, DRAINING);
        return;
      }
      const url = req.url ?? '';
      if (minter !== undefined && url === '/.well-known/jwks.json' && req.method === 'GET') {
        const body = JSON.stringify(minter.jwks());
        res.writeHead(200, {
          'content-type': 'application/jwk-set+json',
          'cache-control': 'public, max-age=300',
          'content-length': Buffer.byteLength(body),
        });
        res.end(body);
        return;
      }
      if (decisionHere && decision.handles(url)) {
        decision.handle(req, res, listener, started);
        return;
      }
      if (listener.decisionOnly) {
        writeOutcome(res, { ...notPrepared(404, 'decision-only listener'), body: 'not found' });
        return;
      }
      const p = prepareRequest(ctx, req, listener);
      if ('error' in p) {
        const outcome = notPrepared(p.error, p.reason);
        writeOutcome(res, outcome);
        log(req, undefined, started, outcome.status, outcome.reason, outcome.detail, undefined);
        return;
      }
      const login = logins?.forRoute(p.route.index);
      // One shape for every exchange (the session is set on it, not spread into a copy).
      const x: HttpExchange = { req, res, started, p, login: undefined, loginManaged: login?.managedHeaders };
      const refused = connectionRefusal(req.headers.connection, managedFor(p));
      if (refused !== undefined) {
        pipeline.respond(entry, x, refused);
        return;
      }
      if (login === undefined) pipeline.run(entry, x);
      else runLogin(login, x);
    };
  };

  /** Nothing the login does may leave a request unanswered: an unexpected error is a 500 (fail closed). */
  function loginFailed(x: HttpExchange, err: unknown): void {
    ctx.logger.error({ err, route: x.p.route.config.name }, 'unexpected error in the login; request denied');
    pipeline.respond(entry, x, INTERNAL);
  }

  /**
   * A login route: the login answers (callback, logout, redirect to the provider, 401) or lets
   * the policies decide, for a session with the first of its tokens they accept (the access token,
   * else the ID token). Synchronous as far as the login and the enforcer are (a cookie session
   * and a remembered token), as `pipeline.run` is.
   */
  function runLogin(login: RouteLogin, x: HttpExchange): void {
    try {
      const step = login.handle(x.req, x.p.request, x.req.headers.authorization !== undefined);
      if (step instanceof Promise) step.then((s) => afterLogin(x, s)).catch((err: unknown) => loginFailed(x, err));
      else afterLogin(x, step);
    } catch (err) {
      loginFailed(x, err);
    }
  }

  function afterLogin(x: HttpExchange, step: LoginStep): void {
    const { req, p } = x;
    if (step.kind === 'pass') {
      if (step.upstreamHeaders !== undefined) x.login = { upstreamHeaders: step.upstreamHeaders };
      return pipeline.run(entry, x);
    }
    if (step.kind === 'answer') {
      const a = step.answer;
      x.res.writeHead(a.status, { 'content-type': 'text/plain; charset=utf-8', ...a.headers }).end(a.body);
      log(req, p, x.started, a.status, a.reason, a.detail, undefined);
      return;
    }
    decideSession(x, step, 0);
  }

  /** The policies' verdict on a session's `i`th candidate token (no closures: this runs per request). */
  function decideSession(x: HttpExchange, step: SessionStep, i: number): void {
    const chosen = withBearer(x.p.request, step.candidates[i]!);
    const verdict = x.p.state.enforcer.evaluate(chosen, x.p.route.config);
    if (verdict instanceof Promise)
      verdict.then((v) => sessionVerdict(x, step, i, chosen, v)).catch((err: unknown) => loginFailed(x, err));
    else sessionVerdict(x, step, i, chosen, verdict);
  }

  /** A refusal for want of a token the policies accept tries the next candidate; anything else decides. */
  function sessionVerdict(x: HttpExchange, step: SessionStep, i: number, chosen: GatewayRequest, v: Verdict): void {
    if (v.kind === 'unauthenticated' && i + 1 < step.candidates.length) decideSession(x, step, i + 1);
    else {
      const { route, counters, state } = x.p;
      x.p = { request: chosen, route, counters, state };
      x.login = step;
      pipeline.decide(entry, x, v);
    }
  }
}

/** Answers a request whose handler threw before the pipeline could (fail closed). */
export function answerUnexpected(res: ServerResponse): void {
  writeOutcome(res, INTERNAL);
}
