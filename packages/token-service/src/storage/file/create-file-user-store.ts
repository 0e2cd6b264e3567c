import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { asPromise } from '../../internal/as-promise.js';
import type { Closable } from '../internal/closable.js';
import { ensureDir, openJsonDocument } from '../internal/json-document.js';
import { checkId, checkTime, checkUser, mergeUser } from '../internal/validate.js';
import type { StoredUser, UserStore } from '../types.js';

/** Options of {@link createFileUserStore}. */
export interface FileUserStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
}

const byId = (a: StoredUser, b: StoredUser) => (a.userId < b.userId ? -1 : 1);

function usernameTaken(username: string): never {
  throw tokenServiceErrors.create('ERR_STORE_CONFLICT', `the username "${username}" is taken`);
}

/**
 * The `file` user store: `<dataDir>/users.json` (mode 0600, like every file of the data directory),
 * written atomically under an in-process lock.
 *
 * @example
 * ```ts
 * const users = await createFileUserStore({ dataDir: './.tessera' });
 * await users.create({ userId: 'u-1', username: 'alice', profile: {}, groups: [], roles: [], disabled: false, createdAt: 0, updatedAt: 0 });
 * ```
 */
export async function createFileUserStore(options: FileUserStoreOptions): Promise<UserStore & Closable> {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '')
    throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', 'file user store: dataDir is required');
  const clock = options.clock ?? Date.now;
  await ensureDir(options.dataDir);
  const doc = await openJsonDocument<Map<string, StoredUser>>({
    path: join(options.dataDir, 'users.json'),
    initial: () => new Map(),
    decode(json) {
      const j = json as { version?: unknown; users?: unknown };
      if (j?.version !== 1 || !Array.isArray(j.users)) throw new Error('expected { "version": 1, "users": [...] }');
      const map = new Map<string, StoredUser>();
      const names = new Set<string>();
      for (const raw of j.users) {
        const user = checkUser(raw);
        if (map.has(user.userId)) throw new Error(`userId "${user.userId}" appears twice`);
        if (names.has(user.username)) throw new Error(`username "${user.username}" appears twice`);
        map.set(user.userId, user);
        names.add(user.username);
      }
      return map;
    },
    encode: (map) => ({ version: 1, users: [...map.values()].sort(byId) }),
  });
  const copy = (u: StoredUser): StoredUser => structuredClone(u);
  /** The user holding `username`, other than `except`. */
  const holder = (map: Map<string, StoredUser>, username: string, except?: string) =>
    [...map.values()].find((u) => u.username === username && u.userId !== except);

  return {
    list: () => asPromise(() => [...doc.current().values()].sort(byId).map(copy)),
    get: (userId) =>
      asPromise(() => {
        checkId('userId', userId);
        const u = doc.current().get(userId);
        return u === undefined ? undefined : copy(u);
      }),
    findByUsername: (username) =>
      asPromise(() => {
        if (typeof username !== 'string') return undefined;
        const u = holder(doc.current(), username);
        return u === undefined ? undefined : copy(u);
      }),
    async create(user) {
      const checked = checkUser(user);
      return doc.mutate((map) => {
        if (map.has(checked.userId))
          throw tokenServiceErrors.create('ERR_STORE_CONFLICT', `a user with id "${checked.userId}" already exists`);
        if (holder(map, checked.username)) usernameTaken(checked.username);
        map.set(checked.userId, checked);
        return { result: copy(checked), changed: true };
      });
    },
    async put(user) {
      const checked = checkUser(user);
      return doc.mutate((map) => {
        if (holder(map, checked.username, checked.userId)) usernameTaken(checked.username);
        map.set(checked.userId, checked);
        return { result: copy(checked), changed: true };
      });
    },
    async update(userId, patch, opts) {
      checkId('userId', userId);
      if (opts?.expectedUpdatedAt !== undefined) checkTime('expectedUpdatedAt', opts.expectedUpdatedAt);
      return doc.mutate((map) => {
        const current = map.get(userId);
        if (current === undefined)
          throw tokenServiceErrors.create('ERR_STORE_NOT_FOUND', `no user with id "${userId}"`);
        if (opts?.expectedUpdatedAt !== undefined && current.updatedAt !== opts.expectedUpdatedAt)
          throw tokenServiceErrors.create(
            'ERR_STORE_CONFLICT',
            `user "${userId}" was changed since ${opts.expectedUpdatedAt}`,
            {
              details: { actual: current.updatedAt },
            },
          );
        const next = mergeUser(current, patch, clock());
        if (holder(map, next.username, userId)) usernameTaken(next.username);
        map.set(userId, next);
        return { result: copy(next), changed: true };
      });
    },
    async delete(userId) {
      checkId('userId', userId);
      return doc.mutate((map) => {
        const had = map.delete(userId);
        return { result: had, changed: had };
      });
    },
    close: () => doc.close(),
  };
}
