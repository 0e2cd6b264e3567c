// What a person signs in with, and the help desk's three answers: a new password (chosen or
// generated and shown once), every session ended, the second factors reset (a lost phone).
import { useState } from 'preact/hooks';
import { api } from './api';
import { ConfirmButton, Field, Notice } from './components';
import { ShownOnce } from './client-user-parts';
import { userPath, type UserView } from './user-form';

/**
 * Waits for a re-read after a change that succeeded: its failure must not read as the change's
 * (the dialog would say the reset failed); the detail keeps its last view until the next load.
 */
async function settled(reread: Promise<void>): Promise<void> {
  await reread.catch(() => undefined);
}

/**
 * The sign-in panel of a user. `refresh` reads the user again after a change the API answers
 * without the user (the factors' reset).
 */
export function UserSignIn(props: {
  readonly user: UserView;
  readonly readOnly: boolean;
  readonly refresh: () => Promise<void>;
}) {
  const { user, readOnly } = props;
  const [mode, setMode] = useState<'generate' | 'choose'>('generate');
  const [password, setPassword] = useState('');
  const [generated, setGenerated] = useState<string | undefined>(undefined);
  const [ok, setOk] = useState<string | undefined>(undefined);
  const factors = user.secondFactors;
  const hasFactors = factors.totp || factors.passkeys.length > 0 || factors.recoveryCodesLeft > 0;

  const resetPassword = async () => {
    if (mode === 'choose' && password === '') throw new Error('Type the new password, or choose a generated one.');
    const answer = await api<{ readonly password?: string }>(`${userPath(user.userId)}/password`, {
      method: 'POST',
      body: mode === 'choose' ? { password } : {},
    });
    setPassword('');
    setGenerated(answer.password);
    setOk(answer.password === undefined ? `${user.username}’s password is changed.` : `A password was generated.`);
    await settled(props.refresh());
  };

  return (
    <section class="panel" aria-labelledby="user-sign-in-title">
      <h2 id="user-sign-in-title">Password, sessions and second factors</h2>
      {generated === undefined ? null : (
        <ShownOnce
          level="h3"
          title={`New password of ${user.username}`}
          value={generated}
          onDone={() => setGenerated(undefined)}
        >
          <p>Give it to {user.username} through a channel only they read.</p>
        </ShownOnce>
      )}
      <Notice ok={ok} />
      <h3>Reset the password</h3>
      <fieldset class="cu-plain" disabled={readOnly}>
        <fieldset class="cu-subgroup">
          <legend>New password</legend>
          <label class="check">
            <input
              type="radio"
              name="password-mode"
              checked={mode === 'generate'}
              onChange={() => setMode('generate')}
            />
            Generate one (shown once)
          </label>
          <label class="check">
            <input type="radio" name="password-mode" checked={mode === 'choose'} onChange={() => setMode('choose')} />
            Set one myself
          </label>
        </fieldset>
        {mode === 'choose' ? (
          <div class="row">
            <Field label="New password" hint="Not shown back; tell the user through a channel only they read.">
              <input
                type="password"
                autocomplete="new-password"
                value={password}
                onInput={(event) => setPassword(event.currentTarget.value)}
              />
            </Field>
          </div>
        ) : null}
      </fieldset>
      <div class="actions">
        <ConfirmButton
          label="Reset password…"
          title={`Reset ${user.username}’s password?`}
          confirmLabel="Reset the password"
          danger
          disabled={readOnly}
          run={resetPassword}
        >
          <p>
            {user.hasPassword
              ? `${user.username}’s current password stops working at once. Sessions already open stay: end them too if the password leaked.`
              : `${user.username} has no password yet; they can sign in with this one.`}
          </p>
        </ConfirmButton>
      </div>

      <h3>Sessions</h3>
      <p class="hint cu-hint">Every browser where {user.username} is signed in at this provider.</p>
      <div class="actions">
        <ConfirmButton
          label="End all sessions…"
          title={`End every session of ${user.username}?`}
          confirmLabel="End the sessions"
          danger
          disabled={readOnly}
          run={async () => {
            const { sessions } = await api<{ readonly sessions: number }>(`${userPath(user.userId)}/sessions`, {
              method: 'DELETE',
            });
            setOk(
              sessions === 0
                ? `${user.username} had no open session.`
                : `${sessions} session${sessions === 1 ? '' : 's'} of ${user.username} ended.`,
            );
          }}
        >
          <p>
            {user.username} is logged out in every browser: the access and refresh tokens issued in those sessions are
            revoked, and applications with back-channel logout are told. They can sign in again (disable them to stop
            that).
          </p>
        </ConfirmButton>
      </div>

      <h3>Second factors</h3>
      <p class="hint cu-hint">
        {hasFactors
          ? `Authenticator app: ${factors.totp ? 'yes' : 'no'}; passkeys: ${factors.passkeys.length}; recovery codes left: ${factors.recoveryCodesLeft}.`
          : `${user.username} has no second factor.`}
      </p>
      <div class="actions">
        <ConfirmButton
          label="Reset second factors…"
          title={`Reset ${user.username}’s second factors?`}
          confirmLabel="Remove the second factors"
          danger
          disabled={readOnly || !hasFactors}
          run={async () => {
            await api(`${userPath(user.userId)}/factors`, { method: 'DELETE' });
            setOk(`${user.username}’s second factors are removed.`);
            await settled(props.refresh());
          }}
        >
          <p>
            Removes {user.username}’s authenticator app, passkeys and recovery codes. Until they enrol again they sign
            in with the password alone, and applications that require a second factor refuse them. Do this for a lost
            phone, once you know it is really them asking.
          </p>
        </ConfirmButton>
      </div>
    </section>
  );
}
