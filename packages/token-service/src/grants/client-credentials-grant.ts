import { tokenServiceErrors } from '../errors.js';
import { asPromise } from '../internal/as-promise.js';
import type { GrantModule } from './grant-module.js';
import { allowedBy, narrowScope, parseScope, pickTarget } from './internal/scope.js';

/**
 * The `client_credentials` grant (RFC 6749 §4.4): the client gets a token for itself (`sub` =
 * `client_id`), for one audience from its allowed list (the first when none is asked for) and for
 * the scopes it asks for within its allowed set.
 *
 * @example
 * ```ts
 * const grants = createGrantTable([createClientCredentialsGrant({ defaultLifetimeSeconds: 300 })]);
 * ```
 */
export function createClientCredentialsGrant(options: { defaultLifetimeSeconds: number }): GrantModule {
  return {
    grantType: 'client_credentials',
    parameters: { required: [] },
    handle: ({ client: { client }, form }) =>
      asPromise(() => {
        const scope = narrowScope(parseScope(form.get('scope')), client.scopes);
        const target = pickTarget(form) ?? client.audiences[0];
        if (target === undefined)
          throw tokenServiceErrors.create(
            'ERR_TOKEN_INVALID_TARGET',
            'no audience requested and the client has no default audience',
          );
        if (!allowedBy(client.audiences, target))
          throw tokenServiceErrors.create('ERR_TOKEN_INVALID_TARGET', 'audience not allowed for this client');
        return {
          subject: client.id,
          audience: target,
          scope,
          clientId: client.id,
          lifetimeSeconds: client.tokenLifetimeSeconds ?? options.defaultLifetimeSeconds,
        };
      }),
  };
}
