import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import { BlockList, isIPv6, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Pool } from 'undici';
import pino, { type Logger } from 'pino';
import { formatWwwAuthenticate, type Clock } from '@tessera/core';
import type { GatewayConfig, GatewayListenerConfig } from './config/load-gateway-config.js';
import { gatewayErrors } from './errors.js';
import type { Enforcer, GatewayIdentity, Verdict } from './auth/verdict.js';
import { createGatewayMetrics, type GatewayMetrics } from './ops/create-gateway-metrics.js';
import { createTokenMinter, type MintingKeys, type TokenMinter } from './mutate/create-token-minter.js';
import { createRouteTable } from './proxy/internal/route-table.js';
import {
  answer,
  answerDenied,
  count,
  managedHeaders,
  prepare,
  realmOf,
  upstreamHeaders,
  type GatewayState,
  type HandlerContext,
  type Prepared,
} from './proxy/internal/proxy-handler.js';
import { forward } from './proxy/internal/forward.js';
import { proxyUpgrade, rejectUpgrade } from './proxy/internal/websocket.js';
import { createDecisionHandler } from './decision/create-decision-handler.js';
import { createPolicyStore, type PolicyStore } from './policy/create-policy-store.js';
import { createRevocationList, type RevocationList } from './revocation/create-revocation-list.js';

/** A running (or ready to run) gateway. */
export interface Gateway {
  /** Binds every listener and the admin listener; resolves when all accept connections. */
  listen(): Promise<void>;
  /** Graceful drain: stop accepting, let in-flight requests finish (up to `limits.drainTimeoutMs`), close pools. */
  close(): Promise<void>;
  /** Base URL per listener name (`http://127.0.0.1:8080`), plus `admin`; filled by `listen()`. */
  readonly urls: Readonly<Record<string, string>>;
  /** Recompiles the policy sources; on failure the old set stays and the error is thrown. */
  reload(): Promise<void>;
  /** The gateway's metrics (its own prom-client registry). */
  readonly metrics: GatewayMetrics;
  /** Switches to a new minting key schedule (a worker following its primary's rotation); no-op without minting. */
  adoptMintingKeys(keys: MintingKeys): void;
}

/** Options of {@link createGateway} beyond the configuration file. */
export interface CreateGatewayOptions {
  /** Milliseconds since the epoch; default `Date.now`. Drives token checks and minting. */
  readonly clock?: Clock;
  /** pino logger; default a JSON logger on stdout at `logging.level`. */
  readonly logger?: Logger;
  /** A minting key schedule decided elsewhere (workers follow their primary's); default generated and rotated here. */
  readonly mintingKeys?: MintingKeys;
  /** Builds the enforcer for a policy set; the default compiles RequestAuthentication / AuthorizationPolicy with `@tessera/core`. */
  readonly enforcerFactory?: PolicyStore['factory'];
  /** What `/metrics` answers; default this gateway's registry (workers answer for the whole cluster). */
  readonly metricsText?: () => Promise<string>;
}

/**
 * Creates the gateway from a loaded configuration (`loadGatewayConfig`): listeners (HTTP, TLS,
 * mTLS), routes to undici pools, policy sources with hot reload, the decision API, minting, the
 * revocation list, `/metrics`, `/healthz`, `/readyz`. Nothing listens until `listen()`.
 *
 * @example
 * ```ts
 * const gateway = createGateway(loadGatewayConfig({ file: 'gateway.yaml', env: process.env }));
 * await gateway.listen();
 * process.once('SIGTERM', () => void gateway.close());
 * ```
 */
export function createGateway(config: GatewayConfig, options: CreateGatewayOptions = {}): Gateway {
  // A run-time check for JavaScript callers, made on an `unknown` view of the argument so that it
  // does not narrow the typed (readonly) listener list to `any[]`.
  const given: unknown = config;
  if (given === null || typeof given !== 'object' || !('listeners' in given) || !Array.isArray(given.listeners)) {
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      'createGateway needs the object loadGatewayConfig returns',
    );
  }
  const clock = options.clock ?? Date.now;
  const logger = options.logger ?? pino({ level: config.logging.level, base: { svc: 'tessera-gateway' } });
  const metrics = createGatewayMetrics({ defaultMetrics: true });
  const routes = createRouteTable(config.routes);
  const revocations: RevocationList | undefined = config.tokenService?.checkRevocations
    ? createRevocationList({ config, logger, clock })
    : undefined;
  const policyStore = createPolicyStore({
    config,
    clock,
    logger,
    metrics,
    isRevoked: revocations ? (jti) => revocations.has(jti) || revocations.stale() : undefined,
    factory: options.enforcerFactory,
  });
  const needsMinter = config.routes.some((r) => r.mutations.mint !== undefined);
  const minter: TokenMinter | undefined = needsMinter
    ? createTokenMinter({
        config,
        clock,
        onCache: (hit) => (hit ? metrics.mintCache.hit() : metrics.mintCache.miss()),
        ...(options.mintingKeys ? { keys: options.mintingKeys } : {}),
      })
    : undefined;

  const pools = new Map<number, Pool>();
  const upstreamUrls = new Map<number, URL>();
  const upstreamTls = new Map<number, { ca?: Buffer; cert?: Buffer; key?: Buffer; servername?: string }>();
  for (const [i, r] of config.routes.entries()) {
    const url = new URL(r.upstream);
    upstreamUrls.set(i, url);
    const t = r.upstreamTls;
    const tls =
      t === undefined
        ? undefined
        : {
            ...(t.ca ? { ca: readFileSync(t.ca) } : {}),
            ...(t.cert ? { cert: readFileSync(t.cert) } : {}),
            ...(t.key ? { key: readFileSync(t.key) } : {}),
            ...(t.servername ? { servername: t.servername } : {}),
          };
    if (tls) upstreamTls.set(i, tls);
    pools.set(
      i,
      new Pool(url.origin, {
        ...(tls ? { connect: { ...tls, rejectUnauthorized: true } } : {}),
        connections: config.limits.upstreamConnections,
        connectTimeout: config.limits.upstreamConnectTimeoutMs,
        headersTimeout: config.limits.upstreamHeadersTimeoutMs,
        bodyTimeout: config.limits.upstreamBodyTimeoutMs,
        keepAliveTimeout: 4000,
        pipelining: 1,
      }),
    );
  }

  const trusted = new BlockList();
  for (const cidr of config.trustedProxies) {
    const [addr, bits] = cidr.split('/');
    // Validated by loadGatewayConfig (check-gateway-references).
    const type = isIPv6(addr ?? '') ? 'ipv6' : 'ipv4';
    if (bits === undefined) trusted.addAddress(addr!, type);
    else trusted.addSubnet(addr!, Number(bits), type);
  }
  const isTrustedProxy =
    config.trustedProxies.length === 0
      ? () => false
      : (ip: string) => {
          try {
            return trusted.check(ip, isIPv6(ip) ? 'ipv6' : 'ipv4');
          } catch {
            return false;
          }
        };

  let draining = false;
  let state: GatewayState = { routes, enforcer: policyStore.current() };
  policyStore.onSwap((enforcer) => {
    state = { routes, enforcer };
    managedCache = new WeakMap();
  });
  let managedCache = new WeakMap<Enforcer, Set<string>[]>();
  const managedFor = (p: Prepared): Set<string> => {
    let perRoute = managedCache.get(p.state.enforcer);
    if (perRoute === undefined) managedCache.set(p.state.enforcer, (perRoute = []));
    let set = perRoute[p.route.index];
    if (set === undefined) perRoute[p.route.index] = set = managedHeaders(p.route, p.state.enforcer, config);
    return set;
  };

  const ctx: HandlerContext = {
    config,
    state: () => state,
    metrics,
    logger,
    minter,
    isTrustedProxy,
    draining: () => draining,
  };
  const accessLog = config.logging.accessLog && logger.isLevelEnabled('info');
  const log = (
    p: Prepared | undefined,
    req: IncomingMessage,
    status: number,
    reason: string,
    identity: GatewayIdentity | undefined,
    started: number,
  ) => {
    if (!accessLog) return;
    logger.info({
      type: 'access',
      route: p?.route.config.name,
      method: req.method,
      path: p?.request.path ?? '(unparsed)',
      host: p?.request.host,
      status,
      reason,
      principal: identity?.requestPrincipal,
      peer: p?.request.peerPrincipal,
      sourceIp: p?.request.sourceIp,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
  };

  const decision = createDecisionHandler({ ctx, managedFor, minter, log, realmOf: (r) => realmOf(ctx, r) });

  /** Builds the upstream request and forwards it (created once: no per-request closures on the hot path). */
  const sendUpstream = (
    req: IncomingMessage,
    res: ServerResponse,
    p: Prepared,
    verdict: Extract<Verdict, { kind: 'allow' }>,
    started: number,
    minted: string | undefined,
  ) => {
    const identity = verdict.identity;
    const built = upstreamHeaders(ctx, req, p, identity, minted, managedFor(p), false, verdict.extraHeaders);
    if (!built.ok) {
      answer(res, 401, 'Jwt claim cannot be forwarded', {
        'www-authenticate': formatWwwAuthenticate({ realm: realmOf(ctx, p.request), error: 'invalid_token' }),
      });
      log(p, req, 401, built.reason, identity, started);
      return;
    }
    forward(
      pools.get(p.route.index)!,
      req,
      res,
      p.request.method,
      p.request.path + built.query,
      built.headers,
      (status, error) => {
        p.counters.upstream(status);
        if (accessLog)
          log(p, req, status, error ? `${verdict.reason}; upstream: ${error}` : verdict.reason, identity, started);
      },
    );
  };

  /** After authn/authz allowed: mint (maybe async), build headers, forward. */
  const proceed = (
    req: IncomingMessage,
    res: ServerResponse,
    p: Prepared,
    verdict: Extract<Verdict, { kind: 'allow' }>,
    started: number,
  ) => {
    const identity = verdict.identity;
    const mint = p.route.config.mutations.mint;
    if (mint === undefined || identity === undefined || minter === undefined) {
      sendUpstream(req, res, p, verdict, started, undefined);
      return;
    }
    let minted: string | Promise<string>;
    try {
      minted = minter.mint(identity, mint);
    } catch (err) {
      mintFailed(res, p, req, err, identity, started);
      return;
    }
    if (typeof minted === 'string') sendUpstream(req, res, p, verdict, started, minted);
    else
      minted
        .then(
          (m) => sendUpstream(req, res, p, verdict, started, m),
          (err: unknown) => mintFailed(res, p, req, err, identity, started),
        )
        .catch((err: unknown) => failClosed(req, res, p, err, started));
  };
  const mintFailed = (
    res: ServerResponse,
    p: Prepared,
    req: IncomingMessage,
    err: unknown,
    identity: GatewayIdentity | undefined,
    started: number,
  ) => {
    logger.error({ err, route: p.route.config.name }, 'minting a token for the upstream failed');
    answer(res, 503, 'upstream token unavailable');
    log(p, req, 503, 'mint failed', identity, started);
  };

  const decide = (req: IncomingMessage, res: ServerResponse, p: Prepared, verdict: Verdict, started: number) => {
    try {
      decideUnsafe(req, res, p, verdict, started);
    } catch (err) {
      failClosed(req, res, p, err, started);
    }
  };
  const decideUnsafe = (req: IncomingMessage, res: ServerResponse, p: Prepared, verdict: Verdict, started: number) => {
    count(p.counters, verdict);
    if (verdict.kind !== 'allow') {
      answerDenied(res, verdict, realmOf(ctx, p.request));
      log(
        p,
        req,
        verdict.kind === 'unauthenticated' ? 401 : verdict.kind === 'denied' ? 403 : 400,
        verdict.reason,
        undefined,
        started,
      );
      return;
    }
    proceed(req, res, p, verdict, started);
  };

  const failClosed = (
    req: IncomingMessage,
    res: ServerResponse,
    p: Prepared | undefined,
    err: unknown,
    started: number,
  ) => {
    // ARCHITECTURE.md "Errors": an unexpected error on an auth path denies; it never passes through.
    logger.error({ err, route: p?.route.config.name }, 'unexpected error on the auth path; request denied');
    answer(res, 500, 'internal error');
    log(p, req, 500, 'internal error', undefined, started);
  };

  const onRequest = (listener: GatewayListenerConfig) => (req: IncomingMessage, res: ServerResponse) => {
    const started = accessLog ? performance.now() : 0;
    if (draining) {
      answer(res, 503, 'gateway is draining', undefined, true);
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
    if ((listener.decisionOnly || config.decision.onProxyListeners) && decision.handles(url)) {
      decision.handle(req, res, listener, started);
      return;
    }
    if (listener.decisionOnly) {
      answer(res, 404, 'not found');
      return;
    }
    let p: ReturnType<typeof prepare>;
    try {
      p = prepare(ctx, req, listener);
    } catch (err) {
      failClosed(req, res, undefined, err, started);
      return;
    }
    if ('error' in p) {
      answer(
        res,
        p.error,
        p.error === 404 ? 'route not found' : p.error === 431 ? 'request header fields too large' : 'Bad Request',
        undefined,
        p.error !== 404,
      );
      log(undefined, req, p.error, p.reason, undefined, started);
      return;
    }
    const prepared = p;
    let verdict: Verdict | Promise<Verdict>;
    try {
      verdict = prepared.state.enforcer.evaluate(prepared.request, prepared.route.config);
    } catch (err) {
      failClosed(req, res, prepared, err, started);
      return;
    }
    if (verdict instanceof Promise)
      verdict.then(
        (v) => decide(req, res, prepared, v, started),
        (err: unknown) => failClosed(req, res, prepared, err, started),
      );
    else decide(req, res, prepared, verdict, started);
  };

  const onUpgrade = (listener: GatewayListenerConfig) => (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const started = accessLog ? performance.now() : 0;
    socket.on('error', () => socket.destroy());
    if (draining || listener.decisionOnly) {
      rejectUpgrade(socket, draining ? 503 : 404, draining ? 'gateway is draining' : 'not found');
      return;
    }
    let p: ReturnType<typeof prepare>;
    try {
      p = prepare(ctx, req, listener);
    } catch {
      rejectUpgrade(socket, 500, 'internal error');
      return;
    }
    if ('error' in p) {
      rejectUpgrade(socket, p.error, p.error === 404 ? 'route not found' : 'Bad Request');
      log(undefined, req, p.error, p.reason, undefined, started);
      return;
    }
    const prepared = p;
    if (!prepared.route.config.websocket) {
      rejectUpgrade(socket, 403, 'RBAC: access denied');
      log(prepared, req, 403, 'websocket disabled on route', undefined, started);
      return;
    }
    const after = (verdict: Verdict) => {
      count(prepared.counters, verdict);
      if (verdict.kind !== 'allow') {
        const status = verdict.kind === 'unauthenticated' ? 401 : verdict.kind === 'denied' ? 403 : 400;
        const headers: Record<string, string> = {};
        if (verdict.kind === 'unauthenticated')
          headers['www-authenticate'] = formatWwwAuthenticate(
            verdict.invalidToken
              ? { realm: realmOf(ctx, prepared.request), error: 'invalid_token' }
              : { realm: realmOf(ctx, prepared.request) },
          );
        const custom = verdict.kind === 'denied' ? verdict.response : undefined;
        if (custom) for (const [k, v] of custom.headers) headers[k] = v;
        rejectUpgrade(
          socket,
          custom?.status ?? status,
          custom?.body ??
            (verdict.kind === 'unauthenticated'
              ? verdict.body
              : verdict.kind === 'denied'
                ? 'RBAC: access denied'
                : 'Bad Request'),
          headers,
        );
        log(prepared, req, status, verdict.reason, undefined, started);
        return;
      }
      const go = (minted: string | undefined) => {
        const built = upstreamHeaders(
          ctx,
          req,
          prepared,
          verdict.identity,
          minted,
          managedFor(prepared),
          true,
          verdict.extraHeaders,
        );
        if (!built.ok) {
          rejectUpgrade(socket, 401, 'Jwt claim cannot be forwarded');
          log(prepared, req, 401, built.reason, verdict.identity, started);
          return;
        }
        proxyUpgrade(
          upstreamUrls.get(prepared.route.index)!,
          upstreamTls.get(prepared.route.index),
          req,
          socket,
          head,
          prepared.request.path + built.query,
          built.headers,
          config.limits.upstreamConnectTimeoutMs,
          (status) => {
            prepared.counters.upstream(status);
            log(prepared, req, status, verdict.reason, verdict.identity, started);
          },
          tunnels,
        );
      };
      const mint = prepared.route.config.mutations.mint;
      if (mint && verdict.identity && minter) {
        Promise.resolve()
          .then(() => minter.mint(verdict.identity!, mint))
          .then(go, () => rejectUpgrade(socket, 503, 'upstream token unavailable'))
          .catch(() => socket.destroy());
      } else go(undefined);
    };
    try {
      const v = prepared.state.enforcer.evaluate(prepared.request, prepared.route.config);
      if (v instanceof Promise)
        v.then(after, () => rejectUpgrade(socket, 500, 'internal error')).catch(() => socket.destroy());
      else after(v);
    } catch {
      rejectUpgrade(socket, 500, 'internal error');
    }
  };

  const servers: { server: Server; listener: GatewayListenerConfig }[] = [];
  for (const listener of config.listeners) {
    const common = {
      maxHeaderSize: config.limits.maxHeaderBytes,
      requestTimeout: config.limits.requestTimeoutMs,
      headersTimeout: Math.min(config.limits.requestTimeoutMs, 60_000),
      keepAliveTimeout: 5000,
      // Duplicate headers stay visible (req.headersDistinct) so conflicts can be refused.
      joinDuplicateHeaders: false,
    };
    let server: Server;
    if (listener.tls) {
      const tls = listener.tls;
      server = createHttpsServer({
        ...common,
        cert: readFileSync(tls.cert),
        key: readFileSync(tls.key),
        ...(tls.clientCa ? { ca: readFileSync(tls.clientCa) } : {}),
        requestCert: tls.requestCert,
        rejectUnauthorized: tls.requireClientCert,
      });
    } else server = createHttpServer(common);
    // Count one past the cap so "too many" is seen rather than silently truncated.
    server.maxHeadersCount = config.limits.maxHeaderCount + 1;
    // Nothing a request does may throw out of the handler (an exception there ends the process):
    // whatever escapes is logged and answered 500 — never passed through (fail closed).
    const handleRequest = onRequest(listener);
    const handleUpgrade = onUpgrade(listener);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      try {
        handleRequest(req, res);
      } catch (err) {
        failClosed(req, res, undefined, err, 0);
      }
    });
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      try {
        handleUpgrade(req, socket, head);
      } catch (err) {
        logger.error({ err }, 'unexpected error on an upgrade; connection closed');
        socket.destroy();
      }
    });
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || socket.destroyed) return;
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      const body =
        status === 431 ? 'request header fields too large' : status === 408 ? 'request timeout' : 'Bad Request';
      socket.end(
        `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\ncontent-type: text/plain\r\ncontent-length: ${body.length}\r\nconnection: close\r\n\r\n${body}`,
      );
    });
    servers.push({ server, listener });
  }

  let admin: Server | undefined;
  if (config.admin.enabled) {
    const onAdmin = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const path = (req.url ?? '').split('?')[0];
      if (req.method !== 'GET' && req.method !== 'HEAD')
        return answer(res, 405, 'method not allowed', { allow: 'GET, HEAD' });
      if (path === '/healthz') return answer(res, 200, 'ok');
      if (path === '/readyz') {
        const ready = !draining && listening && policyStore.ready();
        return answer(res, ready ? 200 : 503, ready ? 'ready' : draining ? 'draining' : 'not ready');
      }
      if (path === '/explain') {
        // GET /explain?method=GET&path=/api/x&host=api.test with the caller's Authorization: which
        // policy and rule decide that request and why. The admin listener is loopback by default.
        const q = new URL(req.url ?? '/', 'http://admin').searchParams;
        const target = q.get('path') ?? '/';
        const method = (q.get('method') ?? 'GET').toUpperCase();
        const p = prepare(ctx, req, config.listeners.find((l) => !l.decisionOnly) ?? config.listeners[0]!, {
          method,
          url: target,
          host: q.get('host') ?? undefined,
        });
        if ('error' in p)
          return answer(res, p.error === 404 ? 404 : 400, JSON.stringify({ error: p.reason }), {
            'content-type': 'application/json',
          });
        const enforcer = p.state.enforcer;
        if (enforcer.explain === undefined)
          return answer(res, 501, JSON.stringify({ error: 'this enforcer cannot explain' }), {
            'content-type': 'application/json',
          });
        try {
          const e = await enforcer.explain(p.request, p.route.config);
          const body = JSON.stringify({
            route: p.route.config.name,
            path: p.request.path,
            decision: e.decision,
            text: e.text,
            policies: e.policies,
          });
          res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
          res.end(body);
        } catch (err) {
          logger.error({ err }, 'explain failed');
          answer(res, 500, 'explain failed');
        }
        return;
      }
      if (path === '/metrics') {
        try {
          const text = await (options.metricsText ?? (() => metrics.registry.metrics()))();
          res.writeHead(200, { 'content-type': metrics.registry.contentType });
          res.end(text);
        } catch (err) {
          logger.error({ err }, 'metrics failed');
          answer(res, 500, 'metrics unavailable');
        }
        return;
      }
      answer(res, 404, 'not found');
    };
    // The server does not await its handler: a rejection is handled here (logged, answered 500)
    // rather than left unhandled.
    admin = createHttpServer((req, res) => {
      onAdmin(req, res).catch((err: unknown) => {
        logger.error({ err }, 'unexpected error on the admin listener');
        answer(res, 500, 'internal error');
      });
    });
  }

  const urls: Record<string, string> = {};
  let listening = false;
  const inflight = new Set<Socket>();
  const tunnels = new Set<Duplex>();

  const gateway: Gateway = {
    urls,
    metrics,
    adoptMintingKeys: (keys) => minter?.adopt(keys),
    async listen() {
      await policyStore.start();
      revocations?.start();
      const bind = (server: Server, host: string, port: number) =>
        new Promise<AddressInfo>((resolve, reject) => {
          server.once('error', reject);
          server.listen(port, host, () => {
            server.off('error', reject);
            resolve(server.address() as AddressInfo);
          });
        });
      for (const { server, listener } of servers) {
        server.on('connection', (s: Socket) => {
          inflight.add(s);
          s.once('close', () => inflight.delete(s));
        });
        const a = await bind(server, listener.host, listener.port);
        const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
        urls[listener.name] = `${listener.tls ? 'https' : 'http'}://${host}:${a.port}`;
      }
      if (admin) {
        const a = await bind(admin, config.admin.host, config.admin.port);
        urls.admin = `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
      }
      listening = true;
      logger.info({ urls, routes: config.routes.length, policies: policyStore.current().size }, 'gateway listening');
    },
    async close() {
      if (draining) return;
      draining = true;
      // An upgraded connection (WebSocket) has no request boundary to drain at: end it now.
      for (const t of tunnels) t.destroy();
      const closed = servers.map(({ server }) => new Promise<void>((resolve) => server.close(() => resolve())));
      for (const { server } of servers) server.closeIdleConnections();
      const deadline = new Promise<void>((resolve) => {
        const t = setTimeout(resolve, config.limits.drainTimeoutMs);
        t.unref();
      });
      await Promise.race([Promise.all(closed), deadline]);
      for (const { server } of servers) server.closeAllConnections();
      for (const s of inflight) s.destroy();
      await Promise.all([...pools.values()].map((p) => p.close().catch(() => undefined)));
      if (admin) await new Promise<void>((resolve) => admin.close(() => resolve()));
      admin?.closeAllConnections();
      policyStore.close();
      revocations?.close();
      minter?.close();
      listening = false;
    },
    reload: () => policyStore.reload(),
  };
  return gateway;
}
