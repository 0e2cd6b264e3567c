// End to end over real sockets: client → gateway → echo upstream (no policies, defaultAction allow).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import pino from 'pino';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { startEchoUpstream, type Echo } from './internal/echo-upstream.js';
import { rawRequest } from './internal/raw-http.js';

const silent = pino({ level: 'silent' });

async function setup(extra: Record<string, unknown> = {}) {
  const upstream = await startEchoUpstream();
  const config = loadGatewayConfig({
    object: {
      listeners: [{ name: 'main', port: 0 }],
      admin: { port: 0 },
      routes: [{ name: 'echo', upstream: upstream.url, labels: { app: 'echo' } }],
      policies: { defaultAction: 'allow', watch: false },
      ...extra,
    },
  });
  const gateway = createGateway(config, { logger: silent });
  await gateway.listen();
  return {
    upstream,
    gateway,
    url: gateway.urls.main!,
    close: async () => {
      await gateway.close();
      await upstream.close();
    },
  };
}

test('proxies method, path, query and body; removes hop-by-hop headers both ways; sets X-Forwarded-*', async () => {
  const s = await setup();
  try {
    const res = await request(`${s.url}/a/b?x=1&y=2`, {
      method: 'POST',
      body: 'hello body',
      headers: {
        'content-type': 'text/plain',
        connection: 'keep-alive, x-secret-hop',
        'x-secret-hop': '1',
        te: 'trailers',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-proto': 'https',
        'x-custom': 'kept',
      },
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['x-upstream-hop'], undefined, 'a header named in the upstream Connection is removed');
    assert.notEqual(res.headers['keep-alive'], 'timeout=7', 'the upstream Keep-Alive is not relayed');
    const echo = (await res.body.json()) as Echo;
    assert.equal(echo.method, 'POST');
    assert.equal(echo.url, '/a/b?x=1&y=2');
    assert.equal(echo.body, 'hello body');
    assert.equal(echo.headers['x-custom'], 'kept');
    assert.equal(echo.headers.te, undefined);
    assert.equal(
      echo.headers['x-forwarded-for'],
      '127.0.0.1',
      'a client-supplied X-Forwarded-For from an untrusted peer is replaced',
    );
    assert.equal(echo.headers['x-forwarded-proto'], 'http');
    assert.equal(echo.headers.host, new URL(s.url).host, 'the Host is preserved');
    const raw = await rawRequest(s.url, [
      'GET /hop HTTP/1.1',
      'Host: a.test',
      'X-Secret-Hop: 1',
      'Keep-Alive: timeout=9',
      'Connection: X-Secret-Hop',
      'Proxy-Authorization: Basic eDp5',
      'Upgrade-Insecure-Requests: 1',
    ]);
    const e2 = JSON.parse(raw.body) as Echo;
    assert.equal(e2.headers['x-secret-hop'], undefined, 'a header named in Connection is removed');
    assert.equal(e2.headers['proxy-authorization'], undefined);
    assert.notEqual(e2.headers['keep-alive'], 'timeout=9');
    assert.equal(
      e2.headers['upgrade-insecure-requests'],
      '1',
      'an end-to-end header that merely starts like a hop-by-hop one is kept',
    );
    assert.equal(e2.headers.host, 'a.test');
  } finally {
    await s.close();
  }
});

test("a trusted proxy's X-Forwarded-For is appended to", async () => {
  const s = await setup({ trustedProxies: ['127.0.0.0/8'] });
  try {
    const res = await request(`${s.url}/`, {
      headers: { 'x-forwarded-for': '10.1.2.3', 'x-forwarded-proto': 'https' },
    });
    const echo = (await res.body.json()) as Echo;
    assert.equal(echo.headers['x-forwarded-for'], '10.1.2.3, 127.0.0.1');
    assert.equal(echo.headers['x-forwarded-proto'], 'https');
  } finally {
    await s.close();
  }
});

test('streams a large body both ways', async () => {
  const s = await setup();
  try {
    const big = 'x'.repeat(3 * 1024 * 1024);
    const res = await request(`${s.url}/upload`, { method: 'PUT', body: big });
    const echo = (await res.body.json()) as Echo;
    assert.equal(echo.body.length, big.length);
  } finally {
    await s.close();
  }
});

test('the path is normalized once: the upstream gets the path that was routed and authorized', async () => {
  const s = await setup();
  try {
    for (const [path, expected] of [
      ['//admin', '/admin'],
      ['/x/../admin', '/admin'],
      ['/%61dmin/./y', '/admin/y'],
      ['/x/%2e%2e/admin', '/admin'],
    ] as const) {
      const res = await rawRequest(s.url, [`GET ${path} HTTP/1.1`, 'Host: a.test']);
      assert.equal(res.status, 200, path);
      assert.equal((JSON.parse(res.body) as Echo).url, expected, path);
    }
    for (const path of ['/a%2Fb', '/a%00b', '/a\\b', '/a%zz']) {
      const res = await rawRequest(s.url, [`GET ${path} HTTP/1.1`, 'Host: a.test']);
      assert.equal(res.status, 400, path);
    }
  } finally {
    await s.close();
  }
});

test('duplicate Authorization or Host → 400; too many headers → 431; the gateway keeps serving', async () => {
  const s = await setup({ limits: { maxHeaderCount: 20 } });
  try {
    let res = await rawRequest(s.url, [
      'GET / HTTP/1.1',
      'Host: a.test',
      'Authorization: Bearer a.b.c',
      'Authorization: Bearer d.e.f',
    ]);
    assert.equal(res.status, 400);
    res = await rawRequest(s.url, ['GET / HTTP/1.1', 'Host: a.test', 'Host: b.test']);
    assert.equal(res.status, 400);
    res = await rawRequest(s.url, [
      'GET / HTTP/1.1',
      'Host: a.test',
      ...Array.from({ length: 30 }, (_, i) => `X-H${i}: v`),
    ]);
    assert.equal(res.status, 431);
    res = await rawRequest(s.url, ['GET / HTTP/1.1', 'Host: a.test', `X-Big: ${'a'.repeat(20_000)}`]);
    assert.equal(res.status, 431);
    const ok = await request(`${s.url}/still-up`);
    assert.equal(ok.statusCode, 200);
    await ok.body.dump();
  } finally {
    await s.close();
  }
});

test('upstream down → 502; upstream slow → 504', async () => {
  const s = await setup();
  await s.upstream.close();
  try {
    const res = await request(`${s.url}/`);
    assert.equal(res.statusCode, 502);
    await res.body.dump();
  } finally {
    await s.gateway.close();
  }
  const { createServer } = await import('node:http');
  const slow = createServer(() => {
    /* never answers */
  });
  await new Promise<void>((r) => slow.listen(0, '127.0.0.1', r));
  const port = (slow.address() as { port: number }).port;
  const gw = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'slow', upstream: `http://127.0.0.1:${port}` }],
        policies: { defaultAction: 'allow', watch: false },
        limits: { upstreamHeadersTimeoutMs: 200 },
      },
    }),
    { logger: silent },
  );
  await gw.listen();
  try {
    const res = await request(`${gw.urls.main}/`);
    assert.equal(res.statusCode, 504);
    assert.equal(await res.body.text(), 'upstream request timeout');
  } finally {
    await gw.close();
    slow.closeAllConnections();
    slow.close();
  }
});

test('admin listener: /healthz, /readyz, /metrics', async () => {
  const s = await setup();
  try {
    const ok = await request(`${s.url}/x`);
    await ok.body.dump();
    const admin = s.gateway.urls.admin!;
    assert.equal((await request(`${admin}/healthz`)).statusCode, 200);
    const ready = await request(`${admin}/readyz`);
    assert.equal(ready.statusCode, 200);
    await ready.body.dump();
    const metrics = await (await request(`${admin}/metrics`)).body.text();
    assert.match(metrics, /tessera_gateway_rbac_allowed_total\{route="echo"\} 1/);
    assert.match(metrics, /tessera_gateway_upstream_rq_total\{route="echo",code_class="2xx"\} 1/);
  } finally {
    await s.close();
  }
});

test('no route → 404; defaultAction deny → 403 RBAC: access denied', async () => {
  const upstream = await startEchoUpstream();
  const gw = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'api', host: 'api.test', pathPrefix: '/api', upstream: upstream.url }],
        policies: { watch: false },
      },
    }),
    { logger: silent },
  );
  await gw.listen();
  try {
    let res = await rawRequest(gw.urls.main!, ['GET /other HTTP/1.1', 'Host: api.test']);
    assert.equal(res.status, 404);
    res = await rawRequest(gw.urls.main!, ['GET /apix HTTP/1.1', 'Host: api.test']);
    assert.equal(res.status, 404, 'prefixes match on segment boundaries');
    res = await rawRequest(gw.urls.main!, ['GET /api/x HTTP/1.1', 'Host: api.test']);
    assert.equal(res.status, 403);
    assert.equal(res.body, 'RBAC: access denied');
    assert.equal(upstream.received.length, 0);
  } finally {
    await gw.close();
    await upstream.close();
  }
});
