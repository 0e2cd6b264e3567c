import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parsePolicies } from '@tessera/core';
import { joinPolicyFiles } from './simulator-gateways';
import { EMPTY_SIMULATOR_REQUEST, openedRequest, savedRequest, simulatorRequest } from './simulator-request';

test('the form as the API request: headers lower-cased and joined, labels parsed, only the chosen identity sent', () => {
  const built = simulatorRequest({
    ...EMPTY_SIMULATOR_REQUEST,
    method: 'POST',
    path: '/orders?x=1',
    host: 'orders.example:8443',
    port: '8443',
    headers: 'X-Tenant: a\nx-tenant: b\nAccept:text/html\n\n',
    identity: 'principal',
    token: 'not sent',
    principal: 'https://auth.example/alice',
    claims: '{"groups": ["admin"]}',
    peerPrincipal: 'spiffe://cluster.local/ns/shop/sa/web',
    labels: 'app=orders, tier=api',
  });
  assert.ok('request' in built);
  assert.deepEqual(built.request, {
    method: 'POST',
    path: '/orders?x=1',
    host: 'orders.example:8443',
    port: 8443,
    headers: { 'x-tenant': 'a, b', accept: 'text/html' },
    principal: 'https://auth.example/alice',
    claims: { groups: ['admin'] },
    peerPrincipal: 'spiffe://cluster.local/ns/shop/sa/web',
    sourceIp: '127.0.0.1',
    labels: { app: 'orders', tier: 'api' },
    namespace: 'default',
    encodedSlashes: 'reject',
    allowPathParameters: false,
    caseInsensitivePaths: false,
  });
});

test('what is wrong is said per field', () => {
  const built = simulatorRequest({
    ...EMPTY_SIMULATOR_REQUEST,
    method: ' ',
    path: 'orders',
    port: '70000',
    headers: 'no colon here',
    identity: 'principal',
    principal: 'alice',
    claims: '["admin"]',
    labels: 'app',
  });
  assert.ok('problems' in built);
  assert.deepEqual(
    built.problems.map((p) => p.field),
    ['method', 'path', 'port', 'headers', 'labels', 'principal', 'claims'],
  );
  const noToken = simulatorRequest({ ...EMPTY_SIMULATOR_REQUEST, identity: 'token', token: '  ' });
  assert.ok('problems' in noToken);
  assert.deepEqual(
    noToken.problems.map((p) => p.field),
    ['token'],
  );
});

test('a saved request leaves the token out unless asked, and opens back into the same form', () => {
  const form = {
    ...EMPTY_SIMULATOR_REQUEST,
    path: '/data',
    headers: 'x-a: 1',
    identity: 'token' as const,
    token: 'eyJ.secret.token',
    labels: 'app=backend',
    defaultAction: 'allow' as const,
  };
  const built = simulatorRequest(form);
  assert.ok('request' in built);
  const without = savedRequest(built.request, 'allow', false);
  assert.doesNotMatch(without, /secret/);
  const withToken = savedRequest(built.request, 'allow', true);
  const opened = openedRequest(withToken);
  assert.ok('form' in opened);
  assert.deepEqual(opened.form, form);
  const openedWithout = openedRequest(without);
  assert.ok('form' in openedWithout);
  assert.equal(openedWithout.form.identity, 'none');
  assert.ok('problem' in openedRequest('{"policies": "x"}'));
  assert.ok('problem' in openedRequest('not json'));
});

test("a gateway's files as one YAML text: each after its name, the linter's lines those of the text", () => {
  const ap = (name: string) =>
    `apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: ${name}\nspec: {}`;
  const text = joinPolicyFiles([
    { file: 'a.yaml', yaml: ap('a') },
    { file: 'b\n.yaml', yaml: `---\n${ap('b')}\n---\n` },
    { file: 'c.yaml', yaml: `${ap('c')}\n` },
  ]);
  assert.match(text, /^# file: a\.yaml\n/);
  assert.match(text, /\n# file: b \.yaml\n/);
  const { documents } = parsePolicies(text, { file: 'policies.yaml' });
  assert.deepEqual(
    documents.map((d) => [d.metadata.name, d.source?.line]),
    [
      ['a', 2],
      ['b', 10],
      ['c', 18],
    ],
  );
});
