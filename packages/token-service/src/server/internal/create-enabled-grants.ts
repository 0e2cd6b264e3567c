import type { TokenServiceConfig } from '../../config/load-config.js';
import type { Logger } from 'pino';
import { createAuthorizationCodeGrant } from '../../grants/authorization-code-grant.js';
import { createClientCredentialsGrant } from '../../grants/client-credentials-grant.js';
import type { KeyRing } from '../../keys/create-key-ring.js';
import type { Storage } from '../../storage/index.js';
import { createGrantTable, type GrantTable } from '../../grants/create-grant-table.js';
import type { GrantModule } from '../../grants/grant-module.js';
import { createPasswordGrant } from '../../grants/password-grant.js';
import { createRefreshTokenGrant } from '../../grants/refresh-token-grant.js';
import { createTokenExchangeGrant } from '../../grants/token-exchange-grant.js';
import type { UserAuthenticator } from '../../users/authenticate-user.js';
import type { TokenValidator } from '../../tokens/create-token-validator.js';

/**
 * The grant table of the grants the configuration enables (`grants.<name>.enabled`). A new grant
 * is one module in `grants/` plus one line here.
 *
 * @example
 * ```ts
 * const grants = createEnabledGrants(config, validator, people, { storage, keyRing, issuer, logger });
 * grants.has('client_credentials'); // true by default
 * ```
 */
export function createEnabledGrants(
  config: TokenServiceConfig,
  validator: TokenValidator,
  people: UserAuthenticator,
  provider: {
    readonly storage: Storage;
    readonly keyRing: KeyRing;
    readonly issuer: () => string;
    readonly logger: Logger;
  },
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
  // People's applications: the clients that list it in grantTypes use it (issue "People").
  modules.push(
    createAuthorizationCodeGrant({
      state: provider.storage.state,
      users: provider.storage.users,
      revocations: provider.storage.revocations,
      events: provider.storage.events,
      keyRing: provider.keyRing,
      issuer: provider.issuer,
      defaultLifetimeSeconds: lifetime,
      idTokenLifetimeSeconds: config.login.idTokenLifetimeSeconds,
      refresh: {
        idleSeconds: config.login.refreshTokenIdleSeconds,
        absoluteSeconds: config.login.refreshTokenAbsoluteSeconds,
      },
      logger: provider.logger,
    }),
    createRefreshTokenGrant({
      state: provider.storage.state,
      users: provider.storage.users,
      defaultLifetimeSeconds: lifetime,
      idleSeconds: config.login.refreshTokenIdleSeconds,
      logger: provider.logger,
    }),
  );
  return createGrantTable(modules);
}
