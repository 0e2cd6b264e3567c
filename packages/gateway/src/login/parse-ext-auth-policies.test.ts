import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseExtAuthPolicies } from './parse-ext-auth-policies.js';

// The brief's ExtAuthPolicy (scenario 002, Gloo Gateway), as written there (trailing spaces included),
// with its placeholders filled in.
const BRIEF = `apiVersion: security.policy.gloo.solo.io/v2 
kind: ExtAuthPolicy
metadata: 
  name: webui-auth0
  namespace: default
spec: 
  applyToRoutes:
    - route:
        labels:
          oauth: "true"
  config: 
    glooAuth: 
      configs: 
      - oauth2: 
          oidcAuthorizationCode: 
            appUrl: https://webuitest.com
            callbackPath: /callback
            clientId: webui
            # Reference to the secret we created earlier
            clientSecretRef: 
              name: auth0-client-secret
              namespace: default
            issuerUrl: https://idp.example/
            scopes:
            - openid
            - profile
            logoutPath: /logout
            headers:
              idTokenHeader: "jwt"
              accessTokenHeader: "my_access_token"
            identityToken:
              claimsToHeaders:
                - claim: name
                  header: x-name
                - claim: nickname
                  header: x-nickname
                - claim: picture
                  header: x-picture
    # Lastly, we're referencing the auth server we created earlier
    server:
      name: webui
`;

test("the brief's ExtAuthPolicy loads unchanged, with Gloo's defaults", () => {
  const { policies, issues, warnings } = parseExtAuthPolicies(BRIEF, 'webui-auth.yaml');
  assert.deepEqual(issues, []);
  assert.deepEqual(warnings, []);
  assert.equal(policies.length, 1);
  const [p] = policies;
  assert.equal(p!.name, 'webui-auth0');
  assert.equal(p!.source, 'webui-auth.yaml:1');
  assert.deepEqual(p!.applyToRoutes, [{ oauth: 'true' }]);
  const o = p!.oidc;
  assert.equal(o.appUrl, 'https://webuitest.com');
  assert.equal(o.callbackPath, '/callback');
  assert.deepEqual(o.clientSecretRef, { name: 'auth0-client-secret', namespace: 'default' });
  assert.deepEqual(o.scopes, ['openid', 'profile']);
  assert.equal(o.logoutPath, '/logout');
  assert.deepEqual(o.headers, {
    idTokenHeader: 'jwt',
    accessTokenHeader: 'my_access_token',
    useBearerSchemaForAuthorization: false,
  });
  assert.deepEqual(
    o.identityTokenClaimsToHeaders.map((c) => `${c.claim}→${c.header}`),
    ['name→x-name', 'nickname→x-nickname', 'picture→x-picture'],
  );
  assert.deepEqual(o.session.cookieOptions, {
    maxAge: 2_592_000,
    notSecure: false,
    httpOnly: true,
    path: '/',
    domain: undefined,
    sameSite: 'DefaultMode',
  });
  assert.equal(o.session.redis, undefined);
});

test('defaults: callbackPath /oauth-gloo-callback, openid added to the scopes; a Redis session with its defaults', () => {
  const text = `apiVersion: security.policy.gloo.solo.io/v2
kind: ExtAuthPolicy
metadata: { name: p }
spec:
  applyToRoutes: [{ route: { labels: { app: ui } } }]
  config:
    glooAuth:
      configs:
        - oauth2:
            oidcAuthorizationCode:
              appUrl: http://127.0.0.1:8080/
              clientId: ui
              issuerUrl: http://127.0.0.1:7400
              scopes: [profile]
              session:
                redis: { options: { host: "127.0.0.1:6379" }, preExpiryBuffer: 1500ms }
`;
  const { policies, issues } = parseExtAuthPolicies(text, 'p.yaml');
  assert.deepEqual(issues, []);
  const o = policies[0]!.oidc;
  assert.equal(o.callbackPath, '/oauth-gloo-callback');
  assert.equal(o.appUrl, 'http://127.0.0.1:8080');
  assert.deepEqual(o.scopes, ['openid', 'profile']);
  assert.equal(policies[0]!.namespace, 'default');
  assert.deepEqual(o.session.redis, {
    cookieName: '__session',
    keyPrefix: '',
    allowRefreshing: true,
    preExpiryBuffer: 1.5,
    headerName: undefined,
    host: '127.0.0.1:6379',
    db: 0,
  });
});

test('a field outside the accepted set, a bad value or a missing one is refused with file, line and field', () => {
  const broken = BRIEF.replace(
    '            logoutPath: /logout\n',
    '            logoutPath: logout\n            refreshIfExpired: true\n',
  )
    .replace('            clientId: webui\n', '')
    .replace('              idTokenHeader: "jwt"', '              idTokenHeader: 7');
  const { policies, issues } = parseExtAuthPolicies(broken, 'webui-auth.yaml');
  assert.equal(policies.length, 0);
  const lines = issues.map((i) => `${i.line}: ${i.path}: ${i.message}`);
  const base = 'spec.config.glooAuth.configs[0].oauth2.oidcAuthorizationCode';
  assert.ok(
    lines.includes(`27: ${base}.refreshIfExpired: unknown field (not accepted by this gateway)`),
    lines.join('\n'),
  );
  assert.ok(lines.includes(`29: ${base}.headers.idTokenHeader: must be a non-empty string`), lines.join('\n'));
  assert.ok(
    lines.some((l) => l.endsWith(`${base}.clientId: is required`)),
    lines.join('\n'),
  );
  assert.ok(lines.includes(`26: ${base}.logoutPath: must start with /`), lines.join('\n'));
  assert.ok(issues.every((i) => i.file === 'webui-auth.yaml'));
});

test("the brief's other Gloo kinds are skipped with a warning; Istio kinds are left to the policy loader", () => {
  const text = `apiVersion: networking.gloo.solo.io/v2
kind: RouteTable
metadata: { name: www }
spec: {}
---
apiVersion: admin.gloo.solo.io/v2
kind: ExtAuthServer
metadata: { name: webui }
spec: {}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-nothing }
spec: {}
`;
  const { policies, warnings, issues } = parseExtAuthPolicies(text, 'all.yaml');
  assert.deepEqual(policies, []);
  assert.deepEqual(issues, []);
  assert.deepEqual(
    warnings.map((w) => `${w.line}: ${w.message.split(' is ')[0]}`),
    ['1: skipped: RouteTable', '6: skipped: ExtAuthServer'],
  );
});
