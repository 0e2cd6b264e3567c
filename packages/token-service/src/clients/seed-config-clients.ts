import type { Clock } from '@tessera/core';
import type { AuditWriter } from '../ops/create-audit-writer.js';
import type { ClientStore } from '../storage/index.js';
import { buildClientRecord, type DeclaredClient } from './build-client-record.js';
import { toClientRecord, toStoredClient } from './client-record.js';
import { hashSecret, verifySecret } from './secret-hash.js';

/**
 * Writes the clients declared in the configuration file to the store. They are re-applied at
 * every start (the file is their source of truth); a plain `secret` is hashed, and the stored
 * hash is kept while it still matches so a restart does not churn records. An unchanged client is
 * not written (nor audited) again.
 *
 * @example
 * ```ts
 * await seedConfigClients({ clients: config.clients, store: storage.clients, clock, maxLifetimeSeconds: 3600, audit });
 * ```
 */
export async function seedConfigClients(options: {
  readonly clients: readonly DeclaredClient[];
  readonly store: ClientStore;
  readonly clock: Clock;
  readonly maxLifetimeSeconds: number;
  readonly audit: AuditWriter;
}): Promise<void> {
  const { store, clock, audit } = options;
  for (const declared of options.clients) {
    const existing = await store.get(declared.id);
    const current = existing === undefined ? undefined : toClientRecord(existing);
    let secretHash = declared.secretHash;
    if (declared.secret !== undefined) {
      secretHash =
        current?.secretHash !== undefined && (await verifySecret(declared.secret, current.secretHash))
          ? current.secretHash
          : await hashSecret(declared.secret);
    }
    const now = clock();
    const record = buildClientRecord(declared, {
      secretHash,
      source: 'config',
      createdAt: current?.createdAt ?? now,
      updatedAt: now,
      maxLifetimeSeconds: options.maxLifetimeSeconds,
    });
    const same =
      current !== undefined &&
      JSON.stringify({ ...toStoredClient(current), updatedAt: 0 }) ===
        JSON.stringify({ ...toStoredClient(record), updatedAt: 0 });
    if (same) continue;
    await store.put(toStoredClient(record));
    await audit({
      actor: 'system',
      action: current === undefined ? 'client.created' : 'client.updated',
      target: declared.id,
      details: { source: 'config' },
    });
  }
}
