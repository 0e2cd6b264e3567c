import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayListenerConfig } from '../config/load-gateway-config.js';
import type { GatewayContext } from '../context/gateway-context.js';
import type { DecisionHandler } from '../decision/create-decision-handler.js';
import { connectionRefusal } from '../mutate/managed-headers.js';
import { upstreamHeaders } from '../mutate/upstream-headers.js';
import type { Pipeline, PipelineEntry } from '../pipeline/create-pipeline.js';
import { prepareRequest, type Prepared } from '../request/prepare-request.js';
import type { AccessLog } from '../respond/create-access-log.js';
import { DRAINING, INTERNAL, notPrepared } from '../respond/outcome.js';
import { writeOutcome } from '../respond/write-outcome.js';
import type { LoginRegistry } from '../login/create-login-registry.js';
import type { Upstream } from './create-upstreams.js';
import { forward } from './forward.js';
import { createLoginDrop, createLoginRunner, type LoginExchange } from './run-login.js';

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

interface HttpExchange extends LoginExchange {
  readonly res: ServerResponse;
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

  const dropFor = createLoginDrop(managedFor);

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
          if (error === undefined) log(req, p, x.started, status, 'allowed', v.reason, v.identity, v.dryRun);
          else {
            const reason = status === 504 ? 'ERR_GATEWAY_UPSTREAM_TIMEOUT' : 'ERR_GATEWAY_UPSTREAM_UNAVAILABLE';
            log(req, p, x.started, status, reason, `${v.reason}; upstream: ${error}`, v.identity, v.dryRun);
          }
        },
        x.login?.setCookies,
      );
    },
    write: (x, outcome) => writeOutcome(x.res, outcome),
  };

  const runLogin = createLoginRunner(pipeline, entry, ctx.logger);

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
}

/** Answers a request whose handler threw before the pipeline could (fail closed). */
export function answerUnexpected(res: ServerResponse): void {
  writeOutcome(res, INTERNAL);
}
