// Operations and the remaining flows: health, readiness, metrics, rate limiting, the revocation
// feed (poll + SSE), restart persistence on the file store, the demo password grant, impersonation
// with may_act, and graceful shutdown.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import type { Socket } from 'node:net';
import { ACCESS_TOKEN_TYPE, EXCHANGE, decode, postForm, startService } from './helpers.js';
import { hashSecret } from '../src/index.js';

const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };

test('healthz, readyz and a Prometheus /metrics of this instance', async () => {
  const ts = await startService({ clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }] });
  try {
    assert.deepEqual(await (await fetch(`${ts.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${ts.url}/readyz`)).json(), { status: 'ready', storage: 'up' });
    await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A);
    await postForm(
      `${ts.url}/token`,
      { grant_type: 'client_credentials' },
      { id: A.id, secret: 'wrong-wrong-wrong-wrong' },
    );
    // /metrics is served on the operations listener only (see operations-listener.test.ts).
    const text = await (await fetch(`${ts.service.operationsUrl}/metrics`)).text();
    assert.match(text, /tessera_tokens_issued_total\{grant_type="client_credentials"\} 1/);
    assert.match(text, /tessera_token_requests_total\{grant_type="client_credentials",outcome="invalid_client"\} 1/);
    assert.match(text, /tessera_signing_keys\{state="active"\} 1/);
    const missing = await fetch(`${ts.url}/nothing`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get('content-type'), 'application/problem+json');
    assert.equal(((await missing.json()) as { code: string }).code, 'ERR_TOKEN_SERVICE_NOT_FOUND');
  } finally {
    await ts.stop();
  }
});

test('rate limit per client: 429 with Retry-After and an RFC 6749-style body', async () => {
  let now = Date.UTC(2026, 0, 1);
  const ts = await startService(
    {
      clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }],
      rateLimit: { perClient: { ratePerSecond: 1, burst: 2 } },
    },
    { clock: () => now },
  );
  try {
    assert.equal((await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A)).status, 200);
    assert.equal((await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A)).status, 200);
    const limited = await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A);
    assert.equal(limited.status, 429);
    assert.equal(limited.headers.get('retry-after'), '1');
    assert.equal(limited.body['error'], 'temporarily_unavailable');
    now += 1000;
    assert.equal((await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A)).status, 200);
  } finally {
    await ts.stop();
  }
});

test('rate limit per source address applies before authentication', async () => {
  const ts = await startService({ rateLimit: { perAddress: { ratePerSecond: 0.001, burst: 3 } } });
  try {
    const statuses = [];
    for (let i = 0; i < 4; i += 1)
      statuses.push(
        (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, { id: 'x', secret: 'y' })).status,
      );
    assert.deepEqual(statuses, [401, 401, 401, 429]);
  } finally {
    await ts.stop();
  }
});

test('revocation feed: polled list with a cursor, and the SSE stream gets new revocations live', async () => {
  const ts = await startService({
    // The feed answers only an authenticated client allowed to read it (revocation-feed.test.ts).
    clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'], revocations: true }],
    rateLimit: { enabled: false },
  });
  const authorization = `Basic ${Buffer.from(`${A.id}:${A.secret}`).toString('base64')}`;
  const fetch = (url: string) => globalThis.fetch(url, { headers: { authorization } });
  try {
    const t1 = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A)).body[
      'access_token'
    ] as string;
    const t2 = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A)).body[
      'access_token'
    ] as string;
    const first = (await (await fetch(`${ts.url}/revocations`)).json()) as { revocations: unknown[]; cursor: string };
    assert.deepEqual(first.revocations, []);
    assert.equal((await postForm(`${ts.url}/revoke`, { token: t1, token_type_hint: 'access_token' }, A)).status, 200);
    const page = (await (await fetch(`${ts.url}/revocations?since=${encodeURIComponent(first.cursor)}`)).json()) as {
      revocations: { jti: string; exp: number }[];
      cursor: string;
    };
    assert.deepEqual(page.revocations, [{ jti: decode(t1).payload['jti'], exp: decode(t1).payload['exp'] }]);

    const events: string[] = [];
    const stream = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      request(
        `${ts.url}/revocations/stream?since=${encodeURIComponent(page.cursor)}`,
        { headers: { authorization } },
        (res) => resolve(res),
      )
        .on('error', reject)
        .end();
    });
    assert.equal(stream.headers['content-type'], 'text/event-stream');
    const got = new Promise<void>((resolve) => {
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        events.push(chunk);
        if (events.join('').includes('event: revocation')) resolve();
      });
    });
    await postForm(`${ts.url}/revoke`, { token: t2 }, A);
    await got;
    assert.ok(events.join('').includes(`"jti":"${String(decode(t2).payload['jti'])}"`));
    stream.destroy();
    assert.equal((await fetch(`${ts.url}/revocations?since=%00`)).status, 400);
  } finally {
    await ts.stop();
  }
});

test('restart on the file store keeps keys, admin-made clients and revocations', async () => {
  const config = { clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }] };
  const first = await startService(config);
  const created = (await (
    await first.admin('/admin/clients', { method: 'POST', body: JSON.stringify({ id: 'later', audiences: ['x'] }) })
  ).json()) as { client_secret: string };
  const token = (await postForm(`${first.url}/token`, { grant_type: 'client_credentials' }, A)).body[
    'access_token'
  ] as string;
  await postForm(`${first.url}/revoke`, { token }, A);
  const jwksBefore: unknown = await (await fetch(`${first.url}/.well-known/jwks.json`)).json();
  const adminToken = first.service.adminToken;
  await first.stop({ keepData: true });

  const second = await startService(config, { dataDir: first.dataDir });
  try {
    assert.deepEqual(await (await fetch(`${second.url}/.well-known/jwks.json`)).json(), jwksBefore);
    assert.equal(second.service.adminToken, adminToken);
    assert.equal(
      (
        await postForm(
          `${second.url}/token`,
          { grant_type: 'client_credentials' },
          { id: 'later', secret: created.client_secret },
        )
      ).status,
      200,
    );
    const fresh = (await postForm(`${second.url}/token`, { grant_type: 'client_credentials' }, A)).body[
      'access_token'
    ] as string;
    assert.equal(decode(fresh).header['kid'], (jwksBefore as { keys: { kid: string }[] }).keys[0]!.kid);
    assert.equal(await second.service.storage.revocations.isRevoked(decode(token).payload['jti'] as string), true);
    const audit = await second.service.storage.audit.list({ limit: 1000 });
    assert.equal(
      audit.filter((e) => e.action === 'client.created' && e.target === A.id).length,
      1,
      'an unchanged config client is not re-written at restart',
    );
  } finally {
    await second.stop();
  }
});

test('password grant (demo only): scrypt users, same answer for unknown user and wrong password', async () => {
  const ts = await startService({
    grants: {
      password: {
        enabled: true,
        users: [
          {
            username: 'alice',
            passwordHash: await hashSecret('alice-password'),
            scopes: ['orders'],
            audiences: ['order-service'],
          },
        ],
      },
    },
    clients: [{ id: 'web', secret: 'web-secret-0123456789', grantTypes: ['password'] }],
  });
  try {
    const web = { id: 'web', secret: 'web-secret-0123456789' };
    const ok = await postForm(
      `${ts.url}/token`,
      { grant_type: 'password', username: 'alice', password: 'alice-password' },
      web,
    );
    assert.equal(ok.status, 200);
    assert.equal(decode(ok.body['access_token'] as string).payload['sub'], 'alice');
    assert.equal(decode(ok.body['access_token'] as string).payload['aud'], 'order-service');
    const wrong = await postForm(
      `${ts.url}/token`,
      { grant_type: 'password', username: 'alice', password: 'nope' },
      web,
    );
    const unknown = await postForm(
      `${ts.url}/token`,
      { grant_type: 'password', username: 'bob', password: 'nope' },
      web,
    );
    assert.equal(wrong.status, 400);
    assert.deepEqual(wrong.body, unknown.body);
    assert.equal(wrong.body['error'], 'invalid_grant');
  } finally {
    await ts.stop();
  }
});

test('impersonation where allowed: sub kept, no act; an unsupported requested_token_type is refused', async () => {
  const ts = await startService({
    grants: {
      password: {
        enabled: true,
        users: [
          {
            username: 'alice',
            passwordHash: await hashSecret('alice-password'),
            audiences: ['orders'],
            scopes: ['buy'],
          },
        ],
      },
    },
    clients: [
      { id: 'web', secret: 'web-secret-0123456789', grantTypes: ['password'] },
      {
        id: 'orders',
        secret: 'orders-secret-0123456789',
        audiences: ['inventory'],
        grantTypes: ['client_credentials', EXCHANGE],
        exchange: { targetAudiences: ['inventory'], impersonation: true },
      },
    ],
    rateLimit: { enabled: false },
  });
  try {
    const user = (
      await postForm(
        `${ts.url}/token`,
        { grant_type: 'password', username: 'alice', password: 'alice-password' },
        { id: 'web', secret: 'web-secret-0123456789' },
      )
    ).body['access_token'] as string;
    const orders = { id: 'orders', secret: 'orders-secret-0123456789' };
    const imp = await postForm(
      `${ts.url}/token`,
      { grant_type: EXCHANGE, subject_token: user, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'inventory' },
      orders,
    );
    assert.equal(imp.status, 200);
    const claims = decode(imp.body['access_token'] as string).payload;
    assert.equal(claims['sub'], 'alice');
    assert.equal(claims['act'], undefined);
    assert.equal(claims['scope'], 'buy');
    assert.equal(imp.body['issued_token_type'], ACCESS_TOKEN_TYPE);
    // A requested_token_type the server cannot issue is refused.
    const saml = await postForm(
      `${ts.url}/token`,
      {
        grant_type: EXCHANGE,
        subject_token: user,
        subject_token_type: ACCESS_TOKEN_TYPE,
        audience: 'inventory',
        requested_token_type: 'urn:ietf:params:oauth:token-type:saml2',
      },
      orders,
    );
    assert.equal(saml.body['error'], 'invalid_request');
  } finally {
    await ts.stop();
  }
});

test('close() drains: a request in flight completes, then the port is closed', async () => {
  // The server says when the token request is in flight (its onRequest hook), so close() starts
  // while the request is surely being handled: no sleep that a slow machine could outrun.
  let reached: () => void = () => undefined;
  const inServer = new Promise<void>((resolve) => (reached = resolve));
  const ts = await startService(
    { clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }] },
    {
      onRequest: (req) => {
        if (req.url === '/token') reached();
      },
    },
  );
  const inFlight = postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A);
  await inServer;
  const closing = ts.stop();
  assert.equal((await inFlight).status, 200);
  await closing;
  await assert.rejects(fetch(`${ts.url}/healthz`));
});

test('close() ends idle keep-alive connections at once: it resolves although the drain deadline is an hour away', async () => {
  // A client that keeps its connection open (the default of undici, Node's fetch and most pools)
  // must not hold the process after shutdown: only requests in flight are waited for.
  const ts = await startService({ server: { shutdownTimeoutMs: 3_600_000 } });
  const agent = new Agent({ keepAlive: true });
  try {
    const socket = await new Promise<Socket>((resolve, reject) => {
      const req = request(`${ts.url}/healthz`, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket!));
      });
      req.on('error', reject).end();
    });
    assert.equal(socket.destroyed, false, 'the connection is kept for the next request');
    const ended = once(socket, 'close');
    await ts.stop();
    await ended;
  } finally {
    agent.destroy();
  }
});

test('behind a trusted proxy the per-address limit keys on the proxy-appended X-Forwarded-For entry, not on what the client sent', async () => {
  const now = Date.UTC(2026, 0, 1);
  const ts = await startService(
    {
      server: { trustProxy: true },
      clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }],
      rateLimit: { perAddress: { ratePerSecond: 1, burst: 2 } },
    },
    { clock: () => now },
  );
  try {
    // The client rotates the left-most entry; the proxy appended 203.0.113.7 each time.
    const statuses: number[] = [];
    for (const spoofed of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      statuses.push(
        (
          await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A, {
            'x-forwarded-for': `${spoofed}, 203.0.113.7`,
          })
        ).status,
      );
    }
    assert.deepEqual(statuses, [200, 200, 429]);
    // Another real client address behind the same proxy has its own bucket.
    assert.equal(
      (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A, { 'x-forwarded-for': '203.0.113.8' }))
        .status,
      200,
    );
  } finally {
    await ts.stop();
  }
});

test('a subject token accepted inside the clock tolerance but already past its exp is refused, not turned into an expired token', async () => {
  let now = Date.UTC(2026, 0, 1);
  const ts = await startService(
    {
      clients: [
        { id: A.id, secret: A.secret, audiences: ['orders'], tokenLifetimeSeconds: 60 },
        {
          id: 'orders',
          secret: 'orders-secret-0123456789',
          audiences: ['inventory'],
          grantTypes: ['client_credentials', EXCHANGE],
          exchange: { subjectAudiences: ['orders'], targetAudiences: ['inventory'], impersonation: true },
        },
      ],
      rateLimit: { enabled: false },
    },
    { clock: () => now },
  );
  try {
    const subject = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials', audience: 'orders' }, A))
      .body['access_token'] as string;
    const orders = { id: 'orders', secret: 'orders-secret-0123456789' };
    const exchange = () =>
      postForm(
        `${ts.url}/token`,
        { grant_type: EXCHANGE, subject_token: subject, subject_token_type: ACCESS_TOKEN_TYPE, audience: 'inventory' },
        orders,
      );
    now += 30_000;
    const fresh = await exchange();
    assert.equal(fresh.status, 200);
    assert.ok((decode(fresh.body['access_token'] as string).payload['exp'] as number) > Math.floor(now / 1000));
    now += 40_000; // 10 s past the subject's exp, inside the default 60 s tolerance
    const late = await exchange();
    assert.equal(late.status, 400);
    assert.equal(late.body['error'], 'invalid_request');
  } finally {
    await ts.stop();
  }
});
