import { tokenServiceErrors } from '../errors.js';
import type { GrantModule } from './grant-module.js';

/** The one table of registered grants (ARCHITECTURE.md, "Token path"). */
export type GrantTable = ReadonlyMap<string, GrantModule>;

/**
 * Registers grant modules in one table keyed by `grant_type`; a type registered twice is a
 * configuration error.
 *
 * @example
 * ```ts
 * const grants = createGrantTable([createClientCredentialsGrant({ defaultLifetimeSeconds: 300 })]);
 * grants.get('client_credentials');
 * ```
 */
export function createGrantTable(modules: readonly GrantModule[]): GrantTable {
  const table = new Map<string, GrantModule>();
  for (const module of modules) {
    if (table.has(module.grantType))
      throw tokenServiceErrors.create('ERR_TOKEN_SERVICE_CONFIG_INVALID', `grant ${module.grantType} registered twice`);
    table.set(module.grantType, module);
  }
  return table;
}
