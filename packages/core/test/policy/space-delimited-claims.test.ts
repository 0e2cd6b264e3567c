// Space-delimited claims (hardening issue, Low item): Istio has Envoy split the `scope` and
// `permission` claims, and those a jwtRule lists in `spaceDelimitedClaims` (Istio ≥ 1.28), on
// spaces before `request.auth.claims[...]` conditions match. Real tokens, inline JWKS.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  compilePolicies,
  generateKey,
  isTesseraError,
  parsePolicies,
  signJwt,
  type GeneratedKey,
  type Identity,
  type PolicyIssue,
  type PolicyRequest,
  type PolicySet,
} from '@tessera/core';

const NOW = Date.UTC(2026, 0, 1);
const clock = () => NOW;
const IDP = 'https://idp.example';
const PARTNER = 'https://partner.example';
const idpKey = generateKey('ES256');
const partnerKey = generateKey('ES256');
const jwksOf = (key: GeneratedKey) => JSON.stringify({ keys: [key.publicJwk] });

const authn = `
apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
  - issuer: ${IDP}
    jwks: '${jwksOf(idpKey)}'
    spaceDelimitedClaims: [roles, provider.login.scope]
  - issuer: ${PARTNER}
    jwks: '${jwksOf(partnerKey)}'
`;

function setOf(authorization: string): PolicySet {
  return compilePolicies(parsePolicies(`${authn}---\n${authorization}`).documents, { clock });
}

function bearer(claims: Record<string, unknown>, issuer = IDP): PolicyRequest {
  const key = issuer === IDP ? idpKey : partnerKey;
  const token = signJwt({ iss: issuer, sub: 'alice', ...claims }, key.signingKey, { expiresIn: '5m', clock });
  return {
    method: 'GET',
    host: 'api.example',
    path: '/orders',
    port: 80,
    headers: { authorization: `Bearer ${token}` },
  };
}

/** Authenticates the request's token, then authorizes it. */
async function allowed(set: PolicySet, request: PolicyRequest): Promise<boolean> {
  const identity = await set.authenticate(request);
  assert.ok(identity, 'the token is valid');
  return set.authorize(request, identity).allowed;
}

const allowWhen = (key: string, field: 'values' | 'notValues', list: string[]) => `
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow, namespace: default }
spec:
  rules:
  - when:
    - key: ${key}
      ${field}: ${JSON.stringify(list)}
`;

test('scope and permission match as space-delimited lists, as Istio configures Envoy', async () => {
  const scope = setOf(allowWhen('request.auth.claims[scope]', 'values', ['orders:write']));
  assert.equal(await allowed(scope, bearer({ scope: 'orders:read orders:write' })), true);
  assert.equal(await allowed(scope, bearer({ scope: 'orders:write' })), true);
  assert.equal(await allowed(scope, bearer({ scope: 'orders:read' })), false);
  assert.equal(await allowed(scope, bearer({ scope: 'orders:read  orders:write ' })), true, 'empty parts skipped');
  // Split on the space character only, as Envoy (RFC 6749 §3.3 separates scope tokens with SP).
  assert.equal(await allowed(scope, bearer({ scope: 'orders:read\torders:write' })), false);
  // Every issuer: the default does not depend on spaceDelimitedClaims.
  assert.equal(await allowed(scope, bearer({ scope: 'a orders:write' }, PARTNER)), true);

  const permission = setOf(allowWhen('request.auth.claims[permission]', 'values', ['refund']));
  assert.equal(await allowed(permission, bearer({ permission: 'read refund' }, PARTNER)), true);
});

test('the whole string is no longer one value; wildcards and presence apply per element', async () => {
  const exact = setOf(allowWhen('request.auth.claims[scope]', 'values', ['orders:read orders:write']));
  assert.equal(await allowed(exact, bearer({ scope: 'orders:read orders:write' })), false, 'Envoy matches elements');

  const prefix = setOf(allowWhen('request.auth.claims[scope]', 'values', ['billing:*']));
  assert.equal(await allowed(prefix, bearer({ scope: 'orders:read billing:read' })), true);
  assert.equal(await allowed(prefix, bearer({ scope: 'orders:read xbilling:read' })), false);

  const suffix = setOf(allowWhen('request.auth.claims[scope]', 'values', ['*:admin']));
  assert.equal(await allowed(suffix, bearer({ scope: 'orders:admin orders:read' })), true);
  assert.equal(await allowed(suffix, bearer({ scope: 'orders:admin-not orders:read' })), false);

  const presence = setOf(allowWhen('request.auth.claims[scope]', 'values', ['*']));
  assert.equal(await allowed(presence, bearer({ scope: 'x' })), true);
  // Envoy replaces the claim only when the split yields an element: spaces alone stay one value.
  assert.equal(await allowed(presence, bearer({ scope: '   ' })), true, 'only spaces: kept as the string');
  assert.equal(await allowed(presence, bearer({ scope: '' })), false, 'empty: present but not non-empty');
  assert.equal(await allowed(presence, bearer({})), false);
});

test('notValues: a value is present when any element matches (an ALLOW cannot be widened by joining scopes)', async () => {
  const set = setOf(allowWhen('request.auth.claims[scope]', 'notValues', ['orders:delete']));
  // Before the fix the whole string "orders:read orders:delete" differed from "orders:delete": allowed.
  assert.equal(await allowed(set, bearer({ scope: 'orders:read orders:delete' })), false);
  assert.equal(await allowed(set, bearer({ scope: 'orders:read orders:write' })), true);
  const wildcard = setOf(allowWhen('request.auth.claims[scope]', 'notValues', ['*:delete']));
  assert.equal(await allowed(wildcard, bearer({ scope: 'orders:read orders:delete' })), false);
});

test("spaceDelimitedClaims: the verifying rule's list applies, to that issuer's tokens only", async () => {
  const set = setOf(`
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admins, namespace: default }
spec:
  action: DENY
  rules:
  - when:
    - key: request.auth.claims[roles]
      values: ["admin"]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-all, namespace: default }
spec: { rules: [{}] }
`);
  const idp = bearer({ roles: 'editor admin' });
  const decision = set.authorize(idp, await set.authenticate(idp));
  assert.deepEqual(
    [decision.allowed, decision.policy, decision.reason],
    [false, 'default/deny-admins', 'deny-matched'],
  );
  assert.equal(await allowed(set, bearer({ roles: 'editor viewer' })), true);
  // The partner's rule does not list `roles`: its string is one value, as in Istio.
  assert.equal(await allowed(set, bearer({ roles: 'editor admin' }, PARTNER)), true);
  assert.equal(await allowed(set, bearer({ roles: 'admin' }, PARTNER)), false);

  const identity = await set.authenticate(idp);
  assert.deepEqual([...(identity?.spaceDelimitedClaims ?? [])].sort(), [
    'permission',
    'provider.login.scope',
    'roles',
    'scope',
  ]);
  assert.match(set.explain(idp, identity).text, /deny-admins: matched rule 0/);
});

test('top-level names only, dots included; lists keep matching element by element, unsplit', async () => {
  const dotted = setOf(allowWhen('request.auth.claims[provider.login.scope]', 'values', ['b']));
  assert.equal(await allowed(dotted, bearer({ 'provider.login.scope': 'a b' })), true);
  assert.equal(await allowed(dotted, bearer({ 'provider.login.scope': 'a b' }, PARTNER)), false);

  // A nested path is never split (Envoy normalizes top-level claims), even under a listed name.
  const nested = setOf(allowWhen('request.auth.claims[roles][scope]', 'values', ['b']));
  assert.equal(await allowed(nested, bearer({ roles: { scope: 'a b' } })), false);
  const nestedScope = setOf(allowWhen('request.auth.claims[org][scope]', 'values', ['b']));
  assert.equal(await allowed(nestedScope, bearer({ org: { scope: 'a b' } })), false);
  assert.equal(await allowed(nestedScope, bearer({ org: { scope: 'b' } })), true);

  const list = setOf(allowWhen('request.auth.claims[scope]', 'values', ['orders:write']));
  assert.equal(await allowed(list, bearer({ scope: ['orders:read', 'orders:write'] })), true);
  assert.equal(
    await allowed(list, bearer({ scope: ['orders:read orders:write'] })),
    false,
    'list members are not split',
  );
});

test('explain shows the elements a space-delimited claim was matched as', async () => {
  const set = setOf(allowWhen('request.auth.claims[scope]', 'values', ['orders:delete']));
  const request = bearer({ scope: 'orders:read orders:write' });
  const { text } = set.explain(request, await set.authenticate(request));
  assert.match(text, /request\.auth\.claims\[scope\] values: \["orders:read","orders:write"\] matches none of/);
});

test('an identity built by hand: scope and permission split; its spaceDelimitedClaims add names', () => {
  const set = compilePolicies(
    parsePolicies(`${allowWhen('request.auth.claims[scope]', 'values', ['b'])}---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admins, namespace: default }
spec:
  action: DENY
  rules: [{ when: [{ key: "request.auth.claims[groups]", values: ["admin"] }] }]
`).documents,
  );
  const request: PolicyRequest = { method: 'GET', host: 'api.example', path: '/', port: 80, headers: {} };
  const identity = (claims: Record<string, unknown>, names?: string[]): Identity => ({
    requestPrincipal: `${IDP}/alice`,
    issuer: IDP,
    subject: 'alice',
    audiences: [],
    presenter: undefined,
    claims: { iss: IDP, sub: 'alice', ...claims },
    rule: { policy: 'test/by-hand', index: 0, issuer: IDP },
    headersToAdd: [],
    tokenLocation: { kind: 'header', name: 'authorization', prefix: 'Bearer ' },
    forwardOriginalToken: false,
    ...(names === undefined ? {} : { spaceDelimitedClaims: new Set(names) }),
  });
  assert.equal(set.authorize(request, identity({ scope: 'a b' })).allowed, true);
  assert.equal(set.authorize(request, identity({ scope: 'a b' }, [])).allowed, true, 'scope is always split');
  assert.equal(set.authorize(request, identity({ scope: 'a b', groups: 'x admin' })).allowed, true);
  assert.equal(set.authorize(request, identity({ scope: 'a b', groups: 'x admin' }, ['groups'])).allowed, false);
});

function issuesOf(yaml: string): PolicyIssue[] {
  try {
    parsePolicies(yaml, { file: 'ra.yaml' });
  } catch (error) {
    assert.ok(isTesseraError(error, 'ERR_POLICY_INVALID'), String(error));
    return error.details!.issues as PolicyIssue[];
  }
  return [];
}

const withDelimited = (value: string) => `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
  - issuer: ${IDP}
    spaceDelimitedClaims: ${value}
`;

test('the loader accepts jwtRules[].spaceDelimitedClaims and checks it is a list of non-empty strings', () => {
  assert.deepEqual(issuesOf(withDelimited('[roles, "provider.login.scope"]')), []);
  const doc = parsePolicies(withDelimited('[roles]')).documents[0]!;
  assert.equal(doc.kind, 'RequestAuthentication');
  assert.deepEqual(doc.kind === 'RequestAuthentication' && doc.spec?.jwtRules?.[0]?.spaceDelimitedClaims, ['roles']);
  assert.deepEqual(issuesOf(withDelimited('[]')), []);

  const at = (issues: PolicyIssue[]) => issues.map((i) => `${i.line}: ${i.path}: ${i.message}`);
  assert.deepEqual(at(issuesOf(withDelimited('roles'))), [
    '7: spec.jwtRules[0].spaceDelimitedClaims: spaceDelimitedClaims must be a list of strings',
  ]);
  assert.deepEqual(at(issuesOf(withDelimited('[roles, ""]'))), [
    '7: spec.jwtRules[0].spaceDelimitedClaims[1]: spaceDelimitedClaims[1] must not be empty',
  ]);
  assert.deepEqual(at(issuesOf(withDelimited('[roles, 3, { a: b }]'))), [
    '7: spec.jwtRules[0].spaceDelimitedClaims[1]: spaceDelimitedClaims[1] must be a string',
    '7: spec.jwtRules[0].spaceDelimitedClaims[2]: spaceDelimitedClaims[2] must be a string',
  ]);
  const many = JSON.stringify(Array.from({ length: 65 }, (_, i) => `c${i}`));
  assert.deepEqual(at(issuesOf(withDelimited(many))), [
    "7: spec.jwtRules[0].spaceDelimitedClaims: spaceDelimitedClaims lists 65 claims; at most 64 (Istio's limit)",
  ]);
});
