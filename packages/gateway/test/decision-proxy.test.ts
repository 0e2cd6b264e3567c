// The decision API believes its caller about another request, so the front proxy is named
// (`decision.proxy`) and only its own family of headers describes the original request. The attack
// this reproduces: Traefik's forwardAuth sets X-Forwarded-Uri and passes every client header
// through, so a client that added `X-Original-URI: /public/x` to a request for /admin was decided
// on /public/x and got 200 where a DENY applied.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { request } from 'undici';
import { ISSUER, startStack, type Stack } from './internal/fixtures.js';
import { isGatewayConfigError, loadGatewayConfig } from './internal/gateway-exports.js';

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
metadata: { name: deny-admin, namespace: default }
spec:
  action: DENY
  rules:
    - to: [{ operation: { paths: ["/admin*"] } }]
    - to: [{ operation: { methods: [DELETE] } }]
    - to: [{ operation: { hosts: ["admin.example", "admin.example:*"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-users, namespace: default }
spec:
  action: ALLOW
  rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }]
`,
};

type Proxy = 'nginx' | 'traefik' | 'envoy';
const start = (proxy: Proxy): Promise<Stack> =>
  startStack(POLICIES, { decision: { onProxyListeners: true, proxy }, trustedProxies: ['127.0.0.1/32'] });

/** One call to the decision API; `from` binds the client to another loopback address (a caller outside trustedProxies). */
function call(
  s: Stack,
  path: string,
  headers: Record<string, string>,
  options: { method?: string; from?: string } = {},
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${s.url}${path}`,
      { method: options.method ?? 'GET', headers, ...(options.from ? { localAddress: options.from } : {}) },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

test('traefik: a client-added X-Original-URI or X-Original-Method cannot move the decision off the real request (400)', async (t) => {
  const s = await start('traefik');
  t.after(() => s.close());
  const auth = { authorization: `Bearer ${s.issuer.sign({ sub: 'alice' })}` };
  const real = {
    'x-forwarded-uri': '/admin/users',
    'x-forwarded-method': 'GET',
    'x-forwarded-host': 'shop.example',
    'x-forwarded-proto': 'https',
  };
  assert.equal(
    (await call(s, '/_tessera/authz/auth', { ...auth, ...real })).status,
    403,
    'the DENY applies to the real request',
  );
  const spoofed = await call(s, '/_tessera/authz/auth', { ...auth, ...real, 'x-original-uri': '/public/x' });
  assert.equal(spoofed.status, 400);
  assert.match(spoofed.text, /x-original-uri is not set by traefik/);
  const method = { ...real, 'x-forwarded-uri': '/public/x', 'x-forwarded-method': 'DELETE' };
  assert.equal((await call(s, '/_tessera/authz/auth', { ...auth, ...method })).status, 403);
  assert.equal((await call(s, '/_tessera/authz/auth', { ...auth, ...method, 'x-original-method': 'GET' })).status, 400);
  assert.equal(
    (await call(s, '/_tessera/authz/auth', { ...auth, ...real, 'x-original-host': 'shop.example' })).status,
    400,
  );
  // The traefik family alone decides: an allowed request, host rules on X-Forwarded-Host.
  assert.equal(
    (await call(s, '/_tessera/authz/auth', { ...auth, ...real, 'x-forwarded-uri': '/public/x' })).status,
    200,
  );
  assert.equal(
    (
      await call(s, '/_tessera/authz/auth', {
        ...auth,
        ...real,
        'x-forwarded-uri': '/public/x',
        'x-forwarded-host': 'admin.example',
      })
    ).status,
    403,
  );
  assert.equal(
    (
      await call(s, '/_tessera/authz/auth', {
        ...auth,
        ...real,
        'x-forwarded-uri': '/public/x',
        'x-forwarded-proto': 'gopher',
      })
    ).status,
    400,
  );
  assert.equal(
    (await call(s, '/_tessera/authz/auth', { ...auth, 'x-forwarded-uri': '/public/x', 'x-forwarded-method': 'GET' }))
      .status,
    400,
    'X-Forwarded-Host is required',
  );
  assert.equal((await call(s, '/_tessera/authz/ext/public/x', auth)).status, 404, 'the envoy endpoint is off');
});

test('nginx: only X-Original-* describe the request; the traefik family, repeats and missing headers are 400', async (t) => {
  const s = await start('nginx');
  t.after(() => s.close());
  const auth = { authorization: `Bearer ${s.issuer.sign({ sub: 'alice' })}` };
  const real = { 'x-original-uri': '/admin', 'x-original-method': 'GET', 'x-original-host': 'shop.example' };
  assert.equal((await call(s, '/_tessera/authz/auth', { ...auth, ...real })).status, 403);
  assert.equal(
    (await call(s, '/_tessera/authz/auth', { ...auth, ...real, 'x-forwarded-uri': '/public/x' })).status,
    400,
  );
  assert.equal((await call(s, '/_tessera/authz/auth', { ...auth, ...real, 'x-forwarded-method': 'GET' })).status, 400);
  assert.equal(
    (await call(s, '/_tessera/authz/auth', { ...auth, ...real, 'x-forwarded-host': 'shop.example' })).status,
    400,
  );
  // X-Forwarded-Proto names no path, method or host, and load balancers set it: ignored.
  assert.equal(
    (
      await call(s, '/_tessera/authz/auth', {
        ...auth,
        ...real,
        'x-original-uri': '/public/x',
        'x-forwarded-proto': 'https',
      })
    ).status,
    200,
  );
  const { 'x-original-host': _host, ...noHost } = real;
  assert.equal(
    (await call(s, '/_tessera/authz/auth', { ...auth, ...noHost })).status,
    400,
    'X-Original-Host is required',
  );
  const { 'x-original-method': _method, ...noMethod } = real;
  assert.equal((await call(s, '/_tessera/authz/auth', { ...auth, ...noMethod })).status, 400, 'no default method');
  const repeated = await request(`${s.url}/_tessera/authz/auth`, {
    headers: [...Object.entries({ ...auth, ...real }).flat(), 'x-original-uri', '/public/x'],
  });
  await repeated.body.dump();
  assert.equal(repeated.statusCode, 400, 'a repeated X-Original-URI');
  assert.equal((await call(s, '/_tessera/authz/ext/public/x', auth)).status, 404, 'the envoy endpoint is off');
});

test('envoy: only the request line under /ext/ describes the request; header families are 400', async (t) => {
  const s = await start('envoy');
  t.after(() => s.close());
  const auth = { authorization: `Bearer ${s.issuer.sign({ sub: 'alice' })}` };
  assert.equal((await call(s, '/_tessera/authz/ext/public/x', auth)).status, 200);
  assert.equal((await call(s, '/_tessera/authz/ext/admin', auth)).status, 403);
  assert.equal((await call(s, '/_tessera/authz/ext/public/x', auth, { method: 'DELETE' })).status, 403);
  assert.equal(
    (await call(s, '/_tessera/authz/ext/public/x', { ...auth, host: 'admin.example' })).status,
    403,
    'Host is the original host',
  );
  assert.equal((await call(s, '/_tessera/authz/ext/admin', { ...auth, 'x-original-uri': '/public/x' })).status, 400);
  assert.equal((await call(s, '/_tessera/authz/ext/admin', { ...auth, 'x-forwarded-uri': '/public/x' })).status, 400);
  assert.equal((await call(s, '/_tessera/authz/ext/public/x', { ...auth, 'x-forwarded-proto': 'https' })).status, 200);
  assert.equal((await call(s, '/_tessera/authz/auth', auth)).status, 404, 'the nginx/traefik endpoint is off');
});

test('a caller outside trustedProxies gets 403 from every style, however allowed the request it describes', async (t) => {
  for (const proxy of ['nginx', 'traefik', 'envoy'] as const) {
    const s = await start(proxy);
    t.after(() => s.close());
    const auth = { authorization: `Bearer ${s.issuer.sign({ sub: 'alice' })}` };
    const path = proxy === 'envoy' ? '/_tessera/authz/ext/public/x' : '/_tessera/authz/auth';
    const headers =
      proxy === 'nginx'
        ? { ...auth, 'x-original-uri': '/public/x', 'x-original-method': 'GET', 'x-original-host': 'shop.example' }
        : proxy === 'traefik'
          ? { ...auth, 'x-forwarded-uri': '/public/x', 'x-forwarded-method': 'GET', 'x-forwarded-host': 'shop.example' }
          : auth;
    assert.equal((await call(s, path, headers)).status, 200, `${proxy}: the trusted proxy is answered`);
    const outside = await call(s, path, headers, { from: '127.0.0.2' });
    assert.equal(outside.status, 403, `${proxy}: 127.0.0.2 is not a trusted proxy`);
    assert.match(outside.text, /trusted proxies only/);
  }
});

test('the decision API on without decision.proxy, or with an empty trustedProxies, is a configuration error', () => {
  const base = {
    listeners: [
      { name: 'main', port: 0 },
      { name: 'authz', port: 0, decisionOnly: true },
    ],
    admin: { enabled: false },
    routes: [{ name: 'r', upstream: 'http://127.0.0.1:1' }],
  };
  assert.throws(
    () => loadGatewayConfig({ object: { ...base, trustedProxies: ['127.0.0.1'] } }),
    (e: Error) => isGatewayConfigError(e) && /decision\.proxy: the decision API is on/.test(e.message),
  );
  assert.throws(
    () => loadGatewayConfig({ object: { ...base, decision: { proxy: 'nginx' } } }),
    (e: Error) => isGatewayConfigError(e) && /trustedProxies: the decision API is on/.test(e.message),
  );
  assert.throws(
    () => loadGatewayConfig({ object: { ...base, decision: { proxy: 'haproxy' } } }),
    (e: Error) => isGatewayConfigError(e) && /decision\.proxy/.test(e.message),
  );
  const onProxy = {
    listeners: [{ name: 'main', port: 0 }],
    admin: { enabled: false },
    decision: { onProxyListeners: true },
  };
  assert.throws(() => loadGatewayConfig({ object: onProxy }), /decision\.proxy/);
  assert.doesNotThrow(() =>
    loadGatewayConfig({ object: { ...base, decision: { proxy: 'envoy' }, trustedProxies: ['127.0.0.1'] } }),
  );
  assert.doesNotThrow(
    () => loadGatewayConfig({ object: { listeners: [{ name: 'main', port: 0 }], admin: { enabled: false } } }),
    'off: neither is needed',
  );
});
