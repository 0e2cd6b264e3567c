import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** How many codes a user gets at once. */
export const RECOVERY_CODE_COUNT = 10;
/** Letters and digits, without those people confuse (0/O, 1/I/L): 31 of them. */
const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';

/**
 * A recovery code's hash at rest: SHA-256 of the code as typed, normalized (upper case, no spaces
 * or dashes). A code carries about 79 bits from a CSPRNG, so no slow hash is needed: nobody can
 * search that space, and a slow hash would make each check ten slow hashes.
 */
function hashCode(code: string): string {
  return createHash('sha256').update(code.toUpperCase().replace(/[\s-]/g, '')).digest('base64url');
}

/**
 * Ten new single-use codes (`XXXX-XXXX-XXXX-XXXX`, 16 characters of a 31-letter alphabet) to show
 * the user once, and their hashes to keep.
 *
 * @example
 * ```ts
 * const { codes, hashes } = newRecoveryCodes();
 * ```
 */
export function newRecoveryCodes(): { codes: string[]; hashes: string[] } {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => {
    let text = '';
    // Rejection sampling: each byte below 248 (8 × 31) maps to a letter without bias.
    while (text.length < 16) for (const b of randomBytes(24)) if (b < 248 && text.length < 16) text += ALPHABET[b % 31];
    return text.match(/.{4}/g)!.join('-');
  });
  return { codes, hashes: codes.map(hashCode) };
}

/**
 * Which of `hashes` the typed code is (its index), or undefined. Used entries are `null`.
 *
 * @example
 * ```ts
 * const i = matchRecoveryCode(typed, user.factors.recovery.hashes);
 * ```
 */
export function matchRecoveryCode(code: string, hashes: readonly (string | null)[]): number | undefined {
  const typed = Buffer.from(hashCode(code));
  let found: number | undefined;
  hashes.forEach((h, i) => {
    if (h !== null && h.length === typed.length && timingSafeEqual(Buffer.from(h), typed)) found ??= i;
  });
  return found;
}
