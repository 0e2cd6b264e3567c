import { isDeepStrictEqual } from 'node:util';
import type { Clock } from '@tessera/core';
import type { HashWorkers } from '../clients/create-hash-workers.js';
import type { TokenServiceConfig } from '../config/load-config.js';
import type { AuditWriter } from '../ops/create-audit-writer.js';
import type { StoredUser, UserStore } from '../storage/index.js';
import { hashPassword, verifyPassword } from './password-hash.js';

/** A user as the loaded configuration holds it (top-level `users:`). */
export type DeclaredUser = TokenServiceConfig['users'][number];
type LegacyUser = TokenServiceConfig['grants']['password']['users'][number];

/**
 * A user of the deprecated `grants.password.users`, as a top-level user: its id is its username,
 * which was the `sub` of its tokens.
 *
 * @example
 * ```ts
 * const users = [...config.users, ...config.grants.password.users.map(fromLegacyUser)];
 * ```
 */
export function fromLegacyUser(legacy: LegacyUser): DeclaredUser {
  return {
    id: legacy.username,
    username: legacy.username,
    passwordHash: legacy.passwordHash,
    profile: {},
    groups: [],
    roles: [],
    disabled: false,
    scopes: legacy.scopes,
    audiences: legacy.audiences,
  };
}

/**
 * Writes the users declared in the configuration to the store, re-applied at every start as
 * clients are (the file is their source of truth). A plain `password` is hashed with argon2id, and
 * the stored hash is kept while it still matches, so a restart neither churns records nor undoes an
 * upgrade made at login; a declared `passwordHash` is written as given. Unchanged users are not
 * written (nor audited) again.
 *
 * @example
 * ```ts
 * await seedConfigUsers({ users: config.users, store: storage.users, clock, audit, workers });
 * ```
 */
export async function seedConfigUsers(options: {
  readonly users: readonly DeclaredUser[];
  readonly store: UserStore;
  readonly clock: Clock;
  readonly audit: AuditWriter;
  readonly workers?: HashWorkers;
}): Promise<void> {
  const { store, clock, audit, workers } = options;
  for (const declared of options.users) {
    const userId = declared.id ?? declared.username;
    const current = await store.get(userId);
    let passwordHash = declared.passwordHash;
    if (declared.password !== undefined) {
      const kept =
        current?.passwordHash !== undefined &&
        (await verifyPassword(declared.password, current.passwordHash, workers)).ok;
      passwordHash = kept ? current.passwordHash : await hashPassword(declared.password, workers);
    }
    const now = clock();
    const record: StoredUser = {
      userId,
      username: declared.username,
      ...(declared.email === undefined ? {} : { email: declared.email }),
      ...(declared.emailVerified === undefined ? {} : { emailVerified: declared.emailVerified }),
      ...(passwordHash === undefined ? {} : { passwordHash }),
      profile: { ...declared.profile, ...(declared.name === undefined ? {} : { name: declared.name }) },
      groups: declared.groups,
      roles: declared.roles,
      disabled: declared.disabled,
      scopes: declared.scopes,
      audiences: declared.audiences,
      source: 'config',
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
    };
    const same = current !== undefined && isDeepStrictEqual({ ...current, updatedAt: 0 }, { ...record, updatedAt: 0 });
    if (same) continue;
    await store.put(record);
    await audit({
      actor: 'system',
      action: current === undefined ? 'user.created' : 'user.updated',
      target: userId,
      details: { source: 'config' },
    });
  }
}
