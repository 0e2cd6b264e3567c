// `tessera health`: the container image's HEALTHCHECK. Real servers on 127.0.0.1, port 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { runTessera } from './run-cli.js';

test('tessera health: 0 on 2xx, 1 on any other answer, on no answer and on nothing listening; 2 on a bad URL', async () => {
  const server = createServer((req, res) => {
    if (req.url === '/readyz') res.writeHead(200).end('ok');
    else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2000).unref();
    else if (req.url === '/moved') res.writeHead(302, { location: '/readyz' }).end();
    else res.writeHead(503).end('draining');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    const ok = await runTessera(['health', `${base}/readyz`]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /^healthy: HTTP 200 from http:\/\/127\.0\.0\.1:\d+\/readyz\n$/);

    const fromEnv = await runTessera(['health'], { env: { TESSERA_HEALTH_URL: `${base}/readyz` } });
    assert.equal(fromEnv.code, 0, fromEnv.stderr);

    const unhealthy = await runTessera(['health', `${base}/healthz`]);
    assert.equal(unhealthy.code, 1);
    assert.match(unhealthy.stderr, /ERR_CLI_CHECK_FAILED: .*unhealthy \(HTTP 503\)/);

    // A redirect is not health (a login page answering 302 would otherwise pass).
    const moved = await runTessera(['health', `${base}/moved`]);
    assert.equal(moved.code, 1);
    assert.match(moved.stderr, /HTTP 302/);

    const slow = await runTessera(['health', `${base}/slow`, '--timeout', '200']);
    assert.equal(slow.code, 1);
    assert.match(slow.stderr, /ERR_CLI_REMOTE_FAILED: .*no answer within 200 ms/);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  const refused = await runTessera(['health', base]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /ERR_CLI_REMOTE_FAILED: .*ECONNREFUSED/);

  const bad = await runTessera(['health', 'ftp://example.test/']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /ERR_CLI_USAGE: not an http\(s\) URL/);
});
