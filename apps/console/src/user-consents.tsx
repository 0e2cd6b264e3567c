// What a user consented to (`GET /admin/users/:id/consents`), and withdrawing a consent with the
// tokens it gave the client (`DELETE /admin/users/:id/consents/:clientId`).
import { useId, useState } from 'preact/hooks';
import { api } from './api';
import { ConfirmButton, Notice } from './components';
import { localTime } from './format';
import { useResource } from './use-resource';
import { userPath, type ConsentView } from './user-form';

/** The consents panel of a user. */
export function UserConsents(props: { readonly userId: string; readonly readOnly: boolean }) {
  const titleId = useId();
  const consents = useResource(
    () => api<{ readonly consents: readonly ConsentView[] }>(`${userPath(props.userId)}/consents`),
    [props.userId],
  );
  const [ok, setOk] = useState<string | undefined>(undefined);
  const list = consents.data?.consents;
  return (
    <section class="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>Consents</h2>
      <p class="hint cu-hint">Applications this user let have their data; first-party applications ask no consent.</p>
      <Notice error={consents.error} ok={ok} />
      {list === undefined ? (
        consents.error === undefined ? (
          <p class="muted">Loading…</p>
        ) : null
      ) : list.length === 0 ? (
        <p class="muted">No consent given.</p>
      ) : (
        <div class="table-wrap">
          <table>
            <caption class="cu-sr">Consents of this user, by client</caption>
            <thead>
              <tr>
                <th scope="col">Client</th>
                <th scope="col">Scopes</th>
                <th scope="col">Given</th>
                <th scope="col">Asked again after</th>
                <th scope="col">
                  <span class="cu-sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((consent) => (
                <tr key={consent.clientId}>
                  <th scope="row">
                    <code>{consent.clientId}</code>
                  </th>
                  <td>{consent.scopes.join(' ') || '—'}</td>
                  <td>{localTime(consent.grantedAt)}</td>
                  <td>{localTime(consent.expiresAt)}</td>
                  <td>
                    <ConfirmButton
                      label="Withdraw…"
                      title={`Withdraw the consent to ${consent.clientId}?`}
                      confirmLabel="Withdraw the consent"
                      danger
                      disabled={props.readOnly}
                      run={async () => {
                        await api(`${userPath(props.userId)}/consents/${encodeURIComponent(consent.clientId)}`, {
                          method: 'DELETE',
                        });
                        setOk(`The consent to ${consent.clientId} is withdrawn.`);
                        consents.reload();
                      }}
                    >
                      <p>
                        {consent.clientId} loses what the user consented to: its refresh tokens for this user are
                        deleted and its access tokens from their sessions are revoked. The next sign-in to it asks
                        again.
                      </p>
                    </ConfirmButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
