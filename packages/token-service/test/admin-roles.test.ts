// People in the admin API (issue "The web console"): a login session of a user with
// `tessera:admin` or `tessera:viewer` is a credential of the admin API (the console's
// backend-for-frontend cookie), and the API enforces the roles: a viewer looks, an admin changes,
// a change carries the session's CSRF token from the issuer's origin, a role taken away is gone at
// once, and the admin token keeps working for scripts. Audit records name the person.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from './helpers.js';
import { browser, logIn, type Browser } from './login-helpers.js';

const users = [
  { id: 'u-ops', username: 'ops', password: 'ops-password-1234', roles: ['tessera:admin'] },
  { id: 'u-watch', username: 'watch', password: 'watch-password-1234', roles: ['tessera:viewer'] },
  { id: 'u-plain', username: 'plain', password: 'plain-password-1234' },
];

/** A browser signed in at the provider as `who` (through the account page's login). */
async function signedIn(ts: TestService, who: (typeof users)[number]): Promise<Browser> {
  const b = browser();
  const start = await b.fetch(`${ts.url}/account`);
  const back = await logIn(ts, b, start.headers.get('location')!, who);
  assert.equal(back.status, 303);
  return b;
}

/** What `/admin/whoami` says for browser `b`. */
async function whoami(ts: TestService, b: Browser) {
  const res = await b.fetch(`${ts.url}/admin/whoami`);
  return { status: res.status, body: (await res.json()) as Record<string, string> };
}

/** A change from the console: JSON, from the issuer's origin, with `csrf` when given. */
function change(ts: TestService, b: Browser, path: string, csrf?: string, origin = new URL(ts.url).origin) {
  return b.fetch(`${ts.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      origin,
      ...(csrf === undefined ? {} : { 'x-tessera-csrf': csrf }),
    },
    body: '{}',
  });
}

test('an admin session changes things with its CSRF token from the issuer origin; the audit names the person', async () => {
  const ts = await startService({ users });
  try {
    const b = await signedIn(ts, users[0]!);
    const me = await whoami(ts, b);
    assert.equal(me.status, 200);
    assert.equal(me.body['role'], 'admin');
    assert.equal(me.body['actor'], 'u-ops');
    assert.equal(me.body['username'], 'ops');
    const csrf = me.body['csrf']!;
    assert.match(csrf, /^[\w-]{43}$/);

    const noCsrf = await change(ts, b, '/admin/keys/rotate');
    assert.equal(noCsrf.status, 403);
    assert.equal(((await noCsrf.json()) as { code: string }).code, 'ERR_ADMIN_FORBIDDEN');
    assert.equal((await change(ts, b, '/admin/keys/rotate', 'x'.repeat(43))).status, 403, 'a wrong token');
    assert.equal(
      (await change(ts, b, '/admin/keys/rotate', csrf, 'https://evil.example')).status,
      403,
      'another origin',
    );
    const rotated = await change(ts, b, '/admin/keys/rotate', csrf);
    assert.equal(rotated.status, 200);
    // The jwt-factory makes a key on GET: with a session, only with the CSRF token.
    assert.equal((await b.fetch(`${ts.url}/admin/jwt-factory/keys/from-a-link`)).status, 403);
    const made = await b.fetch(`${ts.url}/admin/jwt-factory/keys/from-the-console`, {
      headers: { 'x-tessera-csrf': csrf },
    });
    assert.equal(made.status, 201);

    const audit = (await (await ts.admin('/admin/audit')).json()) as { entries: { actor: string; action: string }[] };
    const record = audit.entries.find((e) => e.action.startsWith('key.') && e.actor !== 'system');
    assert.equal(record?.actor, 'u-ops');
  } finally {
    await ts.stop();
  }
});

test('a viewer looks and is refused every change by the API; a user with neither role and no session at all are refused', async () => {
  const ts = await startService({ users });
  try {
    const viewer = await signedIn(ts, users[1]!);
    const me = await whoami(ts, viewer);
    assert.equal(me.body['role'], 'viewer');
    assert.equal((await viewer.fetch(`${ts.url}/admin/clients`)).status, 200);
    assert.equal((await viewer.fetch(`${ts.url}/admin/keys`)).status, 200);
    const refused = await change(ts, viewer, '/admin/keys/rotate', me.body['csrf']);
    assert.equal(refused.status, 403);
    assert.match(((await refused.json()) as { detail: string }).detail, /may look, not change/);
    // The token debugger changes nothing: a viewer may use it (with the CSRF token, as any post).
    const inspected = await viewer.fetch(`${ts.url}/admin/tokens/inspect`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        origin: new URL(ts.url).origin,
        'x-tessera-csrf': me.body['csrf']!,
      },
      body: JSON.stringify({ token: 'not-a-token' }),
    });
    assert.equal(inspected.status, 200);
    // The jwt-factory makes a key on GET: not for a viewer; its utils/ reads only read.
    assert.equal((await viewer.fetch(`${ts.url}/admin/jwt-factory/keys/viewer-key`)).status, 403);
    const ids = await viewer.fetch(`${ts.url}/admin/jwt-factory/utils/keys`);
    assert.equal(ids.status, 200);
    assert.deepEqual(((await ids.json()) as { keys: string[] }).keys.includes('viewer-key'), false);
    assert.equal((await viewer.fetch(`${ts.url}/admin/users/u-plain`, { method: 'DELETE' })).status, 403);

    const plain = await signedIn(ts, users[2]!);
    const none = await plain.fetch(`${ts.url}/admin/clients`);
    assert.equal(none.status, 403);
    assert.match(((await none.json()) as { detail: string }).detail, /tessera:viewer or tessera:admin/);
    assert.equal((await fetch(`${ts.url}/admin/clients`)).status, 401, 'no credential at all');
  } finally {
    await ts.stop();
  }
});

test('a role taken away is gone at the next call; a wrong Authorization header is refused whatever the cookie; the admin token still works', async () => {
  const ts = await startService({ users });
  try {
    const b = await signedIn(ts, users[0]!);
    assert.equal((await whoami(ts, b)).status, 200);
    const demoted = await ts.admin('/admin/users/u-ops', { method: 'PATCH', body: JSON.stringify({ roles: [] }) });
    assert.equal(demoted.status, 200);
    assert.equal((await whoami(ts, b)).status, 403);

    const again = await ts.admin('/admin/users/u-ops', {
      method: 'PATCH',
      body: JSON.stringify({ roles: ['tessera:admin'] }),
    });
    assert.equal(again.status, 200);
    assert.equal((await whoami(ts, b)).status, 200);
    const wrong = await b.fetch(`${ts.url}/admin/whoami`, { headers: { authorization: 'Bearer not-the-token' } });
    assert.equal(wrong.status, 401);
    const token = (await (await ts.admin('/admin/whoami')).json()) as Record<string, unknown>;
    assert.deepEqual(token, { actor: 'admin', role: 'admin' });
  } finally {
    await ts.stop();
  }
});
