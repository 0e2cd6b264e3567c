import type { Clock } from '@tessera/core';
import { run, type RedisContext } from './redis-context.js';
import { checkId, checkStateKind, checkStateLink, checkStateRecord, matchesLink } from '../internal/validate.js';
import type { StateKind, StateLink, StateRecord, StateStore } from '../types.js';

/** Options of {@link createRedisStateStore}. */
export interface RedisStateStoreOptions {
  readonly redis: RedisContext;
  readonly clock?: Clock;
}

/**
 * The `redis` state store. Each record is a string `<prefix>state:<kind>:<key>` that Redis drops
 * at `expiresAt` (PX); its first use is a second key beside it, set with `SET … NX`, so Redis
 * decides atomically which caller is first without rewriting the record. The links are sets
 * (`<prefix>state-by:<kind>:<link>:<value>`) that live as long as their longest member.
 *
 * @example
 * ```ts
 * const state = createRedisStateStore({ redis: redisContext(client, 'tessera:') });
 * await state.deleteLinked('session', { userId });
 * ```
 */
export function createRedisStateStore(options: RedisStateStoreOptions): StateStore {
  const { client, prefix } = options.redis;
  const clock = options.clock ?? Date.now;
  const recordKey = (kind: StateKind, key: string) => `${prefix}state:${kind}:${key}`;
  const usedKey = (kind: StateKind, key: string) => `${prefix}state:${kind}:${key}:used`;
  const linkKeys = (kind: StateKind, link: StateLink) =>
    [
      link.userId === undefined ? undefined : `${prefix}state-by:${kind}:user:${link.userId}`,
      link.sid === undefined ? undefined : `${prefix}state-by:${kind}:sid:${link.sid}`,
      link.familyId === undefined ? undefined : `${prefix}state-by:${kind}:family:${link.familyId}`,
    ].filter((k): k is string => k !== undefined);
  /** The record stored under `kind`/`key` with its use, if it is live. */
  const read = async (kind: StateKind, key: string): Promise<StateRecord | undefined> => {
    const [text, used] = await run('reading login state', () => client.mget(recordKey(kind, key), usedKey(kind, key)));
    if (text === null || text === undefined) return undefined;
    const record = checkStateRecord(JSON.parse(text));
    if (record.expiresAt <= clock()) return undefined;
    return used === null || used === undefined ? record : { ...record, usedAt: Number(used) };
  };

  return {
    async put(record) {
      const r = checkStateRecord(record);
      const ttl = r.expiresAt - clock();
      if (ttl <= 0) return;
      const { usedAt, ...rest } = r;
      const tx = client.multi().set(recordKey(r.kind, r.key), JSON.stringify(rest), 'PX', ttl);
      if (usedAt === undefined) tx.del(usedKey(r.kind, r.key));
      else tx.set(usedKey(r.kind, r.key), String(usedAt), 'PX', ttl);
      // A link set lives as long as its longest-lived member: NX gives a new set its first expiry, GT lengthens it.
      for (const set of linkKeys(r.kind, r)) tx.sadd(set, r.key).pexpire(set, ttl, 'NX').pexpire(set, ttl, 'GT');
      await run('writing login state', () => tx.exec());
    },
    async get(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      return read(kind, key);
    },
    async use(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      const current = await read(kind, key);
      if (current === undefined) return undefined;
      if (current.usedAt !== undefined) return { record: current, first: false };
      const now = clock();
      const won = await run('using login state', () =>
        client.set(usedKey(kind, key), String(now), 'PX', Math.max(1, current.expiresAt - now), 'NX'),
      );
      if (won === 'OK') return { record: { ...current, usedAt: now }, first: true };
      const again = await read(kind, key);
      return again === undefined ? undefined : { record: again, first: false };
    },
    async delete(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      const live = await read(kind, key);
      await run('deleting login state', () => client.del(recordKey(kind, key), usedKey(kind, key)));
      return live !== undefined;
    },
    async find(kind, link) {
      checkStateKind(kind);
      const sets = linkKeys(kind, checkStateLink(link));
      const keys = await run('finding login state', () => client.sinter(...sets));
      const found = await Promise.all(keys.map((key) => read(kind, key)));
      return found
        .filter((r): r is StateRecord => r !== undefined && matchesLink(r, link))
        .sort((a, b) => (a.key < b.key ? -1 : 1));
    },
    async deleteLinked(kind, link) {
      const found = await this.find(kind, link);
      if (found.length === 0) return 0;
      await run('deleting login state', () =>
        client.del(...found.flatMap((r) => [recordKey(kind, r.key), usedKey(kind, r.key)])),
      );
      return found.length;
    },
    // Redis expires the records itself; a link set's stale members are skipped by `find`.
    purgeExpired() {
      return Promise.resolve(0);
    },
  };
}
