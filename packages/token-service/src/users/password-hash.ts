import { hash as argon2Hash, verify as argon2Verify } from '@node-rs/argon2';
import type { Argon2Options, HashWorkers } from '../clients/create-hash-workers.js';
import { verifySecret } from '../clients/secret-hash.js';

/**
 * argon2id with OWASP's Password Storage Cheat Sheet parameters (19 MiB, 2 iterations, 1 lane):
 * about 10 ms a check here. Hashes made with other parameters still verify, and are re-hashed with
 * these at the next login.
 */
export const PASSWORD_HASH_OPTIONS: Argon2Options = Object.freeze({
  // `Algorithm.Argon2id`: the package's enum is a const enum, which isolated modules cannot read.
  algorithm: 2,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});
const CURRENT_PREFIX = `$argon2id$v=19$m=${PASSWORD_HASH_OPTIONS.memoryCost},t=${PASSWORD_HASH_OPTIONS.timeCost},p=${PASSWORD_HASH_OPTIONS.parallelism}$`;

/** Longer passwords are refused before any hashing: a megabyte "password" must not cost a core. */
export const MAX_PASSWORD_LENGTH = 1024;

/** The outcome of {@link verifyPassword}. */
export interface PasswordCheck {
  readonly ok: boolean;
  /** The hash is of an older kind (scrypt) or older parameters: store a new one while the password is known. */
  readonly rehash: boolean;
}

/**
 * Hashes a password with argon2id ({@link PASSWORD_HASH_OPTIONS}) into a PHC string
 * (`$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`), on the low-priority hash workers when given.
 *
 * @example
 * ```ts
 * const passwordHash = await hashPassword('correct horse battery staple', workers);
 * ```
 */
export function hashPassword(password: string, workers?: HashWorkers): Promise<string> {
  const normalized = password.normalize('NFC');
  return workers === undefined
    ? argon2Hash(normalized, PASSWORD_HASH_OPTIONS)
    : workers.argon2Hash(normalized, PASSWORD_HASH_OPTIONS);
}

/**
 * Checks a password against a stored hash: argon2 (`$argon2…`), or the scrypt format of
 * `tessera hash-secret` (`scrypt$…`, from before argon2id), which always asks for a re-hash. A hash
 * of neither kind, or a password over {@link MAX_PASSWORD_LENGTH}, never matches.
 *
 * @example
 * ```ts
 * const check = await verifyPassword(form.get('password')!, user.passwordHash, workers);
 * if (check.ok && check.rehash) await users.update(user.userId, { passwordHash: await hashPassword(password, workers) });
 * ```
 */
export async function verifyPassword(password: string, stored: string, workers?: HashWorkers): Promise<PasswordCheck> {
  if (password.length > MAX_PASSWORD_LENGTH) return { ok: false, rehash: false };
  const normalized = password.normalize('NFC');
  if (stored.startsWith('$argon2')) {
    let ok: boolean;
    try {
      ok =
        workers === undefined ? await argon2Verify(stored, normalized) : await workers.argon2Verify(stored, normalized);
    } catch {
      ok = false; // a damaged hash matches nothing
    }
    return { ok, rehash: ok && !stored.startsWith(CURRENT_PREFIX) };
  }
  if (stored.startsWith('scrypt$')) {
    const ok = await verifySecret(normalized, stored, workers?.scrypt);
    return { ok, rehash: ok };
  }
  return { ok: false, rehash: false };
}
