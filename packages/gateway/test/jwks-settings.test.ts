// policies.jwks settings reach the remote key sources: the unknown-kid refetch cooldown, counted
// by the requests the JWKS server saw.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'undici';
import { generateKey, signJwt } from '@tessera/core';
import { createGateway, loadGatewayConfig } from '@tessera/gateway';
import { ISSUER, policyDir, requestAuthentication, silent, startIssuer } from './internal/fixtures.js';
import { startEchoUpstream } from './internal/echo-upstream.js';

async function unknownKidFetches(jwks: Record<string, number> | undefined): Promise<number> {
  const issuer = await startIssuer();
  const upstream = await startEchoUpstream();
  const policies = policyDir({ 'ra.yaml': requestAuthentication(issuer.jwksUrl) });
  const gateway = createGateway(
    loadGatewayConfig({
      object: {
        listeners: [{ name: 'main', port: 0 }],
        admin: { enabled: false },
        routes: [{ name: 'echo', upstream: upstream.url, labels: { app: 'echo' } }],
        policies: { sources: [policies.dir], watch: false, defaultAction: 'allow', ...(jwks ? { jwks } : {}) },
      },
    }),
    { logger: silent },
  );
  try {
    await gateway.listen();
    const stranger = generateKey('RS256', { kid: 'not-published' });
    const token = signJwt({ sub: 'x' }, stranger.signingKey, { issuer: ISSUER, expiresIn: '1h' });
    for (let i = 0; i < 3; i++) {
      const res = await request(`${gateway.urls.main}/`, { headers: { authorization: `Bearer ${token}` } });
      await res.body.text();
      assert.equal(res.statusCode, 401);
    }
    return issuer.fetches();
  } finally {
    await gateway.close();
    await upstream.close();
    await issuer.close();
    policies.remove();
  }
}

test('unknown kids refetch at most once per policies.jwks.cooldownMs (default 30 s)', async () => {
  assert.equal(await unknownKidFetches(undefined), 1, 'the first load only; the cooldown holds the rest');
  assert.ok(
    (await unknownKidFetches({ cooldownMs: 0 })) >= 3,
    'without a cooldown, unknown kids refetch again and again',
  );
});

test('policies.jwks values are checked at load', () => {
  assert.throws(
    () => loadGatewayConfig({ object: { policies: { jwks: { cacheMaxAgeMs: 10 } } } }),
    /policies\.jwks\.cacheMaxAgeMs/,
  );
  assert.deepEqual(loadGatewayConfig({}).policies.jwks, {
    cacheMaxAgeMs: 600_000,
    cooldownMs: 30_000,
    staleIfErrorMs: 3_600_000,
  });
});
