import type { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { coreErrors } from '../errors/errors.js';
import { isTesseraError, type TesseraError } from '../errors/tessera-error.js';
import { discoverIssuer } from './discovery.js';
import { importJwk } from './import-jwk.js';
import { FetchFailure, fetchJson } from './internal/fetch-json.js';
import { createKeyIndex, type KeyIndex } from './key-index.js';
import type { Clock, Jwk, JwsHeader, KeySource, VerificationKey } from './types.js';

/**
 * A pino-compatible logger (`pino()` fits as is). Tessera never logs a secret, a private key or a
 * whole token through it.
 *
 * @example
 * ```ts
 * const logger: Logger = pino();
 * ```
 */
export interface Logger {
  info(obj: Record<string, unknown>, msg?: string): void;
  warn(obj: Record<string, unknown>, msg?: string): void;
  error(obj: Record<string, unknown>, msg?: string): void;
}

/**
 * Options of {@link createRemoteJwks}. Names follow jose's `createRemoteJWKSet` and jwks-rsa; every
 * duration is in **milliseconds**.
 */
export interface RemoteJwksOptions {
  /**
   * The issuer, for OIDC discovery when no JWKS URL is given: `jwks_uri` is read from its metadata
   * (see {@link discoverIssuer}) on first use, and the document's `issuer` must equal this exactly.
   */
  issuer?: string;
  /** Time allowed for one fetch (connect to last byte). Default 5000. */
  timeoutDuration?: number;
  /** A fetched set is fresh this long; the first use after it refreshes in the background. Default 600000 (10 min). */
  cacheMaxAge?: number;
  /** After a fetch (success or failure), an unknown `kid` causes no new fetch for this long. Default 30000. */
  cooldownDuration?: number;
  /**
   * While the endpoint fails, the last good set keeps serving for at most this long past
   * `cacheMaxAge` (a warning and the `staleServed` counter say so); after that, `getKeys` fails
   * with `ERR_JWKS_FETCH_FAILED`. Default 3600000 (1 h). `0` disables stale-if-error.
   */
  staleIfErrorDuration?: number;
  /** Refetch on a timer this often (unref'd, so it never keeps the process alive). Default off. */
  refreshInterval?: number;
  /** Largest response body accepted, in bytes; counted while streaming. Default 524288 (512 KiB). */
  maxResponseBytes?: number;
  /** Extra request headers (e.g. an API key of the JWKS host). */
  headers?: Readonly<Record<string, string>>;
  /** node:http(s) Agent for the fetches (TLS options, proxies, keep-alive). */
  agent?: Agent;
  /** CA certificates to trust for https (PEM); shorthand for an `https.Agent({ ca })`. */
  ca?: string | Buffer | readonly (string | Buffer)[];
  /** `same-origin` (default): follow up to 3 redirects within the JWKS URL's origin; `none`: follow none. Never another host. */
  redirect?: 'same-origin' | 'none';
  /** Milliseconds since the epoch, for every cache decision. Default `Date.now`. */
  clock?: Clock;
  /** Receives warnings (failures, stale sets, dropped keys). Default silent. */
  logger?: Logger;
  /** Called on every event (to feed metrics); must not throw. */
  onEvent?: (event: RemoteJwksEvent) => void;
}

/** What happened inside a remote key source; the gateway turns these into Prometheus counters. */
export type RemoteJwksEvent =
  | { readonly type: 'fetch'; readonly url: string }
  | { readonly type: 'fetched'; readonly url: string; readonly keys: number; readonly dropped: number }
  | { readonly type: 'fetch_failed'; readonly url: string; readonly code: string; readonly message: string }
  | { readonly type: 'stale_served'; readonly age: number }
  | { readonly type: 'cooldown_hit'; readonly kid: string | undefined }
  | { readonly type: 'key_dropped'; readonly kid: string | undefined; readonly reason: string };

/** Counters and state of a remote key source, for metrics and health checks. */
export interface RemoteJwksStats {
  /** `empty` (no set yet), `fresh`, `stale` (past `cacheMaxAge`, still served), `expired` (past the stale-if-error bound). */
  readonly state: 'empty' | 'fresh' | 'stale' | 'expired';
  readonly url: string | undefined;
  readonly keys: number;
  readonly fetches: number;
  readonly failures: number;
  readonly staleServed: number;
  readonly cooldownHits: number;
  readonly keysDropped: number;
  readonly lastSuccessAt: number | undefined;
  readonly lastFailureAt: number | undefined;
  readonly lastError: string | undefined;
}

/** A {@link KeySource} over a JWKS fetched from a URL. */
export interface RemoteJwks extends KeySource {
  /** Keys of the current set (empty before the first fetch). */
  readonly keys: readonly VerificationKey[];
  /** Fetches now (joining a fetch in flight); rejects with `ERR_JWKS_FETCH_FAILED` or `ERR_DISCOVERY_FAILED`. */
  refresh(): Promise<void>;
  /** Fetches once if no set is loaded yet; call before serving traffic. */
  warmup(): Promise<void>;
  /** Counters and state. */
  stats(): RemoteJwksStats;
  /** Stops the refresh timer and aborts a fetch in flight; later fetches fail. */
  close(): void;
}

interface KeySet {
  readonly index: KeyIndex;
  readonly fetchedAt: number;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth'];

/**
 * A key source over a remote JWKS (RFC 7517 §5), built for the verify hot path:
 *
 * - cached keys are returned synchronously; one fetch is in flight at a time and every concurrent
 *   caller shares it;
 * - an unknown `kid` causes a refetch, at most one per `cooldownDuration`; still unknown →
 *   `ERR_JWKS_NO_MATCHING_KEY`;
 * - after `cacheMaxAge` the set keeps serving while a background refresh runs (stale-while-revalidate);
 * - when the endpoint fails, the last good set serves for at most `staleIfErrorDuration` more
 *   (warning + `staleServed` counter), then `ERR_JWKS_FETCH_FAILED` (fail closed);
 * - only HTTP 200 is accepted, bodies are capped at `maxResponseBytes` while streaming, redirects
 *   never leave the URL's origin;
 * - a bad key is dropped alone (logged); so are symmetric (`oct`) keys and keys with private members,
 *   which have no place in a published set; a set with no usable key counts as a failure.
 *
 * Give the URL, or `{ issuer }` to find it by OIDC discovery.
 *
 * @example
 * ```ts
 * const keys = createRemoteJwks('https://ts.example/.well-known/jwks.json', { cooldownDuration: 30_000, logger });
 * await keys.warmup();
 * const verifier = createVerifier({ issuer: 'https://ts.example', audience: 'orders', keys });
 * // or, by discovery:
 * const discovered = createRemoteJwks({ issuer: 'https://ts.example' });
 * ```
 */
export function createRemoteJwks(url: string | URL, options?: RemoteJwksOptions): RemoteJwks;
export function createRemoteJwks(options: RemoteJwksOptions & { issuer: string }): RemoteJwks;
export function createRemoteJwks(
  urlOrOptions: string | URL | (RemoteJwksOptions & { issuer: string }),
  maybeOptions: RemoteJwksOptions = {},
): RemoteJwks {
  const byDiscovery = typeof urlOrOptions === 'object' && !(urlOrOptions instanceof URL);
  const options: RemoteJwksOptions = byDiscovery ? urlOrOptions : (maybeOptions ?? {});
  if (typeof options !== 'object' || options === null) bad('options must be an object');
  let jwksUrl: URL | undefined;
  if (byDiscovery) {
    if (typeof options.issuer !== 'string' || options.issuer.length === 0)
      bad('give a JWKS URL, or { issuer } for discovery');
  } else {
    jwksUrl = httpUrl(urlOrOptions);
  }
  const timeoutDuration = duration(options.timeoutDuration, 'timeoutDuration', 5000, 1);
  const cacheMaxAge = duration(options.cacheMaxAge, 'cacheMaxAge', 600_000, 0);
  const cooldownDuration = duration(options.cooldownDuration, 'cooldownDuration', 30_000, 0);
  const staleIfErrorDuration = duration(options.staleIfErrorDuration, 'staleIfErrorDuration', 3_600_000, 0);
  const refreshInterval =
    options.refreshInterval === undefined ? undefined : duration(options.refreshInterval, 'refreshInterval', 0, 1000);
  const maxResponseBytes = byteCount(options.maxResponseBytes, 'maxResponseBytes', 524_288);
  if (options.redirect !== undefined && options.redirect !== 'same-origin' && options.redirect !== 'none')
    bad('redirect must be "same-origin" or "none"');
  if (options.clock !== undefined && typeof options.clock !== 'function')
    bad('clock must be a function returning milliseconds');
  if (options.headers !== undefined && (typeof options.headers !== 'object' || options.headers === null))
    bad('headers must be an object');
  if (options.agent !== undefined && options.ca !== undefined) bad('give agent or ca, not both');
  const clock = options.clock ?? Date.now;
  const logger = options.logger;
  const onEvent = options.onEvent;
  const redirect = options.redirect ?? 'same-origin';
  const agent: Agent | undefined =
    options.agent ??
    (options.ca === undefined
      ? undefined
      : new HttpsAgent({ ca: options.ca as string | Buffer | (string | Buffer)[] }));
  const abort = new AbortController();

  let current: KeySet | undefined;
  // Bumped when a fetch brings a different set of keys (see KeySource.version).
  let version = 0;
  let fingerprint = '';
  // The fetch in flight. It settles with its outcome and never rejects, so a background refresh
  // nobody awaits cannot become an unhandled rejection; callers that wait use `loaded()`.
  let inflight: Promise<KeySet | TesseraError> | undefined;
  let lastAttemptAt: number | undefined;
  let lastFailureAt: number | undefined;
  let lastError: string | undefined;
  /** The last fetch attempt failed (so the current set, if any, is being served despite errors). */
  let failing = false;
  let closed = false;
  const counters = { fetches: 0, failures: 0, staleServed: 0, cooldownHits: 0, keysDropped: 0 };

  const emit = (event: RemoteJwksEvent) => {
    if (onEvent === undefined) return;
    try {
      onEvent(event);
    } catch {
      /* a metrics hook must not break verification */
    }
  };
  const log = (level: 'info' | 'warn' | 'error', obj: Record<string, unknown>, msg: string) => {
    if (logger === undefined) return;
    try {
      logger[level]({ jwksUrl: jwksUrl?.href, issuer: options.issuer, ...obj }, msg);
    } catch {
      /* a broken logger must not break verification */
    }
  };

  async function resolveUrl(): Promise<URL> {
    if (jwksUrl !== undefined) return jwksUrl;
    const metadata = await discoverIssuer(options.issuer!, {
      timeoutDuration,
      maxResponseBytes,
      headers: options.headers,
      agent,
      redirect,
      signal: abort.signal,
    });
    jwksUrl = httpUrl(metadata.jwks_uri);
    log('info', { jwksUri: jwksUrl.href }, 'JWKS URL found by discovery');
    return jwksUrl;
  }

  async function fetchSet(): Promise<KeySet | TesseraError> {
    counters.fetches++;
    // Let load() record this fetch as the one in flight before anything can settle it.
    await Promise.resolve();
    let url: URL | undefined;
    try {
      if (closed) throw coreErrors.create('ERR_JWKS_FETCH_FAILED', 'the remote JWKS is closed');
      url = await resolveUrl();
      emit({ type: 'fetch', url: url.href });
      let document: unknown;
      try {
        document = await fetchJson(url, {
          timeoutDuration,
          maxResponseBytes,
          headers: options.headers,
          agent,
          redirect,
          signal: abort.signal,
          accept: 'application/jwk-set+json, application/json',
        });
      } catch (error) {
        if (error instanceof FetchFailure)
          throw coreErrors.create('ERR_JWKS_FETCH_FAILED', `JWKS fetch from ${url.href} failed: ${error.message}`, {
            cause: error,
            details: { reason: error.reason, status: error.status },
          });
        throw error;
      }
      const { keys, dropped } = importSet(document, url.href);
      const set: KeySet = { index: createKeyIndex(keys), fetchedAt: clock() };
      const nextFingerprint = keys
        .map((k) => `${k.kid}:${k.alg}:${JSON.stringify(k.jwk)}`)
        .sort()
        .join('\n');
      if (nextFingerprint !== fingerprint) {
        fingerprint = nextFingerprint;
        version++;
      }
      current = set;
      lastAttemptAt = set.fetchedAt;
      lastError = undefined;
      failing = false;
      // Settle our state before anyone hears of the outcome: a caller reacting to the event must
      // start a new fetch, not join this finished one.
      inflight = undefined;
      emit({ type: 'fetched', url: url.href, keys: keys.length, dropped });
      return set;
    } catch (error) {
      const failure = toFetchFailure(error);
      const now = clock();
      lastAttemptAt = now;
      lastFailureAt = now;
      lastError = failure.message;
      failing = true;
      counters.failures++;
      inflight = undefined;
      emit({
        type: 'fetch_failed',
        url: url?.href ?? options.issuer ?? '',
        code: failure.code,
        message: failure.message,
      });
      const servable = current !== undefined && now - current.fetchedAt <= cacheMaxAge + staleIfErrorDuration;
      log(
        servable ? 'warn' : 'error',
        {
          err: { code: failure.code, message: failure.message },
          staleAge: current === undefined ? undefined : now - current.fetchedAt,
        },
        servable
          ? 'JWKS fetch failed; serving the last good key set (stale-if-error)'
          : 'JWKS fetch failed; no usable key set',
      );
      return failure;
    }
  }

  /** Imports each key alone: one bad key is dropped (and logged), never the whole set. */
  function importSet(document: unknown, href: string): { keys: VerificationKey[]; dropped: number } {
    if (
      typeof document !== 'object' ||
      document === null ||
      Array.isArray(document) ||
      !Array.isArray((document as { keys?: unknown }).keys)
    ) {
      throw coreErrors.create(
        'ERR_JWKS_FETCH_FAILED',
        `JWKS from ${href} is not a JSON object with a "keys" array (RFC 7517 §5)`,
      );
    }
    const keys: VerificationKey[] = [];
    let dropped = 0;
    for (const jwk of (document as { keys: unknown[] }).keys) {
      const kid =
        typeof jwk === 'object' && jwk !== null && typeof (jwk as Jwk).kid === 'string'
          ? ((jwk as Jwk).kid as string).slice(0, 128)
          : undefined;
      let reason: string | undefined;
      if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) reason = 'not a JSON object';
      // RFC 8725 §3.1 / RFC 7517 §5: a published set holds public keys. A shared secret or a
      // private key there is a leak or an attack, never something to trust.
      else if ((jwk as Jwk).kty === 'oct') reason = 'symmetric (oct) keys are never taken from a remote set';
      else if (PRIVATE_MEMBERS.some((m) => (jwk as Record<string, unknown>)[m] !== undefined))
        reason = 'the JWK holds private key members';
      else {
        try {
          keys.push(importJwk(jwk as Jwk));
        } catch (error) {
          reason = isTesseraError(error) ? error.message : 'cannot be imported';
        }
      }
      if (reason !== undefined) {
        counters.keysDropped++;
        dropped++;
        emit({ type: 'key_dropped', kid, reason });
        log('warn', { kid, reason }, 'JWK dropped from the remote set');
      }
    }
    if (keys.length === 0) throw coreErrors.create('ERR_JWKS_FETCH_FAILED', `JWKS from ${href} has no usable key`);
    return { keys, dropped };
  }

  /** Starts a fetch, or joins the one in flight; resolves with the new set or the failure. */
  function load(): Promise<KeySet | TesseraError> {
    if (inflight !== undefined) return inflight;
    // fetchSet returns its failures; only a throwing injected clock could still make it reject.
    const p = fetchSet()
      .catch(toFetchFailure)
      .finally(() => {
        if (inflight === p) inflight = undefined;
      });
    inflight = p;
    return p;
  }

  /** {@link load} for a caller that waits: a failed fetch rejects with its TesseraError. */
  function loaded(): Promise<KeySet> {
    return load().then((outcome) => (isTesseraError(outcome) ? Promise.reject(outcome) : outcome));
  }

  function inCooldown(now: number): boolean {
    return lastAttemptAt !== undefined && now - lastAttemptAt < cooldownDuration;
  }

  function noMatch(header: JwsHeader): TesseraError {
    return coreErrors.create(
      'ERR_JWKS_NO_MATCHING_KEY',
      header.kid === undefined
        ? `no key for alg ${String(header.alg).slice(0, 32)}`
        : `no key with kid ${JSON.stringify(String(header.kid).slice(0, 64))}`,
    );
  }

  /** A refetch for a header the current set cannot answer, at most one per cooldown. */
  function refetchFor(header: JwsHeader): Promise<readonly VerificationKey[]> {
    if (inflight === undefined && inCooldown(clock())) {
      counters.cooldownHits++;
      emit({ type: 'cooldown_hit', kid: header.kid });
      // Thrown, not rejected: the answer is known now, so verifySync can give it too.
      throw noMatch(header);
    }
    return loaded().then(
      (set) => set.index.find(header) ?? Promise.reject(noMatch(header)),
      (error: unknown) => {
        // Rethrown as it came (whatever loaded() rejected with) unless a current set answered before.
        throw current === undefined
          ? error
          : coreErrors.create('ERR_JWKS_NO_MATCHING_KEY', `${noMatch(header).message}, and the refetch failed`, {
              cause: error,
            });
      },
    );
  }

  function getKeys(header: JwsHeader): readonly VerificationKey[] | Promise<readonly VerificationKey[]> {
    const set = current;
    if (set === undefined) {
      if (inflight === undefined && lastFailureAt !== undefined && inCooldown(clock())) {
        // Down since start: do not hit the endpoint once per request.
        throw coreErrors.create(
          'ERR_JWKS_FETCH_FAILED',
          `no JWKS loaded yet; last fetch failed: ${lastError ?? 'unknown'}`,
        );
      }
      return loaded().then((set) => set.index.find(header) ?? Promise.reject(noMatch(header)));
    }
    const now = clock();
    const age = now - set.fetchedAt;
    if (age > cacheMaxAge) {
      if (age > cacheMaxAge + staleIfErrorDuration) {
        // Past the stale-if-error bound: this set must not verify anything any more (fail closed).
        if (inflight === undefined && failing && inCooldown(now)) {
          throw coreErrors.create(
            'ERR_JWKS_FETCH_FAILED',
            `the JWKS is ${Math.round(age / 1000)} s old and the endpoint keeps failing: ${lastError ?? 'unknown'}`,
          );
        }
        return loaded().then((set) => set.index.find(header) ?? Promise.reject(noMatch(header)));
      }
      // Stale-while-revalidate; after a failure, retry at most once per cooldown.
      if (inflight === undefined && !(failing && inCooldown(now))) void load();
      if (failing) {
        counters.staleServed++;
        emit({ type: 'stale_served', age });
      }
    }
    return set.index.find(header) ?? refetchFor(header);
  }

  let timer: NodeJS.Timeout | undefined;
  if (refreshInterval !== undefined) {
    timer = setInterval(() => void load(), refreshInterval);
    timer.unref();
  }

  return Object.freeze({
    getKeys,
    get version(): number {
      return version;
    },
    get keys(): readonly VerificationKey[] {
      return current?.index.keys ?? [];
    },
    refresh(): Promise<void> {
      return loaded().then(() => undefined);
    },
    warmup(): Promise<void> {
      return current !== undefined ? Promise.resolve() : loaded().then(() => undefined);
    },
    stats(): RemoteJwksStats {
      const now = clock();
      let state: RemoteJwksStats['state'] = 'empty';
      if (current !== undefined) {
        const age = now - current.fetchedAt;
        state = age <= cacheMaxAge ? 'fresh' : age <= cacheMaxAge + staleIfErrorDuration ? 'stale' : 'expired';
      }
      return Object.freeze({
        state,
        url: jwksUrl?.href,
        keys: current?.index.keys.length ?? 0,
        ...counters,
        lastSuccessAt: current?.fetchedAt,
        lastFailureAt,
        lastError,
      });
    },
    close(): void {
      closed = true;
      if (timer !== undefined) clearInterval(timer);
      abort.abort();
      if (agent !== undefined && agent !== options.agent) agent.destroy();
    },
  });
}

/** A fetch failure as the TesseraError callers see (`ERR_JWKS_FETCH_FAILED` unless already one). */
function toFetchFailure(error: unknown): TesseraError {
  return isTesseraError(error)
    ? error
    : coreErrors.create('ERR_JWKS_FETCH_FAILED', `JWKS fetch failed: ${String((error as Error)?.message ?? error)}`, {
        cause: error,
      });
}

function bad(message: string): never {
  throw coreErrors.create('ERR_CONFIG_INVALID', `createRemoteJwks: ${message}`);
}

function duration(value: unknown, name: string, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min)
    bad(`${name} must be a number of milliseconds ≥ ${min}`);
  return value;
}

function byteCount(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  // A whole number: the cap is compared with a running count of bytes received.
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    bad(`${name} must be a whole number of bytes ≥ 1`);
  return value;
}

function httpUrl(value: string | URL): URL {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    /* below */
  }
  if (url === undefined || (url.protocol !== 'https:' && url.protocol !== 'http:'))
    bad(`the JWKS URL ${JSON.stringify(String(value))} must be an absolute http(s) URL`);
  if (url.username !== '' || url.password !== '') bad('the JWKS URL must not carry credentials (use headers)');
  return url;
}
