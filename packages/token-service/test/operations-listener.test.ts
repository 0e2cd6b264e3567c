// The operations listener (hardening issue, task 4): `/metrics` is served only there (127.0.0.1 by
// default, its own port), never on the OAuth port every client reaches; `/healthz` and `/readyz`
// answer on both.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { postForm, startService } from './helpers.js';
import { DEFAULT_OPERATIONS_PORT, loadConfig, operationsPort } from '../src/index.js';

const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };

test('the OAuth listener: /healthz and /readyz answer, /metrics is 404', async () => {
  const ts = await startService({ clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }] });
  try {
    assert.deepEqual(await (await fetch(`${ts.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${ts.url}/readyz`)).json(), { status: 'ready', storage: 'up' });
    const metrics = await fetch(`${ts.url}/metrics`);
    assert.equal(metrics.status, 404);
    assert.equal(metrics.headers.get('content-type'), 'application/problem+json');
    const text = await metrics.text();
    assert.doesNotMatch(text, /tessera_/, 'no metric leaks on the OAuth port');
  } finally {
    await ts.stop();
  }
});

test('the operations listener: /metrics, /healthz and /readyz on 127.0.0.1, nothing of the OAuth or admin API', async () => {
  const ts = await startService({ clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }] });
  try {
    const ops = ts.service.operationsUrl;
    assert.match(ops, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.notEqual(ops, ts.url);
    await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A);
    const metrics = await fetch(`${ops}/metrics`);
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.match(await metrics.text(), /tessera_tokens_issued_total\{grant_type="client_credentials"\} 1/);
    assert.deepEqual(await (await fetch(`${ops}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${ops}/readyz`)).json(), { status: 'ready', storage: 'up' });
    for (const [method, path] of [
      ['POST', '/token'],
      ['GET', '/.well-known/jwks.json'],
      ['GET', '/admin/clients'],
      ['GET', '/revocations'],
    ] as const) {
      const r = await fetch(`${ops}${path}`, {
        method,
        headers: { authorization: `Bearer ${ts.service.adminToken}` },
      });
      assert.equal(r.status, 404, `${method} ${path} is not served on the operations listener`);
      await r.body?.cancel();
    }
  } finally {
    await ts.stop();
  }
});

test('server.operations.port binds the port given; the listener closes with the service', async () => {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const p = (probe.address() as { port: number }).port;
      probe.close(() => resolve(p));
    });
  });
  const ts = await startService({ server: { operations: { port } } });
  assert.equal(ts.service.operationsUrl, `http://127.0.0.1:${port}`);
  assert.equal((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
  await ts.stop();
  await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`));
});

test('defaults: 127.0.0.1 and port 7403, a free port when server.port is 0, never the OAuth port', () => {
  assert.equal(DEFAULT_OPERATIONS_PORT, 7403);
  const defaults = loadConfig({});
  assert.equal(defaults.server.operations.host, '127.0.0.1');
  assert.equal(operationsPort(defaults.server), 7403);
  assert.equal(operationsPort(loadConfig({ overrides: { 'server.port': 0 } }).server), 0);
  assert.equal(
    operationsPort(loadConfig({ object: { server: { port: 0, operations: { port: 9100 } } } }).server),
    9100,
  );
  assert.equal(operationsPort(loadConfig({ env: { TESSERA_OPERATIONS_PORT: '9101' }, object: {} }).server), 9101);
  for (const server of [{ port: 9000, operations: { port: 9000 } }, { port: 7403 }]) {
    assert.throws(
      () => loadConfig({ object: { server } }),
      (e: unknown) =>
        e instanceof Error &&
        (e as { code?: string }).code === 'ERR_TOKEN_SERVICE_CONFIG_INVALID' &&
        /server\.operations\.port/.test(e.message),
    );
  }
});
