// One client: what it is (from `GET /admin/clients/:id`), its edit form (PATCH), its secrets, and
// disabling or deleting it.
import { useState } from 'preact/hooks';
import { api, describeError } from './api';
import { ConfirmButton, Notice } from './components';
import { clientFormOf, clientPatchOf, unappliedFields, type ClientForm, type ClientView } from './client-form';
import { ClientFields } from './client-fields';
import { ClientSecrets } from './client-secrets';
import { BackToList, SubViewTitle } from './client-user-parts';
import { localTime } from './format';
import { useResource } from './use-resource';

const clientPath = (id: string) => `/admin/clients/${encodeURIComponent(id)}`;

/** How the client proves who it is, in words. */
function authenticationOf(client: ClientView): string {
  if (client.public) return 'Public: client ID and PKCE, no secret';
  if (client.hasSecret) {
    const count = client.secrets?.length ?? 1;
    return count === 1 ? 'Client secret' : `Client secret (${count} work during a rotation)`;
  }
  if (client.jwks !== undefined) return `Private key JWT (${client.jwks.keys.length} public keys)`;
  return 'None: it cannot authenticate';
}

/**
 * The detail of a client. `onChanged` and `onDeleted` keep the list in step with what the API
 * answered.
 */
export function ClientDetail(props: {
  readonly id: string;
  readonly readOnly: boolean;
  readonly onBack: () => void;
  readonly onChanged: (client: ClientView) => void;
  readonly onDeleted: (id: string) => void;
}) {
  const loaded = useResource(() => api<ClientView>(clientPath(props.id)), [props.id]);
  // The latest answer of a change wins over the first load (the API answers the changed client).
  const [latest, setLatest] = useState<ClientView | undefined>(undefined);
  const client = latest ?? loaded.data;
  const changed = (next: ClientView) => {
    setLatest(next);
    props.onChanged(next);
  };
  const back = <BackToList label="All clients" onBack={props.onBack} />;
  if (client === undefined)
    return (
      <>
        {back}
        <SubViewTitle>
          Client <code>{props.id}</code>
        </SubViewTitle>
        {loaded.error === undefined ? <p class="muted">Loading…</p> : <Notice error={loaded.error} />}
      </>
    );
  return (
    <>
      {back}
      <SubViewTitle>
        Client <code>{client.id}</code>{' '}
        <span class={`state ${client.enabled ? 'active' : 'removed'}`}>{client.enabled ? 'enabled' : 'disabled'}</span>
      </SubViewTitle>
      {client.source === 'config' ? (
        <p class="notice cu-warn">
          Declared in the configuration file: the file is applied again at every start, so a change made here lasts
          until the next restart. Change the file to keep it.
        </p>
      ) : null}
      <dl class="cu-facts">
        <dt>Authentication</dt>
        <dd>{authenticationOf(client)}</dd>
        <dt>Second factor for people</dt>
        <dd>{client.requireSecondFactor ? 'Required' : 'Not required'}</dd>
        <dt>Made</dt>
        <dd>{client.source === 'config' ? 'In the configuration file' : 'Through the admin API'}</dd>
        <dt>Created</dt>
        <dd>{localTime(client.createdAt)}</dd>
        <dt>Last changed</dt>
        <dd>{localTime(client.updatedAt)}</dd>
      </dl>
      <ClientEditForm client={client} readOnly={props.readOnly} onChanged={changed} />
      <ClientSecrets client={client} readOnly={props.readOnly} onChanged={changed} />
      <ClientLifecycle
        client={client}
        readOnly={props.readOnly}
        onChanged={changed}
        onDeleted={() => props.onDeleted(client.id)}
      />
    </>
  );
}

/** The edit form: sends only what changed, and shows what the API stored. */
function ClientEditForm(props: {
  readonly client: ClientView;
  readonly readOnly: boolean;
  readonly onChanged: (client: ClientView) => void;
}) {
  const { client } = props;
  const [form, setForm] = useState<ClientForm>(() => clientFormOf(client));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [ok, setOk] = useState<string | undefined>(undefined);
  const [differs, setDiffers] = useState<string[]>([]);
  const pending = clientPatchOf(form, client);
  const dirty = pending.problems !== undefined || Object.keys(pending.body).length > 0;

  const save = async () => {
    setError(undefined);
    setOk(undefined);
    setDiffers([]);
    if (pending.problems !== undefined) return setError(pending.problems.join(' '));
    if (!dirty) return setOk('Nothing to save: the form is as the client is.');
    setBusy(true);
    try {
      const answer = await api<ClientView>(clientPath(client.id), { method: 'PATCH', body: pending.body });
      props.onChanged(answer);
      setForm(clientFormOf(answer));
      setDiffers(unappliedFields(pending.body, answer));
      setOk(`Saved: ${Object.keys(pending.body).join(', ')}.`);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="client-edit-title">
      <h2 id="client-edit-title">Permissions and settings</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <fieldset class="cu-plain" disabled={props.readOnly}>
          <ClientFields value={form} onChange={setForm} />
        </fieldset>
        <Notice error={error} ok={ok} />
        {differs.length === 0 ? null : (
          <p class="notice cu-warn" role="status">
            The service stored a different value than was sent for {differs.join(', ')}: it caps a lifetime at{' '}
            <code>tokens.maxLifetimeSeconds</code>, and the admin API may not change every field. The form now shows
            what it stored.
          </p>
        )}
        <div class="actions">
          <button type="submit" class="primary" disabled={props.readOnly || busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
          <button
            type="button"
            disabled={props.readOnly || !dirty}
            onClick={() => {
              setForm(clientFormOf(client));
              setError(undefined);
            }}
          >
            Undo my edits
          </button>
          {dirty ? <span class="muted cu-dirty">Unsaved changes</span> : null}
        </div>
      </form>
    </section>
  );
}

/** Enabling, disabling and deleting the client. */
function ClientLifecycle(props: {
  readonly client: ClientView;
  readonly readOnly: boolean;
  readonly onChanged: (client: ClientView) => void;
  readonly onDeleted: () => void;
}) {
  const { client, readOnly } = props;
  const [error, setError] = useState<string | undefined>(undefined);
  const [ok, setOk] = useState<string | undefined>(undefined);
  const setEnabled = async (enabled: boolean) => {
    const answer = await api<ClientView>(clientPath(client.id), { method: 'PATCH', body: { enabled } });
    props.onChanged(answer);
    setOk(answer.enabled ? `${client.id} is enabled.` : `${client.id} is disabled.`);
  };
  return (
    <section class="panel" aria-labelledby="client-lifecycle-title">
      <h2 id="client-lifecycle-title">Disable or delete</h2>
      <div class="actions">
        {client.enabled ? (
          <ConfirmButton
            label="Disable…"
            title={`Disable ${client.id}?`}
            confirmLabel="Disable the client"
            danger
            disabled={readOnly}
            run={() => setEnabled(false)}
          >
            <p>
              {client.id} can no longer authenticate: it gets no new tokens, cannot exchange or introspect tokens and
              cannot read the revocation feed. Tokens it already holds keep working until they expire. You can enable it
              again.
            </p>
          </ConfirmButton>
        ) : (
          <button
            type="button"
            disabled={readOnly}
            onClick={() => {
              setError(undefined);
              setEnabled(true).catch((err: unknown) => setError(describeError(err)));
            }}
          >
            Enable
          </button>
        )}
        <ConfirmButton
          label="Delete…"
          title={`Delete ${client.id}?`}
          confirmLabel="Delete the client"
          danger
          disabled={readOnly}
          run={async () => {
            await api(clientPath(client.id), { method: 'DELETE' });
            props.onDeleted();
          }}
        >
          <p>
            {client.id} and its secrets are gone: anything using them fails to authenticate at once. Tokens already
            issued keep working until they expire.
            {client.source === 'config'
              ? ' It is declared in the configuration file: the next start makes it again.'
              : ''}
          </p>
        </ConfirmButton>
      </div>
      <Notice error={error} ok={ok} />
    </section>
  );
}
