import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ADMIN_ROLE,
  EMPTY_USER_FORM,
  VIEWER_ROLE,
  consoleAccessOf,
  rolesWith,
  selfLockout,
  userCreateBodyOf,
  userFormOf,
  userPatchOf,
  userPath,
  type UserView,
} from './user-form';

const alice: UserView = {
  userId: 'u_alice',
  username: 'alice',
  email: 'alice@example.com',
  emailVerified: true,
  profile: { name: 'Alice', locale: 'fr' },
  groups: ['staff'],
  roles: ['billing:read', VIEWER_ROLE],
  disabled: false,
  scopes: [],
  audiences: [],
  hasPassword: true,
  secondFactors: { totp: false, passkeys: [], recoveryCodesLeft: 0 },
  createdAt: 0,
  updatedAt: 0,
};

test('console access: admin wins over viewer, as the admin API decides', () => {
  assert.equal(consoleAccessOf([VIEWER_ROLE, ADMIN_ROLE]), 'admin');
  assert.equal(consoleAccessOf(['x', VIEWER_ROLE]), 'viewer');
  assert.equal(consoleAccessOf(['x']), 'none');
});

test('rolesWith sets the console role first and keeps the others', () => {
  assert.deepEqual(rolesWith(['billing:read', VIEWER_ROLE], 'admin'), [ADMIN_ROLE, 'billing:read']);
  assert.deepEqual(rolesWith([ADMIN_ROLE, VIEWER_ROLE, 'x'], 'none'), ['x']);
});

test('an untouched form patches nothing', () => {
  // alice's roles list the console role last; the form writes it first, which is no change (roles are a set).
  assert.deepEqual(userPatchOf(userFormOf(alice), alice), { body: {} });
});

test('making a viewer an admin changes the roles only', () => {
  assert.deepEqual(userPatchOf({ ...userFormOf(alice), access: 'admin' }, alice), {
    body: { roles: [ADMIN_ROLE, 'billing:read'] },
  });
});

test('the display name travels in the whole profile, so emptying it removes it', () => {
  assert.deepEqual(userPatchOf({ ...userFormOf(alice), name: ' Alice B. ' }, alice), {
    body: { profile: { name: 'Alice B.', locale: 'fr' } },
  });
  assert.deepEqual(userPatchOf({ ...userFormOf(alice), name: '' }, alice), { body: { profile: { locale: 'fr' } } });
});

test('an email can be changed but not removed; a username is required', () => {
  assert.deepEqual(userPatchOf({ ...userFormOf(alice), email: 'a@example.org', emailVerified: false }, alice), {
    body: { email: 'a@example.org', emailVerified: false },
  });
  assert.equal(userPatchOf({ ...userFormOf(alice), email: ' ' }, alice).problems?.length, 1);
  assert.deepEqual(userPatchOf({ ...userFormOf(alice), username: '' }, alice).problems, ['Username: required.']);
});

test('lists: groups, scopes, audiences sent when they differ', () => {
  assert.deepEqual(userPatchOf({ ...userFormOf(alice), groups: 'staff\nops', scopes: 'read' }, alice), {
    body: { groups: ['staff', 'ops'], scopes: ['read'] },
  });
});

test('the create body', () => {
  assert.deepEqual(userCreateBodyOf({ ...EMPTY_USER_FORM, username: ' bob ', access: 'viewer' }, ''), {
    body: { username: 'bob', roles: [VIEWER_ROLE], groups: [], scopes: [], audiences: [], disabled: false },
  });
  assert.deepEqual(
    userCreateBodyOf(
      { ...EMPTY_USER_FORM, username: 'carol', email: 'c@example.com', name: 'Carol', groups: 'a, b' },
      'a long passphrase',
    ),
    {
      body: {
        username: 'carol',
        password: 'a long passphrase',
        email: 'c@example.com',
        emailVerified: false,
        name: 'Carol',
        roles: [],
        groups: ['a', 'b'],
        scopes: [],
        audiences: [],
        disabled: false,
      },
    },
  );
  assert.deepEqual(userCreateBodyOf(EMPTY_USER_FORM, ''), { problems: ['Username: required.'] });
});

test('selfLockout warns only about the signed-in person losing access', () => {
  const admin = { ...alice, roles: [ADMIN_ROLE] };
  assert.equal(selfLockout('someone-else', admin, { access: 'none' }), undefined);
  assert.match(selfLockout('u_alice', admin, { access: 'none' })!, /lose the console/);
  assert.match(selfLockout('u_alice', admin, { access: 'viewer' })!, /viewer/);
  assert.equal(selfLockout('u_alice', admin, { access: 'admin' }), undefined);
  assert.match(selfLockout('u_alice', admin, { disabled: true })!, /disabling/);
  assert.match(selfLockout('u_alice', admin, { deleted: true })!, /deleting/);
});

test('userPath encodes the id', () => {
  assert.equal(userPath('u_a/b c'), '/admin/users/u_a%2Fb%20c');
});
