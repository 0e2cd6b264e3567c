/** The audit page's filters, as typed. */
export interface AuditFilters {
  readonly actor: string;
  /** An action or its prefix: `client.` finds every client change. */
  readonly action: string;
  /** A `datetime-local` value (the browser's zone), or empty. */
  readonly since: string;
}

/**
 * The query string of `GET /admin/audit` (with `cursor` for the next page) and of the export's
 * link, from the page's filters; empty filters are left out.
 *
 * @example
 * ```ts
 * auditQuery({ actor: '', action: 'client.', since: '' }, '42'); // "action=client.&cursor=42"
 * ```
 */
export function auditQuery(filters: AuditFilters, cursor?: string): string {
  const q = new URLSearchParams();
  if (filters.actor.trim() !== '') q.set('actor', filters.actor.trim());
  if (filters.action.trim() !== '') q.set('action', filters.action.trim());
  const since = filters.since === '' ? NaN : new Date(filters.since).getTime();
  if (Number.isFinite(since)) q.set('since', String(since));
  if (cursor !== undefined) q.set('cursor', cursor);
  return q.toString();
}
