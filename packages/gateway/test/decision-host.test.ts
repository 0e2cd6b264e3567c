// The decision API decides on the original request's host: X-Original-Host from nginx (the only
// caller answered, decision-proxy.test.ts), never X-Forwarded-Host, and host-based policies see
// that host (not the Host of the call to the gateway).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { ISSUER, startStack } from './internal/fixtures.js';

const POLICIES = {
  'ra.yaml': `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
    - issuer: ${ISSUER}
      jwksUri: {{JWKS}}
`,
  'ap.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin-host, namespace: default }
spec:
  action: DENY
  rules:
    - to: [{ operation: { hosts: ["admin.example", "admin.example:*"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-all, namespace: default }
spec:
  action: ALLOW
  rules: [{}]
`,
};

async function decide(url: string, headers: Record<string, string>): Promise<number> {
  const res = await request(`${url}/_tessera/authz/auth`, {
    headers: { 'x-original-uri': '/x', 'x-original-method': 'GET', ...headers },
  });
  await res.body.dump();
  return res.statusCode;
}

test('a trusted proxy names the original host with X-Original-Host; host DENY rules apply to it', async (t) => {
  const s = await startStack(POLICIES, {
    decision: { onProxyListeners: true, proxy: 'nginx' },
    trustedProxies: ['127.0.0.1/32'],
  });
  t.after(() => s.close());
  const token = s.issuer.sign({ sub: 'alice' });
  assert.equal(await decide(s.url, { 'x-original-host': 'admin.example', authorization: `Bearer ${token}` }), 403);
  assert.equal(await decide(s.url, { 'x-original-host': 'shop.example', authorization: `Bearer ${token}` }), 200);
  // Through the proxy the same rule holds.
  const proxied = await request(`${s.url}/x`, { headers: { host: 'admin.example', authorization: `Bearer ${token}` } });
  await proxied.body.dump();
  assert.equal(proxied.statusCode, 403);
});

test('with nginx in front, X-Forwarded-Host cannot name the host (400), and X-Original-Host is required', async (t) => {
  const s = await startStack(POLICIES, {
    decision: { onProxyListeners: true, proxy: 'nginx' },
    trustedProxies: ['127.0.0.1/32'],
  });
  t.after(() => s.close());
  const token = s.issuer.sign({ sub: 'alice' });
  assert.equal(
    await decide(s.url, {
      host: 'admin.example',
      'x-original-host': 'admin.example',
      'x-forwarded-host': 'shop.example',
      authorization: `Bearer ${token}`,
    }),
    400,
  );
  assert.equal(await decide(s.url, { host: 'shop.example', authorization: `Bearer ${token}` }), 400);
});
