// A client-secret rotation's overlap as the form edits it: an `<input type="datetime-local">`
// holds a wall-clock time without a zone, and the admin API wants an ISO 8601 instant. Both
// directions use the browser's time zone, the one the person reads the time in.
import type { ClientSecretView } from './client-form';

/** The default overlap: the new secret is deployed within a day, then the old one stops. */
export const DEFAULT_OVERLAP_MS = 24 * 3_600_000;

/** The longest overlap the admin API accepts (the server's `MAX_OVERLAP_MS`: 90 days). */
export const MAX_OVERLAP_MS = 90 * 86_400_000;

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/**
 * A moment as a `datetime-local` value in the browser's time zone, to the minute.
 *
 * @example
 * ```ts
 * toDatetimeLocal(Date.parse('2030-01-15T08:30:00Z')); // "2030-01-15T09:30" in Paris
 * ```
 */
export function toDatetimeLocal(ms: number): string {
  const d = new Date(ms);
  return `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/**
 * A `datetime-local` value (`YYYY-MM-DDTHH:mm`, seconds optional) as ISO 8601 with the browser's
 * offset at that date (summer time counts), e.g. `2030-07-01T09:30:00+02:00`; undefined when it
 * is not a valid time. A wall-clock time skipped by a summer-time change reads as the browser
 * reads it (an hour later), and the answer names that instant.
 *
 * @example
 * ```ts
 * datetimeLocalToIso('2030-01-15T09:30'); // "2030-01-15T09:30:00+01:00" in Paris
 * ```
 */
export function datetimeLocalToIso(value: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?$/.exec(value.trim());
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1).map((part) => Number(part ?? '0')) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const d = new Date(year, month - 1, day, hour, minute, second);
  // new Date() rolls 31 February into March: a date that does not exist is refused instead.
  if (Number.isNaN(d.getTime()) || d.getDate() !== day || d.getMonth() !== month - 1) return undefined;
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? '-' : '+';
  const abs = Math.abs(offset);
  return (
    `${pad(d.getFullYear(), 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}` +
    `T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}

/**
 * What the rotation form says about the chosen end of the overlap before it is sent: a problem
 * (not a time, in the past, beyond 90 days) or undefined. The API checks the same again.
 */
export function overlapProblem(value: string, now: number): string | undefined {
  const iso = datetimeLocalToIso(value);
  if (iso === undefined) return 'Choose a date and time.';
  const at = Date.parse(iso);
  if (at <= now) return 'The old secrets must stop in the future: after the new one is deployed.';
  if (at > now + MAX_OVERLAP_MS) return 'The overlap is at most 90 days.';
  return undefined;
}

/**
 * The secrets to list for a client: its `secrets` (the current one first), or, before the first
 * rotation, the single current secret the view only announces with `hasSecret`.
 */
export function listedSecrets(client: {
  readonly hasSecret: boolean;
  readonly secrets?: readonly ClientSecretView[];
}): readonly ClientSecretView[] {
  if (client.secrets !== undefined) return client.secrets;
  return client.hasSecret ? [{ id: 'primary' }] : [];
}
