// `tessera policy check` evaluates with core, so `scope`, `permission` and the claims a jwtRule
// lists in `spaceDelimitedClaims` match as space-delimited lists there too: with a verified
// `--token` (core's identity) and with an assumed `--principal` and `--claim`s (the CLI's identity).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateKey, signJwt } from '@tessera/core';
import { runTessera } from './run-cli.js';

const IDP = 'https://idp.example';
const OTHER = 'https://other.example';
const key = generateKey('ES256');

// Inline JWKS, so `--token` is verified without fetching anything. The `roles` list applies to
// routes labelled app=orders only: a rule selected for another route does not count.
const POLICIES = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  selector: { matchLabels: { app: orders } }
  jwtRules:
  - issuer: ${IDP}
    jwks: '${JSON.stringify({ keys: [key.publicJwk] })}'
    spaceDelimitedClaims: [roles]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admins, namespace: default }
spec:
  action: DENY
  rules:
  - when: [{ key: "request.auth.claims[roles]", values: ["admin"] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-writers, namespace: default }
spec:
  rules:
  - when: [{ key: "request.auth.claims[scope]", values: ["orders:write"] }]
`;

let dir: string;
let file: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tessera-cli-space-delimited-'));
  file = join(dir, 'policies.yaml');
  await writeFile(file, POLICIES);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const check = (...args: string[]) =>
  runTessera(['policy', 'check', '--policies', file, '--method', 'POST', '--path', '/orders', ...args]);

test('--token: a verified scope "orders:read orders:write" matches orders:write; a listed roles claim is split', async () => {
  const token = (claims: Record<string, unknown>) =>
    signJwt({ iss: IDP, sub: 'alice', ...claims }, key.signingKey, { expiresIn: '5m' });
  const allowed = await check('--label', 'app=orders', '--token', token({ scope: 'orders:read orders:write' }));
  assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);
  assert.match(allowed.stdout, /^ALLOW: allow-matched \(policy default\/allow-writers, rule 0\)/);

  const denied = await check(
    '--label',
    'app=orders',
    '--token',
    token({ scope: 'orders:write', roles: 'editor admin' }),
  );
  assert.equal(denied.code, 1, denied.stdout + denied.stderr);
  assert.match(denied.stdout, /^DENY 403: deny-matched \(policy default\/deny-admins, rule 0\)/);
});

test("--principal: --claim values are split as the issuer's jwtRules for the route say", async () => {
  const assume = (principal: string, labels: string, ...claims: string[]) =>
    check('--label', labels, '--principal', principal, ...claims.flatMap((c) => ['--claim', c]));

  const allowed = await assume(`${IDP}/alice`, 'app=orders', 'scope=orders:read orders:write', 'roles=editor viewer');
  assert.equal(allowed.code, 0, allowed.stdout + allowed.stderr);

  const denied = await assume(`${IDP}/alice`, 'app=orders', 'scope=orders:write', 'roles=editor admin');
  assert.equal(denied.code, 1, denied.stdout + denied.stderr);
  assert.match(denied.stdout, /deny-admins/);

  // `roles` is listed for IDP on app=orders only; scope is split for every issuer and route.
  const otherIssuer = await assume(
    `${OTHER}/bob`,
    'app=orders',
    'scope=orders:read orders:write',
    'roles=editor admin',
  );
  assert.equal(otherIssuer.code, 0, otherIssuer.stdout + otherIssuer.stderr);
  const otherRoute = await assume(
    `${IDP}/alice`,
    'app=billing',
    'scope=orders:read orders:write',
    'roles=editor admin',
  );
  assert.equal(otherRoute.code, 0, otherRoute.stdout + otherRoute.stderr);
});
