// One pipeline for every entry (HTTP, WebSocket upgrade, decision API): the same refusal gets the
// same status, challenge and access-log reason whichever entry it came through. These are the
// drifts the three request paths had before they became one: the 401 "Jwt claim cannot be
// forwarded" had a realm on HTTP, none on the decision API and no challenge on WebSocket; a
// CUSTOM provider's own status was logged as 403; a failed mint was logged on one path only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { request } from 'undici';
import { ISSUER, startStack, type Stack } from './internal/fixtures.js';

const RA = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
    - issuer: ${ISSUER}
      jwksUri: {{JWKS}}
`;
const ALLOW_USERS = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-users, namespace: default }
spec:
  rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }]
`;

interface Access {
  readonly type?: string;
  readonly status?: number;
  readonly reason?: string;
  readonly detail?: string;
}

function capture(): { logger: pino.Logger; access(): Access[] } {
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
  return { logger, access: () => lines.map((l) => JSON.parse(l) as Access).filter((l) => l.type === 'access') };
}

/** A raw WebSocket upgrade; resolves with the response head. */
function upgrade(url: string, path: string, token: string): Promise<string> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let buf = '';
    socket.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        socket.destroy();
        resolve(buf.slice(0, end));
      }
    });
    socket.on('error', reject);
    const lines = [
      `GET ${path} HTTP/1.1`,
      'Host: ws.test',
      'Connection: Upgrade',
      'Upgrade: websocket',
      'Sec-WebSocket-Version: 13',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      `Authorization: Bearer ${token}`,
    ];
    socket.write(`${lines.join('\r\n')}\r\n\r\n`);
  });
}

async function decide(s: Stack, path: string, token: string): Promise<{ status: number; challenge: string }> {
  const res = await request(`${s.url}/_tessera/authz/auth`, {
    headers: {
      authorization: `Bearer ${token}`,
      'x-original-uri': path,
      'x-original-method': 'GET',
      'x-original-host': 'shop.example',
    },
  });
  await res.body.dump();
  return { status: res.statusCode, challenge: String(res.headers['www-authenticate'] ?? '') };
}

const DECISION = { decision: { onProxyListeners: true, proxy: 'nginx' }, trustedProxies: ['127.0.0.1/32'] };

test('an unsafe claim gets the same 401 with a realm challenge from HTTP, the decision API and WebSocket', async (t) => {
  const log = capture();
  const s = await startStack(
    { 'ra.yaml': RA, 'ap.yaml': ALLOW_USERS },
    DECISION,
    { mutations: { claimsToHeaders: [{ header: 'x-user-name', claim: 'name' }] } },
    log.logger,
  );
  t.after(() => s.close());
  const evil = s.issuer.sign({ sub: 'alice', name: 'alice\r\nx-injected: 1' });
  const http = await request(`${s.url}/api`, { headers: { authorization: `Bearer ${evil}` } });
  await http.body.dump();
  assert.equal(http.statusCode, 401);
  assert.match(String(http.headers['www-authenticate']), /^Bearer realm="http:\/\/[^"]+\/api", error="invalid_token"$/);
  const decision = await decide(s, '/api', evil);
  assert.equal(decision.status, 401);
  assert.match(decision.challenge, /^Bearer realm="http:\/\/shop\.example\/api", error="invalid_token"$/);
  const ws = await upgrade(s.url, '/ws', evil);
  assert.match(ws, /^HTTP\/1\.1 401 /);
  assert.match(ws, /\r\nwww-authenticate: Bearer realm="http:\/\/ws\.test\/ws", error="invalid_token"/);
  const reasons = log.access().map((a) => [a.status, a.reason]);
  assert.deepEqual(reasons, [
    [401, 'ERR_GATEWAY_CLAIM_UNSAFE'],
    [401, 'ERR_GATEWAY_CLAIM_UNSAFE'],
    [401, 'ERR_GATEWAY_CLAIM_UNSAFE'],
  ]);
  assert.equal(s.upstream.received.length, 0, 'nothing reached the upstream');
});

test("a CUSTOM provider's own answer is relayed and logged with its status, on every entry", async (t) => {
  const ext = createServer((_req, res) => {
    res.writeHead(401, { 'www-authenticate': 'Basic realm="ext"', 'content-type': 'text/plain' });
    res.end('ext says no');
  });
  await new Promise<void>((r) => ext.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => ext.close(() => r())));
  const extUrl = `http://127.0.0.1:${(ext.address() as AddressInfo).port}/check`;
  const log = capture();
  const CUSTOM = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ext, namespace: default }
spec:
  action: CUSTOM
  provider: { name: my-ext }
  rules: [{}]
`;
  const s = await startStack(
    { 'ra.yaml': RA, 'ap.yaml': ALLOW_USERS, 'custom.yaml': CUSTOM },
    { ...DECISION, policies: { extensionProviders: [{ name: 'my-ext', url: extUrl }] } },
    {},
    log.logger,
  );
  t.after(() => s.close());
  const token = s.issuer.sign({ sub: 'alice' });
  const http = await request(`${s.url}/api`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(http.statusCode, 401);
  assert.equal(await http.body.text(), 'ext says no');
  assert.equal((await decide(s, '/api', token)).status, 401);
  assert.match(await upgrade(s.url, '/ws', token), /^HTTP\/1\.1 401 /);
  assert.deepEqual(
    log.access().map((a) => [a.status, a.reason]),
    [
      [401, 'ERR_GATEWAY_ACCESS_DENIED'],
      [401, 'ERR_GATEWAY_ACCESS_DENIED'],
      [401, 'ERR_GATEWAY_ACCESS_DENIED'],
    ],
  );
});

test('a failed mint answers 503 and is logged on every entry', async (t) => {
  const log = capture();
  const s = await startStack(
    { 'ra.yaml': RA, 'ap.yaml': ALLOW_USERS },
    // Nothing listens on port 1: every exchange at the token service fails.
    {
      ...DECISION,
      tokenService: {
        url: 'http://127.0.0.1:1',
        clientId: 'gw',
        clientSecret: 'gw-secret-0123456789',
        checkRevocations: false,
      },
    },
    { mutations: { mint: { mode: 'exchange', audience: 'backend' } } },
    log.logger,
  );
  t.after(() => s.close());
  const token = s.issuer.sign({ sub: 'alice' });
  const http = await request(`${s.url}/api`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(http.statusCode, 503);
  assert.equal(await http.body.text(), 'upstream token unavailable');
  assert.equal((await decide(s, '/api', token)).status, 503);
  assert.match(await upgrade(s.url, '/ws', token), /^HTTP\/1\.1 503 /);
  assert.deepEqual(
    log.access().map((a) => [a.status, a.reason]),
    [
      [503, 'ERR_GATEWAY_MINT_FAILED'],
      [503, 'ERR_GATEWAY_MINT_FAILED'],
      [503, 'ERR_GATEWAY_MINT_FAILED'],
    ],
  );
  assert.equal(s.upstream.received.length, 0);
});
