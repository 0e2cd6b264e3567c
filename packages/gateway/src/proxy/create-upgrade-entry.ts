import { ServerResponse, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import type { GatewayListenerConfig } from '../config/load-gateway-config.js';
import type { GatewayContext } from '../context/gateway-context.js';
import { connectionRefusal } from '../mutate/managed-headers.js';
import { upstreamHeaders } from '../mutate/upstream-headers.js';
import type { LoginRegistry } from '../login/create-login-registry.js';
import type { Pipeline, PipelineEntry } from '../pipeline/create-pipeline.js';
import { prepareRequest, type Prepared } from '../request/prepare-request.js';
import type { AccessLog } from '../respond/create-access-log.js';
import { DRAINING, badRequest, denied, notPrepared } from '../respond/outcome.js';
import { writeUpgradeOutcome } from '../respond/write-outcome.js';
import type { Upstream } from './create-upstreams.js';
import { createLoginDrop, createLoginRunner, type LoginExchange } from './run-login.js';
import { proxyUpgrade } from './websocket.js';

/** What the upgrade entry needs, built once by `createGateway`. */
export interface UpgradeEntryOptions {
  readonly ctx: GatewayContext;
  readonly pipeline: Pipeline;
  readonly log: AccessLog;
  readonly timed: boolean;
  readonly managedFor: (p: Prepared) => ReadonlySet<string>;
  readonly upstreams: readonly Upstream[];
  /** Open tunnels, ended when the gateway closes (they have no request boundary to drain at). */
  readonly tunnels: Set<Duplex>;
  /** The HTTP entry, which serves a request whose `Upgrade` is not WebSocket (the upgrade is ignored). */
  readonly http: (listener: GatewayListenerConfig) => (req: IncomingMessage, res: ServerResponse) => void;
  /** The people's logins of the routes that have one (ExtAuthPolicy): a session may open a WebSocket. */
  readonly logins?: LoginRegistry;
}

interface UpgradeExchange extends LoginExchange {
  readonly socket: Duplex;
  readonly head: Buffer;
}

interface UpstreamHead {
  readonly headers: string[];
  readonly query: string;
}

/**
 * The WebSocket entry of the gateway: per listener, an `upgrade` handler that prepares the request
 * and runs the same pipeline as HTTP, the route's login first (so an upgrade is authorized before
 * any byte reaches the upstream, and a signed-in person's session opens it), whose finish opens the tunnel. Refusals are written on the raw socket.
 *
 * @example
 * ```ts
 * server.on('upgrade', createUpgradeEntry(options)(listener));
 * ```
 */
export function createUpgradeEntry(
  options: UpgradeEntryOptions,
): (listener: GatewayListenerConfig) => (req: IncomingMessage, socket: Duplex, head: Buffer) => void {
  const { ctx, pipeline, log, timed, managedFor, upstreams, tunnels, logins } = options;
  const dropFor = createLoginDrop(managedFor);

  /**
   * An `Upgrade` other than WebSocket (`h2c`, `TLS/1.0`, anything) is ignored, as RFC 9110 §7.8
   * allows: the request is served as plain HTTP through the HTTP entry and the connection closes
   * after the answer. Tunnelling it would hand the client a raw connection in which later
   * requests (`GET /admin`) are never checked.
   */
  const ignoreUpgrade = (listener: GatewayListenerConfig) => {
    const http = options.http(listener);
    return (req: IncomingMessage, socket: Duplex) => {
      const declaresBody =
        req.headers['transfer-encoding'] !== undefined ||
        (req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0');
      if (declaresBody) {
        // node stops parsing at an upgrade: the body is not framed, so it cannot be forwarded.
        writeUpgradeOutcome(socket, badRequest('request body with an Upgrade the gateway ignores'));
        return;
      }
      const res = new ServerResponse(req);
      res.assignSocket(socket as Socket);
      res.shouldKeepAlive = false;
      res.once('finish', () => {
        res.detachSocket(socket as Socket);
        socket.end();
      });
      http(req, res);
    };
  };

  const entry: PipelineEntry<UpgradeExchange, UpstreamHead> = {
    mutate(x, v, minted) {
      // (A session refreshed on the way cannot set its cookies: the 101 is the upstream's. The next
      // page request refreshes it again, and a Redis session was saved already.)
      const extra = x.login === undefined ? v.extraHeaders : [...v.extraHeaders, ...x.login.upstreamHeaders];
      const built = upstreamHeaders(ctx, x.req, x.p, v.identity, minted, dropFor(x), true, extra);
      return built.ok ? { ok: true, value: built } : built;
    },
    finish(x, v, built) {
      const { p, req } = x;
      const upstream = upstreams[p.route.index]!;
      proxyUpgrade(
        upstream.url,
        upstream.tls,
        req,
        x.socket,
        x.head,
        p.request.path + built.query,
        built.headers,
        ctx.config.limits.upstreamConnectTimeoutMs,
        (status) => {
          p.counters.upstream(status);
          const reason =
            status === 504
              ? 'ERR_GATEWAY_UPSTREAM_TIMEOUT'
              : status === 502
                ? 'ERR_GATEWAY_UPSTREAM_UNAVAILABLE'
                : 'allowed';
          log(req, p, x.started, status, reason, v.reason, v.identity, v.dryRun);
        },
        tunnels,
      );
    },
    write: (x, outcome) => writeUpgradeOutcome(x.socket, outcome),
  };
  const runLogin = createLoginRunner(pipeline, entry, ctx.logger);

  return (listener) => {
    const plain = ignoreUpgrade(listener);
    return (req, socket, head) => {
      const started = timed ? performance.now() : 0;
      socket.on('error', () => socket.destroy());
      if (req.headers.upgrade?.toLowerCase() !== 'websocket') {
        plain(req, socket);
        return;
      }
      if (ctx.draining()) {
        writeUpgradeOutcome(socket, DRAINING);
        return;
      }
      if (listener.decisionOnly) {
        writeUpgradeOutcome(socket, { ...notPrepared(404, 'decision-only listener'), body: 'not found' });
        return;
      }
      const p = prepareRequest(ctx, req, listener);
      if ('error' in p) {
        const outcome = notPrepared(p.error, p.reason);
        writeUpgradeOutcome(socket, outcome);
        log(req, undefined, started, outcome.status, outcome.reason, outcome.detail, undefined);
        return;
      }
      const login = logins?.forRoute(p.route.index);
      const x: UpgradeExchange = {
        req,
        socket,
        head,
        started,
        p,
        login: undefined,
        loginManaged: login?.managedHeaders,
      };
      if (!p.route.config.websocket) {
        pipeline.respond(entry, x, denied('websocket disabled on route'));
        return;
      }
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
