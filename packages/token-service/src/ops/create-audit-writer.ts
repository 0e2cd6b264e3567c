import type { Clock } from '@tessera/core';
import type { Logger } from 'pino';
import type { AuditInput, AuditStore } from '../storage/index.js';
import type { ServiceMetrics } from './create-service-metrics.js';

/** Appends an audit record stamped with the service clock; never rejects. */
export type AuditWriter = (entry: Omit<AuditInput, 'at'>) => Promise<void>;

/**
 * Creates the audit writer every part of the service uses. A failed write is logged and counted
 * (`tessera_audit_failures_total`) but never thrown: losing an audit record must not fail the
 * token request or admin change it describes, and the metric makes the loss visible.
 *
 * @example
 * ```ts
 * const audit = createAuditWriter({ store: storage.audit, clock, metrics, logger });
 * await audit({ actor: 'admin', action: 'client.deleted', target: 'billing' });
 * ```
 */
export function createAuditWriter(options: {
  readonly store: AuditStore;
  readonly clock: Clock;
  readonly metrics: ServiceMetrics;
  readonly logger: Logger;
}): AuditWriter {
  const { store, clock, metrics, logger } = options;
  return async (entry) => {
    try {
      await store.append({ ...entry, at: clock() });
    } catch (err) {
      metrics.auditFailures.inc();
      logger.error({ err, action: entry.action }, 'audit record not written');
    }
  };
}
