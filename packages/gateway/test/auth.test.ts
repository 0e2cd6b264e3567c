// End to end: JWKS server + gateway + echo upstream, with RequestAuthentication and
// AuthorizationPolicy files. What reaches the upstream is checked, and so are Envoy's answers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import type { Echo } from './internal/echo-upstream.js';
import { rawRequest } from './internal/raw-http.js';
import { ISSUER, silent, startIssuer, startStack, policyDir, type Stack } from './internal/fixtures.js';

const RA = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  selector: { matchLabels: { app: echo } }
  jwtRules:
    - issuer: ${ISSUER}
      jwksUri: {{JWKS}}
      outputPayloadToHeader: x-jwt-payload
      outputClaimToHeaders:
        - { header: x-jwt-sub, claim: sub }
`;
const AP = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-issuer, namespace: default }
spec:
  selector: { matchLabels: { app: echo } }
  action: ALLOW
  rules:
    - from: [{ source: { requestPrincipals: ["${ISSUER}/*"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: deny-admin, namespace: default }
spec:
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/admin", "/admin/*"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: shadow-deny-reports
  namespace: default
  annotations: { istio.io/dry-run: "true" }
spec:
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/reports/*"] } }]
`;

let s: Stack;
before(async () => {
  s = await startStack(
    { 'ra.yaml': RA, 'ap.yaml': AP },
    {},
    {
      mutations: {
        claimsToHeaders: [
          { header: 'x-user-groups', claim: 'groups' },
          { header: 'x-user-name', claim: 'profile.name' },
        ],
      },
    },
  );
});
after(async () => {
  await s.close();
});

const get = async (path: string, headers: Record<string, string> = {}) => {
  const res = await request(`${s.url}${path}`, { headers });
  const text = await res.body.text();
  return {
    status: res.statusCode,
    headers: res.headers,
    text,
    echo: res.statusCode === 200 ? (JSON.parse(text) as Echo) : undefined,
  };
};

test('a valid token passes; the token is stripped, claims and payload are forwarded, spoofed copies are dropped', async () => {
  const token = s.issuer.sign({ sub: 'alice', groups: ['dev', 'ops'], profile: { name: 'Alice' } });
  const r = await get('/api/items?x=1', {
    authorization: `Bearer ${token}`,
    'x-jwt-sub': 'mallory',
    'x-user-groups': 'admins',
    'x-jwt-payload': 'forged',
    'x-forwarded-host': 'evil.test',
  });
  assert.equal(r.status, 200, r.text);
  const h = r.echo!.headers;
  assert.equal(h.authorization, undefined, 'forwardOriginalToken defaults to false (Istio)');
  assert.equal(h['x-jwt-sub'], 'alice');
  assert.equal(h['x-user-groups'], 'dev,ops', 'array claims are joined');
  assert.equal(h['x-user-name'], 'Alice', 'nested claims');
  assert.equal(
    h['x-jwt-payload'],
    token.split('.')[1],
    "the payload header is the token's base64url payload, as Envoy",
  );
  assert.notEqual(h['x-forwarded-host'], 'evil.test');
  assert.equal(r.echo!.url, '/api/items?x=1');
});

test('no token → no identity → the ALLOW policy does not match → 403 RBAC: access denied', async () => {
  const before = s.upstream.received.length;
  const r = await get('/api/items');
  assert.equal(r.status, 403);
  assert.equal(r.text, 'RBAC: access denied');
  assert.equal(s.upstream.received.length, before);
});

test('invalid tokens → 401 with Envoy texts and an RFC 6750 challenge', async () => {
  const cases: [string, string][] = [
    [s.issuer.sign({ sub: 'a', exp: Math.floor(Date.now() / 1000) - 120 }), 'Jwt is expired'],
    [s.issuer.sign({ sub: 'a' }, { issuer: 'https://other.test' }), 'Jwt issuer is not configured'],
    [`${s.issuer.sign({ sub: 'a' }).slice(0, -4)}AAAA`, 'Jwt verification fails'],
    ['abc.def', 'Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections'],
  ];
  for (const [token, text] of cases) {
    const r = await get('/api/x', { authorization: `Bearer ${token}` });
    assert.equal(r.status, 401, text);
    assert.equal(r.text, text);
    assert.match(
      String(r.headers['www-authenticate']),
      /^Bearer realm="http:\/\/127\.0\.0\.1:\d+\/api\/x", error="invalid_token"$/,
    );
  }
});

test('path tricks cannot reach a DENY-protected path, and the gateway keeps serving', async () => {
  const token = s.issuer.sign({ sub: 'alice' });
  const before = s.upstream.received.length;
  for (const path of [
    '/admin',
    '/admin/',
    '//admin',
    '/api/../admin',
    '/%61dmin',
    '/x/%2e%2e/admin/users',
    '/./admin',
    '/admin/./x',
  ]) {
    const r = await rawRequest(s.url, [`GET ${path} HTTP/1.1`, 'Host: a.test', `Authorization: Bearer ${token}`]);
    assert.equal(r.status, 403, path);
  }
  for (const path of ['/admin%2fusers', '/%2e%2e%5cadmin', '/admin%00', '/adm\\in']) {
    const r = await rawRequest(s.url, [`GET ${path} HTTP/1.1`, 'Host: a.test', `Authorization: Bearer ${token}`]);
    assert.equal(r.status, 400, path);
  }
  assert.equal(s.upstream.received.length, before, 'nothing reached the upstream');
  assert.equal((await get('/api/ok', { authorization: `Bearer ${token}` })).status, 200);
});

test('duplicate, oversized and malformed credentials are refused', async () => {
  const token = s.issuer.sign({ sub: 'alice' });
  let r = await rawRequest(s.url, [
    'GET /api/x HTTP/1.1',
    'Host: a.test',
    `Authorization: Bearer ${token}`,
    `Authorization: Bearer ${token}`,
  ]);
  assert.equal(r.status, 400);
  r = await rawRequest(s.url, ['GET /api/x HTTP/1.1', 'Host: a.test', `Authorization: Bearer ${'a'.repeat(9000)}.b.c`]);
  assert.equal(r.status, 401);
  r = await rawRequest(s.url, ['GET /api/x HTTP/1.1', 'Host: a.test', 'Authorization: Bearer a b c']);
  assert.ok(r.status === 401 || r.status === 400, String(r.status));
  r = await rawRequest(s.url, ['GET /api/x HTTP/1.1', 'Host: a.test', `Authorization: Bearer ${'a'.repeat(40_000)}`]);
  assert.equal(r.status, 431);
  assert.equal((await get('/api/ok', { authorization: `Bearer ${token}` })).status, 200);
});

test('CR/LF and control characters in claims are never injected: rejected by default', async () => {
  const before = s.upstream.received.length;
  for (const evil of ['dev\r\nX-Admin: true', 'dev\nx', 'a\u0000b', 'é']) {
    const token = s.issuer.sign({ sub: 'alice', groups: [evil] });
    const r = await get('/api/x', { authorization: `Bearer ${token}` });
    assert.equal(r.status, 401, JSON.stringify(evil));
  }
  assert.equal(s.upstream.received.length, before);
});

test('dry-run policies are counted, not enforced; metrics carry Envoy-like counters', async () => {
  const token = s.issuer.sign({ sub: 'alice' });
  assert.equal((await get('/reports/q1', { authorization: `Bearer ${token}` })).status, 200);
  const metrics = await (await request(`${s.gateway.urls.admin}/metrics`)).body.text();
  assert.match(metrics, /tessera_gateway_rbac_shadow_denied_total\{route="echo"\} [1-9]/);
  assert.match(metrics, /tessera_gateway_rbac_denied_total\{route="echo"\} [1-9]/);
  assert.match(metrics, /tessera_gateway_jwt_authn_denied_total\{route="echo"\} [1-9]/);
  assert.match(metrics, /tessera_gateway_jwks_fetch_success_total [1-9]/);
  assert.match(metrics, /tessera_gateway_jwt_cache_hit_total [1-9]/);
  assert.match(metrics, /tessera_gateway_jwt_cache_miss_total [1-9]/);
});

test('JWKS endpoint down → 401 Jwks remote fetch is failed; requireJwt → 401 Jwt is missing', async () => {
  const issuer = await startIssuer();
  const jwksUrl = issuer.jwksUrl;
  await issuer.close();
  const { startEchoUpstream } = await import('./internal/echo-upstream.js');
  const upstream = await startEchoUpstream();
  const dir = policyDir({
    'ra.yaml': RA.replace('{{JWKS}}', jwksUrl).replace(
      'outputPayloadToHeader',
      'timeout: 500ms\n      outputPayloadToHeader',
    ),
  });
  const gw = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'echo', upstream: upstream.url, labels: { app: 'echo' }, requireJwt: true }],
        policies: { sources: [dir.dir], watch: false, defaultAction: 'allow' },
      },
    }),
    { logger: silent },
  );
  await gw.listen();
  try {
    const res = await request(`${gw.urls.main}/x`, {
      headers: { authorization: `Bearer ${issuer.sign({ sub: 'a' })}` },
    });
    assert.equal(res.statusCode, 401);
    assert.equal(await res.body.text(), 'Jwks remote fetch is failed');
    const missing = await request(`${gw.urls.main}/x`);
    assert.equal(missing.statusCode, 401);
    assert.equal(await missing.body.text(), 'Jwt is missing');
    assert.match(
      String(missing.headers['www-authenticate']),
      /^Bearer realm="[^"]+"$/,
      'no error attribute without a token (RFC 6750 §3.1)',
    );
  } finally {
    await gw.close();
    await upstream.close();
    dir.remove();
  }
});

test('admin /explain says which policy and rule decide a request, and why', async () => {
  const token = s.issuer.sign({ sub: 'alice' });
  const ask = async (path: string, auth?: string) => {
    const res = await request(
      `${s.gateway.urls.admin}/explain?method=GET&path=${encodeURIComponent(path)}&host=a.test`,
      { headers: auth ? { authorization: auth } : {} },
    );
    return {
      status: res.statusCode,
      body: (await res.body.json()) as {
        route: string;
        path: string;
        decision: { allowed: boolean; policy?: string; reason: string };
        text: string;
      },
    };
  };
  let r = await ask('/api/../admin', `Bearer ${token}`);
  assert.equal(r.status, 200);
  assert.equal(r.body.path, '/admin');
  assert.equal(r.body.decision.allowed, false);
  assert.equal(r.body.decision.policy, 'default/deny-admin');
  assert.match(r.body.text, /deny-admin/);
  r = await ask('/api/x', `Bearer ${token}`);
  assert.equal(r.body.decision.allowed, true);
  r = await ask('/api/x', 'Bearer not.a.jwt');
  assert.match(r.body.text, /^authentication fails \(ERR_JWT_/);
});

test('the access log is one JSON line per request with the reason (a stable code), its detail and the principal, never the token', async () => {
  const { Writable } = await import('node:stream');
  const pino = (await import('pino')).default;
  const lines: string[] = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk, _e, cb) {
        lines.push(String(chunk));
        cb();
      },
    }),
  );
  const { startStack: start } = await import('./internal/fixtures.js');
  const stack = await start({ 'ra.yaml': RA, 'ap.yaml': AP }, {}, {}, logger);
  try {
    const token = stack.issuer.sign({ sub: 'carol' });
    const ok = await request(`${stack.url}/api/a`, { headers: { authorization: `Bearer ${token}` } });
    await ok.body.dump();
    const denied = await request(`${stack.url}/admin`, { headers: { authorization: `Bearer ${token}` } });
    await denied.body.dump();
    const bad = await request(`${stack.url}/api/a`, { headers: { authorization: `Bearer ${token}x` } });
    await bad.body.dump();
    const access = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.type === 'access');
    assert.equal(access.length, 3);
    assert.deepEqual(
      access.map((a) => a.status),
      [200, 403, 401],
    );
    assert.deepEqual(
      access.map((a) => a.reason),
      ['allowed', 'ERR_GATEWAY_ACCESS_DENIED', access[2]!.reason],
    );
    assert.match(String(access[0]!.detail), /allow-matched default\/allow-issuer/);
    assert.equal(access[0]!.principal, `${ISSUER}/carol`);
    assert.match(String(access[1]!.detail), /deny-matched default\/deny-admin/);
    assert.equal(access[1]!.principal, `${ISSUER}/carol`, 'a denied caller is named too');
    assert.match(String(access[2]!.reason), /^ERR_JWT_/);
    const all = lines.join('\n');
    assert.ok(!all.includes(token.split('.')[2]!), 'no token (or signature) in any log line');
    assert.ok(!all.includes(token.split('.')[1]!), 'no token payload in any log line');
  } finally {
    await stack.close();
  }
});

test('forwardOriginalToken (jwtRule or route) keeps the token; a query-parameter token is removed when not forwarded', async () => {
  const { startStack: start } = await import('./internal/fixtures.js');
  const ra = (forward: boolean) =>
    RA.replace(
      '      outputPayloadToHeader: x-jwt-payload\n',
      `      outputPayloadToHeader: x-jwt-payload\n      forwardOriginalToken: ${forward}\n`,
    );
  const byRule = await start({ 'ra.yaml': ra(true), 'ap.yaml': AP });
  const byRoute = await start(
    { 'ra.yaml': ra(false), 'ap.yaml': AP },
    {},
    { mutations: { forwardOriginalToken: true } },
  );
  const stripped = await start({ 'ra.yaml': ra(false), 'ap.yaml': AP });
  try {
    for (const st of [byRule, byRoute]) {
      const token = st.issuer.sign({ sub: 'dave' });
      const res = await request(`${st.url}/api/x`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(((await res.body.json()) as Echo).headers.authorization, `Bearer ${token}`);
    }
    const token = stripped.issuer.sign({ sub: 'dave' });
    const res = await request(`${stripped.url}/api/x?access_token=${token}&keep=1`);
    assert.equal(res.statusCode, 200);
    const echo = (await res.body.json()) as Echo;
    assert.equal(echo.url, '/api/x?keep=1', 'the access_token parameter is not forwarded');
    assert.equal(echo.headers['x-jwt-sub'], 'dave');
  } finally {
    await byRule.close();
    await byRoute.close();
    await stripped.close();
  }
});
