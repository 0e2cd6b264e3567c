// The user forms of the console and the admin API bodies they become: the view the API answers
// (`userView`), the console roles, the PATCH and POST bodies. Pure, for the tests.
import type { FormResult } from './client-form';
import { listOf } from './format';

/** A passkey of a user, as the admin API lists it (its name and kind, never a key). */
export interface PasskeyView {
  readonly name?: string;
  readonly synced: boolean;
  readonly createdAt?: number;
}

/** A user as `GET /admin/users/:id` answers it (the server's `userView`: no hash, no factor secrets). */
export interface UserView {
  readonly userId: string;
  readonly username: string;
  readonly email?: string;
  readonly emailVerified?: boolean;
  readonly profile: Readonly<Record<string, unknown>>;
  readonly groups: readonly string[];
  readonly roles: readonly string[];
  readonly disabled: boolean;
  readonly scopes?: readonly string[];
  readonly audiences?: readonly string[];
  /** `config`: declared in the configuration file and re-applied from it at every start. */
  readonly source?: string;
  readonly hasPassword: boolean;
  readonly secondFactors: {
    readonly totp: boolean;
    readonly passkeys: readonly PasskeyView[];
    readonly recoveryCodesLeft: number;
  };
  /** Epoch ms. */
  readonly createdAt: number;
  readonly updatedAt: number;
}

/** A consent the user gave a client, as `GET /admin/users/:id/consents` lists it. */
export interface ConsentView {
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** Epoch ms. */
  readonly grantedAt: number;
  readonly expiresAt: number;
}

/** The admin API address of a user. */
export function userPath(id: string): string {
  return `/admin/users/${encodeURIComponent(id)}`;
}

/** The role that may change things through the admin API and the console. */
export const ADMIN_ROLE = 'tessera:admin';
/** The role that may only look. */
export const VIEWER_ROLE = 'tessera:viewer';

/** A user's access to the console, as the roles give it. */
export type ConsoleAccess = 'admin' | 'viewer' | 'none';

/** The console access `roles` give: admin wins over viewer, as the admin API decides it. */
export function consoleAccessOf(roles: readonly string[]): ConsoleAccess {
  if (roles.includes(ADMIN_ROLE)) return 'admin';
  if (roles.includes(VIEWER_ROLE)) return 'viewer';
  return 'none';
}

/** The roles other than the console's two (they go into access tokens as `roles`). */
export function otherRoles(roles: readonly string[]): string[] {
  return roles.filter((r) => r !== ADMIN_ROLE && r !== VIEWER_ROLE);
}

/**
 * The roles with the console access set to `access`: the console role first, then the others as
 * they were.
 *
 * @example
 * ```ts
 * rolesWith(['billing:read', 'tessera:viewer'], 'admin'); // ["tessera:admin", "billing:read"]
 * ```
 */
export function rolesWith(others: readonly string[], access: ConsoleAccess): string[] {
  const kept = otherRoles(others);
  if (access === 'admin') return [ADMIN_ROLE, ...kept];
  if (access === 'viewer') return [VIEWER_ROLE, ...kept];
  return kept;
}

/** The fields of the user edit and create forms, as the inputs hold them. */
export interface UserForm {
  readonly username: string;
  readonly email: string;
  readonly emailVerified: boolean;
  /** The display name (`profile.name`, the `name` claim). */
  readonly name: string;
  readonly access: ConsoleAccess;
  /** The other roles, one a line. */
  readonly roles: string;
  readonly groups: string;
  readonly scopes: string;
  readonly audiences: string;
}

/** The create form's starting values: a user with no console access. */
export const EMPTY_USER_FORM: UserForm = {
  username: '',
  email: '',
  emailVerified: false,
  name: '',
  access: 'none',
  roles: '',
  groups: '',
  scopes: '',
  audiences: '',
};

const lines = (values: readonly string[] | undefined): string => (values ?? []).join('\n');

/** The display name in a user's profile, when it is a string. */
export function displayName(user: UserView): string | undefined {
  const name = user.profile['name'];
  return typeof name === 'string' && name !== '' ? name : undefined;
}

/** The form of an existing user, to edit. */
export function userFormOf(user: UserView): UserForm {
  return {
    username: user.username,
    email: user.email ?? '',
    emailVerified: user.emailVerified === true,
    name: displayName(user) ?? '',
    access: consoleAccessOf(user.roles),
    roles: lines(otherRoles(user.roles)),
    groups: lines(user.groups),
    scopes: lines(user.scopes),
    audiences: lines(user.audiences),
  };
}

/** The body of `PATCH /admin/users/:id`: only what changes. */
export interface UserPatch {
  username?: string;
  email?: string;
  emailVerified?: boolean;
  profile?: Record<string, unknown>;
  roles?: string[];
  groups?: string[];
  scopes?: string[];
  audiences?: string[];
  disabled?: boolean;
}

const sameList = (a: readonly string[], b: readonly string[] | undefined): boolean =>
  a.length === (b ?? []).length && a.every((v, i) => v === b?.[i]);

/**
 * The PATCH body that turns `user` into what the form says: only the fields that differ. The
 * display name travels as the whole `profile` (the other claims kept), so that emptying it
 * removes it; an email cannot be removed through the admin API (it takes no `null`), which is a
 * problem rather than a silent no-op.
 *
 * @example
 * ```ts
 * const result = userPatchOf({ ...userFormOf(user), access: 'viewer' }, user);
 * // { body: { roles: ['tessera:viewer', ...] } }
 * ```
 */
export function userPatchOf(form: UserForm, user: UserView): FormResult<UserPatch> {
  const problems: string[] = [];
  const body: UserPatch = {};
  const username = form.username.trim();
  if (username === '') problems.push('Username: required.');
  else if (username !== user.username) body.username = username;
  const email = form.email.trim();
  if (email === '' && user.email !== undefined)
    problems.push('Email: the admin API cannot remove an email; give another address instead.');
  else if (email !== '' && email !== user.email) body.email = email;
  if (form.emailVerified !== (user.emailVerified === true)) body.emailVerified = form.emailVerified;
  const name = form.name.trim();
  if (name !== (displayName(user) ?? '')) {
    const { name: _old, ...profile } = user.profile;
    body.profile = name === '' ? profile : { ...profile, name };
  }
  // Roles are a set to the service: the console role written first is no change by itself.
  const roles = rolesWith(listOf(form.roles), form.access);
  if (!sameList([...roles].sort(), [...user.roles].sort())) body.roles = roles;
  for (const field of ['groups', 'scopes', 'audiences'] as const) {
    const value = listOf(form[field]);
    if (!sameList(value, user[field])) body[field] = value;
  }
  return problems.length > 0 ? { problems } : { body };
}

/** The body of `POST /admin/users` (the configuration's user schema). */
export interface UserCreateBody {
  username: string;
  password?: string;
  email?: string;
  emailVerified?: boolean;
  name?: string;
  roles: string[];
  groups: string[];
  scopes: string[];
  audiences: string[];
  disabled: boolean;
}

/**
 * The create body of a new user. Without a password the user cannot log in until one is set
 * (`POST /admin/users/:id/password`); the id is generated by the service.
 *
 * @example
 * ```ts
 * const result = userCreateBodyOf({ ...EMPTY_USER_FORM, username: 'alice', access: 'viewer' }, 'a long passphrase');
 * ```
 */
export function userCreateBodyOf(form: UserForm, password: string, disabled = false): FormResult<UserCreateBody> {
  const username = form.username.trim();
  if (username === '') return { problems: ['Username: required.'] };
  const email = form.email.trim();
  const name = form.name.trim();
  return {
    body: {
      username,
      ...(password === '' ? {} : { password }),
      ...(email === '' ? {} : { email, emailVerified: form.emailVerified }),
      ...(name === '' ? {} : { name }),
      roles: rolesWith(listOf(form.roles), form.access),
      groups: listOf(form.groups),
      scopes: listOf(form.scopes),
      audiences: listOf(form.audiences),
      disabled,
    },
  };
}

/**
 * What a change to `user`'s roles or state does to the person signed in (`me`, the audit actor):
 * a sentence to warn with before it locks them out of the console, or undefined.
 */
export function selfLockout(
  meActor: string,
  user: UserView,
  change: { readonly access?: ConsoleAccess; readonly disabled?: boolean; readonly deleted?: boolean },
): string | undefined {
  if (user.userId !== meActor) return undefined;
  if (change.deleted === true) return 'This is your own user: deleting it ends your session and your console access.';
  if (change.disabled === true) return 'This is your own user: disabling it ends your session and your console access.';
  if (change.access === 'none') return 'This is your own user: without a console role you lose the console at once.';
  if (change.access === 'viewer' && consoleAccessOf(user.roles) === 'admin')
    return 'This is your own user: as a viewer you can no longer change anything, this role included.';
  return undefined;
}
