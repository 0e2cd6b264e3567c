import { request } from 'undici';
import type { Logger } from 'pino';
import type { Clock } from '@tessera/core';
import type { GatewayConfig } from '../config/load-gateway-config.js';

/** The `jti`s the token service has revoked, kept in memory and refreshed by polling. */
export interface RevocationList {
  has(jti: string): boolean;
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
}

interface Page {
  revocations?: { jti?: unknown; exp?: unknown }[];
  cursor?: unknown;
}

/**
 * Mirrors the token service's revocation feed: `GET <tokenService.url><revocationsPath>?since=…`
 * answers `{ revocations: [{ jti, exp }], cursor }` (`exp` in seconds), oldest first, so a poller that passes the last
 * cursor never misses one. Entries are dropped once their `exp` (ms) has passed: an expired token
 * is refused anyway. A failed poll keeps what is known and is retried at the next tick.
 *
 * @example
 * ```ts
 * const revoked = createRevocationList({ config, logger });
 * revoked.start();
 * if (revoked.has(payload.jti)) deny();
 * ```
 */
export function createRevocationList(options: RevocationListOptions): RevocationList {
  const ts = options.config.tokenService!;
  const clock = options.clock ?? Date.now;
  const entries = new Map<string, number>();
  let cursor = '';
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let failures = 0;
  let lastSuccess = clock();

  const pollOnce = async () => {
    // Follow the cursor until a page comes back empty (a burst of revocations spans pages).
    for (let pages = 0; pages < 100; pages++) {
      const url = new URL(ts.revocationsPath!, ts.url);
      if (cursor) url.searchParams.set('since', cursor);
      const res = await request(url, { method: 'GET', headers: { accept: 'application/json' }, headersTimeout: ts.timeoutMs, bodyTimeout: ts.timeoutMs });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`revocation feed answered ${res.statusCode}`);
      const page = JSON.parse(text) as Page;
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
        if (failures++ === 0) options.logger.warn({ err: (err as Error).message }, 'revocation feed poll failed; keeping the known list');
      })
      .finally(() => {
        running = undefined;
      });
    return running;
  };

  return {
    has: (jti) => entries.has(jti),
    stale: () => ts.revocationsMaxStaleMs > 0 && clock() - lastSuccess > ts.revocationsMaxStaleMs,
    get size() {
      return entries.size;
    },
    start() {
      if (timer || closed) return;
      void refresh();
      timer = setInterval(() => void refresh(), ts.revocationsPollMs);
      timer.unref();
    },
    refresh,
    close() {
      closed = true;
      if (timer) clearInterval(timer);
    },
  };
}
