// Hardening issue, Low item, end to end: `scope` and `permission` claims, and the claims a
// jwtRule lists in `spaceDelimitedClaims`, match `request.auth.claims[...]` conditions as
// space-delimited lists, as Istio configures Envoy.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { parsePolicies } from '@tessera/core';
import { ISSUER, startStack, type Stack } from './internal/fixtures.js';

const RA = (extra = '') => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
    - issuer: ${ISSUER}
      jwksUri: {{JWKS}}
${extra}`;

const ALLOW_WRITERS = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-writers, namespace: default }
spec:
  rules:
    - to: [{ operation: { methods: ["POST"], paths: ["/orders"] } }]
      when:
        - key: request.auth.claims[scope]
          values: ["orders:write"]
    - to: [{ operation: { methods: ["POST"], paths: ["/refunds"] } }]
      when:
        - key: request.auth.claims[permission]
          values: ["refund"]
        - key: request.auth.claims[scope]
          notValues: ["readonly"]
`;

const DENY_ADMINS = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admins, namespace: default }
spec:
  action: DENY
  rules:
    - when:
        - key: request.auth.claims[roles]
          values: ["admin"]
`;

async function post(
  s: Stack,
  path: string,
  claims: Record<string, unknown>,
  via: 'header' | 'param' = 'header',
): Promise<number> {
  const token = s.issuer.sign({ sub: 'alice', ...claims });
  const url = via === 'header' ? `${s.url}${path}` : `${s.url}${path}?access_token=${token}`;
  const res = await request(url, {
    method: 'POST',
    headers: via === 'header' ? { authorization: `Bearer ${token}` } : {},
    body: '{}',
  });
  await res.body.dump();
  return res.statusCode;
}

describe('scope and permission (every jwtRule)', () => {
  let s: Stack;
  before(async () => {
    s = await startStack({ 'ra.yaml': RA(), 'ap.yaml': ALLOW_WRITERS });
  });
  after(() => s?.close());

  test('ALLOW on request.auth.claims[scope] matches one scope of a space-delimited scope claim', async () => {
    assert.equal(await post(s, '/orders', { scope: 'orders:read orders:write' }), 200);
    assert.equal(await post(s, '/orders', { scope: 'orders:read' }), 403);
    assert.equal(await post(s, '/orders', { scope: 'orders:read orders:writer' }), 403);
    assert.equal(await post(s, '/orders', { scope: 'orders:read orders:write' }, 'param'), 200, 'query token too');
  });

  test('the same token twice (the identity cache path) gives the same answer', async () => {
    const token = s.issuer.sign({ sub: 'bob', scope: 'orders:read orders:write' });
    for (let i = 0; i < 2; i++) {
      const res = await request(`${s.url}/orders`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
      await res.body.dump();
      assert.equal(res.statusCode, 200, `request ${i}`);
    }
  });

  test('permission is space-delimited; notValues on scope denies when any element matches', async () => {
    assert.equal(await post(s, '/refunds', { permission: 'read refund', scope: 'orders:read' }), 200);
    assert.equal(await post(s, '/refunds', { permission: 'read refund', scope: 'orders:read readonly' }), 403);
  });
});

describe('a claim the jwtRule lists in spaceDelimitedClaims', () => {
  const files = {
    'ra.yaml': RA('      spaceDelimitedClaims: [roles]\n'),
    'ap.yaml': `${DENY_ADMINS}---\n${ALLOW_WRITERS}`,
  };
  let s: Stack | undefined;
  before(async () => {
    // The loader must accept the field; checked first so a refusal fails here, with its message.
    parsePolicies(files['ra.yaml'].replace('{{JWKS}}', 'https://jwks.example/jwks.json'));
    s = await startStack(files);
  });
  after(() => s?.close());

  test('DENY matches one of its space-separated values, and list values as before', async () => {
    assert.equal(await post(s!, '/orders', { scope: 'orders:write', roles: 'editor admin' }), 403);
    assert.equal(await post(s!, '/orders', { scope: 'orders:write', roles: ['editor', 'admin'] }), 403);
    assert.equal(await post(s!, '/orders', { scope: 'orders:write', roles: 'editor viewer' }), 200);
    assert.equal(await post(s!, '/orders', { scope: 'orders:write', roles: 'administrator' }), 200);
  });
});
