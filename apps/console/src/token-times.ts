import { duration } from './format';

const NOW = { exp: 'expires now', nbf: 'valid from now', iat: 'issued now' } as const;

/**
 * A token time claim relative to now, as people say it: `expires in 4 min`, `expired 2 h ago`,
 * `valid in 30 s` / `became valid 1 h ago`, `issued 5 min ago` (or `issued 3 min in the future`, a
 * clock skew worth seeing). Undefined for a time that does not parse.
 *
 * @example
 * ```ts
 * relativeTokenTime('exp', '2026-01-01T12:04:00Z', Date.parse('2026-01-01T12:00:00Z')); // 'expires in 4 min'
 * ```
 */
export function relativeTokenTime(claim: 'exp' | 'nbf' | 'iat', iso: string, now: number): string | undefined {
  const at = Date.parse(iso);
  if (!Number.isFinite(at)) return undefined;
  const ahead = at - now;
  // Under a second either way is "now": the claims count whole seconds.
  if (Math.abs(ahead) < 1000) return NOW[claim];
  const span = duration(Math.abs(ahead));
  switch (claim) {
    case 'exp':
      return ahead > 0 ? `expires in ${span}` : `expired ${span} ago`;
    case 'nbf':
      return ahead > 0 ? `valid in ${span}` : `became valid ${span} ago`;
    case 'iat':
      return ahead > 0 ? `issued ${span} in the future` : `issued ${span} ago`;
  }
}
