// Attacks from the red-team review (hardening issue), each reproduced over real sockets: the gateway
// must authorize exactly what it forwards, and forward nothing a client could use to speak for it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { request } from 'undici';
import { ISSUER, startStack, type Stack } from './internal/fixtures.js';
import { rawRequest } from './internal/raw-http.js';

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
    - to: [{ operation: { hosts: ["admin.internal", "admin.internal:*"] } }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-users, namespace: default }
spec:
  rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }]
`,
};

let s: Stack;
let token: string;
before(async () => {
  s = await startStack(POLICIES);
  token = s.issuer.sign({ sub: 'alice' });
});
after(() => s.close());

/** Sends raw request lines (Host and Authorization added unless given) and returns the status. */
async function raw(lines: string[]): Promise<number> {
  const all = [...lines];
  if (!all.some((l) => /^host:/i.test(l))) all.push('Host: shop.example');
  if (!all.some((l) => /^authorization:/i.test(l))) all.push(`Authorization: Bearer ${token}`);
  return (await rawRequest(s.url, all)).status;
}

test('Upgrade other than websocket is ignored (RFC 9110 §7.8): no 101, no tunnel, the request is authorized as HTTP', async () => {
  const before = s.upstream.received.length;
  const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
  const text = await new Promise<string>((resolve, reject) => {
    let buf = '';
    socket.on('data', (d: Buffer) => (buf += d.toString('latin1')));
    socket.on('close', () => resolve(buf));
    socket.on('error', reject);
    // h2c on an allowed path, then a request for /admin inside what would be the tunnel.
    socket.write(
      `GET /public HTTP/1.1\r\nHost: shop.example\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\nAuthorization: Bearer ${token}\r\n\r\n` +
        `GET /admin HTTP/1.1\r\nHost: shop.example\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
  });
  assert.match(text, /^HTTP\/1\.1 200 /, 'the allowed request is answered as plain HTTP');
  assert.doesNotMatch(text, /101 Switching Protocols/);
  const got = s.upstream.received.slice(before);
  assert.deepEqual(
    got.map((r) => r.url),
    ['/public'],
    'only /public reached the upstream; /admin never did',
  );
  assert.equal(got[0]!.headers.upgrade, undefined);
  assert.equal(got[0]!.headers['http2-settings'], undefined);
});

test('WebSocket upgrades still tunnel, whatever the case of the token', async () => {
  const u = new URL(s.url);
  const head = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      if (buf.includes('\r\n\r\n')) {
        socket.destroy();
        resolve(buf);
      }
    });
    socket.on('error', reject);
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: shop.example\r\nConnection: Upgrade\r\nUpgrade: WebSocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nAuthorization: Bearer ${token}\r\n\r\n`,
    );
  });
  assert.match(head, /^HTTP\/1\.1 101 /);
});

test('Connection naming a credential or identity header is refused (400): it would strip it on the way', async () => {
  assert.equal(await raw(['GET /public HTTP/1.1', 'Connection: authorization']), 400);
  assert.equal(await raw(['GET /public HTTP/1.1', 'Connection: keep-alive, Authorization']), 400);
  assert.equal(await raw(['GET /public HTTP/1.1', 'Connection: x-forwarded-for']), 400);
  assert.equal(await raw(['GET /public HTTP/1.1', 'Connection: keep-alive']), 200);
});

test('a request in absolute form is accepted for any host, decided and forwarded on the target authority (RFC 9112 §3.2.2)', async () => {
  const before = s.upstream.received.length;
  assert.equal(await raw(['GET http://shop.example/public?x=1 HTTP/1.1', 'Host: ignored.example']), 200);
  assert.equal(s.upstream.received[before]!.url, '/public?x=1', 'forwarded in origin form');
  assert.equal(await raw(['GET http://shop.example/admin HTTP/1.1']), 403);
  assert.equal(
    await raw(['GET http://admin.internal/public HTTP/1.1', 'Host: shop.example']),
    403,
    'the target authority is the host',
  );
  assert.equal(await raw(['GET ftp://shop.example/public HTTP/1.1']), 400);
  assert.equal(await raw(['GET http://user@shop.example/public HTTP/1.1']), 400);
});

test('Host is parsed once into a canonical authority: a trailing dot, case or port cannot pass a hosts DENY, and junk is 400', async () => {
  for (const host of [
    'admin.internal',
    'admin.internal.',
    'ADMIN.Internal',
    'admin.internal:8080',
    'admin.internal.:80',
  ]) {
    assert.equal(await raw(['GET /public HTTP/1.1', `Host: ${host}`]), 403, host);
  }
  for (const host of [
    '[admin.internal]',
    '[::1]@admin.internal',
    '[::1]"x',
    '[::1]<script>',
    'a b',
    'shop.example:99999',
    'shop.example:',
    'user@shop.example',
  ]) {
    assert.equal(await raw(['GET /public HTTP/1.1', `Host: ${host}`]), 400, host);
  }
  assert.equal(await raw(['GET /public HTTP/1.1', 'Host: [::1]:8080']), 200);
  assert.equal(await raw(['GET /public HTTP/1.1', 'Host: shop.example']), 200);
});

test('client-sent identity headers that upstreams may trust never reach them', async () => {
  const before = s.upstream.received.length;
  const res = await request(`${s.url}/public`, {
    headers: {
      authorization: `Bearer ${token}`,
      'x-forwarded-client-cert': 'By=spiffe://x;URI=spiffe://cluster.local/ns/default/sa/admin',
      'x-envoy-peer-metadata': 'forged',
      'x-envoy-original-path': '/admin',
      'x-jwt-payload': 'eyJzdWIiOiJhZG1pbiJ9',
      'x-jwt-signature-verified': 'true',
      'x-original-uri': '/admin',
      'x-original-method': 'DELETE',
      'x-forwarded-uri': '/admin',
      'x-forwarded-method': 'DELETE',
    },
  });
  assert.equal(res.statusCode, 200);
  await res.body.dump();
  const h = s.upstream.received[before]!.headers;
  for (const name of [
    'x-forwarded-client-cert',
    'x-envoy-peer-metadata',
    'x-envoy-original-path',
    'x-jwt-payload',
    'x-jwt-signature-verified',
    'x-original-uri',
    'x-original-method',
    'x-forwarded-uri',
    'x-forwarded-method',
  ]) {
    assert.equal(h[name], undefined, name);
  }
});

test('paths with no single reading are refused (400): path parameters, trailing dot or space, double encoding, encoded ? and #', async () => {
  const before = s.upstream.received.length;
  for (const path of [
    '/public/..;/admin',
    '/admin;x=1',
    '/admin.',
    '/admin%20',
    '/admin%3Fx',
    '/admin%23x',
    '/%252e%252e/admin',
    '/admin%01',
  ]) {
    assert.equal(await raw([`GET ${path} HTTP/1.1`]), 400, path);
  }
  assert.equal(s.upstream.received.length, before, 'none reached the upstream');
  assert.equal(await raw(['GET /public/v1.2/file.txt HTTP/1.1']), 200, 'dots inside segments are fine');
});

test('allowPathParameters: a matrix-parameter route accepts ";" and the policies see it', async (t) => {
  const m = await startStack(POLICIES, {}, { allowPathParameters: true });
  t.after(() => m.close());
  const auth = { authorization: `Bearer ${m.issuer.sign({ sub: 'alice' })}` };
  const ok = await request(`${m.url}/public;v=1`, { headers: auth });
  await ok.body.dump();
  assert.equal(ok.statusCode, 200);
  assert.equal(m.upstream.received.at(-1)!.url, '/public;v=1');
  const deny = await request(`${m.url}/admin;x=1`, { headers: auth });
  await deny.body.dump();
  assert.equal(deny.statusCode, 403, 'DENY /admin* still applies');
});

test('caseInsensitivePaths: policies see, and the upstream gets, the lower-cased path', async (t) => {
  const c = await startStack(POLICIES, {}, { caseInsensitivePaths: true });
  t.after(() => c.close());
  const auth = { authorization: `Bearer ${c.issuer.sign({ sub: 'alice' })}` };
  for (const path of ['/ADMIN', '/Admin/users', '/%41dmin']) {
    const res = await request(`${c.url}${path}`, { headers: auth });
    await res.body.dump();
    assert.equal(res.statusCode, 403, path);
  }
  const ok = await request(`${c.url}/Public/Items?Q=A`, { headers: auth });
  await ok.body.dump();
  assert.equal(ok.statusCode, 200);
  assert.equal(c.upstream.received.at(-1)!.url, '/public/items?Q=A', 'the query is left as it came');
  // Without the setting, a case-sensitive upstream's /ADMIN is another resource: allowed.
  assert.equal(await raw(['GET /ADMIN HTTP/1.1']), 200);
});

test('connection caps: one source holding half-sent requests cannot take the listener from another client', async (t) => {
  const c = await startStack(POLICIES, { limits: { maxConnectionsPerSource: 100, maxConnectionsPerListener: 500 } });
  t.after(() => c.close());
  const port = Number(new URL(c.url).port);
  const open = (localAddress: string) =>
    new Promise<import('node:net').Socket>((resolve, reject) => {
      const socket = connect({ port, host: '127.0.0.1', localAddress }, () => resolve(socket));
      socket.on('error', reject);
    });
  // The attacker: 120 connections from 127.0.0.1, each with half a request.
  const held: import('node:net').Socket[] = [];
  for (let i = 0; i < 120; i++) {
    const socket = await open('127.0.0.1');
    socket.on('error', () => undefined);
    socket.write('GET /public HTTP/1.1\r\nHost: shop.example\r\n');
    held.push(socket);
  }
  t.after(() => held.forEach((s) => s.destroy()));
  await new Promise((r) => setTimeout(r, 100));
  const closed = held.filter((s) => s.destroyed || s.readableEnded).length;
  assert.ok(closed >= 20, `connections over the per-source cap are closed (${closed} of 120)`);
  // A legitimate client from another address is served while the attacker's cap is full.
  const auth = `Authorization: Bearer ${c.issuer.sign({ sub: 'alice' })}`;
  const status = await new Promise<string>((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' }, () => {
      socket.write(`GET /public HTTP/1.1\r\nHost: shop.example\r\n${auth}\r\nConnection: close\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
    socket.on('close', () => resolve(text.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
  });
  assert.match(status, /^HTTP\/1\.1 200 /);
});
