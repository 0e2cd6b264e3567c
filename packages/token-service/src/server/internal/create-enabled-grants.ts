import type { TokenServiceConfig } from '../../config/load-config.js';
import { createClientCredentialsGrant } from '../../grants/client-credentials-grant.js';
import { createGrantTable, type GrantTable } from '../../grants/create-grant-table.js';
import type { GrantModule } from '../../grants/grant-module.js';
import { createPasswordGrant } from '../../grants/password-grant.js';
import { createTokenExchangeGrant } from '../../grants/token-exchange-grant.js';
import type { UserAuthenticator } from '../../users/authenticate-user.js';
import type { TokenValidator } from '../../tokens/create-token-validator.js';

/**
 * The grant table of the grants the configuration enables (`grants.<name>.enabled`). A new grant
 * is one module in `grants/` plus one line here.
 *
 * @example
 * ```ts
 * const grants = createEnabledGrants(config, validator, people);
 * grants.has('client_credentials'); // true by default
 * ```
 */
export function createEnabledGrants(
  config: TokenServiceConfig,
  validator: TokenValidator,
  people: UserAuthenticator,
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
  if (config.grants.password.enabled) modules.push(createPasswordGrant({ people, defaultLifetimeSeconds: lifetime }));
  return createGrantTable(modules);
}
