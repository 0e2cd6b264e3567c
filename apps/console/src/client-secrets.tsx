// A client's secrets: which ones authenticate and until when, a rotation with an overlap (the
// new secret works at once, the ones in use until a chosen date: deploy the new credentials, then
// the old ones stop), and stopping an earlier secret at once.
import { useId, useState } from 'preact/hooks';
import { api } from './api';
import { ConfirmButton, Field, Notice } from './components';
import type { ClientView } from './client-form';
import {
  DEFAULT_OVERLAP_MS,
  MAX_OVERLAP_MS,
  datetimeLocalToIso,
  listedSecrets,
  overlapProblem,
  toDatetimeLocal,
} from './client-rotation';
import { ShownOnce } from './client-user-parts';
import { localTime } from './format';

/** What `POST /admin/clients/:id/secrets` answers: the client, and the new secret this once. */
interface RotationAnswer extends ClientView {
  readonly client_secret: string;
  readonly secretId: string;
}

const clientPath = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

/**
 * The secrets panel of a client. `onChanged` gets the client as the API answered a change.
 * A public client or one that authenticates with keys has no secret, and says so.
 */
export function ClientSecrets(props: {
  readonly client: ClientView;
  readonly readOnly: boolean;
  readonly onChanged: (client: ClientView) => void;
}) {
  const { client, readOnly } = props;
  const titleId = useId();
  const [until, setUntil] = useState(() => toDatetimeLocal(Date.now() + DEFAULT_OVERLAP_MS));
  const [fresh, setFresh] = useState<{ readonly id: string; readonly secret: string } | undefined>(undefined);
  const [ok, setOk] = useState<string | undefined>(undefined);
  const secrets = listedSecrets(client);

  if (client.public || !client.hasSecret)
    return (
      <section class="panel" aria-labelledby={titleId}>
        <h2 id={titleId}>Secrets</h2>
        <p class="muted">
          {client.public
            ? 'A public client holds no secret: it signs in people with PKCE and its client ID alone.'
            : `This client authenticates with its public keys (private_key_jwt, ${client.jwks?.keys.length ?? 0} in its JWKS), not a secret.`}
        </p>
      </section>
    );

  const rotate = async () => {
    const problem = overlapProblem(until, Date.now());
    if (problem !== undefined) throw new Error(problem);
    const answer = await api<RotationAnswer>(`${clientPath(client.id)}/secrets`, {
      method: 'POST',
      body: { oldSecretsNotAfter: datetimeLocalToIso(until) },
    });
    const { client_secret: secret, secretId, ...view } = answer;
    setFresh({ id: secretId, secret });
    setOk(undefined);
    props.onChanged(view);
  };

  const untilIso = datetimeLocalToIso(until);
  return (
    <section class="panel" aria-labelledby={titleId}>
      <h2 id={titleId}>Secrets</h2>
      {client.source === 'config' ? (
        <p class="notice cu-warn">
          This client is declared in the configuration file, which is applied again at every start: rotate its secret in
          the file (<code>secretHash</code>), or a restart brings the old one back.
        </p>
      ) : null}
      {fresh === undefined ? null : (
        <ShownOnce level="h3" title={`New secret ${fresh.id}`} value={fresh.secret} onDone={() => setFresh(undefined)}>
          <p>It works now. Deploy it wherever this client runs; the earlier secrets stop at the time listed below.</p>
        </ShownOnce>
      )}
      <div class="table-wrap">
        <table>
          <caption class="cu-caption">Secrets that authenticate {client.id}, the current one first</caption>
          <thead>
            <tr>
              <th scope="col">Secret</th>
              <th scope="col">Works</th>
              <th scope="col">
                <span class="cu-sr">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {secrets.map((secret, index) => (
              <tr key={secret.id}>
                <td>
                  <code>{secret.id}</code>
                </td>
                <td>
                  {secret.notAfter === undefined ? (
                    <span class="state active">current</span>
                  ) : (
                    <>
                      {Date.parse(secret.notAfter) > Date.now() ? 'until' : 'stopped'} {localTime(secret.notAfter)}
                    </>
                  )}
                </td>
                <td>
                  {index === 0 ? (
                    <span class="muted">rotate to replace it</span>
                  ) : (
                    <ConfirmButton
                      label="Stop now"
                      title={`Stop secret ${secret.id} now?`}
                      confirmLabel="Stop this secret"
                      danger
                      disabled={readOnly}
                      run={async () => {
                        await api(`${clientPath(client.id)}/secrets/${encodeURIComponent(secret.id)}`, {
                          method: 'DELETE',
                        });
                        // The DELETE answers nothing: the client as it is now comes from the API.
                        props.onChanged(await api<ClientView>(clientPath(client.id)));
                        setOk(`Secret ${secret.id} no longer authenticates.`);
                      }}
                    >
                      <p>
                        Anything still using this secret fails to authenticate from now on, before the{' '}
                        {localTime(secret.notAfter)} it was given. Do this when the secret leaked or every deployment
                        has the new one.
                      </p>
                    </ConfirmButton>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Notice ok={ok} />
      <h3>Rotate with an overlap</h3>
      <p class="hint cu-hint">
        A new secret works at once; the ones in use keep working until the time you choose (at most 90 days), so you can
        deploy the new one first. At most three secrets live at once.
      </p>
      <div class="row">
        <Field label="The secrets in use stop at" hint="Your browser’s time zone. Default: 24 hours from now.">
          <input
            type="datetime-local"
            value={until}
            min={toDatetimeLocal(Date.now())}
            max={toDatetimeLocal(Date.now() + MAX_OVERLAP_MS)}
            required
            disabled={readOnly}
            onInput={(event) => setUntil(event.currentTarget.value)}
          />
        </Field>
      </div>
      <ConfirmButton
        label="Rotate secret…"
        title={`Rotate the secret of ${client.id}?`}
        confirmLabel="Rotate"
        disabled={readOnly}
        run={rotate}
      >
        <p>
          A new secret is made and shown once. The secrets in use now keep working until{' '}
          <strong>{untilIso === undefined ? 'the time you choose' : localTime(untilIso)}</strong>, then anything still
          using them fails to authenticate.
        </p>
      </ConfirmButton>
    </section>
  );
}
