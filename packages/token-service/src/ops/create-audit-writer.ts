import type { Clock } from '@tessera/core';
import type { Logger } from 'pino';
import { tokenServiceErrors } from '../errors.js';
import type { AuditInput, AuditStore } from '../storage/index.js';
import type { ServiceMetrics } from './create-service-metrics.js';

/**
 * Appends an audit record stamped with the service clock. Called as a function it never rejects;
 * `required` rejects with `ERR_STORE_UNAVAILABLE` (503) when the record could not be stored, for
 * what must not happen without its record (an issued token, `audit.required`).
 */
export type AuditWriter = ((entry: Omit<AuditInput, 'at'>) => Promise<void>) & {
  required(entry: Omit<AuditInput, 'at'>): Promise<void>;
};

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
  const required = async (entry: Omit<AuditInput, 'at'>) => {
    try {
      await store.append({ ...entry, at: clock() });
    } catch (err) {
      metrics.auditFailures.inc();
      logger.error({ err, action: entry.action }, 'audit record not written');
      throw tokenServiceErrors.create(
        'ERR_STORE_UNAVAILABLE',
        `the audit record (${entry.action}) could not be stored`,
        {
          cause: err,
        },
      );
    }
  };
  return Object.assign((entry: Omit<AuditInput, 'at'>) => required(entry).catch(() => undefined), { required });
}
