import { tokenServiceErrors } from '../errors.js';
import type { UserAuthenticator } from '../users/authenticate-user.js';
import type { GrantModule } from './grant-module.js';
import { allowedBy, narrowScope, parseScope, pickTarget } from './internal/scope.js';

/**
 * The resource owner password grant (RFC 6749 §4.3), for the legacy demo flow only: off by
 * default, and RFC 9700 §2.4 says it must not be used (the authorization code flow replaces it).
 * The password is checked by the same {@link UserAuthenticator} as the login page (throttled,
 * timing-equal for unknown users). The token's `sub` is the user id; `groups` and `roles` go with
 * it (RFC 9068 §2.2.3.1).
 *
 * @example
 * ```ts
 * const grant = createPasswordGrant({ people: createUserAuthenticator({ users, guard, workers }), defaultLifetimeSeconds: 300 });
 * ```
 */
export function createPasswordGrant(options: {
  people: UserAuthenticator;
  defaultLifetimeSeconds: number;
}): GrantModule {
  return {
    grantType: 'password',
    parameters: { required: ['username', 'password'] },
    async handle({ client: { client }, form, source }) {
      const user = await options.people.authenticate(form.get('username')!, form.get('password')!, source);
      if (user === undefined)
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_GRANT', 'invalid username or password');
      const userScopes = Array.isArray(user['scopes']) ? (user['scopes'] as string[]) : [];
      const userAudiences = Array.isArray(user['audiences']) ? (user['audiences'] as string[]) : [];
      const scope = narrowScope(parseScope(form.get('scope')), userScopes);
      const allowedAudiences = userAudiences.length > 0 ? userAudiences : client.audiences;
      const target = pickTarget(form) ?? allowedAudiences[0];
      if (target === undefined || !allowedBy(allowedAudiences, target))
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_TARGET', 'audience not allowed for this user');
      return {
        subject: user.userId,
        audience: target,
        scope,
        clientId: client.id,
        groups: user.groups,
        roles: user.roles,
        lifetimeSeconds: client.tokenLifetimeSeconds ?? options.defaultLifetimeSeconds,
      };
    },
  };
}
