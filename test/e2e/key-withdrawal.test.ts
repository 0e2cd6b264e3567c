// A stolen signing key, withdrawn at the token service (hardening issue): every gateway that
// follows the revocation feed drops the key and its verified-token cache, so a token that passed a
// moment ago is refused on its next requests: on the stream before any poll could bring it (the
// poll is a minute away), when polling within a few poll intervals — although
// the gateway's JWKS cache would have kept the key for its whole max-age.
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
import { clientCredentialsToken, echoUpstream, writeOrdersPolicies } from './internal/orders-stack.js';

const silent = pino({ level: 'silent' });

for (const mode of ['stream', 'poll'] as const)
  test(`a withdrawn key stops verifying at the gateway before its JWKS cache expires (revocations by ${mode})`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-withdraw-'));
    const ts = createTokenService(
      loadConfig({
        object: {
          server: { port: 0 },
          storage: { type: 'file', dataDir: join(dir, 'data') },
          rateLimit: { enabled: false },
          clients: [
            { id: 'webui', secret: 'webui-secret-0123456789', audiences: ['orders'] },
            { id: 'gateway', secret: 'gateway-secret-0123456789', revocations: true },
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
            {
              name: 'orders',
              pathPrefix: '/orders',
              upstream: upstream.url,
            },
          ],
          // The JWKS is cached for 10 minutes: only the feed can take the key away in time.
          policies: { sources: [policies], watch: false, jwks: { cacheMaxAgeMs: 600_000 } },
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
      const token = await clientCredentialsToken(tsUrl, 'webui', 'webui-secret-0123456789', 'orders');
      const call = async () => {
        const res = await request(`${gateway.urls.main}/orders/1`, { headers: { authorization: `Bearer ${token}` } });
        return { status: res.statusCode, text: await res.body.text() };
      };
      assert.equal((await call()).status, 200);
      assert.equal((await call()).status, 200, 'verified and cached');
      await sleep(300); // the stream is open and has sent its cursor

      const kid = decodeJwt(token).header.kid!;
      const withdrawn = await request(`${tsUrl}/admin/keys/${kid}/withdraw`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ts.adminToken}` },
      });
      assert.equal(withdrawn.statusCode, 200, await withdrawn.body.text());
      const at = Date.now();
      let r = await call();
      while (r.status === 200 && Date.now() - at < 5_000) {
        await sleep(20);
        r = await call();
      }
      assert.equal(r.status, 401, r.text);
      // Tokens from the replacement key still pass: only the withdrawn key is gone.
      const fresh = await clientCredentialsToken(tsUrl, 'webui', 'webui-secret-0123456789', 'orders');
      assert.notEqual(decodeJwt(fresh).header.kid, kid);
      const ok = await request(`${gateway.urls.main}/orders/1`, { headers: { authorization: `Bearer ${fresh}` } });
      await ok.body.dump();
      assert.equal(ok.statusCode, 200);
    } finally {
      await gateway.close();
      await upstream.close();
      await ts.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
