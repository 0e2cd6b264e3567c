// Istio policies in process: the Express, Fastify and node:http adapters enforce the same
// RequestAuthentication / AuthorizationPolicy YAML as the gateway, with its engine, over real
// sockets: 401 with the RFC 6750 challenge for a bad token, 403 `RBAC: access denied` (or
// insufficient_scope) for a denial, dry-run not enforced, labels selecting, hot reload, explain(),
// revocations, and 503 until the policies have loaded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import Fastify from 'fastify';
import {
  compilePolicies,
  createPolicyWatcher,
  createAuthenticator,
  parsePolicies,
  generateKey,
  signJwt,
  withTessera,
  type AuthenticatorOptions,
  type PolicyWatcher,
} from '@tessera/core';
import { tesseraExpress } from '@tessera/core/express';
import { tesseraFastify } from '@tessera/core/fastify';
import { makeTestCerts, opensslAvailable } from '../policy/test-certs.js';

const ISSUER = 'https://issuer.test';
const key = generateKey('ES256', { kid: 'k1' });
const sign = (claims: Record<string, unknown>, signer = key.signingKey) =>
  signJwt({ sub: 'svc-a', aud: 'orders', ...claims }, signer, { issuer: ISSUER, expiresIn: 300 });

const authentication = `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules:
    - issuer: ${ISSUER}
      audiences: [orders]
      jwks: '${JSON.stringify({ keys: [key.publicJwk] })}'
`;
const authorization = (tiers: string[]) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: orders-readers, namespace: default }
spec:
  selector: { matchLabels: { app: orders } }
  action: ALLOW
  rules:
    - from: [{ source: { requestPrincipals: ["${ISSUER}/svc-a"] } }]
      to: [{ operation: { methods: [GET], paths: ["/orders/*"] } }]
      when: [{ key: "request.auth.claims[tier]", values: ${JSON.stringify(tiers)} }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: no-secrets, namespace: default }
spec:
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/orders/secret"] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: would-deny-dry
  namespace: default
  annotations: { "istio.io/dry-run": "true" }
spec:
  action: DENY
  rules: [{ to: [{ operation: { paths: ["/orders/dry"] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: audit-all, namespace: default }
spec:
  action: AUDIT
  rules: [{}]
`;

let dir = '';
let policies: PolicyWatcher;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tessera-mw-policies-'));
  writeFileSync(join(dir, 'authn.yaml'), authentication);
  writeFileSync(join(dir, 'authz.yaml'), authorization(['gold']));
  policies = createPolicyWatcher(dir, { debounceMs: 20 });
  await policies.ready;
});
after(() => {
  policies.close();
  rmSync(dir, { recursive: true, force: true });
});

async function listen(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** An Express app behind `tesseraExpress(options)` answering the caller's `sub`. */
async function expressApp(options: AuthenticatorOptions) {
  const app = express();
  app.use(tesseraExpress(options));
  app.all('/{*any}', (req, res) => {
    res.json({ sub: req.auth?.payload.sub ?? null });
  });
  return listen(createServer(app));
}

const call = async (url: string, token?: string, method = 'GET') => {
  const res = await fetch(url, { method, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text(), challenge: res.headers.get('www-authenticate') };
};

test('Express: the policies decide, as the gateway would', async () => {
  const server = await expressApp({ policies, labels: { app: 'orders' }, realm: 'orders' });
  try {
    const gold = sign({ tier: 'gold' });
    const allowed = await call(`${server.url}/orders/1`, gold);
    assert.equal(allowed.status, 200);
    assert.deepEqual(JSON.parse(allowed.body), { sub: 'svc-a' });

    const noToken = await call(`${server.url}/orders/1`);
    assert.deepEqual([noToken.status, noToken.body], [403, 'RBAC: access denied'], 'Istio: no principal, no ALLOW');
    const silver = await call(`${server.url}/orders/1`, sign({ tier: 'silver' }));
    assert.deepEqual([silver.status, silver.body], [403, 'RBAC: access denied'], 'the when condition fails');
    assert.equal((await call(`${server.url}/orders/1`, gold, 'POST')).status, 403, 'methods');
    assert.equal((await call(`${server.url}/orders/secret`, gold)).status, 403, 'DENY wins');
    assert.equal((await call(`${server.url}/orders/dry`, gold)).status, 200, 'a dry-run DENY is not enforced');
    // A path the gateway refuses is refused the same way (an encoded slash: the gateway's canonical path).
    assert.equal((await call(`${server.url}/orders/a%2Fsecret`, gold)).status, 400);

    const forged = await call(
      `${server.url}/orders/1`,
      sign({ tier: 'gold' }, generateKey('ES256', { kid: 'k1' }).signingKey),
    );
    assert.equal(forged.status, 401);
    assert.match(forged.challenge ?? '', /^Bearer realm="orders", error="invalid_token"/);
  } finally {
    await server.close();
  }
});

test('selector.matchLabels matches the labels the service declares', async () => {
  const other = await expressApp({ policies, labels: { app: 'billing' } });
  try {
    // orders-readers does not select this service, so no ALLOW policy applies (Istio: allowed) and
    // the silver tier passes; the DENY without a selector still applies.
    const silver = sign({ tier: 'silver' });
    assert.equal((await call(`${other.url}/orders/1`, silver)).status, 200);
    assert.equal((await call(`${other.url}/orders/secret`, silver)).status, 403);
  } finally {
    await other.close();
  }
});

test("denyAs: 'insufficient_scope' answers RFC 6750's 403", async () => {
  const server = await expressApp({
    policies,
    labels: { app: 'orders' },
    realm: 'orders',
    denyAs: 'insufficient_scope',
  });
  try {
    const r = await call(`${server.url}/orders/1`, sign({ tier: 'silver' }));
    assert.equal(r.status, 403);
    assert.match(r.challenge ?? '', /error="insufficient_scope"/);
  } finally {
    await server.close();
  }
});

test('Fastify and node:http enforce the same policies', async () => {
  const fastify = Fastify();
  await fastify.register(tesseraFastify, { policies, labels: { app: 'orders' } });
  fastify.get('/orders/:id', (request, reply) => reply.send({ sub: request.auth?.payload.sub }));
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  const node = await listen(
    createServer(
      withTessera((req, res) => void res.end(String(req.auth?.payload.sub)), { policies, labels: { app: 'orders' } }),
    ),
  );
  try {
    const fastifyUrl = `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}`;
    for (const url of [fastifyUrl, node.url]) {
      assert.equal((await call(`${url}/orders/1`, sign({ tier: 'gold' }))).status, 200, url);
      assert.equal((await call(`${url}/orders/1`, sign({ tier: 'silver' }))).status, 403, url);
      assert.equal((await call(`${url}/orders/1`, 'not.a.token')).status, 401, url);
    }
  } finally {
    await fastify.close();
    await node.close();
  }
});

test('explain() names the deciding policy and rule for the application', async () => {
  const auth = createAuthenticator({ policies, labels: { app: 'orders' } });
  const request = (token: string) => ({
    method: 'GET',
    url: '/orders/1',
    headers: { host: 'orders.test', authorization: `Bearer ${token}` },
  });
  const allowed = await auth.explain(request(sign({ tier: 'gold' })));
  assert.equal(allowed?.decision.allowed, true);
  assert.equal(allowed?.decision.policy, 'default/orders-readers');
  const denied = await auth.explain(request(sign({ tier: 'silver' })));
  assert.equal(denied?.decision.allowed, false);
  assert.match(denied?.text ?? '', /orders-readers/);
  assert.equal(
    await createAuthenticator({ verifier: { verify: () => Promise.reject(new Error('x')) } }).explain(request('x')),
    undefined,
  );
});

test('a policy file changed on disk is enforced after the reload; a broken one keeps the previous set', async () => {
  const watched = createPolicyWatcher(dir, { debounceMs: 20 });
  await watched.ready;
  const server = await expressApp({ policies: watched, labels: { app: 'orders' } });
  try {
    const silver = sign({ tier: 'silver' });
    assert.equal((await call(`${server.url}/orders/1`, silver)).status, 403);
    writeFileSync(join(dir, 'authz.yaml'), authorization(['gold', 'silver']));
    let status = 403;
    for (let i = 0; i < 500 && status === 403; i++) {
      await sleep(10);
      status = (await call(`${server.url}/orders/1`, silver)).status;
    }
    assert.equal(status, 200, 'silver is allowed once the change is loaded');
    writeFileSync(join(dir, 'authz.yaml'), 'kind: AuthorizationPolicy\nspec: [broken');
    await assert.rejects(watched.reload());
    assert.equal((await call(`${server.url}/orders/1`, silver)).status, 200, 'the previous set stays in force');
  } finally {
    writeFileSync(join(dir, 'authz.yaml'), authorization(['gold']));
    await server.close();
    watched.close();
  }
});

test('policy files given by name load in the background: 503 until then, and for a source that is not there', async () => {
  const missing = await expressApp({ policies: join(dir, 'not-there'), labels: { app: 'orders' } });
  try {
    const r = await call(`${missing.url}/orders/1`, sign({ tier: 'gold' }));
    assert.equal(r.status, 503);
  } finally {
    await missing.close();
  }
  const auth = createAuthenticator({ policies: dir, labels: { app: 'orders' } });
  try {
    const request = { method: 'GET', url: '/orders/1', headers: { authorization: `Bearer ${sign({ tier: 'gold' })}` } };
    let result = await auth.authenticate(request);
    for (let i = 0; i < 500 && !result.ok; i++) {
      await sleep(10);
      result = await auth.authenticate(request);
    }
    assert.equal(result.ok, true);
  } finally {
    auth.close();
  }
});

test('a revocation source given to the policies refuses a revoked token (401)', async () => {
  const revoked = new Set<string>();
  const watched = createPolicyWatcher(dir, { watch: false, revocations: { isRevoked: (jti) => revoked.has(jti) } });
  await watched.ready;
  const server = await expressApp({ policies: watched, labels: { app: 'orders' } });
  try {
    const token = sign({ tier: 'gold', jti: 'j-1' });
    assert.equal((await call(`${server.url}/orders/1`, token)).status, 200);
    revoked.add('j-1');
    assert.equal((await call(`${server.url}/orders/1`, token)).status, 401);
  } finally {
    await server.close();
    watched.close();
  }
});

test('options: verifier and policies together, or policies of the wrong shape, are refused', () => {
  assert.throws(
    () => createAuthenticator({ policies, verifier: { verify: () => Promise.reject(new Error('x')) } }),
    /not both/,
  );
  assert.throws(() => createAuthenticator({ policies: 42 as unknown as string }), /policies must be/);
});

test(
  'rule principals come from the verified mTLS peer when the service terminates TLS itself',
  { skip: opensslAvailable ? false : 'openssl CLI not installed' },
  async (t) => {
    const certDir = mkdtempSync(join(tmpdir(), 'tessera-mw-mtls-'));
    t.after(() => rmSync(certDir, { recursive: true, force: true }));
    const certs = makeTestCerts(certDir);
    const set = compilePolicies(
      parsePolicies(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: webui-only, namespace: default }
spec:
  rules: [{ from: [{ source: { principals: ["cluster.local/ns/default/sa/webui"] } }] }]
`).documents,
    );
    // rejectUnauthorized: false lets a rogue certificate through TLS: the policy must still refuse it.
    const server = createHttpsServer(
      { ...certs.server, ca: certs.ca, requestCert: true, rejectUnauthorized: false },
      withTessera((_req, res) => void res.end('ok'), { policies: set }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    t.after(() => server.close());
    const port = (server.address() as AddressInfo).port;
    const call = (client: { key: Buffer; cert: Buffer }) =>
      new Promise<number>((resolve, reject) => {
        httpsRequest({ host: '127.0.0.1', port, path: '/', ca: certs.ca, agent: false, ...client }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      });
    assert.equal(await call(certs.webui), 200);
    assert.equal(await call(certs.rogue), 403, 'a certificate the TLS layer did not verify names no principal');
  },
);

test('the Host is read as the gateway reads it: canonical for `hosts`, a 400 when it has no single reading', async () => {
  const set = compilePolicies(
    parsePolicies(`apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: orders-host, namespace: default }
spec:
  rules: [{ to: [{ operation: { hosts: ["orders.test"] } }] }]
`).documents,
  );
  const auth = createAuthenticator({ policies: set });
  const status = async (host: string) => {
    const r = await auth.authenticate({ method: 'GET', url: '/', headers: { host } });
    return r.ok ? 200 : r.status;
  };
  assert.equal(await status('orders.test'), 200);
  assert.equal(await status('Orders.Test.'), 200, 'case and a trailing dot do not make another host');
  assert.equal(await status('other.test'), 403);
  assert.equal(await status('orders.test@other.test'), 400);
  assert.equal(await status('orders.test, other.test'), 400, 'two Host headers');
});
