import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { CredentialGuard } from '../clients/create-credential-guard.js';
import type { HashWorkers } from '../clients/create-hash-workers.js';
import type { StoredUser, UserStore } from '../storage/index.js';
import { hashPassword, verifyPassword } from './password-hash.js';

/** What checks a person's password: the user store, the guard and the hash threads. */
export interface UserAuthenticator {
  /**
   * The user whose username and password these are, or `undefined`. Throws 429
   * `ERR_TOKEN_SERVICE_RATE_LIMITED` when the guard refuses the attempt before any hashing.
   */
  authenticate(username: string, password: string, source: string): Promise<StoredUser | undefined>;
  /**
   * Runs `check` (a second factor's code) under the same guard as passwords, counted per
   * (`factor:<userId>`, source): a six-digit code is guessed in far fewer tries than a password.
   * Its answer; throws 429 `ERR_TOKEN_SERVICE_RATE_LIMITED` when the guard refuses the attempt.
   */
  checkSecondFactor<T>(userId: string, source: string, check: () => Promise<T | undefined>): Promise<T | undefined>;
}

/**
 * Creates the one password check that the login page and the password grant share. An unknown or
 * disabled user, or one without a password, is checked against a dummy argon2id hash, so the
 * answer and its timing match a wrong password. Guessing is throttled like client secrets: the
 * credential guard counts failures per (`user:<name>`, source), per source and per user before any
 * hash, and caps the hashing. A hash of an older kind is replaced after a successful check
 * (best effort: the login does not depend on it).
 *
 * @example
 * ```ts
 * const user = await createUserAuthenticator({ users: storage.users, guard, workers }).authenticate('alice', pw, source);
 * ```
 */
export function createUserAuthenticator(options: {
  readonly users: UserStore;
  readonly guard: CredentialGuard;
  readonly workers?: HashWorkers;
  readonly logger?: Logger;
}): UserAuthenticator {
  // Made once, on first use: what a missing user's password is checked against.
  let dummy: Promise<string> | undefined;
  return {
    async authenticate(username, password, source) {
      const found = await options.users.findByUsername(username);
      const user = found?.disabled === false && found.passwordHash !== undefined ? found : undefined;
      const attempt = await options.guard.admit(`user:${username}`, source);
      let check: { ok: boolean; rehash: boolean };
      try {
        dummy ??= hashPassword(randomBytes(16).toString('base64url'), options.workers);
        const against = user?.passwordHash ?? (await dummy);
        check = await attempt.hash(() => verifyPassword(password, against, options.workers));
      } catch (e) {
        attempt.abandoned();
        throw e;
      }
      if (!check.ok || user === undefined) {
        attempt.failed();
        return undefined;
      }
      attempt.succeeded();
      if (check.rehash)
        void hashPassword(password, options.workers)
          .then((passwordHash) => options.users.update(user.userId, { passwordHash }))
          .catch((err: unknown) => options.logger?.warn({ err, userId: user.userId }, 'password re-hash not stored'));
      return user;
    },
    async checkSecondFactor(userId, source, check) {
      const attempt = await options.guard.admit(`factor:${userId}`, source);
      let result;
      try {
        result = await attempt.hash(check);
      } catch (e) {
        attempt.abandoned();
        throw e;
      }
      if (result === undefined) attempt.failed();
      else attempt.succeeded();
      return result;
    },
  };
}
