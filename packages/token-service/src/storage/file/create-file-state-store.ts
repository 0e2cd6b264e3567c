import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { asPromise } from '../../internal/as-promise.js';
import type { Closable } from '../internal/closable.js';
import { ensureDir, openJsonDocument } from '../internal/json-document.js';
import { checkId, checkStateKind, checkStateLink, checkStateRecord, matchesLink } from '../internal/validate.js';
import type { StateKind, StateRecord, StateStore } from '../types.js';

/** Options of {@link createFileStateStore}. */
export interface FileStateStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
}

const id = (kind: StateKind, key: string) => `${kind}\u0000${key}`;

/**
 * The `file` state store: `<dataDir>/state.json`, written atomically under an in-process lock (one
 * process owns the data directory, so `use` is atomic by that lock). Expired records are invisible
 * at once and dropped by `purgeExpired` and by every write.
 *
 * @example
 * ```ts
 * const state = await createFileStateStore({ dataDir: './.tessera' });
 * await state.put({ kind: 'session', key: sid, data: { authTime }, expiresAt, userId });
 * ```
 */
export async function createFileStateStore(options: FileStateStoreOptions): Promise<StateStore & Closable> {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '')
    throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', 'file state store: dataDir is required');
  const clock = options.clock ?? Date.now;
  await ensureDir(options.dataDir);
  const doc = await openJsonDocument<Map<string, StateRecord>>({
    path: join(options.dataDir, 'state.json'),
    initial: () => new Map(),
    decode(json) {
      const j = json as { version?: unknown; records?: unknown };
      if (j?.version !== 1 || !Array.isArray(j.records)) throw new Error('expected { "version": 1, "records": [...] }');
      return new Map(j.records.map((raw) => checkStateRecord(raw)).map((r) => [id(r.kind, r.key), r]));
    },
    encode: (map) => ({ version: 1, records: [...map.values()] }),
  });
  const live = (r: StateRecord | undefined) => (r !== undefined && r.expiresAt > clock() ? r : undefined);
  /** Drops the expired records from `map`; how many. */
  const sweep = (map: Map<string, StateRecord>) => {
    let n = 0;
    for (const [k, r] of map) if (r.expiresAt <= clock() && map.delete(k)) n += 1;
    return n;
  };
  const byKey = (a: StateRecord, b: StateRecord) => (a.key < b.key ? -1 : 1);

  return {
    async put(record) {
      const checked = checkStateRecord(record);
      await doc.mutate((map) => {
        sweep(map);
        map.set(id(checked.kind, checked.key), checked);
        return { result: undefined, changed: true };
      });
    },
    get: (kind, key) =>
      asPromise(() => {
        checkStateKind(kind);
        checkId('key', key);
        const r = live(doc.current().get(id(kind, key)));
        return r === undefined ? undefined : structuredClone(r);
      }),
    async use(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      return doc.mutate<{ record: StateRecord; first: boolean } | undefined>((map) => {
        const current = live(map.get(id(kind, key)));
        if (current === undefined) return { result: undefined, changed: false };
        if (current.usedAt !== undefined)
          return { result: { record: structuredClone(current), first: false }, changed: false };
        const used = { ...current, usedAt: clock() };
        map.set(id(kind, key), used);
        return { result: { record: structuredClone(used), first: true }, changed: true };
      });
    },
    async delete(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      return doc.mutate((map) => {
        const had = live(map.get(id(kind, key))) !== undefined;
        const removed = map.delete(id(kind, key));
        return { result: had, changed: removed };
      });
    },
    find: (kind, link) =>
      asPromise(() => {
        checkStateKind(kind);
        checkStateLink(link);
        return [...doc.current().values()]
          .filter((r) => r.kind === kind && live(r) !== undefined && matchesLink(r, link))
          .sort(byKey)
          .map((r) => structuredClone(r));
      }),
    async deleteLinked(kind, link) {
      checkStateKind(kind);
      checkStateLink(link);
      return doc.mutate((map) => {
        let n = 0;
        for (const [k, r] of map)
          if (r.kind === kind && matchesLink(r, link) && map.delete(k) && r.expiresAt > clock()) n += 1;
        return { result: n, changed: n > 0 };
      });
    },
    async purgeExpired() {
      return doc.mutate((map) => {
        const n = sweep(map);
        return { result: n, changed: n > 0 };
      });
    },
    close: () => doc.close(),
  };
}
