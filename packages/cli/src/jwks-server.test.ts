import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKey, toPublicJwk } from '@tessera/core';
import { publicJwks, startJwksServer } from './jwks-server.js';

test('publicJwks strips private members, wraps a single JWK, and refuses oct keys unless allowed', () => {
  const rsa = generateKey('RS256', { kid: 'r1' });
  const { jwks, stripped } = publicJwks(rsa.privateJwk);
  assert.equal(stripped, 1);
  assert.deepEqual(jwks.keys[0], { ...toPublicJwk(rsa.signingKey), ...jwks.keys[0] });
  for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) assert.equal(m in jwks.keys[0], false);
  const hs = generateKey('HS256');
  assert.throws(() => publicJwks({ keys: [hs.privateJwk] }), { code: 'ERR_CLI_INPUT_INVALID' });
  assert.equal(publicJwks({ keys: [hs.privateJwk] }, { allowSymmetric: true }).jwks.keys[0]!['k'], hs.privateJwk.k);
  for (const bad of [null, 3, [], { keys: 'x' }, { keys: [1] }, { keys: [{ kid: 'no-kty' }] }]) {
    assert.throws(() => publicJwks(bad), { code: 'ERR_CLI_INPUT_INVALID' }, JSON.stringify(bad));
  }
});

test('startJwksServer serves the set with Cache-Control, swaps it on update, and closes', async () => {
  const a = generateKey('ES256', { kid: 'a' });
  const b = generateKey('ES256', { kid: 'b' });
  const server = await startJwksServer({ jwks: { keys: [a.privateJwk] }, maxAgeSeconds: 42 });
  try {
    const first = await fetch(server.url);
    assert.equal(first.headers.get('cache-control'), 'public, max-age=42');
    assert.equal(first.headers.get('content-type'), 'application/jwk-set+json');
    assert.deepEqual(
      ((await first.json()) as { keys: { kid: string; d?: string }[] }).keys.map((k) => [k.kid, k.d]),
      [['a', undefined]],
    );
    server.update({ keys: [a.verificationKey.jwk, b.verificationKey.jwk] });
    const second = (await (await fetch(`${server.origin}/.well-known/jwks.json`)).json()) as {
      keys: { kid: string }[];
    };
    assert.deepEqual(
      second.keys.map((k) => k.kid),
      ['a', 'b'],
    );
    const post = await fetch(server.url, { method: 'POST' });
    assert.equal(post.status, 405);
    await post.body?.cancel();
    const missing = await fetch(`${server.origin}/nope`);
    assert.equal(missing.status, 404);
    await missing.body?.cancel();
  } finally {
    await server.close();
  }
  await assert.rejects(fetch(server.url));
});
