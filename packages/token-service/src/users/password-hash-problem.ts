import { secretHashProblem } from '../clients/secret-hash.js';

const ARGON2_PHC = /^\$argon2(id|i|d)\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]{11,}\$[A-Za-z0-9+/]{16,}$/;

/**
 * What is wrong with a stored `passwordHash`, or `undefined` when `verifyPassword` can use it:
 * an argon2 PHC string (m ≥ 8 MiB, t ≥ 1), or the scrypt format of `tessera hash-secret`. Checked at
 * load and by the admin API: a malformed hash would leave a user who can never log in.
 *
 * @example
 * ```ts
 * passwordHashProblem('$argon2id$v=19$m=19456,t=2,p=1$…'); // undefined when whole
 * ```
 */
export function passwordHashProblem(value: string): string | undefined {
  if (value.startsWith('scrypt$')) return secretHashProblem(value);
  const m = ARGON2_PHC.exec(value);
  if (m === null) return 'expected an argon2 PHC string ($argon2id$v=19$m=…,t=…,p=…$salt$hash) or a scrypt hash';
  if (Number(m[2]) < 8192 || Number(m[3]) < 1 || Number(m[4]) < 1) return 'argon2 parameters below m=8192, t=1, p=1';
  return undefined;
}
