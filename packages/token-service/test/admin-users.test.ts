// The admin API's users: CRUD, password reset, audited, the hash never shown (issue "People").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decode, postForm, startService, type TestService } from './helpers.js';

const web = { id: 'web', secret: 'the-secret-of-the-web-client-0123' };

async function json(res: Response): Promise<Record<string, unknown>> {
  const text = await res.text();
  return text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {};
}

async function withService(fn: (ts: TestService) => Promise<void>): Promise<void> {
  const ts = await startService({
    clients: [{ id: web.id, secret: web.secret, grantTypes: ['password'], audiences: ['api'] }],
    grants: { password: { enabled: true } },
  });
  try {
    await fn(ts);
  } finally {
    await ts.stop();
  }
}

const login = (ts: TestService, username: string, password: string) =>
  postForm(`${ts.url}/token`, { grant_type: 'password', username, password }, web);

test('admin users: create (generated id), read, list, patch, delete; the password hash is never shown; every change audited', () =>
  withService(async (ts) => {
    const created = await ts.admin('/admin/users', {
      method: 'POST',
      body: JSON.stringify({
        username: 'dana',
        password: 'dana-password-123',
        name: 'Dana',
        roles: ['tessera:viewer'],
      }),
    });
    assert.equal(created.status, 201);
    const dana = await json(created);
    assert.match(dana['userId'] as string, /^u_[A-Za-z0-9_-]{22}$/);
    assert.equal(dana['hasPassword'], true);
    assert.equal('passwordHash' in dana, false);
    assert.deepEqual(dana['profile'], { name: 'Dana' });
    const id = dana['userId'] as string;
    const token = await login(ts, 'dana', 'dana-password-123');
    assert.equal(decode(token.body['access_token'] as string).payload['sub'], id);

    const listed = await json(await ts.admin('/admin/users'));
    assert.deepEqual(
      (listed['users'] as { username: string; passwordHash?: string }[]).map((u) => [u.username, u.passwordHash]),
      [['dana', undefined]],
    );
    const patched = await json(
      await ts.admin(`/admin/users/${id}`, {
        method: 'PATCH',
        body: JSON.stringify({ roles: ['tessera:admin'], disabled: true }),
      }),
    );
    assert.deepEqual(patched['roles'], ['tessera:admin']);
    assert.equal((await login(ts, 'dana', 'dana-password-123')).status, 400, 'disabled');
    assert.equal((await ts.admin(`/admin/users/${id}`, { method: 'DELETE' })).status, 204);
    assert.equal((await ts.admin(`/admin/users/${id}`)).status, 404);

    const audit = await json(await ts.admin('/admin/audit?limit=50'));
    const actions = (audit['entries'] as { action: string; target: string }[])
      .filter((e) => e.target === id)
      .map((e) => e.action);
    assert.deepEqual(actions.sort(), ['user.created', 'user.deleted', 'user.updated']);
  }));

test('admin users: a taken username is 409, a bad body 400 naming the field, an unknown id 404, a wrong method 405', () =>
  withService(async (ts) => {
    const make = (body: unknown) => ts.admin('/admin/users', { method: 'POST', body: JSON.stringify(body) });
    assert.equal((await make({ username: 'erin', password: 'erin-password-123' })).status, 201);
    const taken = await make({ username: 'erin' });
    assert.equal(taken.status, 409);
    assert.equal((await json(taken))['code'], 'ERR_ADMIN_CONFLICT');
    const bad = await make({ username: 'frank', roles: 'admin' });
    assert.equal(bad.status, 400);
    assert.match((await json(bad))['detail'] as string, /^roles: /);
    const both = await make({ username: 'gus', password: 'x', passwordHash: 'scrypt$1' });
    assert.equal(both.status, 400);
    assert.equal((await ts.admin('/admin/users/nobody')).status, 404);
    assert.equal((await ts.admin('/admin/users', { method: 'DELETE' })).status, 405);
    assert.equal((await json(await ts.admin('/admin/users')))['users'] instanceof Array, true);
  }));

test('admin users: a password reset, chosen or generated (shown once), takes effect at once', () =>
  withService(async (ts) => {
    const made = await json(
      await ts.admin('/admin/users', {
        method: 'POST',
        body: JSON.stringify({ id: 'u-hal', username: 'hal', password: 'old-password-123' }),
      }),
    );
    assert.equal(made['userId'], 'u-hal');
    const chosen = await ts.admin('/admin/users/u-hal/password', {
      method: 'POST',
      body: JSON.stringify({ password: 'new-password-456' }),
    });
    assert.equal(chosen.status, 200);
    assert.deepEqual(await json(chosen), {}, 'a chosen password is not echoed');
    assert.equal((await login(ts, 'hal', 'old-password-123')).status, 400);
    assert.equal((await login(ts, 'hal', 'new-password-456')).status, 200);
    const generated = await ts.admin('/admin/users/u-hal/password', { method: 'POST' });
    assert.equal(generated.headers.get('cache-control'), 'no-store');
    const { password } = (await json(generated)) as { password: string };
    assert.match(password, /^[A-Za-z0-9_-]{32}$/);
    assert.equal((await login(ts, 'hal', password)).status, 200);
    assert.equal((await ts.admin('/admin/users/nobody/password', { method: 'POST' })).status, 404);
  }));
