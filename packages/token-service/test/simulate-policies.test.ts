// The policy simulator's endpoint (issue "The web console"): POST /admin/policies/simulate takes
// pasted Istio YAML and a request and answers as the gateway would, with core's request
// preparation and decision (what `tessera policy check` runs): 200 or 403 with the account of
// which policy and rule decided, 401 for a token the RequestAuthentication refuses, 400 for a
// request the gateway refuses itself, lint issues at their line. It fetches no URL from the
// pasted policies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { postForm, startService, type TestService } from './helpers.js';

const CLIENT = { id: 'orders-client', secret: 'orders-client-secret-0123' };

const policiesFor = (issuer: string) => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata:
  name: tessera-jwt
  namespace: default
spec:
  selector:
    matchLabels:
      app: orders
  jwtRules:
    - issuer: ${issuer}
      jwksUri: ${issuer}/.well-known/jwks.json
      audiences: [orders]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: orders-readers
  namespace: default
spec:
  selector:
    matchLabels:
      app: orders
  action: ALLOW
  rules:
    - from:
        - source:
            requestPrincipals: ["${issuer}/orders-client"]
      to:
        - operation:
            methods: [GET]
            paths: ["/orders/*"]
`;

async function simulate(ts: TestService, body: Record<string, unknown>) {
  const res = await ts.admin('/admin/policies/simulate', { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

test('a token of this service against pasted policies: 200 on the allowed path, 403 elsewhere with the account; a forged token 401; an assumed principal; a refused path 400', async () => {
  const ts = await startService({ clients: [{ id: CLIENT.id, secret: CLIENT.secret, audiences: ['orders'] }] });
  try {
    const issuer = ts.service.issuer;
    const policies = policiesFor(issuer);
    const token = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, CLIENT)).body[
      'access_token'
    ] as string;
    const request = { path: '/orders/1', labels: { app: 'orders' }, token };

    const allowed = await simulate(ts, { policies, request });
    assert.equal(allowed.status, 200);
    assert.equal(allowed.body['status'], 200);
    assert.equal(
      (allowed.body['identity'] as { requestPrincipal: string }).requestPrincipal,
      `${issuer}/orders-client`,
    );
    assert.match((allowed.body['explanation'] as { text: string }).text, /orders-readers/);

    const denied = await simulate(ts, { policies, request: { ...request, path: '/admin' } });
    assert.equal(denied.body['status'], 403);
    assert.equal((denied.body['decision'] as { allowed: boolean }).allowed, false);

    const [h, p, s] = token.split('.');
    const claims = JSON.parse(Buffer.from(p!, 'base64url').toString()) as Record<string, unknown>;
    const forged = [h, Buffer.from(JSON.stringify({ ...claims, scope: 'all' })).toString('base64url'), s].join('.');
    const refused = await simulate(ts, { policies, request: { ...request, token: forged } });
    assert.equal(refused.body['status'], 401);
    assert.match((refused.body['error'] as { code: string }).code, /^ERR_JW/);

    const assumed = await simulate(ts, {
      policies,
      request: { path: '/orders/7', labels: { app: 'orders' }, principal: `${issuer}/orders-client` },
    });
    assert.equal(assumed.body['status'], 200);
    const other = await simulate(ts, {
      policies,
      request: { path: '/orders/7', labels: { app: 'orders' }, principal: `${issuer}/somebody` },
    });
    assert.equal(other.body['status'], 403);

    const bad = await simulate(ts, { policies, request: { path: '/orders/%2F..%2Fadmin', labels: { app: 'orders' } } });
    assert.equal(bad.body['status'], 400);
    assert.equal(typeof bad.body['reason'], 'string');
  } finally {
    await ts.stop();
  }
});

test('lint issues come back at their line; a rule of another issuer is not fetched; bad input is a 400 problem', async () => {
  const ts = await startService();
  try {
    const lint = await simulate(ts, {
      policies:
        'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: x\nspec:\n  action: MAYBE\n',
      request: { path: '/' },
    });
    assert.equal(lint.status, 200);
    assert.equal(lint.body['valid'], false);
    const issues = lint.body['issues'] as { line?: number; path: string; message: string }[];
    assert.ok(issues.length > 0);
    assert.equal(issues[0]!.line, 6, JSON.stringify(issues));
    // A problem found only when the set is compiled (two policies of one kind and name) is an issue too.
    const twice = policiesFor(ts.url).split('---')[0]!;
    const duplicate = await simulate(ts, { policies: `${twice}---\n${twice}`, request: { path: '/' } });
    assert.equal(duplicate.status, 200, JSON.stringify(duplicate.body));
    assert.equal(duplicate.body['valid'], false);
    assert.ok((duplicate.body['issues'] as unknown[]).length > 0);

    const elsewhere = policiesFor('https://idp.example').replaceAll(
      'https://idp.example/.well-known',
      'http://169.254.169.254/keys',
    );
    const notFetched = await simulate(ts, {
      policies: elsewhere,
      request: {
        path: '/orders/1',
        labels: { app: 'orders' },
        token: 'eyJhbGciOiJSUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlIiwic3ViIjoieCJ9.c2ln',
      },
    });
    assert.equal(notFetched.body['status'], 401);
    assert.match((notFetched.body['error'] as { message: string }).message, /fetches no keys/);

    const both = await simulate(ts, { policies: 'x: 1', request: { path: '/', token: 'a.b.c', principal: 'i/s' } });
    assert.equal(both.status, 400);
    const noPath = await simulate(ts, { policies: 'x: 1', request: {} });
    assert.equal(noPath.status, 400);
  } finally {
    await ts.stop();
  }
});
