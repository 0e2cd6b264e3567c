// One user: who they are (from `GET /admin/users/:id`), the edit form (PATCH), their sign-in
// (password, sessions, second factors), their consents, and disabling or deleting them.
import { useState } from 'preact/hooks';
import { api, describeError } from './api';
import { ConfirmButton, Notice } from './components';
import { BackToList, SubViewTitle } from './client-user-parts';
import { localTime } from './format';
import { useResource } from './use-resource';
import { UserSignIn } from './user-sign-in';
import { UserConsents } from './user-consents';
import { UserFields } from './user-fields';
import {
  consoleAccessOf,
  displayName,
  selfLockout,
  userFormOf,
  userPatchOf,
  userPath,
  type UserForm,
  type UserView,
} from './user-form';

/** A user's state and console role as the list and the detail show them. */
export function UserBadges(props: { readonly user: UserView }) {
  const access = consoleAccessOf(props.user.roles);
  return (
    <>
      <span class={`state ${props.user.disabled ? 'removed' : 'active'}`}>
        {props.user.disabled ? 'disabled' : 'active'}
      </span>
      {access === 'none' ? null : <span class={`state cu-role ${access}`}>{access}</span>}
    </>
  );
}

/**
 * The detail of a user. `meActor` is the signed-in person's id, to warn before they lock
 * themselves out; `onChanged` and `onDeleted` keep the list in step with the API's answers.
 */
export function UserDetail(props: {
  readonly id: string;
  readonly meActor: string;
  readonly readOnly: boolean;
  readonly onBack: () => void;
  readonly onChanged: (user: UserView) => void;
  readonly onDeleted: (id: string) => void;
}) {
  const loaded = useResource(() => api<UserView>(userPath(props.id)), [props.id]);
  // The latest answer of a change wins over the first load (the API answers the changed user).
  const [latest, setLatest] = useState<UserView | undefined>(undefined);
  const user = latest ?? loaded.data;
  const changed = (next: UserView) => {
    setLatest(next);
    props.onChanged(next);
  };
  // Changes that answer no user (204, or a count) read it again: the page shows only what the API says.
  const refresh = async () => changed(await api<UserView>(userPath(props.id)));
  const back = <BackToList label="All users" onBack={props.onBack} />;
  if (user === undefined)
    return (
      <>
        {back}
        <SubViewTitle>User {props.id}</SubViewTitle>
        {loaded.error === undefined ? <p class="muted">Loading…</p> : <Notice error={loaded.error} />}
      </>
    );
  const factors = user.secondFactors;
  const name = displayName(user);
  return (
    <>
      {back}
      <SubViewTitle lede={name}>
        {user.username} <UserBadges user={user} />
      </SubViewTitle>
      {user.source === 'config' ? (
        <p class="notice cu-warn">
          Declared in the configuration file: the file is applied again at every start, so a change made here lasts
          until the next restart. Change the file to keep it.
        </p>
      ) : null}
      <dl class="cu-facts">
        <dt>User ID (sub)</dt>
        <dd>
          <code>{user.userId}</code>
        </dd>
        <dt>Password</dt>
        <dd>{user.hasPassword ? 'Set' : 'None: cannot sign in with a password'}</dd>
        <dt>Authenticator app</dt>
        <dd>{factors.totp ? 'Enrolled' : 'None'}</dd>
        <dt>Passkeys</dt>
        <dd>
          {factors.passkeys.length === 0
            ? 'None'
            : factors.passkeys
                .map(
                  (p) =>
                    `${p.name ?? 'unnamed'} (${p.synced ? 'synced' : 'this device only'}${
                      p.createdAt === undefined ? '' : `, added ${localTime(p.createdAt)}`
                    })`,
                )
                .join('; ')}
        </dd>
        <dt>Recovery codes left</dt>
        <dd>{factors.recoveryCodesLeft}</dd>
        <dt>Created</dt>
        <dd>{localTime(user.createdAt)}</dd>
        <dt>Last changed</dt>
        <dd>{localTime(user.updatedAt)}</dd>
      </dl>
      <UserEditForm user={user} meActor={props.meActor} readOnly={props.readOnly} onChanged={changed} />
      <UserSignIn user={user} readOnly={props.readOnly} refresh={refresh} />
      <UserConsents userId={user.userId} readOnly={props.readOnly} />
      <UserLifecycle
        user={user}
        meActor={props.meActor}
        readOnly={props.readOnly}
        onChanged={changed}
        onDeleted={() => props.onDeleted(user.userId)}
      />
    </>
  );
}

/** The edit form: sends only what changed, and shows what the API stored. */
function UserEditForm(props: {
  readonly user: UserView;
  readonly meActor: string;
  readonly readOnly: boolean;
  readonly onChanged: (user: UserView) => void;
}) {
  const { user } = props;
  const [form, setForm] = useState<UserForm>(() => userFormOf(user));
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>(undefined);
  const [ok, setOk] = useState<string | undefined>(undefined);
  const pending = userPatchOf(form, user);
  const dirty = pending.problems !== undefined || Object.keys(pending.body).length > 0;
  const lockout =
    form.access === consoleAccessOf(user.roles) ? undefined : selfLockout(props.meActor, user, { access: form.access });

  const save = async () => {
    setError(undefined);
    setOk(undefined);
    if (pending.problems !== undefined) return setError(pending.problems.join(' '));
    if (!dirty) return setOk('Nothing to save: the form is as the user is.');
    setBusy(true);
    try {
      const answer = await api<UserView>(userPath(user.userId), { method: 'PATCH', body: pending.body });
      props.onChanged(answer);
      setForm(userFormOf(answer));
      setOk(`Saved: ${Object.keys(pending.body).join(', ')}.`);
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section class="panel" aria-labelledby="user-edit-title">
      <h2 id="user-edit-title">Profile and roles</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          void save();
        }}
      >
        <fieldset class="cu-plain" disabled={props.readOnly}>
          <UserFields value={form} onChange={setForm} lockout={lockout} />
        </fieldset>
        <Notice error={error} ok={ok} />
        <div class="actions">
          <button type="submit" class="primary" disabled={props.readOnly || busy}>
            {busy ? 'Saving…' : 'Save changes'}
          </button>
          <button
            type="button"
            disabled={props.readOnly || !dirty}
            onClick={() => {
              setForm(userFormOf(user));
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

/** Enabling, disabling and deleting the user. */
function UserLifecycle(props: {
  readonly user: UserView;
  readonly meActor: string;
  readonly readOnly: boolean;
  readonly onChanged: (user: UserView) => void;
  readonly onDeleted: () => void;
}) {
  const { user, readOnly } = props;
  const [error, setError] = useState<string | undefined>(undefined);
  const [ok, setOk] = useState<string | undefined>(undefined);
  const setDisabled = async (disabled: boolean) => {
    const answer = await api<UserView>(userPath(user.userId), { method: 'PATCH', body: { disabled } });
    props.onChanged(answer);
    setOk(answer.disabled ? `${user.username} is disabled.` : `${user.username} may sign in again.`);
  };
  const disableSelf = selfLockout(props.meActor, user, { disabled: true });
  const deleteSelf = selfLockout(props.meActor, user, { deleted: true });
  return (
    <section class="panel" aria-labelledby="user-lifecycle-title">
      <h2 id="user-lifecycle-title">Disable or delete</h2>
      <div class="actions">
        {user.disabled ? (
          <button
            type="button"
            disabled={readOnly}
            onClick={() => {
              setError(undefined);
              setDisabled(false).catch((err: unknown) => setError(describeError(err)));
            }}
          >
            Enable
          </button>
        ) : (
          <ConfirmButton
            label="Disable…"
            title={`Disable ${user.username}?`}
            confirmLabel="Disable the user"
            danger
            disabled={readOnly}
            run={() => setDisabled(true)}
          >
            <p>
              {user.username} cannot sign in, and every session they have ends now: they are logged out in every
              browser, the tokens issued in those sessions are revoked, and applications with back-channel logout are
              told. You can enable them again.
            </p>
            {disableSelf === undefined ? null : <p class="notice cu-warn">{disableSelf}</p>}
          </ConfirmButton>
        )}
        <ConfirmButton
          label="Delete…"
          title={`Delete ${user.username}?`}
          confirmLabel="Delete the user"
          danger
          disabled={readOnly}
          run={async () => {
            await api(userPath(user.userId), { method: 'DELETE' });
            props.onDeleted();
          }}
        >
          <p>
            {user.username} is gone: every session ends with its tokens, and they can no longer sign in. Their user ID{' '}
            <code>{user.userId}</code> stays in the audit log. Disabling keeps the account if they may come back.
          </p>
          {deleteSelf === undefined ? null : <p class="notice cu-warn">{deleteSelf}</p>}
        </ConfirmButton>
      </div>
      <Notice error={error} ok={ok} />
    </section>
  );
}
