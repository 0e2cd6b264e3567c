import type { IncomingMessage } from 'node:http';
import { pino, type Logger } from 'pino';
import type { Clock } from '@tessera/core';
import type { TokenServiceConfig } from '../config/load-config.js';
import { tokenServiceErrors } from '../errors.js';
import type { KeyRing } from '../keys/create-key-ring.js';
import { createServiceMetrics } from '../ops/create-service-metrics.js';
import type { Storage } from '../storage/index.js';
import type { ServiceTimers } from './schedule-rotation.js';
import { startService, type StartedService } from './start-service.js';

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
  /**
   * Called synchronously as each request reaches the router, before it is handled: from then on
   * the request is in flight (`close()` drains it). A hook for tracing, and the signal tests wait
   * for instead of sleeping. It must not throw (a throw answers the request 500).
   */
  readonly onRequest?: (req: IncomingMessage) => void;
}

/** A running (or ready-to-run) token service. */
export interface TokenService {
  /** Opens storage, seeds clients from the config, starts the key ring, listens. Resolves to the base URL. Once only. */
  listen(): Promise<string>;
  /** Stops accepting, drains requests in flight (up to `server.shutdownTimeoutMs`), stops timers, closes storage. */
  close(): Promise<void>;
  /** Base URL the server listens on (after `listen`). */
  readonly url: string;
  /**
   * Base URL of the operations listener (after `listen`): `GET /metrics`, `/healthz`, `/readyz`
   * on `server.operations.host`:`server.operations.port`.
   */
  readonly operationsUrl: string;
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

// A service moves idle → starting → running → stopped, once. Only `running` and `stopped` have
// a started service (`stopped` keeps it, so its key ring and storage stay readable after close).
type State =
  | { readonly phase: 'idle' }
  | { readonly phase: 'starting'; readonly starting: Promise<StartedService> }
  | { readonly phase: 'running'; readonly started: StartedService }
  | { readonly phase: 'stopped'; readonly started: StartedService | undefined };

/**
 * Creates the token service: an OAuth 2.0 server for workloads on node:http. Endpoints:
 * `POST /token`, `POST /introspect`, `POST /revoke`, `GET /revocations`, `GET /revocations/stream`
 * (SSE), `GET /.well-known/openid-configuration`, `GET /.well-known/oauth-authorization-server`,
 * `GET /.well-known/jwks.json`, `GET /jwt-factory/jwks.json`, `/admin/…`, `GET /healthz`,
 * `GET /readyz` (see `create-router.ts` for the table); and on a second, operations listener
 * (`server.operations`, 127.0.0.1 by default) `GET /metrics`, `/healthz`, `/readyz`. This object is the
 * lifecycle only: `listen()` creates everything that exists while running (`startService`).
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
  let state: State = { phase: 'idle' };
  const startedOrUndefined = (): StartedService | undefined =>
    state.phase === 'running' || state.phase === 'stopped' ? state.started : undefined;
  const started = (): StartedService => {
    const current = startedOrUndefined();
    if (current === undefined)
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_UNAVAILABLE', 'the service is not started');
    return current;
  };
  const metrics = createServiceMetrics({
    defaultMetrics: options.processMetrics ?? false,
    keyStates: () => {
      const counts: Record<string, number> = { next: 0, active: 0, retired: 0, removed: 0 };
      for (const k of startedOrUndefined()?.keyRing.list() ?? []) counts[k.state] = (counts[k.state] ?? 0) + 1;
      return counts;
    },
  });

  return {
    async listen() {
      if (state.phase !== 'idle') throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_UNAVAILABLE', 'already listening');
      const starting = startService({
        config,
        clock,
        logger,
        metrics,
        timers,
        storage: options.storage,
        env: options.env ?? process.env,
        onRequest: options.onRequest,
      });
      state = { phase: 'starting', starting };
      try {
        const running = await starting;
        // close() during the start awaits it and stops it; otherwise the service now runs.
        if (state.phase === 'starting') state = { phase: 'running', started: running };
        return running.url;
      } catch (error) {
        // startService already undid every step it had taken.
        state = { phase: 'stopped', started: undefined };
        logger.info('token service stopped');
        throw error;
      }
    },
    async close() {
      const previous = state;
      if (previous.phase === 'stopped') return;
      // Stopped at once, so a second close() returns at once, as a listen() after it fails.
      state = { phase: 'stopped', started: undefined };
      const running =
        previous.phase === 'running'
          ? previous.started
          : previous.phase === 'starting'
            ? await previous.starting.catch(() => undefined)
            : undefined;
      state = { phase: 'stopped', started: running };
      await running?.stop();
      logger.info('token service stopped');
    },
    get url() {
      return startedOrUndefined()?.url ?? '';
    },
    get operationsUrl() {
      return startedOrUndefined()?.operationsUrl ?? '';
    },
    get issuer() {
      return config.server.issuer ?? startedOrUndefined()?.url ?? '';
    },
    get adminToken() {
      return startedOrUndefined()?.adminToken ?? config.admin.token ?? '';
    },
    get keyRing() {
      return started().keyRing;
    },
    get storage() {
      // A storage passed in is there before listen(), as it always was.
      return options.storage ?? started().storage;
    },
    tick: async () => started().keyRing.tick(),
    metricsText: () => metrics.registry.metrics(),
  };
}
