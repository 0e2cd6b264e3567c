// Express 5, Fastify 5 and node:http adapters against real servers on 127.0.0.1, hit with fetch
// and, for requests fetch will not send (duplicate headers, dot segments), with raw sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { createAuthenticator, withTessera, type AuthenticatorOptions } from '@tessera/core';
import { tesseraExpress } from '@tessera/core/express';
import { tesseraFastify } from '@tessera/core/fastify';
import { makeVerifier, NOW, rawRequest, token } from './helpers.js';

const options: AuthenticatorOptions = {
  verifier: makeVerifier(),
  realm: 'orders',
  exempt: ['GET /health'],
  requirements: [{ route: '/admin/*', scopes: ['admin'] }],
};

interface Running {
  port: number;
  close(): Promise<void>;
}

function listen(server: Server): Promise<Running> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve({
        port: (server.address() as AddressInfo).port,
        close: () =>
          new Promise<void>((r) => {
            server.closeAllConnections();
            server.close(() => r());
          }),
      });
    });
  });
}

const servers: Record<string, () => Promise<Running>> = {
  express: async () => {
    const app = express();
    app.use(tesseraExpress(options));
    app.get('/health', (_req, res) => {
      res.json({ ok: true });
    });
    app.get('/admin/:x', (req, res) => {
      res.json({ sub: req.auth?.payload.sub, where: 'admin' });
    });
    app.get('/orders', (req, res) => {
      res.json({ sub: req.auth?.payload.sub });
    });
    return listen(createServer(app));
  },
  fastify: async () => {
    const app = Fastify();
    await app.register(tesseraFastify, options);
    app.get('/health', () => ({ ok: true }));
    app.get('/admin/:x', (request) => ({ sub: request.auth?.payload.sub, where: 'admin' }));
    app.get('/orders', (request) => ({ sub: request.auth?.payload.sub }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    return { port: (app.server.address() as AddressInfo).port, close: () => app.close() };
  },
  'node:http': async () => {
    const handler = withTessera((req, res) => {
      res.setHeader('content-type', 'application/json');
      if (req.url === '/health') return void res.end(JSON.stringify({ ok: true }));
      if (req.url?.startsWith('/admin/'))
        return void res.end(JSON.stringify({ sub: req.auth?.payload.sub, where: 'admin' }));
      res.end(JSON.stringify({ sub: req.auth?.payload.sub }));
    }, createAuthenticator(options));
    return listen(createServer(handler));
  },
};

for (const [name, start] of Object.entries(servers)) {
  test(`${name}: RFC 6750 answers end to end`, async (t) => {
    const server = await start();
    t.after(() => server.close());
    const base = `http://127.0.0.1:${server.port}`;

    await t.test('missing token → 401 without error attribute', async () => {
      const res = await fetch(`${base}/orders`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="orders"');
      assert.equal(((await res.json()) as { code?: unknown }).code, 'ERR_AUTH_TOKEN_MISSING');
    });

    await t.test('valid token → 200 with the token on the request', async () => {
      const res = await fetch(`${base}/orders`, { headers: { authorization: `Bearer ${token()}` } });
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { sub: 'svc-a' });
    });

    await t.test('bad token → 401 invalid_token', async () => {
      const res = await fetch(`${base}/orders`, { headers: { authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' } });
      assert.equal(res.status, 401);
      assert.match(
        res.headers.get('www-authenticate')!,
        /^Bearer realm="orders", error="invalid_token", error_description=".+"$/,
      );
    });

    await t.test('expired token → 401 invalid_token', async () => {
      const res = await fetch(`${base}/orders`, {
        headers: { authorization: `Bearer ${token({}, { at: NOW - 7200_000, expiresIn: 60 })}` },
      });
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate')!, /error="invalid_token"/);
      assert.equal(((await res.json()) as { code?: unknown }).code, 'ERR_JWT_EXPIRED');
    });

    await t.test('wrong scope → 403 insufficient_scope', async () => {
      const res = await fetch(`${base}/admin/x`, { headers: { authorization: `Bearer ${token({ scope: 'read' })}` } });
      assert.equal(res.status, 403);
      assert.equal(
        res.headers.get('www-authenticate'),
        'Bearer realm="orders", error="insufficient_scope", error_description="the token lacks the scope admin", scope="admin"',
      );
      const ok = await fetch(`${base}/admin/x`, {
        headers: { authorization: `Bearer ${token({ scope: 'read admin' })}` },
      });
      assert.equal(ok.status, 200);
      assert.deepEqual(await ok.json(), { sub: 'svc-a', where: 'admin' });
    });

    await t.test('exempt route → 200 without a token', async () => {
      const res = await fetch(`${base}/health`);
      assert.equal(res.status, 200);
      assert.deepEqual(await res.json(), { ok: true });
    });

    await t.test('path tricks against the exemption → 401', async () => {
      for (const path of [
        '/health/../admin/x',
        '/health/%2e%2e/admin/x',
        '/health/..%2Fadmin/x',
        '/%68ealth',
        '/health/./',
      ]) {
        const res = await rawRequest(server.port, [`GET ${path} HTTP/1.1`]);
        assert.equal(res.status, 401, path);
        assert.match(res.headers['www-authenticate'] ?? '', /^Bearer realm="orders"/, path);
      }
    });

    await t.test('a requirement is not skipped by case or trailing slash', async () => {
      const weak = `Authorization: Bearer ${token({ scope: 'read' })}`;
      for (const path of ['/ADMIN/x', '/admin/x/', '/admin//x', '/x/../admin/x']) {
        const res = await rawRequest(server.port, [`GET ${path} HTTP/1.1`, weak]);
        assert.ok(res.status === 403, `${path}: ${res.status}`);
      }
    });

    await t.test('duplicate Authorization headers → 400 invalid_request', async () => {
      const t1 = token();
      const res = await rawRequest(server.port, [
        'GET /orders HTTP/1.1',
        `Authorization: Bearer ${t1}`,
        `Authorization: Bearer ${t1}`,
      ]);
      assert.equal(res.status, 400);
      assert.match(res.headers['www-authenticate'] ?? '', /error="invalid_request"/);
      const mixed = await rawRequest(server.port, [
        'GET /orders HTTP/1.1',
        'Authorization: Basic dTpw',
        `authorization: Bearer ${t1}`,
      ]);
      assert.equal(mixed.status, 400);
    });
  });
}

test('node:http: a handler that throws after authentication gets a generic 500, not its message', async (t) => {
  const server = await listen(createServer(withTessera(() => Promise.reject(new Error('secret internals')), options)));
  t.after(() => server.close());
  const res = await fetch(`http://127.0.0.1:${server.port}/orders`, {
    headers: { authorization: `Bearer ${token()}` },
  });
  assert.equal(res.status, 500);
  assert.ok(!(await res.text()).includes('secret'));
  const denied = await fetch(`http://127.0.0.1:${server.port}/orders`);
  assert.equal(denied.status, 401, 'the handler never runs without a token');
});

test('express: mounted under a path, the full path is what is authenticated', async (t) => {
  const app = express();
  const router = express.Router();
  router.use(tesseraExpress({ ...options, exempt: ['GET /api/health'] }));
  router.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  router.get('/orders', (req, res) => {
    res.json({ sub: req.auth?.payload.sub });
  });
  app.use('/api', router);
  const server = await listen(createServer(app));
  t.after(() => server.close());
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/api/health`)).status, 200);
  assert.equal((await fetch(`http://127.0.0.1:${server.port}/api/orders`)).status, 401);
});

test('fastify: requests made with app.inject() (no headersDistinct) are authenticated too', async (t) => {
  const app = Fastify();
  t.after(() => app.close());
  await app.register(tesseraFastify, options);
  app.get('/orders', (request) => ({ sub: request.auth?.payload.sub }));
  const ok = await app.inject({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token()}` } });
  assert.equal(ok.statusCode, 200);
  assert.ok((JSON.parse(ok.body) as { sub?: unknown }).sub);
  const missing = await app.inject({ method: 'GET', url: '/orders' });
  assert.equal(missing.statusCode, 401);
  assert.equal(missing.headers['www-authenticate'], 'Bearer realm="orders"');
});
