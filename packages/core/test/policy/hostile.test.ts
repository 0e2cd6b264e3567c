// Hostile input against the policy engine: prototype keys, odd types, path tricks, huge values.
// Nothing may throw out of authorize, and nothing may match by accident.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compilePolicies,
  generateKey,
  isTesseraError,
  normalizePath,
  parsePolicies,
  signJwt,
  type Identity,
  type PolicyRequest,
} from '@tessera/core';

const set = compilePolicies(
  parsePolicies(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-some, namespace: default }
spec:
  rules:
  - when: [{ key: "request.headers[constructor]", values: ["*"] }]
  - when: [{ key: "request.headers[__proto__]", values: ["*"] }]
  - when: [{ key: "request.auth.claims[constructor]", values: ["*"] }]
  - when: [{ key: "request.auth.claims[toString]", values: ["*"] }]
  - when: [{ key: "request.auth.claims[__proto__][polluted]", values: ["*"] }]
  - to: [{ operation: { paths: ["/public/*"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin, namespace: default }
spec:
  action: DENY
  rules:
  - to: [{ operation: { paths: ["/admin", "/admin/*"] } }]
`).documents,
);

const req = (over: Partial<PolicyRequest> = {}): PolicyRequest => ({
  method: 'GET',
  host: 'h',
  path: '/x',
  port: 80,
  headers: {},
  ...over,
});
const identity = (claims: Record<string, unknown>): Identity => ({
  requestPrincipal: 'i/s',
  issuer: 'i',
  subject: 's',
  audiences: [],
  presenter: undefined,
  claims,
  rule: { policy: 'p', index: 0, issuer: 'i' },
  headersToAdd: [],
  tokenLocation: { kind: 'header', name: 'authorization', prefix: 'Bearer ' },
  forwardOriginalToken: false,
});

test('prototype members of headers and claims never match', () => {
  assert.equal(set.authorize(req({ headers: {} })).allowed, false);
  assert.equal(set.authorize(req(), identity({})).allowed, false);
  assert.equal(
    set.authorize(req(), identity(JSON.parse('{"__proto__": {"polluted": "yes"}}') as Record<string, unknown>)).allowed,
    true,
    'an own __proto__ claim from JSON.parse is a real claim',
  );
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.equal(
    set.authorize(req({ headers: { constructor: 'x' } as unknown as Record<string, string> })).allowed,
    true,
    'an own header named constructor is a real header',
  );
});

test('odd values in requests and identities never throw', () => {
  const odd = [
    req({ headers: { 'x-a': ['a', 'b'] as unknown as string } }),
    req({ sourceIp: 'not-an-ip', remoteIp: '999.1.1.1', destinationIp: '::ffff:zz' }),
    req({ sourceIp: 'fe80::1%eth0' }),
    req({ host: 'H'.repeat(10_000), path: '/' + 'a/'.repeat(5000) }),
    req({ peerPrincipal: '/ns/', peerNamespace: undefined }),
  ];
  for (const r of odd)
    assert.doesNotThrow(() => set.authorize(r, identity({ groups: [null, {}, 1, 'x'], nested: { deep: [[['x']]] } })));
  for (const r of odd) assert.doesNotThrow(() => set.explain(r, identity({ a: 1n })));
});

test('path tricks are normalized before matching: the DENY still applies', () => {
  for (const raw of [
    '/admin',
    '//admin',
    '/admin/',
    '/./admin',
    '/public/../admin',
    '/%61dmin',
    '/ADMIN/../admin',
    '/public/%2e%2e/admin/x',
  ]) {
    const { path } = normalizePath(raw);
    const decision = set.authorize(req({ path }));
    assert.equal(decision.allowed, false, `${raw} → ${path}`);
    assert.equal(decision.action, 'DENY', `${raw} → ${path}`);
  }
  for (const raw of ['/admin%2f', '/public\\..\\admin', '/public/..%5cadmin', '/admin%00']) {
    assert.throws(
      () => normalizePath(raw),
      (e: unknown) => isTesseraError(e, 'ERR_HTTP_PATH_INVALID'),
      raw,
    );
  }
});

test('tokens with hostile claims authenticate into inert identities', async () => {
  const key = generateKey('ES256');
  const auth = compilePolicies(
    parsePolicies(`
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
  - issuer: https://i
    jwks: '${JSON.stringify({ keys: [key.publicJwk] })}'
    outputClaimToHeaders:
    - { header: x-name, claim: name }
    - { header: x-proto, claim: __proto__.polluted }
`).documents,
  );
  const token = signJwt(
    { iss: 'https://i', sub: 'a\r\nb', name: 'evil\r\nx-injected: 1', constructor: 'c' },
    key.signingKey,
    { expiresIn: '5m' },
  );
  const id = await auth.authenticate(
    req({ headers: { authorization: `Bearer ${token}`, cookie: undefined as unknown as string } }),
  );
  assert.ok(id);
  assert.equal(id.subject, 'a\r\nb');
  // Passed on raw: the gateway refuses CR/LF in headers (documented); nothing here interprets them.
  assert.deepEqual(id.headersToAdd, [['x-name', 'evil\r\nx-injected: 1']]);
});
