/**
 * A time in the browser's local time zone with the zone's name, from milliseconds, seconds
 * (a JWT NumericDate, below 1e11) or an ISO 8601 string; `—` for nothing.
 *
 * @example
 * ```ts
 * localTime(1_800_000_000); // "15/01/2027, 08:00:00 CET" in a French locale
 * ```
 */
export function localTime(value: number | string | undefined): string {
  if (value === undefined) return '—';
  const ms = typeof value === 'string' ? Date.parse(value) : value < 1e11 ? value * 1000 : value;
  if (!Number.isFinite(ms)) return String(value);
  return new Date(ms).toLocaleString(undefined, { timeZoneName: 'short' });
}

/**
 * A duration as people say it, to the second: `2 d 3 h`, `4 min 5 s`, `now`.
 *
 * @example
 * ```ts
 * duration(3_725_000); // "1 h 2 min"
 * ```
 */
export function duration(ms: number): string {
  if (ms <= 0) return 'now';
  const s = Math.round(ms / 1000);
  const d = Math.floor(s / 86_400);
  const h = Math.floor((s % 86_400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (d > 0) return h > 0 ? `${d} d ${h} h` : `${d} d`;
  if (h > 0) return m > 0 ? `${h} h ${m} min` : `${h} h`;
  if (m > 0) return sec > 0 ? `${m} min ${sec} s` : `${m} min`;
  return `${sec} s`;
}

/** Splits a text field of one value a line (or comma-separated) into its trimmed, non-empty values. */
export function listOf(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
