import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

// scrypt with N=2^15, r=8, p=1 (RFC 7914 §2; OWASP's minimum is N=2^17 at p=1 for passwords, but
// client secrets here are 32+ random bytes, so the KDF only has to stop offline guessing of
// weak demo passwords, and these parameters keep one check near 50 ms on this machine).
const N = 32_768;
const r = 8;
const p = 1;
const keyLength = 32;
const maxmem = 64 * 1024 * 1024;

/**
 * An scrypt implementation (RFC 7914): Node's `crypto.scrypt` by default, or the token service's
 * low-priority hash workers (`createHashWorkers`).
 *
 * @example
 * ```ts
 * const scrypt: ScryptFunction = (secret, salt, keyLength, params) => workers.scrypt(secret, salt, keyLength, params);
 * ```
 */
export type ScryptFunction = (
  secret: string,
  salt: Buffer,
  keyLength: number,
  params: { readonly N: number; readonly r: number; readonly p: number; readonly maxmem: number },
) => Promise<Buffer>;

/** `crypto.scrypt` on libuv's thread pool. */
const scryptOnThreadPool: ScryptFunction = (secret, salt, keyLength, params) =>
  new Promise((resolve, reject) => {
    scrypt(secret, salt, keyLength, params, (err, key) => (err ? reject(err) : resolve(key)));
  });

function derive(
  kdf: ScryptFunction,
  secret: string,
  salt: Buffer,
  n: number,
  rr: number,
  pp: number,
  length: number,
): Promise<Buffer> {
  return kdf(secret.normalize('NFC'), salt, length, { N: n, r: rr, p: pp, maxmem });
}

/**
 * Hashes a client secret or password with scrypt into a self-describing string
 * `scrypt$N$r$p$<salt b64url>$<hash b64url>`, the format `secretHash` and `passwordHash` take in
 * the configuration.
 *
 * @example
 * ```ts
 * const secretHash = await hashSecret('a long random client secret');
 * ```
 */
export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await derive(scryptOnThreadPool, secret, salt, N, r, p, keyLength);
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${hash.toString('base64url')}`;
}

/**
 * Checks `secret` against a hash from {@link hashSecret} in constant time, with `kdf` (default
 * `crypto.scrypt`). A malformed hash answers `false` after the same work as a real check, so the
 * caller's timing does not tell them apart.
 *
 * @example
 * ```ts
 * if (!(await verifySecret(presented, client.secretHash, workers.scrypt))) throw invalidClient();
 * ```
 */
export async function verifySecret(
  secret: string,
  encoded: string,
  kdf: ScryptFunction = scryptOnThreadPool,
): Promise<boolean> {
  const parts = encoded.split('$');
  const n = Number(parts[1]);
  const rr = Number(parts[2]);
  const pp = Number(parts[3]);
  const salt = Buffer.from(parts[4] ?? '', 'base64url');
  const expected = Buffer.from(parts[5] ?? '', 'base64url');
  const wellFormed =
    parts.length === 6 &&
    parts[0] === 'scrypt' &&
    Number.isInteger(n) &&
    n >= 1024 &&
    n <= 1_048_576 &&
    (n & (n - 1)) === 0 &&
    Number.isInteger(rr) &&
    rr >= 1 &&
    rr <= 32 &&
    Number.isInteger(pp) &&
    pp >= 1 &&
    pp <= 16 &&
    salt.length >= 8 &&
    expected.length >= 16 &&
    expected.length <= 64;
  if (!wellFormed) {
    await derive(kdf, secret, dummySalt, N, r, p, keyLength);
    return false;
  }
  const actual = await derive(kdf, secret, salt, n, rr, pp, expected.length);
  return timingSafeEqual(actual, expected);
}

const dummySalt = randomBytes(16);
