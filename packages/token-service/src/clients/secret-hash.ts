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
  const parsed = parseSecretHash(encoded);
  if (typeof parsed === 'string') {
    await derive(kdf, secret, dummySalt, N, r, p, keyLength);
    return false;
  }
  const actual = await derive(kdf, secret, parsed.salt, parsed.n, parsed.r, parsed.p, parsed.expected.length);
  return timingSafeEqual(actual, parsed.expected);
}

interface ParsedHash {
  readonly n: number;
  readonly r: number;
  readonly p: number;
  readonly salt: Buffer;
  readonly expected: Buffer;
}

/** The parameters of a hash, or what is wrong with it: the one set of ranges {@link verifySecret} accepts. */
function parseSecretHash(encoded: string): ParsedHash | string {
  const parts = encoded.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return 'expected scrypt$N$r$p$salt$hash';
  const n = Number(parts[1]);
  const rr = Number(parts[2]);
  const pp = Number(parts[3]);
  if (!Number.isInteger(n) || n < 1024 || n > 1_048_576 || (n & (n - 1)) !== 0)
    return 'N must be a power of two from 1024 to 1048576';
  if (!Number.isInteger(rr) || rr < 1 || rr > 32) return 'r must be from 1 to 32';
  if (!Number.isInteger(pp) || pp < 1 || pp > 16) return 'p must be from 1 to 16';
  const salt = Buffer.from(parts[4]!, 'base64url');
  const expected = Buffer.from(parts[5]!, 'base64url');
  if (salt.length < 8) return 'the salt must be at least 8 bytes';
  if (expected.length < 16 || expected.length > 64) return 'the hash must be 16 to 64 bytes';
  return { n, r: rr, p: pp, salt, expected };
}

// Stricter than the decoder, which skips characters it does not know: a hash cut short by a copy
// (`…`) or with a stray character would otherwise decode to a wrong but well-sized value.
const base64url = /^[A-Za-z0-9_-]+$/;
const decimal = /^[1-9][0-9]*$/;

/**
 * What is wrong with a `secretHash` or `passwordHash`, or `undefined` when {@link verifySecret} can
 * use it: the format `scrypt$N$r$p$salt$hash` (decimal parameters, unpadded base64url) with
 * verifySecret's ranges. A malformed hash never matches any secret, so the configuration and the
 * admin API refuse it where it enters instead of leaving a client that can never authenticate.
 * The answer never contains the hash.
 *
 * @example
 * ```ts
 * secretHashProblem('scrypt$32768$8$1$…'); // 'expected scrypt$N$r$p$salt$hash'
 * secretHashProblem(await hashSecret('a secret')); // undefined
 * ```
 */
export function secretHashProblem(encoded: string): string | undefined {
  const parsed = parseSecretHash(encoded);
  if (typeof parsed === 'string') return parsed;
  const parts = encoded.split('$');
  if (!parts.slice(1, 4).every((part) => decimal.test(part))) return 'N, r and p must be decimal numbers';
  if (!base64url.test(parts[4]!) || !base64url.test(parts[5]!)) return 'the salt and hash must be unpadded base64url';
  return undefined;
}

const dummySalt = randomBytes(16);
