// Making a user (`POST /admin/users`): the same fields as the edit form and a first password,
// chosen, generated (`POST /admin/users/:id/password` with `{}`, shown once) or none yet.
import { useState } from 'preact/hooks';
import { api, describeError } from './api';
import { Field, Notice } from './components';
import { BackToList, ShownOnce, SubViewTitle } from './client-user-parts';
import { UserFields } from './user-fields';
import { EMPTY_USER_FORM, userCreateBodyOf, userPath, type UserForm, type UserView } from './user-form';

type PasswordMode = 'generate' | 'choose' | 'none';

const PASSWORD_CHOICES: readonly (readonly [PasswordMode, string])[] = [
  ['generate', 'Generate one (shown once)'],
  ['choose', 'Set one myself'],
  ['none', 'None yet (the user cannot sign in until one is set)'],
];

/** The create form. `onCreated` gets the user as the API answered it; the page then lists it. */
export function NewUser(props: {
  readonly readOnly: boolean;
  readonly onBack: () => void;
  readonly onCreated: (user: UserView) => void;
  readonly onOpen: (id: string) => void;
}) {
  const [form, setForm] = useState<UserForm>(EMPTY_USER_FORM);
  const [mode, setMode] = useState<PasswordMode>('generate');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [created, setCreated] = useState<
    { readonly user: UserView; readonly password?: string; readonly warning?: string } | undefined
  >(undefined);

  const submit = async () => {
    setError(undefined);
    if (mode === 'choose' && password === '') return setError('Password: type it, or choose another option.');
    const result = userCreateBodyOf(form, mode === 'choose' ? password : '');
    if (result.problems !== undefined) return setError(result.problems.join(' '));
    setBusy(true);
    try {
      const user = await api<UserView>('/admin/users', { method: 'POST', body: result.body });
      props.onCreated(user);
      setPassword('');
      if (mode !== 'generate') return setCreated({ user });
      try {
        const answer = await api<{ readonly password: string }>(`${userPath(user.userId)}/password`, {
          method: 'POST',
          body: {},
        });
        setCreated({ user, password: answer.password });
      } catch (err) {
        setCreated({ user, warning: `The user exists, but no password was generated: ${describeError(err)}` });
      }
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  if (created !== undefined) {
    const { user } = created;
    return (
      <>
        <BackToList label="All users" onBack={props.onBack} />
        <SubViewTitle>User {user.username} created</SubViewTitle>
        <p role="status">
          User ID <code>{user.userId}</code>.
        </p>
        <Notice error={created.warning} />
        {created.password === undefined ? null : (
          <ShownOnce
            title={`Password of ${user.username}`}
            value={created.password}
            onDone={() => setCreated({ user })}
          >
            <p>Give it to {user.username} through a channel only they read.</p>
          </ShownOnce>
        )}
        <div class="actions">
          <button type="button" class="primary" onClick={() => props.onOpen(user.userId)}>
            Open {user.username}
          </button>
        </div>
      </>
    );
  }

  return (
    <>
      <BackToList label="All users" onBack={props.onBack} />
      <SubViewTitle lede="A person who signs in: to applications, to the account page, to this console with a console role.">
        New user
      </SubViewTitle>
      <form
        class="cu-form"
        aria-label="New user"
        onSubmit={(event) => {
          event.preventDefault();
          void submit();
        }}
      >
        <fieldset class="cu-plain" disabled={props.readOnly}>
          <UserFields value={form} onChange={setForm} />
          <fieldset class="cu-group">
            <legend>First password</legend>
            {PASSWORD_CHOICES.map(([choice, label]) => (
              <label class="check" key={choice}>
                <input
                  type="radio"
                  name="new-user-password"
                  checked={mode === choice}
                  onChange={() => setMode(choice)}
                />
                {label}
              </label>
            ))}
            {mode === 'choose' ? (
              <Field label="Password" hint="Not shown back; tell the user through a channel only they read.">
                <input
                  type="password"
                  autocomplete="new-password"
                  value={password}
                  onInput={(event) => setPassword(event.currentTarget.value)}
                />
              </Field>
            ) : null}
          </fieldset>
        </fieldset>
        <Notice error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={props.readOnly || busy}>
            {busy ? 'Creating…' : 'Create user'}
          </button>
          <button type="button" onClick={props.onBack}>
            Cancel
          </button>
        </div>
      </form>
    </>
  );
}
