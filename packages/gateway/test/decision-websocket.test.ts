// The decision API (nginx auth_request and Envoy ext_authz HTTP styles) and WebSocket upgrades,
// both authorized by the same policies as proxied requests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'undici';
import { ISSUER, startStack, type Stack } from './internal/fixtures.js';

const POLICIES = {
  'ra.yaml': `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
    - issuer: ${ISSUER}
      jwksUri: {{JWKS}}
      outputClaimToHeaders: [{ header: x-jwt-sub, claim: sub }]
`,
  'ap.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-read, namespace: default }
spec:
  action: ALLOW
  rules:
    - from: [{ source: { requestPrincipals: ["${ISSUER}/alice"] } }]
      to: [{ operation: { methods: [GET], paths: ["/api/*", "/ws"] } }]
`,
};

// One gateway per front proxy (decision.proxy); the test client is the trusted proxy.
let s: Stack;
let envoy: Stack;
before(async () => {
  s = await startStack(POLICIES, {
    decision: { onProxyListeners: true, proxy: 'nginx' },
    trustedProxies: ['127.0.0.1/32'],
  });
  envoy = await startStack(POLICIES, {
    decision: { onProxyListeners: true, proxy: 'envoy' },
    trustedProxies: ['127.0.0.1/32'],
  });
});
after(async () => {
  await s?.close();
  await envoy?.close();
});

const decide = async (path: string, headers: Record<string, string>, method = 'GET', stack = s) => {
  const res = await request(`${stack.url}${path}`, {
    method: method as 'GET',
    headers:
      path.endsWith('/auth') && headers['x-original-uri'] ? { 'x-original-host': 'shop.example', ...headers } : headers,
  });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
};

test('nginx auth_request style: 200 with identity headers, 401, 403 — and nothing is proxied', async () => {
  const before = s.upstream.received.length;
  const alice = s.issuer.sign({ sub: 'alice' });
  let r = await decide('/_tessera/authz/auth', {
    'x-original-uri': '/api/items?x=1',
    'x-original-method': 'GET',
    authorization: `Bearer ${alice}`,
  });
  assert.equal(r.status, 200);
  assert.equal(r.headers['x-jwt-sub'], 'alice');
  assert.equal(r.headers['x-tessera-request-principal'], `${ISSUER}/alice`);
  r = await decide('/_tessera/authz/auth', {
    'x-original-uri': '/api/items',
    'x-original-method': 'DELETE',
    authorization: `Bearer ${alice}`,
  });
  assert.equal(r.status, 403);
  assert.equal(r.text, 'RBAC: access denied');
  r = await decide('/_tessera/authz/auth', {
    'x-original-uri': '/api/../admin',
    'x-original-method': 'GET',
    authorization: `Bearer ${alice}`,
  });
  assert.equal(r.status, 403, 'the original URI is normalized before authorization');
  r = await decide('/_tessera/authz/auth', {
    'x-original-uri': '/api/items',
    'x-original-method': 'GET',
    authorization: 'Bearer abc.def.ghi',
  });
  assert.equal(r.status, 401);
  assert.match(String(r.headers['www-authenticate']), /error="invalid_token"/);
  r = await decide('/_tessera/authz/auth', { authorization: `Bearer ${alice}` });
  assert.equal(r.status, 400, 'no X-Original-URI');
  assert.match(r.text, /x-original-uri, x-original-method and x-original-host are required/);
  assert.equal(s.upstream.received.length, before);
});

test('a subject with CR/LF never reaches a header of the decision answer, and the gateway keeps serving', async () => {
  const evil = s.issuer.sign({ sub: 'alice\r\nx-injected: 1' });
  const r = await decide('/_tessera/authz/auth', {
    'x-original-uri': '/api/items',
    'x-original-method': 'GET',
    authorization: `Bearer ${evil}`,
  });
  assert.equal(r.status, 403, 'the principal is not alice');
  assert.equal(r.headers['x-injected'], undefined);
  const alice = s.issuer.sign({ sub: 'alice' });
  assert.equal(
    (
      await decide('/_tessera/authz/auth', {
        'x-original-uri': '/api/items',
        'x-original-method': 'GET',
        authorization: `Bearer ${alice}`,
      })
    ).status,
    200,
  );
});

test('Envoy ext_authz HTTP style: original method and path appended to the prefix', async () => {
  const alice = envoy.issuer.sign({ sub: 'alice' });
  const bob = envoy.issuer.sign({ sub: 'bob' });
  assert.equal(
    (await decide('/_tessera/authz/ext/api/items', { authorization: `Bearer ${alice}` }, 'GET', envoy)).status,
    200,
  );
  assert.equal(
    (await decide('/_tessera/authz/ext/api/items', { authorization: `Bearer ${alice}` }, 'POST', envoy)).status,
    403,
  );
  assert.equal(
    (await decide('/_tessera/authz/ext/api/items', { authorization: `Bearer ${bob}` }, 'GET', envoy)).status,
    403,
  );
  assert.equal((await decide('/_tessera/authz/ext/api/items', {}, 'GET', envoy)).status, 403);
});

function upgrade(
  path: string,
  token: string | undefined,
): Promise<{ head: string; socket: import('node:net').Socket }> {
  const u = new URL(s.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        socket.off('data', onData);
        resolve({ head: buf, socket });
      }
    };
    socket.on('data', onData);
    socket.on('error', reject);
    const lines = [
      `GET ${path} HTTP/1.1`,
      'Host: ws.test',
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'X-Jwt-Sub: mallory',
    ];
    if (token) lines.push(`Authorization: Bearer ${token}`);
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

test('WebSocket upgrade: authorized requests are tunneled, others refused before reaching the upstream', async () => {
  const before = s.upstream.received.length;
  const denied = await upgrade('/ws', undefined);
  assert.match(denied.head, /^HTTP\/1\.1 403 /);
  denied.socket.destroy();
  const bad = await upgrade('/ws', 'a.b.c');
  assert.match(bad.head, /^HTTP\/1\.1 401 /);
  assert.match(bad.head, /www-authenticate: Bearer realm="[^"]+", error="invalid_token"/i);
  bad.socket.destroy();
  assert.equal(s.upstream.received.length, before);

  const ok = await upgrade('/ws', s.issuer.sign({ sub: 'alice' }));
  assert.match(ok.head, /^HTTP\/1\.1 101 /);
  const echoed = await new Promise<string>((resolve) => {
    ok.socket.once('data', (d: Buffer) => resolve(d.toString()));
    ok.socket.write('ping through the tunnel');
  });
  assert.equal(echoed, 'ping through the tunnel');
  ok.socket.destroy();
  const seen = s.upstream.received.at(-1)!;
  assert.equal(seen.headers['x-jwt-sub'], 'alice', 'the spoofed header was replaced by the verified claim');
  assert.equal(seen.headers.authorization, undefined);
  assert.equal(seen.headers.upgrade, 'websocket');
});
