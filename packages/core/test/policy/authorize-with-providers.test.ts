// CUSTOM policies: the engine says which provider to ask; an injected function asks it. Here the
// function calls a real HTTP authorizer on 127.0.0.1 (ext_authz HTTP style: 200 allows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compilePolicies, parsePolicies, type ExternalAuthorizer, type PolicyRequest } from '@tessera/core';

const policies = parsePolicies(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ext-authz, namespace: default }
spec:
  action: CUSTOM
  provider: { name: http-authz }
  rules:
  - to: [{ operation: { paths: ["/protected/*"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-secret, namespace: default }
spec:
  action: DENY
  rules:
  - to: [{ operation: { paths: ["/protected/secret"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-get, namespace: default }
spec:
  rules:
  - to: [{ operation: { methods: ["GET"] } }]
`).documents;

const req = (path: string, headers: Record<string, string> = {}, method = 'GET'): PolicyRequest => ({
  method,
  host: 'api',
  path,
  port: 80,
  headers,
});

test('CUSTOM: the provider is asked when the rest allows; its answer decides', async (t) => {
  const seen: string[] = [];
  const server = createServer((request, response) => {
    seen.push(`${request.headers['x-original-path']?.toString()} ${request.headers['x-provider']?.toString()}`);
    if (request.headers['x-user'] === 'alice') {
      response.setHeader('x-authz-user', 'alice');
      response.end('ok');
    } else {
      response.statusCode = 403;
      response.end('denied by http-authz');
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => server.close());
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/check`;
  const ask: ExternalAuthorizer = async ({ provider, request }) => {
    const response = await fetch(url, {
      headers: { 'x-original-path': request.path, 'x-provider': provider, 'x-user': request.headers['x-user'] ?? '' },
      signal: AbortSignal.timeout(5000),
    });
    const body = await response.text();
    return {
      allowed: response.status === 200,
      status: response.status,
      headers: [...response.headers].filter(([n]) => n.startsWith('x-authz-')),
      body,
    };
  };
  const set = compilePolicies(policies);

  const pending = set.authorize(req('/protected/a', { 'x-user': 'alice' }));
  assert.equal(pending.allowed, false, 'fail closed until the provider is asked');
  assert.equal(pending.reason, 'custom-pending');
  assert.deepEqual(pending.custom, [{ provider: 'http-authz', policy: 'default/ext-authz', rule: 0 }]);

  const allowed = await set.authorizeWithProviders(req('/protected/a', { 'x-user': 'alice' }), undefined, ask);
  assert.equal(allowed.allowed, true);
  assert.equal(allowed.reason, 'allow-matched');
  assert.equal(allowed.policy, 'default/allow-get');
  assert.equal(allowed.custom.length, 1);

  const denied = await set.authorizeWithProviders(req('/protected/a', { 'x-user': 'mallory' }), undefined, ask);
  assert.equal(denied.allowed, false);
  assert.equal(denied.action, 'CUSTOM');
  assert.equal(denied.reason, 'custom-denied');
  assert.equal(denied.policy, 'default/ext-authz');
  assert.equal(denied.providerResult?.status, 403);
  assert.equal(denied.providerResult?.body, 'denied by http-authz');
  assert.deepEqual(seen, ['/protected/a http-authz', '/protected/a http-authz']);

  // DENY or a missing ALLOW decides without a call; an unmatched CUSTOM is never asked.
  const byDeny = await set.authorizeWithProviders(req('/protected/secret', { 'x-user': 'alice' }), undefined, ask);
  assert.equal(byDeny.reason, 'deny-matched');
  const byAllow = await set.authorizeWithProviders(req('/protected/a', { 'x-user': 'alice' }, 'POST'), undefined, ask);
  assert.equal(byAllow.reason, 'no-allow-matched');
  const notCustom = await set.authorizeWithProviders(req('/public'), undefined, ask);
  assert.equal(notCustom.allowed, true);
  assert.deepEqual(notCustom.custom, []);
  assert.equal(seen.length, 2);
});

test('CUSTOM: a provider that fails or answers nonsense denies (fail closed)', async () => {
  const set = compilePolicies(policies);
  const failing: ExternalAuthorizer = () => Promise.reject(new Error('connect ECONNREFUSED'));
  const broken = (() => Promise.resolve({ allowed: 'yes' })) as unknown as ExternalAuthorizer;
  const a = await set.authorizeWithProviders(req('/protected/a'), undefined, failing);
  assert.equal(a.allowed, false);
  assert.equal(a.reason, 'custom-error');
  const b = await set.authorizeWithProviders(req('/protected/a'), undefined, broken);
  assert.equal(b.allowed, false);
  assert.equal(b.reason, 'custom-denied');
});
