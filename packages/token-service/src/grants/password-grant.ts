import { randomBytes } from 'node:crypto';
import { tokenServiceErrors } from '../errors.js';
import type { CredentialGuard } from '../clients/create-credential-guard.js';
import { verifySecret, type ScryptFunction } from '../clients/secret-hash.js';
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
 * wrong password. Guessing is throttled like client secrets: the credential guard counts failures
 * per (`user:<name>`, source), per source and per user before any hash, and caps the hashing.
 * The token's `sub` is the username, its audience one of the user's.
 *
 * @example
 * ```ts
 * const grant = createPasswordGrant({ users: config.grants.password.users, defaultLifetimeSeconds: 300, guard });
 * ```
 */
export function createPasswordGrant(options: {
  users: readonly PasswordUser[];
  defaultLifetimeSeconds: number;
  guard: CredentialGuard;
  /** The scrypt that checks passwords; default `crypto.scrypt`. */
  scrypt?: ScryptFunction;
}): GrantModule {
  const users = new Map(options.users.map((u) => [u.username, u]));
  const dummy = `scrypt$32768$8$1$${randomBytes(16).toString('base64url')}$${randomBytes(32).toString('base64url')}`;
  return {
    grantType: 'password',
    parameters: { required: ['username', 'password'] },
    async handle({ client: { client }, form, source }) {
      const username = form.get('username')!;
      const user = users.get(username);
      const attempt = await options.guard.admit(`user:${username}`, source);
      let ok: boolean;
      try {
        ok = await attempt.hash(() => verifySecret(form.get('password')!, user?.passwordHash ?? dummy, options.scrypt));
      } catch (e) {
        attempt.abandoned();
        throw e;
      }
      if (!ok || user === undefined) {
        attempt.failed();
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_GRANT', 'invalid username or password');
      }
      attempt.succeeded();
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
