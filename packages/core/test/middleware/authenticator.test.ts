import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createAuthenticator, TesseraError, type AuthRequest, type Verifier } from '@tessera/core';
import { makeVerifier, NOW, token } from './helpers.js';

const verifier = makeVerifier();
const auth = createAuthenticator({
  verifier,
  realm: 'orders',
  exempt: ['GET /health', '/public/*'],
  requirements: [
    { route: 'POST /orders/*', scopes: ['orders:write'] },
    { route: '/admin/*', claims: { role: ['admin', 'root'] } },
    { route: '/tenant', claims: { tenant: 'acme' } },
  ],
});

const req = (url: string, authorization?: string | string[], method = 'GET'): AuthRequest => ({
  method,
  url,
  headers: authorization === undefined ? {} : { authorization },
});

test('a valid token passes and is returned', async () => {
  const r = await auth.authenticate(req('/orders', `Bearer ${token()}`));
  assert.equal(r.ok, true);
  assert.ok(r.ok && !r.exempt && r.token.payload.sub === 'svc-a');
});

test('missing token: 401 with a challenge without error', async () => {
  const r = await auth.authenticate(req('/orders'));
  assert.ok(!r.ok);
  assert.equal(r.status, 401);
  assert.equal(r.headers['www-authenticate'], 'Bearer realm="orders"');
  assert.equal(r.error.code, 'ERR_AUTH_TOKEN_MISSING');
});

test('bad, forged and expired tokens: 401 invalid_token', async () => {
  for (const [value, code] of [
    ['Bearer not.a.jwt', 'ERR_JWT_MALFORMED'],
    [`Bearer ${token({}, { foreignKey: true })}`, 'ERR_JWT_SIGNATURE_INVALID'],
    [`Bearer ${token({}, { at: NOW - 3600_000, expiresIn: 60 })}`, 'ERR_JWT_EXPIRED'],
    ['Bearer a b', 'ERR_JWT_MALFORMED'],
  ] as const) {
    const r = await auth.authenticate(req('/orders', value));
    assert.ok(!r.ok, value);
    assert.equal(r.status, 401);
    assert.equal(r.error.code, code);
    assert.match(r.headers['www-authenticate']!, /^Bearer realm="orders", error="invalid_token", error_description="/);
  }
});

test('scopes: scope string and scp array; missing scope is 403 insufficient_scope', async () => {
  const ok1 = await auth.authenticate(
    req('/orders/1', `Bearer ${token({ scope: 'orders:read orders:write' })}`, 'POST'),
  );
  assert.equal(ok1.ok, true);
  const ok2 = await auth.authenticate(req('/orders/1', `Bearer ${token({ scp: ['orders:write'] })}`, 'POST'));
  assert.equal(ok2.ok, true);
  const r = await auth.authenticate(req('/orders/1', `Bearer ${token({ scope: 'orders:read' })}`, 'POST'));
  assert.ok(!r.ok);
  assert.equal(r.status, 403);
  assert.equal(
    r.headers['www-authenticate'],
    'Bearer realm="orders", error="insufficient_scope", error_description="the token lacks the scope orders:write", scope="orders:write"',
  );
  // The requirement is for POST only.
  assert.equal((await auth.authenticate(req('/orders/1', `Bearer ${token({ scope: 'orders:read' })}`))).ok, true);
});

test('requirements follow lenient routers: case, trailing slash, encoding, dot segments', async () => {
  const weak = `Bearer ${token({ scope: 'orders:read' })}`;
  for (const url of ['/ORDERS/1', '/orders/1/', '/%6frders/1', '/x/../orders/1', '//orders/1', '/orders']) {
    const r = await auth.authenticate(req(url, weak, 'POST'));
    assert.ok(!r.ok && r.status === 403, url);
  }
});

test('claims: equal and one-of, arrays in the token, strict types', async () => {
  assert.equal((await auth.authenticate(req('/admin/x', `Bearer ${token({ role: 'root' })}`))).ok, true);
  assert.equal((await auth.authenticate(req('/admin/x', `Bearer ${token({ role: ['user', 'admin'] })}`))).ok, true);
  for (const role of ['user', ['user'], undefined, 1]) {
    const r = await auth.authenticate(req('/admin/x', `Bearer ${token({ role })}`));
    assert.ok(!r.ok && r.status === 403, String(role));
  }
  assert.equal((await auth.authenticate(req('/tenant', `Bearer ${token({ tenant: 'acme' })}`))).ok, true);
  const r = await auth.authenticate(req('/tenant', `Bearer ${token({ tenant: 'evil' })}`));
  assert.ok(!r.ok && r.status === 403 && r.error.code === 'ERR_AUTH_INSUFFICIENT_SCOPE');
});

test('exempt routes need no token, with exact method and path', async () => {
  const r = await auth.authenticate(req('/health'));
  assert.ok(r.ok && r.exempt);
  assert.ok((await auth.authenticate(req('/health?x=1'))).ok);
  assert.ok((await auth.authenticate(req('/public/a/b.css'))).ok);
  assert.ok((await auth.authenticate(req('/public/a%20b'))).ok);
  for (const [method, url] of [
    ['POST', '/health'],
    ['GET', '/health/'],
    ['GET', '/HEALTH'],
    ['GET', '/public'],
    ['GET', '/healthz'],
  ] as const) {
    const r2 = await auth.authenticate(req(url, undefined, method));
    assert.ok(!r2.ok && r2.status === 401, `${method} ${url}`);
  }
});

test('path tricks never reach an exemption', async () => {
  for (const url of [
    '/health/../admin',
    '/public/../admin',
    '/public/%2e%2e/admin',
    '/public/..%2Fadmin',
    '/public/%2E%2E%2Fadmin',
    '/public/..;/admin',
    '/public//../admin',
    '/public\\..\\admin',
    '/public/%252e%252e/admin',
    '/%68ealth',
    '/public/./x',
    'http://evil/health',
    '*',
    '/public/%00',
    '/public/%5C..',
  ]) {
    const r = await auth.authenticate(req(url));
    assert.ok(!r.ok && r.status === 401, url);
  }
});

test('duplicate Authorization headers and header+query: 400 invalid_request', async () => {
  const t = token();
  for (const r of [
    await auth.authenticate(req('/orders', [`Bearer ${t}`, `Bearer ${t}`])),
    await auth.authenticate(req(`/orders?access_token=${t}`, `Bearer ${t}`)),
  ]) {
    assert.ok(!r.ok);
    assert.equal(r.status, 400);
    assert.match(r.headers['www-authenticate']!, /error="invalid_request"/);
    assert.equal(r.error.code, 'ERR_AUTH_CREDENTIALS_CONFLICT');
  }
});

test('query tokens only when allowed', async () => {
  const t = token();
  assert.equal((await auth.authenticate(req(`/orders?access_token=${t}`))).ok, false);
  const withQuery = createAuthenticator({ verifier, allowQueryToken: true });
  assert.equal((await withQuery.authenticate(req(`/orders?access_token=${t}`))).ok, true);
});

test('a verifier that throws anything unexpected gives 401, logs without the token', async () => {
  const lines: unknown[] = [];
  const logger = {
    info: () => {},
    warn: () => {},
    error: (obj: Record<string, unknown>, msg?: string) => lines.push([obj, msg]),
  };
  const t = token();
  const throwers: Verifier[] = [
    { verify: (tok) => Promise.reject(new Error(`database down while checking ${tok}`)) },
    {
      verify: () => {
        throw new TypeError('sync throw');
      },
    },
    { verify: () => Promise.reject(new TesseraError('ERR_JWKS_FETCH_FAILED', 'jwks down', { status: 503 })) },
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the case under test: a verifier rejecting with a non-Error
    { verify: () => Promise.reject('a string') },
    { verify: () => Promise.resolve(undefined as never) },
  ];
  for (const v of throwers) {
    const a = createAuthenticator({ verifier: v, realm: 'r', logger });
    const r = await a.authenticate(req('/x', `Bearer ${t}`));
    assert.ok(!r.ok);
    assert.equal(r.status, 401);
    assert.equal(
      r.headers['www-authenticate'],
      'Bearer realm="r", error="invalid_token", error_description="the access token could not be verified"',
    );
    assert.ok(!r.body.includes('database') && !r.body.includes(t));
  }
  assert.equal(lines.length, throwers.length);
  assert.ok(!JSON.stringify(lines).includes(t), 'the token is never logged');
  assert.match(JSON.stringify(lines), /database down while checking \[token\]/);
});

test('options are checked at once', () => {
  assert.throws(() => createAuthenticator({}), /verifier/);
  assert.throws(
    () => createAuthenticator({ verifier, exempt: ['health'] }),
    (e: unknown) => e instanceof TesseraError && e.code === 'ERR_CONFIG_INVALID',
  );
  assert.throws(() => createAuthenticator({ verifier, exempt: ['/a/*/b'] }), /\*/);
  assert.throws(() => createAuthenticator({ verifier, exempt: ['/a/../b'] }), /segment/);
  assert.throws(() => createAuthenticator({ verifier, requirements: [{ route: '/x', scopes: ['a b'] }] }), /scope/);
  assert.throws(() => createAuthenticator({ verifier, requirements: [{ route: '/x', claims: { a: [] } }] }), /claims/);
  assert.throws(() => createAuthenticator({ verifier, exempt: ['G-T /x'] }), /method/);
});
