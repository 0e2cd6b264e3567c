import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { asPromise } from '../../internal/as-promise.js';
import type { Closable } from '../internal/closable.js';
import { ensureDir } from '../internal/json-document.js';
import { openJournaledMap } from '../internal/json-journal.js';
import { checkId, checkStateKind, checkStateLink, checkStateRecord, matchesLink } from '../internal/validate.js';
import type { StateKind, StateLink, StateRecord, StateStore } from '../types.js';

/** Options of {@link createFileStateStore}. */
export interface FileStateStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
}

const id = (kind: StateKind, key: string) => `${kind}\u0000${key}`;

/**
 * The `file` state store: `<dataDir>/state.jsonl`, a journal of JSON lines held in memory
 * (`openJournaledMap`): each change appends a line, fsync'd with the others queued at the same
 * moment, and the journal is compacted when it has grown well past what is live. Logins change
 * state at request rate, so a change costs what it writes, not the whole store. One process owns
 * the data directory, so `use` is atomic in memory. Expired records are invisible at once,
 * forgotten by `purgeExpired` and not read back at the next start. A `state.json` of an earlier
 * version is read once and replaced.
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
  const live = (r: StateRecord | undefined) => (r !== undefined && r.expiresAt > clock() ? r : undefined);
  const journal = await openJournaledMap<StateRecord>({
    path: join(options.dataDir, 'state.jsonl'),
    decode: checkStateRecord,
    keyOf: (r) => id(r.kind, r.key),
    isLive: (r) => live(r) !== undefined,
    legacy: {
      path: join(options.dataDir, 'state.json'),
      decode(json) {
        const j = json as { version?: unknown; records?: unknown };
        if (j?.version !== 1 || !Array.isArray(j.records))
          throw new Error('expected { "version": 1, "records": [...] }');
        return j.records.map((raw) => checkStateRecord(raw));
      },
    },
  });
  const byKey = (a: StateRecord, b: StateRecord) => (a.key < b.key ? -1 : 1);
  const linked = (kind: StateKind, link: StateLink) =>
    [...journal.current()].filter(([, r]) => r.kind === kind && matchesLink(r, link));

  return {
    async put(record) {
      const checked = checkStateRecord(record);
      const k = id(checked.kind, checked.key);
      await journal.change((map) => {
        map.set(k, checked);
        return { result: undefined, set: [k] };
      });
    },
    get: (kind, key) =>
      asPromise(() => {
        checkStateKind(kind);
        checkId('key', key);
        const r = live(journal.current().get(id(kind, key)));
        return r === undefined ? undefined : structuredClone(r);
      }),
    async use(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      const k = id(kind, key);
      return journal.change<{ record: StateRecord; first: boolean } | undefined>((map) => {
        const current = live(map.get(k));
        if (current === undefined) return { result: undefined };
        if (current.usedAt !== undefined) return { result: { record: structuredClone(current), first: false } };
        const used = { ...current, usedAt: clock() };
        map.set(k, used);
        return { result: { record: structuredClone(used), first: true }, set: [k] };
      });
    },
    async delete(kind, key) {
      checkStateKind(kind);
      checkId('key', key);
      const k = id(kind, key);
      return journal.change((map) => {
        const had = live(map.get(k)) !== undefined;
        return map.delete(k) ? { result: had, removed: [k] } : { result: false };
      });
    },
    find: (kind, link) =>
      asPromise(() => {
        checkStateKind(kind);
        checkStateLink(link);
        return linked(kind, link)
          .map(([, r]) => r)
          .filter((r) => live(r) !== undefined)
          .sort(byKey)
          .map((r) => structuredClone(r));
      }),
    async deleteLinked(kind, link) {
      checkStateKind(kind);
      checkStateLink(link);
      const doomed = linked(kind, link);
      return journal.change((map) => {
        for (const [k] of doomed) map.delete(k);
        return { result: doomed.filter(([, r]) => live(r) !== undefined).length, removed: doomed.map(([k]) => k) };
      });
    },
    purgeExpired: () =>
      asPromise(() => {
        // No journal line: an expired record is not read back at the next start anyway.
        const expired = [...journal.current()].filter(([, r]) => live(r) === undefined).map(([k]) => k);
        journal.forget(expired);
        return expired.length;
      }),
    close: () => journal.close(),
  };
}
