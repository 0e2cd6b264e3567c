// Making a client (`POST /admin/clients`): its ID, how it authenticates, and the same fields as
// the edit form. A generated secret is answered once and shown once.
import { useId, useState } from 'preact/hooks';
import { api, describeError } from './api';
import { Field, Notice } from './components';
import {
  EMPTY_CLIENT_FORM,
  clientCreateBodyOf,
  type ClientAuth,
  type ClientForm,
  type ClientView,
  type NewClientFields,
} from './client-form';
import { Check, ClientFields } from './client-fields';
import { BackToList, ShownOnce, SubViewTitle } from './client-user-parts';

/** The grant types a public client may use (the API refuses any other for one). */
const PUBLIC_GRANT_TYPES = ['authorization_code', 'refresh_token'];

const AUTH_CHOICES: readonly (readonly [ClientAuth, string, string])[] = [
  ['secret', 'Client secret', 'A workload or server application: the service generates a secret, shown once.'],
  ['jwks', 'Private key JWT', 'The client signs its requests with a key; paste its public keys (RFC 7523).'],
  ['public', 'Public', 'A browser or native application: no secret, PKCE required, people sign in.'],
];

/**
 * The create form. `onCreated` gets the client as the API answered it; the page then lists it.
 * A viewer sees the form disabled.
 */
export function NewClient(props: {
  readonly readOnly: boolean;
  readonly onBack: () => void;
  readonly onCreated: (client: ClientView) => void;
  readonly onOpen: (id: string) => void;
}) {
  const hintPrefix = useId();
  const [fields, setFields] = useState<NewClientFields>({ id: '', auth: 'secret', jwks: '', enabled: true });
  const [form, setForm] = useState<ClientForm>(EMPTY_CLIENT_FORM);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [created, setCreated] = useState<{ readonly id: string; readonly secret?: string } | undefined>(undefined);

  const chooseAuth = (auth: ClientAuth) => {
    setFields({ ...fields, auth });
    // A public client may not keep the workload default: offer the grants it may use instead.
    if (auth === 'public' && form.grantTypes.some((g) => !PUBLIC_GRANT_TYPES.includes(g)))
      setForm({ ...form, grantTypes: PUBLIC_GRANT_TYPES });
  };

  const submit = async () => {
    setError(undefined);
    const result = clientCreateBodyOf(fields, form);
    if (result.problems !== undefined) return setError(result.problems.join(' '));
    setBusy(true);
    try {
      const answer = await api<ClientView & { readonly client_secret?: string }>('/admin/clients', {
        method: 'POST',
        body: result.body,
      });
      const { client_secret: secret, ...client } = answer;
      props.onCreated(client);
      setCreated(secret === undefined ? { id: client.id } : { id: client.id, secret });
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (created !== undefined)
    return (
      <>
        <BackToList label="All clients" onBack={props.onBack} />
        <SubViewTitle>
          Client <code>{created.id}</code> created
        </SubViewTitle>
        {created.secret === undefined ? (
          <p role="status">It is ready.</p>
        ) : (
          <ShownOnce
            title={`Secret of ${created.id}`}
            value={created.secret}
            onDone={() => setCreated({ id: created.id })}
          >
            <p>
              Give it to the workload with its client ID <code>{created.id}</code> (HTTP Basic or{' '}
              <code>client_secret</code> in the token request).
            </p>
          </ShownOnce>
        )}
        <div class="actions">
          <button type="button" class="primary" onClick={() => props.onOpen(created.id)}>
            Open {created.id}
          </button>
        </div>
      </>
    );

  return (
    <>
      <BackToList label="All clients" onBack={props.onBack} />
      <SubViewTitle lede="A workload that gets tokens, or an application people sign in to.">New client</SubViewTitle>
      <form
        class="cu-form"
        aria-label="New client"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <fieldset class="cu-plain" disabled={props.readOnly}>
          <div class="row">
            <Field label="Client ID" hint="Printable ASCII without spaces; it cannot be changed later.">
              <input
                value={fields.id}
                required
                autocomplete="off"
                spellcheck={false}
                autocapitalize="off"
                onInput={(event) => setFields({ ...fields, id: event.currentTarget.value })}
              />
            </Field>
          </div>
          <fieldset class="cu-group">
            <legend>How it authenticates</legend>
            {AUTH_CHOICES.map(([auth, label, hint]) => (
              <div class="cu-check" key={auth}>
                <label class="check">
                  <input
                    type="radio"
                    name="client-auth"
                    value={auth}
                    checked={fields.auth === auth}
                    aria-describedby={`${hintPrefix}-${auth}`}
                    onChange={() => chooseAuth(auth)}
                  />
                  {label}
                </label>
                <span class="hint" id={`${hintPrefix}-${auth}`}>
                  {hint}
                </span>
              </div>
            ))}
            {fields.auth === 'jwks' ? (
              <Field label="Public keys (JWKS)" hint='JSON: {"keys": [ ... ]}, public keys only.'>
                <textarea
                  class="code"
                  rows={6}
                  spellcheck={false}
                  value={fields.jwks}
                  onInput={(event) => setFields({ ...fields, jwks: event.currentTarget.value })}
                />
              </Field>
            ) : null}
          </fieldset>
          <ClientFields value={form} onChange={setForm} creating />
          <Check
            label="Enabled"
            checked={fields.enabled}
            onChange={(enabled) => setFields({ ...fields, enabled })}
            hint="A disabled client exists but cannot authenticate until it is enabled."
          />
        </fieldset>
        <Notice error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={props.readOnly || busy}>
            {busy ? 'Creating…' : 'Create client'}
          </button>
          <button type="button" onClick={props.onBack}>
            Cancel
          </button>
        </div>
      </form>
    </>
  );
}
