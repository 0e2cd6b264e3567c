import { useEffect, useState } from 'preact/hooks';
import { api, describeError } from '../api';
import type { PageProps } from '../page-props';
import { Field, Notice, PageHeader } from '../components';
import { localTime } from '../format';
import { auditQuery, type AuditFilters } from '../audit-query';

/** One record of `GET /admin/audit`. */
interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly target?: string;
  readonly details?: Readonly<Record<string, unknown>>;
}

const EMPTY: AuditFilters = { actor: '', action: '', since: '' };

/**
 * The audit log: every change and every token issued, newest first, filtered by actor, action
 * (prefix) and time, a page at a time (`next` cursor), and exported as JSON lines by the API.
 */
export function AuditPage(_props: PageProps) {
  const [draft, setDraft] = useState<AuditFilters>(EMPTY);
  const [filters, setFilters] = useState<AuditFilters | undefined>(undefined);
  const [entries, setEntries] = useState<readonly AuditEntry[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const load = async (applied: AuditFilters, cursor?: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const page = await api<{ entries: AuditEntry[]; next?: string }>(
        `/admin/audit?limit=50&${auditQuery(applied, cursor)}`,
      );
      setEntries((shown) => (cursor === undefined ? page.entries : [...shown, ...page.entries]));
      setNext(page.next);
      setFilters(applied);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  useEffect(() => void load(EMPTY), []);

  return (
    <>
      <PageHeader title="Audit log">
        Every change made here or through the admin API, every token issued and every login, newest first.
      </PageHeader>
      <form
        class="row"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          void load(draft);
        }}
      >
        <Field label="Actor" hint="A user id, a client id or admin-token.">
          <input value={draft.actor} onInput={(e) => setDraft({ ...draft, actor: e.currentTarget.value })} />
        </Field>
        <Field label="Action" hint="Or its beginning: client. finds every client change.">
          <input value={draft.action} onInput={(e) => setDraft({ ...draft, action: e.currentTarget.value })} />
        </Field>
        <Field label="Since">
          <input
            type="datetime-local"
            value={draft.since}
            onInput={(e) => setDraft({ ...draft, since: e.currentTarget.value })}
          />
        </Field>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>
            Filter
          </button>
          <a class="button" href={`/admin/audit/export?${auditQuery(filters ?? EMPTY)}`} download="tessera-audit.jsonl">
            Export as JSON lines
          </a>
        </div>
      </form>
      <Notice error={error} />
      <div class="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Actor</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Details</th>
            </tr>
          </thead>
          <tbody aria-live="polite">
            {entries.map((e) => (
              <tr key={e.seq}>
                <td>{localTime(e.at)}</td>
                <td>{e.actor}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>{e.target ?? '—'}</td>
                <td>{e.details === undefined ? '—' : <code class="details">{JSON.stringify(e.details)}</code>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries.length === 0 && !busy ? <p class="muted">No records match.</p> : null}
      {next === undefined ? null : (
        <button type="button" disabled={busy} onClick={() => void load(filters ?? EMPTY, next)}>
          Load more
        </button>
      )}
    </>
  );
}
