import { request } from 'undici';
import type { Logger } from 'pino';
import type { Clock } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';
import { gatewayErrors } from '../errors.js';
import type { WithdrawnKeys } from './exclude-withdrawn-keys.js';

/** The `jti`s the token service has revoked, kept in memory and refreshed by polling. */
export interface RevocationList {
  has(jti: string): boolean;
  /** Signing keys the token service withdrew in an emergency; key sources drop them (`excludeWithdrawnKeys`). */
  readonly withdrawnKeys: WithdrawnKeys;
  /** True when `tokenService.revocationsMaxStaleMs` is set and the feed has not answered for longer. */
  stale(): boolean;
  /** Starts polling (every `tokenService.revocationsPollMs`, ≤ 1 s by default). */
  start(): void;
  /** Polls once now; resolves when the list is up to date. */
  refresh(): Promise<void>;
  close(): void;
  readonly size: number;
}

/** Options of {@link createRevocationList}. */
export interface RevocationListOptions {
  readonly config: GatewayConfig;
  readonly logger: Logger;
  readonly clock?: Clock;
  /** Told of each key the token service withdraws, after `withdrawnKeys` has it. */
  readonly onKeyWithdrawn?: (kid: string) => void;
}

interface Page {
  revocations?: { jti?: unknown; exp?: unknown }[];
  cursor?: unknown;
  withdrawnKeys?: unknown;
}

/**
 * Mirrors the token service's revocation feed: `GET <tokenService.url><revocationsPath>?since=…`
 * answers `{ revocations: [{ jti, exp }], cursor }` (`exp` in seconds), oldest first, so a poller that passes the last
 * cursor never misses one. Entries are dropped once their `exp` (ms) has passed: an expired token
 * is refused anyway. A failed poll keeps what is known and is retried at the next tick.
 *
 * The feed also names the signing keys withdrawn in an emergency (`withdrawnKeys: [{ kid, at }]`
 * in each page, `event: key-withdrawn` on the stream): they join `withdrawnKeys` and stay there
 * for the life of the process (a handful of ids), and its `version` moves so verifiers drop the key
 * and their cached results on their next request.
 *
 * The feed needs client authentication: every poll and stream sends the gateway's
 * `tokenService.clientId` / `clientSecret` in HTTP Basic (RFC 6749 §2.3.1), and the token service
 * answers only a client with `revocations: true`. Without both credentials this throws
 * `ERR_GATEWAY_CONFIG_INVALID` at once (the configuration loader reports it first, with its path).
 *
 * @example
 * ```ts
 * const revoked = createRevocationList({ config, logger });
 * revoked.start();
 * if (revoked.has(payload.jti)) deny();
 * ```
 */
export function createRevocationList(options: RevocationListOptions): RevocationList {
  const ts = options.config.tokenService;
  if (ts?.clientId === undefined || ts.clientSecret === undefined)
    throw gatewayErrors.create(
      'ERR_GATEWAY_CONFIG_INVALID',
      "the revocation feed needs the gateway's client credentials: set tokenService.clientId and tokenService.clientSecret (or TESSERA_GATEWAY_CLIENT_SECRET)",
    );
  // RFC 6749 §2.3.1: the id and the secret are form-urlencoded, then joined by ':' and base64-encoded.
  const authorization = `Basic ${Buffer.from(`${formEncode(ts.clientId)}:${formEncode(ts.clientSecret)}`).toString('base64')}`;
  /** Why the feed refused the gateway, in words that say what to fix. */
  const refused = (what: string, status: number) =>
    new Error(
      status === 401
        ? `${what} refused the gateway's credentials (401): check tokenService.clientId and clientSecret`
        : status === 403
          ? `${what} refused client "${ts.clientId}" (403): give it revocations: true at the token service`
          : `${what} answered ${status}`,
    );
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, number>();
  const withdrawn = new Set<string>();
  let withdrawnVersion = 0;
  const withdrawKey = (value: unknown) => {
    const kid = (value as { kid?: unknown } | null)?.kid;
    if (typeof kid !== 'string' || kid.length === 0 || kid.length > 256 || withdrawn.has(kid)) return;
    withdrawn.add(kid);
    withdrawnVersion += 1;
    options.logger.warn({ kid }, 'signing key withdrawn by the token service: tokens it signed are refused');
    options.onKeyWithdrawn?.(kid);
  };
  let cursor = '';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let failures = 0;
  let lastSuccess = clock();

  const pollOnce = async () => {
    // Follow the cursor until a page comes back empty (a burst of revocations spans pages).
    for (let pages = 0; pages < 100; pages++) {
      const url = new URL(ts.revocationsPath, ts.url);
      if (cursor) url.searchParams.set('since', cursor);
      const res = await request(url, {
        method: 'GET',
        headers: { accept: 'application/json', authorization },
        headersTimeout: ts.timeoutMs,
        bodyTimeout: ts.timeoutMs,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw refused('the revocation feed', res.statusCode);
      const page = JSON.parse(text) as Page;
      if (Array.isArray(page.withdrawnKeys)) for (const key of page.withdrawnKeys as unknown[]) withdrawKey(key);
      const items = Array.isArray(page.revocations) ? page.revocations : [];
      for (const item of items) {
        if (typeof item?.jti !== 'string') continue;
        // `exp` is in seconds (RFC 7519 NumericDate); keep ms here.
        entries.set(item.jti, typeof item.exp === 'number' ? item.exp * 1000 : Number.MAX_SAFE_INTEGER);
      }
      const next = typeof page.cursor === 'string' ? page.cursor : cursor;
      if (items.length === 0 || next === cursor) break;
      cursor = next;
    }
    const now = clock();
    for (const [jti, exp] of entries) if (exp < now) entries.delete(jti);
  };

  const refresh = (): Promise<void> => {
    running ??= pollOnce()
      .then(() => {
        lastSuccess = clock();
        if (failures > 0) options.logger.info('revocation feed reachable again');
        failures = 0;
      })
      .catch((err: unknown) => {
        if (failures++ === 0)
          options.logger.warn({ err: (err as Error).message }, 'revocation feed poll failed; keeping the known list');
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  // Server-sent events (`event: revocation` / `event: cursor` with `id: <cursor>`, data JSON): each
  // revocation arrives as it happens, and heartbeat comments keep `lastSuccess` fresh. The token
  // service ends every stream after its `revocationStream.maxDurationMs`, its last frame being the
  // cursor: the stream is then reopened at once from that cursor, so nothing is missed (the new
  // stream's backlog holds whatever came after it). A stream that failed (or ended within a
  // second, which no healthy server does) is reopened after revocationsPollMs, with a poll first.
  let stream: { destroy(): void } | undefined;
  const openStream = async (): Promise<void> => {
    if (closed) return;
    const url = new URL(`${ts.revocationsPath.replace(/\/+$/, '')}/stream`, ts.url);
    if (cursor) url.searchParams.set('since', cursor);
    const openedAt = performance.now();
    let endedByServer = false;
    try {
      const res = await request(url, {
        method: 'GET',
        headers: { accept: 'text/event-stream', authorization },
        headersTimeout: ts.timeoutMs,
        bodyTimeout: 0,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw refused('the revocation stream', res.statusCode);
      }
      stream = res.body;
      lastSuccess = clock();
      if (failures > 0) options.logger.info('revocation stream open again');
      failures = 0;
      let buffer = '';
      res.body.setEncoding('utf8');
      for await (const chunk of res.body as AsyncIterable<string>) {
        buffer += chunk;
        lastSuccess = clock();
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data = '';
          let id = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data += line.slice(5).trim();
            else if (line.startsWith('id:')) id = line.slice(3).trim();
          }
          // The token service gives `id:` to cursor frames only: it is the cursor to resume from
          // (what an EventSource would send back as Last-Event-ID).
          if (id) cursor = id;
          if (!data) continue;
          try {
            const value = JSON.parse(data) as { jti?: unknown; exp?: unknown; cursor?: unknown };
            if (event === 'key-withdrawn') withdrawKey(value);
            else if (event === 'revocation' && typeof value.jti === 'string')
              entries.set(value.jti, typeof value.exp === 'number' ? value.exp * 1000 : Number.MAX_SAFE_INTEGER);
            else if (event === 'cursor' && typeof value.cursor === 'string') cursor = value.cursor;
          } catch {
            // A malformed frame is skipped; the catch-up poll after a reconnect fills any gap.
          }
        }
      }
      endedByServer = true;
    } catch (err) {
      if (!closed && failures++ === 0)
        options.logger.warn({ err: (err as Error).message }, 'revocation stream failed; reconnecting');
    }
    stream = undefined;
    if (closed) return;
    if (endedByServer && performance.now() - openedAt >= 1000) {
      void openStream();
      return;
    }
    const t = setTimeout(
      () => {
        void refresh().then(openStream);
      },
      endedByServer ? Math.min(ts.revocationsPollMs, 1000) : ts.revocationsPollMs,
    );
    t.unref();
  };

  return {
    has: (jti) => entries.has(jti),
    withdrawnKeys: {
      has: (kid) => withdrawn.has(kid),
      get version() {
        return withdrawnVersion;
      },
    },
    stale: () => ts.revocationsMaxStaleMs > 0 && clock() - lastSuccess > ts.revocationsMaxStaleMs,
    get size() {
      return entries.size;
    },
    start() {
      if (timer || closed || stream) return;
      if (ts.revocationsMode === 'stream') {
        void refresh().then(openStream);
        return;
      }
      void refresh();
      timer = setInterval(() => void refresh(), ts.revocationsPollMs);
      timer.unref();
    },
    refresh,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
      stream?.destroy();
    },
  };
}

/** `application/x-www-form-urlencoded` encoding of one value (RFC 6749 §2.3.1, Appendix B). */
function formEncode(value: string): string {
  return new URLSearchParams([['v', value]]).toString().slice(2);
}
