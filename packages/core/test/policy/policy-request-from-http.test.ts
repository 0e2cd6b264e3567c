// policyRequestFromHttp over a real node:http server on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request as httpRequest, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  isTesseraError,
  policyRequestFromHttp,
  type PolicyRequest,
  type PolicyRequestFromHttpOptions,
} from '@tessera/core';

async function capture(
  path: string,
  headers: Record<string, string | string[]>,
  options: PolicyRequestFromHttpOptions = {},
): Promise<{ port: number; result: PolicyRequest | Error }> {
  let result: PolicyRequest | Error = new Error('no request');
  const server = createServer((req: IncomingMessage, res) => {
    try {
      result = policyRequestFromHttp(req, options);
    } catch (error) {
      result = error as Error;
    }
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  try {
    await new Promise<void>((resolve, reject) => {
      const r = httpRequest({ host: '127.0.0.1', port, path, headers, agent: false }, (res) => {
        res.resume();
        res.on('end', resolve);
      });
      r.on('error', reject);
      r.end();
    });
  } finally {
    server.close();
  }
  return { port, result };
}

/** For assertion messages: an Error as `Name: message`, a request as JSON. */
function show(result: PolicyRequest | Error): string {
  return result instanceof Error ? String(result) : JSON.stringify(result);
}

test('builds the normalized request: path, query, host, port, headers, addresses', async () => {
  const labels = { app: 'api' };
  const { port, result } = await capture(
    '//api/./v1/../%61dmin?x=1&y=2',
    {
      Host: 'API.Example.com:8080',
      'X-Custom': ['a', 'b'],
      'X-Forwarded-For': '203.0.113.7, 10.0.0.2',
    },
    { routeLabels: labels, routeNamespace: 'shop' },
  );
  assert.ok(!(result instanceof Error), show(result));
  assert.equal(result.method, 'GET');
  assert.equal(result.path, '/api/admin');
  assert.equal(result.query, 'x=1&y=2');
  assert.equal(result.host, 'api.example.com:8080');
  assert.equal(result.port, port);
  assert.equal(result.headers['x-custom'], 'a, b');
  assert.equal(result.sourceIp, '127.0.0.1');
  assert.equal(result.remoteIp, '127.0.0.1', 'X-Forwarded-For is ignored without trusted proxies');
  assert.equal(result.destinationIp, '127.0.0.1');
  assert.equal(result.peerPrincipal, undefined);
  assert.equal(result.sni, undefined);
  assert.equal(result.routeLabels, labels);
  assert.equal(result.routeNamespace, 'shop');
});

test('trusted proxies pick the client address from X-Forwarded-For', async () => {
  const one = await capture('/', { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' }, { trustedProxies: 1 });
  assert.equal((one.result as PolicyRequest).remoteIp, '203.0.113.7');
  const two = await capture('/', { 'X-Forwarded-For': '198.51.100.1, 203.0.113.7' }, { trustedProxies: 2 });
  assert.equal((two.result as PolicyRequest).remoteIp, '198.51.100.1');
  const more = await capture('/', { 'X-Forwarded-For': '203.0.113.7' }, { trustedProxies: 3 });
  assert.equal((more.result as PolicyRequest).remoteIp, '203.0.113.7');
});

test('a path it cannot normalize safely throws ERR_HTTP_PATH_INVALID', async () => {
  for (const path of ['/admin%2f', '/a/%00', '/x\\..\\admin']) {
    const { result } = await capture(path, {});
    assert.ok(isTesseraError(result, 'ERR_HTTP_PATH_INVALID'), `${path}: ${show(result)}`);
  }
  const { result } = await capture('/admin%2fx', {}, { normalize: { escapedSlashes: 'keep' } });
  assert.equal((result as PolicyRequest).path, '/admin%2Fx');
});
