// CUSTOM policies asking an external authorizer (Envoy ext_authz HTTP), graceful drain, and the
// configuration loader's errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { createGateway, loadGatewayConfig, isGatewayConfigError } from './internal/gateway-exports.js';
import { startEchoUpstream, type Echo } from './internal/echo-upstream.js';
import { policyDir, silent } from './internal/fixtures.js';

test('CUSTOM: the provider sees method, path and headers; its allow adds headers, its deny is relayed; down → deny', async () => {
  const seen: { method: string; url: string; auth: string | undefined }[] = [];
  const ext = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', auth: req.headers.authorization });
    if (req.headers.authorization === 'Bearer let-me-in') {
      res.writeHead(200, { 'x-ext-user': 'bob', 'x-not-listed': 'dropped' });
      res.end();
    } else {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="ext"', 'content-type': 'text/plain' });
      res.end('ext says no');
    }
  });
  await new Promise<void>((r) => ext.listen(0, '127.0.0.1', r));
  const extUrl = `http://127.0.0.1:${(ext.address() as AddressInfo).port}/check`;
  const upstream = await startEchoUpstream();
  const dir = policyDir({
    'custom.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ext, namespace: default }
spec:
  action: CUSTOM
  provider: { name: my-ext }
  rules: [{ to: [{ operation: { paths: ["/private/*"] } }] }]
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow-all, namespace: default }
spec:
  rules: [{}]
`,
  });
  const gw = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'echo', upstream: upstream.url }],
        policies: {
          sources: [dir.dir],
          watch: false,
          extensionProviders: [{ name: 'my-ext', url: extUrl, headersToUpstreamOnAllow: ['x-ext-user'] }],
        },
      },
    }),
    { logger: silent },
  );
  await gw.listen();
  try {
    let res = await request(`${gw.urls.main}/private/a?q=1`, {
      headers: { authorization: 'Bearer let-me-in', 'x-ext-user': 'spoofed' },
    });
    assert.equal(res.statusCode, 200);
    const echo = (await res.body.json()) as Echo;
    assert.equal(echo.headers['x-ext-user'], 'bob');
    assert.equal(echo.headers['x-not-listed'], undefined);
    assert.deepEqual(seen.at(-1), { method: 'GET', url: '/check/private/a?q=1', auth: 'Bearer let-me-in' });

    res = await request(`${gw.urls.main}/private/a`, { method: 'DELETE' });
    assert.equal(res.statusCode, 401);
    assert.equal(await res.body.text(), 'ext says no');
    assert.equal(res.headers['www-authenticate'], 'Basic realm="ext"');

    const calls = seen.length;
    res = await request(`${gw.urls.main}/public/a`);
    assert.equal(res.statusCode, 200, 'paths the CUSTOM rule does not match never ask the provider');
    await res.body.dump();
    assert.equal(seen.length, calls);

    await new Promise<void>((r) => {
      ext.closeAllConnections();
      ext.close(() => r());
    });
    res = await request(`${gw.urls.main}/private/a`, { headers: { authorization: 'Bearer let-me-in' } });
    assert.equal(res.statusCode, 403, 'provider unreachable → deny (fail closed)');
    await res.body.dump();
  } finally {
    await gw.close();
    await upstream.close();
    dir.remove();
    ext.closeAllConnections();
    ext.close();
  }
});

test('graceful drain: an in-flight request completes, new connections are refused, close resolves', async () => {
  let release: (() => void) | undefined;
  let arrived: () => void = () => undefined;
  const reached = new Promise<void>((r) => (arrived = r));
  const slow = createServer((req, res) => {
    release = () => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('finished');
    };
    arrived();
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const gw = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'slow', upstream: `http://127.0.0.1:${(slow.address() as AddressInfo).port}` }],
        policies: { defaultAction: 'allow', watch: false },
      },
    }),
    { logger: silent },
  );
  await gw.listen();
  const url = gw.urls.main!;
  const inflight = request(`${url}/work`).then(
    (res) => res,
    (err: Error) => err,
  );
  await reached;
  const closing = gw.close();
  const refused = await request(`${url}/new`).then(
    () => undefined,
    (err: Error) => err,
  );
  assert.ok(refused instanceof Error, 'no new connections while draining');
  release!();
  const res = await inflight;
  assert.ok(!(res instanceof Error), res instanceof Error ? String(res) : undefined);
  assert.equal(res.statusCode, 200);
  assert.equal(await res.body.text(), 'finished');
  await closing;
  slow.closeAllConnections();
  slow.close();
});

test('configuration errors name the file, the line and the field; the environment overlays the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-gw-config-'));
  try {
    const file = join(dir, 'gateway.yaml');
    writeFileSync(
      file,
      `listeners:
  - name: main
    port: 8080
routes:
  - name: api
    upstream: not-a-url
  - name: api
    upstream: http://127.0.0.1:9000/with/path
`,
    );
    assert.throws(
      () => loadGatewayConfig({ file }),
      (err: Error) => isGatewayConfigError(err) && /gateway\.yaml:6: routes\.0\.upstream/.test(err.message),
    );
    writeFileSync(
      file,
      `routes:
  - name: api
    upstream: http://127.0.0.1:9000/with/path
  - name: api
    upstream: http://127.0.0.1:9001
decision: { route: nope }
`,
    );
    assert.throws(
      () => loadGatewayConfig({ file }),
      (err: Error) => {
        assert.match(err.message, /gateway\.yaml:3: routes\.0\.upstream: an upstream is scheme/);
        assert.match(err.message, /gateway\.yaml:4: routes\.1\.name: duplicate route name "api"/);
        assert.match(err.message, /decision\.route: unknown route "nope"/);
        return true;
      },
    );
    writeFileSync(file, 'listeners: [{ name: main, port: 8080 }]\nunknownKey: 1\n');
    assert.throws(() => loadGatewayConfig({ file }), /unknownKey/);
    writeFileSync(file, 'listeners: [{ name: main, port: 8080 }]\npolicies: { sources: [./policies] }\n');
    const config = loadGatewayConfig({
      file,
      env: { TESSERA_GATEWAY_PORT: '9191', TESSERA_GATEWAY_DEFAULT_ACTION: 'allow' },
    });
    assert.equal(config.listeners[0]!.port, 9191);
    assert.equal(config.policies.defaultAction, 'allow');
    assert.equal(config.policies.sources[0], join(dir, 'policies'), 'relative paths resolve next to the file');
    assert.ok(Object.isFrozen(config.listeners[0]));
    assert.throws(
      () => loadGatewayConfig({ object: {}, env: { TESSERA_GATEWAY_PORT: 'eighty' } }),
      /TESSERA_GATEWAY_PORT: expected an integer/,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the example configuration and its policies load and compile', async () => {
  const { fileURLToPath } = await import('node:url');
  const file = fileURLToPath(new URL('../examples/gateway.yaml', import.meta.url));
  const config = loadGatewayConfig({ file, env: { TESSERA_GATEWAY_CLIENT_SECRET: 'example-secret-0123456789' } });
  assert.equal(config.routes.length, 2);
  const { compilePolicies, loadPolicies } = await import('@tessera/core');
  const { documents } = await loadPolicies(config.policies.sources);
  assert.equal(compilePolicies(documents, { createRemoteKeySource: () => ({ getKeys: () => [] }) }).policies.length, 4);
});

test('a CUSTOM policy naming an unknown provider stops the gateway from starting, with file and line', async () => {
  const dir = policyDir({
    'c.yaml':
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata: { name: c }\nspec:\n  action: CUSTOM\n  provider: { name: nobody }\n  rules: [{}]\n',
  });
  const gw = createGateway(
    loadGatewayConfig({
      object: { listeners: [{ port: 0 }], admin: { enabled: false }, policies: { sources: [dir.dir], watch: false } },
    }),
    { logger: silent },
  );
  try {
    await assert.rejects(
      gw.listen(),
      /c\.yaml:1: spec\.provider\.name: "nobody" is not in policies\.extensionProviders/,
    );
  } finally {
    await gw.close();
    dir.remove();
  }
});

test('remote.ip comes from X-Forwarded-For only through a trusted proxy; source.ip is the peer', async () => {
  const upstream = await startEchoUpstream();
  const dir = policyDir({
    'ip.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: office }
spec:
  rules:
    - from: [{ source: { remoteIpBlocks: ["10.0.0.0/8"], ipBlocks: ["127.0.0.1/32"] } }]
`,
  });
  const make = (trustedProxies: string[]) =>
    createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ port: 0 }],
          admin: { enabled: false },
          routes: [{ name: 'echo', upstream: upstream.url }],
          policies: { sources: [dir.dir], watch: false },
          trustedProxies,
        },
      }),
      { logger: silent },
    );
  const trusting = make(['127.0.0.1/32']);
  const wary = make([]);
  await trusting.listen();
  await wary.listen();
  try {
    const status = async (base: string, xff?: string) => {
      const res = await request(`${base}/x`, { headers: xff ? { 'x-forwarded-for': xff } : {} });
      await res.body.dump();
      return res.statusCode;
    };
    assert.equal(await status(trusting.urls.main!, '10.1.2.3'), 200);
    assert.equal(
      await status(trusting.urls.main!, '10.1.2.3, 192.168.1.1'),
      403,
      'the right-most untrusted hop is the client',
    );
    assert.equal(await status(trusting.urls.main!), 403);
    assert.equal(await status(wary.urls.main!, '10.1.2.3'), 403, 'an untrusted peer cannot claim an address');
  } finally {
    await trusting.close();
    await wary.close();
    await upstream.close();
    dir.remove();
  }
});

test('trustedProxies entries are checked when the configuration loads', () => {
  for (const bad of ['10.0.0.0/33', 'not-an-ip', '::1/129', '10.0.0.0/8/1', '10.0.0.0/x']) {
    assert.throws(
      () => loadGatewayConfig({ object: { trustedProxies: [bad] } }),
      /trustedProxies\.0: .* is not an IP address or CIDR block/,
      bad,
    );
  }
  assert.equal(
    loadGatewayConfig({ object: { trustedProxies: ['10.0.0.0/8', '::1', 'fd00::/8', '127.0.0.1'] } }).trustedProxies
      .length,
    4,
  );
});
