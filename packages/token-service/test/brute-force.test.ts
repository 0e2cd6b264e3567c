// Brute force on client secrets (hardening issue): guesses are counted per (client id, source) and
// per source before any hashing; past the limit a source gets 429 with Retry-After on /token,
// /introspect and /revoke alike, while the real client, elsewhere, keeps getting tokens. Requests
// come from distinct loopback addresses (127.0.0.x), as guessing workers on several hosts would.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { hashSecret } from '../src/index.js';
import { startService, type TestService } from './helpers.js';

let ts: TestService;
before(async () => {
  ts = await startService({
    clients: [
      { id: 'svc', secret: 'the-real-secret-of-svc-0123456789', audiences: ['api'] },
      { id: 'svc2', secret: 'the-real-secret-of-svc2-012345678', audiences: ['api'] },
      { id: 'web', secret: 'the-real-secret-of-web-0123456789', grantTypes: ['password'] },
    ],
    grants: {
      password: {
        enabled: true,
        users: [{ username: 'alice', passwordHash: await hashSecret('alice-password'), audiences: ['api'] }],
      },
    },
    // Short waits keep the test fast; the counting rules are the defaults (5 and 20).
    authThrottle: { maxDelayMs: 20, failureWindowSeconds: 60 },
  });
});
after(() => ts.stop());

interface Answer {
  readonly status: number;
  readonly retryAfter: string | undefined;
  readonly body: Record<string, unknown>;
}

/** POSTs `form` to `path` with HTTP Basic credentials from the loopback address `source`. */
function call(source: string, id: string, secret: string, path = '/token', form = 'grant_type=client_credentials') {
  const url = new URL(path, ts.url);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        localAddress: source,
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (d: Buffer) => (text += d.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode!,
            retryAfter: res.headers['retry-after'],
            body: text.length > 0 ? (JSON.parse(text) as Record<string, unknown>) : {},
          }),
        );
      },
    );
    req.once('error', reject);
    req.end(form);
  });
}

test('20 wrong secrets from one source: then 429 with Retry-After, even for the right secret; the real client elsewhere still gets tokens', async () => {
  for (let i = 0; i < 20; i++) assert.equal((await call('127.0.0.2', 'svc', `guess-${i}`)).status, 401);
  const refused = await call('127.0.0.2', 'svc', 'the-real-secret-of-svc-0123456789');
  assert.equal(refused.status, 429, 'blocked before hashing, whatever the secret');
  assert.equal(refused.body['error'], 'temporarily_unavailable');
  assert.ok(Number(refused.retryAfter) >= 59 && Number(refused.retryAfter) <= 60, refused.retryAfter);
  const real = await call('127.0.0.3', 'svc', 'the-real-secret-of-svc-0123456789');
  assert.equal(real.status, 200, 'another source is not locked out');
});

test('unknown client ids count too: a source guessing random ids is refused after 20', async () => {
  for (let i = 0; i < 20; i++) assert.equal((await call('127.0.0.4', `random-${i}`, 'x')).status, 401);
  assert.equal((await call('127.0.0.4', 'random-new', 'x')).status, 429);
});

test('/token, /introspect and /revoke share the counters', async () => {
  for (let i = 0; i < 7; i++)
    assert.equal((await call('127.0.0.5', 'svc', `g${i}`, '/introspect', 'token=abc')).status, 401);
  for (let i = 0; i < 7; i++)
    assert.equal((await call('127.0.0.5', 'svc', `h${i}`, '/revoke', 'token=abc')).status, 401);
  for (let i = 0; i < 6; i++) assert.equal((await call('127.0.0.5', 'svc', `k${i}`)).status, 401);
  for (const path of ['/introspect', '/revoke', '/token']) {
    const form = path === '/token' ? 'grant_type=client_credentials' : 'token=abc';
    assert.equal((await call('127.0.0.5', 'svc', 'x', path, form)).status, 429, path);
  }
});

test('a client id guessed from many sources is slowed, never blocked: its real secret still works', async () => {
  // 60 failures for svc2, 4 from each of 15 sources: no (id, source) pair and no source reaches 20.
  for (let i = 0; i < 60; i++) assert.equal((await call(`127.0.1.${10 + (i % 15)}`, 'svc2', `guess-${i}`)).status, 401);
  const real = await call('127.0.1.99', 'svc2', 'the-real-secret-of-svc2-012345678');
  assert.equal(real.status, 200);
  const metrics = await (await fetch(`${ts.service.operationsUrl}/metrics`)).text();
  assert.match(metrics, /tessera_auth_throttled_total\{action="blocked"\} [1-9]/);
  assert.match(metrics, /tessera_auth_throttled_total\{action="delayed"\} [1-9]/);
});

test('passwords share the guard: 20 wrong passwords from one source, then 429 even for the right one', async () => {
  const form = (password: string) => `grant_type=password&username=alice&password=${encodeURIComponent(password)}`;
  const web = ['web', 'the-real-secret-of-web-0123456789'] as const;
  for (let i = 0; i < 20; i++) {
    const r = await call('127.0.2.1', ...web, '/token', form(`guess-${i}`));
    assert.equal(r.status, 400, JSON.stringify(r.body));
    assert.equal(r.body['error'], 'invalid_grant');
  }
  assert.equal((await call('127.0.2.1', ...web, '/token', form('alice-password'))).status, 429);
  assert.equal((await call('127.0.2.2', ...web, '/token', form('alice-password'))).status, 200);
});

test('failures that need no hash count too: 20 malformed credentials from one source, then 429', async () => {
  const malformed = (source: string) =>
    new Promise<number>((resolve, reject) => {
      const url = new URL('/token', ts.url);
      request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          localAddress: source,
          headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'Basic bm9jb2xvbg==' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode!));
        },
      )
        .once('error', reject)
        .end('grant_type=client_credentials');
    });
  for (let i = 0; i < 20; i++) assert.equal(await malformed('127.0.3.1'), 401);
  assert.equal(await malformed('127.0.3.1'), 429);
  assert.equal(await malformed('127.0.3.2'), 401, 'another source is not affected');
});
