import type { Clock } from '@tessera/core';
import type { ClientStore } from '../storage/index.js';
import { toClientRecord, type ClientRecord } from './client-record.js';

/** Client look-ups through a short-lived cache. */
export interface ClientCache {
  /** The client, from the cache while fresh, else from the store (an unknown id is cached too). */
  readonly get: (id: string) => Promise<ClientRecord | undefined>;
  /** Drops the cached entry of one client. */
  readonly forget: (id: string) => void;
}

/**
 * Creates the client cache of the token endpoint. Client look-ups are on every token request: a
 * short cache keeps the store off the hot path; admin changes and `client.changed` events evict at
 * once (`forget`), and the TTL bounds staleness for changes made by another replica whose event was lost.
 *
 * @example
 * ```ts
 * const clients = createClientCache({ store: storage.clients, clock: Date.now });
 * const client = await clients.get('billing');
 * ```
 */
export function createClientCache(options: {
  readonly store: ClientStore;
  readonly clock: Clock;
  /** How long an entry is trusted, ms; default 5 s. */
  readonly ttlMs?: number;
  /** Entries kept before the cache starts over; default 10 000 (bounds memory under id probing). */
  readonly maxEntries?: number;
}): ClientCache {
  const { store, clock } = options;
  const ttl = options.ttlMs ?? 5_000;
  const maxEntries = options.maxEntries ?? 10_000;
  const entries = new Map<string, { record: ClientRecord | undefined; until: number }>();
  return {
    get: async (id) => {
      const now = clock();
      const hit = entries.get(id);
      if (hit !== undefined && hit.until > now) return hit.record;
      const stored = await store.get(id);
      const record = stored === undefined ? undefined : toClientRecord(stored);
      if (entries.size > maxEntries) entries.clear();
      entries.set(id, { record, until: now + ttl });
      return record;
    },
    forget: (id) => void entries.delete(id),
  };
}
