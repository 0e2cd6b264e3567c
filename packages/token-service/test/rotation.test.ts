// Key rotation without breaking anyone (issue 3, "Keys"): a verifier that caches the JWKS for its
// Cache-Control max-age (jose's createLocalJWKSet + jwtVerify over a cache we refresh on that
// schedule only, never on an unknown kid) sees zero failed verifications across several automatic
// rotations, driven by an injected clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { postForm, startService } from './helpers.js';

test('zero failed verifications across five rotations with a JWKS-caching verifier', async () => {
  let now = Date.UTC(2026, 0, 1);
  const ts = await startService(
    {
      clients: [{ id: 'svc-a', secret: 'svc-a-secret-0123456789', audiences: ['svc-b'] }],
      keys: { rotationIntervalSeconds: 1800, jwksCacheSeconds: 300 },
      tokens: { defaultLifetimeSeconds: 300, maxLifetimeSeconds: 600, clockSkewSeconds: 60 },
      rateLimit: { enabled: false },
    },
    { clock: () => now },
  );
  try {
    let cache: { keys: ReturnType<typeof createLocalJWKSet>; kids: string[]; until: number } | undefined;
    const refresh = async () => {
      const res = await fetch(`${ts.url}/.well-known/jwks.json`);
      const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get('cache-control') ?? '')?.[1]);
      assert.equal(maxAge, 300);
      const jwks = (await res.json()) as JSONWebKeySet;
      cache = { keys: createLocalJWKSet(jwks), kids: jwks.keys.map((k) => k.kid!), until: now + maxAge * 1000 };
    };
    const live: { token: string; exp: number; kid: string }[] = [];
    const signingKids = new Set<string>();
    const publishedMax = { count: 0 };
    let verifications = 0;
    // Collected, not thrown at once: the check after the loop is then the one that fails, and it
    // lists every failed verification rather than only the first.
    const failures: string[] = [];
    const end = now + 5.5 * 1800 * 1000;
    while (now < end) {
      now += 60_000;
      await ts.service.tick();
      if (cache === undefined || now >= cache.until) await refresh();
      publishedMax.count = Math.max(publishedMax.count, cache!.kids.length);
      const r = await postForm(
        `${ts.url}/token`,
        { grant_type: 'client_credentials' },
        { id: 'svc-a', secret: 'svc-a-secret-0123456789' },
      );
      assert.equal(r.status, 200);
      const token = r.body['access_token'] as string;
      const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { kid: string };
      signingKids.add(header.kid);
      live.push({ token, exp: now / 1000 + 300, kid: header.kid });
      for (const t of live) {
        if (t.exp <= now / 1000) continue;
        verifications += 1;
        try {
          await jwtVerify(t.token, cache!.keys, {
            issuer: ts.service.issuer,
            audience: 'svc-b',
            currentDate: new Date(now),
          });
        } catch (error) {
          failures.push(
            `token signed by ${t.kid} failed at +${(now - Date.UTC(2026, 0, 1)) / 1000}s with cached kids ${cache!.kids.join(',')}: ${(error as Error).message}`,
          );
        }
      }
      while (live.length > 0 && live[0]!.exp <= now / 1000) live.shift();
    }
    assert.deepEqual(failures, [], 'zero failed verifications');
    assert.ok(verifications > 500, `verified ${verifications} tokens`);
    assert.ok(signingKids.size >= 6, `expected ≥ 6 signing keys over 5.5 rotation periods, saw ${signingKids.size}`);
    assert.ok(
      publishedMax.count >= 2 && publishedMax.count <= 3,
      'the next key is published beside the active one, never more than next + active + retired',
    );
    const states = ts.service.keyRing.list().map((k) => k.state);
    assert.equal(states.filter((s) => s === 'active').length, 1);
    assert.ok(states.filter((s) => s === 'removed').length >= 4, 'retired keys are removed once their tokens expired');
    const audit = await ts.service.storage.audit.list({ limit: 1000 });
    assert.ok(audit.some((e) => e.action === 'key.active' && e.actor === 'system'));
    assert.ok(audit.some((e) => e.action === 'key.removed'));
  } finally {
    await ts.stop();
  }
});
