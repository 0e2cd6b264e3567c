import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pino, type Logger } from 'pino';
import { createRemoteJwks, isTesseraError, type Clock, type KeySource, type RemoteJwks } from '@tessera/core';
import { tokenServiceErrors } from '../errors.js';
import type { TokenServiceConfig } from '../config/load-config.js';
import { createClientAuthenticator } from '../clients/create-client-authenticator.js';
import { toClientRecord, toStoredClient, type ClientRecord } from '../clients/client-record.js';
import { hashSecret, verifySecret } from '../clients/secret-hash.js';
import { createGrantTable } from '../grants/create-grant-table.js';
import { createClientCredentialsGrant } from '../grants/client-credentials-grant.js';
import { createTokenExchangeGrant } from '../grants/token-exchange-grant.js';
import { createPasswordGrant } from '../grants/password-grant.js';
import type { GrantModule } from '../grants/grant-module.js';
import { createRateLimiter } from '../http/create-rate-limiter.js';
import { toOAuthError } from '../http/oauth-error.js';
import { toProblem } from '../http/problem.js';
import { createKeyRing, type KeyRing } from '../keys/create-key-ring.js';
import { createServiceMetrics } from '../ops/create-service-metrics.js';
import type { Storage, StorageConfig } from '../storage/index.js';
import { createAccessTokenIssuer } from '../tokens/create-access-token-issuer.js';
import { createTokenValidator } from '../tokens/create-token-validator.js';
import { handleAdminRequest } from '../admin/handle-admin-request.js';
import { discoveryDocument, ENDPOINT_PATHS } from './discovery-document.js';
import { handleIntrospection } from './handle-introspection.js';
import { handleRevocation } from './handle-revocation.js';
import { handleTokenRequest } from './handle-token-request.js';
import {
  broadcastRevocation,
  handleRevocationList,
  openRevocationStream,
  type RevocationStreams,
} from './handle-revocation-list.js';
import { readBody, sendJson } from './internal/http-io.js';
import type { ServiceContext } from './internal/context.js';

/** Timers for the rotation schedule; injected in tests (ARCHITECTURE.md, "Tests": no patched globals). */
export interface ServiceTimers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link createTokenService} beyond the configuration. */
export interface TokenServiceOptions {
  /** Time source (ms); default `Date.now`. */
  readonly clock?: Clock;
  /** Timers for the key rotation schedule; default the global ones. `false` = no timer (call `tick()`). */
  readonly timers?: ServiceTimers | false;
  /** A pino logger; default one at `config.logging.level` on stdout. */
  readonly logger?: Logger;
  /** A storage to use instead of creating one from `config.storage` (not closed by `close()`). */
  readonly storage?: Storage;
  /** Environment for storage (`TESSERA_KEK`); default `process.env`. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Collect Node's default process metrics into this instance's registry; default false. */
  readonly processMetrics?: boolean;
}

/** A running (or ready-to-run) token service. */
export interface TokenService {
  /** Opens storage, seeds clients from the config, starts the key ring, listens. Resolves to the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, drains requests in flight (up to `server.shutdownTimeoutMs`), stops timers, closes storage. */
  close(): Promise<void>;
  /** Base URL the server listens on (after `listen`). */
  readonly url: string;
  /** The token issuer (`server.issuer`, else the base URL). */
  readonly issuer: string;
  /** The admin bearer token (configured, or generated and kept in the data directory). */
  readonly adminToken: string;
  /** The signing key ring (after `listen`). */
  readonly keyRing: KeyRing;
  /** The storage in use (after `listen`). */
  readonly storage: Storage;
  /** Applies the key schedule now (what the rotation timer does). */
  tick(): Promise<void>;
  /** Prometheus exposition text of this instance's metrics. */
  metricsText(): Promise<string>;
}

type Route = (req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams) => Promise<void> | void;

/**
 * Creates the token service: an OAuth 2.0 server for workloads on node:http (signing dominates the
 * cost of a token request, so the HTTP layer is kept to a switch on the path). Endpoints:
 * `POST /token`, `POST /introspect`, `POST /revoke`, `GET /revocations`, `GET /revocations/stream`
 * (SSE), `GET /.well-known/openid-configuration`, `GET /.well-known/oauth-authorization-server`,
 * `GET /.well-known/jwks.json`, `/admin/…`, `GET /healthz`, `GET /readyz`, `GET /metrics`.
 *
 * @example
 * ```ts
 * const service = createTokenService(loadConfig({ overrides: { 'server.port': 0 } }));
 * const url = await service.listen();
 * // … later
 * await service.close();
 * ```
 */
export function createTokenService(config: TokenServiceConfig, options: TokenServiceOptions = {}): TokenService {
  if (config === null || typeof config !== 'object' || config.server === undefined)
    throw tokenServiceErrors.create(
      'ERR_TOKEN_SERVICE_CONFIG_INVALID',
      'createTokenService needs a configuration from loadConfig()',
    );
  const clock = options.clock ?? Date.now;
  const logger =
    options.logger ??
    pino({
      level: config.logging.level,
      base: { service: 'tessera-token-service' },
      redact: { paths: ['req.headers.authorization', '*.client_secret', '*.password', '*.token'], remove: true },
    });
  const timers =
    options.timers === undefined
      ? {
          setTimeout: (fn: () => void, ms: number) => setTimeout(fn, ms).unref(),
          clearTimeout: (h: unknown) => clearTimeout(h as NodeJS.Timeout),
        }
      : options.timers;

  let storage: Storage | undefined = options.storage;
  let ownsStorage = false;
  let keyRing: KeyRing | undefined;
  let server: Server | undefined;
  let baseUrl = '';
  let adminToken = config.admin.token ?? '';
  let started = false;
  let closing = false;
  let timer: unknown;
  let unsubscribe: (() => Promise<void>) | undefined;
  const inFlight = new Set<ServerResponse>();
  const remoteJwks: RemoteJwks[] = [];
  const issuerUrl = () => config.server.issuer ?? baseUrl;

  // Client lookups are on every token request: a short cache keeps the store off the hot path;
  // admin changes and `client.changed` events evict at once, and the TTL bounds staleness for
  // changes made by another replica whose event was lost.
  const clientCache = new Map<string, { record: ClientRecord | undefined; until: number }>();
  const clientTtl = 5_000;
  const getClient = async (id: string): Promise<ClientRecord | undefined> => {
    const now = clock();
    const hit = clientCache.get(id);
    if (hit !== undefined && hit.until > now) return hit.record;
    const stored = await mustStorage().clients.get(id);
    const record = stored === undefined ? undefined : toClientRecord(stored);
    if (clientCache.size > 10_000) clientCache.clear();
    clientCache.set(id, { record, until: now + clientTtl });
    return record;
  };
  const mustStorage = (): Storage => {
    if (storage === undefined)
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_UNAVAILABLE', 'the service is not started');
    return storage;
  };
  const mustKeyRing = (): KeyRing => {
    if (keyRing === undefined)
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_UNAVAILABLE', 'the service is not started');
    return keyRing;
  };

  const metrics = createServiceMetrics({
    defaultMetrics: options.processMetrics ?? false,
    keyStates: () => {
      const counts: Record<string, number> = { next: 0, active: 0, retired: 0, removed: 0 };
      for (const k of keyRing?.list() ?? []) counts[k.state] = (counts[k.state] ?? 0) + 1;
      return counts;
    },
  });
  const limits = config.rateLimit;
  const perAddress = limits.enabled ? createRateLimiter({ ...limits.perAddress, clock }) : undefined;
  const perClient = limits.enabled ? createRateLimiter({ ...limits.perClient, clock }) : undefined;

  let ctx: ServiceContext | undefined;
  let streams: RevocationStreams | undefined;

  function buildContext(store: Storage): ServiceContext {
    const ring = createKeyRing({
      store: store.keys,
      algorithm: config.keys.algorithm,
      clock,
      rotationIntervalSeconds: config.keys.rotationIntervalSeconds,
      jwksCacheSeconds: config.keys.jwksCacheSeconds,
      maxTokenLifetimeSeconds: config.tokens.maxLifetimeSeconds,
      clockSkewSeconds: config.tokens.clockSkewSeconds,
      onChange: async (change) => {
        await audit({
          actor: change.reason === 'manual' ? 'admin' : 'system',
          action: `key.${change.to}`,
          target: change.kid,
          details: { alg: change.alg, from: change.from, reason: change.reason },
        });
        await store.events
          .publish({ type: 'key.changed', data: { kid: change.kid, state: change.to } })
          .catch((err: unknown) => logger.warn({ err }, 'key event not published'));
        logger.info(
          { kid: change.kid, from: change.from, to: change.to, reason: change.reason },
          'signing key state changed',
        );
      },
    });
    keyRing = ring;
    // Trusted external issuers for token exchange: their keys come from their JWKS (cached and
    // refreshed by core's remote JWKS, failing closed when it cannot be fetched).
    const trusted = new Map<string, KeySource>();
    for (const t of config.grants.tokenExchange.trustedIssuers) {
      const remote = createRemoteJwks(t.jwksUri, { clock, logger });
      remoteJwks.push(remote);
      trusted.set(t.issuer, remote);
    }
    const validator = createTokenValidator({
      issuer: issuerUrl,
      ownKeys: ring.keySource,
      trustedIssuers: trusted,
      revocations: store.revocations,
      clock,
      clockSkewSeconds: config.tokens.clockSkewSeconds,
    });
    const lifetime = config.tokens.defaultLifetimeSeconds;
    const modules: GrantModule[] = [];
    if (config.grants.clientCredentials.enabled)
      modules.push(createClientCredentialsGrant({ defaultLifetimeSeconds: lifetime }));
    if (config.grants.tokenExchange.enabled)
      modules.push(createTokenExchangeGrant({ validator, defaultLifetimeSeconds: lifetime }));
    if (config.grants.password.enabled)
      modules.push(createPasswordGrant({ users: config.grants.password.users, defaultLifetimeSeconds: lifetime }));
    const authenticator = createClientAuthenticator({
      getClient,
      replay: store.replay,
      clock,
      assertionAudiences: () => [issuerUrl(), issuerUrl().replace(/\/$/, '') + ENDPOINT_PATHS.token],
      assertionMaxLifetimeSeconds: config.tokens.clientAssertionMaxLifetimeSeconds,
      clockSkewSeconds: config.tokens.clockSkewSeconds,
    });
    async function audit(entry: {
      actor: string;
      action: string;
      target?: string;
      details?: Record<string, unknown>;
    }): Promise<void> {
      try {
        await store.audit.append({ ...entry, at: clock() });
      } catch (err) {
        metrics.auditFailures.inc();
        logger.error({ err, action: entry.action }, 'audit record not written');
      }
    }
    return {
      config,
      clock,
      logger,
      storage: store,
      keyRing: ring,
      grants: createGrantTable(modules),
      authenticator,
      issuer: createAccessTokenIssuer({ issuer: issuerUrl, keyRing: ring, clock }),
      validator,
      metrics,
      perAddress,
      perClient,
      getClient,
      forgetClient: (id) => {
        clientCache.delete(id);
        authenticator.forget(id);
      },
      issuerUrl,
      adminToken: () => adminToken,
      audit,
      remoteAddress(req) {
        if (config.server.trustProxy) {
          // The right-most entry is the one the trusted proxy appended (the peer it saw); anything
          // left of it came from the client and could be rotated to dodge the per-address limit.
          const forwarded = req.headers['x-forwarded-for'];
          const last =
            typeof forwarded === 'string' ? forwarded.slice(forwarded.lastIndexOf(',') + 1).trim() : undefined;
          if (last) return last;
        }
        return req.socket.remoteAddress ?? 'unknown';
      },
    };
  }

  async function seedClients(store: Storage): Promise<void> {
    // Clients declared in the file are re-applied at every start (the file is their source of
    // truth); a plain `secret` is hashed, and the stored hash is kept while it still matches so a
    // restart does not churn records.
    for (const declared of config.clients) {
      const existing = await store.clients.get(declared.id);
      const current = existing === undefined ? undefined : toClientRecord(existing);
      let secretHash = declared.secretHash;
      if (declared.secret !== undefined) {
        secretHash =
          current?.secretHash !== undefined && (await verifySecret(declared.secret, current.secretHash))
            ? current.secretHash
            : await hashSecret(declared.secret);
      }
      const now = clock();
      const record: ClientRecord = {
        id: declared.id,
        ...(secretHash === undefined ? {} : { secretHash }),
        ...(declared.jwks === undefined ? {} : { jwks: declared.jwks }),
        audiences: declared.audiences,
        scopes: declared.scopes,
        grantTypes: declared.grantTypes,
        ...(declared.tokenLifetimeSeconds === undefined ? {} : { tokenLifetimeSeconds: declared.tokenLifetimeSeconds }),
        exchange: declared.exchange,
        enabled: declared.enabled,
        source: 'config',
        createdAt: current?.createdAt ?? now,
        updatedAt: now,
      };
      const same =
        current !== undefined &&
        JSON.stringify({ ...toStoredClient(current), updatedAt: 0 }) ===
          JSON.stringify({ ...toStoredClient(record), updatedAt: 0 });
      if (same) continue;
      await store.clients.put(toStoredClient(record));
      await ctx!.audit({
        actor: 'system',
        action: current === undefined ? 'client.created' : 'client.updated',
        target: declared.id,
        details: { source: 'config' },
      });
    }
  }

  async function loadAdminToken(): Promise<void> {
    if (adminToken !== '') return;
    const dir = config.storage.dataDir;
    const file = join(dir, 'admin-token');
    try {
      adminToken = (await readFile(file, 'utf8')).trim();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      await mkdir(dir, { recursive: true, mode: 0o700 });
      adminToken = randomBytes(32).toString('base64url');
      // 'wx': never overwrite a token another process wrote first.
      await writeFile(file, adminToken + '\n', { mode: 0o600, flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
        if (e.code !== 'EEXIST') throw e;
        adminToken = (await readFile(file, 'utf8')).trim();
      });
      logger.info({ file }, 'generated an admin token');
    }
    if (adminToken.length < 24)
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `${file}: the admin token is too short`);
  }

  function schedule(): void {
    if (timers === false || closing) return;
    const ring = keyRing!;
    const check = config.keys.checkIntervalSeconds * 1000;
    const deadline = ring.nextDeadline();
    const wait = Math.max(10, Math.min(check, deadline === undefined ? check : deadline - clock()));
    timer = timers.setTimeout(() => {
      ring
        .tick()
        .catch((err: unknown) => logger.error({ err }, 'key rotation tick failed'))
        .finally(schedule);
    }, wait);
  }

  const routes = new Map<string, Route>();
  const get = (path: string, route: Route) => routes.set(`GET ${path}`, route);
  const post = (path: string, route: Route) => routes.set(`POST ${path}`, route);
  const bodyOf = (req: IncomingMessage) => readBody(req, config.server.bodyLimitBytes);

  const discovery: Route = (_req, res) => {
    sendJson(res, 200, discoveryDocument(issuerUrl(), [...ctx!.grants.keys()], config.keys.algorithm), {
      'cache-control': `public, max-age=${config.keys.jwksCacheSeconds}`,
    });
  };
  get('/.well-known/openid-configuration', discovery);
  get('/.well-known/oauth-authorization-server', discovery);
  get(ENDPOINT_PATHS.jwks, (_req, res) => {
    const body = mustKeyRing().jwksJson();
    // max-age = the rotation design's cache period: a next key is published at least this long
    // before it signs, so a verifier honouring it always knows the signing key in time.
    res.writeHead(200, {
      'content-type': 'application/jwk-set+json',
      'content-length': Buffer.byteLength(body),
      'cache-control': `public, max-age=${config.keys.jwksCacheSeconds}`,
    });
    res.end(body);
  });
  // The jwt-factory keys' public halves, for verifiers of factory-issued tokens (e.g. a gateway
  // rule with issuer https://jwt-factory/). Public keys only; the factory API itself is admin-only.
  get(ENDPOINT_PATHS.factoryJwks, async (_req, res) => {
    const keys = (await mustStorage().keys.list({ purpose: 'named' })).map((k) => ({
      ...k.publicJwk,
      kid: k.kid,
      alg: k.alg,
      use: 'sig',
    }));
    const body = JSON.stringify({ keys });
    res.writeHead(200, {
      'content-type': 'application/jwk-set+json',
      'content-length': Buffer.byteLength(body),
      'cache-control': 'public, max-age=60',
    });
    res.end(body);
  });
  post(ENDPOINT_PATHS.token, async (req, res) => handleTokenRequest(ctx!, req, res, await bodyOf(req)));
  post(ENDPOINT_PATHS.introspection, async (req, res) => handleIntrospection(ctx!, req, res, await bodyOf(req)));
  post(ENDPOINT_PATHS.revocation, async (req, res) => handleRevocation(ctx!, req, res, await bodyOf(req)));
  get(ENDPOINT_PATHS.revocations, (req, res, _p, query) => handleRevocationList(ctx!, req, res, query));
  get(ENDPOINT_PATHS.revocationStream, (req, res, _p, query) => openRevocationStream(ctx!, streams!, req, res, query));
  get('/healthz', (_req, res) => sendJson(res, 200, { status: 'ok' }));
  get('/readyz', async (_req, res) => {
    try {
      if (closing || !started) throw new Error('not serving');
      await mustStorage().ping();
      mustKeyRing().signer();
      sendJson(res, 200, { status: 'ready' });
    } catch {
      sendJson(res, 503, { status: 'unavailable' });
    }
  });
  get('/metrics', async (_req, res) => {
    const text = await metrics.registry.metrics();
    res.writeHead(200, { 'content-type': metrics.registry.contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  });

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const query = new URLSearchParams(q === -1 ? '' : url.slice(q + 1));
    const t0 = performance.now();
    inFlight.add(res);
    res.on('close', () => {
      inFlight.delete(res);
      metrics.httpDuration.observe(
        {
          route: routes.has(`${req.method} ${path}`) ? path : path.startsWith('/admin/') ? '/admin' : 'other',
          status: String(res.statusCode),
        },
        (performance.now() - t0) / 1000,
      );
    });
    try {
      if (closing) res.setHeader('connection', 'close');
      const route = routes.get(`${req.method} ${path}`);
      if (route !== undefined) return await route(req, res, path, query);
      if (path.startsWith('/admin/') && config.admin.enabled)
        return await handleAdminRequest(ctx!, req, res, path, query, await bodyOf(req));
      const problem = toProblem(
        tokenServiceErrors.create(
          'ERR_TOKEN_SERVICE_NOT_FOUND',
          `no endpoint ${req.method ?? 'GET'} ${path.slice(0, 100)}`,
        ),
      );
      sendJson(res, 404, problem, { 'content-type': 'application/problem+json' });
    } catch (error) {
      // Errors before a handler took over (body too large, storage down): the OAuth endpoints
      // answer RFC 6749 JSON, everything else a bare status.
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (!isTesseraError(error) || error.status >= 500) logger.error({ err: error, path }, 'request failed');
      const answer = toOAuthError(error);
      sendJson(res, answer.status, answer.body, answer.headers);
    }
  }

  const service: TokenService = {
    async listen() {
      if (started || server !== undefined)
        throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_UNAVAILABLE', 'already listening');
      if (storage === undefined) {
        const { type, dataDir, url, ...rest } = config.storage as {
          type: StorageConfig['type'];
          dataDir: string;
          url?: string;
        } & Record<string, unknown>;
        const storageConfig: StorageConfig = {
          ...(rest as Partial<StorageConfig>),
          type,
          dataDir,
          clock,
          env: options.env ?? process.env,
          ...(typeof url === 'string' && type === 'postgres' ? { postgres: { url } } : {}),
          ...(typeof url === 'string' && type === 'redis' ? { redis: { url } } : {}),
        };
        const mod = (await import('../storage/index.js')) as { createStorage?: (c: StorageConfig) => Promise<Storage> };
        if (mod.createStorage === undefined)
          throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_UNAVAILABLE', 'no storage back-end is available');
        storage = await mod.createStorage(storageConfig);
        ownsStorage = true;
      }
      try {
        await loadAdminToken();
        ctx = buildContext(storage);
        streams = { clients: new Set() };
        const serverOptions = { requestTimeout: 30_000, headersTimeout: 10_000, keepAliveTimeout: 5_000 };
        const handler = (req: IncomingMessage, res: ServerResponse) => void dispatch(req, res);
        const tls = config.server.tls;
        const srv: Server =
          tls === undefined
            ? createServer(serverOptions, handler)
            : createHttpsServer({ ...serverOptions, ...readTlsFiles(tls) }, handler);
        server = srv;
        await new Promise<void>((resolve, reject) => {
          srv.once('error', reject);
          srv.listen(config.server.port, config.server.host, () => resolve());
        });
        const address = srv.address() as AddressInfo;
        // Bound to every interface: the default issuer names loopback (issue 3: http://127.0.0.1:<port>).
        const unspecified = address.address === '0.0.0.0' || address.address === '::';
        const host = unspecified ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;
        baseUrl = `${tls === undefined ? 'http' : 'https'}://${host}:${address.port}`;
        // The issuer must be known before the first key signs or the first client is checked.
        await seedClients(storage);
        await keyRing!.start();
        const events = storage.events;
        unsubscribe = await events.subscribe((event) => {
          if (
            event.type === 'revocation.added' &&
            typeof event.data['jti'] === 'string' &&
            typeof event.data['exp'] === 'number'
          ) {
            broadcastRevocation(streams!, { jti: event.data['jti'], exp: event.data['exp'] });
          }
          if (event.origin === events.id) return;
          if (event.type === 'key.changed')
            void keyRing!.tick().catch((err: unknown) => logger.warn({ err }, 'key reload failed'));
          if (event.type === 'client.changed' && typeof event.data['clientId'] === 'string')
            ctx!.forgetClient(event.data['clientId']);
        });
        started = true;
        schedule();
        logger.info(
          { url: baseUrl, issuer: issuerUrl(), storage: storage.backends, algorithm: config.keys.algorithm },
          'token service listening',
        );
        return baseUrl;
      } catch (error) {
        await service.close().catch(() => undefined);
        throw error;
      }
    },
    async close() {
      if (closing) return;
      closing = true;
      if (timer !== undefined && timers !== false) timers.clearTimeout(timer);
      for (const client of streams?.clients ?? []) client.end();
      if (server !== undefined) {
        const srv = server;
        const closed = new Promise<void>((resolve) => srv.close(() => resolve()));
        srv.closeIdleConnections();
        const deadline = new Promise<void>((resolve) => {
          const t = setTimeout(resolve, config.server.shutdownTimeoutMs);
          t.unref();
          void closed.then(() => clearTimeout(t));
        });
        await Promise.race([closed, deadline]);
        srv.closeAllConnections();
        await closed;
      }
      await unsubscribe?.().catch(() => undefined);
      for (const remote of remoteJwks) remote.close();
      if (ownsStorage) await storage?.close();
      logger.info('token service stopped');
    },
    get url() {
      return baseUrl;
    },
    get issuer() {
      return issuerUrl();
    },
    get adminToken() {
      return adminToken;
    },
    get keyRing() {
      return mustKeyRing();
    },
    get storage() {
      return mustStorage();
    },
    tick: () => mustKeyRing().tick(),
    metricsText: () => metrics.registry.metrics(),
  };
  return service;
}

/** Reads the listener's certificate and key; an unreadable file is a configuration error naming it. */
function readTlsFiles(tls: { readonly cert: string; readonly key: string }): { cert: Buffer; key: Buffer } {
  const read = (field: 'cert' | 'key') => {
    try {
      return readFileSync(tls[field]);
    } catch (cause) {
      throw tokenServiceErrors.create(
        'ERR_TOKEN_SERVICE_CONFIG_INVALID',
        `server.tls.${field}: cannot read ${tls[field]} (${(cause as NodeJS.ErrnoException).code ?? 'error'})`,
        { cause },
      );
    }
  };
  return { cert: read('cert'), key: read('key') };
}
