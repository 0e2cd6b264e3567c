// A token revoked at the token service (RFC 7009) is refused by the gateway and by a service that
// verifies tokens itself with @tessera/core (the library pattern): both follow the revocation feed,
// the service through `createVerifier({ revocations: createRevocationFeed(...) })`, its verified-token
// cache included. When the feed goes down for longer than its bound, both refuse every token (fail
// closed), and accept again once it is back. The delays are printed as diagnostics, never asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { request } from 'undici';
import {
  createRemoteJwks,
  createRevocationFeed,
  createVerifier,
  decodeJwt,
  withTessera,
  type RevocationFeed,
} from '@tessera/core';
import { createTokenService, loadConfig, type TokenService } from '@tessera/token-service';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { basic, clientCredentialsToken, echoUpstream, writeOrdersPolicies } from './internal/orders-stack.js';

const silent = pino({ level: 'silent' });
const WEBUI = { id: 'webui', secret: 'webui-secret-0123456789' };
const ORDERS = { id: 'orders', secret: 'orders-secret-0123456789' };
const GATEWAY = { id: 'gateway', secret: 'gateway-secret-0123456789' };
/** How long each follower keeps accepting tokens after it last reached the feed. */
const MAX_STALE_MS = 1500;

function startTokenService(dataDir: string, port = 0): TokenService {
  return createTokenService(
    loadConfig({
      object: {
        // The operations listener on a free port too: with a fixed OAuth port it would take 7403.
        server: { host: '127.0.0.1', port, operations: { port: 0 } },
        storage: { type: 'file', dataDir },
        rateLimit: { enabled: false },
        // A stream follower counts the feed as reached at each heartbeat: well within MAX_STALE_MS,
        // or a quiet stream (the default 5 s) would make it refuse every token between events.
        revocationStream: { heartbeatMs: 300 },
        clients: [
          { id: WEBUI.id, secret: WEBUI.secret, audiences: ['orders'] },
          { id: ORDERS.id, secret: ORDERS.secret, revocations: true },
          { id: GATEWAY.id, secret: GATEWAY.secret, revocations: true },
        ],
      },
    }),
    { logger: silent },
  );
}

/** Calls `call` until it answers 200 (or 15 s pass); its last status. */
async function firstAllowed(call: () => Promise<number>): Promise<number> {
  const at = performance.now();
  let status = await call();
  while (status !== 200 && performance.now() - at < 15_000) {
    await sleep(50);
    status = await call();
  }
  return status;
}

/** Calls `call` until it answers something else than `from`; answers the new status and the time it took. */
async function until(call: () => Promise<number>, from: number): Promise<{ status: number; ms: number }> {
  const at = performance.now();
  let status = await call();
  while (status === from && performance.now() - at < 15_000) {
    await sleep(10);
    status = await call();
  }
  return { status, ms: Math.round(performance.now() - at) };
}

for (const mode of ['stream', 'poll'] as const)
  test(`revoked at the token service, refused by the gateway and the library (feed by ${mode}); a feed outage fails closed`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-library-revocation-'));
    let ts = startTokenService(join(dir, 'data'));
    const tsUrl = await ts.listen();
    const issuer = ts.issuer;
    const upstream = await echoUpstream();
    const policies = writeOrdersPolicies(dir, issuer, tsUrl, `${issuer}/webui`);
    const gateway = createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ port: 0 }],
          admin: { host: '127.0.0.1', port: 0 },
          routes: [{ name: 'orders', pathPrefix: '/orders', upstream: upstream.url }],
          policies: { sources: [policies], watch: false },
          tokenService: {
            url: tsUrl,
            clientId: GATEWAY.id,
            clientSecret: GATEWAY.secret,
            revocationsMode: mode,
            revocationsPollMs: 200,
            revocationsMaxStaleMs: MAX_STALE_MS,
          },
        },
      }),
      { logger: silent },
    );
    await gateway.listen();
    // The orders service: node:http with core's adapter, its verifier following the feed.
    const feed: RevocationFeed = createRevocationFeed({
      url: tsUrl,
      clientId: ORDERS.id,
      clientSecret: ORDERS.secret,
      mode,
      pollInterval: 200,
      maxStaleDuration: MAX_STALE_MS,
    });
    feed.start();
    const jwks = createRemoteJwks(new URL(`${tsUrl}/.well-known/jwks.json`));
    const orders: Server = createServer(
      withTessera((_req, res) => void res.end('ok'), {
        verifier: createVerifier({ issuer, audience: 'orders', keys: jwks, revocations: feed }),
        realm: 'orders',
      }),
    );
    await new Promise<void>((r) => orders.listen(0, '127.0.0.1', r));
    const ordersUrl = `http://127.0.0.1:${(orders.address() as AddressInfo).port}`;
    const call = (base: string, token: string) => async () => {
      const res = await request(`${base}/orders/1`, { headers: { authorization: `Bearer ${token}` } });
      await res.body.dump();
      return res.statusCode;
    };
    try {
      const token = await clientCredentialsToken(tsUrl, WEBUI.id, WEBUI.secret, 'orders');
      for (const base of [gateway.urls.main!, ordersUrl]) {
        // A follower refuses every token until it has first reached the feed (fail closed); on a
        // loaded machine that can take longer than MAX_STALE_MS, so wait for its first yes.
        assert.equal(await firstAllowed(call(base, token)), 200);
        assert.equal(await call(base, token)(), 200, 'verified and cached');
      }
      await sleep(300); // each follower has read the feed (and a stream is open)

      const revoked = await request(`${tsUrl}/revoke`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(WEBUI.id, WEBUI.secret) },
        body: `token=${token}`,
      });
      await revoked.body.dump();
      assert.equal(revoked.statusCode, 200);
      const [atGateway, atLibrary] = await Promise.all([
        until(call(gateway.urls.main!, token), 200),
        until(call(ordersUrl, token), 200),
      ]);
      assert.equal(atGateway.status, 401);
      assert.equal(atLibrary.status, 401);
      t.diagnostic(`revocation refused after ${atGateway.ms} ms at the gateway, ${atLibrary.ms} ms in the library`);

      // The feed goes down: past MAX_STALE_MS both refuse every token, then accept again once it is back.
      const fresh = await clientCredentialsToken(tsUrl, WEBUI.id, WEBUI.secret, 'orders');
      assert.equal(await call(ordersUrl, fresh)(), 200);
      const port = Number(new URL(tsUrl).port);
      await ts.close();
      const [downGateway, downLibrary] = await Promise.all([
        until(call(gateway.urls.main!, fresh), 200),
        until(call(ordersUrl, fresh), 200),
      ]);
      assert.equal(downGateway.status, 401, 'the gateway refuses while its feed is stale');
      // ERR_REVOCATIONS_UNAVAILABLE (503) in the verifier; the middleware answers 401, as for a JWKS outage.
      assert.equal(downLibrary.status, 401, 'the library refuses while its feed is stale');
      t.diagnostic(`feed down: refused after ${downGateway.ms} ms (gateway), ${downLibrary.ms} ms (library)`);
      // The gateway counts the feed's reads and failures; the library reports them to onEvent.
      const metrics = await (await request(`${gateway.urls['admin']}/metrics`)).body.text();
      for (const name of ['revocation_feed_success_total', 'revocation_feed_failed_total']) {
        const value = Number(new RegExp(`^tessera_gateway_${name} (\\d+)$`, 'm').exec(metrics)?.[1] ?? 0);
        assert.ok(value > 0, `${name} is ${value}`);
      }
      ts = startTokenService(join(dir, 'data'), port);
      await ts.listen();
      const [upGateway, upLibrary] = await Promise.all([
        until(call(gateway.urls.main!, fresh), 401),
        until(call(ordersUrl, fresh), 401),
      ]);
      assert.equal(upGateway.status, 200);
      assert.equal(upLibrary.status, 200);
      assert.equal(await call(ordersUrl, token)(), 401, 'the revoked token stays refused');
    } finally {
      feed.close();
      jwks.close();
      await new Promise<void>((r) => orders.close(() => r()));
      await gateway.close();
      await upstream.close();
      await ts.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

test('the library refuses the tokens exchanged from a revoked token, and every token of a withdrawn key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-library-family-'));
  const EXCHANGER = { id: 'orders-backend', secret: 'orders-backend-secret-0123' };
  const ts = createTokenService(
    loadConfig({
      object: {
        server: { host: '127.0.0.1', port: 0 },
        storage: { type: 'file', dataDir: join(dir, 'data') },
        rateLimit: { enabled: false },
        clients: [
          { id: WEBUI.id, secret: WEBUI.secret, audiences: ['orders'] },
          {
            id: EXCHANGER.id,
            secret: EXCHANGER.secret,
            grantTypes: ['client_credentials', 'urn:ietf:params:oauth:grant-type:token-exchange'],
            exchange: { subjectAudiences: ['orders'], targetAudiences: ['inventory'], impersonation: true },
          },
          { id: ORDERS.id, secret: ORDERS.secret, revocations: true },
        ],
      },
    }),
    { logger: silent },
  );
  const tsUrl = await ts.listen();
  const feed = createRevocationFeed({ url: tsUrl, clientId: ORDERS.id, clientSecret: ORDERS.secret, mode: 'stream' });
  feed.start();
  const jwks = createRemoteJwks(new URL(`${tsUrl}/.well-known/jwks.json`));
  // The inventory service: what the exchanged tokens are for.
  const verifier = createVerifier({
    issuer: ts.issuer,
    audience: ['orders', 'inventory'],
    keys: jwks,
    revocations: feed,
  });
  const accepted = (token: string) =>
    verifier.verify(token).then(
      () => 200,
      () => 401,
    );
  try {
    const parent = await clientCredentialsToken(tsUrl, WEBUI.id, WEBUI.secret, 'orders');
    const res = await request(`${tsUrl}/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: basic(EXCHANGER.id, EXCHANGER.secret),
      },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token: parent,
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        audience: 'inventory',
      }).toString(),
    });
    const child = ((await res.body.json()) as { access_token: string }).access_token;
    assert.equal(res.statusCode, 200);
    assert.equal(await accepted(child), 200);
    await sleep(300); // the stream is open
    const revoked = await request(`${tsUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(WEBUI.id, WEBUI.secret) },
      body: `token=${parent}`,
    });
    await revoked.body.dump();
    const family = await until(() => accepted(child), 200);
    assert.equal(family.status, 401, 'the exchanged token goes with its parent');
    t.diagnostic(`exchanged token refused ${family.ms} ms after its parent was revoked`);

    // A stolen key: withdrawn at the token service, every token it signed is refused, cached or not.
    const other = await clientCredentialsToken(tsUrl, WEBUI.id, WEBUI.secret, 'orders');
    assert.equal(await accepted(other), 200);
    const kid = decodeJwt(other).header.kid!;
    const withdrawn = await request(`${tsUrl}/admin/keys/${kid}/withdraw`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ts.adminToken}` },
    });
    await withdrawn.body.dump();
    assert.equal(withdrawn.statusCode, 200);
    const key = await until(() => accepted(other), 200);
    assert.equal(key.status, 401);
    t.diagnostic(`token of a withdrawn key refused after ${key.ms} ms`);
  } finally {
    feed.close();
    jwks.close();
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
