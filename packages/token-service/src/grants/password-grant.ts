import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { HashWorkers } from '../clients/create-hash-workers.js';
import type { CredentialGuard } from '../clients/create-credential-guard.js';
import { tokenServiceErrors } from '../errors.js';
import type { UserStore } from '../storage/index.js';
import { hashPassword, verifyPassword } from '../users/password-hash.js';
import type { GrantModule } from './grant-module.js';
import { allowedBy, narrowScope, parseScope, pickTarget } from './internal/scope.js';

/**
 * The resource owner password grant (RFC 6749 §4.3), for the legacy demo flow only: off by
 * default, and RFC 9700 §2.4 says it must not be used (the authorization code flow replaces it).
 * Users come from the user store; an unknown or disabled user is checked against a dummy argon2id
 * hash, so the answer and timing match a wrong password. Guessing is throttled like client secrets:
 * the credential guard counts failures per (`user:<name>`, source), per source and per user before
 * any hash, and caps the hashing. A hash of an older kind is replaced at a successful login. The
 * token's `sub` is the user id; `groups` and `roles` go with it (RFC 9068 §2.2.3.1).
 *
 * @example
 * ```ts
 * const grant = createPasswordGrant({ users: storage.users, defaultLifetimeSeconds: 300, guard, workers, logger });
 * ```
 */
export function createPasswordGrant(options: {
  users: UserStore;
  defaultLifetimeSeconds: number;
  guard: CredentialGuard;
  /** The low-priority threads that check passwords; default in-process. */
  workers?: HashWorkers;
  logger?: Logger;
}): GrantModule {
  // Made once, on first use: what a missing user's password is checked against.
  let dummy: Promise<string> | undefined;
  return {
    grantType: 'password',
    parameters: { required: ['username', 'password'] },
    async handle({ client: { client }, form, source }) {
      const username = form.get('username')!;
      const password = form.get('password')!;
      const found = await options.users.findByUsername(username);
      const user = found?.disabled === false && found.passwordHash !== undefined ? found : undefined;
      const attempt = await options.guard.admit(`user:${username}`, source);
      let check: { ok: boolean; rehash: boolean };
      try {
        dummy ??= hashPassword(randomBytes(16).toString('base64url'), options.workers);
        check = await attempt.hash(async () =>
          verifyPassword(password, user?.passwordHash ?? (await dummy!), options.workers),
        );
      } catch (e) {
        attempt.abandoned();
        throw e;
      }
      if (!check.ok || user === undefined) {
        attempt.failed();
        throw tokenServiceErrors.create('ERR_TOKEN_INVALID_GRANT', 'invalid username or password');
      }
      attempt.succeeded();
      if (check.rehash)
        // The password is known right now: store it with today's parameters. Best effort: the
        // login itself does not depend on it.
        void hashPassword(password, options.workers)
          .then((passwordHash) => options.users.update(user.userId, { passwordHash }))
          .catch((err: unknown) => options.logger?.warn({ err, userId: user.userId }, 'password re-hash not stored'));
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
