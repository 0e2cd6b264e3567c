import type { CredentialGuard } from '../../clients/create-credential-guard.js';
import type { HashWorkers } from '../../clients/create-hash-workers.js';
import type { TokenServiceConfig } from '../../config/load-config.js';
import { createClientCredentialsGrant } from '../../grants/client-credentials-grant.js';
import { createGrantTable, type GrantTable } from '../../grants/create-grant-table.js';
import type { GrantModule } from '../../grants/grant-module.js';
import { createPasswordGrant } from '../../grants/password-grant.js';
import { createTokenExchangeGrant } from '../../grants/token-exchange-grant.js';
import type { UserStore } from '../../storage/index.js';
import type { TokenValidator } from '../../tokens/create-token-validator.js';
import type { Logger } from 'pino';

/**
 * The grant table of the grants the configuration enables (`grants.<name>.enabled`). A new grant
 * is one module in `grants/` plus one line here.
 *
 * @example
 * ```ts
 * const grants = createEnabledGrants(config, validator, guard, { users: storage.users, workers: hashWorkers, logger });
 * grants.has('client_credentials'); // true by default
 * ```
 */
export function createEnabledGrants(
  config: TokenServiceConfig,
  validator: TokenValidator,
  guard: CredentialGuard,
  people: { readonly users: UserStore; readonly workers?: HashWorkers; readonly logger?: Logger },
): GrantTable {
  const lifetime = config.tokens.defaultLifetimeSeconds;
  const modules: GrantModule[] = [];
  if (config.grants.clientCredentials.enabled)
    modules.push(createClientCredentialsGrant({ defaultLifetimeSeconds: lifetime }));
  if (config.grants.tokenExchange.enabled)
    modules.push(
      createTokenExchangeGrant({
        validator,
        defaultLifetimeSeconds: lifetime,
        subjectPrefixes: new Map(config.grants.tokenExchange.trustedIssuers.map((t) => [t.issuer, t.subjectPrefix])),
      }),
    );
  if (config.grants.password.enabled)
    modules.push(
      createPasswordGrant({
        users: people.users,
        defaultLifetimeSeconds: lifetime,
        guard,
        ...(people.workers === undefined ? {} : { workers: people.workers }),
        ...(people.logger === undefined ? {} : { logger: people.logger }),
      }),
    );
  return createGrantTable(modules);
}
