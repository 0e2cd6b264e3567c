// Hot reload (good file swaps in, bad file keeps the old set) and minting with the gateway's own
// key (the minted token verifies against the gateway's JWKS endpoint).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { Writable } from 'node:stream';
import pino from 'pino';
import { createVerifier, type Jwks } from '@tessera/core';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { startEchoUpstream, type Echo } from './internal/echo-upstream.js';
import { ISSUER, policyDir, startStack } from './internal/fixtures.js';

const allowPath = (path: string) => `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow, namespace: default }
spec:
  action: ALLOW
  rules:
    - to: [{ operation: { paths: ["${path}"] } }]
`;

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await sleep(25);
  }
  assert.fail(`timed out waiting for ${what}`);
}

test('hot reload: a good file is swapped in; a bad file keeps the old set and is logged with file, line and field', async () => {
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
  const upstream = await startEchoUpstream();
  const dir = policyDir({ 'ap.yaml': allowPath('/one') });
  const gw = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'echo', upstream: upstream.url }],
        policies: { sources: [dir.dir], debounceMs: 20 },
      },
    }),
    { logger },
  );
  await gw.listen();
  const status = async (path: string) => {
    const res = await request(`${gw.urls.main}${path}`);
    await res.body.dump();
    return res.statusCode;
  };
  try {
    assert.equal(await status('/one'), 200);
    assert.equal(await status('/two'), 403);
    dir.write('ap.yaml', allowPath('/two'));
    await until(async () => (await status('/two')) === 200, 'the new policy');
    assert.equal(await status('/one'), 403);

    dir.write(
      'ap.yaml',
      `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: allow, namespace: default }
spec:
  action: ALLOW
  rules:
    - to: [{ operation: { methods: 42 } }]
`,
    );
    await until(() => lines.some((l) => l.includes('policy reload failed')), 'the failed reload to be logged');
    const failure = lines.find((l) => l.includes('policy reload failed'))!;
    assert.match(failure, /ap\.yaml/);
    assert.match(failure, /methods/);
    assert.match(failure, /:\d+|line/);
    assert.equal(await status('/two'), 200, 'the old set stays in force');
    await assert.rejects(gw.reload());
  } finally {
    await gw.close();
    await upstream.close();
    dir.remove();
  }
});

test('mint: the upstream gets a short-lived token for its audience, signed by the gateway and verifiable at its JWKS', async () => {
  const s = await startStack(
    {
      'ra.yaml': `apiVersion: security.istio.io/v1
kind: RequestAuthentication
metadata: { name: jwt, namespace: default }
spec:
  jwtRules: [{ issuer: "${ISSUER}", jwksUri: "{{JWKS}}" }]
`,
      'ap.yaml': `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: any-caller, namespace: default }
spec:
  rules: [{ from: [{ source: { requestPrincipals: ["*"] } }] }]
`,
    },
    { minting: { issuer: 'https://gateway.tessera.test', subjectPrefixes: { [ISSUER]: 'test-issuer:' } } },
    { mutations: { mint: { mode: 'self', audience: 'orders', lifetimeSeconds: 30 } } },
  );
  try {
    const original = s.issuer.sign({ sub: 'alice', act: { sub: 'webui' } });
    const get = async () => {
      const res = await request(`${s.url}/orders/1`, { headers: { authorization: `Bearer ${original}` } });
      assert.equal(res.statusCode, 200);
      return (await res.body.json()) as Echo;
    };
    const first = await get();
    const minted = String(first.headers.authorization).replace(/^Bearer /, '');
    assert.notEqual(minted, original);
    const jwks = (await (await request(`${s.url}/.well-known/jwks.json`)).body.json()) as Jwks;
    assert.ok(jwks.keys.length >= 1);
    assert.ok(
      jwks.keys.every((k) => k.d === undefined),
      'no private members published',
    );
    const verified = await createVerifier({
      issuer: 'https://gateway.tessera.test',
      audience: 'orders',
      keys: jwks,
    }).verify(minted);
    assert.equal(verified.payload.sub, 'test-issuer:alice');
    assert.equal(verified.payload.aud, 'orders');
    assert.deepEqual(verified.payload.act, { sub: 'https://gateway.tessera.test', act: { sub: 'webui' } });
    assert.ok(verified.payload.exp! - verified.payload.iat! <= 30);
    const second = await get();
    assert.equal(
      second.headers.authorization,
      first.headers.authorization,
      'cached per (subject, audience, original token)',
    );
    const other = s.issuer.sign({ sub: 'bob' });
    const res = await request(`${s.url}/orders/1`, { headers: { authorization: `Bearer ${other}` } });
    const third = (await res.body.json()) as Echo;
    assert.notEqual(third.headers.authorization, first.headers.authorization);
  } finally {
    await s.close();
  }
});

test('revocationsMaxStaleMs: when the feed has been unreachable too long, tokens with a jti are refused (fail closed)', async () => {
  const { startIssuer, requestAuthentication } = await import('./internal/fixtures.js');
  const { createServer } = await import('node:net');
  const pino = (await import('pino')).default;
  const issuer = await startIssuer();
  const upstream = await startEchoUpstream();
  const dir = policyDir({ 'ra.yaml': requestAuthentication(issuer.jwksUrl), 'ap.yaml': allowPath('/*') });
  const closedPort = await new Promise<number>((resolve) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
  let now = Date.now();
  const gw = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'echo', upstream: upstream.url, labels: { app: 'echo' } }],
        policies: { sources: [dir.dir], watch: false },
        tokenService: {
          url: `http://127.0.0.1:${closedPort}`,
          clientId: 'gateway',
          clientSecret: 'gateway-secret-0123456789',
          revocationsPollMs: 50,
          revocationsMaxStaleMs: 5000,
        },
      },
    }),
    { logger: pino({ level: 'silent' }), clock: () => now },
  );
  await gw.listen();
  try {
    // iat from the gateway's clock: a token issued after `now` was frozen would be refused as not yet valid.
    const withJti = issuer.sign({ sub: 'alice', jti: 'id-1', iat: Math.floor(now / 1000) });
    const status = async (token: string) => {
      const res = await request(`${gw.urls.main}/x`, { headers: { authorization: `Bearer ${token}` } });
      await res.body.dump();
      return res.statusCode;
    };
    assert.equal(await status(withJti), 200, 'within the allowed staleness');
    now += 10_000;
    assert.equal(await status(withJti), 401, 'the list is too old to trust');
  } finally {
    await gw.close();
    await upstream.close();
    await issuer.close();
    dir.remove();
  }
});
