import { useEffect, useState } from 'preact/hooks';
import { api, describeError } from '../api';
import type { PageProps } from '../page-props';
import { Field, Notice, PageHeader } from '../components';
import { localTime } from '../format';
import { inspectRequest, type TokenInspectForm } from '../token-inspect-request';
import { TOKEN_CHECK_LABELS, TOKEN_CHECK_STATE, type TokenReport } from '../token-report';
import { relativeTokenTime } from '../token-times';

const EMPTY: TokenInspectForm = { token: '', keys: 'live', jwks: '', issuer: '', audience: '', subject: '', typ: '' };
const TIME_CLAIMS = [
  ['iat', 'Issued (iat)'],
  ['nbf', 'Not before (nbf)'],
  ['exp', 'Expires (exp)'],
] as const;

/** The current time, every second while `ticking`: the relative times ("expires in 4 min") stay true. */
function useNow(ticking: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);
  return now;
}

/**
 * The token debugger: a pasted token's header and payload, its times in local time (and relative
 * to now), and each check (signature against the live JWKS or pasted keys, `iss`, `aud`, `sub`,
 * `typ`, `exp`, `nbf`, `crit`, revocation) passed or failed with the reason `tessera token verify`
 * gives, from `POST /admin/tokens/inspect`. The token stays in this page's memory: the form fields
 * have no `name`, so even a submit without script would put nothing in the address; nothing goes to
 * the browser's storage, and leaving the page forgets it.
 */
export function TokenDebuggerPage(_props: PageProps) {
  const [form, setForm] = useState<TokenInspectForm>(EMPTY);
  const [report, setReport] = useState<TokenReport | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const now = useNow(report?.times !== undefined && Object.keys(report.times).length > 0);
  const set = <K extends keyof TokenInspectForm>(key: K, value: TokenInspectForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  const inspect = async () => {
    const built = inspectRequest(form);
    if ('problem' in built) {
      setError(built.problem);
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      setReport(await api<TokenReport>('/admin/tokens/inspect', { method: 'POST', body: built.body }));
    } catch (err) {
      setReport(undefined);
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <PageHeader title="Token debugger">
        Paste a token to see what is in it and whether this Tessera service's verifier accepts it, check by check. The
        token goes only to this Tessera service, over your session; it is not put in the address or the browser's
        storage, and the service keeps no copy.
      </PageHeader>
      <div class="split token-split">
        <section class="panel token-form">
          <form
            aria-label="Token to inspect"
            autocomplete="off"
            onSubmit={(e) => {
              e.preventDefault();
              void inspect();
            }}
          >
            {/* No `name` on any field: a form submitted without script would put named fields in the address. */}
            <Field label="Token" hint="A JWS in compact form: header.payload.signature.">
              <textarea
                class="code token-input"
                rows={7}
                value={form.token}
                required
                spellcheck={false}
                autocomplete="off"
                autocapitalize="off"
                onInput={(e) => set('token', e.currentTarget.value)}
              />
            </Field>
            <fieldset>
              <legend>Check the signature against</legend>
              <label class="check">
                <input
                  type="radio"
                  name="token-keys"
                  checked={form.keys === 'live'}
                  onChange={() => set('keys', 'live')}
                />
                This service's live JWKS
              </label>
              <label class="check">
                <input
                  type="radio"
                  name="token-keys"
                  checked={form.keys === 'pasted'}
                  onChange={() => set('keys', 'pasted')}
                />
                A JWKS I paste (another issuer's keys)
              </label>
            </fieldset>
            {form.keys === 'pasted' ? (
              <Field
                label="JWKS"
                hint='{"keys":[...]}: public keys; keys that cannot be used are listed with the result.'
              >
                <textarea
                  class="code"
                  rows={5}
                  value={form.jwks}
                  spellcheck={false}
                  onInput={(e) => set('jwks', e.currentTarget.value)}
                />
              </Field>
            ) : null}
            <h2>What to expect</h2>
            <Field label="Issuer" hint="Empty: this service's issuer.">
              <input value={form.issuer} onInput={(e) => set('issuer', e.currentTarget.value)} />
            </Field>
            <Field label="Audience" hint="One or more, comma-separated: the token must name one. Empty: not checked.">
              <input value={form.audience} onInput={(e) => set('audience', e.currentTarget.value)} />
            </Field>
            <div class="row">
              <Field label="Subject" hint="Empty: not checked.">
                <input value={form.subject} onInput={(e) => set('subject', e.currentTarget.value)} />
              </Field>
              <Field label="Type (typ)" hint="e.g. at+jwt. Empty: not checked.">
                <input value={form.typ} onInput={(e) => set('typ', e.currentTarget.value)} />
              </Field>
            </div>
            <div class="actions">
              <button type="submit" class="primary" disabled={busy}>
                {busy ? 'Inspecting…' : 'Inspect'}
              </button>
              <button
                type="button"
                onClick={() => {
                  setForm((f) => ({ ...f, token: '' }));
                  setReport(undefined);
                  setError(undefined);
                }}
              >
                Clear the token
              </button>
            </div>
          </form>
        </section>

        <div class="token-result">
          <Notice error={error} />
          {report === undefined ? (
            error === undefined ? (
              <p class="muted">The checks, the header and the payload appear here.</p>
            ) : null
          ) : (
            <TokenReportView report={report} now={now} />
          )}
        </div>
      </div>
    </>
  );
}

/** One report: the verdict first (announced), then the checks, the times, the header and the payload. */
function TokenReportView(props: { readonly report: TokenReport; readonly now: number }) {
  const { report, now } = props;
  const keys = report.keys === 'live' ? "this service's live JWKS" : 'the pasted JWKS';
  return (
    <>
      <Notice
        ok={report.valid ? `Valid: this service's verifier accepts it (keys: ${keys}).` : undefined}
        error={
          report.valid
            ? undefined
            : `Not valid: ${report.error === undefined ? 'refused' : `${report.error.message} (${report.error.code})`}.`
        }
      />
      {report.droppedKeys === undefined || report.droppedKeys.length === 0 ? null : (
        <section class="panel">
          <h2>Pasted keys that could not be used</h2>
          <ul>
            {report.droppedKeys.map((d, i) => (
              <li key={i}>
                {d.kid === undefined ? 'A key without kid' : <code>{d.kid}</code>}: {d.reason}
              </li>
            ))}
          </ul>
        </section>
      )}
      <section class="panel">
        <h2>Checks</h2>
        <div class="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">Why</th>
              </tr>
            </thead>
            <tbody>
              {report.checks.map((c) => (
                <tr key={c.check}>
                  <th scope="row">
                    {TOKEN_CHECK_LABELS[c.check] ?? c.check}
                    {c.check === 'signature' ? <span class="muted"> ({keys})</span> : null}
                  </th>
                  <td>
                    <span class={`state ${TOKEN_CHECK_STATE[c.status] ?? ''}`}>{c.status}</span>
                  </td>
                  <td>
                    {c.message ?? (c.status === 'passed' ? '—' : '')}
                    {c.code === undefined ? null : (
                      <>
                        {' '}
                        <code>{c.code}</code>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {Object.keys(report.times).length === 0 ? null : (
        <section class="panel">
          <h2>Times</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Claim</th>
                <th scope="col">Local time</th>
                <th scope="col">From now</th>
              </tr>
            </thead>
            <tbody>
              {TIME_CLAIMS.filter(([claim]) => report.times[claim] !== undefined).map(([claim, label]) => {
                const iso = report.times[claim]!;
                return (
                  <tr key={claim}>
                    <th scope="row">{label}</th>
                    <td>
                      <time dateTime={iso}>{localTime(iso)}</time>
                    </td>
                    <td>{relativeTokenTime(claim, iso, now) ?? '—'}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
      {report.header === undefined ? null : (
        <section class="panel">
          <h2>Header</h2>
          <pre tabIndex={0} aria-label="Header (JSON)">
            {JSON.stringify(report.header, null, 2)}
          </pre>
        </section>
      )}
      {report.payload === undefined ? null : (
        <section class="panel">
          <h2>Payload</h2>
          <pre tabIndex={0} aria-label="Payload (JSON)">
            {JSON.stringify(report.payload, null, 2)}
          </pre>
        </section>
      )}
    </>
  );
}
