// The fields of a user: who they are (username, email, name), what the console lets them do
// (the tessera:admin / tessera:viewer roles), and what goes into their tokens.
import { Field } from './components';
import { Check, Lines } from './client-fields';
import type { ConsoleAccess, UserForm } from './user-form';

const ACCESS_CHOICES: readonly (readonly [ConsoleAccess, string])[] = [
  ['none', 'None'],
  ['viewer', 'Viewer (tessera:viewer)'],
  ['admin', 'Administrator (tessera:admin)'],
];

/**
 * Every editable field of a user, for the edit and the create form. `lockout` is a warning to
 * show under the console access (a change that would lock the signed-in person out).
 */
export function UserFields(props: {
  readonly value: UserForm;
  readonly onChange: (value: UserForm) => void;
  readonly lockout?: string | undefined;
}) {
  const { value, onChange } = props;
  const set = (patch: Partial<UserForm>) => onChange({ ...value, ...patch });
  return (
    <div class="cu-groups">
      <fieldset class="cu-group">
        <legend>Identity</legend>
        <Field label="Username" hint="What the user types at the login page; unique.">
          <input
            value={value.username}
            required
            autocomplete="off"
            autocapitalize="off"
            spellcheck={false}
            onInput={(event) => set({ username: event.currentTarget.value })}
          />
        </Field>
        <Field label="Display name" hint="The name claim. Empty: none.">
          <input value={value.name} autocomplete="off" onInput={(event) => set({ name: event.currentTarget.value })} />
        </Field>
        <Field label="Email">
          <input
            type="email"
            value={value.email}
            autocomplete="off"
            onInput={(event) => set({ email: event.currentTarget.value })}
          />
        </Field>
        <Check
          label="Email verified"
          checked={value.emailVerified}
          onChange={(emailVerified) => set({ emailVerified })}
          hint="Released as email_verified: only when you know the address is theirs."
        />
      </fieldset>
      <fieldset class="cu-group">
        <legend>Roles and groups</legend>
        <Field
          label="Console access"
          hint="A viewer looks at everything and changes nothing; an administrator may change everything. Stored as a role, checked at every console request."
        >
          <select
            value={value.access}
            onChange={(event) => set({ access: event.currentTarget.value as ConsoleAccess })}
          >
            {ACCESS_CHOICES.map(([access, label]) => (
              <option key={access} value={access}>
                {label}
              </option>
            ))}
          </select>
        </Field>
        {props.lockout === undefined ? null : (
          <p class="notice cu-warn" role="status">
            {props.lockout}
          </p>
        )}
        <Lines
          label="Other roles"
          hint="Into access tokens as roles, one a line."
          value={value.roles}
          onChange={(roles) => set({ roles })}
        />
        <Lines
          label="Groups"
          hint="Into access tokens as groups, one a line."
          value={value.groups}
          onChange={(groups) => set({ groups })}
        />
      </fieldset>
      <fieldset class="cu-group">
        <legend>Password grant (legacy)</legend>
        <Lines
          label="Scopes"
          hint="Scopes the password grant may give this user, one a line."
          value={value.scopes}
          onChange={(scopes) => set({ scopes })}
        />
        <Lines
          label="Audiences"
          hint="Audiences the password grant may give this user’s tokens; empty: the client’s."
          value={value.audiences}
          onChange={(audiences) => set({ audiences })}
        />
      </fieldset>
    </div>
  );
}
