import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import type { Closable } from '../internal/closable.js';
import { ensureDir, openJsonDocument } from '../internal/json-document.js';
import { checkId, checkTime } from '../internal/validate.js';
import type { ReplayStore } from '../types.js';

/** Options of {@link createFileReplayStore}. */
export interface FileReplayStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
}

function purge(map: Map<string, number>, now: number): number {
  let n = 0;
  for (const [key, exp] of map) {
    if (exp <= now) {
      map.delete(key);
      n += 1;
    }
  }
  return n;
}

/**
 * The `file` replay cache: `<dataDir>/replay.json`, so a client assertion used before a restart
 * stays used after it. `markUsed` runs under the store's write lock, which makes check-and-set one
 * step: of concurrent calls with one key exactly one sees `true`. Concurrent calls share one write.
 *
 * @example
 * ```ts
 * const replay = await createFileReplayStore({ dataDir: './.tessera' });
 * if (!(await replay.markUsed('assertion:client-a:jti-1', exp))) throw new Error('replayed');
 * ```
 */
export async function createFileReplayStore(options: FileReplayStoreOptions): Promise<ReplayStore & Closable> {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '') throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', 'file replay store: dataDir is required');
  const clock = options.clock ?? Date.now;
  await ensureDir(options.dataDir);
  const doc = await openJsonDocument<Map<string, number>>({
    path: join(options.dataDir, 'replay.json'),
    initial: () => new Map(),
    decode(json) {
      const j = json as { version?: unknown; entries?: unknown };
      if (j?.version !== 1 || typeof j.entries !== 'object' || j.entries === null || Array.isArray(j.entries)) throw new Error('expected { "version": 1, "entries": {...} }');
      const map = new Map<string, number>();
      for (const [k, v] of Object.entries(j.entries)) map.set(checkId('replay key', k), checkTime('expiry', v));
      return map;
    },
    encode: (map) => ({ version: 1, entries: Object.fromEntries(map) }),
  });

  return {
    async markUsed(key, expiresAt) {
      checkId('replay key', key);
      checkTime('expiresAt', expiresAt);
      return doc.mutate((map) => {
        const now = clock();
        const purged = purge(map, now) > 0;
        // Fail closed: an id whose lifetime is over cannot be recorded, so it is never a first use.
        if (map.has(key) || expiresAt <= now) return { result: false, changed: purged };
        map.set(key, expiresAt);
        return { result: true, changed: true };
      });
    },
    async purgeExpired() {
      return doc.mutate((map) => {
        const n = purge(map, clock());
        return { result: n, changed: n > 0 };
      });
    },
    close: () => doc.close(),
  };
}
