import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { asPromise } from '../../internal/as-promise.js';
import type { Closable } from '../internal/closable.js';
import { ensureDir, openJsonDocument } from '../internal/json-document.js';
import { checkClient, checkId, checkTime, mergeClient } from '../internal/validate.js';
import type { ClientStore, StoredClient } from '../types.js';

/** Options of {@link createFileClientStore}. */
export interface FileClientStoreOptions {
  readonly dataDir: string;
  readonly clock?: Clock;
}

/**
 * The `file` client store: `<dataDir>/clients.json`, written atomically under an in-process lock.
 *
 * @example
 * ```ts
 * const clients = await createFileClientStore({ dataDir: './.tessera' });
 * await clients.create({ clientId: 'billing', allowedAudiences: ['ledger'], allowedScopes: [], enabled: true, createdAt: 0, updatedAt: 0 });
 * ```
 */
export async function createFileClientStore(options: FileClientStoreOptions): Promise<ClientStore & Closable> {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '')
    throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', 'file client store: dataDir is required');
  const clock = options.clock ?? Date.now;
  await ensureDir(options.dataDir);
  const doc = await openJsonDocument<Map<string, StoredClient>>({
    path: join(options.dataDir, 'clients.json'),
    initial: () => new Map(),
    decode(json) {
      const j = json as { version?: unknown; clients?: unknown };
      if (j?.version !== 1 || !Array.isArray(j.clients)) throw new Error('expected { "version": 1, "clients": [...] }');
      const map = new Map<string, StoredClient>();
      for (const raw of j.clients) {
        const client = checkClient(raw);
        if (map.has(client.clientId)) throw new Error(`clientId "${client.clientId}" appears twice`);
        map.set(client.clientId, client);
      }
      return map;
    },
    encode: (map) => ({ version: 1, clients: [...map.values()].sort((a, b) => (a.clientId < b.clientId ? -1 : 1)) }),
  });
  const copy = (c: StoredClient): StoredClient => structuredClone(c);

  return {
    list: () =>
      asPromise(() => [...doc.current().values()].sort((a, b) => (a.clientId < b.clientId ? -1 : 1)).map(copy)),
    get: (clientId) =>
      asPromise(() => {
        checkId('clientId', clientId);
        const c = doc.current().get(clientId);
        return c === undefined ? undefined : copy(c);
      }),
    async create(client) {
      const checked = checkClient(client);
      return doc.mutate((map) => {
        if (map.has(checked.clientId))
          throw tokenServiceErrors.create(
            'ERR_STORE_CONFLICT',
            `a client with id "${checked.clientId}" already exists`,
          );
        map.set(checked.clientId, checked);
        return { result: copy(checked), changed: true };
      });
    },
    async put(client) {
      const checked = checkClient(client);
      return doc.mutate((map) => {
        map.set(checked.clientId, checked);
        return { result: copy(checked), changed: true };
      });
    },
    async update(clientId, patch, opts) {
      checkId('clientId', clientId);
      if (opts?.expectedUpdatedAt !== undefined) checkTime('expectedUpdatedAt', opts.expectedUpdatedAt);
      return doc.mutate((map) => {
        const current = map.get(clientId);
        if (current === undefined)
          throw tokenServiceErrors.create('ERR_STORE_NOT_FOUND', `no client with id "${clientId}"`);
        if (opts?.expectedUpdatedAt !== undefined && current.updatedAt !== opts.expectedUpdatedAt) {
          throw tokenServiceErrors.create(
            'ERR_STORE_CONFLICT',
            `client "${clientId}" was changed since ${opts.expectedUpdatedAt}`,
            { details: { actual: current.updatedAt } },
          );
        }
        const next = mergeClient(current, patch, clock());
        map.set(clientId, next);
        return { result: copy(next), changed: true };
      });
    },
    async delete(clientId) {
      checkId('clientId', clientId);
      return doc.mutate((map) => {
        const had = map.delete(clientId);
        return { result: had, changed: had };
      });
    },
    close: () => doc.close(),
  };
}
