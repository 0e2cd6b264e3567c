import { timingSafeEqual } from 'node:crypto';

/**
 * True when the CSRF token a form presents is the one stored with its interaction, compared in
 * constant time (the login and logout forms).
 *
 * @example
 * ```ts
 * if (!csrfMatches(form.get('csrf'), stored.csrf)) return expired();
 * ```
 */
export function csrfMatches(presented: string | undefined, stored: string): boolean {
  const x = Buffer.from(presented ?? '');
  const y = Buffer.from(stored);
  return x.length === y.length && timingSafeEqual(x, y);
}
