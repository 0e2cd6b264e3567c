import { join } from 'node:path';
import type { Clock } from '@tessera/core';
import { tokenServiceErrors } from '../../errors.js';
import { asPromise } from '../../internal/as-promise.js';
import type { Closable } from '../internal/closable.js';
import { ensureDir, openJsonDocument } from '../internal/json-document.js';
import type { KeyCipher } from '../key-cipher.js';
import { applyKeyPatch, checkId, checkKey, checkKeyPatch } from '../internal/validate.js';
import type { KeyState, KeyStatePatch, KeyStore, StoredKey } from '../types.js';

/** Options of {@link createFileKeyStore}. */
export interface FileKeyStoreOptions {
  readonly dataDir: string;
  /** Encrypts private keys at rest (see `resolveKek`). */
  readonly cipher: KeyCipher;
  readonly clock?: Clock;
}

function byAge(a: StoredKey, b: StoredKey): number {
  return a.createdAt - b.createdAt || (a.kid < b.kid ? -1 : a.kid > b.kid ? 1 : 0);
}

/**
 * The `file` key store: `<dataDir>/keys.json`, private JWKs sealed with AES-256-GCM under the KEK.
 * Every key is decrypted when the store opens, so a wrong KEK stops start-up with
 * `ERR_STORE_KEK_INVALID` instead of failing at the first signature. One process per data
 * directory: the file is read once and then owned by this store.
 *
 * @example
 * ```ts
 * const keys = await createFileKeyStore({ dataDir: './.tessera', cipher: createKeyCipher(kek) });
 * await keys.create({ kid, purpose: 'ring', alg: 'ES256', state: 'next', createdAt: Date.now(), publicJwk, privateJwk });
 * ```
 */
export async function createFileKeyStore(options: FileKeyStoreOptions): Promise<KeyStore & Closable> {
  if (typeof options?.dataDir !== 'string' || options.dataDir === '')
    throw tokenServiceErrors.create('ERR_STORE_CONFIG_INVALID', 'file key store: dataDir is required');
  await ensureDir(options.dataDir);
  const path = join(options.dataDir, 'keys.json');
  const { cipher } = options;
  const doc = await openJsonDocument<Map<string, StoredKey>>({
    path,
    initial: () => new Map(),
    decode(json) {
      const j = json as { version?: unknown; keys?: unknown };
      if (j?.version !== 1 || !Array.isArray(j.keys)) throw new Error('expected { "version": 1, "keys": [...] }');
      const map = new Map<string, StoredKey>();
      for (const raw of j.keys as Array<Record<string, unknown>>) {
        const { privateKeyEncrypted, ...rest } = raw ?? {};
        const kid = checkId('kid', rest.kid);
        const privateJwk =
          privateKeyEncrypted === undefined ? undefined : cipher.decrypt(kid, privateKeyEncrypted as string, path);
        const key = checkKey(privateJwk === undefined ? rest : { ...rest, privateJwk });
        if (map.has(key.kid)) throw new Error(`kid "${key.kid}" appears twice`);
        map.set(key.kid, key);
      }
      return map;
    },
    encode(map) {
      const keys = [...map.values()]
        .sort(byAge)
        .map(({ privateJwk, ...rest }) =>
          privateJwk === undefined ? rest : { ...rest, privateKeyEncrypted: cipher.encrypt(rest.kid, privateJwk) },
        );
      return { version: 1, keys };
    },
  });

  const copy = (key: StoredKey): StoredKey => structuredClone(key);

  return {
    list: (opts) =>
      asPromise(() => {
        const purpose = opts?.purpose;
        return [...doc.current().values()]
          .filter((k) => purpose === undefined || k.purpose === purpose)
          .sort(byAge)
          .map(copy);
      }),
    get: (kid) =>
      asPromise(() => {
        checkId('kid', kid);
        const key = doc.current().get(kid);
        return key === undefined ? undefined : copy(key);
      }),
    async create(key) {
      const checked = checkKey(key);
      return doc.mutate((map) => {
        if (map.has(checked.kid))
          throw tokenServiceErrors.create('ERR_STORE_CONFLICT', `a key with kid "${checked.kid}" already exists`);
        map.set(checked.kid, checked);
        return { result: copy(checked), changed: true };
      });
    },
    async put(key) {
      const checked = checkKey(key);
      return doc.mutate((map) => {
        map.set(checked.kid, checked);
        return { result: copy(checked), changed: true };
      });
    },
    async updateState(kid: string, expected: KeyState, patch: KeyStatePatch) {
      checkId('kid', kid);
      const p = checkKeyPatch(expected, patch);
      return doc.mutate((map) => {
        const current = map.get(kid);
        if (current === undefined) throw tokenServiceErrors.create('ERR_STORE_NOT_FOUND', `no key with kid "${kid}"`);
        if (current.state !== expected) {
          throw tokenServiceErrors.create('ERR_STORE_CONFLICT', `key "${kid}" is ${current.state}, not ${expected}`, {
            details: { actual: current.state },
          });
        }
        const next = applyKeyPatch(current, p);
        map.set(kid, next);
        return { result: copy(next), changed: true };
      });
    },
    async delete(kid) {
      checkId('kid', kid);
      return doc.mutate((map) => {
        const had = map.delete(kid);
        return { result: had, changed: had };
      });
    },
    close: () => doc.close(),
  };
}
