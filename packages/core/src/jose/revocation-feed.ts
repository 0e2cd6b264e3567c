import type { Agent as HttpAgent } from 'node:http';
import { coreErrors } from '../errors/errors.js';
import { FetchFailure, fetchJson } from './internal/fetch-json.js';
import { readEventStream, type EventFrame } from './internal/read-event-stream.js';
import type { Logger } from './remote-jwks.js';
import type { Clock } from './types.js';
import { clientSecretBasic } from './client-secret-basic.js';

/**
 * The signing keys a token service withdrew in an emergency (a stolen key). `version` grows with
 * each new one, so a verifier knows to drop the results it cached.
 *
 * @example
 * ```ts
 * if (feed.withdrawnKeys.has(header.kid)) refuse();
 * ```
 */
export interface WithdrawnKeys {
  has(kid: string): boolean;
  readonly version: number;
}

/**
 * What a verifier asks about revocation (`createVerifier({ revocations })`). A revocation feed is
 * one; a test or an application may give its own.
 *
 * @example
 * ```ts
 * const revocations: RevocationSource = { isRevoked: (jti) => deny.has(jti) };
 * ```
 */
export interface RevocationSource {
  /** True when the token with this `jti` was revoked (tokens exchanged from it are revoked by their own `jti`). */
  isRevoked(jti: string): boolean;
  /** Keys withdrawn at the issuer: no token signed by one verifies. */
  readonly withdrawnKeys?: WithdrawnKeys;
  /** True when the source cannot vouch for anything any more: every token is refused (fail closed). */
  stale?(): boolean;
}

/** What the feed reports to `onEvent`, for logs and counters. Never carries a token. */
export type RevocationFeedEvent =
  | { readonly type: 'synced'; readonly revoked: number }
  | { readonly type: 'sync_failed'; readonly error: string }
  | { readonly type: 'stream_opened' }
  | { readonly type: 'key_withdrawn'; readonly kid: string }
  | { readonly type: 'stale' };

/**
 * Options of {@link createRevocationFeed}. Durations are in milliseconds, as for `createRemoteJwks`.
 *
 * @example
 * ```ts
 * const options: RevocationFeedOptions = { url: 'https://ts.internal', clientId: 'orders', clientSecret, mode: 'stream' };
 * ```
 */
export interface RevocationFeedOptions {
  /** The token service's address (its issuer); the feed is `<url><path>`. */
  readonly url: string | URL;
  /** Path of the feed; the stream is `<path>/stream`. Default `/revocations`. */
  readonly path?: string;
  /** A client of the token service with `revocations: true`; sent in HTTP Basic (RFC 6749 §2.3.1). */
  readonly clientId: string;
  readonly clientSecret: string;
  /**
   * `poll` (default): GET the feed every `pollInterval`. `stream`: hold the server-sent events
   * stream open, each revocation pushed as it happens; it resumes from its cursor after the server
   * ends it, and falls back to a poll, then a new stream, after a failure.
   */
  readonly mode?: 'poll' | 'stream';
  /** Poll interval, and the wait before reopening a failed stream. Default 1000 (the one-second promise). */
  readonly pollInterval?: number;
  /** Time allowed for one poll, or for a stream's response headers. Default 5000. */
  readonly timeoutDuration?: number;
  /**
   * How long tokens are still accepted after the feed was last reached. Past it the feed is stale
   * and a verifier refuses every token (`ERR_REVOCATIONS_UNAVAILABLE`, 503) until the feed answers
   * again. Default 60000; `Infinity` keeps accepting (a revocation may then go unseen for as long
   * as the feed is down).
   */
  readonly maxStaleDuration?: number;
  /** Largest feed page accepted, in bytes. Default 8 MiB. */
  readonly maxResponseBytes?: number;
  /** Agent for https with a private CA (`new https.Agent({ ca })`). */
  readonly agent?: HttpAgent;
  readonly clock?: Clock;
  /** Receives a warning when the feed fails (once per outage) and when it is back. */
  readonly logger?: Logger;
  readonly onEvent?: (event: RevocationFeedEvent) => void;
}

/**
 * A follower of the token service's revocation feed: revoked `jti`s, kept until their `exp`, and
 * withdrawn signing keys, kept for the life of the process. Share one per process between every
 * verifier that trusts the token service.
 *
 * @example
 * ```ts
 * const feed = createRevocationFeed({ url: issuer, clientId: 'orders', clientSecret });
 * feed.start();
 * const verifier = createVerifier({ issuer, audience: 'orders', keys, revocations: feed });
 * ```
 */
export interface RevocationFeed extends RevocationSource {
  readonly withdrawnKeys: WithdrawnKeys;
  stale(): boolean;
  /** Starts following (idempotent). Timers are unref'd: the feed never keeps a process alive. */
  start(): void;
  /** Reads the feed once now; resolves when the list is up to date (rejects when the feed failed). */
  refresh(): Promise<void>;
  /** Stops following: timers cleared, the stream closed. */
  close(): void;
  /** Revoked `jti`s held (expired ones are dropped). */
  readonly size: number;
}

interface Page {
  revocations?: unknown;
  cursor?: unknown;
  withdrawnKeys?: unknown;
}

const MAX_PAGES_PER_READ = 100;

/**
 * Follows the revocation feed of a Tessera token service: `GET <url><path>?since=<cursor>` answers
 * `{ revocations: [{ jti, exp }], cursor, withdrawnKeys: [{ kid, at }] }`, oldest first, so a
 * follower that passes the last cursor never misses one; `<path>/stream` pushes the same as
 * server-sent events (`event: revocation`, `event: key-withdrawn`, cursor frames with `id:`).
 * Entries are dropped once their `exp` has passed (an expired token is refused anyway). A failed
 * read keeps what is known and is retried; past `maxStaleDuration` without the feed, `stale()` is
 * true and verifiers refuse every token (fail closed), which is logged and reported once.
 *
 * @example
 * ```ts
 * const feed = createRevocationFeed({ url: 'http://127.0.0.1:7400', clientId: 'orders', clientSecret, mode: 'stream' });
 * feed.start();
 * feed.isRevoked(payload.jti); // true within a second of the revocation
 * ```
 */
export function createRevocationFeed(options: RevocationFeedOptions): RevocationFeed {
  const base = checkOptions(options);
  const clientId = options.clientId;
  const mode = options.mode ?? 'poll';
  const pollInterval = options.pollInterval ?? 1000;
  const timeoutDuration = options.timeoutDuration ?? 5000;
  const maxStale = options.maxStaleDuration ?? 60_000;
  const maxResponseBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
  const clock = options.clock ?? Date.now;
  const logger = options.logger;
  const path = (options.path ?? '/revocations').replace(/\/+$/, '');
  const authorization = clientSecretBasic(clientId, options.clientSecret);

  const revoked = new Map<string, number>();
  const withdrawn = new Set<string>();
  let withdrawnVersion = 0;
  let cursor = '';
  let lastContact = clock();
  let failures = 0;
  let reportedStale = false;
  let started = false;
  let closed = false;
  let timer: NodeJS.Timeout | undefined;
  let reading: Promise<void> | undefined;
  let streamAbort: AbortController | undefined;

  const emit = (event: RevocationFeedEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // a broken listener must not stop the feed
    }
  };
  const addRevoked = (item: unknown) => {
    const { jti, exp } = (item ?? {}) as { jti?: unknown; exp?: unknown };
    if (typeof jti !== 'string' || jti.length === 0) return;
    // `exp` is a NumericDate (seconds); kept in ms. Without one the entry stays.
    revoked.set(jti, typeof exp === 'number' && Number.isFinite(exp) ? exp * 1000 : Number.MAX_SAFE_INTEGER);
  };
  const withdrawKey = (item: unknown) => {
    const kid = (item as { kid?: unknown } | null)?.kid;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256 || withdrawn.has(kid)) return;
    withdrawn.add(kid);
    withdrawnVersion += 1;
    logger?.warn({ kid }, 'signing key withdrawn by the token service: tokens it signed are refused');
    emit({ type: 'key_withdrawn', kid });
  };
  const contact = () => {
    lastContact = clock();
    if (failures > 0) logger?.info({ feed: base }, 'revocation feed reachable again');
    failures = 0;
    reportedStale = false;
  };
  const failed = (error: unknown) => {
    const message = describe(error);
    if (failures++ === 0) logger?.warn({ feed: base, err: message }, 'revocation feed failed; keeping the known list');
    emit({ type: 'sync_failed', error: message });
  };
  const dropExpired = () => {
    const now = clock();
    for (const [jti, exp] of revoked) if (exp < now) revoked.delete(jti);
  };

  const readPages = async () => {
    // Follow the cursor until a page comes back empty: a burst of revocations spans pages.
    let count = 0;
    for (let pages = 0; pages < MAX_PAGES_PER_READ; pages++) {
      const url = new URL(`${base}${path}`);
      if (cursor) url.searchParams.set('since', cursor);
      let page: Page;
      try {
        page = (await fetchJson(url, {
          timeoutDuration,
          maxResponseBytes,
          headers: { authorization },
          agent: options.agent,
          redirect: 'none',
          accept: 'application/json',
        })) as Page;
      } catch (error) {
        throw refusal(error, clientId);
      }
      if (typeof page !== 'object' || page === null) throw new Error('the feed answered something else than an object');
      if (Array.isArray(page.withdrawnKeys)) for (const k of page.withdrawnKeys as unknown[]) withdrawKey(k);
      const items = Array.isArray(page.revocations) ? (page.revocations as unknown[]) : [];
      for (const item of items) addRevoked(item);
      count += items.length;
      const next = typeof page.cursor === 'string' ? page.cursor : cursor;
      if (items.length === 0 || next === cursor) break;
      cursor = next;
    }
    dropExpired();
    contact();
    emit({ type: 'synced', revoked: count });
  };

  const refresh = (): Promise<void> => {
    reading ??= readPages()
      .catch((error: unknown) => {
        failed(error);
        throw error;
      })
      .finally(() => {
        reading = undefined;
      });
    return reading;
  };

  const onFrame = (frame: EventFrame) => {
    contact();
    // The token service gives `id:` to cursor frames only: the cursor to resume from.
    if (frame.id) cursor = frame.id;
    if (frame.data === '') return;
    let value: unknown;
    try {
      value = JSON.parse(frame.data);
    } catch {
      return; // a malformed frame is skipped; the poll before the next stream fills any gap
    }
    if (frame.event === 'revocation') addRevoked(value);
    else if (frame.event === 'key-withdrawn') withdrawKey(value);
    else if (frame.event === 'cursor') {
      const c = (value as { cursor?: unknown } | null)?.cursor;
      if (typeof c === 'string') cursor = c;
    }
  };

  // The token service ends each stream after its maxDurationMs, the last frame being the cursor:
  // reopen at once from there. A stream that failed, or ended within a second (no healthy server
  // does), is reopened after pollInterval, with a poll first.
  const follow = async (): Promise<void> => {
    while (!closed) {
      const abort = new AbortController();
      streamAbort = abort;
      const openedAt = clock();
      let endedByServer = false;
      try {
        const url = new URL(`${base}${path}/stream`);
        if (cursor) url.searchParams.set('since', cursor);
        await readEventStream(url, {
          headers: { authorization },
          timeoutDuration,
          agent: options.agent,
          signal: abort.signal,
          onOpen: () => {
            contact();
            emit({ type: 'stream_opened' });
          },
          onFrame,
        });
        endedByServer = true;
      } catch (error) {
        if (closed) return;
        failed(refusal(error, clientId));
      }
      dropExpired();
      if (closed) return;
      if (endedByServer && clock() - openedAt >= 1000) continue;
      await sleep(endedByServer ? Math.min(pollInterval, 1000) : pollInterval);
      if (closed) return;
      await refresh().catch(() => undefined);
    }
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    });

  return {
    isRevoked: (jti) => {
      const exp = revoked.get(jti);
      return exp !== undefined && exp >= clock();
    },
    withdrawnKeys: {
      has: (kid) => withdrawn.has(kid),
      get version() {
        return withdrawnVersion;
      },
    },
    stale() {
      const isStale = clock() - lastContact > maxStale;
      if (isStale && !reportedStale) {
        reportedStale = true;
        logger?.error(
          { feed: base, maxStaleDuration: maxStale },
          'revocation feed unreachable for longer than maxStaleDuration: refusing every token until it answers',
        );
        emit({ type: 'stale' });
      }
      return isStale;
    },
    get size() {
      return revoked.size;
    },
    start() {
      if (started || closed) return;
      started = true;
      if (mode === 'stream') {
        void refresh()
          .catch(() => undefined)
          .then(follow);
        return;
      }
      const tick = () => {
        if (closed) return;
        void refresh()
          .catch(() => undefined)
          .then(() => {
            if (!closed) {
              timer = setTimeout(tick, pollInterval);
              timer.unref();
            }
          });
      };
      tick();
    },
    refresh,
    close() {
      closed = true;
      if (timer) clearTimeout(timer);
      streamAbort?.abort();
    },
  };
}

function checkOptions(options: RevocationFeedOptions): string {
  if (typeof options !== 'object' || options === null)
    throw coreErrors.create('ERR_CONFIG_INVALID', 'createRevocationFeed needs an options object');
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw coreErrors.create('ERR_CONFIG_INVALID', 'createRevocationFeed: url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw coreErrors.create('ERR_CONFIG_INVALID', 'createRevocationFeed: url must be an http(s) URL');
  if (typeof options.clientId !== 'string' || options.clientId === '' || typeof options.clientSecret !== 'string')
    throw coreErrors.create(
      'ERR_CONFIG_INVALID',
      'createRevocationFeed: clientId and clientSecret are required (a client with revocations: true at the token service)',
    );
  if (options.mode !== undefined && options.mode !== 'poll' && options.mode !== 'stream')
    throw coreErrors.create('ERR_CONFIG_INVALID', 'createRevocationFeed: mode is poll or stream');
  for (const name of ['pollInterval', 'timeoutDuration', 'maxStaleDuration', 'maxResponseBytes'] as const) {
    const value = options[name];
    if (
      value !== undefined &&
      !(typeof value === 'number' && value > 0 && (value !== Infinity || name === 'maxStaleDuration'))
    )
      throw coreErrors.create('ERR_CONFIG_INVALID', `createRevocationFeed: ${name} must be a positive number`);
  }
  // The feed's path follows the issuer's, as every endpoint of the token service does.
  return url.href.replace(/\/+$/, '');
}

/** Why the feed refused, in words that say what to fix (401: credentials; 403: the client's permission). */
function refusal(error: unknown, clientId: string): Error {
  if (error instanceof FetchFailure && error.reason === 'status') {
    if (error.status === 401)
      return new Error(
        `the feed refused the credentials of client "${clientId}" (401): check the client id and secret`,
      );
    if (error.status === 403)
      return new Error(`the feed refused client "${clientId}" (403): give it revocations: true at the token service`);
  }
  return error instanceof Error ? error : new Error(String(error));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
