// The admin API: bearer admin credential, RFC 9457 problem JSON, client CRUD that takes effect at
// the token endpoint at once, manual key rotate/retire, and an audit record for every change.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { statSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { postForm, startService, type TestService } from './helpers.js';

let ts: TestService;
before(async () => {
  ts = await startService({ rateLimit: { enabled: false } });
});
after(() => ts.stop());

test('admin token: generated at first start, kept 0600 in the data directory', () => {
  const file = join(ts.dataDir, 'admin-token');
  assert.equal(statSync(file).mode & 0o777, 0o600);
  assert.equal(readFileSync(file, 'utf8').trim(), ts.service.adminToken);
  assert.ok(ts.service.adminToken.length >= 32);
});

test('without the admin credential: 401 problem JSON, nothing happens', async () => {
  for (const headers of <Record<string, string>[]>[
    {},
    { authorization: 'Bearer wrong-token-wrong-token-wrong' },
    { authorization: `Basic ${ts.service.adminToken}` },
  ]) {
    const res = await fetch(`${ts.url}/admin/clients`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'x' }),
    });
    assert.equal(res.status, 401);
    assert.equal(res.headers.get('content-type'), 'application/problem+json');
    assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer /);
    assert.deepEqual(await res.json(), {
      type: 'about:blank',
      title: 'Unauthorized',
      status: 401,
      detail: 'admin credential missing or wrong: the admin bearer token, or a console session',
      code: 'ERR_ADMIN_UNAUTHORIZED',
    });
  }
  assert.deepEqual(await ts.service.storage.clients.list(), []);
});

test('client CRUD: create (generated secret shown once), use, update, disable, delete — all audited', async () => {
  const created = await ts.admin('/admin/clients', {
    method: 'POST',
    body: JSON.stringify({ id: 'orders', audiences: ['inventory'], scopes: ['stock:read'] }),
  });
  assert.equal(created.status, 201);
  const body = (await created.json()) as Record<string, unknown>;
  const secret = body['client_secret'] as string;
  assert.equal(typeof secret, 'string');
  assert.equal(body['secretHash'], undefined, 'the hash never leaves the server');
  assert.equal(body['hasSecret'], true);

  const tokenOk = await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, { id: 'orders', secret });
  assert.equal(tokenOk.status, 200);
  assert.equal(tokenOk.body['scope'], 'stock:read');

  const listed = (await (await ts.admin('/admin/clients')).json()) as { clients: { id: string }[] };
  assert.deepEqual(
    listed.clients.map((c) => c.id),
    ['orders'],
  );
  assert.equal(JSON.stringify(listed).includes('scrypt$'), false);

  const dup = await ts.admin('/admin/clients', { method: 'POST', body: JSON.stringify({ id: 'orders' }) });
  assert.equal(dup.status, 409);
  assert.equal(((await dup.json()) as { code: string }).code, 'ERR_ADMIN_CONFLICT');

  const bad = await ts.admin('/admin/clients', {
    method: 'POST',
    body: JSON.stringify({ id: 'x', scopes: ['bad scope'], extra: 1 }),
  });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { detail: string }).detail, /scopes\.0/);

  const rotated = await ts.admin('/admin/clients/orders', {
    method: 'PATCH',
    body: JSON.stringify({ rotateSecret: true, scopes: ['stock:read', 'stock:write'] }),
  });
  assert.equal(rotated.status, 200);
  const newSecret = ((await rotated.json()) as { client_secret: string }).client_secret;
  assert.equal(
    (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, { id: 'orders', secret })).status,
    401,
    'the old secret stops working at once',
  );
  const withNew = await postForm(
    `${ts.url}/token`,
    { grant_type: 'client_credentials', scope: 'stock:write' },
    { id: 'orders', secret: newSecret },
  );
  assert.equal(withNew.status, 200);

  assert.equal(
    (await ts.admin('/admin/clients/orders', { method: 'PATCH', body: JSON.stringify({ enabled: false }) })).status,
    200,
  );
  assert.equal(
    (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, { id: 'orders', secret: newSecret }))
      .status,
    401,
  );

  assert.equal((await ts.admin('/admin/clients/orders', { method: 'DELETE' })).status, 204);
  assert.equal((await ts.admin('/admin/clients/orders')).status, 404);

  const audit = (await (await ts.admin('/admin/audit?limit=100')).json()) as {
    entries: { action: string; actor: string; target?: string }[];
  };
  const actions = audit.entries
    .filter((e) => e.target === 'orders')
    .map((e) => e.action)
    .reverse();
  assert.deepEqual(
    actions.filter((a) => a.startsWith('client.')),
    ['client.created', 'client.updated', 'client.updated', 'client.deleted'],
  );
  assert.ok(audit.entries.some((e) => e.action === 'token.issued' && e.actor === 'orders'));
  assert.equal(JSON.stringify(audit).includes(newSecret), false, 'no secret in the audit log');
});

test('keys: manual rotate publishes a next key first; retire hands over only to a published successor', async () => {
  const before = ((await (await ts.admin('/admin/keys')).json()) as { keys: { kid: string; state: string }[] }).keys;
  const active = before.find((k) => k.state === 'active')!;
  const retireEarly = await ts.admin(`/admin/keys/${active.kid}/retire`, { method: 'POST' });
  assert.equal(retireEarly.status, 409);
  assert.equal(((await retireEarly.json()) as { code: string }).code, 'ERR_KEYRING_TRANSITION_INVALID');

  const next = (await (await ts.admin('/admin/keys/rotate', { method: 'POST' })).json()) as {
    kid: string;
    state: string;
  };
  assert.equal(next.state, 'next');
  const jwks = (await (await fetch(`${ts.url}/.well-known/jwks.json`)).json()) as { keys: { kid: string }[] };
  assert.deepEqual(
    jwks.keys.map((k) => k.kid).sort(),
    [active.kid, next.kid].sort(),
    'the next key is published before it signs',
  );

  const emergency = (await (
    await ts.admin('/admin/keys/rotate', { method: 'POST', body: JSON.stringify({ immediate: true }) })
  ).json()) as { kid: string; state: string };
  assert.equal(emergency.state, 'active');
  const after = ((await (await ts.admin('/admin/keys')).json()) as { keys: { kid: string; state: string }[] }).keys;
  assert.equal(after.find((k) => k.kid === active.kid)!.state, 'retired');
  assert.equal(after.filter((k) => k.state === 'active').length, 1);
  const nextRetire = await ts.admin(`/admin/keys/${next.kid}/retire`, { method: 'POST' });
  assert.equal(
    ((await nextRetire.json()) as { state: string }).state,
    'removed',
    'a key that never signed goes at once',
  );
  const audit = (await (await ts.admin('/admin/audit?limit=50')).json()) as {
    entries: { action: string; actor: string }[];
  };
  assert.ok(audit.entries.some((e) => e.action === 'key.next' && e.actor === 'admin'));
});

test('unknown admin paths are 404 problem JSON; a malformed escape is 400', async () => {
  const res = await ts.admin('/admin/nothing');
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as { code: string }).code, 'ERR_ADMIN_NOT_FOUND');
  const bad = await ts.admin('/admin/clients/%E0%A4%A');
  assert.equal(bad.status, 400);
  assert.equal(((await bad.json()) as { code: string }).code, 'ERR_ADMIN_BAD_REQUEST');
});

test('client permissions: introspect and revocations default to false, are set on create and PATCH, and take effect at once', async () => {
  const created = await ts.admin('/admin/clients', {
    method: 'POST',
    body: JSON.stringify({ id: 'rs', audiences: ['rs'], secret: 'rs-secret-0123456789' }),
  });
  assert.equal(created.status, 201);
  const body = (await created.json()) as Record<string, unknown>;
  assert.equal(body['introspect'], false);
  assert.equal(body['revocations'], false);
  const rs = { id: 'rs', secret: 'rs-secret-0123456789' };
  const token = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, rs)).body[
    'access_token'
  ] as string;
  assert.deepEqual((await postForm(`${ts.url}/introspect`, { token }, rs)).body, { active: false });

  const patched = await ts.admin('/admin/clients/rs', {
    method: 'PATCH',
    body: JSON.stringify({ introspect: true, revocations: true }),
  });
  assert.equal(patched.status, 200);
  const view = (await patched.json()) as Record<string, unknown>;
  assert.equal(view['introspect'], true);
  assert.equal(view['revocations'], true);
  const stored = await ts.service.storage.clients.get('rs');
  assert.equal(stored?.introspect, true);
  assert.equal(stored?.revocations, true);
  assert.equal((await postForm(`${ts.url}/introspect`, { token }, rs)).body['active'], true);

  const bad = await ts.admin('/admin/clients/rs', { method: 'PATCH', body: JSON.stringify({ introspect: 'yes' }) });
  assert.equal(bad.status, 400);
  await bad.body?.cancel();
  assert.equal((await ts.admin('/admin/clients/rs', { method: 'DELETE' })).status, 204);
});

test('PATCH applies the login fields (redirect URIs, post-logout URIs, first party, back-channel URI) and keeps a public client public', async () => {
  const ts = await startService();
  try {
    const created = await ts.admin('/admin/clients', {
      method: 'POST',
      body: JSON.stringify({
        id: 'spa',
        public: true,
        grantTypes: ['authorization_code'],
        redirectUris: ['https://spa.example/cb'],
        audiences: ['api'],
      }),
    });
    assert.equal(created.status, 201);
    const patched = await ts.admin('/admin/clients/spa', {
      method: 'PATCH',
      body: JSON.stringify({
        redirectUris: ['https://spa.example/callback'],
        postLogoutRedirectUris: ['https://spa.example/'],
        firstParty: true,
        backchannelLogoutUri: 'https://spa.example/logout',
      }),
    });
    assert.equal(patched.status, 200);
    const stored = (await (await ts.admin('/admin/clients/spa')).json()) as Record<string, unknown>;
    assert.deepEqual(stored['redirectUris'], ['https://spa.example/callback']);
    assert.deepEqual(stored['postLogoutRedirectUris'], ['https://spa.example/']);
    assert.equal(stored['firstParty'], true);
    assert.equal(stored['backchannelLogoutUri'], 'https://spa.example/logout');
    for (const body of [{ grantTypes: ['client_credentials'] }, { rotateSecret: true }, { secret: 'x'.repeat(32) }]) {
      const refused = await ts.admin('/admin/clients/spa', { method: 'PATCH', body: JSON.stringify(body) });
      assert.equal(refused.status, 400, JSON.stringify(body));
      assert.equal(((await refused.json()) as { code: string }).code, 'ERR_ADMIN_BAD_REQUEST');
    }
  } finally {
    await ts.stop();
  }
});
