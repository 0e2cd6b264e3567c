// The gateway in front of a service, trusting the real token service over HTTP only: tokens from
// client_credentials pass; a revoked token is refused within the poll interval; a route that
// exchanges tokens (RFC 8693) gives the upstream a token for its own audience.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { request } from 'undici';
import { decodeJwt } from '@tessera/core';
import { createTokenService, loadConfig } from '@tessera/token-service';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { basic, echoUpstream, writeOrdersPolicies } from './internal/orders-stack.js';

const silent = pino({ level: 'silent' });
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';

for (const mode of ['poll', 'stream'] as const)
  test(`gateway + token service (revocations by ${mode}): client_credentials token passes, revoked token → 401, token exchange for the upstream`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-gw-ts-'));
    const ts = createTokenService(
      loadConfig({
        object: {
          server: { port: 0 },
          storage: { type: 'file', dataDir: join(dir, 'data') },
          rateLimit: { enabled: false },
          clients: [
            {
              id: 'webui',
              secret: 'webui-secret-0123456789',
              audiences: ['orders'],
              grantTypes: ['client_credentials'],
            },
            // No impersonation: the gateway delegates, sending its own client_credentials token as actor.
            // `revocations: true`: the gateway follows the revocation feed with these credentials.
            {
              id: 'gateway',
              secret: 'gateway-secret-0123456789',
              audiences: ['inventory'],
              grantTypes: [TOKEN_EXCHANGE, 'client_credentials'],
              exchange: { subjectAudiences: ['orders'], targetAudiences: ['inventory'] },
              revocations: true,
            },
          ],
        },
      }),
      { logger: silent },
    );
    const tsUrl = await ts.listen();
    const upstream = await echoUpstream();
    const policies = writeOrdersPolicies(dir, ts.issuer, tsUrl, `${ts.issuer}/webui`);
    const gateway = createGateway(
      loadGatewayConfig({
        object: {
          listeners: [{ port: 0 }],
          admin: { enabled: false },
          routes: [
            { name: 'orders', pathPrefix: '/orders', upstream: upstream.url },
            {
              name: 'inventory',
              pathPrefix: '/inventory',
              upstream: upstream.url,
              mutations: { mint: { mode: 'exchange', audience: 'inventory' } },
            },
          ],
          policies: { sources: [policies], watch: false },
          tokenService: {
            url: tsUrl,
            clientId: 'gateway',
            clientSecret: 'gateway-secret-0123456789',
            revocationsPollMs: mode === 'stream' ? 60_000 : 200,
            revocationsMode: mode,
          },
        },
      }),
      { logger: silent },
    );
    await gateway.listen();
    try {
      const tokenRes = await request(`${tsUrl}/token`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic('webui', 'webui-secret-0123456789'),
        },
        body: 'grant_type=client_credentials&audience=orders',
      });
      const { access_token: token } = (await tokenRes.body.json()) as { access_token: string };
      assert.equal(tokenRes.statusCode, 200);

      const call = async (path: string) => {
        const res = await request(`${gateway.urls.main}${path}`, { headers: { authorization: `Bearer ${token}` } });
        const text = await res.body.text();
        return { status: res.statusCode, text };
      };
      assert.equal((await call('/orders/1')).status, 200);

      const exchanged = await call('/inventory/7');
      assert.equal(exchanged.status, 200, exchanged.text);
      const upstreamToken = String(
        (JSON.parse(exchanged.text) as { headers: Record<string, string> }).headers.authorization,
      ).replace(/^Bearer /, '');
      assert.notEqual(upstreamToken, token);
      assert.equal(decodeJwt(upstreamToken).payload.aud, 'inventory');
      assert.equal(decodeJwt(upstreamToken).payload.sub, 'webui');
      assert.deepEqual(
        decodeJwt(upstreamToken).payload.act,
        { sub: 'gateway' },
        'RFC 8693 §4.1: the gateway is recorded as the actor',
      );

      const revoke = await request(`${tsUrl}/revoke`, {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          authorization: basic('webui', 'webui-secret-0123456789'),
        },
        body: `token=${token}`,
      });
      assert.equal(revoke.statusCode, 200);
      await revoke.body.dump();
      const revokedAt = Date.now();
      let r = await call('/orders/1');
      // Polled every 200 ms, or pushed by the stream (whose reconnect poll is a minute away, so only
      // the stream can deliver it here); bounded so a broken feed fails instead of hanging.
      while (r.status === 200 && Date.now() - revokedAt < 10_000) {
        await sleep(50);
        r = await call('/orders/1');
      }
      assert.equal(r.status, 401);
      assert.equal(r.text, 'Jwt verification fails');
    } finally {
      await gateway.close();
      await upstream.close();
      await ts.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

test('gateway + token service: the revocation stream ends at its maximum, the gateway resumes from its cursor and refuses a token revoked just after the reconnect within 1 s', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-gw-stream-'));
  const streams: { since: string | null; lastEventId: string | undefined; authorization: string | undefined }[] = [];
  const ts = createTokenService(
    loadConfig({
      object: {
        server: { port: 0 },
        storage: { type: 'file', dataDir: join(dir, 'data') },
        rateLimit: { enabled: false },
        revocationStream: { heartbeatMs: 100, maxDurationMs: 1500 },
        clients: [
          { id: 'webui', secret: 'webui-secret-0123456789', audiences: ['orders'] },
          { id: 'gateway', secret: 'gateway-secret-0123456789', revocations: true },
        ],
      },
    }),
    {
      logger: silent,
      onRequest: (req) => {
        const url = new URL(req.url ?? '/', 'http://ts');
        if (url.pathname === '/revocations/stream')
          streams.push({
            since: url.searchParams.get('since'),
            lastEventId: req.headers['last-event-id'] as string | undefined,
            authorization: req.headers.authorization,
          });
      },
    },
  );
  const tsUrl = await ts.listen();
  const upstream = await echoUpstream();
  const policies = writeOrdersPolicies(dir, ts.issuer, tsUrl);
  const gateway = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'orders', pathPrefix: '/orders', upstream: upstream.url }],
        policies: { sources: [policies], watch: false, defaultAction: 'allow' },
        tokenService: {
          url: tsUrl,
          clientId: 'gateway',
          clientSecret: 'gateway-secret-0123456789',
          revocationsMode: 'stream',
          // A poll a minute away: only the stream, and its reconnect, can deliver in time.
          revocationsPollMs: 60_000,
        },
      },
    }),
    { logger: silent },
  );
  await gateway.listen();
  const webui = basic('webui', 'webui-secret-0123456789');
  const issue = async () => {
    const res = await request(`${tsUrl}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: webui },
      body: 'grant_type=client_credentials&audience=orders',
    });
    assert.equal(res.statusCode, 200);
    return ((await res.body.json()) as { access_token: string }).access_token;
  };
  const revoke = async (token: string) => {
    const res = await request(`${tsUrl}/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: webui },
      body: `token=${token}`,
    });
    assert.equal(res.statusCode, 200);
    await res.body.dump();
  };
  const status = async (token: string) => {
    const res = await request(`${gateway.urls.main}/orders/1`, { headers: { authorization: `Bearer ${token}` } });
    await res.body.dump();
    return res.statusCode;
  };
  /** Milliseconds until the gateway refuses `token`; fails after one second. */
  const refusedWithin = async (token: string) => {
    const t0 = Date.now();
    while ((await status(token)) === 200) {
      if (Date.now() - t0 > 1000) assert.fail('still accepted a second after the revocation');
      await sleep(20);
    }
    return Date.now() - t0;
  };
  const until = async (check: () => boolean, what: string, ms: number) => {
    const t0 = Date.now();
    while (!check()) {
      if (Date.now() - t0 > ms) assert.fail(`timed out waiting for ${what}`);
      await sleep(10);
    }
  };
  try {
    const [first, second, kept] = [await issue(), await issue(), await issue()];
    for (const t of [first, second, kept]) assert.equal(await status(t), 200);
    await until(() => streams.length === 1, 'the first stream', 5000);
    await revoke(first);
    await refusedWithin(first);

    // The token service ends the stream after 1.5 s; the gateway reconnects from its cursor.
    await until(() => streams.length === 2, 'the reconnect after the stream ended', 5000);
    assert.ok(streams[1]!.since, 'resumed from a cursor, not from the start');
    assert.notEqual(streams[1]!.since, streams[0]!.since ?? '', 'from the cursor the first stream ended with');
    for (const s of streams) assert.equal(s.authorization, basic('gateway', 'gateway-secret-0123456789'));
    await sleep(50);
    await revoke(second);
    await refusedWithin(second);
    assert.equal(await status(first), 401, 'still refused after the reconnect');
    assert.equal(await status(kept), 200, 'an unrevoked token still passes');
  } finally {
    await gateway.close();
    await upstream.close();
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
