import { randomBytes } from 'node:crypto';
import { tokenServiceErrors } from '../errors.js';
import { verifySecret } from '../clients/secret-hash.js';
import type { GrantModule } from './grant-module.js';
import { allowedBy, narrowScope, parseScope, pickTarget } from './internal/scope.js';

/** A user of the demo password grant. */
export interface PasswordUser {
  readonly username: string;
  readonly passwordHash: string;
  readonly scopes: readonly string[];
  readonly audiences: readonly string[];
}

/**
 * The resource owner password grant (RFC 6749 §4.3), for the legacy demo flow only: off by
 * default, and RFC 9700 §2.4 says it must not be used. Users come from the configuration with
 * scrypt hashes; an unknown user is checked against a dummy hash so the answer and timing match a
 * wrong password. The token's `sub` is the username, its audience one of the user's.
 *
 * @example
 * ```ts
 * const grant = createPasswordGrant({ users: config.grants.password.users, defaultLifetimeSeconds: 300 });
 * ```
 */
export function createPasswordGrant(options: {
  users: readonly PasswordUser[];
  defaultLifetimeSeconds: number;
}): GrantModule {
  const users = new Map(options.users.map((u) => [u.username, u]));
  const dummy = `scrypt$32768$8$1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;
  return {
    grantType: 'password',
    parameters: { required: ['username', 'password'] },
    async handle({ client: { client }, form }) {
      const user = users.get(form.get('username')!);
      const ok = await verifySecret(form.get('password')!, user?.passwordHash ?? dummy);
      if (!ok || user === undefined)
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_GRANT', 'invalid username or password');
      const scope = narrowScope(parseScope(form.get('scope')), user.scopes);
      const allowedAudiences = user.audiences.length > 0 ? user.audiences : client.audiences;
      const target = pickTarget(form) ?? allowedAudiences[0];
      if (target === undefined || !allowedBy(allowedAudiences, target))
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_TARGET', 'audience not allowed for this user');
      return {
        subject: user.username,
        audience: target,
        scope,
        clientId: client.id,
        lifetimeSeconds: client.tokenLifetimeSeconds ?? options.defaultLifetimeSeconds,
      };
    },
  };
}
