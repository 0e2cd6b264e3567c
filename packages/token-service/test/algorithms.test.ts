// Every ring algorithm signs tokens jose verifies from the published JWKS, and the rotation timer
// (injected, never the global one) drives the schedule on its own.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from 'jose';
import { decode, postForm, startService } from './helpers.js';

const A = { id: 'svc-a', secret: 'svc-a-secret-0123456789' };

for (const algorithm of ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA'] as const) {
  test(`${algorithm}: issued tokens verify against the JWKS with jose`, async () => {
    const ts = await startService({
      keys: { algorithm },
      clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }],
    });
    try {
      const jwks = (await (await fetch(`${ts.url}/.well-known/jwks.json`)).json()) as JSONWebKeySet;
      assert.equal(jwks.keys[0]!.alg, algorithm);
      const token = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A)).body[
        'access_token'
      ] as string;
      const { protectedHeader } = await jwtVerify(token, createLocalJWKSet(jwks), {
        issuer: ts.service.issuer,
        audience: 'svc-b',
        typ: 'at+jwt',
        algorithms: [algorithm],
      });
      assert.equal(protectedHeader.alg, algorithm);
    } finally {
      await ts.stop();
    }
  });
}

test('the injected rotation timer publishes, promotes and removes keys on schedule', async () => {
  let now = Date.UTC(2026, 0, 1);
  const pending: { fn: () => void; at: number }[] = [];
  const timers = {
    setTimeout: (fn: () => void, ms: number) => {
      const entry = { fn, at: now + ms };
      pending.push(entry);
      return entry;
    },
    clearTimeout: (handle: unknown) => {
      const i = pending.indexOf(handle as { fn: () => void; at: number });
      if (i >= 0) pending.splice(i, 1);
    },
  };
  const ts = await startService(
    {
      clients: [{ id: A.id, secret: A.secret, audiences: ['svc-b'] }],
      keys: { rotationIntervalSeconds: 1200, jwksCacheSeconds: 300, checkIntervalSeconds: 60 },
      tokens: { maxLifetimeSeconds: 600, clockSkewSeconds: 0 },
    },
    { clock: () => now, timers },
  );
  try {
    const first = ts.service.keyRing.list()[0]!.kid;
    // Fire due timers one by one as the clock advances; each tick schedules the next.
    const advance = async (ms: number) => {
      const end = now + ms;
      for (;;) {
        pending.sort((a, b) => a.at - b.at);
        const next = pending[0];
        if (next === undefined || next.at > end) break;
        pending.shift();
        now = Math.max(now, next.at);
        next.fn();
        // The tick runs storage I/O; wait (in real time) until it has scheduled its successor.
        for (let i = 0; i < 2000 && pending.length === 0; i += 1) await new Promise((r) => setTimeout(r, 1));
        assert.ok(pending.length > 0, 'the tick scheduled the next one');
      }
      now = end;
    };
    await advance(901_000);
    assert.deepEqual(
      ts.service.keyRing
        .list()
        .map((k) => k.state)
        .sort(),
      ['active', 'next'],
    );
    await advance(300_000);
    const states = Object.fromEntries(ts.service.keyRing.list().map((k) => [k.kid, k.state]));
    assert.equal(states[first], 'retired');
    const token = (await postForm(`${ts.url}/token`, { grant_type: 'client_credentials' }, A)).body[
      'access_token'
    ] as string;
    assert.notEqual(decode(token).header['kid'], first);
    await advance(601_000);
    assert.equal(Object.fromEntries(ts.service.keyRing.list().map((k) => [k.kid, k.state]))[first], 'removed');
  } finally {
    await ts.stop();
  }
});
